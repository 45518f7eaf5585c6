"""Reliability of each factor of a fitted CFA, as ``semTools::compRelSEM`` (semTools 0.5-6).

For continuous items (ML) the reliability of factor f's sum score is the share of the observed
variance of that sum that the factor explains, :math:`(\\sum_i \\lambda_{if})^2 \\phi_{ff} /
\\mathbf 1' S_f \\mathbf 1` with :math:`S_f` the sample covariance matrix of f's items (semTools'
default ``obs.var = TRUE``). For ordinal items (WLSMV/DWLS) it is Green & Yang's (2009)
categorical omega: the same ratio for the sum of the *observed categories*, computed from the
thresholds, the model's common part :math:`\\Lambda\\Phi\\Lambda'` and the polychoric matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ...errors import AnalysisError
from ..polychoric import bivariate_normal_cdf
from .categorical import ordinal_statistics
from .engine import _prepare_data
from .estimate import cfa
from .specification import SINGLE_GROUP, _variables
from .syntax import parse_model

__all__ = ["composite_reliability"]


def composite_reliability(df: pd.DataFrame, model, *, group: str | None = None, ordered=None,
                          estimator: str | None = None, std_lv: bool = False,
                          parameterization: str = "delta"):
    """CFA-based reliability (omega) per factor, as ``semTools::compRelSEM(fit)``.

    Parameters
    ----------
    df, model, group, ordered, estimator, std_lv, parameterization
        As :func:`informeel_lib.cfa`; the model is fitted first.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        One value per factor with at least two items (single group), or a groups x factors
        table (multi-group, ML only).

    Notes
    -----
    Continuous items: :math:`\\omega_f = \\mathbf 1'\\lambda_f\\phi_{ff}\\lambda_f'\\mathbf 1 /
    \\mathbf 1' S_f \\mathbf 1` with S the sample covariance matrix (divided by N, listwise) of
    the factor's items. Ordinal items (Green & Yang, 2009):

    .. math:: \\omega_f = \\frac{\\sum_{j,j'}\\left[\\sum_{c,c'} \\Phi_2(\\tau_{jc}, \\tau_{j'c'};
              \\rho^{T}_{jj'}) - \\sum_c\\Phi(\\tau_{jc})\\sum_{c'}\\Phi(\\tau_{j'c'})\\right]}
              {\\sum_{j,j'}\\left[\\sum_{c,c'} \\Phi_2(\\tau_{jc}, \\tau_{j'c'}; r_{jj'})
              - \\sum_c\\Phi(\\tau_{jc})\\sum_{c'}\\Phi(\\tau_{j'c'})\\right]}

    with :math:`\\rho^T = \\Delta\\Lambda\\Phi\\Lambda'\\Delta` (:math:`\\Delta` the scale factors,
    1 in the delta parameterization), the estimated thresholds (times :math:`\\Delta`) and r the
    polychoric correlations. Items are not reverse-keyed (as semTools): a negative loading lowers
    omega.

    References
    ----------
    Green, S. B., & Yang, Y. (2009). Reliability of summed item scores using structural equation
    modeling: An alternative to coefficient alpha. *Psychometrika*, 74, 155-167.

    Examples
    --------
    R: ``semTools::compRelSEM(lavaan::cfa(model, data))``; ordinal
    ``compRelSEM(cfa(model, data, ordered = TRUE))``.
    """
    res = cfa(df, model, group=group, ordered=ordered, estimator=estimator, std_lv=std_lv,
              parameterization=parameterization, modification_indices=False)
    observed, latent = _variables(parse_model(model))
    params = res.parameters
    if res.fit.get("estimator", "ML") == "ML":
        samples, _, labels = _prepare_data(df, observed, group, "listwise")
        rows = {lab: _continuous(params, lab, observed, latent, s) for lab, (s, _) in zip(labels, samples)}
    else:
        data = df[observed].apply(pd.to_numeric, errors="coerce").dropna()
        stats = ordinal_statistics(data, observed)
        sigma = res.implied_cov[SINGLE_GROUP].to_numpy()
        scales = 1 / np.sqrt(np.diag(sigma)) if parameterization == "theta" else np.ones(len(observed))
        rows = {SINGLE_GROUP: _ordinal(params, observed, latent, stats, scales)}
    if len(rows) == 1:
        return pd.Series(next(iter(rows.values())), name="omega").rename_axis("factor")
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(index="group", columns="factor")


def _loadings_and_variances(params, label, observed, latent):
    sel = params["group"] == label if "group" in params else np.ones(len(params), bool)
    p = params[sel]
    lam = np.zeros((len(observed), len(latent)))
    for _, row in p[p["op"] == "=~"].iterrows():
        lam[observed.index(row["rhs"]), latent.index(row["lhs"])] = row["est"]
    var = {row["lhs"]: row["est"] for _, row in p[(p["op"] == "~~") & (p["lhs"] == p["rhs"])].iterrows()
           if row["lhs"] in latent}
    return lam, var


def _factor_items(lam, f):
    items = np.flatnonzero(lam[:, f] != 0)
    return items if len(items) > 1 else None          # semTools' dropSingle


def _continuous(params, label, observed, latent, s):
    lam, var = _loadings_and_variances(params, label, observed, latent)
    out = {}
    for f, name in enumerate(latent):
        items = _factor_items(lam, f)
        if items is None:
            continue
        common = lam[items, f].sum() ** 2 * var[name]
        out[name] = float(common / s[np.ix_(items, items)].sum())
    if not out:
        raise AnalysisError("Geen factor heeft minstens twee items; betrouwbaarheid per factor kan niet.")
    return out


def _ordinal(params, observed, latent, stats, scales):
    lam, var = _loadings_and_variances(params, SINGLE_GROUP, observed, latent)
    th = params[params["op"] == "|"]
    taus = [th.loc[th["lhs"] == item, "est"].to_numpy() * scales[k] for k, item in enumerate(observed)]
    out = {}
    for f, name in enumerate(latent):
        items = _factor_items(lam, f)
        if items is None:
            continue
        true = np.outer(lam[items, f], lam[items, f]) * var[name] * np.outer(scales[items], scales[items])
        denom = stats.cor[np.ix_(items, items)]
        out[name] = _omega_categorical(true, denom, [taus[i] for i in items])
    return out


def _omega_categorical(true, denom, taus):
    """semTools' ``omegaCat`` (Green & Yang 2009), vectorised over category pairs."""
    num = den = 0.0
    for a, ta in enumerate(taus):
        for b, tb in enumerate(taus):
            h, k = np.meshgrid(ta, tb, indexing="ij")
            margins = special.ndtr(ta).sum() * special.ndtr(tb).sum()
            num += bivariate_normal_cdf(h, k, true[a, b]).sum() - margins
            den += bivariate_normal_cdf(h, k, denom[a, b]).sum() - margins
    return float(num / den)
