"""Structural equation models by maximum likelihood, as ``lavaan::sem``: entry point and result.

:func:`sem` parses lavaan syntax (:mod:`.structural`), fits the model with the CFA engine and
optimiser, and returns a :class:`SEMResult` with lavaan's fit measures and one tidy table of
all parameters (``parameterEstimates`` and ``standardizedSolution`` together), defined
parameters (``:=``, e.g. indirect effects) included with delta-method standard errors and,
on request, percentile bootstrap intervals.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ...errors import AnalysisError
from ...nl import number, p_value
from ..moments import one_blas_thread
from .defined import defined_jacobian, evaluate_defined
from .engine import _prepare_data, _start_values
from .estimate import _check_identified, _heywood_messages
from .fit import _fit_measures, cfi, chi2_pvalue, rmsea, rmsea_ci, rmsea_pvalue, tli
from .optimiser import _Diverged, _optimise
from .result import fit_frame
from .specification import _ALPHA, _LAMBDA, _NU, _PSI, _SINGULAR, _THETA, CFAWarning, NonConvergenceError
from .structural import (
    _BETA,
    SEM_EQUAL_OPTIONS,
    StructuralEngine,
    StructuralSpec,
    _classify,
    build_structural_spec,
    parse_sem_model,
)

__all__ = ["sem", "SEMResult"]

COLUMNS = ["lhs", "op", "rhs", "group", "label", "free", "est", "se", "z", "p", "ci_low", "ci_high", "std_all",
           "std_se", "std_ci_low", "std_ci_high"]


@dataclass(frozen=True, repr=False)
class SEMResult:
    """A fitted structural equation model (single- or multi-group).

    Attributes
    ----------
    fit : dict
        As :class:`~informeel_lib.analysis.cfa.CFAResult`'s: ``chi2, df, p, cfi, tli, rmsea,
        rmsea_ci, rmsea_p, srmr, aic, bic, logl, n, npar, n_groups, baseline_chi2, baseline_df,
        converged, iterations`` (``lavaan::fitMeasures``).
    parameters : pandas.DataFrame
        One row per parameter: ``lhs, op, rhs, group, label, free, est, se, z, p, ci_low,
        ci_high, std_all, std_se, std_ci_low, std_ci_high`` — ``lavaan::parameterEstimates``
        joined with ``standardizedSolution`` (``std.all`` with its delta-method standard error
        and interval). Operators ``=~`` (loading), ``~`` (regression, ``lhs`` on
        ``rhs``), ``~~`` ((residual) (co)variance), ``~1`` (intercept, multi-group) and ``:=``
        (defined parameter; ``group`` empty). Fixed parameters have ``se`` 0 and no z/p.
    implied_cov, implied_mean : dict
        Per group the model-implied covariance matrix and mean vector of the observed variables.
    groups : tuple of str
        Group labels (order of first appearance); ``("totaal",)`` for one group.
    n_obs : dict
        Complete cases per group (listwise deletion).
    ci : float
        Level of the intervals.
    bootstrap : dict
        ``{"draws": requested, "used": converged draws, "seed": seed}`` when the intervals of
        the defined parameters are percentile bootstrap intervals, else empty.
    warnings : tuple of str
        Dutch warnings raised while fitting (also issued as :class:`CFAWarning`).
    """

    model: str
    fit: dict
    parameters: pd.DataFrame
    implied_cov: dict
    implied_mean: dict
    groups: tuple
    n_obs: dict
    equal: tuple = ()
    std_lv: bool = False
    ci: float = 0.95
    bootstrap: dict = field(default_factory=dict)
    warnings: tuple = field(default=())

    @property
    def regressions(self) -> pd.DataFrame:
        """The regression rows (``op == "~"``): ``lhs`` regressed on ``rhs``."""
        return self.parameters[self.parameters["op"] == "~"].reset_index(drop=True)

    @property
    def defined(self) -> pd.DataFrame:
        """The defined parameters (``:=``), indexed by name."""
        rows = self.parameters[self.parameters["op"] == ":="]
        return rows.set_index("lhs").drop(columns=["op", "group", "free"])

    def estimate(self, lhs: str, op: str, rhs: str = "", group: str | None = None) -> pd.Series:
        """The row of one parameter, e.g. ``res.estimate("DUUR", "~", "IWL")`` or ``res.estimate("ind", ":=")``."""
        p = self.parameters
        sel = (p["lhs"] == lhs) & (p["op"] == op)
        if op != ":=":
            sel &= p["rhs"] == rhs
            sel &= p["group"] == (group if group is not None else self.groups[0])
        if op == "~~" and not sel.any():
            sel = (p["lhs"] == rhs) & (p["op"] == op) & (p["rhs"] == lhs)
            sel &= p["group"] == (group if group is not None else self.groups[0])
        rows = p[sel]
        if len(rows) != 1:
            raise AnalysisError(f"Parameter '{lhs} {op} {rhs}'".rstrip() + " staat niet (eenduidig) in het model.")
        return rows.iloc[0]

    def to_frame(self) -> pd.DataFrame:
        """Fit indices as a one-row DataFrame (as :meth:`CFAResult.to_frame`)."""
        return fit_frame(self.fit)

    def __repr__(self) -> str:
        f = self.fit
        p_text = "verzadigd model" if f["df"] == 0 else p_value(f["p"])
        lo, hi = f["rmsea_ci"]
        groups = "" if len(self.groups) == 1 else f", {len(self.groups)} groepen"
        lines = [
            f"SEMResult(ML, N = {f['n']}{groups}; {f['npar']} parameters"
            f"{'' if f['converged'] else '; NIET GECONVERGEERD'})",
            f"  χ²({f['df']}) = {number(f['chi2'], 3)}, {p_text}; CFI = {number(f['cfi'], 3)}, TLI = "
            f"{number(f['tli'], 3)}, "
            f"RMSEA = {number(f['rmsea'], 3)} [{number(lo, 3)}; {number(hi, 3)}], SRMR = {number(f['srmr'], 3)}",
        ]
        for _, r in self.parameters[self.parameters["op"].isin(["~", ":="])].iterrows():
            where = f" [{r['group']}]" if len(self.groups) > 1 and r["op"] == "~" else ""
            name = f"{r['lhs']} := {r['rhs']}" if r["op"] == ":=" else f"{r['lhs']} ~ {r['rhs']}"
            lines.append(f"  {name}{where}: {number(r['est'], 3)} [{number(r['ci_low'], 3)}; "
                         f"{number(r['ci_high'], 3)}], "
                         f"β = {number(r['std_all'], 3)}")
        lines += [f"  let op: {w}" for w in self.warnings]
        return "\n".join(lines)


def sem(df: pd.DataFrame, model: str, *, group: str | None = None, equal=(), std_lv: bool = False,
        estimator: str = "ML", missing: str = "listwise", ci: float = 0.95, bootstrap: int = 0,
        seed: int = 0, cluster: str | None = None) -> SEMResult:
    """Structural equation model by maximum likelihood, as ``lavaan::sem``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per respondent; the model's observed variables as numeric columns.
    model : str
        lavaan syntax: ``f =~ x1 + x2 + x3`` (measurement), ``y ~ a*f + x`` (regressions among
        latent and observed variables), ``x1 ~~ x2`` ((residual) covariances), modifiers
        (fixed ``1*x``, free ``NA*x``, labels ``a*x`` — equal labels are equality constraints —
        and ``c(a1, a2)*x`` per group), ``a == b`` (two labels equal) and defined parameters
        ``ind := a*b`` (``+ - * / **``, ``sqrt``, ``exp``, ``log``; labels and earlier defined
        names).
    group : str, optional
        Column with the groups for a multi-group model (adds a mean structure).
    equal : sequence of str
        lavaan's ``group.equal``: those of :func:`~informeel_lib.analysis.cfa.cfa` and
        ``"regressions"``.
    std_lv : bool
        Identify latent variables by fixing their (residual) variances to 1.
    estimator : {"ML"}
        Maximum likelihood.
    missing : {"listwise"}
        Rows with a missing value on any model variable are dropped (lavaan's default).
    ci : float
        Level of the intervals ``ci_low, ci_high`` (Wald: est ± z se; lavaan's default .95).
    bootstrap : int
        Number of nonparametric bootstrap draws (rows resampled within groups); when > 0 the
        intervals of the defined parameters are percentile bootstrap intervals (lavaan's
        ``se = "bootstrap"`` with ``boot.ci.type = "perc"``). 0 (default): delta method.
    seed : int
        Seed of the bootstrap (same seed, same intervals).
    cluster : str, optional
        Column with clusters (e.g. teams): the bootstrap then draws whole clusters with
        replacement (within groups), so intervals reflect that people in one team are alike.

    Returns
    -------
    SEMResult

    Raises
    ------
    AnalysisError
        Unknown variables, unsupported syntax (intercepts ``~ 1``, inequality constraints,
        higher-order factors, an item both under a factor and in a regression), too few cases,
        a model that is not identified; :class:`NonConvergenceError` when the estimates run off
        to infinity.

    Warns
    -----
    CFAWarning
        Not converged, negative variances (Heywood case).

    Notes
    -----
    The model is lavaan's LISREL all-y form (:mod:`.structural`): observed variables in
    regressions are latent variables with a unit loading and no residual, and

    .. math:: \\Sigma = \\Lambda (I-B)^{-1} \\Psi (I-B)^{-T} \\Lambda' + \\Theta

    The ML discrepancy, optimiser, standard errors (expected information) and fit indices are
    the CFA's; exogenous observed covariates are fixed at their sample moments (``fixed.x``), so
    they are no free parameters and the degrees of freedom and the baseline model exclude their
    moments, as in lavaan. A defined parameter :math:`h(\\theta)` gets the delta-method standard
    error :math:`\\sqrt{J V J'}` with J its (exact, complex-step) Jacobian, and ``std_all`` is
    h evaluated at the standardised parameters, as ``standardizedSolution`` does.

    One survey round is a cross-sectional correlation: a regression or indirect effect in it
    describes how variables go together, not that one causes the other.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.
    Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in structural
    equation models. Sociological Methodology, 13, 290–312.

    Examples
    --------
    >>> from informeel_lib.synth.example import example_survey
    >>> df = example_survey(300, seed=1)
    >>> model = '''
    ... REFL =~ REFL1 + REFL2 + REFL3 + REFL5
    ... LEID =~ LEID1 + LEID2 + LEID3
    ... IWL  =~ IWL1 + IWL2 + IWL3
    ... REFL ~ a*LEID
    ... IWL ~ b*REFL + LEID
    ... indirect := a*b
    ... '''
    >>> res = sem(df, model)
    >>> res.estimate("indirect", ":=")[["est", "ci_low", "ci_high"]].astype(float).round(2).tolist()
    [0.09, 0.01, 0.18]

    R: ``lavaan::sem(model, data = hs)``; ``parameterEstimates(fit, standardized = TRUE)``.
    """
    if str(estimator).upper() != "ML":
        raise AnalysisError(f"Schatter '{estimator}' wordt door sem() niet ondersteund; alleen 'ML'.")
    equal = (equal,) if isinstance(equal, str) else tuple(equal)
    unknown = [e for e in equal if e not in SEM_EQUAL_OPTIONS]
    if unknown:
        raise AnalysisError(f"Onbekende gelijkheidsrestrictie(s): {', '.join(unknown)}; "
                            f"kies uit {', '.join(SEM_EQUAL_OPTIONS)}.")
    if group is None and equal:
        raise AnalysisError("Gelijkheidsrestricties (equal=...) vragen om een groeperingsvariabele (group=...).")
    if not 0 < ci < 1:
        raise AnalysisError(f"ci moet tussen 0 en 1 liggen (nu {ci}).")
    if int(bootstrap) < 0:
        raise AnalysisError("bootstrap is het aantal trekkingen (0 = geen bootstrap).")
    if cluster is not None and cluster not in df.columns:
        raise AnalysisError(f"Clustervariabele '{cluster}' staat niet in de data.")
    with one_blas_thread():
        return _sem(df, model, group=group, equal=equal, std_lv=std_lv, missing=missing, ci=ci,
                    bootstrap=int(bootstrap), seed=seed, cluster=cluster)


# --------------------------------------------------------------------------------------------
# fitting
# --------------------------------------------------------------------------------------------
@dataclass
class _Fitted:
    structure: StructuralSpec
    engine: StructuralEngine
    x: np.ndarray
    f_min: float
    converged: bool
    iterations: int


def _fit_structure(structure: StructuralSpec, samples, counts, x0=None) -> _Fitted:
    spec = structure.spec
    engine = StructuralEngine(spec, samples, counts / counts.sum())
    if x0 is None:
        x0 = _start_values(spec, samples, std_lv=False)
    try:
        x, f_min, converged, iterations = _optimise(engine, x0)
    except _Diverged as div:
        raise NonConvergenceError(
            f"Het model convergeert niet: na {div.iterations} iteraties lopen de schattingen weg; er is geen "
            "eindige ML-oplossing in deze data. Vereenvoudig het model of gebruik meer waarnemingen.") from None
    return _Fitted(structure, engine, x, f_min, converged, iterations)


def _sem(df, model, *, group, equal, std_lv, missing, ci, bootstrap, seed, cluster) -> SEMResult:
    parsed = parse_sem_model(model)
    observed, *_ = _classify(list(parsed.terms))
    samples, counts, labels = _prepare_data(df, observed, group, missing)
    structure = build_structural_spec(list(parsed.terms), samples, std_lv=std_lv, equal=equal,
                                      aliases=parsed.aliases)
    spec = structure.spec
    _check_counts(structure)
    fitted = _fit_structure(structure, samples, counts)
    engine, x = fitted.engine, fitted.x
    n = int(counts.sum())
    info = engine.information(x)
    if not fitted.converged and _singular(info):
        raise NonConvergenceError("Het model is niet geconvergeerd en de informatiematrix is singulier: er is "
                                  "geen eindige ML-oplossing in deze data.")
    vcov = _check_identified(engine, x, info) / n
    messages = [] if fitted.converged else ["het model is niet geconvergeerd; de schattingen zijn onbetrouwbaar."]
    messages += _heywood_messages(_CfaView(engine), x, labels)
    for msg in messages:
        warnings.warn(msg[0].upper() + msg[1:], CFAWarning, stacklevel=4)
    params = _parameter_table(fitted, vcov, labels, ci)
    label_index = _label_index(spec)
    defined = _defined_rows(parsed.defined, x, vcov, label_index, ci)
    boot_info: dict = {}
    if bootstrap and parsed.defined:
        rows = _complete_rows(df, observed, group, missing, cluster)
        draws = _bootstrap(rows, parsed, fitted, std_lv, equal, bootstrap, seed)
        values = np.array([[v.real for v in evaluate_defined(
            list(parsed.defined), {lab: d[i] for lab, i in label_index.items()}).values()] for d in draws])
        if len(values):
            alpha = (1 - ci) / 2
            defined["ci_low"] = np.quantile(values, alpha, axis=0)
            defined["ci_high"] = np.quantile(values, 1 - alpha, axis=0)
        boot_info = {"draws": bootstrap, "used": len(draws), "seed": seed}
        if cluster is not None:
            boot_info["cluster"] = cluster
    params = pd.concat([params, defined], ignore_index=True) if len(defined) else params
    standardised = _standardised_solution(fitted, parsed.defined, vcov, ci)
    for column in standardised:
        params[column] = standardised[column].to_numpy()
    fit = _sem_fit_measures(fitted, counts)
    implied_cov, implied_mean = {}, {}
    for g, lab in enumerate(labels):
        sigma, mu = engine.implied(x, g)
        implied_cov[lab] = pd.DataFrame(sigma, index=spec.observed, columns=spec.observed)
        implied_mean[lab] = pd.Series(mu if spec.meanstructure else samples[g][1], index=spec.observed)
    return SEMResult(model=model.strip(), fit=fit, parameters=params[COLUMNS], implied_cov=implied_cov,
                     implied_mean=implied_mean, groups=tuple(labels), n_obs=dict(zip(labels, counts.tolist())),
                     equal=equal, std_lv=std_lv, ci=ci, bootstrap=boot_info, warnings=tuple(messages))


def _singular(info: np.ndarray) -> bool:
    vals = np.linalg.eigvalsh(info)
    return bool(vals[0] <= _SINGULAR * max(vals[-1], 1e-300))


class _CfaView:
    """The structural engine seen as a CFA engine (Λ replaced by L = Λ(I-B)⁻¹, Ψ by the latent
    covariance matrix) for the CFA's Heywood checks, which read five matrices."""

    def __init__(self, engine: StructuralEngine):
        self.spec = engine.spec
        self._engine = engine

    def matrices(self, x, g):
        lam, theta, psi, nu, alpha, beta = self._engine.matrices(x, g)
        return lam, theta, psi, nu, alpha


def _check_counts(structure: StructuralSpec) -> None:
    spec = structure.spec
    if _degrees_of_freedom(structure, spec.n_free) < 0:
        raise AnalysisError(f"Het model heeft meer vrije parameters ({spec.n_free}) dan informatie in de data; "
                            "het is niet geïdentificeerd.")


def _degrees_of_freedom(structure: StructuralSpec, n_free: int) -> int:
    spec = structure.spec
    p, nx, ms = spec.p, len(structure.exogenous), spec.meanstructure
    per_group = p * (p + 1) // 2 + (p if ms else 0) - nx * (nx + 1) // 2 - (nx if ms else 0)
    return spec.n_groups * per_group - n_free


def _sem_fit_measures(fitted: _Fitted, counts: np.ndarray) -> dict:
    """The CFA's fit measures with lavaan's ``fixed.x`` bookkeeping: the covariates' moments are
    not data to fit, the baseline model keeps their covariances, and the log-likelihood is
    conditional on them."""
    structure, engine = fitted.structure, fitted.engine
    spec = structure.spec
    fit = _fit_measures(engine, fitted.f_min, counts, spec.n_free, fitted.converged, fitted.iterations, fitted.x)
    xs = structure.exogenous
    if not xs:
        return fit
    n, G, p, nx = int(counts.sum()), spec.n_groups, spec.p, len(xs)
    ys = [i for i in range(p) if i not in xs]
    base_chi2 = float(sum(c * (np.sum(np.log(np.diag(s)[ys])) + np.linalg.slogdet(s[np.ix_(xs, xs)])[1] - ld)
                          for c, (s, _), ld in zip(counts, engine.samples, engine.logdet_s)))
    df = _degrees_of_freedom(structure, spec.n_free)
    base_df = _degrees_of_freedom(structure, 0) - G * (p - nx) * (2 if spec.meanstructure else 1)
    chi2 = fit["chi2"]
    # lavaan's logl is conditional on the covariates: minus their saturated marginal log-likelihood
    logl_x = sum(-c / 2 * (nx * math.log(2 * math.pi) + np.linalg.slogdet(s[np.ix_(xs, xs)])[1] + nx)
                 for c, (s, _) in zip(counts, engine.samples))
    logl = fit["logl"] - logl_x
    fit.update({
        "logl": float(logl), "aic": float(-2 * logl + 2 * spec.n_free),
        "bic": float(-2 * logl + spec.n_free * math.log(n)),
        "df": int(df), "p": chi2_pvalue(chi2, df), "cfi": cfi(chi2, df, base_chi2, base_df),
        "tli": tli(chi2, df, base_chi2, base_df), "rmsea": rmsea(chi2, df, n, G),
        "rmsea_ci": rmsea_ci(chi2, df, n, G), "rmsea_p": rmsea_pvalue(chi2, df, n, G),
        "baseline_chi2": base_chi2, "baseline_df": int(base_df),
    })
    return fit


# --------------------------------------------------------------------------------------------
# parameter table
# --------------------------------------------------------------------------------------------
def _parameter_table(fitted: _Fitted, vcov: np.ndarray, labels, ci: float) -> pd.DataFrame:
    structure = fitted.structure
    spec = structure.spec
    free = spec.xidx >= 0
    est = np.where(free, fitted.x[np.maximum(spec.xidx, 0)], spec.value)
    se = np.where(free, np.sqrt(np.clip(np.diag(vcov), 0, None))[np.maximum(spec.xidx, 0)], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(free, est / se, np.nan)
    crit = stats.norm.ppf(1 - (1 - ci) / 2)
    table = pd.DataFrame({
        "lhs": [d[0] for d in structure.display], "op": [d[1] for d in structure.display],
        "rhs": [d[2] for d in structure.display], "group": [labels[g] for g in spec.group],
        "label": spec.label, "free": free, "est": est, "se": se, "z": z,
        "p": np.where(free, 2 * stats.norm.sf(np.abs(z)), np.nan),
        "ci_low": est - crit * se, "ci_high": est + crit * se,
    })
    return table[structure.visible].reset_index(drop=True)


def _std_plan(spec) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per group the rows and, per row, two indices into the pool of scale factors (see
    :func:`_standardised`) whose product turns the estimate into std.all; computed once per model."""
    p, m = spec.p, spec.m
    sd_lv, inv_ov, inv_lv, inv_th, inv_psi, one = 0, m, m + p, 2 * m + p, 2 * m + 2 * p, 3 * m + 2 * p
    plan = []
    for g in range(spec.n_groups):
        rows = np.flatnonzero(spec.group == g)
        kind, r, c = spec.kind[rows], spec.row[rows], spec.col[rows]
        diag = r == c
        first = np.select(
            [kind == _LAMBDA, kind == _BETA, kind == _THETA, kind == _PSI, kind == _NU, kind == _ALPHA],
            [sd_lv + c, sd_lv + c, np.where(diag, inv_ov + r, inv_th + r), np.where(diag, inv_lv + r, inv_psi + r),
             inv_ov + r, inv_lv + r])
        second = np.select(
            [kind == _LAMBDA, kind == _BETA, kind == _THETA, kind == _PSI],
            [inv_ov + r, inv_lv + r, np.where(diag, inv_ov + r, inv_th + c), np.where(diag, inv_lv + r, inv_psi + c)],
            default=one)
        plan.append((rows, first, second))
    return plan


def _standardised(fitted: _Fitted, x: np.ndarray, plan=None) -> np.ndarray:
    """lavaan's std.all of every parameter-table row at the free parameters ``x``: variances by
    the total variances, covariances by the (residual) variances.

    Per group a pool ``[sd(η), 1/sd(y), 1/sd(η), 1/sd(θ), 1/sd(ψ), 1]`` is built from the implied
    moments; every row's factor is the product of two pool entries (:func:`_std_plan`), e.g. a
    loading λ·sd(η)/sd(y), a regression β·sd(η_pred)/sd(η_dep), a covariance ψ/(sd(ψ)·sd(ψ)).
    """
    spec, engine = fitted.structure.spec, fitted.engine
    plan = _std_plan(spec) if plan is None else plan
    est = np.where(spec.xidx >= 0, x[np.maximum(spec.xidx, 0)], spec.value)
    scale = np.full(len(est), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        for g, (rows, first, second) in enumerate(plan):
            mats = engine.matrices(x, g)
            _, v, _ = engine._reduced(mats)
            sd_lv = np.sqrt(np.diag(v))
            var_ov = np.einsum("ij,ij->i", mats[0] @ v, mats[0]) + np.diag(mats[1])  # diag(ΛVΛ' + Θ)
            pool = np.concatenate([sd_lv, 1 / np.sqrt(var_ov), 1 / sd_lv,
                                   1 / np.sqrt(np.abs(np.diag(mats[1]))), 1 / np.sqrt(np.abs(np.diag(mats[2]))), [1.0]])
            scale[rows] = pool[first] * pool[second]
    return est * scale


def _label_index(spec) -> dict:
    """Each label -> its free-parameter index (labels of fixed parameters are not usable)."""
    out = {}
    for label, i in zip(spec.label, spec.xidx):
        if label and i >= 0:
            out.setdefault(label, int(i))
    return out


def _defined_rows(defined, x, vcov, label_index: dict, ci: float) -> pd.DataFrame:
    if not defined:
        return pd.DataFrame(columns=COLUMNS)
    est, jac = defined_jacobian(list(defined), x, label_index)
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0, None))
    crit = stats.norm.ppf(1 - (1 - ci) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = est / se
    return pd.DataFrame({
        "lhs": [d.name for d in defined], "op": ":=", "rhs": [d.expression for d in defined], "group": "",
        "label": [d.name for d in defined], "free": False, "est": est, "se": se, "z": z,
        "p": 2 * stats.norm.sf(np.abs(z)), "ci_low": est - crit * se, "ci_high": est + crit * se,
    })


def _standardised_solution(fitted: _Fitted, defined, vcov: np.ndarray, ci: float) -> pd.DataFrame:
    """``std_all, std_se, std_ci_low, std_ci_high`` of the visible rows followed by the defined
    parameters (evaluated at the standardised labelled parameters), as ``standardizedSolution``:
    delta method with a central-difference Jacobian of the standardised values."""
    spec, visible = fitted.structure.spec, fitted.structure.visible
    first_row = {}
    for i in np.flatnonzero(visible):
        if spec.label[i] and spec.xidx[i] >= 0:
            first_row.setdefault(spec.label[i], i)

    plan = _std_plan(spec)

    def values(x):
        std = _standardised(fitted, x, plan)
        out = list(std[visible])
        if defined:
            scope = {label: std[i] for label, i in first_row.items()}
            out += [complex(v).real for v in evaluate_defined(list(defined), scope).values()]
        return np.array(out)

    centre = values(fitted.x)
    jac = np.zeros((len(centre), len(fitted.x)))
    for k in range(len(fitted.x)):
        h = 1e-6 * max(1.0, abs(fitted.x[k]))
        up, down = fitted.x.copy(), fitted.x.copy()
        up[k] += h
        down[k] -= h
        jac[:, k] = (values(up) - values(down)) / (2 * h)
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0, None))
    crit = stats.norm.ppf(1 - (1 - ci) / 2)
    return pd.DataFrame({"std_all": centre, "std_se": se, "std_ci_low": centre - crit * se,
                         "std_ci_high": centre + crit * se})


# --------------------------------------------------------------------------------------------
# bootstrap
# --------------------------------------------------------------------------------------------
def _complete_rows(df, observed, group, missing, cluster=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per group the complete cases (as :func:`_prepare_data` selects them) and their cluster
    labels (each row its own cluster without ``cluster``)."""
    _, _, labels = _prepare_data(df, observed, group, missing)
    data = df[observed].apply(pd.to_numeric, errors="coerce").astype(float)
    keep = data.notna().all(axis=1).to_numpy()
    if group is not None:
        keep &= df[group].notna().to_numpy()
        gvals = df[group].astype(str).to_numpy()
    else:
        gvals = np.full(len(df), labels[0], dtype=object)
    clusters = df[cluster].astype(str).to_numpy() if cluster is not None else np.arange(len(df)).astype(str)
    values = data.to_numpy()
    return [(values[keep & (gvals == lab)], clusters[keep & (gvals == lab)]) for lab in labels]


def _resample(rng, values: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Rows of whole clusters drawn with replacement (as many clusters as there are)."""
    ids, inverse = np.unique(clusters, return_inverse=True)
    if len(ids) == len(values):
        return values[rng.integers(0, len(values), len(values))]
    members = [np.flatnonzero(inverse == k) for k in range(len(ids))]
    drawn = rng.integers(0, len(ids), len(ids))
    return values[np.concatenate([members[k] for k in drawn])]


def _bootstrap(rows, parsed, fitted: _Fitted, std_lv, equal, draws: int, seed: int) -> list:
    """Refit the model on ``draws`` resamples (rows, or whole clusters, drawn with replacement within
    each group), starting at the estimates; returns the free-parameter vectors of converged refits.
    A resample whose covariance matrix is singular (e.g. a rare dummy that was not drawn) is
    replaced by a new draw, up to ``3 * draws`` attempts in all."""
    rng = np.random.default_rng(seed)
    out = []
    attempts = 0
    while len(out) < draws and attempts < 3 * draws:  # a singular resample is drawn again
        attempts += 1
        samples, counts = [], []
        for values, clusters in rows:
            yb = _resample(rng, values, clusters)
            mean = yb.mean(axis=0)
            samples.append(((yb - mean).T @ (yb - mean) / len(yb), mean))
            counts.append(len(yb))
        try:
            if min(np.linalg.eigvalsh(s)[0] for s, _ in samples) <= 1e-10:
                continue
            structure = build_structural_spec(list(parsed.terms), samples, std_lv=std_lv, equal=equal,
                                              aliases=parsed.aliases)
            refit = _fit_structure(structure, samples, np.array(counts), x0=fitted.x)
        except AnalysisError:
            continue
        if refit.converged:
            out.append(refit.x)
    return out
