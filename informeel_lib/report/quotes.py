"""Quotes a researcher approves: the approval file of a round (``informeel citaten``).

A report shows open answers as quotes only when a researcher approved them, because no automatic
de-identification is a guarantee. The workflow:

1. ``informeel citaten --round 2022-05`` proposes candidates: per organisation that gets a report of
   its own, per coded open question (codebook ``analysis: vormen``) and per form of informal learning
   (zelfgestuurd, incidenteel, tacit), a handful of answers from the processed round, de-identified
   once more (:func:`quote_text`: :func:`~informeel_lib.deidentify.deidentify` and
   :func:`~informeel_lib.privacy.scrub_text`). They go into the approval file
   ``<data>/<round>_citaten.yaml`` (:func:`approval_path`, next to ``<round>.parquet``), every one with
   ``goedgekeurd: false``.
2. The researcher reads the file and sets ``goedgekeurd: true`` for each quote that may be shown.
3. ``informeel report`` shows only approved quotes whose text is unchanged (``id`` is a hash of the
   text: :func:`text_id`) and whose answer is still in the processed data of that organisation
   (``bron`` is a hash of the answer: :func:`source_id`), de-identified again with
   :func:`~informeel_lib.privacy.scrub_text` and escaped (:func:`quotes_html`). Without an approval
   file, or with none approved, the report shows the coded counts and one sentence saying that no
   quotes were approved.

Rerunning ``informeel citaten`` keeps every decision (:func:`propose_quotes`): an entry whose answer is
still there keeps its ``goedgekeurd``; an entry whose text was edited by hand, or whose proposed text
changed because the de-identification changed, comes back as a fresh proposal with ``goedgekeurd:
false``; an entry whose answer is gone is dropped (each with a Dutch note); new candidates fill each
organisation, question and form up to ``per_form``.

The demo (``informeel demo``) writes an approval file for the synthetic data and approves, as a
stand-in for the researcher, the candidates in which nothing had to be replaced
(:func:`approve_for_demo`), so demo reports show quotes.

Examples
--------
>>> text_id("Ik heb zelf opgezocht hoe je een drukverband aanlegt.")
'27724b999a2c'
"""

from __future__ import annotations

import hashlib
import html
import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import yaml

from ..errors import InputError
from ..files import atomic_write_text, check_input_file, inside, safe_name
from ..privacy import MIN_GROUP, scrub_text
from .context import _PSEUDONYM, FORMS, answer_forms, form_columns, round_plan

APPROVAL_SUFFIX = "_citaten.yaml"
"""The approval file of round ``R`` is ``<data>/R_citaten.yaml``, next to ``R.parquet``."""

PER_FORM = 3
"""Candidates proposed per organisation, open question and form (``informeel citaten --per-vorm``)."""

SHOWN_PER_FORM = 2
"""Approved quotes a report shows per open question and form."""

MIN_LENGTH = 15
"""Shortest quote (characters, after de-identification): shorter answers say too little to quote."""

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest approval file that is read."""

NO_QUOTES = ("Er staan geen citaten in dit rapport: er zijn (nog) geen citaten uit {focus} goedgekeurd. "
             "Alleen citaten die een onderzoeker heeft goedgekeurd, worden getoond.")
"""The sentence a report shows instead of quotes (``{focus}``: the organisation or 'het netwerk')."""

NOT_SHOWABLE = ("Er staan geen citaten in dit rapport: de goedgekeurde citaten uit {focus} kunnen niet getoond "
                "worden, omdat hun vorm hier te weinig personen telt om veilig te tonen of omdat het antwoord in de "
                "data is gewijzigd of verdwenen.")
"""Instead of quotes when some were approved but none may be shown (suppressed form, changed or gone answer)."""

_KEYS = ("id", "bron", "vraag", "vorm", "goedgekeurd", "tekst", "opmerking")
_REQUIRED = ("id", "bron", "vraag", "goedgekeurd", "tekst")
_PLACEHOLDER = re.compile(r"\[[a-z\- ]+\]")


# --- identities -----------------------------------------------------------------------------------

def approval_path(data_dir, round_name: str) -> Path:
    """The approval file of a round: ``<data_dir>/<round>_citaten.yaml`` (the round name is checked)."""
    return inside(data_dir, safe_name(str(round_name)) + APPROVAL_SUFFIX)


def _digest(text: str, n: int) -> str:
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()[:n]


def text_id(text: str) -> str:
    """The ``id`` of a quote: the first 12 hex digits of the SHA-256 of its text (NFC, stripped).

    A quote whose text no longer gives its ``id`` was edited after it was proposed and is not shown.
    """
    return _digest(str(text).strip(), 12)


def source_id(organisation: str, question: str, answer: str) -> str:
    """The ``bron`` of a quote: a hash of the organisation, the open question and the processed answer."""
    return _digest(f"{organisation}\x1f{question}\x1f{answer}", 16)


def quote_text(answer) -> str:
    """An open answer as a quote candidate: :func:`~informeel_lib.deidentify.deidentify` (deduce and the
    project's own patterns), then :func:`~informeel_lib.privacy.scrub_text` (markup, names list, links)."""
    from ..deidentify import deidentify

    return scrub_text(deidentify(str(answer))[0])


def quotable(text: str) -> bool:
    """Whether a de-identified text can be a quote: at least :data:`MIN_LENGTH` characters, no pseudonym."""
    return len(text) >= MIN_LENGTH and not _PSEUDONYM.search(text)


# --- results ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Quote:
    """One entry of the approval file.

    Attributes
    ----------
    organisation, question, form : str
        Where the answer comes from: organisation, open question (codebook code) and coded form.
    text : str
        The de-identified quote (``tekst``).
    id : str
        :func:`text_id` of the text as proposed (``id``).
    source : str
        :func:`source_id` of the answer in the processed data (``bron``).
    approved : bool
        ``goedgekeurd``: whether reports may show it.
    note : str
        ``opmerking``: the researcher's own note (optional).
    """

    organisation: str
    question: str
    form: str
    text: str
    id: str
    source: str
    approved: bool = False
    note: str = ""

    @property
    def edited(self) -> bool:
        """True when the text no longer matches its ``id`` (changed after it was proposed)."""
        return text_id(self.text) != self.id

    def __repr__(self) -> str:
        mark = "goedgekeurd" if self.approved else "niet goedgekeurd"
        return f"Quote({self.organisation!r}, {self.question}, {self.form}, {self.id}, {mark})"


@dataclass(frozen=True)
class Approvals:
    """The approval file of one round: its quotes in file order (``path`` None when not read from a file)."""

    round_name: str
    quotes: tuple = ()
    path: Path | None = None

    def approved(self, organisation=None) -> list[Quote]:
        """The approved quotes whose text is unchanged (of one organisation, or all)."""
        return [q for q in self.quotes if q.approved and not q.edited
                and (organisation is None or q.organisation == organisation)]

    def to_frame(self) -> pd.DataFrame:
        cols = ["organisation", "question", "form", "id", "source", "approved", "edited", "text"]
        return pd.DataFrame([{c: getattr(q, c) for c in cols} for q in self.quotes], columns=cols)

    def __repr__(self) -> str:
        return (f"Approvals({self.round_name!r}, {len(self.quotes)} citaten, "
                f"{len(self.approved())} goedgekeurd)")


@dataclass(frozen=True)
class QuoteProposal:
    """What :func:`propose_quotes` did: the new file content and what changed.

    Attributes
    ----------
    approvals : Approvals
    added : int
        New candidates (``goedgekeurd: false``).
    kept : int
        Entries of the existing file kept with their decision.
    notes : tuple of str
        Dutch lines on entries that were reset or dropped.
    """

    approvals: Approvals
    added: int
    kept: int
    notes: tuple = field(default=())

    def summary(self) -> str:
        """A Dutch summary for the command line."""
        n_orgs = len({q.organisation for q in self.approvals.quotes})
        return (f"Ronde {self.approvals.round_name}: {len(self.approvals.quotes)} citaten uit {n_orgs} "
                f"organisaties ({self.added} nieuw voorgesteld, {self.kept} bestaand behouden), waarvan "
                f"{len(self.approvals.approved())} goedgekeurd.")

    def to_frame(self) -> pd.DataFrame:
        return self.approvals.to_frame()

    def __repr__(self) -> str:
        return f"QuoteProposal({self.approvals!r}, nieuw={self.added}, behouden={self.kept})"


# --- proposing --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Answer:
    organisation: str
    question: str
    form: str
    answer: str
    source: str


def quote_organisations(data: pd.DataFrame, *, min_group: int = MIN_GROUP, plan=None) -> list[str]:
    """The organisations whose answers can be quoted: those with a report of their own (at least
    ``min_group`` respondents and published by the round's disclosure plan)."""
    counts = data["organisation"].dropna().astype(str).value_counts()
    return sorted(o for o, n in counts.items() if n >= min_group and (plan is None or plan.organisation_published(o)))


def answer_pool(data: pd.DataFrame, codebook, *, min_group: int = MIN_GROUP, plan=None) -> dict:
    """Every answer that could be quoted, by :func:`source_id`, in data order.

    Only organisations from :func:`quote_organisations`, only the ``vormen`` open questions and only
    answers coded into one of the three forms. Texts are not de-identified yet (that is done for the
    few that are proposed).
    """
    plan = plan if plan is not None else round_plan(data, min_group=min_group, codebook=codebook)
    pool = {}
    columns = form_columns(data, codebook)
    for org in quote_organisations(data, min_group=min_group, plan=plan):
        rows = data[data["organisation"].astype(str) == org]
        for column in columns:
            texts = rows[column].dropna().astype(str)
            texts = texts[texts.str.strip() != ""]
            for answer, form in zip(texts, answer_forms(texts)):
                if form in FORMS:
                    src = source_id(org, column, answer)
                    pool.setdefault(src, _Answer(org, column, form, answer, src))
    return pool


def _candidate(answer: _Answer) -> Quote | None:
    text = quote_text(answer.answer)
    if not quotable(text):
        return None
    return Quote(answer.organisation, answer.question, answer.form, text, text_id(text), answer.source)


def _keep_existing(existing: Approvals | None, pool: dict) -> tuple[list, int, list]:
    """The entries of the existing file that still apply (decision kept or reset), how many kept their
    decision, and Dutch notes on the others."""
    kept, notes, n_kept = [], [], 0
    for q in existing.quotes if existing is not None else ():
        where = f"citaat {q.id} van {q.organisation}"
        fresh = _candidate(pool[q.source]) if q.source in pool else None
        if fresh is None:
            notes.append(f"{where} is weggelaten: het antwoord staat niet meer in de opgeschoonde data van deze "
                         "organisatie, of de organisatie krijgt geen eigen rapport.")
        elif q.edited:
            notes.append(f"{where}: de tekst is na het voorstel gewijzigd; het oorspronkelijke voorstel staat er "
                         "weer, niet goedgekeurd. Keur het opnieuw goed of laat het op false.")
            kept.append(fresh)
        elif fresh.id != q.id:
            notes.append(f"{where}: de ontdane tekst is veranderd (nieuwe regels voor het verwijderen van "
                         "gegevens); de nieuwe tekst staat er, niet goedgekeurd.")
            kept.append(fresh)
        else:
            kept.append(replace(q, organisation=fresh.organisation, question=fresh.question, form=fresh.form))
            n_kept += 1
    return kept, n_kept, notes


def _file_order(quotes: list) -> tuple:
    """Quotes sorted by organisation, question and form; the order within a group is kept."""
    forms = {f: i for i, f in enumerate(FORMS)}
    return tuple(sorted(quotes, key=lambda q: (q.organisation, q.question, forms.get(q.form, len(forms)))))


def propose_quotes(data: pd.DataFrame, codebook, *, existing: Approvals | None = None, per_form: int = PER_FORM,
                   min_group: int = MIN_GROUP, round_name: str | None = None) -> QuoteProposal:
    """Quote candidates for a round, merged with the decisions of an existing approval file.

    Parameters
    ----------
    data : DataFrame
        The processed round (open answers already de-identified when it was cleaned).
    codebook : Codebook
        Which open questions are coded into forms (``analysis: vormen``).
    existing : Approvals, optional
        The current approval file (:func:`read_approvals`): its decisions are kept.
    per_form : int
        Candidates per organisation, question and form (existing entries count).
    min_group : int
        Organisations with fewer respondents (or hidden by the disclosure plan) get no candidates.
    round_name : str, optional
        Default: the ``round`` column of ``data``.

    Returns
    -------
    QuoteProposal

    Notes
    -----
    Candidates are taken in data order, skipping answers shorter than :data:`MIN_LENGTH` characters
    after de-identification or holding a pseudonym. No R equivalent: this is the researcher's review
    step that statistical disclosure control (``sdcMicro``) leaves to people for free text.
    """
    name = round_name or (str(data["round"].iloc[0]) if "round" in data.columns and len(data) else "")
    pool = answer_pool(data, codebook, min_group=min_group)
    kept, n_kept, notes = _keep_existing(existing, pool)
    have = {q.source for q in kept}
    count = Counter((q.organisation, q.question, q.form) for q in kept)
    added = []
    for answer in pool.values():
        key = (answer.organisation, answer.question, answer.form)
        if answer.source in have or count[key] >= per_form:
            continue
        quote = _candidate(answer)
        if quote is not None:
            added.append(quote)
            count[key] += 1
    approvals = Approvals(name, _file_order(kept + added), existing.path if existing is not None else None)
    return QuoteProposal(approvals, len(added), n_kept, tuple(notes))


def approve_for_demo(approvals: Approvals, *, per_form: int = SHOWN_PER_FORM) -> Approvals:
    """The demo's stand-in for the researcher: approve, per organisation, question and form, the first
    ``per_form`` quotes in which nothing was replaced (no ``[naam]``-like placeholder)."""
    count, quotes = Counter(), []
    for q in approvals.quotes:
        key = (q.organisation, q.question, q.form)
        if not q.approved and not q.edited and count[key] < per_form and not _PLACEHOLDER.search(q.text):
            q = replace(q, approved=True)
        count[key] += q.approved
        quotes.append(q)
    return replace(approvals, quotes=tuple(quotes))


# --- the file ---------------------------------------------------------------------------------------

_HEADER = """\
# Citaten voor de rapporten van ronde {round} (voorgesteld met 'informeel citaten --round {round}').
#
# Alleen citaten met 'goedgekeurd: true' verschijnen in de rapporten: in het rapport van de eigen
# organisatie en in het netwerkrapport. Lees elk citaat. Is de schrijver of iemand anders er toch aan
# te herkennen (een bijzondere gebeurtenis, een functie die maar een persoon heeft, een plaats)? Laat
# het dan op false staan.
# Wijzig de tekst niet: 'id' hoort bij precies deze tekst, en een gewijzigde tekst wordt niet getoond.
# 'bron' verwijst naar het antwoord in de opgeschoonde data; staat het daar niet meer, dan verdwijnt
# het citaat. Een 'opmerking: ...' per citaat mag. Opnieuw draaien houdt je keuzes vast en vult aan.
"""

_DEMO = """\
#
# DEMO: synthetische data. De demo heeft per organisatie en vorm de eerste citaten waarin niets
# vervangen hoefde te worden zelf goedgekeurd, in plaats van een onderzoeker.
"""


def _entry(q: Quote) -> dict:
    entry = {"id": q.id, "bron": q.source, "vraag": q.question, "vorm": q.form, "goedgekeurd": bool(q.approved),
             "tekst": q.text}
    if q.note:
        entry["opmerking"] = q.note
    return entry


def approvals_yaml(approvals: Approvals, *, demo: bool = False) -> str:
    """The approval file's text: a Dutch header, ``ronde`` and per organisation a list of quotes."""
    body = {"ronde": approvals.round_name, "organisaties": {}}
    for q in approvals.quotes:
        body["organisaties"].setdefault(q.organisation, []).append(_entry(q))
    text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)
    return _HEADER.format(round=approvals.round_name) + (_DEMO if demo else "") + "\n" + text


def write_approvals(approvals: Approvals, path, *, demo: bool = False) -> Path:
    """Write the approval file atomically (a reader sees the old or the new file, never half of one)."""
    return atomic_write_text(path, approvals_yaml(approvals, demo=demo))


def _load_yaml(path: Path, round_name: str):
    check_input_file(path, max_bytes=MAX_FILE_BYTES)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"het goedkeuringsbestand van ronde {round_name} is geen UTF-8-tekst.",
                         file=str(path)) from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (regel {where.line + 1})" if where is not None else ""
        raise InputError(f"het goedkeuringsbestand van ronde {round_name} is geen geldige YAML{line}. Herstel het, "
                         "of verwijder het en draai 'informeel citaten' opnieuw.", file=str(path)) from exc


def _parse_entry(entry, org: str, number: int, fail) -> Quote:
    where = f"citaat {number} van '{org}'"
    if not isinstance(entry, dict):
        fail(f"{where} is geen lijst van sleutels (id, bron, vraag, goedgekeurd, tekst).")
    unknown = sorted(str(k) for k in entry if k not in _KEYS)
    if unknown:
        fail(f"{where} heeft onbekende sleutel(s) {', '.join(unknown)}; bekend zijn {', '.join(_KEYS)}.")
    missing = [k for k in _REQUIRED if entry.get(k) is None]
    if missing:
        fail(f"{where} mist {', '.join(missing)}.")
    if not isinstance(entry["goedgekeurd"], bool):
        fail(f"{where}: 'goedgekeurd' moet true of false zijn, niet '{entry['goedgekeurd']}'.")
    return Quote(org, str(entry["vraag"]), str(entry.get("vorm") or ""), str(entry["tekst"]), str(entry["id"]),
                 str(entry["bron"]), entry["goedgekeurd"], str(entry.get("opmerking") or ""))


def read_approvals(path, *, round_name: str) -> Approvals:
    """Read a round's approval file; an empty :class:`Approvals` when there is none.

    Raises
    ------
    InputError
        Dutch message naming the file and the round: not YAML, another round, an entry without
        ``id``/``bron``/``vraag``/``goedgekeurd``/``tekst``, an unknown key, ``goedgekeurd`` not true/false.
    """
    path = Path(path)
    if not path.exists():
        return Approvals(round_name, (), path)

    def fail(message):
        raise InputError(f"goedkeuringsbestand van ronde {round_name}: {message}", file=str(path))

    raw = _load_yaml(path, round_name)
    if not isinstance(raw, dict) or not isinstance(raw.get("organisaties") or {}, dict):
        fail("verwacht 'ronde:' en 'organisaties:' met per organisatie een lijst citaten.")
    if str(raw.get("ronde")) != str(round_name):
        fail(f"dit bestand hoort bij ronde '{raw.get('ronde')}', niet bij ronde '{round_name}'.")
    quotes = []
    for org, entries in (raw.get("organisaties") or {}).items():
        if not isinstance(entries, list):
            fail(f"onder '{org}' hoort een lijst citaten (regels die met '- ' beginnen).")
        quotes += [_parse_entry(e, str(org), i, fail) for i, e in enumerate(entries, 1)]
    return Approvals(str(round_name), tuple(quotes), path)


def update_approval_file(round_name: str, *, data_dir, codebook=None, per_form: int = PER_FORM,
                         min_group: int = MIN_GROUP, demo: bool = False) -> QuoteProposal:
    """Propose quotes for a round and (re)write its approval file, keeping earlier decisions
    (``informeel citaten --round R``; ``demo`` also approves as :func:`approve_for_demo` does).

    Raises
    ------
    InputError
        The round is missing, the existing approval file is invalid (it is then left as it is), or the
        questionnaire has no open question coded into forms.
    """
    from ..io.cleaning import load_round
    from ..project import resolve_codebook

    round_name = safe_name(str(round_name))
    cb = resolve_codebook(codebook)
    path = approval_path(data_dir, round_name)
    existing = read_approvals(path, round_name=round_name)
    data = load_round(Path(data_dir), round_name)
    if not form_columns(data, cb):
        raise InputError(f"ronde {round_name} heeft geen open vraag die in vormen wordt ingedeeld ('analysis: "
                         "vormen' in het codeboek); er zijn geen citaten voor te stellen.", file=str(path.parent))
    proposal = propose_quotes(data, cb, existing=existing, per_form=per_form, min_group=min_group,
                              round_name=round_name)
    approvals = replace(proposal.approvals, path=path)
    if demo:
        approvals = approve_for_demo(approvals)
    write_approvals(approvals, path, demo=demo)
    return replace(proposal, approvals=approvals)


# --- showing ----------------------------------------------------------------------------------------

def check_approvals(data_dir, round_name: str) -> list[str]:
    """Read a round's approval file before its reports are rendered: InputError (Dutch, naming the file)
    when it is invalid, and a Dutch warning per approved quote that will not be shown because its text was
    edited."""
    approvals = read_approvals(approval_path(data_dir, round_name), round_name=round_name)
    return [f"Waarschuwing: citaat {q.id} van {q.organisation} in {approvals.path.name} is na het voorstel "
            "gewijzigd en wordt niet getoond; draai 'informeel citaten --round "
            f"{round_name}' opnieuw en keur het opnieuw goed." for q in approvals.quotes if q.approved and q.edited]


def _interleave(quotes: list) -> list:
    """Quotes of several organisations taken in turn (each organisation in file order)."""
    per_org = {}
    for q in quotes:
        per_org.setdefault(q.organisation, []).append(q)
    turns = itertools.zip_longest(*(per_org[o] for o in sorted(per_org)))
    return [q for turn in turns for q in turn if q is not None]


def shown_quotes(ctx, column: str, *, per_form: int = SHOWN_PER_FORM) -> list[tuple[str, str]]:
    """The quotes a report shows for one open question: ``(text, form)`` pairs, at most ``per_form`` per form.

    Only approved, unedited quotes of the report's organisation (network report: of every organisation
    with a report) whose answer is still in the processed data, whose form may be shown by the round's
    disclosure plan, and that are still quotable after :func:`~informeel_lib.privacy.scrub_text`.
    The form is the answer's coded form now (not the one written in the file).
    """
    if ctx.data_dir is None:
        return []
    approvals = read_approvals(approval_path(ctx.data_dir, ctx.round_name), round_name=ctx.round_name)
    orgs = [ctx.organisation] if ctx.organisation else quote_organisations(ctx.data, min_group=ctx.min_group,
                                                                            plan=ctx.plan)
    wanted = [q for q in _interleave(approvals.approved()) if q.question == column and q.organisation in orgs]
    if not wanted or column not in ctx.data.columns:
        return []
    rows = ctx.data[ctx.data["organisation"].astype(str).isin(orgs)]
    answers = {source_id(str(o), column, str(a)): str(a) for o, a in zip(rows["organisation"], rows[column])
               if isinstance(a, str) and a.strip()}
    found = [q for q in wanted if q.source in answers]
    forms = answer_forms(pd.Series([answers[q.source] for q in found], dtype=object)) if found else []
    shown, count = [], Counter()
    for q, form in zip(found, forms):
        within = ctx.organisation  # None in the network report: the network's form cell
        if form not in FORMS or count[form] >= per_form or not ctx.plan.published(f"answer_form:{column}", form,
                                                                                    within=within):
            continue
        text = scrub_text(q.text)
        if quotable(text):
            shown.append((text, form))
            count[form] += 1
    return shown


def _approved_for(ctx, columns) -> int:
    """How many quotes of the report's organisation (any, in the network report) are approved for ``columns``."""
    if ctx.data_dir is None:
        return 0
    try:
        approvals = read_approvals(approval_path(ctx.data_dir, ctx.round_name), round_name=ctx.round_name)
    except InputError:
        return 0
    return sum(1 for q in approvals.approved() if q.question in columns
               and (ctx.organisation is None or q.organisation == ctx.organisation))


def quotes_html(ctx, columns, *, per_form: int = SHOWN_PER_FORM) -> str:
    """The quotes part of the open-answers section: approved quotes (escaped), or the sentence
    :data:`NO_QUOTES` when there are none to show (no approval file, none approved, or an invalid file)."""
    try:
        shown = [(text, form) for column in columns for text, form in shown_quotes(ctx, column, per_form=per_form)]
    except InputError:
        shown = []
    if not shown:
        sentence = NOT_SHOWABLE if _approved_for(ctx, columns) else NO_QUOTES
        return f"<p>{html.escape(sentence.format(focus=ctx.focus_name))}</p>"
    quotes = "".join(f'<blockquote class="citaat">{html.escape(text)} <em>({html.escape(form)})</em></blockquote>'
                     for text, form in shown)
    return (f"<h3>Enkele voorbeelden uit {html.escape(ctx.focus_name)}</h3>"
            + f"<p>{html.escape('Deze citaten zijn door een onderzoeker gelezen en goedgekeurd.')}</p>" + quotes)
