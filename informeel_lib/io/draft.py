"""A first codebook written from raw exports (``informeel codebook draft``).

A researcher with their own questionnaire starts from the exports the survey tool gives them.
:func:`draft_codebook` reads them (as ``clean`` does: LimeSurvey, Qualtrics, Forms, SPSS, files
or folders) and proposes a codebook that :func:`~informeel_lib.codebook.load_codebook` accepts as
it is and that the researcher then edits:

* **items and candidate scales** from the export's own structure: LimeSurvey arrays
  ``CODE[SQ001]`` and ``question [statement]`` headings, Qualtrics matrix columns ``Q3_2`` with
  their ``stem - statement`` text, SPSS variable names and labels, and a shared text prefix.
  The same statement in several exports is one item; LimeSurvey columns without text are paired
  with the scales of the other exports in questionnaire order;
* **the response scale, labels in order**: from SPSS value labels, else by recognising common
  Dutch agreement and frequency scales of 4 to 7 points (a scale with another response scale
  gets its own, under ``response_scales``); bare numbers give a range with labels to fill in;
* **background questions** (organisation, team, role, personal code, ...) from their text, the
  **organisations** and roles as the distinct answers with spelling variants grouped as aliases;
* **open questions** (free text) and **identifier columns** (name, e-mail, IP);
* **suggested reverse-keyed items**: a negative corrected item-total correlation;
* YAML comments on what is still to decide (scale names, which scale is the outcome).
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import load_codebook, normalise_text
from .columns import _BRACKET, _BUILTIN_BACKGROUND_NAMES, _BUILTIN_IDENTIFIERS, _BUILTIN_META, _CODE_PREFIX, _DASH
from .readers import _detect_tool, _is_blank, _read_table, _squash

# --- known Dutch response scales -------------------------------------------------------------------

_AGREE = {
    4: ["helemaal mee oneens", "mee oneens", "mee eens", "helemaal mee eens"],
    5: ["helemaal mee oneens", "mee oneens", "neutraal", "mee eens", "helemaal mee eens"],
    6: ["helemaal mee oneens", "mee oneens", "een beetje mee oneens", "een beetje mee eens", "mee eens",
        "helemaal mee eens"],
    7: ["helemaal mee oneens", "mee oneens", "een beetje mee oneens", "neutraal", "een beetje mee eens", "mee eens",
        "helemaal mee eens"],
}
_FREQUENCY = {
    4: ["nooit", "soms", "vaak", "altijd"],
    5: ["nooit", "zelden", "soms", "vaak", "altijd"],
    6: ["nooit", "zelden", "soms", "regelmatig", "vaak", "altijd"],
    7: ["nooit", "bijna nooit", "zelden", "soms", "regelmatig", "vaak", "altijd"],
}
_LABEL_ALIASES = {
    "zeer mee oneens": "helemaal mee oneens", "helemaal oneens": "helemaal mee oneens", "oneens": "mee oneens",
    "eens": "mee eens", "zeer mee eens": "helemaal mee eens", "helemaal eens": "helemaal mee eens",
    "niet mee eens niet mee oneens": "neutraal", "eens noch oneens": "neutraal", "neutraal / weet niet": "neutraal",
    "enigszins mee oneens": "een beetje mee oneens", "beetje mee oneens": "een beetje mee oneens",
    "enigszins mee eens": "een beetje mee eens", "beetje mee eens": "een beetje mee eens",
    "heel vaak": "vaak", "af en toe": "soms", "bijna altijd": "altijd",
}
KNOWN_SCALES = {**{f"eens_{n}": labels for n, labels in _AGREE.items()},
                **{f"frequentie_{n}": labels for n, labels in _FREQUENCY.items()}}
"""Response scales the draft recognises from their labels: name -> labels from low to high."""

_BACKGROUND_WORDS = {
    "organisation": ["organisatie", "zorgorganisatie", "werkgever", "instelling", "organisation"],
    "team": ["team", "afdeling", "wijkteam", "teamnaam"],
    "role": ["functie", "rol", "role", "beroep"],
    "personal_code": ["persoonlijke code", "deelnemerscode", "respondentcode", "code"],
    "sector": ["sector", "type zorg", "soort zorg", "werkveld"],
    "team_size": ["hoeveel collega", "teamgrootte"],
    "tenure": ["hoeveel jaar", "dienstjaren"],
    "contract_hours": ["uur per week", "contracturen"],
}
_BACKGROUND_TYPES = {"organisation": "organisation", "team": "text", "role": "role", "personal_code": "text",
                     "sector": "sector", "team_size": "integer", "tenure": "number", "contract_hours": "number"}
MISSING_LABELS = ("weet niet", "weet ik niet", "n.v.t.", "nvt", "niet van toepassing", "geen antwoord", "geen mening",
                  "-", "-99", "-9", "99", ".")
"""Answers the draft codebook lists as 'no answer'."""
_BARE_CODE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUALTRICS_ID = re.compile(r"^Q\d+(?:_\d+)?$", re.I)
_LS_CODE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\[([A-Za-z0-9_]+)\](?:\s*[.:]\s*(.*))?$", re.S)
_QUALTRICS_MATRIX = re.compile(r"^(Q\d+)_(\d+)$", re.I)
_VARIABLE = re.compile(r"^([A-Za-z]+?)_?(\d+)$")


def _canonical_label(text) -> str:
    key = normalise_text(text)
    return _LABEL_ALIASES.get(key, key)


# --- reading -----------------------------------------------------------------------------------------

@dataclass
class Column:
    """One column of one export, with what the draft concluded about it."""

    file: str
    file_index: int
    tool: str
    pos: int
    heading: str
    texts: list
    values: list
    value_labels: dict | None = None
    cells: list = field(default_factory=list, repr=False)   # every row's value, blanks included
    kind: str = "onbekend"      # item, background, open, meta, identifier, onbekend
    target: str = ""             # background field / open question code / item key
    statement: str = ""
    stem: str = ""
    groups: tuple = ()


def read_columns(paths) -> tuple[list[Column], list[tuple[str, str, int]]]:
    """Every column of every export; and (file, tool, rows) per file."""
    from .cleaning import _collect_paths

    columns, files = [], []
    for k, path in enumerate(_collect_paths(paths)):
        table = _read_table(path)
        tool = _detect_tool(table, path)
        files.append((path.name, tool, len(table.rows)))
        for i, heading in enumerate(table.headings):
            cells = [r[i] if i < len(r) else None for r in table.rows]
            values = [v for v in cells if not _is_blank(v)]
            texts = [t for t in (table.texts[i] if i < len(table.texts) else []) if t]
            columns.append(Column(path.name, k, tool, i, str(heading or ""), texts, values,
                                  table.value_labels.get(i), cells))
    return columns, files


# --- classifying columns -----------------------------------------------------------------------------

def _name_index() -> dict:
    demo = load_codebook()  # only its tool-generic lists: meta columns and identifier column names
    index = {}
    for _meta, aliases in list(demo.meta_columns.items()) + list(_BUILTIN_META.items()):
        for alias in aliases:
            index[_squash(alias)] = "meta"
    for name in list(demo.identifier_columns) + _BUILTIN_IDENTIFIERS:
        index[_squash(name)] = "identifier"
    return index


def _is_number(value) -> bool:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and re.fullmatch(r"\s*-?\d+(?:[.,]0+)?\s*", value) is not None


def _label_scale(values) -> str | None:
    """Name of the smallest known response scale containing every (text) answer, else None."""
    seen = {_canonical_label(v) for v in values if not _is_number(v)}
    if not seen:
        return None
    fits = [(len(labels), name) for name, labels in KNOWN_SCALES.items() if seen <= set(labels)]
    return min(fits)[1] if fits else None


def _likert(col: Column) -> bool:
    if col.value_labels and len(col.value_labels) >= 3 and all(_is_number(v) for v in col.values):
        return True
    if not col.values:
        return False
    if _label_scale(col.values):
        return all(_is_number(v) or _canonical_label(v) in set().union(*map(set, KNOWN_SCALES.values()))
                   for v in col.values)
    numbers = [float(str(v).replace(",", ".")) for v in col.values if _is_number(v)]
    return (len(numbers) == len(col.values) and len(set(numbers)) >= 3 and min(numbers) >= 0 and max(numbers) <= 10
            and all(n.is_integer() for n in numbers))


def _background_field(col: Column) -> str | None:
    squashed = _squash(col.heading)
    for fld, names in _BUILTIN_BACKGROUND_NAMES.items():
        if squashed in {_squash(n) for n in names}:
            return fld
    text = " " + normalise_text(" ".join([col.heading, *col.texts])) + " "
    for fld, words in _BACKGROUND_WORDS.items():
        if any(f" {normalise_text(w)}" in text for w in words):
            return fld
    return None


_IDENTIFIER_WORDS = ("e-mail", "email", "e-mailadres", "emailadres", "mailadres", "telefoonnummer", "ip-adres",
                     "achternaam", "voornaam", "uw naam", "je naam", "geboortedatum")


def _names_of(col: Column) -> list[str]:
    """The heading, the texts, and both parts of a LimeSurvey "CODE. question text" heading or text."""
    out = [col.heading, *col.texts]
    for text in list(out):
        m = _CODE_PREFIX.match(str(text))
        if m:
            out += [m.group(1), m.group(2)]
    return [s for s in out if s and str(s).strip()]


def _asks_for_identifier(col: Column) -> bool:
    """A question that asks for an e-mail address, phone number, name, ... ("Wat is uw e-mailadres?")."""
    text = " " + " ".join(normalise_text(s) for s in _names_of(col)) + " "
    return any(re.search(rf"(?<![\w-]){re.escape(normalise_text(w))}(?![\w-])", text) for w in _IDENTIFIER_WORDS)


def question_text(col: Column) -> str:
    """The question as the respondent read it: a LimeSurvey "CODE. question" heading without its code."""
    text = col.texts[0] if col.texts else col.heading
    m = _CODE_PREFIX.match(str(text))
    return m.group(2).strip() if m and not _BRACKET.match(str(text)) else str(text)


def classify(columns: list[Column]) -> None:
    """Set ``kind`` (and ``target`` for background fields) of every column."""
    names = _name_index()
    for col in columns:
        hit = next((names[_squash(s)] for s in _names_of(col) if _squash(s) in names), None)
        if hit is None and not _likert(col) and _asks_for_identifier(col):
            hit = "identifier"
        if hit:
            col.kind = hit
        elif _likert(col):
            col.kind = "item"
        elif (fld := _background_field(col)) is not None:
            col.kind, col.target = "background", fld
        elif col.values and np.mean([len(str(v)) for v in col.values]) >= 15:
            col.kind = "open"


# --- items and scales --------------------------------------------------------------------------------

def _structure(col: Column) -> None:
    """Statement, stem and group keys of an item column from its tool's heading conventions."""
    groups = []
    m = _LS_CODE.match(col.heading)
    rest = col.heading
    if m:
        groups.append(("ls", m.group(1).upper()))
        rest = m.group(3) or ""
    bracket = _BRACKET.match(rest) if rest else None
    if bracket:
        col.stem, col.statement = bracket.group(1).strip(), bracket.group(2).strip()
    elif not m:
        text = col.texts[0] if col.texts else col.heading
        parts = _DASH.split(str(text))
        col.statement = parts[-1].strip()
        col.stem = " - ".join(parts[:-1]).strip() if len(parts) > 1 else ""
        q = _QUALTRICS_MATRIX.match(col.heading)
        v = _VARIABLE.match(col.heading)
        if q:
            groups.append(("q", q.group(1).upper()))
        elif v and col.texts:
            groups.append(("var", v.group(1).upper()))
    if col.stem:
        groups.append(("stem", normalise_text(col.stem)))
    col.target = normalise_text(col.statement) if col.statement else f"{groups[0][1]}[{m.group(2)}]"
    col.groups = tuple(groups)


class _UnionFind:
    def __init__(self):
        self.parent = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)


@dataclass
class DraftItem:
    key: str
    text: str
    first: tuple
    columns: list = field(default_factory=list)
    code: str = ""
    reverse: bool = False
    r_drop: float = float("nan")


@dataclass
class DraftScale:
    code: str
    stem: str
    items: list
    response: str = ""                 # name of the response scale
    linked_by_order: bool = False


def _prefix_key(text: str) -> str:
    words = normalise_text(text).split()
    return " ".join(words[:2]) if len(words) >= 4 else ""


def group_items(columns: list[Column]) -> list[DraftScale]:
    """Items (one per distinct statement) grouped into candidate scales."""
    items: dict[str, DraftItem] = {}
    uf = _UnionFind()
    for col in (c for c in columns if c.kind == "item"):
        _structure(col)
        item = items.setdefault(col.target, DraftItem(col.target, col.statement, (col.file_index, col.pos)))
        item.columns.append(col)
        item.first = min(item.first, (col.file_index, col.pos))
        uf.find(("item", col.target))
        for g in col.groups:
            uf.union(("item", col.target), g)
    loose = [k for k in items if not any(g for c in items[k].columns for g in c.groups)]
    by_prefix = Counter(_prefix_key(items[k].text) for k in loose)
    for k in loose:  # Forms-style text-only columns: a shared text prefix, else their own group
        prefix = _prefix_key(items[k].text)
        if prefix and by_prefix[prefix] > 1:
            uf.union(("item", k), ("prefix", prefix))
    components: dict = {}
    for key in items:
        components.setdefault(uf.find(("item", key)), []).append(items[key])
    scales = [sorted(members, key=lambda it: it.first) for members in components.values()]
    scales.sort(key=lambda members: members[0].first)
    return _pair_code_only(scales)


def _ls_code(members) -> str:
    codes = [g[1] for it in members for c in it.columns for g in c.groups if g[0] == "ls"]
    return Counter(codes).most_common(1)[0][0] if codes else ""


def _pair_code_only(scales) -> list[DraftScale]:
    """Pair LimeSurvey scales without text (``CODE[SQ001]`` only) with the text scales, in questionnaire order."""
    bare = [s for s in scales if all(not it.text for it in s)]
    texted = [s for s in scales if any(it.text for it in s)]
    paired = bool(bare) and len(bare) == len(texted) and all(len(a) == len(b) for a, b in zip(bare, texted))
    out = []
    if paired:
        for a, b in zip(bare, texted):
            for code_item, text_item in zip(sorted(a, key=lambda it: it.key), b):
                text_item.columns += code_item.columns
            out.append(DraftScale(_ls_code(b) or _ls_code(a), _stem(b), b, linked_by_order=True))
        return out
    return [DraftScale(_ls_code(s), _stem(s), s) for s in scales]


def _stem(members) -> str:
    stems = [c.stem for it in members for c in it.columns if c.stem]
    return Counter(stems).most_common(1)[0][0] if stems else ""


def _scale_codes(scales: list[DraftScale]) -> None:
    used = set()
    for j, sc in enumerate(scales, start=1):
        var = [g[1] for it in sc.items for c in it.columns for g in c.groups if g[0] == "var"]
        code = sc.code or (Counter(var).most_common(1)[0][0] if var else f"SCHAAL{j}")
        code = re.sub(r"[^A-Za-z0-9_]", "", code).upper() or f"SCHAAL{j}"
        while code in used:
            code += "X"
        used.add(code)
        sc.code = code
        for k, it in enumerate(sc.items, start=1):
            it.code = f"{code}{k}"


# --- response scales and reverse keying ----------------------------------------------------------------

@dataclass(frozen=True)
class DraftResponseScale:
    """A response scale proposed by the draft: labels low to high, and where they came from."""

    name: str
    labels: tuple
    source: str          # "spss", "herkend", "getallen"
    start: int = 1
    aliases: tuple = ()  # (value, spelling): other spellings of a label found in the exports

    @property
    def values(self) -> range:
        return range(self.start, self.start + len(self.labels))


def _column_response(col: Column) -> DraftResponseScale | None:
    if col.value_labels and len(col.value_labels) >= 3:
        pairs = sorted((float(k), str(v)) for k, v in col.value_labels.items() if _is_number(k))
        if pairs and all(b[0] - a[0] == 1 for a, b in zip(pairs, pairs[1:])):
            labels = tuple(v for _, v in pairs)
            known = _label_scale(labels)
            return DraftResponseScale(known or f"spss_{len(labels)}", labels, "spss", int(pairs[0][0]))
    known = _label_scale(col.values)
    if known:
        return DraftResponseScale(known, tuple(KNOWN_SCALES[known]), "herkend")
    numbers = [float(str(v).replace(",", ".")) for v in col.values if _is_number(v)]
    if numbers:
        lo, hi = int(min(min(numbers), 1)), int(max(numbers))
        return DraftResponseScale(f"getallen_{lo}_{hi}", tuple(str(v) for v in range(lo, hi + 1)), "getallen", lo)
    return None


def _scale_response(sc: DraftScale) -> DraftResponseScale:
    """The best evidence over the scale's columns: SPSS labels > recognised labels > the widest numbers."""
    found = [r for it in sc.items for c in it.columns if (r := _column_response(c)) is not None]
    rank = {"spss": 0, "herkend": 1, "getallen": 2}
    found.sort(key=lambda r: (rank[r.source], -len(r.labels)))
    return found[0] if found else DraftResponseScale("getallen_1_5", tuple("12345"), "getallen")


def in_export_spelling(response: DraftResponseScale, columns: list[Column]) -> DraftResponseScale:
    """A recognised response scale with the labels as the exports spell them.

    The draft recognises "enigszins mee eens" as the known label "een beetje mee eens"; the codebook
    must hold the export's own wording, or cleaning would not know that answer. Per value the label
    stays the known one when the export uses it (any case), else it becomes the most frequent spelling
    in the export; other spellings of the same answer become ``aliases``.
    """
    if response.source != "herkend":
        return response
    seen: dict[int, Counter] = {}
    index = {_canonical_label(lab): v for v, lab in zip(response.values, response.labels)}
    for col in columns:
        for value in col.values:
            if not _is_number(value) and (v := index.get(_canonical_label(value))) is not None:
                seen.setdefault(v, Counter())[str(value).strip()] += 1
    labels, aliases = [], []
    for v, known in zip(response.values, response.labels):
        spellings = seen.get(v, Counter())
        if not spellings or any(normalise_text(s) == normalise_text(known) for s in spellings):
            label = known
        else:
            label = spellings.most_common(1)[0][0]
            label = label[:1].lower() + label[1:] if label[1:] == label[1:].lower() else label
        labels.append(label)
        aliases += sorted({(v, s) for s in spellings if normalise_text(s) != normalise_text(label)})
    return DraftResponseScale(response.name, tuple(labels), response.source, response.start, tuple(aliases))


def _numeric(col: Column, response: DraftResponseScale) -> pd.Series:
    index = {_canonical_label(lab): v for v, lab in zip(response.values, response.labels)}
    out = []
    for v in col.cells:
        if _is_blank(v):
            out.append(np.nan)
        elif _is_number(v):
            out.append(float(str(v).replace(",", ".")))
        else:
            out.append(index.get(_canonical_label(v), np.nan))
    return pd.Series(out, dtype=float)


def suggest_reverse(sc: DraftScale, response: DraftResponseScale, columns: list[Column]) -> None:
    """Mark items whose corrected item-total correlation is negative (pooled over the exports).

    Notes
    -----
    r_drop = cor(item, mean of the other items), as ``psych::alpha(...)$item.stats$r.drop``
    without keys; a negative value means the item runs against the others.
    """
    frames = []
    for file_index in sorted({c.file_index for it in sc.items for c in it.columns}):
        cols = {it.code: c for it in sc.items for c in it.columns if c.file_index == file_index}
        if len(cols) < 2:
            continue
        frames.append(pd.DataFrame({code: _numeric(c, response) for code, c in cols.items()}))
    if not frames:
        return
    data = pd.concat(frames, ignore_index=True)
    for it in sc.items:
        if it.code not in data or data.shape[1] < 3:
            continue
        rest = data.drop(columns=[it.code]).mean(axis=1)
        r = data[it.code].corr(rest)
        it.r_drop = float(r)
        it.reverse = bool(r < 0)



# --- organisations and roles -------------------------------------------------------------------------

def _similar(a: str, b: str) -> bool:
    sa, sb = _squash(a), _squash(b)
    return sa == sb or difflib.SequenceMatcher(None, sa, sb).ratio() >= 0.85


def group_spellings(values) -> list[tuple[str, list[str]]]:
    """Distinct answers grouped into (canonical name, [other spellings]): most frequent spelling first.

    Two answers are one category when they are equal after case, accents, spaces and hyphens are
    ignored, or nearly so (difflib ratio >= .85 on that form).
    """
    counts = Counter(str(v).strip() for v in values if not _is_blank(v) and str(v).strip())
    groups: list[list[str]] = []
    for value, _ in counts.most_common():
        for g in groups:
            if any(_similar(value, other) for other in g):
                g.append(value)
                break
        else:
            groups.append([value])
    out = []
    for g in groups:
        canonical = max(g, key=lambda v: (counts[v], v[:1].isupper(), -len(v)))
        aliases = sorted({v for v in g if normalise_text(v) != normalise_text(canonical)})
        out.append((canonical, aliases))
    return sorted(out)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", normalise_text(text)).strip("_") or "onbekend"


# --- the draft -----------------------------------------------------------------------------------------

@dataclass
class CodebookDraft:
    """What :func:`draft_codebook` found; :meth:`yaml` is the codebook text, :meth:`summary` the Dutch summary."""

    files: list
    columns: list
    scales: list
    responses: dict                       # scale code -> DraftResponseScale
    background: dict                      # field -> Column
    organisations: list
    roles: list
    name: str = ""

    @property
    def open_questions(self) -> list[tuple[str, list[str]]]:
        """(question text, other headings) per open question. Columns headed by a bare code (LimeSurvey)
        are paired with the texted questions in order when their numbers agree."""
        texted, coded = {}, {}
        for c in self.columns:
            if c.kind != "open":
                continue
            text = question_text(c)
            if _BARE_CODE.match(text):
                coded.setdefault(_squash(text), c.heading)
            else:
                entry = texted.setdefault(normalise_text(text), (text, set()))
                if normalise_text(c.heading) != normalise_text(text) and not _QUALTRICS_ID.match(c.heading):
                    entry[1].add(c.heading)
        out = [(text, sorted(headings)) for text, headings in texted.values()]
        if len(coded) == len(out):
            return [(text, sorted({*headings, code})) for (text, headings), code in zip(out, coded.values())]
        return out + [(code, []) for code in coded.values()]

    @property
    def reverse_items(self) -> list[str]:
        return [it.code for sc in self.scales for it in sc.items if it.reverse]

    def default_response(self) -> DraftResponseScale:
        counts = Counter(r.name for r in self.responses.values())
        name = counts.most_common(1)[0][0] if counts else "eens_5"
        return next(r for r in self.responses.values() if r.name == name) if counts else \
            DraftResponseScale("eens_5", tuple(_AGREE[5]), "herkend")

    def yaml(self) -> str:
        return render_yaml(self)

    def write(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.yaml(), encoding="utf-8")
        return path

    def summary(self) -> str:
        return draft_summary(self)


def draft_codebook(paths, *, name: str | None = None) -> CodebookDraft:
    """Propose a codebook for the questionnaire behind one or more exports (files or folders).

    Parameters
    ----------
    paths : path or list of paths
        Exports as ``informeel clean`` takes them (LimeSurvey/Qualtrics CSV, Forms XLSX, SPSS SAV).
    name : str, optional
        Name of the questionnaire (default: the first file's folder name).

    Returns
    -------
    CodebookDraft
        ``.write(path)`` writes YAML that :func:`~informeel_lib.codebook.load_codebook` accepts;
        ``.summary()`` says in Dutch what was found and what is left to decide.

    Examples
    --------
    On a folder of exports (a plain example, not run as a doctest: a doctest that is always skipped
    counts as a failure on CI)::

        draft = draft_codebook(["data/raw/2024-03"])
        draft.write("codebook.yaml"); print(draft.summary())

    There is no R equivalent; it replaces writing the codebook by hand.
    """
    columns, files = read_columns(paths)
    classify(columns)
    scales = group_items(columns)
    _scale_codes(scales)
    responses = {}
    for sc in scales:
        responses[sc.code] = _scale_response(sc)
        suggest_reverse(sc, responses[sc.code], columns)
    for response_name in {r.name for r in responses.values()}:   # one spelling per response scale
        sharing = [sc for sc in scales if responses[sc.code].name == response_name]
        spelled = in_export_spelling(responses[sharing[0].code], [c for sc in sharing for it in sc.items
                                                                  for c in it.columns])
        for sc in sharing:
            responses[sc.code] = spelled
    background = {}
    for c in columns:
        if c.kind == "background":
            background.setdefault(c.target, []).append(c)
    organisations = group_spellings(v for c in background.get("organisation", []) for v in c.values)
    roles = group_spellings(v for c in background.get("role", []) for v in c.values)
    return CodebookDraft(files, columns, scales, responses, background, organisations, roles,
                         name or "mijn vragenlijst")


# --- writing -------------------------------------------------------------------------------------------

def _q(text) -> str:
    """A YAML scalar in double quotes (JSON strings are valid YAML)."""
    return json.dumps(str(text), ensure_ascii=False)


def _response_yaml(r: DraftResponseScale, indent: str, missing: bool) -> list[str]:
    lines = [f"{indent}min: {r.start}", f"{indent}max: {r.start + len(r.labels) - 1}", f"{indent}labels:"]
    if r.source == "getallen":
        lines.insert(0, f"{indent}# TE DOEN: alleen getallen gevonden; vervang de labels door de antwoordopties.")
    lines += [f"{indent}  {v}: {_q(lab)}" for v, lab in zip(r.values, r.labels)]
    if r.aliases:
        lines.append(f"{indent}aliases:   # andere schrijfwijzen van een antwoord in de exports")
        for v in sorted({v for v, _ in r.aliases}):
            lines.append(f"{indent}  {v}: [" + ", ".join(_q(s) for w, s in r.aliases if w == v) + "]")
    if missing:
        codes = [m for m in MISSING_LABELS if not (m.isdigit() and int(m) in r.values)]
        lines.append(f"{indent}missing: [" + ", ".join(_q(m) for m in codes) + "]")
    return lines


def _scale_yaml(sc: DraftScale, r: DraftResponseScale, default: DraftResponseScale) -> list[str]:
    name = sc.stem or f"Schaal {sc.code}"
    lines = [f"  {sc.code}:",
             f"    name: {_q(name)}   # TE DOEN: een korte naam voor de rapporten",
             "    role: predictor     # TE DOEN: 'outcome' voor de uitkomst(en) van de onderzoeksvraag",
             "    concept: \"\"         # optioneel: het begrip van de onderzoeksvraag dat deze schaal meet",
             "    core: true          # schaal van de onderzoeksvraag (getoond in de itemfiguren en per organisatie)"]
    if r.name != default.name:
        lines.append(f"    response_scale: {r.name}")
    if sc.linked_by_order:
        lines.append("    # LimeSurvey-kolommen zonder tekst zijn op volgorde aan deze items gekoppeld: controleer.")
    lines.append("    items:")
    for it in sc.items:
        text = it.text or f"TE DOEN: tekst van {it.code}"
        aliases = sorted({c.heading for c in it.columns if normalise_text(c.heading) != normalise_text(it.text)
                          and not _QUALTRICS_MATRIX.match(c.heading)})
        entry = f"      - {{code: {it.code}, text: {_q(text)}"
        if it.reverse:
            entry += ", reverse: true"
        if aliases:
            entry += ", aliases: [" + ", ".join(_q(a) for a in aliases) + "]"
        entry += "}"
        if it.reverse:
            entry += f"   # voorstel: omgekeerd (item-restcorrelatie {it.r_drop:.2f}); controleer de formulering"
        lines.append(entry)
    return lines


def _category_yaml(key: str, code_key: str, groups, slug: bool) -> list[str]:
    lines = [f"{key}:"]
    if not groups:
        groups = [("onbekend", [])]
        lines.append(f"  # TE DOEN: geen {'organisaties' if key == 'organisations' else 'rollen'} gevonden in de "
                     f"exports")
    for canonical, aliases in groups:
        code = _slug(canonical) if slug else canonical
        entry = f"  - {{{code_key}: {_q(code)}"
        if slug:
            entry += f", label: {_q(canonical)}"
        lines.append(entry + ", aliases: [" + ", ".join(_q(a) for a in aliases) + "]}")
    return lines


def _background_yaml(draft: CodebookDraft) -> list[str]:
    lines = ["background:"]
    for fld in ("personal_code", "organisation", "team", "role", "sector", "team_size", "tenure", "contract_hours"):
        cols = draft.background.get(fld, [])
        if not cols and fld not in ("organisation", "team", "role"):
            continue
        text = next((question_text(c) for c in cols if c.texts), question_text(cols[0]) if cols else "")
        names = sorted({c.heading for c in cols if normalise_text(c.heading) != normalise_text(text)
                        and not _QUALTRICS_ID.match(c.heading)})
        lines.append(f"  {fld}:")
        if not cols:
            lines.append("    # TE DOEN: deze verplichte vraag is in geen enkele export gevonden")
        lines += [f"    text: {_q(text or fld)}", f"    type: {_BACKGROUND_TYPES[fld]}",
                  f"    required: {'true' if fld in ('organisation', 'team', 'role') else 'false'}"]
        if fld == "personal_code":
            lines.append("    identifier: true")
        if names:
            lines.append("    aliases: [" + ", ".join(_q(n) for n in names) + "]")
    return lines


LEARNING_EXAMPLE = re.compile(r"\b(geleerd|leerde|leerden|opgestoken|opgedaan|leermoment\w*|leerervaring\w*)\b")
"""Words of a question that asks for an example of learning (normalised text): its answers are what the
coding scheme sorts into the three forms of informal learning."""


def open_question_analysis(text: str) -> str:
    """The drafted ``analysis`` of an open question: ``vormen`` when it asks for something the respondent
    learned (what ``informeel citaten`` and the forms table need), else ``woorden``.

    Examples
    --------
    >>> open_question_analysis("Wat heb je deze week in je werk geleerd?")
    'vormen'
    >>> open_question_analysis("Heb je nog opmerkingen?")
    'woorden'
    """
    return "vormen" if LEARNING_EXAMPLE.search(normalise_text(text)) else "woorden"


def render_yaml(draft: CodebookDraft) -> str:
    """The draft as commented YAML (see :func:`draft_codebook`)."""
    default = draft.default_response()
    demo = load_codebook()
    out = [f"# Concept-codeboek, geschreven door 'informeel codebook draft' uit {len(draft.files)} export(s).",
           "# Controleer alles en vul aan waar 'TE DOEN' staat; 'informeel codebook check EXPORT' laat zien hoe",
           "# de exports op dit codeboek passen.",
           "version: 1", f"name: {_q(draft.name)}   # TE DOEN: de naam van de vragenlijst", "", "response_scale:"]
    out += _response_yaml(default, "  ", missing=True)
    others = {r.name: r for r in draft.responses.values() if r.name != default.name}
    if others:
        out += ["", "# Schalen met een andere antwoordschaal verwijzen hiernaar met 'response_scale: <naam>'.",
                "response_scales:"]
        for name, r in others.items():
            out += [f"  {name}:"] + _response_yaml(r, "    ", missing=False)
    out += ["", "# TE DOEN: geef elke schaal een naam en zet bij de uitkomst(en) 'role: outcome'.", "scales:"]
    for sc in draft.scales:
        out += _scale_yaml(sc, draft.responses[sc.code], default)
    out += [""] + _category_yaml("organisations", "name", draft.organisations, slug=False)
    out += [""] + _category_yaml("roles", "code", draft.roles, slug=True)
    out += ["", "# Achtergrondvragen; 'text' is de vraag zoals in de export."] + _background_yaml(draft)
    opens = draft.open_questions
    if opens:
        out += ["", "# Open vragen. analysis: 'vormen' (indeling in de drie vormen van informeel leren: aantallen per",
                "# vorm, en citaten via 'informeel citaten') of 'woorden' (meest genoemde woorden). Voorgesteld:",
                "# 'vormen' bij een vraag naar iets wat iemand geleerd heeft, anders 'woorden'.", "open_questions:"]
        for k, (text, headings) in enumerate(opens, start=1):
            out += [f"  OPEN{k}:", f"    text: {_q(text)}", f"    analysis: {open_question_analysis(text)}"]
            if headings:
                out.append("    aliases: [" + ", ".join(_q(h) for h in headings) + "]")
    idents = sorted({c.heading for c in draft.columns if c.kind == "identifier"} | set(demo.identifier_columns))
    out += ["", "# Kolommen die een persoon direct herkenbaar maken: bij het inlezen verwijderd.",
            "identifier_columns: [" + ", ".join(_q(i) for i in idents) + "]", "",
            "# Metakolommen van de enquêteprogramma's.", "meta_columns:"]
    out += [f"  {k}: [" + ", ".join(_q(v) for v in vals) + "]" for k, vals in demo.meta_columns.items()]
    return "\n".join(out) + "\n"


def draft_summary(draft: CodebookDraft) -> str:
    """Dutch summary of what the draft found and what the researcher still has to decide."""
    from ..nl import plural, word_list

    n_rows = sum(r for _, _, r in draft.files)
    tools = sorted({t for _, t, _ in draft.files})
    n_items = sum(len(sc.items) for sc in draft.scales)
    lines = [f"Gelezen: {plural(len(draft.files), 'export', 'exports')} ({', '.join(tools)}), "
             f"{plural(n_rows, 'rij', 'rijen')}.",
             f"Gevonden: {plural(len(draft.scales), 'kandidaatschaal', 'kandidaatschalen')} met "
             f"{plural(n_items, 'item', 'items')}: " + "; ".join(
                 f"{sc.code} ({len(sc.items)} items, {_describe_response(draft.responses[sc.code])})"
                 for sc in draft.scales) + "."]
    found_bg = [f for f in draft.background]
    lines.append("Achtergrondvragen: " + (word_list(found_bg) if found_bg else "geen") + ".")
    variants = sum(len(a) for _, a in draft.organisations)
    lines.append(f"Organisaties: {word_list([o for o, _ in draft.organisations]) or 'geen'}"
                 + (f" ({plural(variants, 'spellingsvariant', 'spellingsvarianten')} als alias)." if variants else "."))
    lines.append(f"Open vragen: {len(draft.open_questions)}; identificerende kolommen: "
                 f"{len({c.heading for c in draft.columns if c.kind == 'identifier'})} (worden verwijderd).")
    coded = [k for k, (text, _) in enumerate(draft.open_questions, start=1) if open_question_analysis(text) == "vormen"]
    if coded:
        lines.append("In vormen van informeel leren ingedeeld (analysis: vormen, voor citaten en de tabel per vorm): "
                     + word_list([f"OPEN{k}" for k in coded]) + "; de andere open vragen: meest genoemde woorden.")
    if draft.reverse_items:
        lines.append(f"Voorgesteld als omgekeerd item: {word_list(draft.reverse_items)} (negatieve "
                     f"item-restcorrelatie).")
    unknown = [f"{c.file}: '{c.heading}'" for c in draft.columns if c.kind == "onbekend"]
    if unknown:
        lines.append("Niet ingedeeld: " + "; ".join(unknown) + ".")
    todo = ["geef de schalen een naam", "zet bij de uitkomst(en) 'role: outcome'", "controleer de omgekeerde items"]
    if any(r.source == "getallen" for r in draft.responses.values()):
        todo.append("vul de labels van de antwoordschaal in")
    if any(not it.text for sc in draft.scales for it in sc.items):
        todo.append("vul de ontbrekende itemteksten in")
    if draft.open_questions and not coded:
        todo.append("zet 'analysis: vormen' bij de open vraag waaruit je citaten wilt (geen enkele open vraag "
                    "vraagt naar iets wat iemand geleerd heeft)")
    lines.append("Nog te doen in het codeboek: " + word_list(todo) + ".")
    return "\n".join(lines)


def _describe_response(r: DraftResponseScale) -> str:
    if r.source == "getallen":
        return f"{r.start}-{r.start + len(r.labels) - 1}, labels onbekend"
    return f"{r.start}-{r.start + len(r.labels) - 1}, '{r.labels[0]}' … '{r.labels[-1]}'"
