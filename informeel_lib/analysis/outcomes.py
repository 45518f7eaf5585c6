"""The network's outcome questions: how informal learning goes with further outcomes (e.g.
sustainable employability, retention) and how much of the influence factors' association with
them runs through informal learning.

Everything comes from the codebook's research model (``Codebook.research_model``): the outcome
the influence factors explain (the mediator here), the further outcomes, the control variables
and the paths between scales. Two analyses per round:

* :func:`outcome_associations` — a multilevel regression (:func:`~.multilevel.influence_model`)
  of each further outcome on the outcome, controlling for the control variables, with random
  intercepts for organisations and teams;
* :func:`outcome_paths` — the path model of the codebook on standardised scale scores
  (:func:`~.cfa.sem.sem`, controls as covariates), with the indirect effect of every influence
  factor through the outcome, the direct and the total effect; intervals from a bootstrap that
  draws whole teams.

One round is a cross-sectional survey: the results describe what goes together, not what causes
what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..codebook import load_codebook
from ..errors import AnalysisError
from .cfa.sem import SEMResult, sem
from .multilevel import influence_model, resolve_variables, scale_label

__all__ = ["OutcomePaths", "outcome_associations", "outcome_paths", "research_model"]


def research_model(codebook=None):
    """The codebook's research model, or an :class:`AnalysisError` when it has no further outcomes."""
    cb = codebook or load_codebook()
    model = cb.research_model
    if model is None or not model.further_outcomes:
        raise AnalysisError("Het codeboek noemt geen verdere uitkomsten (model: further_outcomes); er is niets "
                            "te analyseren.")
    return model


def outcome_associations(data: pd.DataFrame, codebook=None, *, groups=("organisation", "team")) -> pd.DataFrame:
    """How the outcome goes with each further outcome: multilevel, controlling for the codebook's controls.

    Parameters
    ----------
    data : DataFrame
        One round: items (or scale scores), the group columns and the control columns.
    codebook : Codebook, optional
    groups : (str, str) or str
        Organisation and team columns (random intercepts), as in ``influence_model``.

    Returns
    -------
    DataFrame
        Indexed by further outcome: ``beta, ci_low, ci_high, p`` (standardised coefficient of the
        outcome), ``n, n_teams, n_organisations`` and ``label`` (the Dutch scale name).

    Notes
    -----
    Per further outcome Y: :math:`z(Y) = \\beta\\, z(X) + \\text{controls} + u_{org} + v_{team} + e`
    with X the codebook's outcome (REML; ``influence_model``). R: ``lme4::lmer(scale(Y) ~ scale(X)
    + role + scale(tenure) + (1 | org) + (1 | org:team))``.
    """
    cb = codebook or load_codebook()
    model = research_model(cb)
    controls = [c for c in model.controls if c in data.columns]
    rows = {}
    for further in model.further_outcomes:
        res = influence_model(data, further, [model.outcome], groups=groups, covariates=controls, codebook=cb)
        coef = res.coefficients.loc[model.outcome]
        rows[further] = {"label": scale_label(further, cb), "beta": float(coef["estimate"]),
                         "ci_low": float(coef["ci_low"]), "ci_high": float(coef["ci_high"]), "p": float(coef["p"]),
                         "n": int(res.n), "n_teams": int(res.n_teams), "n_organisations": int(res.n_organisations)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("outcome")


@dataclass(frozen=True, repr=False)
class OutcomePaths:
    """The codebook's path model with indirect effects; see :func:`outcome_paths`.

    Attributes
    ----------
    outcome : str
        The mediator (the codebook's outcome).
    effects : DataFrame
        One row per (further outcome, influence factor): ``indirect, indirect_low, indirect_high``
        (through the outcome), ``direct, direct_low, direct_high``, ``total, total_low, total_high``
        and ``share`` (indirect / total, only where the total's interval excludes 0 and both have
        the same sign; else NaN). Standardised (scale scores z-scored).
    paths : DataFrame
        The regression coefficients of the path model (``dependent, predictor, beta, ci_low,
        ci_high, p``).
    n : int
        Respondents with complete data.
    controls : tuple
        Control variables used.
    interval : str
        How the intervals were computed (Dutch).
    fit : SEMResult
        The fitted path model.
    """

    outcome: str
    effects: pd.DataFrame
    paths: pd.DataFrame
    n: int
    controls: tuple
    interval: str
    fit: SEMResult = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.effects.copy()

    def __repr__(self) -> str:
        return (f"OutcomePaths(outcome={self.outcome}, n={self.n}, controls={list(self.controls)}, "
                f"{len(self.effects)} indirecte effecten; {self.interval})")


def _identifier(text: str) -> str:
    return re.sub(r"\W", "_", str(text), flags=re.ASCII).strip("_") or "x"


MIN_LEVEL = 20
"""Levels of a text control with fewer respondents are counted with the most frequent level (a
dummy for a handful of people is unstable and often absent from a bootstrap sample)."""


def _control_columns(data: pd.DataFrame, controls) -> tuple[pd.DataFrame, list[str]]:
    """Numeric controls as they are; text controls as dummies (reference: the most frequent level,
    which also takes levels with fewer than :data:`MIN_LEVEL` respondents)."""
    out, names = {}, []
    for col in controls:
        values = data[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            name = _identifier(f"k_{col}")
            out[name] = values.astype(float)
            names.append(name)
            continue
        levels = values.dropna().astype(str).value_counts()
        for level in levels.index[1:][levels.iloc[1:] >= MIN_LEVEL]:
            name = _identifier(f"k_{col}_{level}")
            out[name] = np.where(values.isna(), np.nan, (values.astype(str) == level).astype(float))
            names.append(name)
    return pd.DataFrame(out, index=data.index), names


def _path_syntax(model, controls: list[str]) -> tuple[str, list[tuple[str, str, str, str]]]:
    """lavaan syntax of the codebook paths (labelled ``b_<dep>_<pred>``) plus indirect and total effects."""
    paths = model.regressions()
    lines = []
    for dep, preds in paths.items():
        terms = [f"b_{dep}_{p}*{p}" for p in preds] + controls
        lines.append(f"{dep} ~ {' + '.join(terms)}")
    defined = []
    mediator = model.outcome
    for further in model.further_outcomes:
        if mediator not in paths.get(further, []):
            continue
        for factor in paths.get(mediator, []):
            ind, tot = f"ind_{factor}_{further}", f"tot_{factor}_{further}"
            lines.append(f"{ind} := b_{mediator}_{factor}*b_{further}_{mediator}")
            direct = f"b_{further}_{factor}" if factor in paths.get(further, []) else ""
            lines.append(f"{tot} := {direct + ' + ' if direct else ''}{ind}")
            defined.append((further, factor, ind, tot))
    return "\n".join(lines), defined


def outcome_paths(data: pd.DataFrame, codebook=None, *, bootstrap: int = 500, seed: int = 0,
                  cluster: str | None = "team", ci: float = 0.95) -> OutcomePaths:
    """Indirect effects of the influence factors on the further outcomes through the outcome.

    Parameters
    ----------
    data : DataFrame
        One round: items (or scale scores) and the control columns (and ``cluster``).
    codebook : Codebook, optional
        Its research model gives the paths and controls.
    bootstrap : int
        Bootstrap draws for the intervals of the indirect and total effects (0: delta method).
    seed : int
        Seed of the bootstrap.
    cluster : str or None
        Column of the clusters the bootstrap draws whole (teams); None: respondents.
    ci : float
        Interval level.

    Returns
    -------
    OutcomePaths

    Notes
    -----
    Scale scores and numeric controls are z-scored over the complete cases, so coefficients are
    standardised. With paths :math:`M \\sim a_k X_k` and :math:`Y \\sim b M + c_k X_k` the indirect
    effect of factor k on Y is :math:`a_k b`, the total :math:`c_k + a_k b` (Baron & Kenny 1986;
    the product-of-coefficients approach with bootstrap intervals, Preacher & Hayes 2008). R:
    ``lavaan::sem(model, data, se = "bootstrap")`` with ``ind := a*b``.

    References
    ----------
    Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling strategies for assessing and
    comparing indirect effects in multiple mediator models. Behavior Research Methods, 40, 879–891.
    """
    cb = codebook or load_codebook()
    model = research_model(cb)
    paths = model.regressions()
    scales = list(dict.fromkeys([s for dep, preds in paths.items() for s in (dep, *preds)]))
    scores = resolve_variables(data, scales, codebook=cb).astype(float)
    controls, control_names = _control_columns(data, [c for c in model.controls if c in data.columns])
    frame = pd.concat([scores, controls], axis=1)
    if cluster is not None:
        if cluster not in data.columns:
            raise AnalysisError(f"Clustervariabele '{cluster}' staat niet in de data.")
        frame["_cluster"] = data[cluster].astype(str)
    frame = frame.dropna()
    if len(frame) < 3 * (len(scales) + len(control_names)):
        raise AnalysisError(f"Te weinig volledige antwoorden ({len(frame)}) voor het padmodel met "
                            f"{len(scales)} schalen en {len(control_names)} controlevariabelen.")
    numeric = scales + [c for c in control_names if frame[c].nunique() > 2]
    frame[numeric] = (frame[numeric] - frame[numeric].mean()) / frame[numeric].std(ddof=1)
    syntax, defined = _path_syntax(model, control_names)
    fit = sem(frame, syntax, bootstrap=bootstrap, seed=seed, ci=ci,
              cluster="_cluster" if cluster is not None and bootstrap else None)
    effects = _effects_table(fit, defined, cb)
    table = fit.regressions
    table = table[~table["rhs"].isin(control_names)]
    coefs = pd.DataFrame({"dependent": table["lhs"].to_numpy(), "predictor": table["rhs"].to_numpy(),
                          "beta": table["est"].to_numpy(), "ci_low": table["ci_low"].to_numpy(),
                          "ci_high": table["ci_high"].to_numpy(), "p": table["p"].to_numpy()})
    level = f"{round(ci * 100)}%"
    if bootstrap:
        where = "teams" if cluster is not None else "respondenten"
        interval = (f"{level}-intervallen van de indirecte en totale effecten uit {fit.bootstrap['used']} "
                    f"bootstrapsteekproeven van {where} (seed {seed})")
    else:
        interval = f"{level}-intervallen met de deltamethode"
    return OutcomePaths(model.outcome, effects, coefs, int(fit.fit["n"]), tuple(model.controls), interval, fit)


def _effects_table(fit: SEMResult, defined, cb) -> pd.DataFrame:
    rows = []
    defs = fit.defined
    for further, factor, ind, tot in defined:
        direct = fit.parameters[(fit.parameters["op"] == "~") & (fit.parameters["lhs"] == further)
                                & (fit.parameters["rhs"] == factor)]
        d = direct.iloc[0] if len(direct) else None
        total = defs.loc[tot]
        row = {
            "outcome": further, "factor": factor, "outcome_label": scale_label(further, cb),
            "factor_label": scale_label(factor, cb),
            "indirect": defs.loc[ind, "est"], "indirect_low": defs.loc[ind, "ci_low"],
            "indirect_high": defs.loc[ind, "ci_high"],
            "direct": np.nan if d is None else d["est"], "direct_low": np.nan if d is None else d["ci_low"],
            "direct_high": np.nan if d is None else d["ci_high"],
            "total": total["est"], "total_low": total["ci_low"], "total_high": total["ci_high"],
        }
        clear = (row["total_low"] > 0 or row["total_high"] < 0) and np.sign(row["indirect"]) == np.sign(row["total"])
        row["share"] = row["indirect"] / row["total"] if clear else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
