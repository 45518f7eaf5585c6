"""CFA of ordinal items by (diagonally) weighted least squares, as
``lavaan::cfa(model, data, ordered = TRUE, estimator = "WLSMV")`` (lavaan 0.6-14).

The latent responses :math:`y^*` are standard normal and cut into the observed categories
by thresholds. The model reproduces the sample statistics
:math:`s = (\\hat\\tau, \\hat\\rho)` (thresholds and polychoric correlations, see
:mod:`.categorical`) by :math:`\\sigma(\\theta)`; DWLS minimises

.. math:: F(\\theta) = (s - \\sigma(\\theta))' W (s - \\sigma(\\theta)),
          \\qquad W = \\mathrm{diag}(\\Gamma)^{-1}.

*Delta* parameterization (lavaan's default): :math:`\\Sigma^* = \\Lambda\\Psi\\Lambda' + \\Theta`
with unit diagonal (the residual variances :math:`1 - \\mathrm{diag}(\\Lambda\\Psi\\Lambda')` are
not free) and the thresholds as parameters. *Theta*: residual variances fixed to 1, the
scale factors :math:`\\Delta_i = \\mathrm{diag}(\\Sigma)^{-1/2}` give the implied correlations
:math:`\\Delta\\Sigma\\Delta` and thresholds :math:`\\Delta_i\\tau_i`.

WLSMV adds robust standard errors (sandwich
:math:`(\\Delta'W\\Delta)^{-1}\\Delta'W\\Gamma W\\Delta(\\Delta'W\\Delta)^{-1}/N`) and the
mean-and-variance adjusted (scaled-shifted) test statistic of Asparouhov & Muthén (2010),
with CFI/TLI/RMSEA from it ("scaled") and the robust versions of Savalei (2021) ("robust").

References
----------
Muthén, B. (1984). A general structural equation model with dichotomous, ordered categorical,
and continuous latent variable indicators. *Psychometrika*, 49, 115-132.
Asparouhov, T., & Muthén, B. (2010). Simple second order chi-square correction. Mplus note.
Savalei, V. (2021). Improving fit indices in structural equation modeling with categorical
data. *Multivariate Behavioral Research*, 56, 390-407.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ...errors import AnalysisError
from .categorical import OrdinalStatistics, ordinal_statistics, pair_indices
from .fit import cfi, chi2_pvalue, rmsea, rmsea_ci, tli
from .result import CFAResult
from .specification import _LAMBDA, _PSI, _THETA, SINGLE_GROUP, CFAWarning, _build_spec, _variables
from .syntax import parse_model

__all__ = ["ESTIMATORS", "PARAMETERIZATIONS", "fit_ordinal"]

ESTIMATORS = ("WLSMV", "DWLS")
PARAMETERIZATIONS = ("delta", "theta")
_MAX_ITER = 200
_TOL = 1e-10


class _OrdinalModel:
    """Parameters and implied statistics of a single-group ordinal CFA."""

    def __init__(self, terms, stats_: OrdinalStatistics, *, std_lv: bool, parameterization: str):
        spec = _build_spec(terms, 1, std_lv=std_lv, equal=())
        self.spec, self.stats, self.theta = spec, stats_, parameterization == "theta"
        keep = (spec.kind == _LAMBDA) | (spec.kind == _PSI) | ((spec.kind == _THETA) & (spec.row != spec.col))
        self.rows = np.flatnonzero(keep)
        free = self.rows[spec.xidx[self.rows] >= 0]
        old = np.unique(spec.xidx[free])
        self.remap = {int(o): k for k, o in enumerate(old)}
        self.n_struct = len(old)
        self.n_th = len(stats_.thresholds)
        self.n_free = self.n_struct + self.n_th
        self.p, self.m = spec.p, spec.m
        self.pairs = pair_indices(self.p)
        self._fixed = [(spec.kind[r], spec.row[r], spec.col[r], spec.value[r]) for r in self.rows if spec.xidx[r] < 0]
        self._free = [(spec.kind[r], spec.row[r], spec.col[r], self.remap[int(spec.xidx[r])])
                      for r in self.rows if spec.xidx[r] >= 0]

    def matrices(self, x):
        lam, psi, theta = np.zeros((self.p, self.m)), np.zeros((self.m, self.m)), np.zeros((self.p, self.p))
        mats = {_LAMBDA: lam, _PSI: psi, _THETA: theta}
        for kind, r, c, v in self._fixed:
            mats[kind][r, c] = v
            if kind != _LAMBDA:
                mats[kind][c, r] = v
        for kind, r, c, k in self._free:
            mats[kind][r, c] = x[k]
            if kind != _LAMBDA:
                mats[kind][c, r] = x[k]
        common = lam @ psi @ lam.T
        if self.theta:
            np.fill_diagonal(theta, 1.0)
        else:
            np.fill_diagonal(theta, 1.0 - np.diag(common))
        return lam, psi, theta

    def implied(self, x):
        """Implied (thresholds, correlations in lavaan's order), and the implied Sigma*."""
        lam, psi, theta = self.matrices(x)
        sigma = lam @ psi @ lam.T + theta
        tau = x[self.n_struct:]
        if self.theta:
            scale = 1 / np.sqrt(np.diag(sigma))
            corr = sigma * np.outer(scale, scale)
            tau = tau * scale[self.stats.threshold_item]
        else:
            corr = sigma
        i, j = self.pairs
        return np.concatenate([tau, corr[j, i]]), sigma

    def jacobian(self, x):
        """d sigma / d theta (statistics x free parameters), analytic."""
        lam, psi, theta = self.matrices(x)
        sigma = lam @ psi @ lam.T + theta
        lp = lam @ psi
        p = self.p
        d_sigma = np.zeros((self.n_struct, p, p))
        for kind, r, c, k in self._free:
            if kind == _LAMBDA:
                d_sigma[k, r, :] += lp[:, c]
                d_sigma[k, :, r] += lp[:, c]
            elif kind == _PSI:
                outer = np.outer(lam[:, r], lam[:, c])
                d_sigma[k] += outer + outer.T if r != c else outer
            else:
                d_sigma[k, r, c] += 1.0
                d_sigma[k, c, r] += 1.0
        if not self.theta:                        # the diagonal is fixed at 1 by the residual variances
            idx = np.arange(p)
            d_sigma[:, idx, idx] = 0.0
        i, j = self.pairs
        jac = np.zeros((self.n_th + len(i), self.n_free))
        item = self.stats.threshold_item
        if not self.theta:
            jac[self.n_th:, :self.n_struct] = d_sigma[:, j, i].T
            jac[:self.n_th, self.n_struct:] = np.eye(self.n_th)
            return jac
        scale = 1 / np.sqrt(np.diag(sigma))
        corr = sigma * np.outer(scale, scale)
        rel = np.einsum("kii->ki", d_sigma) / np.diag(sigma)          # d sigma_ii / sigma_ii
        d_corr = d_sigma * np.outer(scale, scale) - 0.5 * corr * (rel[:, :, None] + rel[:, None, :])
        jac[self.n_th:, :self.n_struct] = d_corr[:, j, i].T
        tau = x[self.n_struct:] * scale[item]
        jac[:self.n_th, :self.n_struct] = (-0.5 * tau[None, :] * rel[:, item]).T
        jac[:self.n_th, self.n_struct:] = np.diag(scale[item])
        return jac

    def start(self):
        """Start values from the polychoric matrix: per factor the first principal axis of its
        items (standardised loadings l), scaled to the marker (or to unit factor variance);
        factor covariances 0; thresholds the sample thresholds (on the theta scale divided by
        the residual standard deviation sqrt(1 - l^2))."""
        x = np.zeros(self.n_free)
        cor = self.stats.cor
        std_load = np.full(self.p, 0.5)
        for factor in range(self.m):
            items = sorted({r for kind, r, c, _ in self._free + self._fixed if kind == _LAMBDA and c == factor})
            block = cor[np.ix_(items, items)]
            vals, vecs = np.linalg.eigh(block)
            load = vecs[:, -1] * math.sqrt(max(vals[-1] - 0.5, 0.1) if len(items) > 1 else 0.5)
            load = np.clip(load, -0.95, 0.95)
            marker = [(r, v) for kind, r, c, v in self._fixed if kind == _LAMBDA and c == factor and v != 0]
            if marker:
                r0, v0 = marker[0]
                pos = items.index(r0)
                if load[pos] < 0:
                    load = -load
                scale = load[pos] / v0 if abs(load[pos]) > 1e-3 else 1.0
            else:
                if load.sum() < 0:
                    load = -load
                scale = 1.0
            std_load[items] = load
            resid_sd = np.sqrt(1 - load**2) if self.theta else np.ones(len(items))
            for kind, r, c, k in self._free:
                if kind == _LAMBDA and c == factor:
                    x[k] = load[items.index(r)] / scale / resid_sd[items.index(r)]
                elif kind == _PSI and r == c == factor:
                    x[k] = scale**2
        x[self.n_struct:] = self.stats.thresholds
        if self.theta:
            x[self.n_struct:] /= np.sqrt(1 - std_load**2)[self.stats.threshold_item]
        return x


def _gauss_newton(model: _OrdinalModel, s, w):
    """Minimise (s - sigma)' W (s - sigma) by Gauss-Newton with step halving."""
    x = model.start()
    resid = s - model.implied(x)[0]
    f = resid @ (w * resid)
    for it in range(1, _MAX_ITER + 1):
        jac = model.jacobian(x)
        step = np.linalg.solve(jac.T @ (w[:, None] * jac), jac.T @ (w * resid))
        t = 1.0
        while t > 1e-6:
            x_new = x + t * step
            r_new = s - model.implied(x_new)[0]
            f_new = r_new @ (w * r_new)
            if np.isfinite(f_new) and f_new <= f + 1e-15:
                break
            t /= 2
        else:
            return x, f, False, it
        converged = f - f_new < _TOL * max(1.0, f) and np.max(np.abs(t * step)) < 1e-7
        x, f, resid = x_new, f_new, r_new
        if converged:
            return x, f, True, it
    return x, f, False, _MAX_ITER


def _scaled_shifted(t, df, w, jac, gamma, bread):
    """lavaan's "scaled.shifted" test: T' = a T + b with a = sqrt(df / tr((UG)^2)),
    b = df - a tr(UG), U = W - W D (D'WD)^-1 D'W."""
    wd = w[:, None] * jac
    u = np.diag(w) - wd @ bread @ wd.T
    ug = u @ gamma
    tr1, tr2 = float(np.trace(ug)), float(np.sum(ug * ug.T))
    a = math.sqrt(df / tr2)
    b = df - a * tr1
    return a * t + b, 1 / a, b


def fit_ordinal(df: pd.DataFrame, model, *, std_lv: bool = False, estimator: str = "WLSMV",
                parameterization: str = "delta") -> CFAResult:
    """Fit a single-group CFA of ordinal items by DWLS/WLSMV (see the module docstring).

    Rows with a missing answer on a model item are dropped (lavaan's listwise default).
    Returns a :class:`CFAResult` whose ``fit`` has lavaan's names for the robust statistics:
    ``chi2_scaled``, ``df_scaled``, ``p_scaled``, ``scaling_factor``, ``shift``,
    ``cfi_scaled``, ``tli_scaled``, ``rmsea_scaled``, ``rmsea_ci_scaled``, ``baseline_chi2_scaled``,
    ``cfi_robust``, ``tli_robust``, ``rmsea_robust`` (NaN, as lavaan's NA, when the polychoric
    matrix is not positive definite).
    """
    if estimator not in ESTIMATORS:
        raise AnalysisError(f"Schatter '{estimator}' bestaat niet voor ordinale items; kies uit "
                            f"{', '.join(ESTIMATORS)}.")
    if parameterization not in PARAMETERIZATIONS:
        raise AnalysisError(f"parameterization moet 'delta' of 'theta' zijn, niet {parameterization!r}.")
    terms = parse_model(model)
    observed, latent = _variables(terms)
    absent = [v for v in observed if v not in df.columns]
    if absent:
        raise AnalysisError(f"Deze items uit het model staan niet in de data: {', '.join(absent)}.")
    data = df[observed].apply(pd.to_numeric, errors="coerce").dropna()
    _check_categories(data, observed)
    st = ordinal_statistics(data, observed)
    mod = _OrdinalModel(terms, st, std_lv=std_lv, parameterization=parameterization)
    s = st.statistics
    w = 1 / np.diag(st.gamma)
    x, f, converged, iterations = _gauss_newton(mod, s, w)
    if not converged:
        warnings.warn("Het ordinale CFA-model is niet geconvergeerd; de schattingen zijn onbetrouwbaar.",
                      CFAWarning, stacklevel=3)
    n = st.n
    jac = mod.jacobian(x)
    info = jac.T @ (w[:, None] * jac)
    try:
        bread = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise AnalysisError("Het ordinale model is niet geïdentificeerd (singuliere informatiematrix).") from None
    wd = w[:, None] * jac
    if estimator == "WLSMV":
        vcov = bread @ (wd.T @ st.gamma @ wd) @ bread / (n - 1)
    else:
        vcov = bread / (n - 1)
    fit = _fit_indices(mod, st, x, f, w, jac, bread, estimator, converged, iterations)
    params = _parameter_table(mod, x, np.sqrt(np.clip(np.diag(vcov), 0, None)), observed, latent)
    return _result(model, mod, x, params, fit, observed, latent, n, std_lv, estimator)


def _check_categories(data: pd.DataFrame, observed):
    if len(data) < 2 * len(observed):
        raise AnalysisError(f"Na weglaten van onvolledige rijen zijn er {len(data)} waarnemingen; te weinig voor "
                            f"een ordinale CFA met {len(observed)} items.")
    for v in observed:
        values = data[v].to_numpy()
        if not np.all(values == np.round(values)):
            raise AnalysisError(f"Item '{v}' heeft antwoorden die geen hele getallen zijn; een ordinale CFA vraagt "
                                "antwoordcategorieën.")
        counts = data[v].value_counts()
        if len(counts) > 10:
            raise AnalysisError(f"Item '{v}' heeft {len(counts)} verschillende antwoorden; dat is geen ordinaal item.")


def _fit_indices(mod, st, x, f, w, jac, bread, estimator, converged, iterations):
    n = st.n
    df_ = len(st.statistics) - mod.n_free
    chi2 = (n - 1) * f
    corr = st.statistics[mod.n_th:]
    base_chi2 = (n - 1) * float(np.sum(w[mod.n_th:] * corr**2))
    base_df = len(corr)
    implied, sigma = mod.implied(x)
    resid = (st.statistics - implied)[mod.n_th:]
    fit = {
        "estimator": estimator, "chi2": float(chi2), "df": int(df_), "p": chi2_pvalue(chi2, df_),
        "cfi": cfi(chi2, df_, base_chi2, base_df), "tli": tli(chi2, df_, base_chi2, base_df),
        "rmsea": rmsea(chi2, df_, n - 1), "rmsea_ci": rmsea_ci(chi2, df_, n - 1),
        "aic": math.nan, "bic": math.nan,
        "srmr": math.sqrt(float(np.sum(resid**2)) / (st.cor.shape[0] * (st.cor.shape[0] + 1) / 2)),
        "n": int(n), "npar": int(mod.n_free), "n_groups": 1,
        "baseline_chi2": base_chi2, "baseline_df": int(base_df),
        "converged": bool(converged), "iterations": int(iterations),
    }
    if estimator == "WLSMV" and df_ > 0:
        t_ss, scale, shift = _scaled_shifted(chi2, df_, w, jac, st.gamma, bread)
        jac0 = np.zeros((len(w), mod.n_th))
        jac0[:mod.n_th] = np.eye(mod.n_th)
        bread0 = np.linalg.inv(jac0.T @ (w[:, None] * jac0))
        b_ss, _, _ = _scaled_shifted(base_chi2, base_df, w, jac0, st.gamma, bread0)
        fit.update({
            "chi2_scaled": float(t_ss), "df_scaled": int(df_), "p_scaled": chi2_pvalue(t_ss, df_),
            "scaling_factor": float(scale), "shift": float(shift),
            "baseline_chi2_scaled": float(b_ss),
            "cfi_scaled": cfi(t_ss, df_, b_ss, base_df), "tli_scaled": tli(t_ss, df_, b_ss, base_df),
            "rmsea_scaled": rmsea(t_ss, df_, n - 1), "rmsea_ci_scaled": rmsea_ci(t_ss, df_, n - 1),
        })
        fit.update(_robust_indices(mod, st, x, w, jac, bread, df_))
    return fit


def _robust_indices(mod, st, x, w, jac, bread, df_):
    """lavaan's robust CFI/TLI/RMSEA for categorical data (Savalei, 2021; ``lav_fit_catml_dwls``):
    the ML discrepancy of the DWLS solution against the polychoric matrix, T = N F_ML, with the
    correction c = tr(U'VU Gamma)/df, U = I - D E^-1 D'W (correlation part), V the normal-theory
    information of a correlation structure; the baseline uses c0 = tr(Gamma)/df0. NaN (as lavaan's
    NA) when the polychoric matrix is not positive definite."""
    nan = {"cfi_robust": math.nan, "tli_robust": math.nan, "rmsea_robust": math.nan}
    r = st.cor
    if np.linalg.eigvalsh(r)[0] < math.sqrt(np.finfo(float).eps):
        return nan
    _, sigma = mod.implied(x)
    scale = 1 / np.sqrt(np.diag(sigma))
    sigma = sigma * np.outer(scale, scale)
    a = np.linalg.inv(sigma)
    p = r.shape[0]
    logdet_r = np.linalg.slogdet(r)[1]
    t3 = st.n * (np.linalg.slogdet(sigma)[1] + np.sum(r * a) - logdet_r - p)
    i, j = mod.pairs
    v = a[np.ix_(i, i)] * a[np.ix_(j, j)] + a[np.ix_(i, j)] * a[np.ix_(j, i)]
    n_th = mod.n_th
    wc, gc, dc = w[n_th:], st.gamma[n_th:, n_th:], jac[n_th:]
    wiu = np.eye(len(wc)) - dc @ bread @ (dc.T * wc)
    c3 = float(np.trace(wiu.T @ v @ wiu @ gc)) / df_
    t3_null = -st.n * logdet_r
    df_null = len(wc)
    c3_null = float(np.trace(gc)) / df_null
    n = st.n - 1
    return {"cfi_robust": _cfi_c(t3, df_, t3_null, df_null, c3, c3_null),
            "tli_robust": _tli_c(t3, df_, t3_null, df_null, c3, c3_null),
            "rmsea_robust": math.sqrt(max(t3 / n / df_ - c3 / n, 0.0))}


def _cfi_c(x2, df, x2_null, df_null, c, c_null):
    """lavaan's ``lav_fit_cfi`` with correction factors c, c0."""
    t1 = max(x2 - c * df, 0.0)
    t2 = max(x2 - c * df, x2_null - c_null * df_null, 0.0)
    if math.isclose(t1, 0.0, abs_tol=1.5e-8) and math.isclose(t2, 0.0, abs_tol=1.5e-8):
        return 1.0
    return 1.0 - t1 / t2


def _tli_c(x2, df, x2_null, df_null, c, c_null):
    """lavaan's ``lav_fit_tli`` with correction factors c, c0."""
    t1 = (x2 - c * df) * df_null
    t2 = (x2_null - c_null * df_null) * df
    return 1.0 - t1 / t2 if df > 0 and abs(t2) > 0 else 1.0


def _parameter_table(mod, x, se, observed, latent):
    spec = mod.spec
    lam, psi, theta = mod.matrices(x)
    rows = []
    for r in mod.rows:
        i = spec.row[r]
        k = mod.remap.get(int(spec.xidx[r])) if spec.xidx[r] >= 0 else None
        est = x[k] if k is not None else spec.value[r]
        lhs, op, rhs = spec.names(r)
        rows.append((lhs, op, rhs, k is not None, est, se[k] if k is not None else 0.0))
    for i in range(mod.p):
        if not mod.theta:
            rows.append((observed[i], "~~", observed[i], False, theta[i, i], 0.0))
        else:
            rows.append((observed[i], "~~", observed[i], False, 1.0, 0.0))
    item = mod.stats.threshold_item
    for t in range(mod.n_th):
        cut = int(np.sum(item[:t] == item[t])) + 1
        rows.append((observed[item[t]], "|", f"t{cut}", True, x[mod.n_struct + t], se[mod.n_struct + t]))
    params = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "free", "est", "se"])
    with np.errstate(invalid="ignore", divide="ignore"):
        params["z"] = np.where(params["free"], params["est"] / params["se"], np.nan)
    params["p"] = np.where(params["free"], 2 * stats.norm.sf(np.abs(params["z"])), np.nan)
    params["std_all"] = _std_all(mod, x, params, observed, latent)
    params.insert(3, "group", SINGLE_GROUP)
    params.insert(4, "label", "")
    return params


def _std_all(mod, x, params, observed, latent):
    lam, psi, theta = mod.matrices(x)
    sigma = lam @ psi @ lam.T + theta
    sd_ov = np.sqrt(np.diag(sigma))
    sd_lv = np.sqrt(np.diag(psi))
    ov = {v: i for i, v in enumerate(observed)}
    lv = {v: i for i, v in enumerate(latent)}
    out = []
    for lhs, op, rhs, est in zip(params["lhs"], params["op"], params["rhs"], params["est"]):
        if op == "=~":
            out.append(est * sd_lv[lv[lhs]] / sd_ov[ov[rhs]])
        elif op == "~~" and lhs in lv:
            out.append(est / (sd_lv[lv[lhs]] * sd_lv[lv[rhs]]))
        elif op == "~~" and lhs == rhs:
            out.append(est / sd_ov[ov[lhs]] ** 2)
        elif op == "~~":               # residual covariance: standardised by the residual variances
            out.append(est / math.sqrt(theta[ov[lhs], ov[lhs]] * theta[ov[rhs], ov[rhs]]))
        else:
            out.append(est / sd_ov[ov[lhs]])
    return out


def _result(model, mod, x, params, fit, observed, latent, n, std_lv, estimator):
    lam, psi, theta = mod.matrices(x)
    sigma = lam @ psi @ lam.T + theta
    lo = params[params["op"] == "=~"].rename(columns={"lhs": "factor", "rhs": "item", "est": "estimate"})
    loadings = lo.set_index(["factor", "item"])[["estimate", "se", "z", "p", "std_all", "free"]]
    sd = np.sqrt(np.diag(psi))
    corr = pd.DataFrame(psi / np.outer(sd, sd), index=latent, columns=latent).rename_axis(index="factor")
    syntax = model if isinstance(model, str) else "\n".join(f"{f} =~ {' + '.join(v)}" for f, v in model.items())
    return CFAResult(
        model=syntax.strip(), fit=fit, loading_table=loadings, parameters=params, factor_correlations=corr,
        modification_indices=pd.DataFrame(columns=["lhs", "op", "rhs", "mi", "epc", "sepc_all"]),
        implied_cov={SINGLE_GROUP: pd.DataFrame(sigma, index=observed, columns=observed)},
        implied_mean={SINGLE_GROUP: pd.Series(np.zeros(len(observed)), index=observed)},
        groups=(SINGLE_GROUP,), n_obs={SINGLE_GROUP: int(n)}, std_lv=std_lv,
    )
