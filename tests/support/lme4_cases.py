"""The lme4 reference cases of tests/reference/r/lme4_reference.R, read back for the tests.

Each case names a public data set (CSV in tests/reference/data/) and a model in influence_model's
terms (outcome, predictors, covariates, groups, random slope, REML/ML, standardised or raw). R's
values are the best of three optimisers. :func:`design` rebuilds the same fixed-effects matrix and
random terms independently of influence_model, for the engine tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parents[1] / "reference"
REFERENCE = json.loads((HERE / "r" / "lme4_reference.json").read_text())
CASES = REFERENCE["cases"]

FIXED_ABS, FIXED_REL = 1e-4, 1e-3
VARIANCE_REL = 1e-3
SE_REL = 1e-3
LOGLIK_ABS = 1e-3


def as_list(value) -> list:
    """R's jsonlite writes one-element vectors as scalars and empty ones as []."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def load(case: dict) -> pd.DataFrame:
    return pd.read_csv(HERE / "data" / f"{case['data']}.csv")


def variance_key(role: str, case: dict) -> str:
    """Name in LMMFit.variance_components() of an R variance component role."""
    slope = case["random_slope"]
    return {"team_slope": f"team: {slope}", "team_intercept_slope_cov": f"team: Intercept ~ {slope}"}.get(role, role)


def design(case: dict):
    """(y, X, random terms) of a case, built the way the R script builds its model frame."""
    from informeel_lib.analysis.lmm import RandomTerm

    groups, predictors = as_list(case["groups"]), as_list(case["predictors"])
    covariates, split = as_list(case["covariates"]), as_list(case["within_between"])
    d = load(case)[list(dict.fromkeys([case["outcome"], *predictors, *covariates, *groups]))].dropna()
    team = (d[groups[0]].astype(str) + " / "
            + d[groups[1]].astype(str)) if len(groups) == 2 else d[groups[0]].astype(str)

    def prepare(x):
        x = x.astype(float)
        return (x - x.mean()) / x.std(ddof=1) if case["standardize"] else x

    y = prepare(d[case["outcome"]])
    cols = {"Intercept": np.ones(len(d))}
    for p in predictors:
        x = prepare(d[p])
        if p in split:
            between = x.groupby(team).transform("mean")
            cols[f"{p}_between"], cols[f"{p}_within"] = between, x - between
        else:
            cols[p] = x
    for v in covariates:
        if pd.api.types.is_numeric_dtype(d[v]):
            cols[v] = prepare(d[v])
        else:
            ref = d[v].value_counts().index[0]
            cols.update({f"{v}={lev}": (d[v] == lev).astype(float) for lev in sorted(d[v].unique()) if lev != ref})
    X = pd.DataFrame(cols)
    slope = case["random_slope"]
    terms = [RandomTerm.with_slope("team", team.to_numpy(), X[slope].to_numpy(), slope) if slope
             else RandomTerm.intercept("team", team.to_numpy())]
    if len(groups) == 2:
        terms.append(RandomTerm.intercept("organisation", d[groups[0]].astype(str).to_numpy()))
    return y.to_numpy(), X, terms
