"""Robust maximum likelihood (``estimator = "MLR"``) for complete data, as lavaan 0.6-14:
Huber-White standard errors, the Yuan-Bentler (Mplus variant) scaled χ² and the scaled and
robust CFI/TLI/RMSEA.

With :math:`E` the observed information of the model (Hessian of :math:`-\\log L/N`),
:math:`B_1(\\Sigma)` the first-order information of the saturated model (case-wise scores of the
normal log-likelihood with respect to :math:`\\mathrm{vech}\\,\\Sigma`, evaluated at
:math:`\\Sigma`), :math:`A_1(\\Sigma)` the saturated model's observed information there, and
:math:`\\Delta = \\partial\\,\\mathrm{vech}\\,\\Sigma / \\partial\\theta`:

* robust covariance matrix :math:`E^{-1}(\\Delta'B_1(\\hat\\Sigma)\\Delta)E^{-1}/N` (lavaan's
  ``h1.information = "structured"``: at the model-implied :math:`\\hat\\Sigma`);
* scaling factor :math:`c = [\\mathrm{tr}(A_1(S)^{-1}B_1(S)) - \\mathrm{tr}(E^{-1}\\Delta'B_1(\\hat\\Sigma)\\Delta)]/df`
  (the saturated part at the sample covariance matrix S, as lavaan's ``yuan.bentler.mplus``),
  :math:`T_{YB} = T_{ML}/c`; the same for the baseline (independence) model gives
  :math:`c_0`;
* scaled indices use :math:`T/c` and :math:`T_0/c_0`; robust ones (Brosseau-Liard & Savalei)
  :math:`\\mathrm{RMSEA} = \\sqrt{\\max(T/(N df) - c/N, 0)}` and CFI/TLI with
  :math:`T - c\\,df` and :math:`T_0 - c_0 df_0`.

References
----------
Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and covariance
structure analysis with nonnormal missing data. *Sociological Methodology*, 30, 165-200.
Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting incremental fit indices for nonnormality.
*Multivariate Behavioral Research*, 49, 460-470.
"""

from __future__ import annotations

import math

import numpy as np

from .engine import _Engine
from .fit import cfi, chi2_pvalue, rmsea, tli
from .robust_fiml import robust_indices, scaled_rmsea_ci

__all__ = ["robust_ml"]


def _vech_indices(p):
    rows, cols = np.tril_indices(p)
    return cols, rows          # lavaan's vech: column by column, lower triangle


def _saturated_blocks(sigma, s, y):
    """A1 (observed information) and B1 (first-order information) of the saturated covariance
    model at sigma, per case, in vech coordinates."""
    p = sigma.shape[0]
    inv = np.linalg.inv(sigma)
    r, c = _vech_indices(p)
    d = y - y.mean(axis=0)
    u = d @ inv
    m = 0.5 * (u[:, r] * u[:, c] - inv[r, c])                   # d log f_i / d sigma_rc (symmetric part)
    scores = np.where(r == c, m, 2 * m)
    b1 = scores.T @ scores / len(y)
    isi = inv @ s @ inv
    # Hessian of 0.5 (log|S| + tr(S S^-1)) in vech coordinates
    k = 0.5 * (np.kron(isi, inv) + np.kron(inv, isi)) - 0.5 * np.kron(inv, inv)
    dup = _duplication(p)
    a1 = dup.T @ k @ dup
    return a1, b1


def _duplication(p):
    """Duplication matrix D (vec = D vech), vech by columns."""
    r, c = _vech_indices(p)
    dup = np.zeros((p * p, len(r)))
    for k, (i, j) in enumerate(zip(r, c)):
        dup[i * p + j, k] = 1.0
        dup[j * p + i, k] = 1.0
    return dup


def _delta(engine: _Engine, x):
    """d vech(Sigma) / d theta for the free parameters (single group)."""
    spec = engine.spec
    mats = engine.matrices(x, 0)
    idx = engine.groups[0]["free"]
    a, b, _ = engine._ab(mats, spec.kind[idx], spec.row[idx], spec.col[idx])
    r, c = _vech_indices(spec.p)
    entries = a[:, r] * b[:, c] + b[:, r] * a[:, c]
    delta = np.zeros((len(r), spec.n_free))
    np.add.at(delta.T, spec.xidx[idx], entries)
    return delta


def _observed_information(engine: _Engine, x, h=1e-6):
    """Hessian of -logL/N = F_ML/2 by central differences of the analytic gradient."""
    k = len(x)
    hess = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = h
        hess[:, j] = (engine.objective(x + e)[1] - engine.objective(x - e)[1]) / (2 * h)
    return (hess + hess.T) / 4


def _trace_ugamma(a1, b1, e_inv, b0):
    return float(np.sum(b1 * np.linalg.inv(a1).T) - np.sum(b0 * e_inv.T))


def robust_ml(engine: _Engine, x, y: np.ndarray, fit: dict):
    """Robust standard errors (free parameters) and the MLR entries of the fit dict for a
    single-group model fitted by ML to the complete rows ``y``."""
    n = len(y)
    s, _ = engine.samples[0]
    sigma, _ = engine.implied(x, 0)
    _, b1 = _saturated_blocks(sigma, s, y)
    a1_sample, b1_sample = _saturated_blocks(s, s, y)
    delta = _delta(engine, x)
    e_inv = np.linalg.inv(_observed_information(engine, x))
    b0 = delta.T @ b1 @ delta
    vcov = e_inv @ b0 @ e_inv / n
    df = fit["df"]
    c = _trace_ugamma(a1_sample, b1_sample, e_inv, b0) / df if df > 0 else math.nan
    c0 = _baseline_scaling(s, y, a1_sample, b1_sample)
    t, t0, df0 = fit["chi2"], fit["baseline_chi2"], fit["baseline_df"]
    ts, t0s = t / c, t0 / c0
    extra = {
        "estimator": "MLR", "chi2_scaled": ts, "df_scaled": df, "p_scaled": chi2_pvalue(ts, df),
        "scaling_factor": c, "baseline_chi2_scaled": t0s, "baseline_scaling_factor": c0,
        "cfi_scaled": cfi(ts, df, t0s, df0), "tli_scaled": tli(ts, df, t0s, df0), "rmsea_scaled": rmsea(ts, df, n),
        "rmsea_ci_scaled": scaled_rmsea_ci(t, df, c, n, 1),
        **robust_indices(t=t, c=c, t0=t0, c0=c0, df=df, df0=df0, n=n),
    }
    return np.sqrt(np.clip(np.diag(vcov), 0, None)), extra


def _baseline_scaling(s, y, a1_sample, b1_sample):
    """Yuan-Bentler scaling factor of the independence model (free variances only)."""
    p = s.shape[0]
    a1, b1 = _saturated_blocks(np.diag(np.diag(s)), s, y)
    r, c = _vech_indices(p)
    delta = np.zeros((len(r), p))
    delta[np.flatnonzero(r == c), np.arange(p)] = 1.0
    e0 = delta.T @ a1 @ delta
    b0 = delta.T @ b1 @ delta
    return _trace_ugamma(a1_sample, b1_sample, np.linalg.inv(e0), b0) / (p * (p - 1) / 2)
