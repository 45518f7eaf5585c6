"""Measurement invariance of ordinal items: the Wu & Estabrook (2016) steps and lavaan's scaled
difference test for WLSMV (``lavTestLRT``, method "satorra.2000", scaled-shifted).

The steps are those of ``semTools::measEq.syntax(..., ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
parameterization = "delta")``, each adding equality constraints to the previous one:

========== ============================ ==========================================================
step        equal across groups          free in the groups after the first
========== ============================ ==========================================================
configural  nothing                      (factor means 0, variances 1, Δ = 1, ν = 0 in every group)
thresholds  thresholds                   scale factors Δ (not of binary items) and intercepts ν
loadings    + loadings                   + factor variances
intercepts  + intercepts (all ν = 0)     Δ, factor variances and factor means
========== ============================ ==========================================================

References
----------
Wu, H., & Estabrook, R. (2016). Identification of confirmatory factor analysis models of
different levels of invariance for ordered categorical outcomes. *Psychometrika*, 81, 1014-1045.
Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample analysis of moment
structures. In *Innovations in multivariate statistical analysis* (pp. 233-247). Kluwer.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg, stats

from ...errors import AnalysisError
from .ordinal_groups import (
    Identification,
    OrdinalGroupsFit,
    estimate_groups,
    gamma_traces,
    ordinal_group_data,
    summarise_groups,
)
from .result import CFAResult
from .specification import NonConvergenceError, _variables
from .syntax import parse_model

__all__ = ["ORDINAL_LEVELS", "ordinal_steps", "scaled_difference"]

#: the Wu & Estabrook steps: group.equal and what is freed in the later groups (Δ, α, ν)
ORDINAL_LEVELS = {
    "configural": Identification((), free_scales=False, free_means=False, free_intercepts=False),
    "thresholds": Identification(("thresholds",), free_scales=True, free_means=False, free_intercepts=True),
    "loadings": Identification(("thresholds", "loadings"), free_scales=True, free_means=False,
                               free_intercepts=True),
    "intercepts": Identification(("thresholds", "loadings", "intercepts"), free_scales=True, free_means=True,
                                 free_intercepts=False),
}
ORDINAL_LEVEL_NL = {"configural": "het configurale model", "thresholds": "het model met gelijke drempels",
                    "loadings": "het model met gelijke drempels en ladingen",
                    "intercepts": "het model met gelijke drempels, ladingen en intercepten"}


def scaled_difference(free: OrdinalGroupsFit, restricted: OrdinalGroupsFit) -> dict:
    """lavaan's scaled-shifted difference test of two nested WLSMV models (Satorra, 2000).

    Parameters
    ----------
    free, restricted : OrdinalGroupsFit
        The less and the more restricted model, fitted to the same data.

    Returns
    -------
    dict
        ``delta_chi2`` (:math:`a(T_0 - T_1) + b`), ``delta_df`` (:math:`m = df_0 - df_1`),
        ``p_delta``, and the scale ``a`` and shift ``b``.

    Notes
    -----
    With :math:`D_1, D_0` the Jacobians of the implied statistics of both models at their
    estimates, :math:`A` spans the orthogonal complement of :math:`H = D_1^+ D_0` (the restrictions,
    in the free model's parameters), :math:`P` is the free model's information
    :math:`\\sum_g f_g D_g'W_gD_g` and :math:`M = P^{-1}A'(AP^{-1}A')^{+}AP^{-1}`. Then
    :math:`U = V D_1 M D_1' V` and, with :math:`\\Gamma` block-diagonal in :math:`f_g\\Gamma_g`,
    :math:`a = \\sqrt{m / \\mathrm{tr}((U\\Gamma)^2)}` and :math:`b = m - a\\,\\mathrm{tr}(U\\Gamma)`.
    :math:`T` are the unscaled DWLS statistics. As ``lavaan:::lav_test_diff_Satorra2000`` with
    ``A.method = "delta"`` and ``scaled.shifted = TRUE`` (``lavTestLRT``'s default for WLSMV).

    References
    ----------
    R: ``lavTestLRT(fit_free, fit_restricted)`` with two ``estimator = "WLSMV"`` fits.
    """
    m = restricted.df - free.df
    t_diff = restricted.chi2 - free.chi2
    if m <= 0:
        return {"delta_chi2": t_diff, "delta_df": m, "p_delta": math.nan, "a": math.nan, "b": math.nan}
    h = np.linalg.pinv(free.jacobian) @ restricted.jacobian
    a_mat = linalg.null_space(h.T).T                  # rows orthogonal to the columns of H
    info = np.zeros((len(free.x), len(free.x)))
    sizes = np.cumsum([0] + [len(w) for w in free.weights])
    for g, (lo, hi) in enumerate(zip(sizes[:-1], sizes[1:])):
        d = free.jacobian[lo:hi]
        info += free.fractions[g] * d.T @ (free.weights[g][:, None] * d)
    p_inv = np.linalg.inv(info)
    apa = a_mat @ p_inv @ a_mat.T
    keep = ~((np.abs(apa.sum(axis=0)) < np.sqrt(np.finfo(float).eps))
             & (np.abs(apa.sum(axis=1)) < np.sqrt(np.finfo(float).eps)))
    a_mat = a_mat[keep]
    middle = p_inv @ a_mat.T @ np.linalg.pinv(a_mat @ p_inv @ a_mat.T) @ a_mat @ p_inv
    tr1, tr2 = gamma_traces(free, middle)
    a = math.sqrt(m / tr2)
    b = m - a * tr1
    stat = t_diff * a + b
    return {"delta_chi2": stat, "delta_df": m, "p_delta": float(stats.chi2.sf(max(stat, 0.0), m)), "a": a, "b": b}


def ordinal_steps(df, model, group: str, levels) -> list[tuple[str, CFAResult, OrdinalGroupsFit]]:
    """Fit the Wu & Estabrook steps ``levels`` (WLSMV, factor variances 1): per step its name, its
    :class:`CFAResult` and the fitted model (for :func:`scaled_difference`)."""
    unknown = [lv for lv in levels if lv not in ORDINAL_LEVELS]
    order = list(ORDINAL_LEVELS)
    if unknown or not levels or [order.index(lv) for lv in levels] != sorted(order.index(lv) for lv in levels):
        raise AnalysisError(f"Geef de invariantiestappen voor ordinale items van minst naar meest beperkt, uit "
                            f"{', '.join(ORDINAL_LEVELS)}" + (f" (onbekend: {', '.join(unknown)})" if unknown else "")
                            + ".")
    terms = parse_model(model)
    observed, _ = _variables(terms)
    data = ordinal_group_data(df, observed, group)
    out = []
    for level in levels:
        fitted = estimate_groups(terms, data, std_lv=True, ident=ORDINAL_LEVELS[level])
        if not fitted.converged:
            raise NonConvergenceError(
                f"Meetinvariantie over '{group}': {ORDINAL_LEVEL_NL[level]} is niet geconvergeerd "
                f"(gestopt na {fitted.iterations} iteraties); de invariantie kan niet worden beoordeeld.")
        out.append((level, summarise_groups(model, fitted, "WLSMV", equal=ORDINAL_LEVELS[level].equal, std_lv=True),
                    fitted))
    return out
