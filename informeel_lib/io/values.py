"""Converting raw answers to codebook values: numbers, answer labels, dates, open text."""

from __future__ import annotations

import datetime as _dt
import math
import re
from numbers import Number

import numpy as np
import pandas as pd

from ..codebook import Codebook, normalise_text
from .columns import _display
from .export import Issue
from .readers import _is_blank, _label_key, _RawTable
from .schema import numeric_background

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_NUMBER_WITH_UNIT = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)\s*(uur|uren|u|jaar|jr|personen|collega's|mensen)?\.?$", re.I)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_LEADING_NUMBER_LABEL = re.compile(r"^\s*(\d+)\s*[-=:.)]?\s*(\D.*)$")


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


def convert_item(value, cb: Codebook, item: str | None = None):
    """One item cell -> (float value or NaN, problem or None); problem = (reason_code, Dutch reason).

    ``item`` selects that item's response scale (a codebook may give scales their own); default
    the codebook's main response scale.
    """
    rs = cb.response_scale(item) if item is not None else cb.default_response_scale
    lo, hi = rs.range
    if _is_blank(value):
        return np.nan, None
    number = None
    if isinstance(value, str) and parse_number(value) is not None:
        value = parse_number(value)  # "9" is a number (out of range), not the missing code "-9"
    if isinstance(value, str):
        try:
            v = rs.value(value)
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
                    v = rs.value(m.group(2))
                except KeyError:
                    v = "unknown"
                if v not in (None, "unknown") and int(m.group(1)) == v:
                    return float(v), None
            return np.nan, ("onbekend_label", f"onbekend antwoordlabel; verwacht een getal {lo}–{hi} of een label "
                                              f"zoals '{rs.labels[lo]}'.")
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
            seen = cache.setdefault(("item", cb.scale_of(canon)) if canon in item_codes else canon, {})
            for value, row in zip(raw, table.row_numbers):
                key = (type(value), value) if isinstance(value, (str, int, float)) else None
                if key is not None and key in seen:
                    v, problem = seen[key]
                else:
                    if canon in item_codes:
                        v, problem = convert_item(value, cb, canon)
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


