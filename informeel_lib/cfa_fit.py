"""Fit indices of a maximum-likelihood CFA, computed exactly as lavaan 0.6 does.

Each function takes plain numbers or arrays so it can be checked on its own; ``cfa.py``
assembles them into the ``fit`` dict of a :class:`~informeel_lib.cfa.CFAResult`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats


def chi2_pvalue(chi2: float, df: int) -> float:
    """Upper-tail p value of the χ² test; ``nan`` when df is 0 (saturated model, as lavaan)."""
    if df <= 0:
        return float("nan")
    return float(stats.chi2.sf(chi2, df))


def cfi(chi2: float, df: int, chi2_null: float, df_null: int) -> float:
    """Comparative fit index (Bentler 1990).

    Notes
    -----
    .. math:: CFI = 1 - \\frac{\\max(\\chi^2 - df, 0)}{\\max(\\chi^2 - df, \\chi^2_0 - df_0, 0)}

    and 1 when both terms are 0 (lavaan's ``lav_fit_cfi``).

    Examples
    --------
    >>> round(cfi(85.306, 24, 918.852, 36), 3)
    0.931
    """
    t1 = max(chi2 - df, 0.0)
    t2 = max(chi2 - df, chi2_null - df_null, 0.0)
    if math.isclose(t1, 0.0, abs_tol=1.5e-8) and math.isclose(t2, 0.0, abs_tol=1.5e-8):
        return 1.0
    return 1.0 - t1 / t2


def tli(chi2: float, df: int, chi2_null: float, df_null: int) -> float:
    """Tucker-Lewis index (non-normed fit index), lavaan's ``lav_fit_nnfi``.

    Notes
    -----
    .. math:: TLI = 1 - \\frac{(\\chi^2 - df)\\, df_0}{(\\chi^2_0 - df_0)\\, df}

    Not truncated to [0, 1], as in lavaan; 1 for a saturated model.
    """
    t1 = (chi2 - df) * df_null
    t2 = (chi2_null - df_null) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    return 1.0


def rmsea(chi2: float, df: int, n: int, n_groups: int = 1) -> float:
    """Root mean square error of approximation with lavaan's multi-group factor √G.

    Notes
    -----
    .. math:: RMSEA = \\sqrt{\\max\\left(\\frac{\\chi^2}{N\\,df} - \\frac{1}{N}, 0\\right)}\\,\\sqrt{G}

    with N the total sample size (lavaan uses N, not N − 1, for the ML "normal" likelihood).
    """
    if df <= 0:
        return 0.0
    return math.sqrt(max(chi2 / n / df - 1.0 / n, 0.0)) * math.sqrt(n_groups)


def _ncx2_cdf(x: float, df: int, ncp: float) -> float:
    if ncp <= 0:
        return float(stats.chi2.cdf(x, df))
    return float(stats.ncx2.cdf(x, df, ncp))


def rmsea_ci(chi2: float, df: int, n: int, n_groups: int = 1, level: float = 0.90) -> tuple[float, float]:
    """Confidence interval of the RMSEA from the noncentral χ² distribution (lavaan's search).

    Notes
    -----
    The lower (upper) limit solves ``pchisq(chi2, df, ncp = λ) = 0.95 (0.05)`` for λ on
    ``[0, chi2]`` (``[0, max(N, 4·chi2)]``) and reports :math:`\\sqrt{λ / (N\\,df)}\\,\\sqrt{G}`;
    a limit is 0 when no root exists, as in ``lavaan:::lav_fit_rmsea_ci``.

    References
    ----------
    Browne, M. W., & Cudeck, R. (1993). Alternative ways of assessing model fit.
    """
    upper_p = 1 - (1 - level) / 2
    lower_p = (1 - level) / 2
    scale = math.sqrt(n_groups)

    def f_lower(lam):
        return _ncx2_cdf(chi2, df, lam) - upper_p

    def f_upper(lam):
        return _ncx2_cdf(chi2, df, lam) - lower_p

    if df < 1 or f_lower(0.0) < 0:
        lower = 0.0
    else:
        lam = optimize.brentq(f_lower, 0.0, chi2, xtol=1e-10, rtol=1e-12) if f_lower(chi2) < 0 else chi2
        lower = math.sqrt(lam / (n * df)) * scale
    n_rmsea = max(n, chi2 * 4)
    if df < 1 or f_upper(n_rmsea) > 0 or f_upper(0.0) < 0:
        upper = 0.0
    else:
        lam = optimize.brentq(f_upper, 0.0, n_rmsea, xtol=1e-10, rtol=1e-12)
        upper = math.sqrt(lam / (n * df)) * scale
    return (lower, upper)


def rmsea_pvalue(chi2: float, df: int, n: int, n_groups: int = 1, h0: float = 0.05) -> float:
    """p value of the test of close fit (H0: RMSEA ≤ ``h0``), lavaan's ``rmsea.pvalue``."""
    if df <= 0:
        return float("nan")
    ncp = n * df * h0**2 / n_groups
    return 1.0 - _ncx2_cdf(chi2, df, ncp)


def srmr_bentler(samples, implied, weights, meanstructure: bool) -> float:
    """Standardised root mean square residual as lavaan's default ``srmr`` (Bentler type).

    Parameters
    ----------
    samples : list of (S, mean)
        Per group the sample covariance matrix (divided by N) and mean vector.
    implied : list of (Sigma, mu)
        Per group the model-implied covariance matrix and mean vector.
    weights : sequence of float
        N_g / N per group.
    meanstructure : bool
        Whether mean residuals are included (lavaan does so for models with a mean
        structure, e.g. every multi-group model).

    Notes
    -----
    Residuals are standardised by the observed standard deviations:
    :math:`r_{ij} = (s_{ij} - \\hat\\sigma_{ij}) / \\sqrt{s_{ii} s_{jj}}` (lower triangle with the
    diagonal) and :math:`r_i = (\\bar y_i - \\hat\\mu_i) / \\sqrt{s_{ii}}`; per group
    :math:`SRMR_g = \\sqrt{\\sum r^2 / e}` with :math:`e = p(p+1)/2` (+ p with means), and the
    groups are combined as :math:`\\sum_g (N_g/N) SRMR_g`.
    """
    total = 0.0
    for (s, m), (sigma, mu), w in zip(samples, implied, weights):
        sd = np.sqrt(np.diag(s))
        resid = (s - sigma) / np.outer(sd, sd)
        rows, cols = np.tril_indices(s.shape[0])
        ss = float(np.sum(resid[rows, cols] ** 2))
        e = len(rows)
        if meanstructure:
            ss += float(np.sum(((m - mu) / sd) ** 2))
            e += s.shape[0]
        total += w * math.sqrt(ss / e)
    return total
