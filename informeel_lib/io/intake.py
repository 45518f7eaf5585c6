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
5. a close match (difflib ratio >= 0.9) for small typos in long texts, but never when the two texts
   differ in a negation ("niet", "geen", "nooit", "nergens", "niets", "niemand"): such a heading says
   the opposite of the item and is an error naming file and column.

Two raw columns never map to the same canonical column: that is an error naming both.

Values: Likert labels become numbers via :meth:`Codebook.label_value`, numbers are kept, "weet
niet"/n.v.t. become missing; unknown labels and out-of-range numbers become missing and are
recorded as issues (cleaning logs them, or raises in strict mode).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..codebook import Codebook, load_codebook, normalise_text
from ..errors import InputError
from ..files import check_input_file
from .columns import _display, recognise_columns
from .export import Export
from .readers import (
    EXCEL_EXTENSIONS,
    SPSS_EXTENSIONS,
    SUPPORTED_EXTENSIONS,
    TOOLS,
    _detect_tool,
    _RawTable,
    _read_excel_sheets,
    _read_table,
    _sheet_notice,
)
from .schema import check_required_columns, validate_frame
from .values import _convert_columns

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


def _build_export(table: _RawTable, *, name: str, tool: str, cb: Codebook, path: str = "", not_asked=()) -> Export:
    mapping, identifiers, unmapped = recognise_columns(table.headings, table.texts, cb, file=name)
    check_required_columns(mapping.values(), cb, file=name, n_raw_columns=len(table.headings), not_asked=not_asked)
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
        notices=list(table.notices),
    )


def read_export(path, *, codebook=None, not_asked=()) -> Export:
    """Read one raw export and map it onto the codebook.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (LimeSurvey, Qualtrics or plain; ``,`` ``;`` or tab; UTF-8 or Windows-1252),
        ``.xlsx`` (Microsoft Forms or any spreadsheet with one header row) or ``.sav`` (SPSS,
        value labels applied) file.
    codebook : Codebook or path, optional
        Defaults to the package codebook.
    not_asked : iterable of str
        Items the export's round did not ask (e.g. ``codebook.items_not_asked(round_name)``): a
        missing column of these is not an error.

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
    missing and is listed in ``Export.issues``; :func:`informeel_lib.io.cleaning.clean_files`
    logs them (or raises with ``strict=True``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from informeel_lib.synth.example import example_survey
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> export = example_survey(20, seed=1).drop(columns=["respondent", "round"])
    >>> export.rename(columns={"organisation": "organisatie", "role": "rol"}).to_csv(folder / "zinn.csv", index=False)
    >>> exp = read_export(folder / "zinn.csv")
    >>> exp.tool, len(exp.data), list(exp.data.columns[:3])
    ('csv', 20, ['organisation', 'team', 'role'])

    The nearest R equivalent is ``foreign::read.spss(..., use.value.labels = TRUE)`` or
    ``limer``/``qualtRics::read_survey`` followed by hand-written recoding.
    """
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    path = _checked_path(path)
    table = _read_table(path)
    if not table.rows:
        raise InputError("het bestand bevat wel kolomkoppen maar geen enkele ingevulde rij.", file=path.name)
    tool = "spss" if path.suffix.lower() in SPSS_EXTENSIONS else _detect_tool(table, path)
    return _build_export(table, name=path.name, tool=tool, cb=cb, path=str(path), not_asked=not_asked)


def _checked_path(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputError("het bestand bestaat niet.", file=str(path))
    if path.is_dir():
        raise InputError("dit is een map, geen exportbestand.", file=str(path))
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise InputError(f"bestandstype '{path.suffix or '(geen extensie)'}' wordt niet ondersteund; gebruik "
                         + ", ".join(SUPPORTED_EXTENSIONS) + ".", file=path.name)
    return path


def read_exports(path, *, codebook=None, not_asked=()) -> list[Export]:
    """Read one raw export file as one or more exports: every worksheet of an Excel workbook that has data.

    Like :func:`read_export`, but a workbook whose worksheets share the first worksheet's headings (one sheet
    per team or per month) gives one :class:`Export` per worksheet, the later ones named
    ``"<file> [<worksheet>]"``; a worksheet with other headings is not read and is named in a notice
    (``Export.notices``, logged by the cleaning and printed as a warning). Any other file gives one export.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from informeel_lib.synth.example import example_survey
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> export = example_survey(20, seed=1).drop(columns=["respondent", "round"])
    >>> export = export.rename(columns={"organisation": "organisatie", "role": "rol"})
    >>> with pd.ExcelWriter(folder / "zinn.xlsx") as book:
    ...     export.head(12).to_excel(book, sheet_name="maart", index=False)
    ...     export.tail(8).to_excel(book, sheet_name="april", index=False)
    >>> [(e.source_file, len(e.data)) for e in read_exports(folder / "zinn.xlsx")]
    [('zinn.xlsx', 12), ('zinn.xlsx [april]', 8)]
    """
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    path = _checked_path(path)
    if path.suffix.lower() not in EXCEL_EXTENSIONS:
        return [read_export(path, codebook=cb, not_asked=not_asked)]
    check_input_file(path)
    (first_title, first), *others = _read_excel_sheets(path)
    if not first.rows:
        raise InputError("het bestand bevat wel kolomkoppen maar geen enkele ingevulde rij.", file=path.name)
    same = [(t, tab) for t, tab in others if _heading_key(tab) == _heading_key(first)]
    for title, table in others:
        if _heading_key(table) != _heading_key(first):
            first.notices.append(_sheet_notice(path.name, title, f"andere kolomkoppen dan werkblad '{first_title}'"))
    exports = [_build_export(first, name=path.name, tool=_detect_tool(first, path), cb=cb, path=str(path),
                             not_asked=not_asked)]
    for title, table in same:
        if table.rows:
            exports.append(_build_export(table, name=f"{path.name} [{title}]", tool=_detect_tool(table, path),
                                         cb=cb, path=str(path), not_asked=not_asked))
    return exports


def _heading_key(table: _RawTable) -> list:
    return [normalise_text(h) for h in table.headings]


def export_from_frame(df: pd.DataFrame, *, name: str = "dataframe", tool: str = "csv", codebook=None,
                      first_row: int = 2, not_asked=()) -> Export:
    """Run the intake (recognition, conversion, validation) on a raw DataFrame already in memory.

    Row ``i`` of ``df`` gets spreadsheet row ``first_row + i``; ``not_asked`` as in :func:`read_export`.
    """
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    if tool not in TOOLS:
        raise InputError(f"onbekend exportprogramma '{tool}'; kies uit {', '.join(TOOLS)}.", file=name)
    headings = [str(c) for c in df.columns]
    rows = df.astype(object).where(df.notna(), None).values.tolist()
    table = _RawTable(headings, [[] for _ in headings], rows, list(range(first_row, first_row + len(rows))), tool)
    return _build_export(table, name=name, tool=tool, cb=cb, not_asked=not_asked)
