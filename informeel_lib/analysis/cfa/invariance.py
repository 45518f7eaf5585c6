"""Measurement invariance: configural, metric, scalar (strict) models fitted in sequence and compared."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd
from scipy import stats

from ...errors import AnalysisError
from ..moments import one_blas_thread
from .estimate import cfa
from .specification import _LEVEL_NL, LEVELS, NonConvergenceError


class Verdict(str, Enum):
    """Judgement of one invariance step (Chen, 2007); a ``str`` so it compares with ``"acceptable"``."""

    BASELINE = "baseline"
    """The first (least restricted) model: the basis of comparison."""
    ACCEPTABLE = "acceptable"
    DOUBTFUL = "doubtful"
    """Only ΔRMSEA crosses its cut-off."""
    REJECTED = "rejected"
    """ΔCFI crosses its cut-off: the restriction does not hold."""


@dataclass(frozen=True)
class StepVerdict:
    """Verdict of one invariance step and why.

    ``reason`` is one of ``"baseline"``, ``"within_cutoffs"``, ``"delta_cfi"``, ``"delta_rmsea"``,
    ``"delta_cfi_and_rmsea"`` (the index or indices past their cut-off). The report turns it into
    Dutch (:mod:`informeel_lib.report.sections`).
    """

    verdict: Verdict
    reason: str


def judge_step(d_cfi: float, d_rmsea: float, *, cut_cfi: float = -0.010, cut_rmsea: float = 0.015) -> StepVerdict:
    """Chen's (2007) rule for one step: ΔCFI ≤ ``cut_cfi`` rejects, ΔRMSEA ≥ ``cut_rmsea`` alone is doubtful.

    Examples
    --------
    >>> judge_step(-0.004, 0.002)
    StepVerdict(verdict=<Verdict.ACCEPTABLE: 'acceptable'>, reason='within_cutoffs')
    >>> judge_step(-0.020, 0.020).reason
    'delta_cfi_and_rmsea'
    """
    bad_cfi = d_cfi <= cut_cfi + 1e-12
    bad_rmsea = d_rmsea >= cut_rmsea - 1e-12
    if bad_cfi:
        return StepVerdict(Verdict.REJECTED, "delta_cfi_and_rmsea" if bad_rmsea else "delta_cfi")
    if bad_rmsea:
        return StepVerdict(Verdict.DOUBTFUL, "delta_rmsea")
    return StepVerdict(Verdict.ACCEPTABLE, "within_cutoffs")


def invariance(df: pd.DataFrame, model, group: str, *, levels=None,
               std_lv: bool = False, delta_cfi: float = -0.010, delta_rmsea: float = 0.015,
               missing: str = "listwise", estimator: str | None = None, ordered=None) -> pd.DataFrame:
    """Measurement invariance across groups: configural, metric, scalar (and strict) models.

    Parameters
    ----------
    df : pandas.DataFrame
        Data with the items and the ``group`` column.
    model : str or dict
        Measurement model, as in :func:`cfa`.
    group : str
        Column defining the groups (e.g. ``"organisation"`` or ``"round"``).
    levels : sequence of str, optional
        Subset of ``"configural"`` (no equality), ``"metric"`` (loadings), ``"scalar"``
        (+ intercepts, factor means free in all groups but the first) and ``"strict"``
        (+ residual variances), from least to most restricted; default configural, metric, scalar.
        With ``ordered=True`` the Wu & Estabrook (2016) steps ``"configural"``, ``"thresholds"``,
        ``"loadings"`` (thresholds + loadings), ``"intercepts"`` (thresholds + loadings +
        intercepts), by default all four (see :mod:`informeel_lib.analysis.cfa.ordinal_invariance`).
    std_lv : bool
        Identification by factor variances, as in :func:`cfa`.
    delta_cfi, delta_rmsea : float
        Cut-offs for non-invariance (Chen, 2007): ΔCFI ≤ −0.010, ΔRMSEA ≥ 0.015.
    missing : {"listwise", "fiml"}
        As :func:`cfa`: with ``"fiml"`` every model uses every given answer (the χ² difference is
        then the likelihood-ratio test of the FIML models, as ``lavTestLRT``).
    estimator : {None, "ML", "MLR"}
        As :func:`cfa`. With ``"MLR"`` the table adds the scaled and robust indices per model
        (``chi2_scaled, p_scaled, scaling_factor, cfi_scaled, tli_scaled, rmsea_scaled, cfi_robust,
        tli_robust, rmsea_robust``), ``delta_chi2`` is the Satorra-Bentler (2001) scaled difference
        (with its ``delta_scaling_factor``), and ``delta_cfi``/``delta_rmsea`` (and so the verdict) use
        the robust CFI and RMSEA. ``table.attrs["estimator"]`` says which.
    ordered : True, optional
        Treat the items as ordinal: WLSMV with the delta parameterization and factor variances 1
        (``std_lv`` is then not used), as ``semTools::measEq.syntax(..., ID.fac = "std.lv",
        ID.cat = "Wu.Estabrook.2016")``. The table adds ``chi2_scaled, p_scaled, scaling_factor,
        shift, cfi_scaled, tli_scaled, rmsea_scaled``; ``delta_chi2`` is lavaan's scaled-shifted
        difference test (``lavTestLRT``, method "satorra.2000") and ``delta_cfi``/``delta_rmsea`` (and
        so the verdict) use the scaled CFI and RMSEA. An item with an empty answer category in a
        group raises an :class:`AnalysisError` (lavaan refuses such data too).

    Returns
    -------
    pandas.DataFrame
        Indexed by level: ``chi2, df, p, cfi, tli, rmsea, srmr`` per model and, relative to
        the previous level, ``delta_chi2, delta_df, p_delta`` (χ² difference test),
        ``delta_cfi, delta_rmsea`` and the step's ``verdict`` (:class:`Verdict` value) and ``reason``
        (see :class:`StepVerdict`). The first row has no deltas and the verdict ``"baseline"``.

    Raises
    ------
    AnalysisError
        As :func:`cfa`. A :class:`NonConvergenceError` (estimates running off to infinity, e.g.
        groups too small for the model; detected within seconds) names the level; one is also
        raised when a level does not converge otherwise (lavaan gives no fit measures then).

    Notes
    -----
    :math:`\\Delta\\chi^2 = \\chi^2_{restricted} - \\chi^2_{free}` on
    :math:`\\Delta df` degrees of freedom (``lavaan::lavTestLRT``, standard ML test); with MLR the
    scaled difference of Satorra & Bentler (2001), as ``lavTestLRT(..., method = "satorra.bentler.2001")``,
    lavaan's default for MLR. A level
    is rejected when ΔCFI ≤ −0.010, doubtful when only ΔRMSEA ≥ 0.015, and acceptable
    otherwise (:func:`judge_step`); the χ² test is reported but, being
    sensitive to sample size, not used for the conclusion.

    References
    ----------
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. Structural Equation Modeling, 14(3), 464–504.

    Examples
    --------
    >>> from informeel_lib.synth.example import example_survey
    >>> df = example_survey(300, seed=1)
    >>> model = "REFL =~ REFL1 + REFL2 + REFL3 + REFL5\\nLEID =~ LEID1 + LEID2 + LEID3"
    >>> table = invariance(df, model, "organisation", levels=("configural", "metric"))
    >>> list(table.index), list(table.columns[-2:])
    (['configural', 'metric'], ['verdict', 'reason'])

    Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for
    moment structure analysis. Psychometrika, 66(4), 507–514.

    Wu, H., & Estabrook, R. (2016). Identification of confirmatory factor analysis models of different
    levels of invariance for ordered categorical outcomes. Psychometrika, 81, 1014–1045.

    R: ``lavTestLRT(cfa(model, data, group = "school"),
    cfa(model, data, group = "school", group.equal = "loadings"), ...)``; ordinal: the
    ``measEq.syntax(..., ordered = items, parameterization = "delta", ID.fac = "std.lv",
    ID.cat = "Wu.Estabrook.2016", group.equal = ..., return.fit = TRUE)`` fits compared by ``lavTestLRT``.
    """
    if ordered not in (None, False):
        return _ordinal_invariance(df, model, group, levels=levels, delta_cfi=delta_cfi, delta_rmsea=delta_rmsea,
                                   missing=missing, estimator=estimator, ordered=ordered)
    levels = _check_levels(("configural", "metric", "scalar") if levels is None else levels)
    robust = estimator is not None and str(estimator).upper() == "MLR"
    rows, prev = [], None
    for level in levels:
        f = _fit_level(df, model, group, level, std_lv=std_lv, missing=missing, estimator=estimator)
        row = {k: f[k] for k in _COLUMNS + (_ROBUST_COLUMNS if robust else ())}
        if prev is None:
            row.update(delta_chi2=np.nan, delta_df=np.nan, p_delta=np.nan, delta_cfi=np.nan, delta_rmsea=np.nan)
            step = StepVerdict(Verdict.BASELINE, "baseline")
        else:
            row.update(_difference(prev, f, robust))
            step = judge_step(row["delta_cfi"], row["delta_rmsea"], cut_cfi=delta_cfi, cut_rmsea=delta_rmsea)
        row.update(verdict=step.verdict.value, reason=step.reason)
        rows.append(row)
        prev = f
    out = pd.DataFrame(rows, index=pd.Index(list(levels), name="level"))
    out["df"] = out["df"].astype(int)
    out["delta_df"] = out["delta_df"].astype("Int64")
    out.attrs["estimator"] = "MLR" if robust else "ML"
    return out


_COLUMNS = ("chi2", "df", "p", "cfi", "tli", "rmsea", "srmr")
_ROBUST_COLUMNS = ("chi2_scaled", "p_scaled", "scaling_factor", "cfi_scaled", "tli_scaled", "rmsea_scaled",
                   "cfi_robust", "tli_robust", "rmsea_robust")


def _check_levels(levels) -> tuple:
    """The invariance levels asked for: known, and from least to most restricted."""
    levels = (levels,) if isinstance(levels, str) else tuple(levels)
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown or not levels:
        raise AnalysisError(f"Onbekend invariantieniveau: {', '.join(unknown) or '(geen)'}; kies uit "
                            f"{', '.join(LEVELS)}.")
    order = list(LEVELS)
    if [order.index(lv) for lv in levels] != sorted(order.index(lv) for lv in levels):
        raise AnalysisError("Geef de invariantieniveaus van minst naar meest beperkt (configural, metric, scalar, "
                            "strict).")
    return levels


def _fit_level(df, model, group, level, *, std_lv, missing, estimator) -> dict:
    """The fit dict of one invariance level; Dutch errors naming the level when it does not converge."""
    try:
        res = cfa(df, model, group=group, equal=LEVELS[level], std_lv=std_lv, modification_indices=False,
                  missing=missing, estimator=estimator)
    except NonConvergenceError as exc:
        msg = str(exc)
        raise NonConvergenceError(f"Meetinvariantie over '{group}', {_LEVEL_NL[level]} model: "
                                  f"{msg[:1].lower()}{msg[1:]}") from None
    f = res.fit
    if not f["converged"]:
        raise NonConvergenceError(
            f"Meetinvariantie over '{group}': het {_LEVEL_NL[level]} model is niet geconvergeerd "
            f"(gestopt na {f['iterations']} iteraties); fitmaten en verschiltoetsen zijn dan niet "
            "betrouwbaar, dus de invariantie kan niet worden beoordeeld."
        )
    return f


def _difference(free: dict, restricted: dict, robust: bool) -> dict:
    """Δχ² test and ΔCFI/ΔRMSEA of a restricted model against the freer one.

    ML: the plain likelihood-ratio difference. MLR: the Satorra-Bentler (2001) scaled difference
    :math:`(T_r - T_f)/c_d` with :math:`c_d = (df_r c_r - df_f c_f)/(df_r - df_f)` (``lavTestLRT``,
    ``method = "satorra.bentler.2001"``), and the robust CFI and RMSEA for the deltas.
    """
    ddf = restricted["df"] - free["df"]
    dchi = restricted["chi2"] - free["chi2"]
    out = {}
    if robust:
        c_free = free["scaling_factor"] if free["df"] > 0 else 1.0
        scale = (restricted["df"] * restricted["scaling_factor"] - free["df"] * c_free) / ddf if ddf > 0 else np.nan
        if not scale > 0:
            raise AnalysisError("De geschaalde χ²-verschiltoets (Satorra-Bentler 2001) geeft een negatieve "
                                "schaalfactor; vergelijk de modellen met de ongeschaalde toets (ML).")
        dchi, out["delta_scaling_factor"] = dchi / scale, scale
    suffix = "_robust" if robust else ""
    out.update(delta_chi2=dchi, delta_df=ddf,
               p_delta=float(stats.chi2.sf(max(dchi, 0.0), ddf)) if ddf > 0 else np.nan,
               delta_cfi=restricted["cfi" + suffix] - free["cfi" + suffix],
               delta_rmsea=restricted["rmsea" + suffix] - free["rmsea" + suffix])
    return out



_ORDINAL_COLUMNS = ("chi2_scaled", "p_scaled", "scaling_factor", "shift", "cfi_scaled", "tli_scaled", "rmsea_scaled")


def _ordinal_invariance(df, model, group, *, levels, delta_cfi, delta_rmsea, missing, estimator, ordered):
    """``invariance(..., ordered=True)``: the Wu & Estabrook steps with WLSMV, compared step by step by
    lavaan's scaled-shifted difference test and the scaled ΔCFI/ΔRMSEA."""
    from .ordinal_invariance import ORDINAL_LEVELS, ordinal_steps, scaled_difference

    if ordered is not True:
        raise AnalysisError("ordered=True behandelt alle items van het model als ordinaal; een lijst met een deel "
                            "van de items wordt nog niet ondersteund.")
    if estimator is not None and str(estimator).upper() != "WLSMV":
        raise AnalysisError(f"Meetinvariantie van ordinale items wordt getoetst met WLSMV, niet met {estimator}.")
    if missing != "listwise":
        raise AnalysisError("Bij ordinale items worden rijen met een ontbrekend antwoord weggelaten "
                            "(missing='listwise'); FIML kan alleen met ML of MLR.")
    levels = tuple(ORDINAL_LEVELS) if levels is None else ((levels,) if isinstance(levels, str) else tuple(levels))
    with one_blas_thread():
        steps = ordinal_steps(df, model, group, levels)
        rows, prev = [], None
        for _, res, fitted in steps:
            fit = res.fit
            row = {k: fit[k] for k in _COLUMNS + _ORDINAL_COLUMNS}
            if prev is None:
                row.update(delta_chi2=np.nan, delta_df=np.nan, p_delta=np.nan, delta_cfi=np.nan, delta_rmsea=np.nan)
                step = StepVerdict(Verdict.BASELINE, "baseline")
            else:
                test = scaled_difference(prev[1], fitted)
                row.update(delta_chi2=test["delta_chi2"], delta_df=test["delta_df"], p_delta=test["p_delta"],
                           delta_cfi=fit["cfi_scaled"] - prev[0]["cfi_scaled"],
                           delta_rmsea=fit["rmsea_scaled"] - prev[0]["rmsea_scaled"])
                step = judge_step(row["delta_cfi"], row["delta_rmsea"], cut_cfi=delta_cfi, cut_rmsea=delta_rmsea)
            row.update(verdict=step.verdict.value, reason=step.reason)
            rows.append(row)
            prev = (fit, fitted)
    out = pd.DataFrame(rows, index=pd.Index(list(levels), name="level"))
    out["df"] = out["df"].astype(int)
    out["delta_df"] = out["delta_df"].astype("Int64")
    out.attrs["estimator"] = "WLSMV"
    return out
