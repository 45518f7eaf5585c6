"""Robust ML with missing data (``estimator = "MLR", missing = "fiml"``), as lavaan 0.6-14:
Huber-White standard errors from the case-wise FIML scores and the Yuan-Bentler scaled χ².

The same formulas as :mod:`.robust`, in (μ, vech Σ) coordinates and with the case-wise scores
of each respondent's observed items: :math:`B_1(\\mu, \\Sigma) = \\frac1N\\sum_i s_i s_i'` with
:math:`s_i` the derivative of :math:`\\log f(y_{o_i}; \\mu_{o_i}, \\Sigma_{o_i})`; :math:`A_1` the
observed information of the saturated model (numerical Hessian of the FIML log-likelihood
from its analytic gradient) at the EM estimates. Robust standard errors
:math:`E^{-1}\\Delta'B_1(\\hat\\mu, \\hat\\Sigma)\\Delta E^{-1}/N`; scaling factor
:math:`c = [\\mathrm{tr}(A_1^{-1}B_1) - \\mathrm{tr}(E^{-1}\\Delta'B_1\\Delta)]/df` with the saturated
part at the EM estimates.
"""

from __future__ import annotations

import numpy as np

from .fit import cfi, chi2_pvalue, rmsea, tli

__all__ = ["robust_fiml"]


def _vech(p):
    rows, cols = np.tril_indices(p)
    return cols, rows


def _case_scores(patterns, sigma, mu):
    """Respondents x (p + p*) scores of the saturated model at (mu, sigma)."""
    p = patterns.p
    r, c = _vech(p)
    pos = {(i, j): k for k, (i, j) in enumerate(zip(r, c))}
    out = np.zeros((patterns.n, p + len(r)))
    keys, inverse = np.unique(patterns.answered, axis=0, return_inverse=True)
    for w, key in enumerate(keys):
        rows = np.flatnonzero(inverse.ravel() == w)
        o = np.flatnonzero(key)
        inv = np.linalg.inv(sigma[np.ix_(o, o)])
        u = (patterns.y[np.ix_(rows, o)] - mu[o]) @ inv
        out[np.ix_(rows, o)] = u
        for a in range(len(o)):
            for b in range(a, len(o)):
                m = 0.5 * (u[:, a] * u[:, b] - inv[a, b])
                out[rows, p + pos[(o[a], o[b])]] = m if a == b else 2 * m
    return out


def _saturated_information(patterns, sigma, mu, h=1e-6):
    """Observed information (per case) of the saturated model in (mu, vech Sigma) coordinates."""
    p = patterns.p
    r, c = _vech(p)

    def gradient(m, s):
        _, g_sigma, g_mu = patterns.evaluate(s, m)
        sym = g_sigma + g_sigma.T - np.diag(np.diag(g_sigma))
        return np.concatenate([g_mu, sym[r, c]])

    k = p + len(r)
    hess = np.empty((k, k))
    for j in range(k):
        m_up, m_dn, s_up, s_dn = mu.copy(), mu.copy(), sigma.copy(), sigma.copy()
        if j < p:
            m_up[j] += h
            m_dn[j] -= h
        else:
            a, b = r[j - p], c[j - p]
            for s_, sign in ((s_up, 1), (s_dn, -1)):
                s_[a, b] += sign * h
                if a != b:
                    s_[b, a] += sign * h
        hess[:, j] = (gradient(m_up, s_up) - gradient(m_dn, s_dn)) / (2 * h)
    return (hess + hess.T) / 2 / patterns.n


def _model_delta(engine, x):
    """d(mu, vech Sigma)/d theta of the mean-structure model."""
    spec = engine.spec
    mats = engine.matrices(x, 0)
    idx = engine.groups[0]["free"]
    a, b, dmu = engine._ab(mats, spec.kind[idx], spec.row[idx], spec.col[idx])
    r, c = _vech(spec.p)
    entries = np.hstack([dmu, a[:, r] * b[:, c] + b[:, r] * a[:, c]])
    delta = np.zeros((spec.p + len(r), spec.n_free))
    np.add.at(delta.T, spec.xidx[idx], entries)
    return delta


def _trace(a1, b1, e_inv, b0):
    return float(np.sum(b1 * np.linalg.inv(a1).T) - np.sum(b0 * e_inv.T))


def robust_fiml(engine, patterns, x, hess_total, s1, mu1, fit):
    """Robust standard errors and the MLR entries of the fit dict for a FIML fit."""
    n = patterns.n
    sigma, mu = engine.implied(x, 0)
    scores = _case_scores(patterns, sigma, mu)
    b1 = scores.T @ scores / n
    delta = _model_delta(engine, x)
    e_inv = np.linalg.inv(hess_total / n)
    b0 = delta.T @ b1 @ delta
    vcov = e_inv @ b0 @ e_inv / n
    scores_h1 = _case_scores(patterns, s1, mu1)
    b1_h1 = scores_h1.T @ scores_h1 / n
    a1_h1 = _saturated_information(patterns, s1, mu1)
    df = fit["df"]
    c = _trace(a1_h1, b1_h1, e_inv, b0) / df
    c0 = _baseline_scaling(patterns, a1_h1, b1_h1)
    t, t0, df0 = fit["chi2"], fit["baseline_chi2"], fit["baseline_df"]
    ts, t0s = t / c, t0 / c0
    extra = {"estimator": "MLR", "chi2_scaled": ts, "df_scaled": df, "p_scaled": chi2_pvalue(ts, df),
             "scaling_factor": c, "baseline_chi2_scaled": t0s, "baseline_scaling_factor": c0,
             "cfi_scaled": cfi(ts, df, t0s, df0), "tli_scaled": tli(ts, df, t0s, df0),
             "rmsea_scaled": rmsea(ts, df, n)}
    return np.sqrt(np.clip(np.diag(vcov), 0, None)), extra


def _baseline_scaling(patterns, a1_h1, b1_h1):
    """Yuan-Bentler scaling factor of the independence model (free means and variances)."""
    p = patterns.p
    mu0 = np.array([patterns.y[patterns.answered[:, j], j].mean() for j in range(p)])
    sigma0 = np.diag([patterns.y[patterns.answered[:, j], j].var() for j in range(p)])
    r, c = _vech(p)
    delta = np.zeros((p + len(r), 2 * p))
    delta[np.arange(p), np.arange(p)] = 1.0
    delta[p + np.flatnonzero(r == c), p + np.arange(p)] = 1.0
    a1 = _saturated_information(patterns, sigma0, mu0)
    scores = _case_scores(patterns, sigma0, mu0)
    b1 = scores.T @ scores / patterns.n
    e0 = delta.T @ a1 @ delta
    b0 = delta.T @ b1 @ delta
    return _trace(a1_h1, b1_h1, np.linalg.inv(e0), b0) / (p * (p - 1) / 2)
