"""Reading raw survey exports (CSV, XLSX, SAV) into raw tables: encoding, delimiter, header rows."""

from __future__ import annotations

import codecs
import csv
import math
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from numbers import Number
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import normalise_text
from ..errors import InputError
from ..files import check_input_file, check_xlsx_limits
from .export import Notice

TOOLS = ("limesurvey", "qualtrics", "forms", "spss", "csv")
CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
SPSS_EXTENSIONS = (".sav", ".zsav")
SUPPORTED_EXTENSIONS = CSV_EXTENSIONS + EXCEL_EXTENSIONS + SPSS_EXTENSIONS


_IMPORT_ID = re.compile(r'^\s*\{\s*"?importid"?\s*:', re.I)


def _squash(text) -> str:
    return re.sub(r"[\s\-'/]+", "", normalise_text(text))


# --- raw tables ---------------------------------------------------------------

@dataclass
class _RawTable:
    headings: list          # raw heading per column
    texts: list             # extra recognition texts per column (Qualtrics row 2, SPSS labels)
    rows: list              # list of lists of values
    row_numbers: list       # spreadsheet row per data row
    tool_hint: str | None = None
    value_labels: dict = field(default_factory=dict)   # column index -> {code: label} (SPSS)
    notices: list = field(default_factory=list)        # Notice: what the reader noticed (encoding, formulas, sheets)


def _is_blank(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, np.floating) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _decode_checked(raw: bytes, name: str) -> tuple[str, list]:
    """The text of a CSV export and the lines that were not UTF-8; a Dutch InputError for an empty, binary,
    UTF-16, Excel or SPSS file."""
    if not raw.strip(b" \t\r\n\x00"):
        raise InputError("het bestand is leeg.", file=name)
    if raw.startswith(b"PK\x03\x04"):  # a zip archive: an Excel workbook saved under another extension
        raise InputError("dit is een Excel-bestand (.xlsx) met een andere extensie. Geef het de extensie .xlsx "
                         "of sla het in Excel op als CSV.", file=name)
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
    text, bad_lines = _decode_text(raw, name)
    controls = sum(1 for ch in text[:4000] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > 10:
        raise InputError("dit is geen tekstbestand (binaire inhoud). Lever een CSV-, XLSX- of SAV-export aan.",
                         file=name)
    return text, bad_lines


def _cp1252(raw: bytes, name: str) -> str:
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError("de tekencodering wordt niet herkend (geen UTF-8 en geen Windows-1252). "
                         "Sla het bestand op als CSV in UTF-8.", file=name) from exc


def _decode_text(raw: bytes, name: str) -> tuple[str, list]:
    """The text of a CSV file and the numbers of the lines that were not UTF-8.

    UTF-8 (with or without byte order mark) as a whole; else, when the file does hold UTF-8 characters, UTF-8
    line by line with a Windows-1252 fallback for the lines that are not (a UTF-8 export with a stray byte
    pasted from Word), and those lines are returned; else Windows-1252 as a whole (a LimeSurvey export).
    """
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    text, bad = _decode_utf8_lines(raw)
    if text is None:  # no UTF-8 character in the lines before the stray ones: a Windows-1252 file
        return _cp1252(raw, name), []
    return text, bad


def _decode_utf8_lines(raw: bytes, max_lines: int = 1000, block: int = 1 << 16):
    """UTF-8 with a Windows-1252 fallback per line: ``(text, numbers of the fallback lines)``, or ``(None, [])``
    when the file holds no UTF-8 character at all, or none before its first ``max_lines`` non-UTF-8 lines (so
    a Windows-1252 file is recognised after a few lines, without a second pass over it). Decoded in blocks,
    so each stray line costs a block, not the rest of the file."""
    view, pos, n = memoryview(raw), 3 if raw.startswith(codecs.BOM_UTF8) else 0, len(raw)
    parts, bad, utf8_seen, line, counted = [], [], False, 1, 0
    while pos < n:
        if len(bad) >= max_lines and not utf8_seen:
            return None, []
        stop = min(n, pos + block)
        try:
            text, used = codecs.utf_8_decode(view[pos:stop], "strict", stop == n)
            parts.append(text)
            utf8_seen = utf8_seen or not text.isascii()
            pos += used
            continue
        except UnicodeDecodeError as exc:
            at = pos + exc.start
        newline = raw.rfind(b"\n", pos, at)
        begin = newline + 1 if newline >= 0 else pos  # (a line split by a block: its valid start stays UTF-8)
        end = raw.find(b"\n", at)
        end = n if end < 0 else end + 1
        parts.append(codecs.utf_8_decode(view[pos:begin], "strict", True)[0])
        utf8_seen = utf8_seen or not parts[-1].isascii()
        parts.append(raw[begin:end].decode("cp1252", "replace"))
        line += raw.count(b"\n", counted, begin)
        bad.append(line)
        line += raw.count(b"\n", begin, end)
        counted = pos = end
    return ("".join(parts), bad) if utf8_seen else (None, [])


def _encoding_notices(bad_lines: list, name: str) -> list:
    return [Notice(name, n, None, "gemeld", "tekencodering",
                   f"regel {n} is geen UTF-8 (de rest van het bestand wel) en is als Windows-1252 gelezen; "
                   "controleer de bijzondere tekens in die regel") for n in bad_lines]


def _lines(text: str):
    """The lines of ``text`` split at ``\\n`` only (as ``io.StringIO`` iterates), one at a time: no copy of the
    whole text (``io.StringIO`` keeps four bytes per character: 800 MB for a 200 MB export)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1


SHARED_CELL_LIMIT = 5000
"""Distinct values per column up to which equal cells share one string object (:class:`_CellPool`)."""


class _CellPool:
    """Equal cells of a column share one ``str`` object: an export repeats a few answer labels hundreds of
    thousands of times, and a separate string per cell costs about 60 bytes each. A column with more than
    :data:`SHARED_CELL_LIMIT` distinct values (ids, times, open answers) is left alone from then on."""

    def __init__(self):
        self.pools: list = []

    def share(self, rec: list) -> list:
        pools = self.pools
        if len(pools) < len(rec):
            pools.extend({} for _ in range(len(rec) - len(pools)))
        for i, cell in enumerate(rec):
            pool = pools[i]
            if pool is None:
                continue
            same = pool.setdefault(cell, cell)
            if same is not cell:
                rec[i] = same
            elif len(pool) > SHARED_CELL_LIMIT:
                pools[i] = None
        return rec


def _split_records(text: str, delimiter: str, limit=None, *, share: bool = False) -> list:
    reader = csv.reader(_lines(text), delimiter=delimiter)
    pool = _CellPool() if share else None
    out = []
    for rec in reader:
        out.append(pool.share(rec) if pool is not None else rec)
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
        if len(rec) != ncol or not isinstance(rec, list):  # the readers' records are fresh lists: no copy of each
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
    text, bad_lines = _decode_checked(raw, name)
    del raw  # memory: the bytes, the text and the records of a large export are never all held at once
    delimiter = _detect_delimiter(text, name)
    try:
        records = _split_records(text, delimiter, share=True)
    except csv.Error as exc:
        raise InputError(f"het CSV-bestand is beschadigd ({exc}).", file=name) from exc
    del text
    table = _table_from_records(records, 1, name)
    table.notices += _encoding_notices(bad_lines, name)
    return table


_XLSX_DAMAGED = "dit is geen geldig Excel-bestand (.xlsx); het is beschadigd of van een ander type."
# what openpyxl raises on a damaged workbook: a bad zip, a corrupt deflate stream in a member, broken XML
_XLSX_ERRORS = (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, zlib.error, SyntaxError)


def _read_excel(path: Path) -> _RawTable:
    """The first worksheet with data; every other worksheet with data is named in a notice (not read)."""
    (title, table), *others = _read_excel_sheets(path)
    for other, _ in others:
        table.notices.append(_sheet_notice(path.name, other, f"alleen het eerste werkblad met gegevens ('{title}') "
                                           "is gelezen; 'informeel clean' leest werkbladen met dezelfde kolomkoppen "
                                           "mee"))
    return table


def _sheet_notice(name: str, title: str, why: str) -> Notice:
    return Notice(name, 1, None, "werkblad_genegeerd", "werkblad_genegeerd",
                  f"werkblad '{title}' is niet ingelezen: {why}")


def _read_excel_sheets(path: Path) -> list:
    """``[(sheet title, raw table)]`` for every worksheet with data, in workbook order; formula cells without a
    stored value are notices on their table. A worksheet that cannot be read as a table is a notice on the
    first one; no worksheet with data is a Dutch InputError."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    check_xlsx_limits(path)  # zip bomb: uncompressed size and cell count, before parsing
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, *_XLSX_ERRORS) as exc:
        raise InputError(_XLSX_DAMAGED, file=name) from exc
    tables, skipped = [], []
    try:
        for sheet in book.worksheets:
            sheet.reset_dimensions()
            records = [list(r) for r in sheet.iter_rows(min_row=1, values_only=True)]
            if not any(any(not _is_blank(c) for c in r) for r in records):
                continue
            try:
                tables.append((sheet.title, _table_from_records(records, 1, name, ragged_ok=True)))
            except InputError as exc:
                if not tables:
                    raise
                skipped.append(_sheet_notice(name, sheet.title, str(exc).split(": ", 1)[-1]))
    except _XLSX_ERRORS as exc:
        raise InputError(_XLSX_DAMAGED + " Een deel van het werkboek kan niet uitgepakt of gelezen worden.",
                         file=name) from exc
    finally:
        book.close()
    if not tables:
        raise InputError("het bestand is leeg (geen enkel werkblad bevat gegevens).", file=name)
    tables[0][1].notices.extend(skipped)
    _note_formulas_without_value(path, tables)
    return tables


def _has_formulas(path: Path) -> bool:
    """True when a worksheet of the XLSX holds a formula (``<f>`` element), streamed in 1 MB blocks."""
    pattern = re.compile(rb"<(?:\w+:)?f[\s>/]")
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename):
                with zf.open(info) as fh:
                    tail = b""
                    while block := fh.read(1 << 20):
                        if pattern.search(tail + block):
                            return True
                        tail = block[-8:]
    return False


def _note_formulas_without_value(path: Path, tables: list) -> None:
    """A formula cell whose value Excel did not store (a file written by a script, never opened in Excel) reads
    as empty; each such cell in a data row becomes a notice naming sheet, cell and column."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    if not _has_formulas(path):
        return
    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for title, table in tables:
            position = {n: i for i, n in enumerate(table.row_numbers)}
            sheet = book[title]
            sheet.reset_dimensions()
            for number, record in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
                if number not in position:
                    continue
                values = table.rows[position[number]]
                for col, formula in enumerate(record[: len(table.headings)]):
                    if isinstance(formula, str) and formula.startswith("=") and _is_blank(values[col]):
                        cell = f"{get_column_letter(col + 1)}{number}"
                        table.notices.append(Notice(
                            path.name, number, table.headings[col] or None, "gewijzigd", "formule_zonder_waarde",
                            f"formulecel {cell} (werkblad '{title}') heeft geen opgeslagen waarde en is als ontbrekend "
                            "opgeslagen; open het bestand in Excel en sla het opnieuw op"))
    finally:
        book.close()


def _read_spss(path: Path) -> _RawTable:
    import pyreadstat

    name = path.name
    try:
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    except Exception as exc:
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
    if ext in SUPPORTED_EXTENSIONS:
        check_input_file(path)  # regular file, size limit: before anything is opened
    if ext in CSV_EXTENSIONS:
        return _read_csv(path)
    if ext in EXCEL_EXTENSIONS:
        return _read_excel(path)
    if ext in SPSS_EXTENSIONS:
        return _read_spss(path)
    raise InputError(f"bestandstype '{ext or '(geen extensie)'}' wordt niet ondersteund; gebruik "
                     + ", ".join(SUPPORTED_EXTENSIONS) + ".", file=path.name)



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


