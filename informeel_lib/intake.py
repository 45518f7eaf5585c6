"""Intake: read one raw survey export (LimeSurvey, Qualtrics, Microsoft Forms, SPSS, plain CSV).

:func:`read_export` turns a file into an :class:`Export`: a DataFrame with canonical columns
(item codes, background fields, open questions, meta columns), the spreadsheet row of every
data row, the tool that made it, how every raw heading was recognised, and a list of
value-level problems (:class:`Issue`). Identifier columns (names, e-mail, IP, location) are
dropped here and only their headings are listed.

Column recognition (every text compared after :func:`~informeel_lib.codebook.normalise_text`):

1. by name: item code (``REFL1``), background field, meta column, identifier, or an alias;
2. LimeSurvey ``ANY[REFL1]`` (the code in brackets) and ``question [statement]`` (the
   statement in brackets, by item text);
3. Qualtrics "stem - statement" in the second header row (the part after the last " - ");
4. by full item/question text, SPSS variable label, or codebook alias;
5. a close match (difflib ratio >= 0.9) for small typos in long texts.

Two raw columns never map to the same canonical column: that is an error naming both.

Values: Likert labels become numbers via :meth:`Codebook.label_value`, numbers are kept, "weet
niet"/n.v.t. become missing; unknown labels and out-of-range numbers become missing and are
recorded as issues (cleaning logs them, or raises in strict mode).
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from numbers import Number
from pathlib import Path

import numpy as np
import pandas as pd

from .codebook import Codebook, load_codebook, normalise_text
from .errors import InputError
from .schema import check_required_columns, numeric_background, validate_frame

TOOLS = ("limesurvey", "qualtrics", "forms", "spss", "csv")
CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
SPSS_EXTENSIONS = (".sav", ".zsav")
SUPPORTED_EXTENSIONS = CSV_EXTENSIONS + EXCEL_EXTENSIONS + SPSS_EXTENSIONS
FUZZY_CUTOFF = 0.9

# Common names the codebook need not spell out (the codebook's own aliases come first).
_BUILTIN_BACKGROUND_NAMES = {
    "personal_code": ["persoonlijke code", "personal code", "deelnemerscode", "respondentcode", "code"],
    "organisation": ["organisatie", "organisation", "zorgorganisatie", "werkgever", "instelling"],
    "team": ["team", "teamnaam", "team naam", "afdeling", "afdeling/team"],
    "role": ["rol", "functie", "role", "functie/rol", "functie of rol"],
    "sector": ["sector", "type zorg", "soort zorg", "werkveld"],
    "team_size": ["teamgrootte", "team size", "grootte team", "aantal collega's"],
    "tenure": ["dienstjaren", "jaren in dienst", "tenure", "dienstverband jaren"],
    "contract_hours": ["contracturen", "contract uren", "uren per week", "contract hours"],
}
_BUILTIN_META = {
    "respondent_id": ["response id", "responseid", "id"],
    "submitted": ["tijd van voltooien", "voltooid", "tijdstip van voltooiing", "einddatum", "completion time"],
    "started": ["begintijd", "starttijd", "startdatum", "start time"],
    "duration_s": ["duur (in seconden)", "duur in seconden", "duration (in seconds)"],
    "ignore": ["tijd laatst gewijzigd", "last modified time", "recorded date", "q_recaptchascore",
               "total points", "quiz feedback", "punten", "lastpage", "startlanguage"],
}
_BUILTIN_IDENTIFIERS = ["ip", "ip address", "ip adres", "ipadres", "latitude", "longitude", "locatie", "location",
                        "e mail", "mailadres", "e-mail adres", "telefoon", "mobiel", "gsm", "postcode",
                        "adres", "geboortedatum", "recipient last name", "recipient first name",
                        "recipient email", "location latitude", "location longitude", "external reference"]

_IMPORT_ID = re.compile(r'^\s*\{\s*"?importid"?\s*:', re.I)
_BRACKET = re.compile(r"^(.*?)\s*\[([^\[\]]+)\]\s*$", re.S)
_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_NUMBER_WITH_UNIT = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)\s*(uur|uren|u|jaar|jr|personen|collega's|mensen)?\.?$", re.I)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_LEADING_NUMBER_LABEL = re.compile(r"^\s*(\d+)\s*[-=:.)]?\s*(\D.*)$")


@dataclass(frozen=True)
class Issue:
    """A value that could not be used and was set to missing.

    ``column`` is the canonical column, ``raw_column`` the heading in the file, ``row`` the
    spreadsheet row, ``value`` the raw value as text, ``reason_code`` one of
    ``buiten_bereik``, ``onbekend_label``, ``ongeldige_waarde``; ``reason`` is Dutch.
    """

    file: str
    column: str
    raw_column: str
    row: int
    value: str
    reason_code: str
    reason: str

    def message(self) -> str:
        where = f"kolom '{self.column}'" + (f" (kop '{self.raw_column}')" if self.raw_column != self.column else "")
        return f"bestand '{self.file}', {where}, rij {self.row}: waarde '{self.value}': {self.reason}"


@dataclass(frozen=True, repr=False)
class Export:
    """One raw export after intake.

    Attributes
    ----------
    data : DataFrame
        Canonical columns only (items as float, background, open answers, meta).
    source_file : str
        File name (without folder).
    source_rows : list of int
        Spreadsheet row number of every data row (header rows counted).
    tool : str
        ``limesurvey``, ``qualtrics``, ``forms``, ``spss`` or ``csv``.
    column_map : dict
        Raw heading -> canonical column for every recognised, kept column.
    dropped_identifier_columns : list of str
        Raw headings of identifier columns that were dropped.
    unmapped_columns : list of str
        Raw headings that were not recognised (not kept).
    issues : list of Issue
        Value-level problems (set to missing).
    path : str
        Full path that was read.
    """

    data: pd.DataFrame
    source_file: str
    source_rows: list
    tool: str
    column_map: dict
    dropped_identifier_columns: list
    unmapped_columns: list
    issues: list = field(default_factory=list)
    path: str = ""

    @property
    def n_rows(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return (f"Export({self.source_file!r}, tool={self.tool!r}, rows={len(self.data)}, "
                f"columns={len(self.column_map)}, identifiers_dropped={len(self.dropped_identifier_columns)}, "
                f"unmapped={len(self.unmapped_columns)}, issues={len(self.issues)})")

    def to_frame(self) -> pd.DataFrame:
        """The column recognition as a table: raw heading, canonical column (or what happened)."""
        rows = [(raw, canon, "herkend") for raw, canon in self.column_map.items()]
        rows += [(raw, None, "identificerend, verwijderd") for raw in self.dropped_identifier_columns]
        rows += [(raw, None, "niet herkend") for raw in self.unmapped_columns]
        return pd.DataFrame(rows, columns=["kop", "kolom", "status"])


# --- raw tables ---------------------------------------------------------------

@dataclass
class _RawTable:
    headings: list          # raw heading per column
    texts: list             # extra recognition texts per column (Qualtrics row 2, SPSS labels)
    rows: list              # list of lists of values
    row_numbers: list       # spreadsheet row per data row
    tool_hint: str | None = None
    value_labels: dict = field(default_factory=dict)   # column index -> {code: label} (SPSS)


def _is_blank(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, np.floating) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _decode(raw: bytes, name: str) -> str:
    if not raw.strip(b" \t\r\n\x00"):
        raise InputError("het bestand is leeg.", file=name)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:4000].count(b"\x00") > 0:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[1:200:2].count(b"\x00") > 20:
            raise InputError("het bestand is in UTF-16 (Unicode) gecodeerd. Sla het op als CSV in UTF-8 "
                             "(in Excel: 'CSV UTF-8 (door komma's gescheiden)').", file=name)
        raise InputError("dit is geen tekstbestand (binaire inhoud). Lever een CSV-, XLSX- of SAV-export aan.",
                         file=name)
    if raw.startswith(b"PK\x03\x04"):
        raise InputError("dit is een Excel/zip-bestand met de extensie .csv. Geef het de extensie .xlsx.", file=name)
    if raw.startswith(b"$FL2") or raw.startswith(b"$FL3"):
        raise InputError("dit is een SPSS-bestand met de extensie .csv. Geef het de extensie .sav.", file=name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise InputError("de tekencodering wordt niet herkend (geen UTF-8 en geen Windows-1252). "
                             "Sla het bestand op als CSV in UTF-8.", file=name) from exc
    controls = sum(1 for ch in text[:4000] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > 10:
        raise InputError("dit is geen tekstbestand (binaire inhoud). Lever een CSV-, XLSX- of SAV-export aan.",
                         file=name)
    return text


def _split_records(text: str, delimiter: str, limit=None) -> list:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    out = []
    for rec in reader:
        out.append(rec)
        if limit is not None and len(out) >= limit:
            break
    return out


def _delimiter_score(text: str, delimiter: str):
    try:
        records = [r for r in _split_records(text, delimiter, limit=30) if any(c.strip() for c in r)]
    except csv.Error:
        return 0, 0.0
    if not records:
        return 0, 0.0
    n = len(records[0])
    data = records[1:-1] if len(records) > 2 else records[1:]
    consistent = 1.0 if not data else sum(len(r) == n for r in data) / len(data)
    return n, consistent


def _detect_delimiter(text: str, name: str) -> str:
    sample = text[:50000]
    scores = {d: _delimiter_score(sample, d) for d in (",", ";", "\t")}
    best_n = max(n for n, _ in scores.values())
    try:
        first_lines = "\n".join(sample.splitlines()[:20])
        sniffed = csv.Sniffer().sniff(first_lines, delimiters=",;\t").delimiter
    except csv.Error:
        sniffed = None
    # sanity check on the sniffer: the header must split into many columns, consistently
    if sniffed in scores:
        n, consistent = scores[sniffed]
        if n >= 3 and consistent >= 0.8 and n >= 0.5 * best_n:
            return sniffed
    ranked = sorted(scores.items(), key=lambda kv: (kv[1][0] >= 2, kv[1][1] >= 0.8, kv[1][0]), reverse=True)
    delimiter, (n, _) = ranked[0]
    if n < 2:
        raise InputError("alle gegevens staan in één kolom: het scheidingsteken is niet herkend "
                         "(verwacht komma, puntkomma of tab).", file=name)
    return delimiter


def _qualtrics_header_rows(records: list) -> bool:
    """True when the second and third rows are Qualtrics' question-text and ImportId rows."""
    if len(records) < 3:
        return False
    third = [c for c in records[2] if not _is_blank(c)]
    return bool(third) and sum(bool(_IMPORT_ID.match(str(c))) for c in third) >= 0.5 * len(third)


def _table_from_records(records: list, first_row_number: int, name: str, *, ragged_ok=False) -> _RawTable:
    """Header + data records -> raw table; Qualtrics' extra header rows are used as texts."""
    numbered = [(first_row_number + i, r) for i, r in enumerate(records)]
    numbered = [(n, r) for n, r in numbered if any(not _is_blank(c) for c in r)]
    if not numbered:
        raise InputError("het bestand is leeg.", file=name)
    header_row, header = numbered[0]
    header = ["" if _is_blank(h) else str(h).strip() for h in header]
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise InputError("de eerste rij bevat geen kolomkoppen.", file=name)
    ncol = len(header)
    texts = [[] for _ in range(ncol)]
    body = numbered[1:]
    tool_hint = None
    if _qualtrics_header_rows([header] + [r for _, r in body[:2]]):
        qtexts = body[0][1]
        texts = [[str(qtexts[i])] if i < len(qtexts) and not _is_blank(qtexts[i]) else [] for i in range(ncol)]
        body = body[2:]
        tool_hint = "qualtrics"
    rows, numbers = [], []
    for number, rec in body:
        rec = list(rec)
        if len(rec) > ncol:
            extra = rec[ncol:]
            if any(not _is_blank(c) for c in extra) and not ragged_ok:
                raise InputError(f"deze rij heeft {len(rec)} velden, maar de kopregel heeft er {ncol}. Staat er een "
                                 "scheidingsteken in een antwoord zonder aanhalingstekens?", file=name, row=number)
            rec = rec[:ncol]
        rec += [None] * (ncol - len(rec))
        rows.append(rec)
        numbers.append(number)
    return _RawTable(header, texts, rows, numbers, tool_hint)


def _read_csv(path: Path) -> _RawTable:
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"het bestand kan niet gelezen worden ({exc.strerror}).", file=name) from exc
    text = _decode(raw, name)
    delimiter = _detect_delimiter(text, name)
    try:
        records = _split_records(text, delimiter)
    except csv.Error as exc:
        raise InputError(f"het CSV-bestand is beschadigd ({exc}).", file=name) from exc
    return _table_from_records(records, 1, name)


def _read_excel(path: Path) -> _RawTable:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError("dit is geen geldig Excel-bestand (.xlsx); het is beschadigd of van een ander type.",
                         file=name) from exc
    try:
        for sheet in book.worksheets:
            sheet.reset_dimensions()
            records = [list(r) for r in sheet.iter_rows(min_row=1, values_only=True)]
            if any(any(not _is_blank(c) for c in r) for r in records):
                return _table_from_records(records, 1, name, ragged_ok=True)
    finally:
        book.close()
    raise InputError("het bestand is leeg (geen enkel werkblad bevat gegevens).", file=name)


def _read_spss(path: Path) -> _RawTable:
    import pyreadstat

    name = path.name
    try:
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    except Exception as exc:  # noqa: BLE001 - pyreadstat raises several types for a bad file
        raise InputError("dit is geen leesbaar SPSS-bestand (.sav).", file=name) from exc
    if df.shape[1] == 0:
        raise InputError("het bestand is leeg.", file=name)
    headings = [str(c) for c in df.columns]
    labels = meta.column_names_to_labels or {}
    texts = [[str(labels[c])] if labels.get(c) else [] for c in df.columns]
    value_labels = {}
    for i, c in enumerate(df.columns):
        vl = (meta.variable_value_labels or {}).get(c)
        if vl:
            value_labels[i] = {(_label_key(k)): str(v) for k, v in vl.items()}
    rows = df.astype(object).where(df.notna(), None).values.tolist()
    # SPSS has one header line (the variable names) in its data view export; row = case number + 1
    numbers = list(range(2, len(rows) + 2))
    return _RawTable(headings, texts, rows, numbers, "spss", value_labels)


def _label_key(value):
    if isinstance(value, Number) and not isinstance(value, bool) and float(value).is_integer():
        return float(value)
    return value if isinstance(value, str) else float(value)


def _read_table(path: Path) -> _RawTable:
    ext = path.suffix.lower()
    if ext in CSV_EXTENSIONS:
        return _read_csv(path)
    if ext in EXCEL_EXTENSIONS:
        return _read_excel(path)
    if ext in SPSS_EXTENSIONS:
        return _read_spss(path)
    raise InputError(f"bestandstype '{ext or '(geen extensie)'}' wordt niet ondersteund; gebruik "
                     + ", ".join(SUPPORTED_EXTENSIONS) + ".", file=path.name)


# --- column recognition ---------------------------------------------------------

def _squash(text) -> str:
    return re.sub(r"[\s\-'/]+", "", normalise_text(text))


@dataclass
class _Index:
    names: dict        # squashed name -> (canonical, kind)
    texts: dict        # normalised text -> (canonical, kind)
    kinds: dict        # canonical -> kind


def _add(mapping, key, target):
    if key and key not in mapping:
        mapping[key] = target


def build_index(cb: Codebook) -> _Index:
    """Index of every name and text that identifies a canonical column."""
    names, texts, kinds = {}, {}, {}
    for item in cb.items:
        t = (item.code, "item")
        kinds[item.code] = "item"
        _add(names, _squash(item.code), t)
        _add(texts, normalise_text(item.text), t)
        for alias in item.aliases:
            _add(names, _squash(alias), t)
            _add(texts, normalise_text(alias), t)
    for code, text in cb.open_questions.items():
        t = (code, "open")
        kinds[code] = "open"
        _add(names, _squash(code), t)
        _add(texts, normalise_text(text), t)
    for fld, spec in cb.background.items():
        t = (fld, "background")
        kinds[fld] = "background"
        _add(names, _squash(fld), t)
        if spec.get("text"):
            _add(texts, normalise_text(spec["text"]), t)
        for alias in list(spec.get("aliases") or []):
            _add(names, _squash(alias), t)
            _add(texts, normalise_text(alias), t)
    for fld, aliases in _BUILTIN_BACKGROUND_NAMES.items():
        if fld in cb.background or fld == "personal_code":
            kinds.setdefault(fld, "background")
            for alias in aliases:
                _add(names, _squash(alias), (fld, "background"))
    for meta, aliases in list(cb.meta_columns.items()) + list(_BUILTIN_META.items()):
        kind = "ignore" if meta == "ignore" else "meta"
        target = ("" if kind == "ignore" else meta, kind)
        for alias in aliases:
            _add(names, _squash(alias), target)
    for ident in list(cb.identifier_columns) + _BUILTIN_IDENTIFIERS:
        names[_squash(ident)] = ("", "identifier")
    return _Index(names, texts, kinds)


_CODE_PREFIX = re.compile(r"^\s*([A-Za-z_][\w]*(?:\[[\w]+\])?|\d+[a-z]?)\s*[.):]\s+(\S.*)$", re.S)


def _candidates(heading: str, extra: list):
    """Texts that may identify one column, strongest first: the heading, extra texts (Qualtrics' second
    header row, SPSS variable label), and for "CODE. question" / "3. question" headings both parts."""
    out = [heading] + [t for t in extra if t]
    for text in list(out):
        m = _CODE_PREFIX.match(str(text))
        if m:
            out += [m.group(1), m.group(2)]
    return [s for s in out if s and str(s).strip()]


def _match_text(text: str, index: _Index):
    """Exact then fuzzy match of a long text against item/question texts."""
    key = normalise_text(text)
    if not key:
        return None
    if key in index.texts:
        return index.texts[key]
    if str(text).rstrip().endswith(("...", "\u2026")) and len(key) >= 15:
        # LimeSurvey "abbreviated question text" headings: a unique prefix of a known text
        targets = {index.texts[t] for t in index.texts if t.startswith(key)}
        if len(targets) == 1:
            return targets.pop()
    if len(key) < 12:
        return None
    close = difflib.get_close_matches(key, list(index.texts), n=2, cutoff=FUZZY_CUTOFF)
    if not close:
        return None
    best = index.texts[close[0]]
    if len(close) > 1 and index.texts[close[1]] != best:
        r0 = difflib.SequenceMatcher(None, key, close[0]).ratio()
        r1 = difflib.SequenceMatcher(None, key, close[1]).ratio()
        if abs(r0 - r1) < 0.02:
            return None  # ambiguous: do not guess
    return best


def _match_column(heading: str, extra: list, index: _Index):
    """Recognise one column: ``(canonical, kind, strength)`` or None. Strength 2 = sure, 1 = weak."""
    cands = _candidates(heading, extra)
    # 1. by name (code, field name, meta, identifier, alias)
    for s in cands:
        hit = index.names.get(_squash(s))
        if hit:
            return hit + (2,)
    # 2. LimeSurvey brackets: ANY[REFL1] or "question [statement]"
    for s in cands:
        m = _BRACKET.match(str(s))
        if m:
            inner = m.group(2)
            hit = index.names.get(_squash(inner))
            if hit and hit[1] == "item":
                return hit + (2,)
            hit = _match_text(inner, index)
            if hit:
                return hit + (2,)
    # 3. Qualtrics "stem - statement": the statement after the last dash
    for s in cands:
        parts = _DASH.split(str(s))
        if len(parts) > 1:
            hit = _match_text(parts[-1], index)
            if hit:
                return hit + (2,)
    # 4. full text (exact, then close)
    for s in cands:
        hit = _match_text(s, index)
        if hit:
            return hit + (2,)
    # 5. weak: the question part of "question [other]" or "question - Selected Choice"
    for s in cands:
        m = _BRACKET.match(str(s))
        pieces = [m.group(1)] if m else []
        parts = _DASH.split(str(s))
        if len(parts) > 1:
            pieces.append(parts[0])
        for piece in pieces:
            hit = index.names.get(_squash(piece)) or _match_text(piece, index)
            if hit and hit[1] in ("background", "open"):
                return hit + (1,)
    return None


def _display(heading: str, i: int) -> str:
    return heading if heading else f"(kolom {i + 1} zonder kop)"


def recognise_columns(headings, texts, cb: Codebook, *, file=None):
    """Map raw headings to canonical columns.

    Returns
    -------
    mapping : dict
        column position -> canonical column (kept columns only)
    identifiers, unmapped : list of int
        Positions of identifier columns and of unrecognised columns.
    """
    index = build_index(cb)
    matches = {}
    identifiers, unmapped = [], []
    for i, heading in enumerate(headings):
        hit = _match_column(heading, texts[i] if i < len(texts) else [], index)
        if hit is None:
            unmapped.append(i)
        elif hit[1] == "identifier":
            identifiers.append(i)
        elif hit[1] == "ignore":
            continue
        else:
            matches[i] = hit
    by_target = {}
    for i, (canon, kind, strength) in matches.items():
        by_target.setdefault(canon, []).append((i, kind, strength))
    mapping = {}
    for canon, hits in by_target.items():
        strong = [h for h in hits if h[2] == 2]
        keep = strong or hits[:1]
        if len(keep) > 1 and keep[0][1] in ("item", "background", "open"):
            a, b = keep[0][0], keep[1][0]
            raise InputError(f"de kolommen '{_display(headings[a], a)}' en '{_display(headings[b], b)}' worden allebei "
                             f"herkend als '{canon}'. Verwijder of hernoem één van beide.", file=file, column=canon)
        mapping[keep[0][0]] = canon
        unmapped += [h[0] for h in hits if h[0] != keep[0][0]]
    return dict(sorted(mapping.items())), identifiers, sorted(unmapped)


def _detect_tool(table: _RawTable, path: Path) -> str:
    if table.tool_hint:
        return table.tool_hint
    names = {_squash(h) for h in table.headings}
    if names & {"responseid", "ipaddress", "recipientemail", "durationinseconds", "distributionchannel"}:
        return "qualtrics"
    if names & {"submitdate", "startlanguage", "lastpage", "datestamp"}:
        return "limesurvey"
    if names & {"completiontime", "tijdvanvoltooien"} or {"id", "starttime"} <= names or {"id", "begintijd"} <= names:
        return "forms"
    return "csv"


# --- values ----------------------------------------------------------------------

def parse_number(value):
    """A float for a number or numeric string (comma decimals allowed), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Number):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, str):
        s = value.strip()
        if _NUMBER.match(s):
            return float(s.replace(",", "."))
    return None


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date, pd.Timestamp)):
        return value.isoformat()
    return str(value)


def _is_missing_code(cb: Codebook, number: float) -> bool:
    """True for a numeric missing-value code of the codebook: negative codes (-9, -99) and 99/999-style codes.

    Small positive numbers such as 9 are never a missing code here (normalised text drops the
    minus sign of "-9", which would otherwise turn an out-of-range 9 into "no answer").
    """
    if not float(number).is_integer() or 0 <= number < 99:
        return False
    return normalise_text(str(int(abs(number)))) in cb.missing_labels


def convert_item(value, cb: Codebook):
    """One item cell -> (float value or NaN, problem or None); problem = (reason_code, Dutch reason)."""
    lo, hi = cb.scale_range
    if _is_blank(value):
        return np.nan, None
    number = None
    if isinstance(value, str) and parse_number(value) is not None:
        value = parse_number(value)  # "9" is a number (out of range), not the missing code "-9"
    if isinstance(value, str):
        try:
            v = cb.label_value(value)
        except KeyError:
            v = "unknown"
        if v is None:
            return np.nan, None
        if v != "unknown":
            return float(v), None
        number = parse_number(value)
        if number is None:
            m = _LEADING_NUMBER_LABEL.match(value)
            if m:
                try:
                    v = cb.label_value(m.group(2))
                except KeyError:
                    v = "unknown"
                if v not in (None, "unknown") and int(m.group(1)) == v:
                    return float(v), None
            return np.nan, ("onbekend_label", f"onbekend antwoordlabel; verwacht een getal {lo}–{hi} of een label "
                                              f"zoals '{cb.canonical_labels[lo]}'.")
    elif isinstance(value, Number) and not isinstance(value, bool):
        number = parse_number(value)
        if number is None:
            return np.nan, None
    else:
        return np.nan, ("onbekend_label", f"onbekend antwoord (geen getal {lo}–{hi} en geen antwoordlabel).")
    if _is_missing_code(cb, number):
        return np.nan, None
    if not float(number).is_integer() or not lo <= number <= hi:
        return np.nan, ("buiten_bereik", f"waarde buiten het bereik {lo}–{hi}.")
    return float(number), None


def convert_number(value, spec: dict, cb: Codebook):
    """A numeric background cell (team size, tenure, hours) -> (float or NaN, problem or None)."""
    if _is_blank(value):
        return np.nan, None
    number = parse_number(value)
    if number is None and isinstance(value, str):
        if normalise_text(value) in cb.missing_labels:
            return np.nan, None
        m = _NUMBER_WITH_UNIT.match(value.strip())
        number = float(m.group(1).replace(",", ".")) if m else None
    if number is None:
        return np.nan, ("ongeldige_waarde", "geen getal.")
    if _is_missing_code(cb, number) and number < 0:
        return np.nan, None  # -9 / -99: "no answer" (99 years or hours is out of range, not missing)
    low, high = spec.get("min", -math.inf), spec.get("max", math.inf)
    if spec.get("type") == "integer" and not float(number).is_integer():
        return np.nan, ("ongeldige_waarde", "geen geheel getal.")
    if not low <= number <= high:
        return np.nan, ("buiten_bereik", f"waarde buiten het bereik {low}–{high}.")
    return float(number), None


def _clean_string(value):
    if _is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _open_text(value):
    if _is_blank(value):
        return None
    return str(value).strip()


def _parse_datetime(value):
    if _is_blank(value):
        return pd.NaT
    if isinstance(value, (_dt.datetime, _dt.date, pd.Timestamp)):
        ts = pd.Timestamp(value)
    elif isinstance(value, str):
        s = value.strip()
        try:
            if _ISO_DATE.match(s):
                ts = pd.Timestamp(s)
            else:  # "3-5-2022 10:00" is day-first (Dutch); "5/3/2022 10:00 AM" month-first (English Forms)
                ts = pd.to_datetime(s, dayfirst=bool(re.match(r"^\d{1,2}[-.]\d{1,2}[-.]\d{4}", s)))
        except (ValueError, TypeError, OverflowError):
            return pd.NaT
    else:
        return pd.NaT
    try:
        if ts.tzinfo is not None:
            ts = ts.tz_convert(None)
        return ts.as_unit("ns")
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return pd.NaT  # a date pandas cannot hold (year 1500, 9999 ...) is as good as missing


def _source_id(value):
    if _is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _apply_value_labels(values, labels):
    if not labels:
        return values
    out = []
    for v in values:
        if not _is_blank(v) and isinstance(v, Number) and not isinstance(v, bool):
            out.append(labels.get(_label_key(v), v))
        else:
            out.append(labels.get(v, v) if isinstance(v, str) else v)
    return out


def _convert_columns(table: _RawTable, mapping: dict, cb: Codebook, name: str):
    numeric = numeric_background(cb)
    item_codes = set(cb.item_codes)
    data, issues = {}, []
    cache: dict = {}  # conversion per distinct cell value (exports repeat the same few labels)
    for pos, canon in mapping.items():
        raw = [r[pos] for r in table.rows]
        raw = _apply_value_labels(raw, table.value_labels.get(pos))
        heading = _display(table.headings[pos], pos)
        if canon in item_codes or canon in numeric:
            out = []
            seen = cache.setdefault("item" if canon in item_codes else canon, {})
            for value, row in zip(raw, table.row_numbers):
                key = (type(value), value) if isinstance(value, (str, int, float)) else None
                if key is not None and key in seen:
                    v, problem = seen[key]
                else:
                    if canon in item_codes:
                        v, problem = convert_item(value, cb)
                    else:
                        v, problem = convert_number(value, numeric[canon], cb)
                    if key is not None:
                        seen[key] = (v, problem)
                if problem:
                    issues.append(Issue(name, canon, heading, row, _text(value), *problem))
                out.append(v)
            data[canon] = pd.Series(out, dtype="float64")
        elif canon in ("submitted", "started"):
            data[canon] = pd.Series([_parse_datetime(v) for v in raw], dtype="datetime64[ns]")
        elif canon == "duration_s":
            data[canon] = pd.Series([parse_number(v) if parse_number(v) is not None else np.nan for v in raw],
                                    dtype="float64")
        elif canon == "respondent_id":
            data[canon] = pd.Series([_source_id(v) for v in raw], dtype=object)
        elif canon in cb.open_questions:
            data[canon] = pd.Series([_open_text(v) for v in raw], dtype=object)
        else:
            data[canon] = pd.Series([_clean_string(v) for v in raw], dtype=object)
    frame = pd.DataFrame(data, index=range(len(table.rows)))
    if "duration_s" not in frame and {"submitted", "started"} <= set(frame.columns):
        frame["duration_s"] = (frame["submitted"] - frame["started"]).dt.total_seconds()
    elif {"duration_s", "submitted", "started"} <= set(frame.columns):
        gap = frame["duration_s"].isna()
        frame.loc[gap, "duration_s"] = (frame.loc[gap, "submitted"] - frame.loc[gap, "started"]).dt.total_seconds()
    return frame, issues


# --- public entry points -------------------------------------------------------------

def _unique_headings(headings):
    seen, out = {}, []
    for i, h in enumerate(headings):
        label = _display(h, i)
        if label in seen:
            label = f"{label} (kolom {i + 1})"
        seen[label] = i
        out.append(label)
    return out


def _build_export(table: _RawTable, *, name: str, tool: str, cb: Codebook, path: str = "") -> Export:
    mapping, identifiers, unmapped = recognise_columns(table.headings, table.texts, cb, file=name)
    check_required_columns(mapping.values(), cb, file=name, n_raw_columns=len(table.headings))
    frame, issues = _convert_columns(table, mapping, cb, name)
    validate_frame(frame, cb, file=name, rows=table.row_numbers)
    labels = _unique_headings(table.headings)
    return Export(
        data=frame,
        source_file=name,
        source_rows=list(table.row_numbers),
        tool=tool,
        column_map={labels[i]: canon for i, canon in mapping.items()},
        dropped_identifier_columns=[labels[i] for i in identifiers],
        unmapped_columns=[labels[i] for i in unmapped],
        issues=issues,
        path=path,
    )


def read_export(path, *, codebook=None) -> Export:
    """Read one raw export and map it onto the codebook.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (LimeSurvey, Qualtrics or plain; ``,`` ``;`` or tab; UTF-8 or Windows-1252),
        ``.xlsx`` (Microsoft Forms or any spreadsheet with one header row) or ``.sav`` (SPSS,
        value labels applied) file.
    codebook : Codebook or path, optional
        Defaults to the package codebook.

    Returns
    -------
    Export

    Raises
    ------
    InputError
        Dutch message naming the file (and column/row): missing, empty, unreadable or wrongly
        encoded file, wrong delimiter, unsupported extension, missing required columns, two
        columns recognised as the same item.

    Notes
    -----
    A value that cannot be used (out of range, unknown label) does not raise: it becomes
    missing and is listed in ``Export.issues``; :func:`informeel_lib.cleaning.clean_files`
    logs them (or raises with ``strict=True``).

    Examples
    --------
    >>> exp = read_export("data/raw/2022-05/zinn.csv")          # doctest: +SKIP
    >>> exp.tool, exp.data[["organisation", "REFL1"]].head()    # doctest: +SKIP

    The nearest R equivalent is ``foreign::read.spss(..., use.value.labels = TRUE)`` or
    ``limer``/``qualtRics::read_survey`` followed by hand-written recoding.
    """
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    path = Path(path)
    if not path.exists():
        raise InputError("het bestand bestaat niet.", file=str(path))
    if path.is_dir():
        raise InputError("dit is een map, geen exportbestand.", file=str(path))
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise InputError(f"bestandstype '{path.suffix or '(geen extensie)'}' wordt niet ondersteund; gebruik "
                         + ", ".join(SUPPORTED_EXTENSIONS) + ".", file=path.name)
    table = _read_table(path)
    if not table.rows:
        raise InputError("het bestand bevat wel kolomkoppen maar geen enkele ingevulde rij.", file=path.name)
    tool = "spss" if path.suffix.lower() in SPSS_EXTENSIONS else _detect_tool(table, path)
    return _build_export(table, name=path.name, tool=tool, cb=cb, path=str(path))


def export_from_frame(df: pd.DataFrame, *, name: str = "dataframe", tool: str = "csv", codebook=None,
                      first_row: int = 2) -> Export:
    """Run the intake (recognition, conversion, validation) on a raw DataFrame already in memory.

    Row ``i`` of ``df`` gets spreadsheet row ``first_row + i``.
    """
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    if tool not in TOOLS:
        raise InputError(f"onbekend exportprogramma '{tool}'; kies uit {', '.join(TOOLS)}.", file=name)
    headings = [str(c) for c in df.columns]
    rows = df.astype(object).where(df.notna(), None).values.tolist()
    table = _RawTable(headings, [[] for _ in headings], rows, list(range(first_row, first_row + len(rows))), tool)
    return _build_export(table, name=name, tool=tool, cb=cb)
