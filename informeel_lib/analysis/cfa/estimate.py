"""Confirmatory factor analysis (ML) and measurement invariance, matching lavaan 0.6 defaults.

``cfa`` fits a measurement model written in lavaan syntax (or a ``{factor: [items]}`` dict)
by maximum likelihood, single-group or multi-group with equality constraints; ``invariance``
fits the configural / metric / scalar (/ strict) sequence and tests the differences.

What is matched to ``lavaan::cfa()`` (0.6-14) and checked against R in the tests:

* identification by marker variable (first loading fixed to 1) or ``std_lv=True`` (factor
  variances 1; with equal loadings the variances are free in all groups but the first);
* all factor covariances free; residual variances free;
* ML with the biased sample covariance matrix (divided by N) and
  :math:`\\chi^2 = N \\cdot F_{ML}` (lavaan's "normal" likelihood);
* multi-group models get a mean structure: intercepts free, factor means 0; with equal
  intercepts the factor means are free in all groups but the first; groups are ordered by
  first appearance in the data, as in lavaan;
* standard errors from the expected information matrix; standardised solution ``std.all``;
* fit indices as ``lavaan::fitMeasures`` (see :mod:`informeel_lib.analysis.cfa.fit`);
* modification indices as ``lavaan::modindices`` (expected information) for loadings,
  residual covariances and factor covariances that are not free in the model.

Missing values: listwise deletion over the model's items (lavaan's default
``missing = "listwise"``), or full-information ML with ``missing="fiml"``.

Where lavaan does not converge, neither does this: a model whose estimates run off to infinity
(typically groups of ~50 cases for a 47-item model) raises :class:`NonConvergenceError` within
a few scoring steps, naming the parameters, groups and group sizes involved, and no fit runs
longer than :data:`MAX_SECONDS` (it is then reported as not converged).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ...errors import AnalysisError
from ...nl import number
from ..moments import one_blas_thread
from .assemble import assemble_result
from .engine import _Engine, _prepare_data, _start_values
from .fiml import fit_fiml
from .fit import _fit_measures, _modification_indices
from .optimiser import _Diverged, _optimise
from .ordinal import ESTIMATORS, fit_ordinal
from .ordinal_groups import fit_ordinal_groups
from .result import CFAResult
from .robust import robust_ml
from .specification import (
    _LAMBDA,
    _NU,
    _PSI,
    _SINGULAR,
    _THETA,
    EQUAL_OPTIONS,
    CFAWarning,
    NonConvergenceError,
    _build_spec,
    _Spec,
    _variables,
)
from .syntax import parse_model

__all__ = ["cfa"]


def cfa(df: pd.DataFrame, model, *, group: str | None = None, equal=(), std_lv: bool = False,
        estimator: str | None = None, missing: str = "listwise", modification_indices: bool = True,
        ordered=None, parameterization: str = "delta") -> CFAResult:
    """Confirmatory factor analysis by maximum likelihood, as ``lavaan::cfa``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per respondent; the model's items as numeric columns.
    model : str or dict
        lavaan syntax (``"visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6"``; also
        ``x7 ~~ x8``, ``#`` comments, ``;``, fixed values ``1*x1``, free ``NA*x1`` and equality
        labels ``a*x2``) or a dict ``{factor: [items]}``.
    group : str, optional
        Column with the groups for a multi-group model (adds a mean structure).
    equal : sequence of str
        lavaan's ``group.equal``: ``"loadings"``, ``"intercepts"``, ``"residuals"``,
        ``"residual.covariances"``, ``"lv.variances"``, ``"lv.covariances"``, ``"means"``.
    std_lv : bool
        Identify by fixing factor variances to 1 instead of the first loading.
    estimator : {None, "ML", "MLR", "WLSMV", "DWLS"}
        None chooses as lavaan: ML, or WLSMV when ``ordered`` is given. MLR: ML estimates with
        Huber-White standard errors, the Yuan-Bentler scaled χ² (``fit["chi2_scaled"]``,
        ``"scaling_factor"``) and scaled/robust CFI, TLI, RMSEA (``"cfi_scaled"``, ``"cfi_robust"``, ...,
        ``"rmsea_ci_scaled"``, ``"rmsea_ci_robust"``;
        single- and multi-group, complete data or ``missing="fiml"``; see
        :mod:`informeel_lib.analysis.cfa.robust` and :mod:`informeel_lib.analysis.cfa.robust_fiml`).
        WLSMV and DWLS treat the items as ordinal (thresholds and polychoric correlations; see
        :mod:`informeel_lib.analysis.cfa.ordinal`): WLSMV gives robust standard errors and the
        scaled-shifted test with scaled fit indices (``fit["chi2_scaled"]``, ``"cfi_scaled"``,
        ``"tli_scaled"``, ``"rmsea_scaled"``), DWLS the same estimates with the naive ones.
        Ordinal models with ``group`` use the delta parameterization and ``equal`` from
        ``"thresholds"``, ``"loadings"``, ``"intercepts"`` (see
        :mod:`informeel_lib.analysis.cfa.ordinal_groups`).
    ordered : True, optional
        Treat all model items as ordinal (lavaan's ``ordered = TRUE``).
    parameterization : {"delta", "theta"}
        For ordinal items: lavaan's default delta (scale factors 1, residual variances
        derived) or theta (residual variances 1).
    missing : {"listwise", "fiml"}
        ``"listwise"`` (lavaan's default) drops rows with a missing value on any model item;
        ``"fiml"`` (or ``"ml"``) uses every answer by full-information ML, with the saturated
        model estimated by EM so χ² and fit indices equal lavaan's ``missing = "fiml"`` (ML and MLR,
        also multi-group; see :mod:`informeel_lib.analysis.cfa.fiml`).
    modification_indices : bool
        Compute modification indices (cheap; switch off in loops).

    Returns
    -------
    CFAResult

    Raises
    ------
    AnalysisError
        Unknown items, too few cases in a group, singular covariance matrix, a model that
        is not identified or has negative degrees of freedom, and estimates that run off to
        infinity (:class:`NonConvergenceError`: no finite ML solution, typically groups small
        for the model; lavaan does not converge there either): detected after a few scoring
        steps, and the message names the parameters, groups and group sizes involved.

    Warns
    -----
    CFAWarning
        Not converged (also when the optimisation hits its time limit :data:`MAX_SECONDS`),
        negative residual or factor variances (Heywood case), a factor covariance matrix that
        is not positive definite.

    Notes
    -----
    The ML discrepancy per group is

    .. math:: F_g = \\log|\\Sigma| + \\mathrm{tr}(S\\Sigma^{-1}) - \\log|S| - p
              + (\\bar y - \\mu)'\\Sigma^{-1}(\\bar y - \\mu)

    with :math:`\\Sigma = \\Lambda\\Psi\\Lambda' + \\Theta`, :math:`\\mu = \\nu + \\Lambda\\alpha`
    and S divided by :math:`N_g`; the model minimises :math:`F = \\sum_g (N_g/N) F_g` by Fisher
    scoring and reports :math:`\\chi^2 = N F`. Standard errors are the square roots of the
    diagonal of :math:`(N\\,\\mathcal{I})^{-1}` with :math:`\\mathcal{I}` the expected unit
    information :math:`\\sum_g (N_g/N)\\,\\Delta_g' W_g \\Delta_g`.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
    Journal of Statistical Software, 48(2), 1–36.

    Examples
    --------
    >>> from informeel_lib.synth.example import example_survey
    >>> df = example_survey(300, seed=1)
    >>> res = cfa(df, "REFL =~ REFL1 + REFL2 + REFL3 + REFL5\\nLEID =~ LEID1 + LEID2 + LEID3")
    >>> res.fit["df"], round(res.fit["cfi"], 2), float(round(res.loadings.loc["REFL1", "REFL"], 2))
    (13, 1.0, 0.59)

    On lavaan's HolzingerSwineford1939 the three-factor model gives χ²(24) = 85,306, as lavaan
    (tests/reference/test_cfa.py).

    R: ``lavaan::cfa(model, data = hs)``; robust ``lavaan::cfa(model, data, estimator = "MLR")``;
    ordinal ``lavaan::cfa(model, data, ordered = TRUE)``
    (``estimator = "WLSMV"``); multi-group
    ``lavaan::cfa(model, data, group = "school", group.equal = "loadings")``; ordinal multi-group
    ``lavaan::cfa(model, data, ordered = TRUE, group = "school", group.equal = c("thresholds", "loadings"))``.
    """
    estimator = _resolve_estimator(estimator, ordered)
    if estimator == "MLR" and group is not None and missing == "listwise":
        with one_blas_thread():
            return _cfa_mlr_groups(df, model, group=group, equal=_check_equal(equal, group), std_lv=std_lv)
    if missing in ("fiml", "ml"):
        if estimator not in ("ML", "MLR"):
            raise AnalysisError(f"missing='fiml' kan alleen met de schatters ML en MLR, niet met {estimator}.")
        terms = parse_model(model)
        observed, _ = _variables(terms)
        absent = [v for v in observed if v not in df.columns]
        if absent:
            raise AnalysisError(f"Deze items uit het model staan niet in de data: {', '.join(absent)}.")
        with one_blas_thread():
            return fit_fiml(df, terms, observed, model, group=group, equal=_check_equal(equal, group),
                            std_lv=std_lv, robust=estimator == "MLR")
    if estimator in ESTIMATORS:
        if group is not None:
            if parameterization != "delta":
                raise AnalysisError("Een ordinale CFA met groepen gebruikt de delta-parametrisatie (lavaan's "
                                    "standaard); parameterization='theta' kan alleen met één groep.")
            with one_blas_thread():
                return fit_ordinal_groups(df, model, group=group, equal=equal, std_lv=std_lv, estimator=estimator)
        _check_equal(equal, group)
        with one_blas_thread():
            return fit_ordinal(df, model, std_lv=std_lv, estimator=estimator, parameterization=parameterization)
    with one_blas_thread():  # small matrices: threads only cost time
        return _cfa(df, model, group=group, equal=equal, std_lv=std_lv, estimator=estimator, missing=missing,
                    modification_indices=modification_indices)


def _resolve_estimator(estimator, ordered) -> str:
    """lavaan's choice: ML for continuous items, WLSMV when ``ordered`` is given."""
    ordinal = ordered is True or (ordered not in (None, False) and len(ordered) > 0)
    if ordered not in (None, True, False):
        raise AnalysisError("ordered=True behandelt alle items van het model als ordinaal; een lijst met een "
                            "deel van de items (gemengde modellen) wordt nog niet ondersteund.")
    if estimator is None:
        return "WLSMV" if ordinal else "ML"
    est = str(estimator).upper()
    if est == "ML" and ordinal:
        raise AnalysisError("Ordinale items (ordered=True) worden geschat met WLSMV of DWLS, niet met ML.")
    if est == "MLR" and ordinal:
        raise AnalysisError("Ordinale items (ordered=True) worden geschat met WLSMV of DWLS, niet met MLR.")
    if est in ESTIMATORS and not ordinal:
        raise AnalysisError(f"Schatter '{est}' is voor ordinale items: geef ordered=True mee.")
    if est not in ("ML", "MLR") + ESTIMATORS:
        raise AnalysisError(f"Schatter '{estimator}' wordt niet ondersteund; kies uit ML, MLR, WLSMV of DWLS.")
    return est


def _cfa_mlr_groups(df, model, *, group, equal, std_lv) -> CFAResult:
    """Multi-group MLR on the complete rows: the ML fit with a mean structure (as FIML on complete data,
    the same likelihood) with robust standard errors, the Yuan-Bentler test and robust indices."""
    terms = parse_model(model)
    observed, _ = _variables(terms)
    _, counts, labels = _prepare_data(df, observed, group, "listwise")     # checks, and lavaan's group order
    items = df[observed].apply(pd.to_numeric, errors="coerce")
    keep = items.notna().all(axis=1) & df[group].notna()
    try:
        return fit_fiml(df.loc[keep], terms, observed, model, group=group, equal=equal, std_lv=std_lv,
                        robust=True, labels=labels, missing="listwise")
    except _Diverged as div:
        sizes = ", ".join(f"'{lab}' n = {int(n)}" for lab, n in zip(labels, counts))
        raise NonConvergenceError(
            f"Het model convergeert niet: na {div.iterations} iteraties lopen de schattingen weg. Er is geen "
            f"eindige ML-oplossing; meestal zijn de groepen te klein voor het model ({sizes}; {len(observed)} "
            "items). Gebruik grotere groepen, minder items of een model per schaal.") from None


def _check_equal(equal, group) -> tuple[str, ...]:
    """lavaan's group.equal, checked: known options, and only with a group variable."""
    equal = (equal,) if isinstance(equal, str) else tuple(equal)
    unknown = [e for e in equal if e not in EQUAL_OPTIONS]
    if unknown:
        raise AnalysisError(
            f"Onbekende gelijkheidsrestrictie(s): {', '.join(unknown)}; kies uit {', '.join(EQUAL_OPTIONS)}."
        )
    if group is None and equal:
        raise AnalysisError("Gelijkheidsrestricties (equal=...) vragen om een groeperingsvariabele (group=...).")
    return equal


def _cfa(df, model, *, group, equal, std_lv, estimator, missing, modification_indices) -> CFAResult:
    equal = _check_equal(equal, group)
    terms = parse_model(model)
    observed, _ = _variables(terms)
    samples, counts, labels = _prepare_data(df, observed, group, missing)
    spec = _build_spec(terms, len(samples), std_lv=std_lv, equal=equal)
    n = int(counts.sum())
    weights = counts / n
    engine = _Engine(spec, samples, weights)
    moments = spec.p * (spec.p + 1) // 2 + (spec.p if spec.meanstructure else 0)
    if spec.n_groups * moments - spec.n_free < 0:
        raise AnalysisError(
            f"Het model heeft meer vrije parameters ({spec.n_free}) dan informatie in de data "
            f"({spec.n_groups * moments}); het is niet geïdentificeerd."
        )
    x0 = _start_values(spec, samples, std_lv)
    try:
        x, f_min, converged, iterations = _optimise(engine, x0)
    except _Diverged as div:
        raise NonConvergenceError(_divergence_message(spec, div.x, div.x - div.x_start, labels, counts,
                                                      iterations=div.iterations, trend=True)) from None

    messages = []
    info = engine.information(x)
    if not converged:
        vals, vecs = np.linalg.eigh(info)
        if vals[0] <= _SINGULAR * max(vals[-1], 1e-300):
            # stopped (iteration or time limit) on the way to infinity: no estimates to report
            raise NonConvergenceError(_divergence_message(spec, x, vecs[:, 0], labels, counts,
                                                          iterations=iterations, trend=False))
    info_inv = _check_identified(engine, x, info)
    vcov = info_inv / n
    se_free = np.sqrt(np.clip(np.diag(vcov), 0, None))
    fit = _fit_measures(engine, f_min, counts, spec.n_free, converged, iterations, x)
    fit["estimator"] = "ML"
    if estimator == "MLR":
        rows = df[observed].apply(pd.to_numeric, errors="coerce").dropna().to_numpy(dtype=float)
        se_free, robust = robust_ml(engine, x, rows, fit)
        fit.update(robust)
    if not converged:
        messages.append("het model is niet geconvergeerd; de schattingen zijn onbetrouwbaar.")
    messages += _heywood_messages(engine, x, labels)
    for msg in messages:
        warnings.warn(msg[0].upper() + msg[1:], CFAWarning, stacklevel=4)

    mi = None
    if modification_indices:
        mi = _modification_indices(engine, x, info_inv, n, labels)
        if spec.n_groups == 1:
            mi = mi.drop(columns="group")
    return assemble_result(model, spec, engine, x, se_free, fit, labels, counts, samples, equal=equal,
                           std_lv=std_lv, messages=messages, modification_indices=mi)


def _check_identified(engine: _Engine, x: np.ndarray, info: np.ndarray | None = None) -> np.ndarray:
    info = engine.information(x) if info is None else info
    vals = np.linalg.eigvalsh(info)
    if vals[0] <= _SINGULAR * max(vals[-1], 1e-300):
        raise AnalysisError(
            "Het model is niet geïdentificeerd (de informatiematrix is singulier): controleer of elke "
            "factor een vaste lading of variantie heeft en of er genoeg items per factor zijn."
        )
    return np.linalg.inv(info)


def _parameter_nl(spec: _Spec, i: int) -> str:
    """Dutch name of parameter-table row ``i`` ("de lading van BIND3 op BIND")."""
    k, r, c = spec.kind[i], spec.row[i], spec.col[i]
    ov, lv = spec.observed, spec.latent
    if k == _LAMBDA:
        return f"de lading van {ov[r]} op {lv[c]}"
    if k == _THETA:
        return f"de residuele variantie van {ov[r]}" if r == c else f"de residuele covariantie van {ov[c]} en {ov[r]}"
    if k == _PSI:
        return f"de variantie van factor {lv[r]}" if r == c else f"de covariantie van factoren {lv[c]} en {lv[r]}"
    if k == _NU:
        return f"het intercept van {ov[r]}"
    return f"het gemiddelde van factor {lv[r]}"


def _divergence_message(spec: _Spec, x: np.ndarray, direction: np.ndarray, labels, counts, *,
                        iterations: int, trend: bool) -> str:
    """Dutch explanation of a fit whose estimates run off to infinity.

    ``direction`` is the runaway direction in parameter space (the change over the last steps,
    with ``trend=True``, or the null vector of the information matrix, whose sign means nothing);
    the parameters with the largest components are named with their current values and group,
    and the groups involved with their size. lavaan does not converge on such data either
    (it stops after thousands of iterations with "the optimizer warns that a solution has NOT
    been found" and gives no fit measures).
    """
    size = np.abs(direction)
    top = [int(i) for i in np.argsort(-size, kind="stable")[:4] if size[i] >= 0.2 * size.max()]
    multi = spec.n_groups > 1
    parts, involved = [], []
    for i in top:
        rows = np.flatnonzero(spec.xidx == i)
        groups = sorted({int(gr) for gr in spec.group[rows]})
        involved += [gr for gr in groups if gr not in involved]
        moving = (", stijgend" if direction[i] > 0 else ", dalend") if trend else ""
        where = ""
        if multi:
            where = f" in groep '{labels[groups[0]]}'" if len(groups) == 1 else " (gelijk over de groepen)"
        parts.append(f"{_parameter_nl(spec, rows[0])}{where} ({number(float(x[i]), 3)}{moving})")
    free = [len(np.unique(spec.xidx[(spec.group == g) & (spec.xidx >= 0)])) for g in range(spec.n_groups)]
    if not multi:
        cause = (f"zijn er te weinig waarnemingen voor het model ({int(counts[0])} waarnemingen voor "
                 f"{spec.p} items en {free[0]} vrije parameters)")
    else:
        sizes = ", ".join(f"'{labels[g]}' n = {int(counts[g])}" for g in sorted(involved))
        cause = (f"{'is de groep' if len(involved) == 1 else 'zijn de groepen'} te klein voor het model "
                 f"({sizes}; {spec.p} items en {max(free)} vrije parameters per groep)")
    return (
        f"Het model convergeert niet: na {iterations} iteraties lopen de schattingen weg: {'; '.join(parts)}. "
        "Er is geen eindige ML-oplossing (het model is in deze data empirisch niet geïdentificeerd). "
        f"Meestal {cause} of meet een factor er vrijwel niets; gebruik grotere groepen, minder items "
        "of een model per schaal."
    )


def _heywood_messages(engine: _Engine, x: np.ndarray, labels) -> list[str]:
    spec = engine.spec
    out = []
    for g, lab in enumerate(labels):
        lam, theta, psi, nu, alpha = engine.matrices(x, g)
        where = f" (groep '{lab}')" if spec.n_groups > 1 else ""
        neg = [spec.observed[i] for i in np.flatnonzero(np.diag(theta) < 0)]
        if neg:
            out.append(f"negatieve residuele variantie (Heywood-geval) bij {', '.join(neg)}{where}.")
        negf = [spec.latent[j] for j in np.flatnonzero(np.diag(psi) <= 0)]
        if negf:
            out.append(f"niet-positieve factorvariantie bij {', '.join(negf)}{where}.")
        elif np.linalg.eigvalsh(psi)[0] <= 0:
            out.append(f"de factorcovariantiematrix is niet positief-definiet (correlatie ≥ 1?){where}.")
    return out


# --------------------------------------------------------------------------------------------
# measurement invariance
# --------------------------------------------------------------------------------------------
