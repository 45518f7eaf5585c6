"""CFA with missing answers by full-information maximum likelihood, as
``lavaan::cfa(model, data, missing = "fiml")`` (lavaan 0.6-14), single- and multi-group.

Every respondent with at least one answered model item contributes the normal log-likelihood
of the items he answered:

.. math:: \\log L = -\\tfrac12 \\sum_i \\left[p_i \\log 2\\pi + \\log|\\Sigma_{o_i}|
          + (y_{o_i} - \\mu_{o_i})'\\Sigma_{o_i}^{-1}(y_{o_i} - \\mu_{o_i})\\right],

computed per missing-data pattern from the pattern's means and covariances. The model has a
mean structure (intercepts free, factor means 0). The test compares with the saturated model
(unrestricted means and covariances per group, estimated by the EM algorithm):
:math:`\\chi^2 = 2(\\log L_1 - \\log L_0)`; the baseline model has free means and variances
only. Standard errors come from the observed information (the Hessian of
:math:`-\\log L`), lavaan's default with missing data.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import optimize

from ...errors import AnalysisError
from .assemble import assemble_result
from .engine import _Engine, _start_values
from .fit import cfi, chi2_pvalue, rmsea, rmsea_ci, rmsea_pvalue, srmr_bentler, tli
from .optimiser import _optimise
from .robust_fiml import fiml_robust_indices, robust_fiml
from .specification import _ALPHA, _NU, SINGLE_GROUP, _build_spec

__all__ = ["fit_fiml", "saturated_em"]

_EM_TOL = 1e-10
_EM_MAX_ITER = 5000


class _Patterns:
    """Respondents grouped by which items they answered, and the patterns grouped by how many
    items they answered (so each group is one batch of equally sized matrices): per batch the
    observed and missing item indices (patterns x k), counts, means and biased covariances."""

    def __init__(self, y: np.ndarray):
        answered = ~np.isnan(y)
        keep = answered.any(axis=1)
        self.y, self.answered = y[keep], answered[keep]
        self.n, self.p = self.y.shape
        keys, inverse = np.unique(self.answered, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        self.batches = []
        sizes = keys.sum(axis=1)
        for k in np.unique(sizes):
            which = np.flatnonzero(sizes == k)
            obs = np.array([np.flatnonzero(keys[w]) for w in which])
            mis = np.array([np.flatnonzero(~keys[w]) for w in which]).reshape(len(which), self.p - k)
            counts, means, covs = [], [], []
            for w, o in zip(which, obs):
                rows = self.y[inverse == w][:, o]
                mean = rows.mean(axis=0)
                counts.append(len(rows))
                means.append(mean)
                covs.append((rows - mean).T @ (rows - mean) / len(rows))
            self.batches.append((obs, mis, np.array(counts, float), np.array(means), np.array(covs)))

    def evaluate(self, sigma, mu, *, derivatives=True):
        """logL and (optionally) d(-logL)/dSigma (p x p) and d(-logL)/dmu, batch by batch."""
        logl = 0.0
        g_sigma = np.zeros((self.p, self.p))
        g_mu = np.zeros(self.p)
        for obs, _, cnt, m, s in self.batches:
            so = sigma[obs[:, :, None], obs[:, None, :]]
            sign, logdet = np.linalg.slogdet(so)
            if np.any(sign <= 0):
                raise np.linalg.LinAlgError("not positive definite")
            inv = np.linalg.inv(so)
            d = m - mu[obs]
            scat = s + d[:, :, None] * d[:, None, :]
            inner = np.einsum("bij,bji->b", inv, scat)
            logl -= float(np.sum(cnt / 2 * (obs.shape[1] * math.log(2 * math.pi) + logdet + inner)))
            if derivatives:
                g = cnt[:, None, None] / 2 * (inv - inv @ scat @ inv)
                np.add.at(g_sigma, (obs[:, :, None], obs[:, None, :]), g)
                np.add.at(g_mu, obs, -cnt[:, None] * np.einsum("bij,bj->bi", inv, d))
        return logl, g_sigma, g_mu

    def loglik(self, sigma, mu) -> float:
        return self.evaluate(sigma, mu, derivatives=False)[0]


def saturated_em(patterns: _Patterns):
    """Unrestricted ML means and covariances with missing values, by the EM algorithm."""
    y, answered = patterns.y, patterns.answered
    mu = np.nanmean(np.where(answered, y, np.nan), axis=0)
    sigma = np.diag(np.nanvar(np.where(answered, y, np.nan), axis=0))
    n, p = patterns.n, patterns.p
    for _ in range(_EM_MAX_ITER):
        t1 = np.zeros(p)
        t2 = np.zeros((p, p))
        for obs, mis, cnt, m, s in patterns.batches:
            sum_o = cnt[:, None] * m
            cross_oo = cnt[:, None, None] * (s + m[:, :, None] * m[:, None, :])
            np.add.at(t1, obs, sum_o)
            np.add.at(t2, (obs[:, :, None], obs[:, None, :]), cross_oo)
            if mis.shape[1] == 0:
                continue
            s_oo = sigma[obs[:, :, None], obs[:, None, :]]
            s_om = sigma[obs[:, :, None], mis[:, None, :]]
            beta = np.swapaxes(np.linalg.solve(s_oo, s_om), 1, 2)                     # b x m x o
            cond = sigma[mis[:, :, None], mis[:, None, :]] - beta @ s_om
            shift = mu[mis] - np.einsum("bmo,bo->bm", beta, mu[obs])
            sum_m = cnt[:, None] * shift + np.einsum("bmo,bo->bm", beta, sum_o)
            cross_om = sum_o[:, :, None] * shift[:, None, :] + cross_oo @ np.swapaxes(beta, 1, 2)
            outer_os = sum_o[:, :, None] * shift[:, None, :]
            cross_mm = (cnt[:, None, None] * (shift[:, :, None] * shift[:, None, :] + cond)
                        + beta @ outer_os + np.swapaxes(beta @ outer_os, 1, 2)
                        + beta @ cross_oo @ np.swapaxes(beta, 1, 2))
            np.add.at(t1, mis, sum_m)
            np.add.at(t2, (obs[:, :, None], mis[:, None, :]), cross_om)
            np.add.at(t2, (mis[:, :, None], obs[:, None, :]), np.swapaxes(cross_om, 1, 2))
            np.add.at(t2, (mis[:, :, None], mis[:, None, :]), cross_mm)
        mu_new = t1 / n
        sigma_new = t2 / n - np.outer(mu_new, mu_new)
        change = max(np.abs(mu_new - mu).max(), np.abs(sigma_new - sigma).max())
        mu, sigma = mu_new, (sigma_new + sigma_new.T) / 2
        if change < _EM_TOL:
            break
    return sigma, mu


def _mean_structure_spec(terms, std_lv):
    """The single-group specification plus free intercepts and factor means fixed at 0."""
    spec = _build_spec(terms, 1, std_lv=std_lv, equal=())
    p, m = spec.p, spec.m
    kind = np.concatenate([spec.kind, np.full(p, _NU), np.full(m, _ALPHA)])
    row = np.concatenate([spec.row, np.arange(p), np.arange(m)])
    zeros = np.zeros(p + m, dtype=int)
    xidx = np.concatenate([spec.xidx, spec.n_free + np.arange(p), np.full(m, -1)])
    value = np.concatenate([spec.value, np.full(p, np.nan), np.zeros(m)])
    return replace(spec, meanstructure=True, kind=kind, group=np.concatenate([spec.group, zeros]), row=row,
                   col=np.concatenate([spec.col, zeros]), xidx=xidx, value=value,
                   label=list(spec.label) + [""] * (p + m), n_free=spec.n_free + p)


def _objective(engine: _Engine, groups: list[_Patterns], x):
    """-logL / N (summed over groups) and its gradient for the free parameters."""
    spec = engine.spec
    n = sum(pat.n for pat in groups)
    total = 0.0
    grad = np.zeros(spec.n_free)
    for g, pat in enumerate(groups):
        mats = engine.matrices(x, g)
        sigma, mu = engine.moments(mats)
        try:
            logl, g_sigma, g_mu = pat.evaluate(sigma, mu)
        except (np.linalg.LinAlgError, ValueError):
            return math.inf, np.zeros(spec.n_free)
        total -= logl
        idx = engine.groups[g]["free"]
        a, b, dmu = engine._ab(mats, spec.kind[idx], spec.row[idx], spec.col[idx])
        ge = 2.0 * np.einsum("kp,kp->k", a @ g_sigma, b) + dmu @ g_mu
        np.add.at(grad, spec.xidx[idx], ge)
    return total / n, grad / n


def _hessian(engine, groups, x, h=1e-5):
    """Observed information: central differences of the analytic gradient of -logL (with complete data
    the engine's gradient of F_ML / 2 on the sample moments, the same function).

    Parameters of different groups do not interact, so one parameter of each group is moved at once
    (parameters shared by groups, through equality constraints, one at a time): about G times fewer
    gradient evaluations, the same matrix."""
    complete = all(pat.answered.all() for pat in groups)

    def gradient(v):
        return 0.5 * engine.objective(v)[1] if complete else _objective(engine, groups, v)[1]

    shared, own = _parameter_owners(engine.spec, len(x))
    group_of = {j: g for g, rows in enumerate(own) for j in rows}
    k = len(x)
    hess = np.zeros((k, k))
    batches = [[j] for j in shared] + [[lst[i] for lst in own if i < len(lst)]
                                       for i in range(max(map(len, own), default=0))]
    for batch in batches:
        e = np.zeros(k)
        e[batch] = h
        diff = (gradient(x + e) - gradient(x - e)) / (2 * h)
        if batch[0] in shared or len(batch) == 1:
            hess[:, batch[0]] = diff
            continue
        for j in batch:
            rows = own[group_of[j]]
            hess[rows, j] = diff[rows]
    hess[np.ix_(shared, range(k))] = hess[np.ix_(range(k), shared)].T
    return (hess + hess.T) / 2 * sum(pat.n for pat in groups)


def _parameter_owners(spec, k):
    """Free parameters shared by several groups, and per group the parameters only it has."""
    owners = [set(spec.group[spec.xidx == j].tolist()) for j in range(k)]
    shared = [j for j, o in enumerate(owners) if len(o) > 1]
    own = [[j for j, o in enumerate(owners) if o == {g}] for g in range(spec.n_groups)]
    return shared, own


def _group_patterns(df, observed, group, labels=None):
    """Per group (lavaan's order: first appearance, or ``labels``) the missing-data patterns of its
    respondents."""
    y = df[observed].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if group is None:
        return [SINGLE_GROUP], [_Patterns(y)]
    if group not in df.columns:
        raise AnalysisError(f"Groeperingsvariabele '{group}' staat niet in de data.")
    col = df[group]
    if labels is None:
        labels = list(pd.unique(col[col.notna()].astype(str)))
    values = col.astype(str).to_numpy()
    known = col.notna().to_numpy()
    return labels, [_Patterns(y[known & (values == lab)]) for lab in labels]


def fit_fiml(df: pd.DataFrame, terms, observed, model, *, group=None, equal=(), std_lv: bool = False,
             robust: bool = False, labels=None, missing: str = "fiml"):
    """CFA by FIML (see the module docstring), single- or multi-group; returns a CFAResult.

    ``robust`` adds MLR's Huber-White standard errors, Yuan-Bentler test and scaled and robust fit
    indices (:mod:`.robust_fiml`). ``missing="listwise"`` says the caller passed complete rows only
    (multi-group MLR with listwise deletion: the same likelihood, complete-data robust indices);
    ``labels`` fixes the group order.
    """
    labels, groups = _group_patterns(df, observed, group, labels)
    p = len(observed)
    for lab, pat in zip(labels, groups):
        where = f" in groep '{lab}'" if group is not None else ""
        if pat.n <= p:
            raise AnalysisError(f"Er zijn {pat.n} respondenten met minstens één antwoord{where}; te weinig voor "
                                f"{p} items.")
        for j in np.flatnonzero(pat.answered.sum(axis=0) < 2):
            raise AnalysisError(f"Item '{observed[j]}' is{where} door minder dan twee respondenten beantwoord; "
                                "FIML kan dan niet.")
    saturated = [saturated_em(pat) for pat in groups]
    spec = _mean_structure_spec(terms, std_lv) if group is None else _build_spec(
        terms, len(groups), std_lv=std_lv, equal=equal)
    counts = np.array([pat.n for pat in groups])
    engine = _Engine(spec, saturated, counts / counts.sum())
    x, converged, iterations = _maximise(engine, groups, _start_values(spec, saturated, std_lv))
    hess = _hessian(engine, groups, x)
    try:
        vcov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        raise AnalysisError("Het FIML-model is niet geïdentificeerd (singuliere informatiematrix).") from None
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    fit = _fit_measures(engine, groups, x, saturated, converged, iterations)
    fit["missing"] = missing
    if robust:
        se, extra = robust_fiml(engine, groups, x, hess, saturated, fit)
        fit.update(extra)
    elif missing == "fiml":
        fit.update(fiml_robust_indices(engine, groups, x, saturated, fit))
    return assemble_result(model, spec, engine, x, se, fit, labels, counts, saturated, equal=tuple(equal),
                           std_lv=std_lv)


def _maximise(engine, groups, start):
    """ML by Fisher scoring on the saturated (EM) moments, then (with missing answers) BFGS on the FIML
    log-likelihood; complete data need no second step (the two likelihoods are the same). Returns the
    estimates, whether they converged and the number of iterations; raises ``_Diverged`` as
    :func:`~.optimiser._optimise`."""
    x0, _, converged, iterations = _optimise(engine, start)
    if all(pat.answered.all() for pat in groups):
        return x0, bool(converged), int(iterations)
    opt = optimize.minimize(lambda v: _objective(engine, groups, v), x0, jac=True, method="BFGS",
                            options={"gtol": 1e-9, "maxiter": 3000})
    return opt.x, bool(opt.success or np.abs(opt.jac).max() < 1e-6), int(opt.nit)


def _baseline_loglik(patterns: _Patterns) -> float:
    """Independence model with free means and variances: per item the ML normal fit of its answers."""
    total = 0.0
    for j in range(patterns.p):
        v = patterns.y[patterns.answered[:, j], j]
        total -= len(v) / 2 * (math.log(2 * math.pi) + math.log(v.var()) + 1)
    return total


def _fit_measures(engine, groups, x, saturated, converged, iterations):
    spec = engine.spec
    n, p, n_groups = sum(pat.n for pat in groups), groups[0].p, len(groups)
    implied = [engine.implied(x, g) for g in range(n_groups)]
    logl = sum(pat.loglik(sigma, mu) for pat, (sigma, mu) in zip(groups, implied))
    logl1 = sum(pat.loglik(s1, mu1) for pat, (s1, mu1) in zip(groups, saturated))
    logl0 = sum(_baseline_loglik(pat) for pat in groups)
    chi2 = 2 * (logl1 - logl)
    df = n_groups * p * (p + 3) // 2 - spec.n_free
    base_chi2, base_df = 2 * (logl1 - logl0), n_groups * p * (p - 1) // 2
    weights = [pat.n / n for pat in groups]
    return {
        "estimator": "ML", "missing": "fiml",
        "chi2": float(chi2), "df": int(df), "p": chi2_pvalue(chi2, df),
        "cfi": cfi(chi2, df, base_chi2, base_df), "tli": tli(chi2, df, base_chi2, base_df),
        "rmsea": rmsea(chi2, df, n, n_groups), "rmsea_ci": rmsea_ci(chi2, df, n, n_groups),
        "rmsea_p": rmsea_pvalue(chi2, df, n, n_groups),
        "srmr": srmr_bentler(saturated, implied, weights, True),
        "aic": float(-2 * logl + 2 * spec.n_free), "bic": float(-2 * logl + spec.n_free * math.log(n)),
        "logl": float(logl), "logl_saturated": float(logl1), "n": int(n), "npar": int(spec.n_free),
        "n_groups": n_groups, "baseline_chi2": float(base_chi2), "baseline_df": int(base_df),
        "converged": converged, "iterations": iterations,
    }
