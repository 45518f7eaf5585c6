"""Multi-group CFA of ordinal items by DWLS/WLSMV (delta parameterization), as
``lavaan::cfa(model, data, ordered = TRUE, group = , group.equal = )`` (lavaan 0.6-14), and the
model builder behind the Wu & Estabrook (2016) invariance steps of :mod:`.ordinal_invariance`.

Per group g the latent responses :math:`y^*` have covariance
:math:`\\Sigma^*_g = \\Lambda_g\\Psi_g\\Lambda_g' + \\Theta_g` and mean
:math:`\\mu^*_g = \\nu_g + \\Lambda_g\\alpha_g`; with the scale factors :math:`\\Delta_g` (lavaan's
``~*~``) the model reproduces the group's polychoric correlations and thresholds as

.. math:: \\rho_{ij} = \\Delta_i\\Delta_j\\Sigma^*_{ij}, \\qquad
          \\tau^{obs}_{ik} = \\Delta_i(\\tau_{ik} - \\mu^*_i),

the residual variances following from :math:`\\mathrm{diag}(\\Sigma^*) = \\Delta^{-2}` (delta
parameterization). DWLS minimises :math:`\\sum_g (N_g - 1)(s_g - \\sigma_g)'W_g(s_g - \\sigma_g)`,
which is also the test statistic :math:`T` (lavaan's :math:`2 N_g F_g` with
:math:`F_g = \\tfrac{N_g - 1}{2N_g}(s_g-\\sigma_g)'W_g(s_g-\\sigma_g)`).

Identification (lavaan's defaults for ``ordered = TRUE`` with groups): intercepts
:math:`\\nu = 0`; in the first group :math:`\\Delta = 1` and :math:`\\alpha = 0`; in later groups
:math:`\\Delta` and :math:`\\alpha` are free once the thresholds are equal ("thresholds" in
``group.equal``), and fixed (1, 0) otherwise.

References
----------
Muthén, B. (1984). A general structural equation model with dichotomous, ordered categorical,
and continuous latent variable indicators. *Psychometrika*, 49, 115-132.
Wu, H., & Estabrook, R. (2016). Identification of confirmatory factor analysis models of
different levels of invariance for ordered categorical outcomes. *Psychometrika*, 81, 1014-1045.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ...errors import AnalysisError
from .categorical import OrdinalStatistics, ordinal_statistics, pair_indices
from .fit import cfi, chi2_pvalue, rmsea, rmsea_ci, tli
from .ordinal import _gauss_newton
from .result import CFAResult
from .specification import _ALPHA, _LAMBDA, _NU, _PSI, _THETA, CFAWarning, _SpecBuilder, _variables
from .syntax import parse_model

__all__ = ["ORDINAL_EQUAL", "OrdinalGroupData", "fit_ordinal_groups", "ordinal_group_data"]

_TAU, _DELTA = 5, 6
#: group.equal options for ordinal items
ORDINAL_EQUAL = ("thresholds", "loadings", "intercepts")
#: fewer people than this in an answer category of one group gives a warning (a rule of thumb: the
#: category's threshold then rests on a handful of answers)
SPARSE_CATEGORY = 5
_MAX_ITER = 300
_TOL = 1e-11


@dataclass(frozen=True)
class OrdinalGroupData:
    """Per group (lavaan's order: first appearance) the sample statistics of the model's items."""

    labels: tuple[str, ...]
    stats: tuple[OrdinalStatistics, ...]
    warnings: tuple[str, ...] = ()

    @property
    def counts(self) -> np.ndarray:
        return np.array([st.n for st in self.stats], dtype=float)


def ordinal_group_data(df: pd.DataFrame, observed: list[str], group: str) -> OrdinalGroupData:
    """Listwise-complete rows per group and their thresholds, polychoric correlations and Gamma.

    Raises a Dutch :class:`AnalysisError` when an item has an empty answer category in a group
    (lavaan: "some categories of variable ... are empty in group ..."): its thresholds cannot be
    compared across groups. Warns (:class:`CFAWarning`, Dutch; also kept in ``warnings``) when a
    category has fewer than :data:`SPARSE_CATEGORY` people in a group.
    """
    absent = [v for v in observed + [group] if v not in df.columns]
    if absent:
        raise AnalysisError(f"Deze kolommen staan niet in de data: {', '.join(absent)}.")
    items = df[observed].apply(pd.to_numeric, errors="coerce")
    keep = items.notna().all(axis=1) & df[group].notna()
    items, groups = items[keep], df.loc[keep, group].astype(str)
    _check_ordinal_values(items, observed)
    labels = tuple(pd.unique(groups))
    if len(labels) < 2:
        raise AnalysisError(f"Groeperingsvariabele '{group}' heeft maar één groep met volledige antwoorden.")
    counts = _category_counts(items, groups, labels, observed)
    _check_empty_categories(counts, labels, group)
    sparse = _sparse_categories(counts, labels, group)
    if sparse:
        warnings.warn(sparse, CFAWarning, stacklevel=3)
    out = []
    for lab in labels:
        part = items[groups.to_numpy() == lab]
        if len(part) < 2 * len(observed):
            raise AnalysisError(f"In groep '{lab}' zijn {len(part)} volledige waarnemingen; te weinig voor een "
                                f"ordinale CFA met {len(observed)} items.")
        out.append(ordinal_statistics(part, observed))
    return OrdinalGroupData(labels, tuple(out), (sparse,) if sparse else ())


def _check_ordinal_values(items: pd.DataFrame, observed) -> None:
    for v in observed:
        values = items[v].to_numpy()
        if not np.all(values == np.round(values)):
            raise AnalysisError(f"Item '{v}' heeft antwoorden die geen hele getallen zijn; een ordinale CFA vraagt "
                                "antwoordcategorieën.")
        if items[v].nunique() > 10:
            raise AnalysisError(f"Item '{v}' heeft {items[v].nunique()} verschillende antwoorden; dat is geen "
                                "ordinaal item.")


def _category_counts(items, groups, labels, observed) -> dict:
    """Per item its answer values and the groups x answers table of counts."""
    group_codes = pd.Index(labels).get_indexer(groups)
    out = {}
    for v in observed:
        levels, codes = np.unique(items[v].to_numpy(), return_inverse=True)
        table = np.zeros((len(labels), len(levels)), dtype=int)
        np.add.at(table, (group_codes, codes), 1)
        out[v] = (levels, table)
    return out


def _check_empty_categories(counts: dict, labels, group) -> None:
    """Every answer category of an item must occur in every group (as lavaan demands)."""
    problems = [f"'{v}' in groep '{lab}' (antwoord {', '.join(_category(c) for c in levels[table[g] == 0])} "
                "komt niet voor)"
                for v, (levels, table) in counts.items() for g, lab in enumerate(labels) if (table[g] == 0).any()]
    if problems:
        raise AnalysisError(
            f"Een ordinale CFA over '{group}' kan niet: bij deze items is in een groep een antwoordcategorie leeg, "
            f"zodat de drempels niet over de groepen te vergelijken zijn: {'; '.join(problems[:5])}"
            f"{' (en meer)' if len(problems) > 5 else ''}. Voeg zeldzame antwoordcategorieën samen (bijvoorbeeld 1 en "
            "2), voeg kleine groepen samen, of laat het item weg.")


def _sparse_categories(counts: dict, labels, group) -> str | None:
    """A Dutch warning when an answer category has fewer than :data:`SPARSE_CATEGORY` people in a group."""
    sparse = [f"'{v}' in '{lab}' (antwoord {_category(levels[k])}: {table[g, k]})"
              for v, (levels, table) in counts.items() for g, lab in enumerate(labels)
              for k in np.flatnonzero(table[g] < SPARSE_CATEGORY)]
    if not sparse:
        return None
    return (f"Bij {len(sparse)} combinaties van item, groep ('{group}') en antwoord hebben minder dan "
            f"{SPARSE_CATEGORY} personen dat antwoord gegeven, bijvoorbeeld {'; '.join(sparse[:3])}; de drempels (en "
            "de toets op gelijke drempels) zijn daar onzeker. Overweeg zeldzame antwoordcategorieën samen te voegen.")


def _category(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# --------------------------------------------------------------------------------------------
# parameter table
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Identification:
    """Which of ν, α, Δ and the factor variances are free in the groups after the first.

    ``free_scales`` / ``free_means`` / ``free_intercepts``: Δ, α, ν free in later groups;
    ``equal`` the group.equal options (``"thresholds"``, ``"loadings"``, ``"intercepts"``). Binary
    items keep Δ = 1 while their intercepts are free (Wu & Estabrook, 2016; semTools does the same).
    """

    equal: tuple[str, ...]
    free_scales: bool
    free_means: bool
    free_intercepts: bool


def lavaan_identification(equal) -> Identification:
    """lavaan's defaults for ``cfa(ordered = TRUE, group = , group.equal = equal)``."""
    equal = tuple(equal)
    unknown = [e for e in equal if e not in ORDINAL_EQUAL]
    if unknown:
        raise AnalysisError(f"Voor ordinale items kan equal alleen {', '.join(ORDINAL_EQUAL)} bevatten, niet "
                            f"{', '.join(unknown)}.")
    if "intercepts" in equal and "thresholds" not in equal:
        raise AnalysisError("Bij ordinale items liggen de intercepten vast op 0; gelijke intercepten vragen ook "
                            "gelijke drempels: gebruik equal=('thresholds', 'loadings', 'intercepts').")
    thresholds = "thresholds" in equal
    return Identification(equal, free_scales=thresholds, free_means=thresholds, free_intercepts=False)


def _parameter_table(terms, n_th: np.ndarray, n_groups: int, std_lv: bool, ident: Identification):
    """lavaan's parameter table of an ordinal multi-group model: a :class:`_Spec` over the kinds
    Λ, Θ (off-diagonal), Ψ, ν, α, τ and Δ (rows of equal parameters share a free index)."""
    builder = _SpecBuilder(terms, n_groups, std_lv=std_lv, equal=("loadings",) if "loadings" in ident.equal else ())
    m, p = len(builder.latent), len(builder.observed)
    for g in range(n_groups):
        user = builder.user_terms(g)
        if any(k == _THETA and r == c for k, r, c in user):
            raise AnalysisError("Residuvarianties van ordinale items liggen vast (delta-parametrisatie); haal "
                                "'item ~~ item' uit het model.")
        for j in range(m):
            if (_PSI, j, j) not in user:
                builder.add(_PSI, g, j, j, None, 1.0 if builder._variances_fixed(g) else None)
        for j in range(m):
            for k in range(j):
                if (_PSI, j, k) not in user:
                    builder.add(_PSI, g, j, k, None)
        later = g > 0
        for i in range(p):
            # a binary item's scale stays 1 while its intercept is free (one threshold cannot identify both)
            scale_free = ident.free_scales and (n_th[i] > 1 or not ident.free_intercepts)
            _add(builder, _NU, g, i, free=later and ident.free_intercepts, value=0.0)
            _add(builder, _DELTA, g, i, free=later and scale_free, value=1.0)
        for j in range(m):
            _add(builder, _ALPHA, g, j, free=later and ident.free_means, value=0.0)
        for t in range(int(n_th.sum())):
            key = ("equal", _TAU, t) if "thresholds" in ident.equal else ("free", g, _TAU, t)
            builder.rows.append((_TAU, g, t, 0, True, math.nan, "", key))
    return builder.spec()


def _add(builder, kind, g, r, *, free: bool, value: float) -> None:
    if free:
        builder.rows.append((kind, g, r, 0, True, math.nan, "", ("free", g, kind, r)))
    else:
        builder.rows.append((kind, g, r, 0, False, value, "", None))


# --------------------------------------------------------------------------------------------
# implied statistics and their derivatives
# --------------------------------------------------------------------------------------------
class _GroupsModel:
    """Implied (thresholds, correlations) per group and their Jacobian for a :class:`_Spec` with τ and Δ."""

    def __init__(self, spec, data: OrdinalGroupData):
        self.spec, self.data = spec, data
        self.p, self.m = spec.p, spec.m
        self.pairs = pair_indices(self.p)
        self.th_item = data.stats[0].threshold_item
        self.n_th = len(self.th_item)
        self.rows = [np.flatnonzero(spec.group == g) for g in range(spec.n_groups)]

    def matrices(self, x, g):
        """Λ, Θ (off-diagonal), Ψ, ν, α, τ, Δ of group g."""
        p, m = self.p, self.m
        mats = [np.zeros((p, m)), np.zeros((p, p)), np.zeros((m, m)), np.zeros(p), np.zeros(m),
                np.zeros(self.n_th), np.zeros(p)]
        spec = self.spec
        for i in self.rows[g]:
            k, r, c = spec.kind[i], spec.row[i], spec.col[i]
            v = x[spec.xidx[i]] if spec.xidx[i] >= 0 else spec.value[i]
            if k in (_NU, _ALPHA, _TAU, _DELTA):
                mats[k][r] = v
            else:
                mats[k][r, c] = v
                if k != _LAMBDA:
                    mats[k][c, r] = v
        return mats

    def group_implied(self, x, g):
        """Implied statistics (thresholds, correlations in lavaan's order) of group g."""
        lam, theta, psi, nu, alpha, tau, delta = self.matrices(x, g)
        sigma = lam @ psi @ lam.T + theta
        mu = nu + lam @ alpha
        th = delta[self.th_item] * (tau - mu[self.th_item])
        i, j = self.pairs
        return np.concatenate([th, (np.outer(delta, delta) * sigma)[j, i]])

    def implied(self, x):
        """All groups' implied statistics stacked (and None: the interface of the Gauss-Newton loop)."""
        return np.concatenate([self.group_implied(x, g) for g in range(self.spec.n_groups)]), None

    def group_jacobian(self, x, g):
        """d sigma_g / d x (group statistics x all free parameters), analytic."""
        lam, theta, psi, nu, alpha, tau, delta = self.matrices(x, g)
        spec, p, item = self.spec, self.p, self.th_item
        sigma, lp, mu = lam @ psi @ lam.T + theta, lam @ psi, nu + lam @ alpha
        free = self.rows[g][spec.xidx[self.rows[g]] >= 0]
        d_cor = np.zeros((len(free), p, p))
        d_th = np.zeros((len(free), self.n_th))
        dd = np.outer(delta, delta)
        for k, e in enumerate(free):
            kind, r, c = spec.kind[e], spec.row[e], spec.col[e]
            if kind == _LAMBDA:
                d_cor[k, r, :] += lp[:, c] * dd[r]
                d_cor[k, :, r] += lp[:, c] * dd[r]
                d_th[k] = -delta[item] * (item == r) * alpha[c]
            elif kind == _PSI:
                outer = np.outer(lam[:, r], lam[:, c])
                d_cor[k] = dd * (outer + outer.T if r != c else outer)
            elif kind == _THETA:
                d_cor[k, r, c] = d_cor[k, c, r] = dd[r, c]
            elif kind == _NU:
                d_th[k] = -delta[item] * (item == r)
            elif kind == _ALPHA:
                d_th[k] = -delta[item] * lam[item, r]
            elif kind == _TAU:
                d_th[k, r] = delta[item[r]]
            else:                                    # scale factor Δ_r
                d_cor[k, r, :] += delta * sigma[r, :]
                d_cor[k, :, r] += delta * sigma[:, r]
                d_th[k] = (item == r) * (tau - mu[item])
        i, j = self.pairs
        local = np.hstack([d_th, d_cor[:, j, i]]).T
        jac = np.zeros((local.shape[0], spec.n_free))
        np.add.at(jac.T, spec.xidx[free], local.T)
        return jac

    def jacobian(self, x):
        return np.vstack([self.group_jacobian(x, g) for g in range(self.spec.n_groups)])

    def start(self):
        """Start values: loadings from the first principal axis of each factor's items in the groups'
        mean polychoric matrix (scaled to the marker or to unit variance), factor covariances 0,
        thresholds the (mean) sample thresholds, Δ = 1, ν = α = 0."""
        spec = self.spec
        cor = np.mean([st.cor for st in self.data.stats], axis=0)
        load, var = _principal_axis_starts(spec, cor)
        sums, counts = np.zeros(spec.n_free), np.zeros(spec.n_free)
        for e in np.flatnonzero(spec.xidx >= 0):
            kind, r, c, g = spec.kind[e], spec.row[e], spec.col[e], spec.group[e]
            if kind == _LAMBDA:
                v = load[r, c]
            elif kind == _PSI:
                v = var[r] if r == c else 0.0
            elif kind == _TAU:
                v = self.data.stats[g].thresholds[r]
            else:
                v = 1.0 if kind == _DELTA else 0.0
            sums[spec.xidx[e]] += v
            counts[spec.xidx[e]] += 1
        return sums / np.maximum(counts, 1)


def _principal_axis_starts(spec, cor):
    """Per factor: loadings (p x m) and variance from the first principal axis of its items."""
    load, var = np.zeros((spec.p, spec.m)), np.ones(spec.m)
    lam_rows = np.flatnonzero((spec.kind == _LAMBDA) & (spec.group == 0))
    for f in range(spec.m):
        rows = lam_rows[spec.col[lam_rows] == f]
        items = list(spec.row[rows])
        vals, vecs = np.linalg.eigh(cor[np.ix_(items, items)])
        std = np.clip(vecs[:, -1] * math.sqrt(max(vals[-1] - 0.5, 0.1) if len(items) > 1 else 0.5), -0.95, 0.95)
        marker = [k for k, e in enumerate(rows) if spec.xidx[e] < 0 and spec.value[e] != 0]
        if marker:
            k0 = marker[0]
            std = -std if std[k0] < 0 else std
            scale = std[k0] / spec.value[rows[k0]] if abs(std[k0]) > 1e-3 else 1.0
        else:
            std = -std if std.sum() < 0 else std
            scale = 1.0
        load[items, f] = std / scale
        var[f] = scale**2
    return load, var


# --------------------------------------------------------------------------------------------
# estimation
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrdinalGroupsFit:
    """A fitted ordinal multi-group model: what :func:`fit_ordinal_groups` turns into a
    :class:`CFAResult` and what the scaled difference test of :mod:`.ordinal_invariance` needs
    (the Jacobian and the weights at the estimates)."""

    model: _GroupsModel
    x: np.ndarray
    chi2: float
    df: int
    jacobian: np.ndarray
    weights: tuple[np.ndarray, ...]
    converged: bool
    iterations: int

    @property
    def fractions(self) -> np.ndarray:
        """N_g / N per group."""
        counts = self.model.data.counts
        return counts / counts.sum()


def estimate_groups(terms, data: OrdinalGroupData, *, std_lv: bool, ident: Identification) -> OrdinalGroupsFit:
    """DWLS estimates of an ordinal multi-group model (Gauss-Newton on the stacked statistics)."""
    n_th = np.bincount(data.stats[0].threshold_item, minlength=len(data.stats[0].items))
    spec = _parameter_table(terms, n_th, len(data.labels), std_lv, ident)
    model = _GroupsModel(spec, data)
    s = np.concatenate([st.statistics for st in data.stats])
    weights = tuple(1 / np.diag(st.gamma) for st in data.stats)
    w = np.concatenate([(st.n - 1) * wg for st, wg in zip(data.stats, weights)])
    df_ = len(s) - spec.n_free
    if df_ < 0:
        raise AnalysisError(f"Het ordinale model heeft meer vrije parameters ({spec.n_free}) dan informatie in de "
                            f"data ({len(s)}); het is niet geïdentificeerd.")
    x, f, converged, iterations = _gauss_newton(model, s, w)
    if not converged:
        warnings.warn("Het ordinale meergroepsmodel is niet geconvergeerd; de schattingen zijn onbetrouwbaar.",
                      CFAWarning, stacklevel=3)
    return OrdinalGroupsFit(model, x, float(f), int(df_), model.jacobian(x), weights, bool(converged), int(iterations))


def _information(fit: OrdinalGroupsFit) -> np.ndarray:
    """lavaan's expected information of DWLS: sum_g (N_g/N) D_g' W_g D_g."""
    info = np.zeros((len(fit.x), len(fit.x)))
    for g, rows in enumerate(_group_slices(fit)):
        d = fit.jacobian[rows]
        info += fit.fractions[g] * d.T @ (fit.weights[g][:, None] * d)
    return info


def _group_slices(fit: OrdinalGroupsFit):
    sizes = np.cumsum([0] + [len(w) for w in fit.weights])
    return [slice(a, b) for a, b in zip(sizes[:-1], sizes[1:])]


def _robust_vcov(fit: OrdinalGroupsFit, info_inv: np.ndarray) -> np.ndarray:
    """Sandwich E^-1 (sum_g f_g D'W Gamma W D) E^-1 / (N - G) (lavaan's ``se = "robust.sem"``)."""
    meat = np.zeros_like(info_inv)
    for g, rows in enumerate(_group_slices(fit)):
        wd = fit.weights[g][:, None] * fit.jacobian[rows]
        meat += fit.fractions[g] * wd.T @ fit.model.data.stats[g].gamma @ wd
    return info_inv @ meat @ info_inv / (fit.model.data.counts.sum() - len(fit.weights))


def gamma_traces(fit: OrdinalGroupsFit, middle: np.ndarray) -> tuple[float, float]:
    """tr(U Gamma) and tr((U Gamma)^2) for U = V D M D' V (V = diag W_g, Gamma = diag f_g Gamma_g),
    group by group so no (statistics x statistics) matrix over all groups is formed.

    With ``middle`` = E^-1 this gives the traces of the model test (U = V - V D E^-1 D' V, using
    tr(V Gamma) and tr((V Gamma)^2) for the first term); the difference test passes lavaan's
    P^-1 A'(A P^-1 A')^- A P^-1 (``lav_test_diff_Satorra2000``)."""
    k = np.zeros_like(middle)
    for g, rows in enumerate(_group_slices(fit)):
        wd = fit.weights[g][:, None] * fit.jacobian[rows]
        k += fit.fractions[g] * wd.T @ fit.model.data.stats[g].gamma @ wd
    mk = middle @ k
    return float(np.trace(mk)), float(np.sum(mk * mk.T))


def _model_traces(fit: OrdinalGroupsFit, info_inv: np.ndarray) -> tuple[float, float]:
    """tr(U Gamma), tr((U Gamma)^2) of the model test, U = V - V D E^-1 D' V (lavaan's
    ``lav_test_satorra_bentler_trace_original``)."""
    tr_vg = tr_vg2 = 0.0
    cross = np.zeros_like(info_inv)
    for g, rows in enumerate(_group_slices(fit)):
        w, gamma = fit.weights[g], fit.model.data.stats[g].gamma
        vg = w[:, None] * gamma
        tr_vg += float(np.trace(vg))
        tr_vg2 += float(np.sum(vg * vg.T))
        wd = w[:, None] * fit.jacobian[rows]
        gwd = gamma @ wd
        cross += fit.fractions[g] * gwd.T @ (w[:, None] * gwd)
    tr_mk, tr_mk2 = gamma_traces(fit, info_inv)
    tr1 = tr_vg - tr_mk
    tr2 = tr_vg2 - 2 * float(np.sum(info_inv * cross)) + tr_mk2
    return tr1, tr2


def scaled_shifted(fit: OrdinalGroupsFit, info_inv: np.ndarray) -> tuple[float, float, float]:
    """lavaan's scaled-shifted test (Asparouhov & Muthén, 2010): T' = a T + b with
    a = sqrt(df / tr((U Gamma)^2)), b = df - a tr(U Gamma); returns (T', 1/a, b)."""
    tr1, tr2 = _model_traces(fit, info_inv)
    a = math.sqrt(fit.df / tr2)
    b = fit.df - a * tr1
    return a * fit.chi2 + b, 1 / a, b


def _baseline(fit: OrdinalGroupsFit) -> OrdinalGroupsFit:
    """lavaan's baseline model: per group free thresholds and zero correlations."""
    stats_ = fit.model.data.stats
    n_th = len(stats_[0].thresholds)
    n_stat = len(fit.weights[0])
    jac = np.zeros((n_stat * len(stats_), n_th * len(stats_)))
    chi2 = 0.0
    for g, st in enumerate(stats_):
        jac[g * n_stat:g * n_stat + n_th, g * n_th:(g + 1) * n_th] = np.eye(n_th)
        chi2 += (st.n - 1) * float(np.sum(fit.weights[g][n_th:] * st.statistics[n_th:] ** 2))
    df0 = (n_stat - n_th) * len(stats_)
    return OrdinalGroupsFit(fit.model, np.zeros(n_th * len(stats_)), chi2, df0, jac, fit.weights, True, 0)


def _srmr(fit: OrdinalGroupsFit) -> float:
    """Per group the root mean square correlation residual over p(p+1)/2, weighted by N_g/N."""
    total = 0.0
    n_th = fit.model.n_th
    p = fit.model.p
    for g, st in enumerate(fit.model.data.stats):
        resid = (st.statistics - fit.model.group_implied(fit.x, g))[n_th:]
        total += fit.fractions[g] * math.sqrt(float(np.sum(resid**2)) / (p * (p + 1) / 2))
    return total


def fit_indices(fit: OrdinalGroupsFit, estimator: str, info_inv: np.ndarray) -> dict:
    """χ², CFI, TLI, RMSEA, SRMR and, for WLSMV, their scaled-shifted versions (lavaan's names)."""
    n, groups = int(fit.model.data.counts.sum()), len(fit.weights)
    n_rmsea = n - groups                               # lavaan: N - G for (D)WLS
    base = _baseline(fit)
    chi2, df_ = fit.chi2, fit.df
    out = {
        "estimator": estimator, "chi2": chi2, "df": df_, "p": chi2_pvalue(chi2, df_),
        "cfi": cfi(chi2, df_, base.chi2, base.df), "tli": tli(chi2, df_, base.chi2, base.df),
        "rmsea": rmsea(chi2, df_, n_rmsea, groups), "rmsea_ci": rmsea_ci(chi2, df_, n_rmsea, groups),
        "aic": math.nan, "bic": math.nan, "srmr": _srmr(fit), "n": n, "npar": len(fit.x), "n_groups": groups,
        "baseline_chi2": base.chi2, "baseline_df": base.df, "converged": fit.converged, "iterations": fit.iterations,
    }
    if estimator == "WLSMV" and df_ > 0:
        t_ss, scale, shift = scaled_shifted(fit, info_inv)
        b_ss, _, _ = scaled_shifted(base, np.linalg.inv(_information(base)))
        out.update({
            "chi2_scaled": t_ss, "df_scaled": df_, "p_scaled": chi2_pvalue(t_ss, df_), "scaling_factor": scale,
            "shift": shift, "baseline_chi2_scaled": b_ss,
            "cfi_scaled": cfi(t_ss, df_, b_ss, base.df), "tli_scaled": tli(t_ss, df_, b_ss, base.df),
            "rmsea_scaled": rmsea(t_ss, df_, n_rmsea, groups),
            "rmsea_ci_scaled": rmsea_ci(t_ss, df_, n_rmsea, groups),
        })
    return out


def _names(spec, e: int, item_of_threshold: np.ndarray) -> tuple[str, str, str]:
    """lavaan's (lhs, op, rhs) of a parameter-table row."""
    kind, r, c = spec.kind[e], spec.row[e], spec.col[e]
    ov, lv = spec.observed, spec.latent
    if kind == _TAU:
        item = item_of_threshold[r]
        cut = int(np.sum(item_of_threshold[:r] == item)) + 1
        return ov[item], "|", f"t{cut}"
    if kind == _DELTA:
        return ov[r], "~*~", ov[r]
    if kind == _NU:
        return ov[r], "~1", ""
    if kind == _ALPHA:
        return lv[r], "~1", ""
    if kind == _LAMBDA:
        return lv[c], "=~", ov[r]
    return (ov[c], "~~", ov[r]) if kind == _THETA else (lv[c], "~~", lv[r])     # lavaan's order


def _standardised(kind, r, c, est, sd_lv, sd_ov) -> float:
    """lavaan's std.all of a loading or factor (co)variance (NaN for the other rows)."""
    if kind == _LAMBDA:
        return est * sd_lv[c] / sd_ov[r]
    if kind == _PSI:
        return est / (sd_lv[r] * sd_lv[c])
    return math.nan


def parameter_frame(fit: OrdinalGroupsFit, se: np.ndarray) -> pd.DataFrame:
    """Every parameter as ``lavaan::parameterEstimates`` (lhs, op, rhs, group, label, free, est, se, z,
    p, std_all), with the derived residual variances 1/Δ² - diag(ΛΨΛ') as fixed rows."""
    spec, model, labels = fit.model.spec, fit.model, fit.model.data.labels
    rows = []
    for g, lab in enumerate(labels):
        lam, theta, psi, nu, alpha, tau, delta = model.matrices(fit.x, g)
        sd_ov, sd_lv = 1 / delta, np.sqrt(np.diag(psi))
        for e in model.rows[g]:
            k = spec.xidx[e]
            est = fit.x[k] if k >= 0 else spec.value[e]
            lhs, op, rhs = _names(spec, e, model.th_item)
            std = _standardised(spec.kind[e], spec.row[e], spec.col[e], est, sd_lv, sd_ov)
            rows.append((lhs, op, rhs, lab, spec.label[e], k >= 0, est, se[k] if k >= 0 else 0.0, std))
        common = np.diag(lam @ psi @ lam.T)
        for i, item in enumerate(spec.observed):
            resid = 1 / delta[i] ** 2 - common[i]
            rows.append((item, "~~", item, lab, "", False, resid, 0.0, resid * delta[i] ** 2))
    params = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "group", "label", "free", "est", "se", "std_all"])
    with np.errstate(invalid="ignore", divide="ignore"):
        params.insert(8, "z", np.where(params["free"], params["est"] / params["se"], np.nan))
    params.insert(9, "p", np.where(params["free"], 2 * stats.norm.sf(np.abs(params["z"])), np.nan))
    return params


def _as_result(model_text, fit: OrdinalGroupsFit, params: pd.DataFrame, fit_dict: dict, equal, std_lv) -> CFAResult:
    spec, labels = fit.model.spec, fit.model.data.labels
    lo = params[params["op"] == "=~"].rename(columns={"lhs": "factor", "rhs": "item", "est": "estimate"})
    loadings = lo.set_index(["group", "factor", "item"])[["estimate", "se", "z", "p", "std_all", "free"]]
    corr, cov, mean = {}, {}, {}
    for g, lab in enumerate(labels):
        lam, theta, psi, nu, alpha, tau, delta = fit.model.matrices(fit.x, g)
        sd = np.sqrt(np.diag(psi))
        corr[lab] = pd.DataFrame(psi / np.outer(sd, sd), index=spec.latent, columns=spec.latent)
        sigma = lam @ psi @ lam.T + theta
        np.fill_diagonal(sigma, 1 / delta**2)
        cov[lab] = pd.DataFrame(sigma, index=spec.observed, columns=spec.observed)
        mean[lab] = pd.Series(nu + lam @ alpha, index=spec.observed)
    syntax = model_text if isinstance(model_text, str) else "\n".join(
        f"{f} =~ {' + '.join(v)}" for f, v in model_text.items())
    return CFAResult(
        model=syntax.strip(), fit=fit_dict, loading_table=loadings, parameters=params,
        factor_correlations=pd.concat(corr, names=["group", "factor"]),
        modification_indices=pd.DataFrame(columns=["lhs", "op", "rhs", "group", "mi", "epc", "sepc_all"]),
        implied_cov=cov, implied_mean=mean, groups=labels,
        n_obs={lab: int(st.n) for lab, st in zip(labels, fit.model.data.stats)}, equal=tuple(equal), std_lv=std_lv,
        warnings=fit.model.data.warnings,
    )


def summarise_groups(model_text, fit: OrdinalGroupsFit, estimator: str, *, equal=(), std_lv=False) -> CFAResult:
    """Standard errors (robust for WLSMV, naive for DWLS), fit indices and the :class:`CFAResult`."""
    try:
        info_inv = np.linalg.inv(_information(fit))
    except np.linalg.LinAlgError:
        raise AnalysisError("Het ordinale meergroepsmodel is niet geïdentificeerd (singuliere informatiematrix).") \
            from None
    n_minus_g = fit.model.data.counts.sum() - len(fit.weights)
    vcov = _robust_vcov(fit, info_inv) if estimator == "WLSMV" else info_inv / n_minus_g
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    return _as_result(model_text, fit, parameter_frame(fit, se), fit_indices(fit, estimator, info_inv), equal, std_lv)


def fit_ordinal_groups(df: pd.DataFrame, model, *, group: str, equal=(), std_lv: bool = False,
                       estimator: str = "WLSMV") -> CFAResult:
    """Multi-group CFA of ordinal items by WLSMV or DWLS (delta parameterization), as lavaan.

    Parameters
    ----------
    df : pandas.DataFrame
        Answers (whole numbers, at most 10 categories per item) and the ``group`` column.
    model : str or dict
        lavaan syntax or ``{factor: [items]}``.
    group : str
        Column with the groups (lavaan's order: first appearance).
    equal : sequence of {"thresholds", "loadings", "intercepts"}
        lavaan's ``group.equal``. With "thresholds" the scale factors Δ and factor means of the
        later groups are free (lavaan's default identification).
    std_lv : bool
        Factor variances 1 (in later groups free once the loadings are equal) instead of markers.
    estimator : {"WLSMV", "DWLS"}
        WLSMV: robust standard errors and the scaled-shifted test; DWLS: the naive ones.

    Returns
    -------
    CFAResult
        ``fit`` as :func:`informeel_lib.analysis.cfa.ordinal.fit_ordinal` (without the "robust"
        indices); ``parameters`` with lavaan's rows, including thresholds ``|``, scale factors ``~*~``
        and intercepts/means ``~1`` per group.

    Raises
    ------
    AnalysisError
        Empty answer categories in a group (lavaan refuses too), too few cases, unknown options.

    Notes
    -----
    See the module docstring for the model, objective and test statistic. Standard errors:
    :math:`E^{-1} (\\sum_g f_g D_g'W_g\\Gamma_g W_g D_g) E^{-1} / (N - G)` with
    :math:`E = \\sum_g f_g D_g'W_g D_g`, :math:`f_g = N_g/N`.

    References
    ----------
    R: ``lavaan::cfa(model, data, ordered = TRUE, group = "g", group.equal = c("thresholds",
    "loadings"), estimator = "WLSMV")``.
    """
    terms = parse_model(model)
    observed, _ = _variables(terms)
    ident = lavaan_identification((equal,) if isinstance(equal, str) else equal)
    data = ordinal_group_data(df, observed, group)
    fit = estimate_groups(terms, data, std_lv=std_lv, ident=ident)
    return summarise_groups(model, fit, estimator, equal=ident.equal, std_lv=std_lv)
