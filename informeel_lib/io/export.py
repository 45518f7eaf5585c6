"""The result of reading one export: canonical data plus what was noticed on the way."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


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


@dataclass(frozen=True)
class Notice:
    """Something the intake noticed that the researcher must know, logged by the cleaning and printed as a
    warning: a line that was not UTF-8 (``tekencodering``), a formula cell without a stored value
    (``formule_zonder_waarde``), a worksheet that was not read (``werkblad_genegeerd``).

    ``row`` is the spreadsheet row or file line (1 for the file as a whole), ``column`` the raw heading (or
    None), ``action`` the cleaning log's action, ``reason`` Dutch.
    """

    file: str
    row: int
    column: str | None
    action: str
    reason_code: str
    reason: str


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
    notices : list of Notice
        What else the intake noticed (lines not in UTF-8, formula cells without a value, sheets not read).
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
    notices: list = field(default_factory=list)

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
