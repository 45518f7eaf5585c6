"""The project file ``informeel.yaml`` and which codebook a command uses.

A research project keeps its own questionnaire in a codebook next to its data. The project file,
found in the working directory or one of its parents (as git and pytest find theirs), names it::

    codebook: codebook.yaml        # relative to informeel.yaml
    data: data/processed           # optional: processed data (clean --out, report --data)
    raw: data/raw                  # optional: raw exports
    reports: reports               # optional: where the HTML reports go
    min_group: 5                   # optional: smallest group that is shown
    salt_file: .informeel_salt     # optional: pseudonymisation salt
    estimator: MLR                 # optional: CFA estimator of notebooks and reports (ML, MLR, WLSMV)

Which codebook is used (:func:`resolve_codebook`): an explicit ``--codebook FILE`` (or a
notebook's ``codebook`` parameter) > the project file's ``codebook`` > the packaged demo
codebook, with a one-line Dutch notice on stderr. Which CFA estimator (:func:`resolve_estimator`):
a notebook's ``schatter`` parameter or ``informeel report --schatter`` > the project file's
``estimator`` > the codebook's ``model: estimator:`` > ML (lavaan's default).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from .codebook import DATA_DIR, DEFAULT_CODEBOOK, REPORT_ESTIMATORS, Codebook, load_codebook
from .errors import CodebookError, InputError

PROJECT_FILE = "informeel.yaml"
DEMO_NOTICE = ("Let op: geen codeboek opgegeven en geen informeel.yaml gevonden; de demovragenlijst van het "
               "pakket wordt gebruikt.")
_KEYS = ("codebook", "data", "raw", "reports", "min_group", "salt_file", "estimator")


@dataclass(frozen=True)
class Project:
    """A parsed ``informeel.yaml``: paths are absolute (resolved against the file's folder)."""

    path: Path
    codebook: Path | None = None
    data: Path | None = None
    raw: Path | None = None
    reports: Path | None = None
    min_group: int | None = None
    salt_file: Path | None = None
    estimator: str | None = None

    @property
    def root(self) -> Path:
        return self.path.parent

    def __repr__(self) -> str:
        return f"Project({str(self.path)!r}, codebook={str(self.codebook) if self.codebook else None!r})"


def find_project_file(start=None) -> Path | None:
    """``informeel.yaml`` in ``start`` (default: the working directory) or the nearest parent; None if none."""
    here = Path(start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


def load_project(start=None) -> Project | None:
    """The project of ``start`` (see :func:`find_project_file`), validated; None outside a project.

    Raises
    ------
    InputError
        Dutch message naming the file when it is not valid YAML, has an unknown key or a wrong value.
    """
    path = find_project_file(start)
    if path is None:
        return None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"het projectbestand is geen geldige YAML: {exc}", file=str(path)) from exc
    if not isinstance(raw, dict):
        raise InputError("het projectbestand moet sleutels bevatten, zoals 'codebook: codebook.yaml'.", file=str(path))
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise InputError(f"onbekende sleutel(s) {', '.join(unknown)}; bekend zijn {', '.join(_KEYS)}.", file=str(path))
    paths = {k: (path.parent / str(raw[k])).resolve() for k in ("codebook", "data", "raw", "reports", "salt_file")
             if raw.get(k)}
    min_group = raw.get("min_group")
    if min_group is not None and (isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 3):
        raise InputError(f"'min_group' moet een geheel getal van minstens 3 zijn (kleinere groepen maken personen "
                         f"herkenbaar), niet {min_group!r}.", file=str(path))
    if "codebook" in paths and not paths["codebook"].is_file():
        raise InputError(f"het codeboek '{raw['codebook']}' uit het projectbestand bestaat niet.", file=str(path))
    estimator = raw.get("estimator")
    if estimator is not None:
        estimator = _checked_estimator(estimator, file=str(path))
    return Project(path, min_group=min_group, estimator=estimator, **paths)


def _checked_estimator(value, *, file=None) -> str:
    """An estimator name in capitals, or a Dutch InputError naming the choices."""
    name = str(value).strip().upper()
    if name not in REPORT_ESTIMATORS:
        raise InputError(f"'estimator' moet een van {', '.join(REPORT_ESTIMATORS)} zijn, niet {value!r}.", file=file)
    return name


def codebook_path(explicit=None, *, start=None, notify: bool = True) -> Path:
    """The path of the codebook to use: ``explicit`` > the project file's > the packaged demo codebook.

    Prints :data:`DEMO_NOTICE` on stderr when it falls back to the demo codebook (``notify``).
    """
    if explicit is not None and not isinstance(explicit, Codebook):
        path = Path(explicit).expanduser().resolve()
        if not path.is_file():
            raise CodebookError(f"Codebook '{explicit}' bestaat niet.")
        return path
    project = load_project(start)
    if project is not None and project.codebook is not None:
        return project.codebook
    if notify:
        print(DEMO_NOTICE, file=sys.stderr)
    return DATA_DIR / DEFAULT_CODEBOOK


def resolve_codebook(codebook=None, *, start=None, notify: bool = True) -> Codebook:
    """The codebook a command or notebook works with (see :func:`codebook_path`).

    Parameters
    ----------
    codebook : Codebook, path or None
        A loaded codebook is returned as it is; a path is loaded; None looks for ``informeel.yaml``.
    start : path, optional
        Where to start looking for ``informeel.yaml`` (default: the working directory).
    notify : bool
        Print the one-line notice when the demo codebook is used.

    Examples
    --------
    Outside any project (no ``informeel.yaml`` in a folder or its parents) it is the packaged demo:

    >>> import tempfile
    >>> from informeel_lib.project import resolve_codebook
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print(resolve_codebook(start=folder, notify=False).name)
    informeel leren in de zorg (demovragenlijst)
    """
    if isinstance(codebook, Codebook):
        return codebook
    path = codebook_path(codebook, start=start, notify=notify)
    if path == DATA_DIR / DEFAULT_CODEBOOK:
        return load_codebook()
    return load_codebook(path)


def project_setting(name: str, explicit=None, default=None, *, start=None):
    """A setting: ``explicit`` when given, else the project file's value, else ``default``."""
    if explicit is not None:
        return explicit
    project = load_project(start)
    value = getattr(project, name, None) if project is not None else None
    return default if value is None else value


def resolve_estimator(explicit=None, *, codebook: Codebook | None = None, start=None) -> str:
    """The CFA estimator of notebooks and reports: ``"ML"``, ``"MLR"`` or ``"WLSMV"``.

    Parameters
    ----------
    explicit : str, optional
        A notebook's ``schatter`` parameter or ``informeel report --schatter``; wins when given.
    codebook : Codebook, optional
        Its research model's ``estimator`` (``model: estimator:``) is used when neither ``explicit``
        nor the project file ``informeel.yaml`` (found from ``start``) names one.
    start : path, optional
        Where to look for ``informeel.yaml`` (default: the working directory).

    Returns
    -------
    str
        The estimator, in capitals; ML (lavaan's default) when nothing names one.

    Raises
    ------
    InputError
        Dutch message for an unknown estimator (in the project file or given explicitly).

    Notes
    -----
    The same rule as the codebook: explicit > ``informeel.yaml`` > codebook > default. In R the
    estimator is an argument of every call, ``lavaan::cfa(model, data, estimator = "MLR")``.

    Examples
    --------
    >>> resolve_estimator("mlr")
    'MLR'
    """
    if explicit is not None:
        return _checked_estimator(explicit)
    project = load_project(start)
    if project is not None and project.estimator is not None:
        return project.estimator
    model = getattr(codebook, "research_model", None)
    return _checked_estimator(getattr(model, "estimator", None) or "ML")
