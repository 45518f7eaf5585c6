"""Robust ML with a mean structure (``estimator = "MLR"``), single- or multi-group, with missing
answers (``missing = "fiml"``) or complete data, as lavaan 0.6-14: Huber-White standard errors from
the case-wise scores, the Yuan-Bentler (Mplus variant) scaled χ², and the scaled and robust
CFI/TLI/RMSEA.

Per group g, in (μ, vech Σ) coordinates: :math:`B_{1g}(\\mu, \\Sigma) = \\frac1{N_g}\\sum_i s_i s_i'`
with :math:`s_i` the derivative of :math:`\\log f(y_{o_i}; \\mu_{o_i}, \\Sigma_{o_i})` (each respondent's
observed items); :math:`A_{1g}` the observed information of the saturated model (numerical Hessian of
the FIML log-likelihood from its analytic gradient) at the saturated (EM) estimates;
:math:`\\Delta_g = \\partial(\\mu_g, \\mathrm{vech}\\,\\Sigma_g)/\\partial\\theta`; :math:`f_g = N_g/N`;
:math:`E` the observed information of the model per case.

* robust covariance matrix
  :math:`E^{-1}\\,[\\sum_g f_g \\Delta_g'B_{1g}(\\hat\\mu_g, \\hat\\Sigma_g)\\Delta_g]\\,E^{-1}/N`;
* scaling factor :math:`c = [\\sum_g \\mathrm{tr}(A_{1g}^{-1}B_{1g}) - \\mathrm{tr}(E^{-1}B_0)]/df` with the
  saturated part at the saturated estimates (lavaan's ``yuan.bentler.mplus``); the same for the
  baseline (independence) model gives :math:`c_0`;
* scaled indices use :math:`T/c`, :math:`T_0/c_0` (RMSEA: :math:`T` on :math:`c\\,df` degrees of freedom);
* robust indices (Brosseau-Liard & Savalei 2014; Brosseau-Liard, Savalei & Li 2012): complete data
  :math:`\\mathrm{RMSEA} = \\sqrt{\\max(T/(N df) - c/N, 0)}\\sqrt G` and CFI/TLI with :math:`T - c\\,df`
  and :math:`T_0 - c_0 df_0`; with missing answers the same formulas on Savalei's (2018, 2021)
  FIML-corrected statistics (:func:`fiml_corrected`).

References
----------
Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and covariance
structure analysis with nonnormal missing data. *Sociological Methodology*, 30, 165-200.
Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting incremental fit indices for nonnormality.
*Multivariate Behavioral Research*, 49, 460-470.
Savalei, V. (2018). On the computation of the RMSEA and CFI from the mean-and-variance corrected
test statistic with nonnormal data in SEM. *Multivariate Behavioral Research*, 53, 419-429.
Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following FIML and TS
estimation with missing data. *Psychological Methods*, 28, 263-283 (lavaan's FIML-C, version 3).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg

from .fit import cfi, chi2_pvalue, rmsea, rmsea_ci, tli

__all__ = ["robust_fiml", "fiml_corrected", "fiml_robust_indices", "robust_indices", "scaled_rmsea_ci"]


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


def _first_order(patterns, sigma, mu):
    scores = _case_scores(patterns, sigma, mu)
    return scores.T @ scores / patterns.n


def _saturated_information(patterns, sigma, mu):
    """Observed information (per case) of the saturated model in (mu, vech Sigma) coordinates.

    Notes
    -----
    Analytic, summed over the missing-data patterns: a pattern with observed items o, :math:`n_o`
    respondents, means :math:`m_o`, biased covariances :math:`S_o`, :math:`W = \\Sigma_{oo}^{-1}`,
    :math:`d = m_o - \\mu_o` and :math:`C = S_o + dd'` adds :math:`n_o W` (means),
    :math:`n_o ((Wd)' \\otimes W) D` (means x covariances) and
    :math:`n_o D'[\\tfrac12(WCW \\otimes W + W \\otimes WCW) - \\tfrac12 W \\otimes W]D` (covariances),
    D the duplication matrix (lavaan's ``lav_mvnorm_missing_information_observed_samplestats``).
    """
    p = patterns.p
    r, c = _vech(p)
    pos = {(i, j): k for k, (i, j) in enumerate(zip(r, c))}
    info = np.zeros((p + len(r), p + len(r)))
    for obs, _, cnt, means, covs in patterns.batches:
        k = obs.shape[1]
        dup = _duplication(k)
        lr, lc = _vech(k)
        for o, n_o, m_o, s_o in zip(obs, cnt, means, covs):
            w = np.linalg.inv(sigma[np.ix_(o, o)])
            d = m_o - mu[o]
            wcw = w @ (s_o + np.outer(d, d)) @ w
            idx = np.concatenate([o, p + np.array([pos[(o[a], o[b])] for a, b in zip(lr, lc)])])
            block = np.zeros((k + len(lr), k + len(lr)))
            block[:k, :k] = w
            block[:k, k:] = np.kron((w @ d)[None, :], w) @ dup
            block[k:, :k] = block[:k, k:].T
            block[k:, k:] = dup.T @ (0.5 * (np.kron(wcw, w) + np.kron(w, wcw)) - 0.5 * np.kron(w, w)) @ dup
            info[np.ix_(idx, idx)] += n_o * block
    return info / patterns.n


def _duplication(p):
    """Duplication matrix D (vec = D vech), vech by columns."""
    r, c = _vech(p)
    dup = np.zeros((p * p, len(r)))
    for k, (i, j) in enumerate(zip(r, c)):
        dup[i * p + j, k] = dup[j * p + i, k] = 1.0
    return dup


def _complete_information(sigma):
    """Complete-data information (per case) of the saturated model at sigma: blockdiag(Σ⁻¹, ½D'(Σ⁻¹⊗Σ⁻¹)D)."""
    inv = np.linalg.inv(sigma)
    dup = _duplication(sigma.shape[0])
    return linalg.block_diag(inv, 0.5 * dup.T @ np.kron(inv, inv) @ dup)


def _model_delta(engine, x, g):
    """d(mu, vech Sigma)/d theta of group ``g`` of the mean-structure model."""
    spec = engine.spec
    mats = engine.matrices(x, g)
    idx = engine.groups[g]["free"]
    a, b, dmu = engine._ab(mats, spec.kind[idx], spec.row[idx], spec.col[idx])
    r, c = _vech(spec.p)
    entries = np.hstack([dmu, a[:, r] * b[:, c] + b[:, r] * a[:, c]])
    delta = np.zeros((spec.p + len(r), spec.n_free))
    np.add.at(delta.T, spec.xidx[idx], entries)
    return delta


def _baseline_delta(p):
    """d(mu, vech Sigma)/d(means, variances) of the independence model."""
    r, c = _vech(p)
    delta = np.zeros((p + len(r), 2 * p))
    delta[np.arange(p), np.arange(p)] = 1.0
    delta[p + np.flatnonzero(r == c), p + np.arange(p)] = 1.0
    return delta


def _baseline_moments(patterns):
    """ML estimates of the independence model: per item the mean and variance of its answers."""
    cols = [patterns.y[patterns.answered[:, j], j] for j in range(patterns.p)]
    return np.diag([v.var() for v in cols]), np.array([v.mean() for v in cols])


def _h1_blocks(groups, saturated):
    """Per group A1 (observed information) and B1 (first-order information) at the saturated estimates."""
    return ([_saturated_information(pat, s1, mu1) for pat, (s1, mu1) in zip(groups, saturated)],
            [_first_order(pat, s1, mu1) for pat, (s1, mu1) in zip(groups, saturated)])


def _baseline_scaling(groups, a1_h1, b1_h1):
    """Yuan-Bentler scaling factor of the independence model (free means and variances per group)."""
    p = groups[0].p
    delta = _baseline_delta(p)
    trace = 0.0
    for pat, a1, b1 in zip(groups, a1_h1, b1_h1):
        sigma0, mu0 = _baseline_moments(pat)
        e0 = delta.T @ _saturated_information(pat, sigma0, mu0) @ delta
        b0 = delta.T @ _first_order(pat, sigma0, mu0) @ delta
        trace += float(np.sum(b1 * np.linalg.inv(a1).T) - np.sum(b0 * np.linalg.inv(e0).T))
    return trace / (len(groups) * p * (p - 1) / 2)


def fiml_robust_indices(engine, groups, x, saturated, fit):
    """Robust CFI/TLI/RMSEA of an ML fit with missing answers (no scaled test): lavaan's FIML correction,
    version V6 (:func:`fiml_corrected` without first-order information), as ``fitMeasures`` gives for
    ``lavaan::cfa(missing = "fiml")``."""
    a1_h1 = [_saturated_information(pat, s1, mu1) for pat, (s1, mu1) in zip(groups, saturated)]
    deltas = [_model_delta(engine, x, g) for g in range(len(groups))]
    df, df0 = fit["df"], fit["baseline_df"]
    corrected = fiml_corrected(engine, groups, x, saturated, deltas, a1_h1, None, df, df0)
    n = sum(pat.n for pat in groups)
    return robust_indices(**corrected, df=df, df0=df0, n=n, n_groups=len(groups))


def robust_fiml(engine, groups, x, hess_total, saturated, fit):
    """Robust standard errors and the MLR entries of the fit dict for a fit with a mean structure.

    ``groups`` are the per-group :class:`~.fiml._Patterns`, ``hess_total`` the observed information of
    the model (Hessian of :math:`-\\log L`), ``saturated`` per group the saturated (EM) covariance
    matrix and means; ``fit["missing"]`` chooses the robust indices: Savalei's FIML correction
    (``"fiml"``) or the complete-data ones.
    """
    n = sum(pat.n for pat in groups)
    fg = [pat.n / n for pat in groups]
    deltas = [_model_delta(engine, x, g) for g in range(len(groups))]
    b0 = sum(f * d.T @ _first_order(pat, *engine.implied(x, g)) @ d
             for g, (f, d, pat) in enumerate(zip(fg, deltas, groups)))
    e_inv = np.linalg.inv(hess_total / n)
    vcov = e_inv @ b0 @ e_inv / n
    a1_h1, b1_h1 = _h1_blocks(groups, saturated)
    trace_h1 = sum(float(np.sum(b1 * np.linalg.inv(a1).T)) for a1, b1 in zip(a1_h1, b1_h1))
    df, df0 = fit["df"], fit["baseline_df"]
    c = (trace_h1 - float(np.sum(b0 * e_inv.T))) / df if df > 0 else math.nan
    c0 = _baseline_scaling(groups, a1_h1, b1_h1)
    t, t0, n_groups = fit["chi2"], fit["baseline_chi2"], len(groups)
    ts, t0s = t / c, t0 / c0
    extra = {"estimator": "MLR", "chi2_scaled": ts, "df_scaled": df, "p_scaled": chi2_pvalue(ts, df),
             "scaling_factor": c, "baseline_chi2_scaled": t0s, "baseline_scaling_factor": c0,
             "cfi_scaled": cfi(ts, df, t0s, df0), "tli_scaled": tli(ts, df, t0s, df0),
             "rmsea_scaled": rmsea(ts, df, n, n_groups), "rmsea_ci_scaled": scaled_rmsea_ci(t, df, c, n, n_groups)}
    if fit.get("missing") == "fiml":
        corrected = fiml_corrected(engine, groups, x, saturated, deltas, a1_h1, b1_h1, df, df0)
    else:
        corrected = {"t": t, "c": c, "t0": t0, "c0": c0}
    extra.update(robust_indices(**corrected, df=df, df0=df0, n=n, n_groups=n_groups))
    return np.sqrt(np.clip(np.diag(vcov), 0, None)), extra


def scaled_rmsea_ci(t, df, c, n, n_groups):
    """lavaan's ``rmsea.ci.lower/upper.scaled`` for MLR: the CI of T on c·df degrees of freedom."""
    return rmsea_ci(t, c * df, n, n_groups) if df > 0 and c > 0 else (math.nan, math.nan)


def robust_indices(*, t, c, t0, c0, df, df0, n, n_groups=1):
    """Robust CFI, TLI and RMSEA from a test statistic and its correction factor (model and baseline).

    Notes
    -----
    lavaan's ``lav_fit_cfi``/``lav_fit_tli``/``lav_fit_rmsea`` with ``c.hat``:
    :math:`CFI = 1 - \\max(T - c\\,df, 0)/\\max(T - c\\,df, T_0 - c_0 df_0, 0)`,
    :math:`TLI = 1 - (T - c\\,df)df_0 / ((T_0 - c_0 df_0) df)`,
    :math:`RMSEA = \\sqrt{\\max(T/(N df) - c/N, 0)}\\,\\sqrt G`; its 90% CI (``lav_fit_rmsea_ci`` with
    ``c.hat``) is the CI of :math:`T/c` on df, times :math:`\\sqrt c`.
    """
    if df <= 0:
        return {"cfi_robust": 1.0, "tli_robust": 1.0, "rmsea_robust": 0.0, "rmsea_ci_robust": (0.0, 0.0)}
    ci = tuple(v * math.sqrt(c) for v in rmsea_ci(t / c, df, n, n_groups)) if c > 0 else (math.nan, math.nan)
    return {"cfi_robust": cfi(t - c * df + df, df, t0 - c0 * df0 + df0, df0),
            "tli_robust": tli(t - c * df + df, df, t0 - c0 * df0 + df0, df0),
            "rmsea_robust": math.sqrt(max(t / n / df - c / n, 0.0)) * math.sqrt(n_groups), "rmsea_ci_robust": ci}


def _ml_discrepancy(sigma, mu, s, m):
    """Complete-data F_ML of implied (sigma, mu) against moments (s, m)."""
    inv = np.linalg.inv(sigma)
    d = m - mu
    return float(np.linalg.slogdet(sigma)[1] + np.sum(s * inv) - np.linalg.slogdet(s)[1] - len(m) + d @ inv @ d)


def fiml_corrected(engine, groups, x, saturated, deltas, a1_h1, b1_h1, df, df0):
    """Savalei's FIML-corrected test statistic and correction factor for model and baseline.

    Notes
    -----
    As ``lavaan:::lav_fit_fiml_corrected(fit, version = "V3")`` (the scaled-test version lavaan uses for
    MLR): :math:`T_3` is the complete-data ML statistic of the FIML estimates against the saturated (EM)
    moments; with :math:`W_m = \\oplus f_g A_{1g}`, :math:`W_c = \\oplus f_g W_{cg}` (complete-data
    information at the EM moments), :math:`\\Gamma = \\oplus A_{1g}^{-1}B_{1g}A_{1g}^{-1}/f_g`,
    :math:`E = \\Delta'W_m\\Delta` and :math:`U = W_m - W_m\\Delta E^{-1}\\Delta'W_m`, the correction is
    :math:`c_3 = \\mathrm{tr}(U W_m^{-1} W_c W_m^{-1} U \\Gamma)/df`. The baseline uses the independence
    model's FIML estimates and its own :math:`\\Delta`. Without ``b1_h1`` (ML, no scaled test) lavaan's
    version V6: :math:`c_3 = \\mathrm{tr}(W_c W_m^{-1} U W_m^{-1})/df`.
    """
    n = sum(pat.n for pat in groups)
    fg = np.array([pat.n / n for pat in groups])
    wm = linalg.block_diag(*[f * a for f, a in zip(fg, a1_h1)])
    wmi = linalg.block_diag(*[np.linalg.inv(a) / f for f, a in zip(fg, a1_h1)])
    wc = linalg.block_diag(*[f * _complete_information(s1) for f, (s1, _) in zip(fg, saturated)])
    middle = wmi @ wc @ wmi
    gamma = None if b1_h1 is None else linalg.block_diag(
        *[np.linalg.inv(a) @ b @ np.linalg.inv(a) / f for f, a, b in zip(fg, a1_h1, b1_h1)])

    def correction(delta):
        u = wm - wm @ delta @ np.linalg.solve(delta.T @ wm @ delta, delta.T @ wm)
        return float(np.trace(u @ middle @ u @ gamma)) if gamma is not None else float(np.sum(middle * u.T))

    t3 = sum(pat.n * _ml_discrepancy(*engine.implied(x, g), s1, mu1)
             for g, (pat, (s1, mu1)) in enumerate(zip(groups, saturated)))
    baseline = [_baseline_moments(pat) for pat in groups]
    t3_null = sum(pat.n * _ml_discrepancy(s0, m0, s1, mu1)
                  for pat, (s0, m0), (s1, mu1) in zip(groups, baseline, saturated))
    c3 = correction(np.vstack(deltas)) / df if df > 0 else math.nan
    c3_null = correction(linalg.block_diag(*[_baseline_delta(groups[0].p)] * len(groups))) / df0
    return {"t": t3, "c": c3, "t0": t3_null, "c0": c3_null}
