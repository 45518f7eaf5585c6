"""A small validation schema for survey exports, driven by the codebook.

Two checks, both raising :class:`~informeel_lib.errors.InputError` with a Dutch message:

* :func:`check_required_columns` runs on the recognised columns of one export and lists ALL
  missing required columns at once: the background fields marked ``required: true`` in the
  codebook (organisation, team, role), and every item of each scale the export claims (a scale
  is claimed when at least one of its items is present; a half scale cannot be scored).
* :func:`validate_frame` runs on the converted canonical frame (intake output or a processed
  round): dtypes and ranges of items and numeric background fields.

The schema is deliberately plain Python rather than pandera: it has to produce messages in
Dutch that name the file, column and row, and it needs nothing but the codebook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..errors import InputError

NUMERIC_BACKGROUND_TYPES = ("integer", "number")


def required_background(cb: Codebook) -> list[str]:
    """Background fields the codebook marks as required (organisation, team, role)."""
    return [name for name, spec in cb.background.items() if spec.get("required", False)]


def numeric_background(cb: Codebook) -> dict[str, dict]:
    """Numeric background fields with their spec (type, min, max)."""
    return {name: spec for name, spec in cb.background.items() if spec.get("type") in NUMERIC_BACKGROUND_TYPES}


def claimed_scales(columns, cb: Codebook) -> list[str]:
    """Scales of which at least one item is among ``columns``."""
    present = set(columns)
    return [code for code, scale in cb.scales.items() if present & set(scale.item_codes)]


def missing_required_columns(columns, cb: Codebook, *, not_asked=()) -> list[str]:
    """All required canonical columns that are not among ``columns`` (background first, then items).

    Items in ``not_asked`` (not asked in the export's round) are never required.
    """
    present, skip = set(columns), set(not_asked)
    missing = [name for name in required_background(cb) if name not in present]
    for code in claimed_scales(columns, cb):
        missing += [item for item in cb.scales[code].item_codes if item not in present and item not in skip]
    return missing


def _describe(column: str, cb: Codebook) -> str:
    if column in cb.background:
        return f"{column} (vraag '{cb.background[column].get('text', column)}')"
    try:
        return f"{column} ('{cb.item(column).text}')"
    except KeyError:
        return column


def check_required_columns(columns, cb: Codebook, *, file=None, n_raw_columns=None, not_asked=()) -> None:
    """Raise one InputError listing every missing required column.

    Parameters
    ----------
    columns : iterable of str
        Canonical columns recognised in the export.
    cb : Codebook
    file : str, optional
        File name for the message.
    n_raw_columns : int, optional
        Number of columns in the raw file; a very small number hints at a wrong delimiter.
    not_asked : iterable of str
        Items the export's round did not ask (codebook ``since``): their columns may be missing.
    """
    columns = list(columns)
    missing = missing_required_columns(columns, cb, not_asked=not_asked)
    no_items = not (set(columns) & set(cb.item_codes))
    if not missing and not no_items:
        return
    parts = []
    if missing:
        parts.append(f"{len(missing)} verplichte kolom(men) ontbreken: " + "; ".join(_describe(c,
                                                                                               cb) for c in missing)
                                                                                               + ".")
    if no_items:
        parts.append("Er is geen enkele vragenlijstvraag (item) herkend.")
    if n_raw_columns is not None and n_raw_columns <= 2:
        parts.append(f"Het bestand heeft maar {n_raw_columns} kolom(men): controleer het scheidingsteken.")
    parts.append("Controleer de kolomkoppen of voeg een alias toe aan het codeboek.")
    if set(missing) & set(cb.item_codes):
        parts.append("Is een item pas in een latere ronde gevraagd? Zet dan bij dat item in het codeboek de eerste "
                     "ronde waarin het gevraagd is, bijvoorbeeld 'since: 2024-10'.")
    raise InputError(" ".join(parts), file=file)


def validate_frame(df: pd.DataFrame, cb: Codebook, *, file=None, rows=None) -> None:
    """Check dtypes and ranges of the canonical columns of ``df``.

    Items must be float with values in the codebook's response range (or NaN); numeric
    background fields must lie within their codebook ``min``/``max``. ``rows`` gives the
    spreadsheet row of each frame row for the message.
    """
    rows = list(rows) if rows is not None else list(range(1, len(df) + 1))
    checks = [(c, *cb.item_range(c)) for c in cb.item_codes if c in df.columns]
    checks += [(c, spec.get("min", -np.inf), spec.get("max", np.inf))
               for c, spec in numeric_background(cb).items() if c in df.columns]
    for column, low, high in checks:
        values = df[column]
        if not pd.api.types.is_float_dtype(values) and not pd.api.types.is_integer_dtype(values):
            raise InputError(f"kolom is niet numeriek (type {values.dtype}).", file=file, column=column)
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        bad = np.flatnonzero(~np.isnan(arr) & ((arr < low) | (arr > high)))
        if bad.size:
            i = int(bad[0])
            raise InputError(f"waarde {arr[i]:g} ligt buiten het bereik {low}–{high}.", file=file, column=column,
                             row=rows[i])
    for column in cb.item_codes:
        if column in df.columns:
            arr = df[column].to_numpy(dtype=float, na_value=np.nan)
            frac = ~np.isnan(arr) & (arr != np.round(arr))
            if frac.any():
                i = int(np.flatnonzero(frac)[0])
                raise InputError(f"waarde {arr[i]:g} is geen geheel antwoord.", file=file, column=column, row=rows[i])
