"""The sections of the per-round report: each a small function from data to Dutch HTML.

The report notebook (``notebooks/rapport.ipynb``) is a list of calls into this module, so every
number in a report is computed by code that the tests reach. Each section function takes a
:class:`ReportContext` (one round, optionally one organisation that is compared with the rest of
the network) and returns a :class:`Section` whose ``html`` holds a heading, Dutch sentences,
APA-style tables and figures with alt text.

Privacy rules applied here, in every table and figure:

* groups (organisations, teams, roles) with fewer than ``min_group`` respondents are not shown;
  a note says how many were left out, and suppressed team names never appear;
* open answers are shown only after :func:`informeel_lib.privacy.scrub_text` and ``html.escape``;
* only aggregates: no respondent rows, pseudonyms or personal codes.

The network-wide models (CFA, invariance, multilevel model) are identical in the network report
and in every organisation report; :func:`compute_shared_part` computes them and the batch runner
caches them once per round (``shared_path``), see :mod:`informeel_lib.report.batch`.
"""

from __future__ import annotations

import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..analysis.cfa.specification import NonConvergenceError
from ..codebook import Codebook
from ..errors import AnalysisError, Failure, InformeelError, InputError
from ..files import read_parquet
from ..nl import plural
from ..privacy import MIN_GROUP

REST = "rest van het netwerk"
NETWORK = "netwerk"
FORMS = ("zelfgestuurd", "incidenteel", "tacit")
SHARED_PARTS = ("invariance_organisations", "invariance_rounds", "cfa", "influence", "outcomes")  # slowest first


def core_scope(codebook) -> str:
    """Dutch clause saying which scales the invariance test across organisations covers."""
    from ..nl import count_word, word_list

    core = codebook.core_scales
    if len(core) == len(codebook.scales):
        return ""
    names = word_list([codebook.scales[s].name if codebook.scales[s].name[:2].isupper()
                       else codebook.scales[s].name.lower() for s in core])
    what = "de schaal" if len(core) == 1 else f"de {count_word(len(core))} schalen"
    return (f"getoetst voor {what} van de onderzoeksvraag ({names}), omdat er per organisatie te weinig "
            "respondenten zijn voor het hele model")


def core_model(model: dict, codebook) -> dict:
    """The measurement model restricted to the codebook's core scales (for invariance across organisations).

    Organisations have 50-120 respondents, about as many as the items of a full model: a
    multi-group fit of the full model then has (nearly) singular group covariance matrices and
    often no finite ML solution. The scales of the research question (``core: true`` in the
    codebook) can be compared reliably.
    """
    core = {k: v for k, v in model.items() if k in codebook.core_scales}
    return core or model


_PSEUDONYM = re.compile(r"\bp-[0-9a-f]{12}\b")


@dataclass(frozen=True)
class Section:
    """One report section: a title and its HTML (heading included)."""

    title: str
    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"Section({self.title!r}, {len(self.html)} tekens HTML)"


@dataclass(frozen=True)
class ReportContext:
    """The data one report needs: the round (scored), the previous round, and the focus.

    Attributes
    ----------
    round_name : str
    data : DataFrame
        Processed round with one extra float column per scale (scale mean).
    previous : DataFrame or None
        The previous processed round (scored), if there is one in ``data_dir``.
    previous_round_name : str or None
    organisation : str or None
        The organisation of an organisation report; None for the network report.
    min_group : int
    codebook : Codebook
        The questionnaire: scales, items, response scales, roles (every section reads it from here).
    data_shared_items : DataFrame or None
        This round scored on the items it shares with the previous round (for comparisons across
        rounds); ``previous`` is scored on the same items.
    changes : ItemChanges
        Items added, removed and reworded since the previous round.

    Notes
    -----
    :meth:`table_number` hands out consecutive APA table numbers, so every report numbers its
    own tables 1..k whichever sections apply (an organisation report has other tables than the
    network report).
    """

    round_name: str
    data: pd.DataFrame = field(repr=False)
    previous: pd.DataFrame | None = field(repr=False)
    previous_round_name: str | None
    organisation: str | None
    min_group: int = MIN_GROUP
    codebook: Codebook | None = field(default=None, repr=False)
    data_shared_items: pd.DataFrame | None = field(default=None, repr=False)
    changes: ItemChanges = field(default_factory=lambda: ItemChanges(), repr=False)
    _tables: list = field(default_factory=lambda: [0], repr=False, compare=False)
    data_dir: str | None = None
    """The folder of the processed rounds (trends over all rounds read the other rounds from it)."""
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def memo(self, key, compute):
        """``compute()`` once per report: results that two sections show (e.g. the summary and its table)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]
    _plans: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def plan(self):
        """The round's :class:`~informeel_lib.disclosure.DisclosurePlan` (computed once, shared by all sections)."""
        if "round" not in self._plans:
            self._plans["round"] = round_plan(self.data, min_group=self.min_group, codebook=self.codebook)
        return self._plans["round"]

    @property
    def previous_plan(self):
        """The disclosure plan of the previous round (None without one)."""
        if self.previous is None:
            return None
        if "previous" not in self._plans:
            self._plans["previous"] = round_plan(self.previous, min_group=self.min_group, codebook=self.codebook)
        return self._plans["previous"]

    def table_number(self) -> int:
        """The next table number of this report (tables are numbered 1, 2, ... in the order shown)."""
        self._tables[0] += 1
        return self._tables[0]

    def __post_init__(self):
        if self.codebook is None:
            raise InputError("een rapport heeft een codeboek nodig (ReportContext(codebook=...)).")

    @property
    def scales(self) -> list[str]:
        return [s for s in self.codebook.scales if s in self.data.columns]

    @property
    def focus(self) -> pd.DataFrame:
        """The organisation's rows (organisation report) or all rows (network report)."""
        if self.organisation is None:
            return self.data
        return self.data[self.data["organisation"] == self.organisation]

    @property
    def rest(self) -> pd.DataFrame | None:
        """The rest of the network (organisation report only)."""
        if self.organisation is None:
            return None
        return self.data[self.data["organisation"] != self.organisation]

    @property
    def focus_name(self) -> str:
        return self.organisation or "het netwerk"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"round_name": [self.round_name], "organisation": [self.organisation],
                             "n": [len(self.focus)], "previous_round_name": [self.previous_round_name],
                             "min_group": [self.min_group]})


# --- loading ------------------------------------------------------------------------------------

def _read_round(data_dir, round_name: str) -> pd.DataFrame:
    path = Path(data_dir) / f"{round_name}.parquet"
    if not path.exists():
        raise InputError(f"de opgeschoonde data van ronde {round_name} ontbreekt.", file=str(path))
    return read_parquet(path)


def held_items(data: pd.DataFrame, codebook) -> list[str]:
    """The codebook's items that a processed round holds (a column with at least one answer)."""
    return answered_items(data, codebook.item_codes)


def answered_items(data: pd.DataFrame, items) -> list[str]:
    """Those of ``items`` that ``data`` has a column with at least one answer for (an item a round did not
    ask, codebook ``since``, is an all-missing column there)."""
    return [i for i in items if i in data.columns and bool(data[i].notna().any())]


def _scored(df: pd.DataFrame, codebook, items=None) -> pd.DataFrame:
    """``df`` plus one score column per scale, over ``items`` (default: the items the data holds).

    A scale is scored on the items of it that are in ``items`` when that is at least half of its
    items (a codebook that changed between rounds); else it gets no score column.
    """
    from ..analysis.scoring import score_scales

    items = set(held_items(df, codebook) if items is None else items)
    scores = {}
    for code, sc in codebook.scales.items():
        own = [i for i in sc.item_codes if i in items]
        if not own or 2 * len(own) < len(sc.item_codes):
            continue
        scores[code] = score_scales(df, {code: own}, reverse=[i for i in sc.reverse_items if i in own],
                                    scale_range=codebook.item_range(code))[code]
    if not scores:
        raise AnalysisError("Geen enkele schaal uit het codeboek heeft items in deze data: is de data met een ander "
                            "codeboek opgeschoond? Geef het codeboek van deze vragenlijst op (--codebook of "
                            "informeel.yaml).")
    scores = pd.DataFrame(scores, index=df.index)
    return pd.concat([df.drop(columns=[c for c in scores.columns if c in df.columns]), scores], axis=1)


@dataclass(frozen=True)
class ItemChanges:
    """How the questionnaire changed since the previous round (item codes; ``reworded``: code -> (old, new))."""

    added: tuple = ()
    removed: tuple = ()
    reworded: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.reworded)


def item_changes(previous: dict, current: dict) -> ItemChanges:
    """Compare the items ``{code: wording}`` of two rounds (as recorded by the cleaning)."""
    return ItemChanges(
        added=tuple(c for c in current if c not in previous),
        removed=tuple(c for c in previous if c not in current),
        reworded={c: (previous[c], current[c]) for c in current
                  if c in previous and previous[c] and current[c] and previous[c] != current[c]},
    )


def round_items(data_dir, round_name: str, data: pd.DataFrame, codebook) -> dict:
    """Items ``{code: wording}`` a processed round holds: as recorded at cleaning, else from the data."""
    from ..io.cleaning import round_metadata

    recorded = round_metadata(Path(data_dir) / f"{round_name}.parquet").get("items")
    if recorded:
        return {c: t for c, t in recorded.items() if c in data.columns}
    return {c: codebook.item(c).text for c in held_items(data, codebook)}


def previous_round(data_dir, round_name: str) -> str | None:
    """The latest round in ``data_dir`` before ``ronde`` (rounds sort as ``YYYY-MM``)."""
    earlier = sorted(p.stem for p in Path(data_dir).glob("*.parquet") if p.stem < round_name)
    return earlier[-1] if earlier else None


FORM_NONE = "geen vorm"
"""Answers that the coding scheme assigns to none of the three forms."""


def form_columns(data: pd.DataFrame, codebook) -> list[str]:
    """The open questions coded into forms (codebook ``analysis: vormen``) that the data hold."""
    analysis = getattr(codebook, "open_question_analysis", {}) or {}
    return [q for q in codebook.open_questions if q in data.columns and analysis.get(q) == "vormen"]


def answer_forms(texts: pd.Series) -> pd.Series:
    """The coded form of every non-empty open answer (``geen vorm`` when none applies); missing without answer."""
    from ..analysis.textcoding import code_open_answers

    out = pd.Series([None] * len(texts), index=texts.index, dtype=object)
    filled = texts.notna() & (texts.astype(str).str.strip() != "")
    if filled.any():
        codes = code_open_answers(texts[filled])["code"]
        out[filled] = [c if c in FORMS else FORM_NONE for c in codes]
    return out


def round_plan(data: pd.DataFrame, *, min_group: int = MIN_GROUP, codebook: Codebook):
    """The disclosure plan of one round (:func:`~informeel_lib.disclosure.disclosure_plan`): organisations,
    teams and roles of the scale tables, and the coded forms of every ``vormen`` open question.

    ``codebook`` is required: the questionnaire of the report decides which open questions are
    protected (looking it up here, from the working directory, gave the demo codebook in a batch run
    with ``--codebook``)."""
    from ..disclosure import disclosure_plan

    if not isinstance(codebook, Codebook):
        raise TypeError(f"round_plan needs a loaded Codebook, not {type(codebook).__name__}")
    columns = form_columns(data, codebook)
    frame = data[[c for c in ("organisation", "team", "role") if c in data.columns] + columns].copy()
    key = _plan_key(frame, min_group)
    if key in _PLANS:
        return _PLANS[key]
    for column in columns:
        frame[column] = answer_forms(data[column])
    plan = disclosure_plan(frame, min_group=min_group, answer_columns=columns)
    _PLANS[key] = plan
    while len(_PLANS) > 4:
        del _PLANS[next(iter(_PLANS))]
    return plan


# The plans computed in this process, by their input. The batch runs every report of a worker in one warm
# kernel: each round's plan (a few seconds) is computed there once, not once per report. A plan is frozen.
_PLANS: dict = {}


def _plan_key(frame: pd.DataFrame, min_group: int) -> tuple:
    """What a round's plan depends on: the columns, the cells (as a hash) and the minimum group size."""
    import hashlib

    cells = pd.util.hash_pandas_object(frame.astype("string"), index=False).to_numpy()
    return (tuple(frame.columns), tuple(map(str, frame.dtypes)), hashlib.sha256(cells.tobytes()).hexdigest(),
            int(min_group))


def load_context(round_name: str, *, data_dir, organisation=None, min_group: int = MIN_GROUP,
                 codebook=None) -> ReportContext:
    """Read and score a processed round (and the previous one) for a report.

    ``codebook`` is a :class:`~informeel_lib.codebook.Codebook` or a path; None resolves it as the
    command line does (:func:`informeel_lib.project.resolve_codebook`: ``informeel.yaml``, else the demo).
    The previous round is scored on the items both rounds hold (``data_shared_items`` is this
    round scored on them too), and ``changes`` lists the items added, removed and reworded.

    Raises
    ------
    InputError
        If the round is missing or the organisation does not occur in it.
    AnalysisError
        If the organisation has fewer than ``min_group`` respondents (no report of its own).
    """
    from ..project import resolve_codebook

    cb = resolve_codebook(codebook)
    raw = _read_round(data_dir, round_name)
    items_now = round_items(data_dir, round_name, raw, cb)
    data = _scored(raw, cb, items_now)
    plan = round_plan(data, min_group=min_group, codebook=cb)
    if organisation is not None:
        canonical = cb.resolve_organisation(organisation) or organisation
        if canonical not in set(data["organisation"]):
            raise InputError(f"organisatie '{organisation}' komt niet voor in ronde {round_name}.")
        n = int((data["organisation"] == canonical).sum())
        if n < min_group:
            raise AnalysisError(f"{canonical} heeft in ronde {round_name} maar {n} respondenten (minder dan "
                                f"{min_group}); "
                                "voor deze organisatie wordt geen eigen rapport gemaakt.")
        if not plan.organisation_published(canonical):
            raise AnalysisError(f"{canonical} wordt in ronde {round_name} niet getoond: anders is een kleinere "
                                f"organisatie (minder dan {min_group} respondenten) uit de netwerkcijfers af te "
                                "leiden. "
                                "Voor deze organisatie wordt geen eigen rapport gemaakt.")
        organisation = canonical
    prev = previous_round(data_dir, round_name)
    if prev is None:
        return ReportContext(round_name, data, None, None, organisation, int(min_group), cb, data_dir=str(data_dir),
                             _plans={"round": plan})
    raw_prev = _read_round(data_dir, prev)
    items_prev = round_items(data_dir, prev, raw_prev, cb)
    shared = [i for i in items_now if i in items_prev]
    previous = _scored(raw_prev, cb, shared)
    now_shared = data if len(shared) == len(items_now) else _scored(raw, cb, shared)
    return ReportContext(round_name, data, previous, prev, organisation, int(min_group), cb, now_shared,
                         item_changes(items_prev, items_now), data_dir=str(data_dir), _plans={"round": plan})


# --- shared (network-wide) results ---------------------------------------------------------------

def _all_rounds(data_dir, round_name: str) -> pd.DataFrame:
    rounds = sorted(p.stem for p in Path(data_dir).glob("*.parquet") if p.stem <= round_name)
    return pd.concat([_read_round(data_dir, r) for r in rounds], ignore_index=True)


NOT_CONVERGED = ("het model kon in deze data niet worden geschat: in de kleinste groepen zijn te weinig "
                 "volledige antwoorden voor zoveel vragen (de details staan in notebook 03_factormodel)")


def _safe(fn, *args, **kwargs):
    """Run an analysis; an InformeelError becomes a :class:`~informeel_lib.errors.Failure` instead of a crash.

    Estimation warnings (e.g. Heywood cases in a small group) are not printed: the reports state
    their verdicts in words, and the exploration notebooks show the full results.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    except NonConvergenceError:
        # the technical details (runaway parameters) belong in notebook 03, not in a shared report
        return Failure("not_converged", NOT_CONVERGED)
    except InformeelError as exc:
        return Failure("error", str(exc))


def estimator_options(estimator: str | None, codebook: Codebook, *, start=None) -> dict:
    """Keyword arguments of :func:`informeel_lib.cfa` for a report estimator; None takes the project
    file's ``estimator``, else the codebook's ``model: estimator:``, else ML
    (:func:`informeel_lib.project.resolve_estimator`; ``start`` is where to look for ``informeel.yaml``)."""
    from ..project import resolve_estimator

    est = resolve_estimator(estimator, codebook=codebook, start=start)
    return {"ordered": True} if est in ("WLSMV", "DWLS") else {"estimator": est}


def compute_shared_part(part: str, round_name: str, *, data_dir, min_group: int = MIN_GROUP, codebook=None,
                        estimator: str | None = None) -> dict:
    """Compute one part of the network-wide results for a round.

    Parts (:data:`SHARED_PARTS`): ``"cfa"`` (the codebook model in the round),
    ``"invariance_rounds"`` (this round and the previous one), ``"invariance_organisations"``
    (organisations large enough for a group-wise fit; the :func:`core_model`), ``"influence"`` (ICC per scale and the
    multilevel influence model; the outcome and predictors from the codebook's research model),
    ``"outcomes"`` (the further outcomes of the codebook's research model,
    :func:`informeel_lib.report.outcomes.compute_outcomes`). Results are plain dicts/DataFrames/result
    objects, so they pickle. ``None`` means "not applicable" (e.g. no previous round). ``codebook``:
    a Codebook or path (None: :func:`informeel_lib.project.resolve_codebook`). ``estimator`` of the CFA
    (None: :func:`estimator_options`, the project file of ``data_dir`` or the codebook). Models use the
    items the data holds.
    """
    from ..project import resolve_codebook

    cb = resolve_codebook(codebook)
    data = _read_round(data_dir, round_name)
    model = measured_model(cb, data)
    if part == "cfa":
        from ..analysis.cfa.estimate import cfa

        options = estimator_options(estimator, cb, start=data_dir)
        items = [i for its in model.values() for i in its]
        res = _safe(cfa, data[items], model, **options)
        return res if isinstance(res, Failure) else {"fit": dict(res.fit), "n": len(data)}
    if part == "invariance_rounds":
        prev = previous_round(data_dir, round_name)
        if prev is None:
            return None
        previous = _read_round(data_dir, prev)
        both = pd.concat([previous, data], ignore_index=True)
        return _invariance_result(both, measured_model(cb, data, previous), "round", min_group,
                                  options=estimator_options(estimator, cb, start=data_dir))
    if part == "invariance_organisations":
        return _invariance_result(data, core_model(model, cb), "organisation", min_group,
                                  options=estimator_options(estimator, cb, start=data_dir))
    if part == "influence":
        from ..analysis.multilevel import icc, influence_model

        scored = _scored(data, cb)
        iccs = {}
        for s in model:
            try:
                iccs[s] = icc(scored, s, ["organisation", "team"], codebook=cb)
            except InformeelError:
                iccs[s] = float("nan")
        outcome = cb.main_outcome
        predictors = [s for s in cb.predictors if s in model]
        if outcome is None or outcome not in model or not predictors:
            return {"icc": iccs, "model": None}
        model_res = _safe(influence_model, scored, outcome, predictors, codebook=cb)
        return {"icc": iccs, "model": model_res}
    if part == "outcomes":
        from .outcomes import compute_outcomes

        return compute_outcomes(round_name, data_dir=data_dir, codebook=cb)
    raise ValueError(f"unknown shared part {part!r}")


def measured_model(codebook, *frames) -> dict:
    """The codebook's measurement model {scale: [items]} limited to the items answered in every frame.

    A codebook that changed between rounds holds items a round did not ask; a model over several
    rounds uses the items they share (scales keep at least two of them).
    """
    def answered(df, item):
        return item in df.columns and bool(df[item].notna().any())

    out = {}
    for scale, items in codebook.model_dict().items():
        shared = [i for i in items if all(answered(df, i) for df in frames)]
        if len(shared) >= 2:
            out[scale] = shared
    return out


INVARIANCE_TIMEOUT = 60.0
"""Seconds a multi-group invariance fit may take before it is abandoned (typically 1-5 s here)."""


def _child_call(conn, fn, args, kwargs) -> None:
    try:
        conn.send(("ok", _safe(fn, *args, **kwargs)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def call_with_timeout(fn, *args, timeout: float, **kwargs):
    """Run ``_safe(fn, ...)`` in a child process; a ``Failure("timeout", ...)`` if it takes longer than ``timeout``.

    Used for fits that can fail to converge slowly (multi-group CFA in small groups): one such
    fit must not hold up a whole batch of reports.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_call, args=(child, fn, args, kwargs), daemon=True)
    proc.start()
    child.close()
    try:
        if parent.poll(timeout):
            status, value = parent.recv()
            return value if status == "ok" else Failure("crash", value)
        limit = plural(int(timeout), "seconde", "seconden")
        return Failure("timeout", f"de schatting duurde langer dan {limit} en is afgebroken (waarschijnlijk "
                                  "convergeert het model niet in deze kleine groepen)")
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(5)
        parent.close()


def _invariance_result(data: pd.DataFrame, model: dict, group: str, min_group: int, *,
                       timeout: float | None = None, options: dict | None = None):
    """Invariance across the groups of ``group`` that are large enough; None if fewer than two.

    ``options`` are the estimator's keyword arguments (:func:`estimator_options`): with WLSMV
    (``{"ordered": True}``) the ordinal steps of Wu & Estabrook, with MLR the scaled tests."""
    from ..analysis.cfa.invariance import invariance

    items = [i for its in model.values() for i in its]
    counts = data.dropna(subset=items)[group].value_counts()
    big = counts[counts >= max(min_group, len(items) + 1)].index
    if len(big) < 2:
        return None
    sub = data[data[group].isin(big)][items + [group]]
    return call_with_timeout(invariance, sub, model, group, **(options or {}),
                             timeout=INVARIANCE_TIMEOUT if timeout is None else timeout)


def load_shared(shared_path, ctx: ReportContext | None, *, data_dir=None) -> dict:
    """The network-wide results: from the batch runner's signed cache, or computed here.

    The cache is verified with the key of the data folder it lies in
    (:func:`informeel_lib.files.load_signed_cache`), never with whatever the working directory holds:
    a kernel in another folder (notebook 03, a report notebook run on its own) reads the cache that the
    batch made for that folder. A cache that does not verify (another project's secret, a file dropped
    in the data folder, a damaged or outdated pickle) is ignored with a Dutch warning on stderr and the
    results are computed here for ``ctx``'s round; without a ``ctx`` (an exploration notebook that
    computes what it shows itself) the result is then ``{}``.
    """
    from ..files import load_signed_cache

    if shared_path:
        cached = load_signed_cache(shared_path)
        if isinstance(cached, dict):
            return cached
        where = "de netwerkmodellen worden hier berekend" if ctx is not None else "dit notebook rekent zelf"
        print(f"Waarschuwing: de cache {Path(shared_path).name} kon niet worden geverifieerd en wordt genegeerd; "
              f"{where}.", file=sys.stderr)
        data_dir = data_dir or str(Path(shared_path).parent)
    if ctx is None:
        return {}
    data_dir = data_dir or ctx.data_dir or "."
    return {p: compute_shared_part(p, ctx.round_name, data_dir=data_dir, min_group=ctx.min_group, codebook=ctx.codebook)
            for p in SHARED_PARTS}
