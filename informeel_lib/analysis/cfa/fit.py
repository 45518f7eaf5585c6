"""Fit indices of a maximum-likelihood CFA, computed exactly as lavaan 0.6 does.

Each function takes plain numbers or arrays so it can be checked on its own; :func:`fit_measures`
assembles them into the ``fit`` dict of a :class:`~informeel_lib.analysis.cfa.result.CFAResult`;
the standardised solution and modification indices live here too.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .engine import _Engine
from .specification import _LAMBDA, _NU, _PSI, _THETA, _Spec


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


def _fit_measures(engine: _Engine, f_min: float, counts: np.ndarray, n_free: int, converged: bool,
                  iterations: int, x: np.ndarray) -> dict:
    spec = engine.spec
    n = int(counts.sum())
    p, G = spec.p, spec.n_groups
    chi2 = n * f_min
    moments = p * (p + 1) // 2 + (p if spec.meanstructure else 0)
    df = G * moments - n_free
    base_chi2 = float(sum(c * (np.sum(np.log(np.diag(s))) - ld)
                          for c, (s, _), ld in zip(counts, engine.samples, engine.logdet_s)))
    base_df = G * p * (p - 1) // 2
    implied = [engine.implied(x, g) for g in range(G)]
    logl = 0.0
    for c, (s, ybar), (sigma, mu) in zip(counts, engine.samples, implied):
        sinv = np.linalg.inv(sigma)
        d = (ybar - mu) if spec.meanstructure else np.zeros(p)
        logl += -c / 2 * (p * math.log(2 * math.pi) + np.linalg.slogdet(sigma)[1] + np.sum(s * sinv) + d @ sinv @ d)
    return {
        "chi2": float(chi2), "df": int(df), "p": chi2_pvalue(chi2, df),
        "cfi": cfi(chi2, df, base_chi2, base_df),
        "tli": tli(chi2, df, base_chi2, base_df),
        "rmsea": rmsea(chi2, df, n, G),
        "rmsea_ci": rmsea_ci(chi2, df, n, G),
        "rmsea_p": rmsea_pvalue(chi2, df, n, G),
        "srmr": srmr_bentler(engine.samples, implied, counts / n, spec.meanstructure),
        "aic": float(-2 * logl + 2 * n_free), "bic": float(-2 * logl + n_free * math.log(n)),
        "logl": float(logl), "n": n, "npar": int(n_free), "n_groups": G,
        "baseline_chi2": base_chi2, "baseline_df": int(base_df),
        "converged": bool(converged), "iterations": int(iterations),
    }


def _standardise(spec: _Spec, est: np.ndarray, engine: _Engine, x: np.ndarray) -> np.ndarray:
    """lavaan's std.all for every row of the parameter table."""
    out = np.full(len(est), np.nan)
    for g in range(spec.n_groups):
        lam, theta, psi, nu, alpha = engine.matrices(x, g)
        sigma = lam @ psi @ lam.T + theta
        with np.errstate(invalid="ignore", divide="ignore"):
            sd_ov = np.sqrt(np.diag(sigma))
            sd_lv = np.sqrt(np.diag(psi))
            sd_th = np.sqrt(np.diag(theta))
            for i in np.flatnonzero(spec.group == g):
                k, r, c, v = spec.kind[i], spec.row[i], spec.col[i], est[i]
                if k == _LAMBDA:
                    out[i] = v * sd_lv[c] / sd_ov[r]
                elif k == _THETA:
                    out[i] = v / sigma[r, r] if r == c else v / (sd_th[r] * sd_th[c])
                elif k == _PSI:
                    out[i] = v / (sd_lv[r] * sd_lv[c])
                elif k == _NU:
                    out[i] = v / sd_ov[r]
                else:
                    out[i] = v / sd_lv[r]
    return out


def _modification_indices(engine: _Engine, x: np.ndarray, info_inv: np.ndarray, n: int,
                          group_labels) -> pd.DataFrame:
    """Score test (expected information) for each loading / covariance not free in the model."""
    rows = []
    for g in range(engine.spec.n_groups):
        extra = _absent_parameters(engine.spec, g)
        if extra:
            rows += _group_modification_indices(engine, x, info_inv, n, g, extra, group_labels[g])
    out = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "group", "mi", "epc", "sepc_all"])
    return out.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)


def _absent_parameters(spec: _Spec, g: int) -> list[tuple[int, int, int]]:
    """Loadings, residual covariances and factor covariances of group ``g`` that are not free."""
    sel = spec.group == g
    present = {(k, r, c): spec.xidx[i] for i, k, r, c in
               zip(np.flatnonzero(sel), spec.kind[sel], spec.row[sel], spec.col[sel])}
    extra = [(_LAMBDA, i, j) for j in range(spec.m) for i in range(spec.p)]
    extra += [(_THETA, i, k) for i in range(spec.p) for k in range(i)]
    extra += [(_PSI, j, k) for j in range(spec.m) for k in range(j)]
    return [e for e in extra if present.get(e, -1) < 0]


def _group_modification_indices(engine: _Engine, x, info_inv, n: int, g: int, extra, group_label) -> list[tuple]:
    """lavaan's modindices for the ``extra`` parameters of one group: mi, epc and sepc.all per parameter."""
    spec = engine.spec
    ek, er, ec = (np.array([e[i] for e in extra]) for i in range(3))
    mats = engine.matrices(x, g)
    lam, theta, psi, nu, alpha = mats
    s, ybar = engine.samples[g]
    sigma = lam @ psi @ lam.T + theta
    sinv = np.linalg.inv(sigma)
    w = engine.weights[g]
    # gradient of lavaan's fmin = F/2 with respect to the extra parameters
    scat = s
    if spec.meanstructure:
        d = ybar - (nu + lam @ alpha)
        scat = s + np.outer(d, d)
    gmat = sinv - sinv @ scat @ sinv
    a, b, dmu = engine._ab(mats, ek, er, ec)
    score = 2.0 * np.einsum("kp,kp->k", a @ gmat, b)
    if spec.meanstructure:
        score += dmu @ (-2.0 * sinv @ d)
    score = 0.5 * w * score
    # information: extras x extras (diagonal) and extras x free parameters
    aw, bw = a @ sinv, b @ sinv
    i11 = w * (np.einsum("kp,kp->k", aw, a) * np.einsum("kp,kp->k", bw, b) + np.einsum("kp,kp->k", aw, b) ** 2)
    if spec.meanstructure:
        i11 += w * np.einsum("kp,kp->k", dmu @ sinv, dmu)
    free = engine.groups[g]["free"]
    a2, b2, m2 = engine._ab(mats, spec.kind[free], spec.row[free], spec.col[free])
    block = (aw @ a2.T) * (bw @ b2.T) + (aw @ b2.T) * (bw @ a2.T)
    if spec.meanstructure:
        block += (dmu @ sinv) @ m2.T
    u, inv = np.unique(spec.xidx[free], return_inverse=True)  # only this group's parameters
    i12 = np.zeros((len(u), len(extra)))
    np.add.at(i12, inv, (w * block).T)
    v = i11 - np.sum((info_inv[np.ix_(u, u)] @ i12) * i12, axis=0)
    ok = v >= np.finfo(float).eps ** (1 / 3)
    v_safe = np.where(ok, v, np.nan)
    mi = n * score**2 / v_safe
    epc = -score / v_safe
    with np.errstate(invalid="ignore", divide="ignore"):
        sds = (np.sqrt(np.diag(sigma)), np.sqrt(np.diag(psi)), np.sqrt(np.abs(np.diag(theta))))
    rows = []
    for t, param in enumerate(extra):
        if ok[t]:
            lhs, op, rhs, sepc = _mi_names(spec, param, epc[t], sds)
            rows.append((lhs, op, rhs, group_label, float(mi[t]), float(epc[t]), sepc))
    return rows


def _mi_names(spec: _Spec, param: tuple[int, int, int], epc: float, sds) -> tuple[str, str, str, float]:
    """lhs, op, rhs and the fully standardised expected parameter change (sepc.all) of one parameter."""
    k, r, c = param
    sd_ov, sd_lv, sd_th = sds
    if k == _LAMBDA:
        return spec.latent[c], "=~", spec.observed[r], float(epc * sd_lv[c] / sd_ov[r])
    if k == _THETA:
        return spec.observed[c], "~~", spec.observed[r], float(epc / (sd_th[r] * sd_th[c]))
    return spec.latent[c], "~~", spec.latent[r], float(epc / (sd_lv[r] * sd_lv[c]))


