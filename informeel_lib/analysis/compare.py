"""Comparisons of scale scores: between consecutive rounds, and one organisation against the rest.

Both functions mask the statistics of groups smaller than ``min_group`` (default
:data:`informeel_lib.privacy.MIN_GROUP`), keeping the row and saying why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..codebook import load_codebook
from ..errors import AnalysisError
from ..nl import number
from ..privacy import MIN_GROUP
from .multilevel import resolve_variables, scale_label

METHOD_WELCH = "Welch (onafhankelijke groepen)"
METHOD_PAIRED = "gepaarde t-toets (dezelfde respondenten)"
METHOD_PARTIAL = "deels gepaarde t-toets (Derrick e.a., 2017)"


def _scores(data, scale, codebook):
    cb = codebook or load_codebook()
    values = resolve_variables(data, [scale], codebook=cb)[scale]
    try:
        return pd.to_numeric(values, errors="raise").astype("float64"), cb
    except (TypeError, ValueError) as exc:
        raise AnalysisError(f"'{scale}' bevat waarden die geen getal zijn.") from exc


def welch(x1, x2, ci: float = 0.95) -> dict:
    """Welch two-sample comparison of ``mean(x2) - mean(x1)``: diff, se, df, t, p, CI."""
    x1, x2 = np.asarray(x1, float), np.asarray(x2, float)
    n1, n2 = len(x1), len(x2)
    v1, v2 = x1.var(ddof=1) / n1, x2.var(ddof=1) / n2
    se = math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1)) if se > 0 else float(n1 + n2 - 2)
    return _t_result(x2.mean() - x1.mean(), se, df, ci)


def _t_result(diff, se, df, ci):
    if se > 0:
        t = diff / se
        p = float(2 * stats.t.sf(abs(t), df))
        q = stats.t.ppf(0.5 + ci / 2, df)
        return {"diff": float(diff), "se": float(se), "df": float(df), "t": float(t), "p": p,
                "ci_low": float(diff - q * se), "ci_high": float(diff + q * se)}
    return {"diff": float(diff), "se": 0.0, "df": float(df), "t": float("nan"), "p": float("nan"),
            "ci_low": float(diff), "ci_high": float(diff)}


def partially_paired(x1, x2, paired1, paired2, ci: float = 0.95) -> dict:
    """Partially overlapping samples t-test of ``mean(x2) - mean(x1)`` (Derrick et al. 2017, T_new2).

    ``x1``/``x2`` hold ALL answers of round 1 and round 2; ``paired1``/``paired2`` the answers of
    the respondents present in both rounds, in matching order (a subset of x1 and x2).

    Notes
    -----
    With n1 = n_a + n_c and n2 = n_b + n_c (n_c paired, n_a/n_b unpaired), s1, s2 the standard
    deviations of all answers per round and r the correlation of the paired answers:

    .. math:: T = \\frac{\\bar x_2 - \\bar x_1}{\\sqrt{s_1^2/n_1 + s_2^2/n_2 - 2 r s_1 s_2 n_c/(n_1 n_2)}}

    .. math:: \\nu = (n_c - 1) + \\frac{\\gamma - n_c + 1}{n_a + n_b + 2 n_c}(n_a + n_b)

    with γ the Welch degrees of freedom. With no pairs it is Welch's test; with only pairs it is
    the paired t-test. R: ``Partiallyoverlapping::Partover.test(x1u, x2u, x1p, x2p, var.equal = FALSE)``.
    """
    x1, x2 = np.asarray(x1, float), np.asarray(x2, float)
    p1, p2 = np.asarray(paired1, float), np.asarray(paired2, float)
    n1, n2, nc = len(x1), len(x2), len(p1)
    na, nb = n1 - nc, n2 - nc
    s1, s2 = x1.std(ddof=1), x2.std(ddof=1)
    if nc >= 3 and p1.std() > 0 and p2.std() > 0:
        r = float(np.corrcoef(p1, p2)[0, 1])
    else:
        r = 0.0
    var = s1 ** 2 / n1 + s2 ** 2 / n2 - 2 * r * s1 * s2 * nc / (n1 * n2)
    se = math.sqrt(max(var, 0.0))
    v1, v2 = s1 ** 2 / n1, s2 ** 2 / n2
    gamma = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1)) if (v1 + v2) > 0 else float(n1 + n2 - 2)
    df = (nc - 1) + (gamma - nc + 1) / (na + nb + 2 * nc) * (na + nb)
    out = _t_result(x2.mean() - x1.mean(), se, df, ci)
    out["r"] = r
    return out


def _pooled_sd(x1, x2):
    n1, n2 = len(x1), len(x2)
    return math.sqrt(((n1 - 1) * np.var(x1, ddof=1) + (n2 - 1) * np.var(x2, ddof=1)) / (n1 + n2 - 2))


def compare_rounds(data: pd.DataFrame, scale: str, *, by="organisation", rounds=None, min_group: int = MIN_GROUP,
                   codebook=None, ci: float = 0.95) -> pd.DataFrame:
    """Change of a scale score between consecutive rounds, per group.

    Parameters
    ----------
    data : DataFrame
        Several rounds concatenated (column ``round``; ``respondent`` links people across rounds).
    scale : str
        Scale code (scored from its items) or numeric column.
    by : str, list of str or None
        Grouping (default ``"organisation"``); ``None`` compares the whole network.
    rounds : list of str, optional
        Rounds in order (default: the sorted rounds in the data).
    min_group : int
        Groups with fewer than ``min_group`` answers in either round keep their row, with the
        statistics masked (``suppressed`` True and a Dutch ``note``).

    Returns
    -------
    DataFrame
        One row per group and consecutive round pair: the grouping column(s), ``round_from``,
        ``round_to``, ``n_from``, ``n_to``, ``n_paired``, ``mean_from``, ``mean_to``, ``diff``
        (later minus earlier), ``ci_low``, ``ci_high``, ``df``, ``p``, ``cohen_d``, ``methode``,
        ``suppressed``, ``note``.

    Notes
    -----
    The difference is always that of the two rounds' means over ALL their respondents. Its
    uncertainty depends on how many respondents answered in both rounds (``n_paired``):

    - fewer than ``min_group`` pairs (or no ``respondent`` column): Welch's t-test, treating the
      rounds as independent samples (conservative when answers correlate positively);
    - every respondent in both rounds: the paired t-test;
    - otherwise: the partially overlapping samples t-test (Derrick, Toher & White 2017, T_new2),
      which uses the paired and unpaired answers together (see :func:`partially_paired`).

    ``methode`` names the test per row. Cohen's d = diff / pooled SD of the two rounds (also for
    paired data, so d means the same in every row; d_av-like, Lakens 2013).

    References
    ----------
    Derrick, B., Toher, D., & White, P. (2017). How to compare the means of two samples that
    include paired observations and independent observations. *The Quantitative Methods for
    Psychology, 13*(2), 120–126.

    Examples
    --------
    R: ``t.test(x2, x1)`` (Welch), ``t.test(x2p, x1p, paired = TRUE)``,
    ``Partiallyoverlapping::Partover.test``.
    """
    if "round" not in data.columns:
        raise AnalysisError("De data hebben geen kolom 'round'; rondes vergelijken kan dan niet.")
    scores, cb = _scores(data, scale, codebook)
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    missing = [c for c in by_cols if c not in data.columns]
    if missing:
        raise AnalysisError(f"Groeperingskolom(men) {', '.join(missing)} staan niet in de data.")
    present = [r for r in pd.unique(data["round"].dropna())]
    rounds = sorted(present) if rounds is None else list(rounds)
    unknown = [r for r in rounds if r not in present]
    if unknown:
        raise AnalysisError(f"Ronde(s) {', '.join(map(str, unknown))} komen niet voor in de data.")
    if len(rounds) < 2:
        raise AnalysisError("Voor een vergelijking tussen rondes zijn minstens twee rondes nodig.")
    frame = pd.DataFrame({"score": scores, "round": data["round"]})
    frame["respondent"] = data["respondent"] if "respondent" in data.columns else None
    for c in by_cols:
        frame[c] = data[c]
    if by_cols:
        group_values = data[by_cols].dropna().drop_duplicates().sort_values(by_cols)
        group_keys = [tuple(row) for row in group_values.itertuples(index=False)]
    else:
        group_keys = [()]
    label = scale_label(scale, cb)
    rows = []
    for key in group_keys:
        sel = np.ones(len(frame), bool)
        for c, v in zip(by_cols, key):
            sel &= (frame[c] == v).to_numpy()
        g = frame[sel]
        for r1, r2 in zip(rounds[:-1], rounds[1:]):
            a = g[(g["round"] == r1) & g["score"].notna()]
            b = g[(g["round"] == r2) & g["score"].notna()]
            row = dict(zip(by_cols, key))
            row.update({"scale": scale, "round_from": r1, "round_to": r2, "n_from": len(a), "n_to": len(b)})
            row.update(_compare_pair(a, b, min_group=min_group, ci=ci, label=label, r1=r1, r2=r2))
            rows.append(row)
    cols = by_cols + ["scale", "round_from", "round_to", "n_from", "n_to", "n_paired", "mean_from", "mean_to", "diff",
                      "ci_low", "ci_high", "df", "p", "cohen_d", "methode", "suppressed", "note"]
    return pd.DataFrame(rows, columns=cols)


def _compare_pair(a: pd.DataFrame, b: pd.DataFrame, *, min_group, ci, label, r1, r2) -> dict:
    nan = float("nan")
    empty = {"n_paired": 0, "mean_from": nan, "mean_to": nan, "diff": nan, "ci_low": nan, "ci_high": nan,
             "df": nan, "p": nan, "cohen_d": nan, "methode": "", "suppressed": True}
    if len(a) < min_group or len(b) < min_group:
        if len(a) == 0 or len(b) == 0:
            which = r1 if len(a) == 0 else r2
            note = f"geen antwoorden op {label} in ronde {which}"
        else:
            note = (f"minder dan {min_group} respondenten in een van beide rondes: niet getoond ter bescherming "
                    "van de privacy")
        return {**empty, "note": note}
    ids_a = a["respondent"].dropna()
    ids_b = b["respondent"].dropna()
    common = pd.Index(ids_a.unique()).intersection(pd.Index(ids_b.unique()))
    x1, x2 = a["score"].to_numpy(), b["score"].to_numpy()
    if len(common) >= min_group:
        pa = a.dropna(subset=["respondent"]).groupby("respondent")["score"].mean().loc[common].to_numpy()
        pb = b.dropna(subset=["respondent"]).groupby("respondent")["score"].mean().loc[common].to_numpy()
        if len(common) == len(a) == len(b):
            res = _t_result(float(np.mean(pb - pa)), float(np.std(pb - pa, ddof=1) / math.sqrt(len(common))),
                            len(common) - 1, ci)
            method = METHOD_PAIRED
        else:
            res = partially_paired(x1, x2, pa, pb, ci)
            method = METHOD_PARTIAL
        n_paired = len(common)
    else:
        res = welch(x1, x2, ci)
        method = METHOD_WELCH
        n_paired = len(common)
    sd = _pooled_sd(x1, x2)
    d = (x2.mean() - x1.mean()) / sd if sd > 0 else nan
    return {"n_paired": int(n_paired), "mean_from": float(x1.mean()), "mean_to": float(x2.mean()),
            "diff": float(x2.mean() - x1.mean()), "ci_low": res["ci_low"], "ci_high": res["ci_high"],
            "df": res["df"], "p": res["p"], "cohen_d": float(d), "methode": method, "suppressed": False, "note": ""}


@dataclass(frozen=True)
class BenchmarkResult:
    """One organisation against the rest of the network on one scale; see :func:`benchmark`."""

    scale: str
    scale_name: str
    organisation: str
    n_org: int
    n_rest: int
    mean_org: float
    mean_rest: float
    diff: float
    ci_low: float
    ci_high: float
    df: float
    p: float
    hedges_g: float
    suppressed: bool
    note: str = ""

    def __repr__(self) -> str:
        if self.suppressed:
            return f"BenchmarkResult({self.scale}, {self.organisation}: onderdrukt, n={self.n_org})"
        return (f"BenchmarkResult({self.scale}, {self.organisation} {self.mean_org:.2f} (n={self.n_org}) vs rest "
                f"{self.mean_rest:.2f} (n={self.n_rest}), diff={self.diff:.2f} [{self.ci_low:.2f}, "
                f"{self.ci_high:.2f}], "
                f"p={self.p:.3g}, g={self.hedges_g:.2f})")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: getattr(self, k) for k in self.__dataclass_fields__}])

    def sentence(self, decimals: int = 1) -> str:
        """Dutch sentence, e.g. ``Reflectie op het werk: ZINN 3,8, rest van het netwerk 3,6 (verschil 0,2;
        95%-BI 0,1 tot 0,3)``."""
        if self.suppressed:
            return f"{self.scale_name}: {self.organisation} niet getoond ({self.note})."
        mean_org, mean_rest, diff, ci_low, ci_high = (number(v, decimals) for v in (
            self.mean_org, self.mean_rest, self.diff, self.ci_low, self.ci_high))
        return (f"{self.scale_name}: {self.organisation} {mean_org}, rest van het netwerk {mean_rest} "
                f"(verschil {diff}; 95%-BI {ci_low} tot {ci_high})")


def benchmark(data: pd.DataFrame, scale: str, organisation: str, *, min_group: int = MIN_GROUP, codebook=None,
              ci: float = 0.95) -> BenchmarkResult:
    """Compare one organisation with the rest of the network (the organisation itself excluded).

    Parameters
    ----------
    data : DataFrame
        ONE round of the network (several rounds would count people more than once).
    scale : str
        Scale code or numeric column.
    organisation : str
        Organisation name (any spelling the codebook knows).
    min_group : int
        Below this number of answers in the organisation (or in the rest) the statistics are
        masked and ``suppressed`` is True.

    Returns
    -------
    BenchmarkResult
        Means, ``diff`` = organisation − rest, Welch CI and p, Hedges' g, n's, ``to_frame()``
        and a Dutch ``sentence()``.

    Notes
    -----
    Welch's t-test (unequal variances). Hedges' g = d · (1 − 3 / (4(n1 + n2) − 9)), d = diff /
    pooled SD.

    Examples
    --------
    R: ``t.test(x_org, x_rest)``; ``effectsize::hedges_g(x_org, x_rest)``.
    """
    if "organisation" not in data.columns:
        raise AnalysisError("De data hebben geen kolom 'organisation'.")
    if "round" in data.columns and data["round"].nunique() > 1:
        raise AnalysisError("De data bevatten meer dan één ronde; kies eerst één ronde (anders tellen mensen dubbel).")
    scores, cb = _scores(data, scale, codebook)
    org = cb.resolve_organisation(organisation) or organisation
    if not (data["organisation"] == org).any():
        raise AnalysisError(f"Organisatie '{organisation}' komt niet voor in de data.")
    in_org = (data["organisation"] == org).to_numpy()
    x_org = scores[in_org].dropna().to_numpy()
    x_rest = scores[~in_org & data["organisation"].notna().to_numpy()].dropna().to_numpy()
    name = scale_label(scale, cb)
    nan = float("nan")
    if len(x_org) < min_group or len(x_rest) < min_group:
        if len(x_org) == 0:
            note = f"geen antwoorden van {org} op deze schaal"
        elif len(x_org) < min_group:
            note = f"minder dan {min_group} respondenten: niet getoond ter bescherming van de privacy"
        else:
            note = f"minder dan {min_group} respondenten in de rest van het netwerk"
        return BenchmarkResult(scale, name, org, len(x_org), len(x_rest), nan, nan, nan, nan, nan, nan, nan, nan,
                               True, note)
    res = welch(x_rest, x_org, ci)
    sd = _pooled_sd(x_org, x_rest)
    d = res["diff"] / sd if sd > 0 else nan
    g = d * (1 - 3 / (4 * (len(x_org) + len(x_rest)) - 9))
    return BenchmarkResult(scale, name, org, len(x_org), len(x_rest), float(x_org.mean()), float(x_rest.mean()),
                           res["diff"], res["ci_low"], res["ci_high"], res["df"], res["p"], float(g), False, "")
