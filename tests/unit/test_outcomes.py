"""Outcome analyses driven by the codebook's research model (informeel_lib.analysis.outcomes)."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

import informeel_lib as il
from informeel_lib.analysis.outcomes import outcome_associations, outcome_paths
from informeel_lib.codebook import DATA_DIR, parse_codebook
from informeel_lib.errors import AnalysisError


@pytest.fixture(scope="module")
def round1():
    net = il.generate_network(seed=2021)
    return net.round(net.rounds[0])


@pytest.fixture(scope="module")
def paths(round1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return outcome_paths(round1, bootstrap=100, seed=1)


def test_indirect_effect_is_the_product_of_the_two_paths(paths):
    model = il.load_codebook().research_model
    coefs = paths.paths.set_index(["dependent", "predictor"])["beta"]
    for _, row in paths.effects.iterrows():
        a = coefs[(model.outcome, row["factor"])]
        b = coefs[(row["outcome"], model.outcome)]
        assert row["indirect"] == pytest.approx(a * b, rel=1e-9)
        assert row["total"] == pytest.approx(row["direct"] + a * b, rel=1e-9)
        assert row["indirect_low"] < row["indirect"] < row["indirect_high"]
    assert set(paths.effects["outcome"]) == set(model.further_outcomes)
    assert set(paths.effects["factor"]) == set(model.predictors)
    assert paths.fit.bootstrap["used"] == 100 and paths.fit.bootstrap["cluster"] == "_cluster"
    assert "bootstrap" in paths.interval and "teams" in paths.interval


def test_share_only_where_the_total_is_clearly_not_zero(paths):
    eff = paths.effects
    clear = (eff["total_low"] > 0) | (eff["total_high"] < 0)
    assert eff.loc[~clear, "share"].isna().all()
    shown = eff["share"].notna()
    np.testing.assert_allclose(eff.loc[shown, "share"], eff.loc[shown, "indirect"] / eff.loc[shown, "total"])


def test_associations_are_multilevel_with_the_codebook_controls(round1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assoc = outcome_associations(round1)
        direct = il.influence_model(round1, "DUUR", ["IWL"], covariates=["role", "tenure"])
    model = il.load_codebook().research_model
    assert list(assoc.index) == list(model.further_outcomes)
    assert assoc.loc["DUUR", "beta"] == pytest.approx(direct.coefficients.loc["IWL", "estimate"])
    assert (assoc["ci_low"] < assoc["beta"]).all() and (assoc["beta"] < assoc["ci_high"]).all()


def test_another_codebook_model_changes_the_analysis(round1):
    raw = yaml.safe_load((DATA_DIR / "codebook.yaml").read_text("utf-8"))
    raw = copy.deepcopy(raw)
    raw["model"] = {"outcome": "IWL", "further_outcomes": ["BIND"], "predictors": ["REFL", "LEID"],
                    "controls": ["tenure"]}
    cb = parse_codebook(raw)
    res = outcome_paths(round1, cb, bootstrap=0)
    assert set(res.effects["factor"]) == {"REFL", "LEID"} and set(res.effects["outcome"]) == {"BIND"}
    assert res.controls == ("tenure",)
    assert "deltamethode" in res.interval


def test_without_further_outcomes_a_dutch_error(round1):
    raw = yaml.safe_load((DATA_DIR / "codebook.yaml").read_text("utf-8"))
    raw["model"] = {"outcome": "IWL"}
    with pytest.raises(AnalysisError, match="verdere uitkomsten"):
        outcome_paths(round1, parse_codebook(raw))


def test_cluster_bootstrap_respects_clusters():
    """Each respondent copied three times: a bootstrap of rows thinks there are 3x as many people and
    gives too narrow intervals; drawing whole clusters (the copies) gives the intervals of the original."""
    rng = np.random.default_rng(5)
    n = 150
    x = rng.standard_normal(n)
    m = .5 * x + rng.standard_normal(n)
    y = .5 * m + rng.standard_normal(n)
    base = pd.DataFrame({"x": x, "m": m, "y": y, "id": np.arange(n)})
    copies = pd.concat([base] * 3, ignore_index=True)
    model = "m ~ a*x\ny ~ b*m + x\nind := a*b"
    width = {}
    for name, data, cluster in (("original", base, None), ("rows", copies, None), ("clusters", copies, "id")):
        res = il.sem(data, model, bootstrap=300, seed=2, cluster=cluster)
        width[name] = res.defined.loc["ind", "ci_high"] - res.defined.loc["ind", "ci_low"]
    assert width["rows"] < 0.75 * width["original"]
    assert width["clusters"] == pytest.approx(width["original"], rel=0.25)
