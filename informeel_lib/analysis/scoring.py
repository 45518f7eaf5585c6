"""Scale scores: reverse keying and the mean of the answered items per scale.

Scores are the mean of a scale's items after reverse keying (x' = min + max - x), computed
only for respondents who answered enough of the scale's items (``min_items``), as
``psych::scoreItems(keys, items, impute = "none", totals = FALSE)`` does (psych scores a
respondent from a single answered item; our default asks for half of the items).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import Codebook, load_codebook
from ..errors import AnalysisError


def _check_range(scale_range) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in scale_range)
    except (TypeError, ValueError):
        raise AnalysisError(f"scale_range moet een paar (minimum, maximum) zijn, niet {scale_range!r}.") from None
    if not lo < hi:
        raise AnalysisError(f"scale_range ({lo:g}, {hi:g}): het minimum moet kleiner zijn dan het maximum.")
    return lo, hi


def _numeric_column(data: pd.DataFrame, col) -> np.ndarray:
    s = data[col]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        converted = pd.to_numeric(s, errors="coerce")
        bad = s.notna() & converted.isna()
        if bad.any():
            row = bad.idxmax()
            raise AnalysisError(f"Item '{col}' bevat in rij {row!r} de waarde {s[row]!r}, geen getal.")
        s = converted
    return s.to_numpy(dtype=float, na_value=np.nan)


def _check_values_in_range(values: np.ndarray, col, lo, hi, index):
    out = ~np.isnan(values) & ((values < lo) | (values > hi))
    if out.any():
        i = int(np.flatnonzero(out)[0])
        raise AnalysisError(
            f"Item '{col}' heeft in rij {index[i]!r} de waarde {values[i]:g}, buiten de schaal {lo:g}-{hi:g}; "
            "omscoren zou een verkeerde waarde geven. Controleer de data of geef de juiste scale_range."
        )


def reverse_key(data: pd.DataFrame, items, scale_range=(1, 5)) -> pd.DataFrame:
    """Reverse-key ``items``: :math:`x' = \\min + \\max - x`.

    Parameters
    ----------
    data : DataFrame
    items : list of str
        Columns to reverse; all must be in ``data``.
    scale_range : (min, max)
        Response scale of these items (the codebook's is (1, 5)).

    Returns
    -------
    DataFrame
        A copy with the named columns reversed (float); other columns unchanged.

    Raises
    ------
    AnalysisError
        A column is missing, not numeric, or has a value outside ``scale_range``.

    Examples
    --------
    R: ``psych::reverse.code(keys = c(-1, 1), items, mini = 1, maxi = 5)``.

    >>> reverse_key(pd.DataFrame({"a": [1, 5]}), ["a"]).a.tolist()
    [5.0, 1.0]
    """
    lo, hi = _check_range(scale_range)
    items = [items] if isinstance(items, str) else list(items)
    missing = [c for c in items if c not in data.columns]
    if missing:
        raise AnalysisError(f"Om te keren item(s) ontbreken in de data: {', '.join(map(str, missing))}.")
    out = data.copy()
    for col in items:
        values = _numeric_column(data, col)
        _check_values_in_range(values, col, lo, hi, data.index)
        out[col] = lo + hi - values
    return out


def _scale_spec(codebook, reverse, scale_range):
    """({scale: [items]}, set of reverse items, (lo, hi) or None) from any accepted codebook form."""
    if codebook is None or isinstance(codebook, (str, Path)):
        codebook = load_codebook(codebook)
    if isinstance(codebook, Codebook):
        spec = codebook.model_dict()
        rev = set(codebook.reverse_items) if reverse is None else set(reverse)
        rng = {s: codebook.item_range(s) for s in spec} if scale_range is None else scale_range
        return spec, rev, rng
    if isinstance(codebook, dict):
        spec = {}
        for scale, items in codebook.items():
            items = [items] if isinstance(items, str) else list(items)
            if not items:
                raise AnalysisError(f"Schaal '{scale}' heeft geen items.")
            spec[str(scale)] = items
        rev = set() if reverse is None else ({reverse} if isinstance(reverse, str) else set(reverse))
        unknown = rev - {it for items in spec.values() for it in items}
        if unknown:
            raise AnalysisError(f"Om te keren item(s) horen bij geen enkele schaal: {', '.join(sorted(unknown))}.")
        return spec, rev, scale_range
    raise AnalysisError(
        "codebook moet een Codebook, een pad naar een codeboek of een dict {schaal: [items]} zijn, "
        f"niet {type(codebook).__name__}."
    )


def observed_range(values: np.ndarray, reverse, *, like: str, stacklevel: int = 4) -> tuple[float, float]:
    """Min and max of ``values``: the response scale psych assumes when none is given.

    Used to reverse items when no ``scale_range`` is known, as ``psych::<like>`` does; it is only
    right when someone used both ends of the scale, so it warns (in Dutch).
    """
    if np.isnan(values).all():
        raise AnalysisError("Om items om te keren is de antwoordschaal nodig, maar de items bevatten geen antwoorden.")
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    warnings.warn(
        f"Geen scale_range gegeven: voor het omkeren van {', '.join(sorted(reverse))} is de antwoordschaal afgeleid "
        f"uit de data ({lo:g}-{hi:g}), zoals psych::{like} doet. Geef scale_range=(min, max) als niet "
        "iedereen beide uitersten van de schaal heeft gebruikt.",
        UserWarning, stacklevel=stacklevel,
    )
    return lo, hi


def _range_from_data(data: pd.DataFrame, items, reverse) -> tuple[float, float]:
    """Min and max over all items, as ``psych::scoreItems`` uses when no range is given."""
    values = np.concatenate([_numeric_column(data, c) for c in items]) if items else np.array([np.nan])
    return observed_range(values, reverse, like="scoreItems")


def _required(min_items, k: int, scale) -> float:
    if isinstance(min_items, bool):
        raise AnalysisError("min_items moet een aantal (int) of een fractie (float) zijn, geen True/False.")
    if isinstance(min_items, (int, np.integer)):
        if not 1 <= min_items:
            raise AnalysisError(f"min_items={min_items}: er moet minstens één item beantwoord zijn.")
        return float(min(min_items, k)) if min_items <= k else _too_many(min_items, k, scale)
    if isinstance(min_items, (float, np.floating)) and 0 < min_items <= 1:
        return float(min_items) * k - 1e-9
    raise AnalysisError(f"min_items moet een aantal items (int >= 1) of een fractie tussen 0 en 1 zijn, niet "
                        f"{min_items!r}.")


def _too_many(min_items, k, scale):
    raise AnalysisError(f"min_items={min_items} is meer dan het aantal items ({k}) van schaal '{scale}'.")


def score_scales(data: pd.DataFrame, codebook=None, *, scales=None, min_items=0.5, scale_range=None,
                 reverse=None) -> pd.DataFrame:
    """Scale means per respondent, after reverse keying.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, raw item answers (not yet reverse keyed), NaN = missing.
    codebook : Codebook, path, or dict {scale: [items]}, optional
        Which items form which scale. Default: the package codebook (reverse items and the
        1-5 range come from it). A dict needs ``reverse=`` for reversed items; give
        ``scale_range`` too, else the data's min and max are used (as psych, with a warning).
    scales : list of str, optional
        Scales to score. Default: every scale of the codebook whose items are all in ``data``
        (scales with none of their items in ``data`` are left out; a scale with only some of
        its items present is an error, as its score would mean something else).
    min_items : int or float
        Minimum answered items for a score: an int is a count (``1`` = one item, as psych), a
        float in (0, 1] a fraction of the scale's items (``0.5`` = at least half, ``1.0`` =
        all). Below it the score is NaN.
    scale_range : (min, max), optional
        Response scale used for reversing; default the codebook's, for a dict the data's min and
        max over all items (``psych::scoreItems`` does the same).
    reverse : list of str, optional
        Items to reverse. Default: the codebook's reverse items (none for a dict).

    Returns
    -------
    DataFrame
        Index as ``data``, one float column per scale code.

    Notes
    -----
    :math:`score = \\frac{1}{m}\\sum_{answered} x'_i` with :math:`x' = \\min + \\max - x` for
    reversed items and m the number of answered items, if m >= the required number.

    Examples
    --------
    R: ``psych::scoreItems(keys, items, impute = "none", totals = FALSE, min = 1, max = 5)$scores``
    (with ``min_items=1``).

    >>> from informeel_lib.synth.example import example_survey
    >>> df = example_survey(300, seed=1)
    >>> score_scales(df, {"R": ["REFL1", "REFL2"]}, reverse=["REFL2"], scale_range=(1, 5))["R"].head(3).tolist()
    [2.5, 2.0, 4.0]
    """
    if not isinstance(data, pd.DataFrame):
        raise AnalysisError("score_scales verwacht een tabel (DataFrame) met één rij per respondent.")
    spec, rev, rng = _scale_spec(codebook, reverse, scale_range)
    if rng is None and rev:
        rng = _range_from_data(data, [i for its in spec.values() for i in its if i in data.columns], rev)
    ranges = rng if isinstance(rng, dict) else {s: rng for s in spec}  # a Codebook: each scale its own range
    if scales is not None:
        scales = [scales] if isinstance(scales, str) else list(scales)
        unknown = [s for s in scales if s not in spec]
        if unknown:
            raise AnalysisError(f"Onbekende schaal/schalen: {', '.join(map(str, unknown))}; bekend zijn "
                                f"{', '.join(spec)}.")
        chosen = {s: spec[s] for s in scales}
    else:
        chosen = {s: its for s, its in spec.items() if any(i in data.columns for i in its)}
        if not chosen:
            raise AnalysisError("Geen enkele schaal uit het codeboek heeft items in deze data; er valt niets te "
                                "scoren.")
    out = {}
    for scale, items in chosen.items():
        absent = [i for i in items if i not in data.columns]
        if absent:
            raise AnalysisError(f"Schaal '{scale}': item(s) {', '.join(absent)} ontbreken in de data.")
        need = _required(min_items, len(items), scale)
        lo, hi = _check_range(ranges[scale]) if ranges.get(scale) is not None else (None, None)
        block = np.column_stack([_numeric_column(data, i) for i in items])
        for j, item in enumerate(items):
            if lo is not None:
                _check_values_in_range(block[:, j], item, lo, hi, data.index)
            if item in rev:
                block[:, j] = lo + hi - block[:, j]
        answered = (~np.isnan(block)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(block, axis=1) / answered
        mean[(answered < need) | (answered == 0)] = np.nan
        out[scale] = mean
    return pd.DataFrame(out, index=data.index)
