"""Group descriptives with confidence intervals and small-group suppression.

Groups smaller than ``min_group`` stay in the table (never dropped silently) with their
statistics masked and a Dutch note, so a report shows that the group exists but too few
people answered to show a mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import AnalysisError
from ..privacy import MIN_GROUP


def describe_by(data: pd.DataFrame, by, *, value=None, columns=None, min_group: int = MIN_GROUP,
                ci: float = 0.95) -> pd.DataFrame:
    """n, mean, sd and a t-based confidence interval per group, small groups masked.

    Parameters
    ----------
    data : DataFrame
    by : str or list of str
        Grouping column(s), e.g. ``"organisation"`` or ``["organisation", "team"]``. Missing
        group values form their own group (shown as NaN), they are not dropped.
    value, columns : str or list of str, optional
        Numeric column(s) to describe (``columns`` is an alias). Default: every numeric
        column that is not a grouping column.
    min_group : int
        Groups with fewer non-missing values than this get NaN statistics, ``suppressed``
        True and a Dutch ``note``.
    ci : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        One row per group and variable: the grouping columns, ``variable``, ``n``, ``mean``,
        ``sd``, ``ci_low``, ``ci_high``, ``suppressed``, ``note``.

    Notes
    -----
    :math:`\\bar x \\pm t_{1-(1-ci)/2,\\,n-1}\\, s/\\sqrt{n}` with the sample sd (ddof = 1).

    Examples
    --------
    R: ``psych::describeBy(x, group)`` (n, mean, sd) plus ``t.test(x)$conf.int`` per group.

    >>> from informeel_lib.synth.example import example_survey
    >>> df = example_survey(300, seed=1)
    >>> from informeel_lib.analysis.scoring import score_scales
    >>> df["REFL"] = score_scales(df)["REFL"]
    >>> table = describe_by(df, "organisation", value="REFL")
    >>> table.loc[0, "organisation"], int(table.loc[0, "n"]), bool(table.loc[0, "suppressed"])
    ('Interzorg', 49, False)
    """
    if not isinstance(data, pd.DataFrame):
        raise AnalysisError("describe_by verwacht een tabel (DataFrame).")
    by = [by] if isinstance(by, str) else list(by)
    missing = [b for b in by if b not in data.columns]
    if missing:
        raise AnalysisError(f"Groepeerkolom(men) {', '.join(map(str, missing))} ontbreken in de data.")
    if value is not None and columns is not None:
        raise AnalysisError("Geef value óf columns, niet allebei.")
    value = columns if value is None else value
    if value is None:
        value = [c for c in data.columns if c not in by and pd.api.types.is_numeric_dtype(data[c])
                 and not pd.api.types.is_bool_dtype(data[c])]
        if not value:
            raise AnalysisError("Er zijn geen numerieke kolommen om te beschrijven.")
    value = [value] if isinstance(value, str) else list(value)
    for col in value:
        if col not in data.columns:
            raise AnalysisError(f"Kolom '{col}' ontbreekt in de data.")
        if not pd.api.types.is_numeric_dtype(data[col]) or pd.api.types.is_bool_dtype(data[col]):
            raise AnalysisError(f"Kolom '{col}' is niet numeriek; daar is geen gemiddelde van te berekenen.")
    if not (isinstance(min_group, (int, np.integer)) and min_group >= 1):
        raise AnalysisError(f"min_group moet een geheel getal van minstens 1 zijn, niet {min_group!r}.")
    if not 0 < ci < 1:
        raise AnalysisError(f"ci moet tussen 0 en 1 liggen, niet {ci!r}.")

    rows = []
    data = data.assign(**{col: labels_as_written(data[col]) for col in by})
    grouped = data.groupby(by, dropna=False, observed=False, sort=True)
    for key, group in grouped:
        key = key if isinstance(key, tuple) else (key,)
        for col in value:
            x = group[col].to_numpy(dtype=float, na_value=np.nan)
            x = x[~np.isnan(x)]
            n = int(x.size)
            row = dict(zip(by, key))
            row.update(variable=col, n=n, mean=np.nan, sd=np.nan, ci_low=np.nan, ci_high=np.nan,
                       suppressed=False, note="")
            if n < min_group:
                row["suppressed"] = True
                row["note"] = (f"Minder dan {min_group} antwoorden (n = {n}): niet getoond, "
                               "om herleidbaarheid te voorkomen en omdat een gemiddelde dan onbetrouwbaar is.")
            else:
                row["mean"] = float(x.mean())
                if n >= 2:
                    sd = float(x.std(ddof=1))
                    half = stats.t.ppf(1 - (1 - ci) / 2, n - 1) * sd / np.sqrt(n)
                    row.update(sd=sd, ci_low=row["mean"] - half, ci_high=row["mean"] + half)
                else:
                    row["note"] = "Eén antwoord: geen spreiding of betrouwbaarheidsinterval."
            rows.append(row)
    cols = [*by, "variable", "n", "mean", "sd", "ci_low", "ci_high", "suppressed", "note"]
    out = pd.DataFrame(rows, columns=cols)
    out["n"] = out["n"].astype(int)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def labels_as_written(column: pd.Series) -> pd.Series:
    """Group labels as the researcher wrote them: a numeric column that pandas read as floats
    because of missing values (teams 7, 12, NaN) gets nullable integers again, so a team shows as
    ``7`` and not ``7.0``. Other columns are returned unchanged."""
    if pd.api.types.is_float_dtype(column):
        present = column.dropna()
        if len(present) and np.all(np.isfinite(present)) and np.all(present == np.floor(present)):
            return column.astype("Int64")
    return column
