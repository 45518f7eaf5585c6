"""Batch rendering of the per-round HTML reports (papermill + nbconvert) and the index pages.

For one round, :func:`render_round` renders the report notebook (``informeel_lib/report/rapport.ipynb``)
once for the whole network and once per organisation, as listed in ``data/reports.yaml``, and
writes ``reports/<round>/netwerk.html``, ``reports/<round>/<organisatie-slug>.html``,
``reports/<round>/index.html`` and the top-level ``reports/index.html``.

How it is fast (see ``benchmarks/bench_reports.py``):

* Every report runs in a worker *process* (``concurrent.futures.ProcessPoolExecutor`` by default;
  ``executor=`` takes any :class:`concurrent.futures.Executor`, e.g. a dask.distributed
  ``client.get_executor()``; dask is not a dependency). Each worker keeps one warm Jupyter kernel
  in which the heavy modules are imported once; papermill executes every notebook in that kernel
  (its namespace is reset in between) and nbconvert's Python API exports the HTML in-process.
* The network-wide models (CFA, invariance, multilevel model) are the same in the network report
  and in every organisation report, so they are computed once per round (in parallel parts) and
  cached to a file that the notebooks read.

A failing report does not stop the others; failures are listed at the end (in Dutch) and the
return value says whether everything succeeded.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as _dt
import hashlib
import html
import importlib
import json
import multiprocessing
import os
import re
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ..errors import InformeelError, InputError
from ..files import (
    CACHE_KEY_ENV,
    atomic_write_text,
    cache_key,
    dump_signed_pickle,
    inside,
    load_signed_pickle,
    safe_name,
)
from ..nl import date, integer, round_label
from ..privacy import MIN_GROUP
from .processes import WorkerPool, kernel_launch_options, prepare_worker, stop_on_signals, track_kernel
from .staging import staged_round

KERNEL_NAME = "informeel"
#: the report notebook ships inside the package (package data), so an installed package renders reports
REPORT_NOTEBOOK_DIR = Path(__file__).resolve().parent
_WARMUP = ("import pandas, numpy, scipy, matplotlib, yaml\n"
           "import informeel_lib, informeel_lib.report.context, informeel_lib.report.sections, "
           "informeel_lib.report.figures\n"
           "from IPython.display import HTML, display\n")


# --- configuration and planning ----------------------------------------------------------------

def load_config(path=None) -> dict:
    """The reports configuration (``informeel_lib/data/reports.yaml`` by default)."""
    if path is None:
        text = resources.files("informeel_lib").joinpath("data", "reports.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    cfg = yaml.safe_load(text)
    for key in ("notebook", "rapporten"):
        if key not in cfg:
            raise InformeelError(f"Rapportconfiguratie: sleutel '{key}' ontbreekt.")
    return cfg


def index_title(cfg: dict, codebook) -> str:
    """The heading of the index pages: the configuration's ``titel`` with ``{vragenlijst}`` the codebook's
    ``name`` (first letter capitalised), so another network's reports carry its own questionnaire's name.

    Examples
    --------
    >>> index_title({"titel": "{vragenlijst}"}, None)
    'Informeel leren in de zorg (demovragenlijst)'
    >>> index_title({"titel": "Leernetwerk Noord: {vragenlijst}"}, None)
    'Leernetwerk Noord: Informeel leren in de zorg (demovragenlijst)'
    """
    from ..codebook import load_codebook

    name = (load_codebook(codebook).name or "").strip() or "de vragenlijst"
    template = str(cfg.get("titel") or "{vragenlijst}")
    try:
        return template.format(vragenlijst=name[:1].upper() + name[1:])
    except (KeyError, IndexError, ValueError) as exc:
        raise InformeelError(f"Rapportconfiguratie: 'titel' ({template}) mag alleen {{vragenlijst}} invullen.") from exc


def slugify(name: str) -> str:
    """File-name form of an organisation name: ``'Zonnehuisgroep Noord' -> 'zonnehuisgroep-noord'``."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "organisatie"


@dataclass(frozen=True)
class ReportJob:
    """One notebook run: which notebook, with which papermill parameters, to which HTML file."""

    round_name: str
    name: str
    title: str
    organisation: str | None
    notebook: str
    html_path: str
    parameters: dict = field(default_factory=dict, hash=False)
    n: int = 0
    kernel_name: str = KERNEL_NAME


@dataclass(frozen=True)
class ReportResult:
    """Outcome of one :class:`ReportJob` (``error`` is a Dutch message when ``ok`` is False)."""

    job: ReportJob
    ok: bool
    seconds: float
    error: str = ""

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"MISLUKT: {self.error}"
        return f"ReportResult({self.job.name!r}, {self.seconds:.1f} s, {state})"


def round_path(data_dir, round_name: str) -> Path:
    """``<data_dir>/<round>.parquet``; InputError (Dutch) if it does not exist."""
    path = inside(data_dir, f"{safe_name(round_name)}.parquet")
    if not path.exists():
        raise InputError(f"de opgeschoonde data van ronde {round_name} ontbreekt; draai eerst 'informeel clean'.",
                         file=str(path))
    return path


def organisation_counts(data_dir, round_name: str) -> dict[str, int]:
    """Number of respondents per organisation in a processed round."""
    from ..files import read_parquet

    orgs = read_parquet(round_path(data_dir, round_name), columns=["organisation"])["organisation"]
    return {str(k): int(v) for k, v in orgs.value_counts().sort_index().items()}


def round_disclosure_plan(data_dir, round_name: str, min_group: int, *, codebook):
    """The round's :class:`~informeel_lib.disclosure.DisclosurePlan` (which organisations get a report).

    ``codebook`` (a Codebook or path) is the one the reports use: its open questions decide which
    answer columns the plan protects, so the organisations skipped here are the ones the reports hide.
    """
    import pandas as pd

    from ..codebook import Codebook, load_codebook
    from .context import round_plan

    data = pd.read_parquet(round_path(data_dir, round_name))
    return round_plan(data, min_group=min_group,
                      codebook=codebook if isinstance(codebook, Codebook) else load_codebook(codebook))


def plan_round(round_name: str, *, data_dir, out_dir, organisation=None, min_group: int = MIN_GROUP, config=None,
               shared_path=None, codebook=None, teams: bool = False) -> tuple[list[ReportJob], list[str]]:
    """The report jobs for one round, and the organisations skipped because they are too small.

    ``codebook`` (a path; None: :func:`informeel_lib.project.codebook_path`) is passed to every
    notebook as its ``codebook`` parameter.

    Returns
    -------
    jobs : list of ReportJob
    skipped : list of str
        Dutch notes on organisations with fewer than ``min_group`` respondents (no report).
    """
    from ..codebook import load_codebook
    from ..project import codebook_path

    cfg = config or load_config()
    codebook = codebook_path(codebook)
    questionnaire = load_codebook(codebook)
    counts = organisation_counts(data_dir, round_name)
    if organisation is not None:
        canonical = questionnaire.resolve_organisation(organisation) or organisation
        if canonical not in counts:
            raise InputError(f"organisatie '{organisation}' komt niet voor in ronde {round_name} "
                             f"(wel: {', '.join(counts)}).", file=str(round_path(data_dir, round_name)))
        organisation = canonical
    notebook = str(REPORT_NOTEBOOK_DIR / cfg["notebook"])
    plan = round_disclosure_plan(data_dir, round_name, min_group, codebook=questionnaire)
    out = inside(out_dir, safe_name(round_name))
    base = {"ronde": round_name, "data_map": str(Path(data_dir).resolve()), "min_groep": int(min_group),
            "interactief": False, "gedeeld_pad": str(shared_path) if shared_path else None,
            "codebook": str(codebook), "teampaginas": bool(teams)}
    fmt = {"ronde_naam": round_label(round_name), "ronde": round_name}
    jobs, skipped = [], []
    for spec in cfg["rapporten"]:
        if spec.get("per") == "organisatie":
            for org, n in counts.items():
                if organisation is not None and org != organisation:
                    continue
                if n < min_group or not plan.organisation_published(org):
                    skipped.append(f"{org}: te weinig respondenten om herleidbaarheid uit te sluiten (minimum "
                                   f"{min_group}), geen eigen rapport")
                    continue
                names = dict(fmt, organisatie=org, slug=slugify(org))
                params = {k: (v.format(**names) if isinstance(v, str) else v)
                          for k, v in (spec.get("parameters") or {}).items()}
                name = spec["naam"].format(**names)
                jobs.append(ReportJob(round_name, name, spec["titel"].format(**names), org, notebook,
                                      str(out / f"{name}.html"), {**base, **params}, n))
        elif organisation is None:
            name = spec["naam"].format(**fmt)
            params = dict(spec.get("parameters") or {})
            jobs.append(ReportJob(round_name, name, spec["titel"].format(**fmt), params.get("organisatie"), notebook,
                                  str(out / f"{name}.html"), {**base, **params}, sum(counts.values())))
    return jobs, skipped


MIN_GROUP_FLOOR = 3
"""Smallest ``min_group`` accepted at all; below :data:`~informeel_lib.privacy.MIN_GROUP` (5) is a warning."""


def check_min_group(min_group) -> int:
    """``min_group`` if it is an integer >= :data:`MIN_GROUP_FLOOR`, else a Dutch InputError."""
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < MIN_GROUP_FLOOR:
        raise InputError(f"de minimale groepsgrootte moet een geheel getal van minstens {MIN_GROUP_FLOOR} zijn, "
                         f"niet {min_group!r}: kleinere groepen maken personen herkenbaar.")
    return min_group


# --- worker side --------------------------------------------------------------------------------

_KERNELS: dict = {}


def _run_code(km, code: str, timeout: float = 300) -> None:
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        reply = kc.execute_interactive(code, timeout=timeout, store_history=False, output_hook=lambda msg: None)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")
    finally:
        kc.stop_channels()


def local_kernel_manager_class(asynchronous: bool = False):
    """The KernelManager class for our own report kernels: local Unix sockets instead of TCP ports.

    Why not jupyter_client's default (TCP on 127.0.0.1 without encryption):

    * ipykernel warns "Kernel is running over TCP without encryption" on every start, which filled
      the output of ``make demo``; the warning is right, so the transport is changed rather than
      the warning hidden (real kernel errors still reach stderr);
    * with several processes starting kernels at once (report workers, papermill runs in tests)
      two kernels can pick the same free TCP port, and a client then waits forever for messages
      that went to the other kernel. Unix-domain sockets (``transport="ipc"``) are files named
      after each kernel's own connection file: no shared port space.

    On systems without Unix sockets (Windows) the manager provisions CurveZMQ keys instead
    (``transport_encryption="auto"``, jupyter_client >= 8.10), if pyzmq supports them.

    The asynchronous manager (papermill, nbclient) hands out
    :class:`~informeel_lib.report.kernel_client.SlicedPollKernelClient` clients, which cannot miss
    the reply of a cell with ipywidgets (the hang of notebook 02 with ``interactief=True``).

    Parameters
    ----------
    asynchronous : bool
        Subclass ``AsyncKernelManager`` (for nbclient/papermill's ``kernel_manager_class``)
        instead of the blocking ``KernelManager``.
    """
    import os

    import zmq
    from jupyter_client import AsyncKernelManager, KernelManager
    from traitlets import CaselessStrEnum, default

    base = AsyncKernelManager if asynchronous else KernelManager
    extra = {"_client_factory_default": default("client_factory")(_sliced_client)} if asynchronous else {}
    extra["_async_launch_kernel"] = _launch_tied_kernel(base)
    if os.name == "posix":
        attrs = {"transport": CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True),
                 "_ip_default": default("ip")(_unique_ipc_path)}
    elif "transport_encryption" in base.class_trait_names() and zmq.has("curve"):
        attrs = {"transport_encryption": CaselessStrEnum(["disabled", "auto", "required"], default_value="auto",
                                                          config=True)}
    else:
        attrs = {}
    return type(f"Local{base.__name__}", (base,), {**attrs, **extra})


def _launch_tied_kernel(base):
    """``_async_launch_kernel`` of our managers: the kernel dies with the process that started it and is
    registered for :func:`~informeel_lib.report.processes.stop_kernels` (see :mod:`.processes`)."""

    async def launch(self, kernel_cmd, **kw):
        for key, value in kernel_launch_options().items():
            kw.setdefault(key, value)
        await base._async_launch_kernel(self, kernel_cmd, **kw)
        track_kernel(self)

    return launch


def _sliced_client(km):
    """Clients that cannot miss a kernel message (see :mod:`informeel_lib.report.kernel_client`)."""
    from .kernel_client import SlicedPollKernelClient

    return SlicedPollKernelClient


def _unique_ipc_path(km) -> str:
    """Socket path prefix of one kernel (jupyter_client's default, ``kernel-ipc`` in the working
    directory, is the same for every kernel started there: the second one fails to bind)."""
    import os
    import uuid

    if km.transport != "ipc":
        from jupyter_client.localinterfaces import localhost

        return localhost()
    if km.connection_file:
        return os.path.splitext(km.connection_file)[0] + "-ipc"
    return os.path.join(tempfile.gettempdir(), f"informeel-kernel-{uuid.uuid4().hex}-ipc")


def new_kernel_manager(kernel_name: str = KERNEL_NAME):
    """A (blocking) KernelManager of :func:`local_kernel_manager_class` for ``kernel_name``, not yet started."""
    return local_kernel_manager_class()(kernel_name=kernel_name)


def warm_kernel(kernel_name: str = KERNEL_NAME):
    """This process's warm kernel: started (and heavy modules imported) once, namespace reset per use.

    The kernel is shut down when the worker process exits (a multiprocessing finaliser, which,
    unlike ``atexit``, also runs in pool workers).
    """
    key = (kernel_name, threading.get_ident())  # one kernel per worker thread, should an executor use threads
    km = _KERNELS.get(key)
    if km is not None and km.is_alive():
        _run_code(km, "get_ipython().run_line_magic('reset', '-f')")
        return km
    from multiprocessing.util import Finalize

    from jupyter_client.kernelspec import NoSuchKernel

    try:
        km = new_kernel_manager(kernel_name)
        km.start_kernel(cwd=str(Path.cwd()))
    except NoSuchKernel as exc:
        raise InformeelError(f"Jupyter-kernel '{kernel_name}' is niet geïnstalleerd; draai "
                             f"'python -m ipykernel install --sys-prefix --name {kernel_name}' "
                             "(of 'make venv').") from exc
    Finalize(km, km.shutdown_kernel, kwargs={"now": True}, exitpriority=10)
    _KERNELS[key] = km
    _run_code(km, _WARMUP)
    return km


_FALLBACK_KERNEL_DIR: list = []


def ensure_report_kernel(kernel_name: str = KERNEL_NAME) -> str:
    """Make sure the report kernel ``kernel_name`` can be started; returns its name.

    ``make venv`` registers a Jupyter kernel called ``informeel``. A package installed elsewhere
    (``pip install .`` into any environment) has none: then a kernelspec with that name that runs
    *this* interpreter (``sys.executable -m ipykernel_launcher``) is written to a temporary folder
    and put first on ``JUPYTER_PATH``, so every report worker (spawned processes inherit the
    environment) and papermill find it.
    """
    import atexit
    import shutil

    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel_name)
        return kernel_name
    except NoSuchKernel:
        pass
    if not _FALLBACK_KERNEL_DIR:
        folder = tempfile.mkdtemp(prefix="informeel-kernels-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _FALLBACK_KERNEL_DIR.append(folder)
    folder = Path(_FALLBACK_KERNEL_DIR[0])
    spec_dir = folder / "kernels" / kernel_name
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": f"Python ({kernel_name})", "language": "python", "metadata": {"debugger": False}}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if str(folder) not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(folder), *paths])
    return kernel_name


def limit_threads(jobs: int) -> None:
    """Give each of ``jobs`` worker processes its share of the cores for BLAS/OpenMP (no oversubscription).

    Must run before numpy is imported in the process; the worker's kernel inherits the setting.
    """
    import os

    share = str(max(1, (os.cpu_count() or 1) // max(1, jobs)))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, share)


def init_plain_worker(jobs: int = 1) -> None:
    """Pool initializer without a warm kernel: the worker stops with the command
    (:func:`~informeel_lib.report.processes.prepare_worker`) and takes its share of the cores."""
    prepare_worker()
    limit_threads(jobs)


def init_worker(kernel_name: str = KERNEL_NAME, jobs: int = 1) -> None:
    """Pool initializer: stop with the command (:func:`~informeel_lib.report.processes.prepare_worker`),
    limit threads, import papermill/nbconvert and start the warm kernel once per worker."""
    init_plain_worker(jobs)
    for module in ("nbconvert", "papermill"):  # imported once here, not in the first job
        importlib.import_module(module)


    try:
        warm_kernel(kernel_name)
    except Exception:  # noqa: BLE001 - the job itself reports the error in Dutch
        pass


def _error_message(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "PapermillExecutionError":
        return (f"fout in cel {exc.exec_count} van het rapportnotebook: {exc.ename}: {exc.evalue}")
    if isinstance(exc, InformeelError):
        return str(exc)
    return f"{name}: {exc}"


def execute_report(job: ReportJob, *, reuse_kernel: bool = True) -> ReportResult:
    """Run one report notebook with papermill and export it to offline HTML (runs in a worker).

    Parameters
    ----------
    job : ReportJob
    reuse_kernel : bool
        Execute in this process's warm kernel (default) instead of starting a new kernel.

    Returns
    -------
    ReportResult
        Never raises: any error is returned as a Dutch message.
    """
    import papermill as pm

    from .html import export_html

    start = time.perf_counter()
    try:
        # the warm kernel of this worker, or a fresh kernel that papermill starts and stops
        extra = ({"km": warm_kernel(job.kernel_name)} if reuse_kernel
                 else {"kernel_manager_class": local_kernel_manager_class(asynchronous=True)})
        with tempfile.TemporaryDirectory(prefix="informeel-") as tmp:
            executed = Path(tmp) / f"{job.name}.ipynb"
            nb = pm.execute_notebook(job.notebook, str(executed), parameters=dict(job.parameters),
                                     kernel_name=job.kernel_name, progress_bar=False, log_output=False,
                                     request_save_on_cell_execute=False, cwd=str(Path(job.notebook).parent),
                                     **extra)
        export_html(nb, job.html_path, title=job.title)
        return ReportResult(job, True, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - one failing report must not stop the others
        if reuse_kernel:  # start afresh next time: the kernel may be broken
            km = _KERNELS.pop((job.kernel_name, threading.get_ident()), None)
            if km is not None:
                try:
                    km.shutdown_kernel(now=True)
                except Exception:  # noqa: BLE001 - a broken kernel may fail to shut down; it is dropped anyway
                    pass
        return ReportResult(job, False, time.perf_counter() - start, _error_message(exc))


def write_team_pages(round_name: str, organisation: str, data_dir: str, out_dir: str, min_group: int,
                     codebook: str | None = None):
    """Write one organisation's team pages (runs in a worker); returns (organisation, {team: path}, error)."""
    from . import teams as report_teams

    try:
        paths = report_teams.write_team_pages(round_name, organisation, data_dir=data_dir, out_dir=out_dir,
                                              min_group=min_group, codebook=codebook)
        folder = Path(out_dir) / round_name
        return organisation, {Path(p).stem: Path(p).relative_to(folder).as_posix() for p in paths}, ""
    except Exception as exc:  # noqa: BLE001 - reported in Dutch by the runner
        return organisation, {}, _error_message(exc)


def compute_shared_part(part: str, round_name: str, data_dir: str, min_group: int, codebook: str,
                        estimator: str | None = None):
    """Compute one part of the network-wide results (runs in a worker); returns (part, result, error)."""
    from . import context as report_context

    try:
        return part, report_context.compute_shared_part(part, round_name, data_dir=data_dir, min_group=min_group,
                                                        codebook=codebook, estimator=estimator), ""
    except Exception as exc:  # noqa: BLE001 - reported per part; the reports say what could not be computed
        return part, None, f"{type(exc).__name__}: {exc}"


# --- the runner ---------------------------------------------------------------------------------

def shared_cache_path(data_dir, round_name: str) -> Path:
    """Where the round's shared results are cached: ``<data_dir>/<round>_gedeeld.pkl``.

    The file is a pickle signed with an HMAC of the project's secret (:mod:`informeel_lib.files`):
    a file that does not verify (e.g. one a user dropped into the data folder) is never unpickled.
    """
    return inside(data_dir, f"{safe_name(round_name)}_gedeeld.pkl")


def share_cache_key(data_dir) -> bytes:
    """Derive the cache key of ``data_dir`` in this process and hand it to workers and kernels via the environment.

    The key comes from the secret of the project the data folder belongs to
    (:func:`informeel_lib.files.project_secret`: ``$INFORMEEL_SALT``, the project's ``salt_file``,
    ``.informeel_salt`` next to the data folder or in the working directory), never from a key an
    earlier run in this process handed down: a report kernel that reads the cache later (notebook 03,
    another process) derives the same key from the same data folder."""
    key = cache_key(near=data_dir)
    os.environ[CACHE_KEY_ENV] = key.hex()
    return key


def _data_key(data_dir, round_name: str, min_group: int, codebook) -> str:
    from .. import __version__

    h = hashlib.sha256()
    h.update(Path(codebook).read_bytes())  # another codebook (or an edited one) gives other models
    for path in sorted(Path(data_dir).glob("*.parquet")):
        if path.stem <= round_name:  # this round and the ones before (change since last round)
            h.update(path.name.encode())
            h.update(path.read_bytes())
    h.update(f"{min_group}|{__version__}".encode())
    # the analysis code too: a fixed estimator (e.g. cfa.py) must not be hidden behind an old cache
    lib = Path(__file__).resolve().parents[1]
    for path in sorted(lib.rglob("*.py")) + sorted((lib / "data").glob("*.yaml")):
        h.update(str(path.relative_to(lib)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _ensure_shared(round_name, data_dir, min_group, submit, wait_all, codebook=None,
                   estimator=None) -> tuple[Path, list[str]]:
    """Compute (in parallel parts) and cache the network-wide results unless a valid cache exists.

    ``estimator`` (None: :func:`informeel_lib.project.resolve_estimator` here, in the caller's project) is
    part of the cache key, so a changed ``estimator:`` in ``informeel.yaml`` recomputes the models."""
    from ..codebook import load_codebook
    from ..project import codebook_path, resolve_estimator
    from .context import SHARED_PARTS

    path = shared_cache_path(data_dir, round_name)
    codebook = codebook_path(codebook, notify=False)
    estimator = resolve_estimator(estimator, codebook=load_codebook(codebook))
    key = _data_key(data_dir, round_name, min_group, codebook) + f"|{estimator}"
    secret = share_cache_key(data_dir)
    if path.exists():
        try:
            cached = load_signed_pickle(path, secret)
        except Exception:  # noqa: BLE001 - a broken (but signed) cache is recomputed
            cached = None
        if cached is None:
            print(f"Waarschuwing: de cache {path.name} is niet door dit project gemaakt (of beschadigd) en wordt "
                  "genegeerd en opnieuw berekend.", file=sys.stderr)
        elif isinstance(cached, dict) and cached.get("_key") == key:
            return path, []
    futures = [submit(compute_shared_part, part, round_name, str(data_dir), min_group, str(codebook), estimator)
               for part in SHARED_PARTS]
    shared, errors = {"_key": key}, []
    for part, result, error in wait_all(futures):
        shared[part] = result
        if error:
            errors.append(f"netwerkmodellen ({part}): {error}")
    dump_signed_pickle(shared, path, secret)
    return path, errors


def make_executor(jobs: int = 2, *, reuse_kernel: bool = True) -> cf.ProcessPoolExecutor:
    """The default executor: ``jobs`` spawned worker processes, each with a warm kernel.

    The workers (a :class:`~informeel_lib.report.processes.WorkerPool`) stop, with their kernels, when
    the process that submits to them dies or stops them (:mod:`~informeel_lib.report.processes`). On
    Linux a worker also gets SIGTERM when the *thread* that started it (the one that first submitted
    work) ends: submit from a thread that lives as long as the executor.
    """
    ctx = multiprocessing.get_context("spawn")  # no fork of a process with threads
    return WorkerPool(max_workers=max(1, int(jobs)), mp_context=ctx,
                      initializer=init_worker if reuse_kernel else init_plain_worker,
                      initargs=(KERNEL_NAME, int(jobs)) if reuse_kernel else (int(jobs),))



def _run_reports(executor, plan, round_name: str, *, reuse_kernel: bool, progress: bool) -> list[ReportResult]:
    """Submit every report job and collect the results as they finish (a crashed worker is a failed report)."""
    from tqdm import tqdm

    results: list[ReportResult] = []
    futures = {executor.submit(execute_report, job, reuse_kernel=reuse_kernel): job for job in plan}
    bar = tqdm(total=len(futures), desc=f"Rapporten {round_name}", unit="rapport", file=sys.stderr,
               disable=not progress, leave=False)
    for fut in cf.as_completed(futures):
        try:
            res = fut.result()
        except Exception as exc:  # noqa: BLE001 - e.g. a worker process that died
            res = ReportResult(futures[fut], False, 0.0, _error_message(exc))
        results.append(res)
        bar.update(1)
    bar.close()
    return results


def _print_summary(round_name, out_dir, results, failed, elapsed, shared_errors, extra_errors) -> None:
    """The Dutch closing lines of a run: counts, time, warnings and every failed report with its reason."""
    print(f"Ronde {round_name}: {len(results) - len(failed)} van {len(results)} rapporten gemaakt in "
          f"{elapsed:.0f} s -> {out_dir / round_name / 'index.html'}", file=sys.stderr)
    for note in shared_errors:
        print(f"Waarschuwing: {note}", file=sys.stderr)
    if failed:
        print(f"Mislukte rapporten ({len(failed)}):", file=sys.stderr)
        for r in sorted(failed, key=lambda r: r.job.name):
            print(f"  - {r.job.title} ({r.job.name}.html): {r.error}", file=sys.stderr)
    for note in extra_errors:
        print(f"Mislukt: {note}", file=sys.stderr)


def render_round(round_name: str, *, data_dir="data/processed", out_dir="reports", organisation=None, jobs: int = 2,
                 min_group: int = MIN_GROUP, executor: cf.Executor | None = None, reuse_kernel: bool = True,
                 progress: bool = True, config=None, codebook=None, teams: bool = False, pdf: bool = False,
                 bundle: bool = False, estimator: str | None = None) -> bool:
    """Render every report of one round to offline HTML, plus the index pages.

    Parameters
    ----------
    round_name : str
        Round code, e.g. ``"2022-05"``; reads ``<data_dir>/<round>.parquet``.
    data_dir, out_dir : path
        Processed data; output folder (``<out_dir>/<round>/*.html`` and ``<out_dir>/index.html``).
    organisation : str, optional
        Render only this organisation's report (any known spelling).
    jobs : int
        Worker processes (ignored when ``executor`` is given).
    min_group : int
        Groups smaller than this are suppressed in every table and figure.
    executor : concurrent.futures.Executor, optional
        Where to run the notebooks, e.g. ``distributed.Client(...).get_executor()``. The caller
        owns it (it is not shut down here). Default: a ``ProcessPoolExecutor`` with ``jobs``
        workers, each with one warm kernel.
    reuse_kernel : bool
        Keep one warm kernel per worker (default) rather than a new kernel per notebook.
    progress : bool
        Show a tqdm progress bar on stderr.
    config : dict or path, optional
        Reports configuration (default ``informeel_lib/data/reports.yaml``).
    codebook : path, optional
        The questionnaire's codebook, passed to every notebook (default: ``informeel.yaml``'s,
        else the demo codebook with a notice; :func:`informeel_lib.project.codebook_path`).
    teams : bool
        Also write a short page per team (:mod:`~informeel_lib.report.teams`), linked from its
        organisation's report; teams that cannot be shown safely get none.
    pdf : bool
        Also print every report (and team page) to PDF with headless Chromium (:mod:`~informeel_lib.report.pdf`).
    bundle : bool
        Also write one zip per organisation (:mod:`~informeel_lib.report.bundle`).
    estimator : {None, "ML", "MLR", "WLSMV"}
        CFA estimator of the network models (None: ``informeel.yaml``'s ``estimator``, else the
        codebook's ``model: estimator:``, else ML; :func:`informeel_lib.project.resolve_estimator`).

    Returns
    -------
    bool
        True when every report was written; failures are printed (Dutch) on stderr.

    Notes
    -----
    Command line: ``informeel report --round 2022-05 [--org ZINN] [--jobs 2] [--teams] [--pdf] [--bundel]
    [--schatter MLR]``.
    """
    from ..project import codebook_path

    round_name = safe_name(str(round_name))
    codebook = codebook_path(codebook)
    ensure_report_kernel()
    check_min_group(min_group)
    from ..io.cleaning import verify_round
    from .quotes import check_approvals

    verify_round(Path(data_dir), round_name)  # an interrupted clean is refused (or the previous set restored)
    for line in check_approvals(data_dir, round_name):  # an invalid approval file stops here (Dutch, exit 2)
        print(line, file=sys.stderr)
    # absolute: the report kernels run with the notebook folder as working directory
    data_dir, out_dir = Path(data_dir).resolve(), Path(out_dir).resolve()
    round_path(data_dir, round_name)
    share_cache_key(data_dir)  # before the first job starts a worker: workers and their kernels inherit it
    cfg = config if isinstance(config, dict) else load_config(config)
    started = time.perf_counter()
    # rendered into a staging folder beside the round folder and swapped in only when complete (.staging);
    # Ctrl-C/SIGTERM stop the workers and their kernels (.processes)
    with stop_on_signals() as guard, staged_round(out_dir, round_name) as stage:
        plan, skipped = plan_round(round_name, data_dir=data_dir, out_dir=stage.root, organisation=organisation,
                                   min_group=min_group, shared_path=shared_cache_path(data_dir, round_name),
                                   config=cfg, codebook=codebook, teams=teams)
        results, team_files, errors = _run_round(round_name, plan, data_dir, stage.root, guard, executor=executor,
                                                 jobs=jobs, reuse_kernel=reuse_kernel, progress=progress,
                                                 min_group=min_group, codebook=codebook, teams=teams,
                                                 estimator=estimator)
        shared_errors, extra_errors = errors
        write_round_index(stage.root, round_name, results, skipped=skipped, teams=team_files if teams else None,
                          title=index_title(cfg, codebook))
        from .layout import fill_round_links

        fill_round_links(out_dir, staged=stage.root)
        extra_errors += _finish_outputs(stage.root, round_name, results, team_files, pdf=pdf, bundle=bundle)
        with guard.deferred():  # a Ctrl-C now waits until the new folder is in place
            stage.commit()
        write_top_index(out_dir)
        fill_round_links(out_dir)  # the other rounds link to this one too
    failed = [r for r in results if not r.ok]
    _print_summary(round_name, out_dir, results, failed, time.perf_counter() - started, shared_errors, extra_errors)
    # a side computation (network models) that failed is a warning above, not a failed run
    return not failed and not extra_errors


def _run_round(round_name, plan, data_dir, out_dir, guard, *, executor, jobs, reuse_kernel, progress, min_group,
               codebook, teams, estimator=None):
    """The shared models, the reports and the team pages of one round, in ``executor`` (or in a
    :func:`make_executor` pool of ``jobs`` workers, shut down afterwards); returns
    (results, team files, (shared-model warnings, team-page errors))."""
    own = executor is None
    if own:
        executor = make_executor(jobs, reuse_kernel=reuse_kernel)
    guard.executor = executor  # a Ctrl-C/SIGTERM from now on stops its workers
    try:
        def wait_all(futures):
            return [f.result() for f in futures]

        _, shared_errors = _ensure_shared(round_name, data_dir, min_group, executor.submit, wait_all, codebook,
                                          estimator)
        results = _run_reports(executor, plan, round_name, reuse_kernel=reuse_kernel, progress=progress)
        team_files, team_errors = (_render_team_pages(executor, results, data_dir, out_dir, min_group, codebook)
                                   if teams else ({}, []))
    finally:
        if own:  # after an interruption the workers are gone already: do not wait for their futures
            executor.shutdown(wait=not guard.fired, cancel_futures=guard.fired)
    return results, team_files, (shared_errors, team_errors)


def _render_team_pages(executor, results, data_dir, out_dir, min_group, codebook) -> tuple[dict, list[str]]:
    """Team pages of every organisation whose report succeeded, in the executor;
    ({organisation: {team: path}}, errors)."""
    jobs = [r.job for r in results if r.ok and r.job.organisation]
    futures = [executor.submit(write_team_pages, job.round_name, job.organisation, str(data_dir), str(out_dir),
                               min_group, str(codebook)) for job in jobs]
    files, errors = {}, []
    for fut in futures:
        org, pages, error = fut.result()
        files[org] = pages
        if error:
            errors.append(f"teampagina's van {org}: {error}")
    return files, errors


def _finish_outputs(out_dir, round_name, results, team_files, *, pdf: bool, bundle: bool) -> list[str]:
    """PDFs of the written pages and the per-organisation bundles; Dutch error messages (empty when all went well)."""
    errors = []
    if pdf:
        from .pdf import print_pdfs

        folder = Path(out_dir) / round_name
        pages = [Path(r.job.html_path) for r in results if r.ok]
        pages += [folder / p for org in team_files.values() for p in org.values()]
        try:
            print_pdfs(pages)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"PDF's: {_error_message(exc)}")
    if bundle:
        from .bundle import write_bundles

        try:
            write_bundles(out_dir, round_name)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"bundels: {_error_message(exc)}")
    return errors


# --- index pages --------------------------------------------------------------------------------

def _manifest_path(out_dir, round_name) -> Path:
    return Path(out_dir) / round_name / "rapporten.json"


def write_round_index(out_dir, round_name: str, results: list[ReportResult], *, skipped=(), teams=None,
                      title: str = "Rapporten") -> Path:
    """Write ``<out_dir>/<ronde>/index.html`` listing every report of the round with its n and date.

    ``title`` heads the page (:func:`index_title`) and is kept in the manifest for the page of all rounds.

    Results of earlier runs (e.g. ``--org`` for a single organisation) are kept via a small
    manifest ``rapporten.json`` next to the reports. ``teams`` ({organisation: {team: path}}) records
    the team pages of this run in the manifest (for the bundles).
    """
    from .html import page

    manifest_path = _manifest_path(out_dir, round_name)
    entries = {}
    if manifest_path.exists():
        entries = {e["naam"]: e for e in json.loads(manifest_path.read_text(encoding="utf-8"))["rapporten"]}
    today = _dt.date.today().isoformat()
    for r in results:
        if r.ok:
            entries[r.job.name] = {"naam": r.job.name, "titel": r.job.title, "organisatie": r.job.organisation,
                                   "bestand": Path(r.job.html_path).name, "n": r.job.n, "datum": today}
            if teams is not None and r.job.organisation in teams:
                entries[r.job.name]["teams"] = teams[r.job.organisation]
        else:
            entries.pop(r.job.name, None)
    ordered = sorted(entries.values(), key=lambda e: (e["organisatie"] is not None, e["organisatie"] or ""))
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest = {"ronde": round_name, "titel": title, "rapporten": ordered, "overgeslagen": list(skipped)}
    atomic_write_text(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1))
    rows = "".join(
        f'<tr><td><a href="{html.escape(e["bestand"])}">{html.escape(e["titel"])}</a></td>'
        f'<td class="num">{integer(e["n"])}</td><td>{html.escape(date(e["datum"]))}</td></tr>'
        for e in ordered)
    notes = "".join(f"<li>{html.escape(s)}</li>" for s in skipped)
    body = (f"<h1>{html.escape(title)}: rapporten {html.escape(round_label(round_name))}</h1>"
            f"<p>Ronde {html.escape(round_name)}. Elk rapport toont alleen groepscijfers; groepen met te weinig "
            f"respondenten zijn weggelaten.</p>"
            f'<table class="apa"><caption><em>Rapporten van deze ronde</em></caption><thead><tr><th>Rapport</th>'
            f"<th>n</th><th>Gemaakt op</th></tr></thead><tbody>{rows}</tbody></table>"
            + (f"<p>Zonder eigen rapport:</p><ul>{notes}</ul>" if notes else "")
            + '<p><a href="../index.html">Alle rondes</a></p>')
    path = Path(out_dir) / round_name / "index.html"
    atomic_write_text(path, page(body, title=f"Rapporten {round_label(round_name)}"))
    return path


def write_top_index(out_dir) -> Path:
    """Write ``<out_dir>/index.html`` linking the index page of every rendered round, headed by the title of the
    newest round's index (:func:`index_title`)."""
    from .html import page

    out_dir = Path(out_dir)
    items, titles = [], []
    for manifest in sorted(out_dir.glob("*/rapporten.json"), reverse=True):
        if manifest.parent.name.startswith("."):  # a staging folder (.staging) is no round
            continue
        info = json.loads(manifest.read_text(encoding="utf-8"))
        round_name = info["ronde"]
        titles.append(info.get("titel") or "Rapporten")
        reports = "".join(f'<li><a '
                          f'href="{html.escape(round_name)}/{html.escape(e["bestand"])}">{html.escape(e["titel"])}'
                          f"</a> (n = {integer(e['n'])}, {html.escape(date(e['datum']))})</li>"
                          for e in info["rapporten"])
        items.append(f'<h2><a href="{html.escape(round_name)}/index.html">Ronde '
                     f'{html.escape(round_label(round_name))}</a></h2>'
                     f"<ul>{reports}</ul>")
    title = titles[0] if titles else "Rapporten"
    body = (f"<h1>{html.escape(title)}</h1><p>Rapporten van het leernetwerk, per meetronde. "
            "De rapporten werken zonder internetverbinding.</p>" + ("".join(items) or "<p>Nog geen rapporten.</p>"))
    path = out_dir / "index.html"
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, page(body, title=f"{title}: rapporten"))  # old or new, never half
    return path


# --- demo ---------------------------------------------------------------------------------------

def run_demo(workdir=".", *, jobs: int = 2, seed: int = 2021, codebook=None) -> bool:
    """Synthesise the network, clean every round and render all reports (``informeel demo``).

    Creates ``data/raw/<round>/``, ``data/processed/`` (with ``<round>_citaten.yaml``, the quotes the demo
    approves in place of a researcher: :func:`~informeel_lib.report.quotes.approve_for_demo`) and
    ``reports/`` under ``workdir`` (works from a fresh clone) and prints the path of ``reports/index.html``.
    With ``codebook`` (a path) the synthetic answers follow that questionnaire
    (:func:`informeel_lib.synth.generic.write_generic_network`) instead of the demo questionnaire.

    Returns
    -------
    bool
        True when every report of every round was written.
    """
    from ..codebook import DATA_DIR, DEFAULT_CODEBOOK, load_codebook
    from ..io.cleaning import clean_files
    from ..synth import write_network
    from .quotes import update_approval_file

    workdir = Path(workdir)
    codebook = Path(codebook).resolve() if codebook is not None else DATA_DIR / DEFAULT_CODEBOOK
    raw, processed, out = workdir / "data" / "raw", workdir / "data" / "processed", workdir / "reports"
    for d in (raw, processed, out):
        d.mkdir(parents=True, exist_ok=True)
    print(f"Synthetisch netwerk maken (seed {seed}) in {raw} ...", file=sys.stderr)
    if codebook == DATA_DIR / DEFAULT_CODEBOOK:
        truth = write_network(raw, seed=seed)
    else:
        from ..synth.generic import write_generic_network

        truth = write_generic_network(raw, load_codebook(codebook), seed=seed)
    rounds = list(truth["rounds"])
    for round_name in rounds:
        result = clean_files([raw / round_name], round_name=round_name, out=processed,
                             codebook=load_codebook(codebook))
        summary = getattr(result, "summary", None)
        print(summary() if callable(summary) else f"Ronde {round_name} opgeschoond.", file=sys.stderr)
        try:  # the quotes the demo shows, approved in place of a researcher
            quotes = update_approval_file(round_name, data_dir=processed, codebook=load_codebook(codebook), demo=True)
            print(f"Citaten voorgesteld en voor de demo goedgekeurd: {quotes.approvals.path}", file=sys.stderr)
        except InputError as exc:  # a questionnaire without open questions coded into forms has no quotes
            print(f"Geen citaten voor de demo: {exc}", file=sys.stderr)
    ok = True
    ensure_report_kernel()
    with make_executor(jobs) as executor:  # one pool (and one warm kernel per worker) for all rounds
        for round_name in rounds:
            ok = render_round(round_name, data_dir=processed, out_dir=out, jobs=jobs, executor=executor,
                              codebook=codebook) and ok
    index = (out / "index.html").resolve()
    print(f"Klaar. Open {index}" if ok else f"Klaar, maar niet alle rapporten zijn gelukt. Overzicht: {index}")
    return ok
