"""informeel_lib's sem() against lavaan 0.6-14 (tests/reference/r/sem_reference.R -> sem_reference.json).

Data: lavaan's PoliticalDemocracy and HolzingerSwineford1939 (exported from R) and the synthetic
network (tests/reference/r/make_synth_sem_data.py). Every parameter lavaan reports (loadings,
regressions, (residual) (co)variances, fixed covariates, intercepts, defined parameters) is
matched: estimates and fit indices within 1e-3, standard errors within 1e-3 relative.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import informeel_lib as il
from informeel_lib.analysis.cfa.sem import sem
from informeel_lib.errors import AnalysisError

HERE = Path(__file__).resolve().parent
REF = json.loads((HERE / "r" / "sem_reference.json").read_text())
MODELS = REF["models"]

FIT_KEYS = [("chi2", "chisq"), ("df", "df"), ("p", "pvalue"), ("cfi", "cfi"), ("tli", "tli"),
            ("rmsea", "rmsea"), ("rmsea_p", "rmsea.pvalue"), ("srmr", "srmr"), ("aic", "aic"),
            ("bic", "bic"), ("npar", "npar"), ("n", "ntotal"), ("logl", "logl"),
            ("baseline_chi2", "baseline.chisq"), ("baseline_df", "baseline.df")]


@pytest.fixture(scope="module")
def datasets():
    synth = pd.read_csv(HERE / "data" / "synth_sem.csv")
    return {
        "pd": pd.read_csv(HERE / "data" / "PoliticalDemocracy.csv"),
        "hs": pd.read_csv(HERE / "data" / "HolzingerSwineford1939.csv"),
        "synth": synth,
        "synth1": synth[synth["round"] == synth["round"].iloc[0]],
    }


def fit_reference(name: str, datasets, **extra):
    ref = MODELS[name]
    args = ref["args"] or {}
    kwargs = {}
    if "group" in args:
        kwargs["group"] = args["group"]
    if "group.equal" in args:
        kwargs["equal"] = tuple(np.atleast_1d(args["group.equal"]))
    if "std.lv" in args:
        kwargs["std_lv"] = args["std.lv"]
    return sem(datasets[ref["data"]], ref["model"], **kwargs, **extra)


def matching_row(ours: pd.DataFrame, ref_row, group_labels) -> pd.Series:
    op = ref_row["op"]
    if op == ":=":
        sel = (ours["op"] == op) & (ours["lhs"] == ref_row["lhs"])
    else:
        group = group_labels[ref_row["group"] - 1] if len(group_labels) > 1 else "totaal"
        same = (ours["lhs"] == ref_row["lhs"]) & (ours["rhs"] == ref_row["rhs"])
        if op == "~~":
            same |= (ours["lhs"] == ref_row["rhs"]) & (ours["rhs"] == ref_row["lhs"])
        sel = (ours["op"] == op) & same & (ours["group"] == group)
    assert sel.sum() == 1, f"{ref_row['lhs']} {op} {ref_row['rhs']} (group {ref_row['group']})"
    return ours[sel].iloc[0]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fit_measures_match_lavaan(name, datasets):
    res = fit_reference(name, datasets)
    ref = MODELS[name]["fit"]
    for ours, theirs in FIT_KEYS:
        if ref[theirs] is None:
            assert np.isnan(res.fit[ours]), ours
        else:
            assert res.fit[ours] == pytest.approx(ref[theirs], abs=1e-3), ours
    assert res.fit["rmsea_ci"] == pytest.approx((ref["rmsea.ci.lower"], ref["rmsea.ci.upper"]), abs=1e-3)
    assert res.fit["converged"]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_parameters_match_lavaan(name, datasets):
    res = fit_reference(name, datasets)
    ref = pd.DataFrame(MODELS[name]["parameters"])
    labels = MODELS[name]["group_labels"]
    assert len(res.parameters) == len(ref)  # no parameter missing, none extra
    for _, r in ref.iterrows():
        ours = matching_row(res.parameters, r, labels)
        what = f"{r['lhs']} {r['op']} {r['rhs']} (group {r['group']})"
        assert ours["est"] == pytest.approx(r["est"], abs=1e-3), what
        assert ours["se"] == pytest.approx(r["se"], rel=1e-3, abs=1e-9), what
        assert ours["ci_low"] == pytest.approx(r["ci.lower"], abs=1e-3), what
        assert ours["ci_high"] == pytest.approx(r["ci.upper"], abs=1e-3), what
        assert ours["std_all"] == pytest.approx(r["std.all"], abs=1e-3), what
        assert ours["std_se"] == pytest.approx(r["std.se"], rel=1e-3, abs=1e-6), what
        assert ours["std_ci_low"] == pytest.approx(r["std.ci.lower"], abs=1e-3), what
        assert ours["std_ci_high"] == pytest.approx(r["std.ci.upper"], abs=1e-3), what
        if r["se"] > 0:
            assert ours["z"] == pytest.approx(r["z"], rel=2e-3), what
            assert ours["p"] == pytest.approx(r["pvalue"], abs=1e-3), what
        assert ours["free"] == (r["se"] > 0 and r["op"] != ":="), what


@pytest.mark.parametrize("name", ["hs_covariates", "synth_rounds"])
def test_implied_covariances_match_lavaan(name, datasets):
    res = fit_reference(name, datasets)
    ref = MODELS[name]
    for g, lab in enumerate(res.groups):
        key = lab if isinstance(ref["implied_names"], dict) else g  # multi-group: a list named by group
        names = ref["implied_names"][key]
        ours = res.implied_cov[lab].loc[names, names].to_numpy()
        np.testing.assert_allclose(ours, np.array(ref["implied_cov"][key]), atol=1e-3)


def test_public_api_and_result_helpers(datasets):
    res = il.sem(datasets["hs"], MODELS["hs_mediation"]["model"])
    assert list(res.parameters.columns) == ["lhs", "op", "rhs", "group", "label", "free", "est", "se", "z", "p",
                                            "ci_low", "ci_high", "std_all", "std_se", "std_ci_low", "std_ci_high"]
    assert res.estimate("indirect", ":=")["est"] == pytest.approx(
        res.estimate("textual", "~", "visual")["est"] * res.estimate("speed", "~", "textual")["est"])
    assert set(res.regressions["lhs"]) == {"textual", "speed"}
    assert list(res.defined.index) == ["indirect", "total", "proportion"]
    text = repr(res)
    assert "SEMResult" in text and "indirect := a*b" in text
    assert res.to_frame().loc["model", "df"] == MODELS["hs_mediation"]["fit"]["df"]


def test_bootstrap_intervals_are_seeded_and_close_to_lavaan(datasets):
    """Percentile bootstrap of the defined parameters: the same seed gives the same intervals, and
    they are close to lavaan's 1000-draw intervals (other random draws, so loosely)."""
    model = REF["bootstrap"]["model"]
    first = sem(datasets["hs"], model, bootstrap=150, seed=7)
    assert first.bootstrap == {"draws": 150, "used": 150, "seed": 7}
    ref = pd.DataFrame(REF["bootstrap"]["parameters"]).set_index("lhs")
    ours = first.defined
    for name in ("indirect", "total"):
        assert ours.loc[name, "ci_low"] == pytest.approx(ref.loc[name, "ci.lower"], abs=0.03), name
        assert ours.loc[name, "ci_high"] == pytest.approx(ref.loc[name, "ci.upper"], abs=0.03), name
    delta = sem(datasets["hs"], model)
    assert (ours["est"] == delta.defined["est"]).all()
    assert not np.allclose(ours["ci_low"], delta.defined["ci_low"])  # really the bootstrap, not the delta method
    small = [sem(datasets["hs"], model, bootstrap=10, seed=3).defined["ci_low"] for _ in range(2)]
    pd.testing.assert_series_equal(small[0], small[1])
    assert not np.allclose(small[0], sem(datasets["hs"], model, bootstrap=10, seed=4).defined["ci_low"])


@pytest.mark.parametrize("model, message", [
    ("visual =~ x1 + x2 + x3\nvisual ~ 1", "intercept"),
    ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ visual\na < 1", "ongelijkheid"),
    ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ a*visual\nind := a*zz", "zz"),
    ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ a*visual\nind := __import__('os')", "toegestaan"),
    ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ a*visual\nb == a", "geen label"),
    ("visual =~ x1 + x2 + x3\nx4 ~ x1", "zowel onder een factor"),
    ("visual =~ x1 + x2 + x3\ntextual ~ visual", "niet in de data"),
])
def test_unsupported_or_wrong_syntax_gets_a_dutch_message(model, message, datasets):
    with pytest.raises(AnalysisError, match=message):
        sem(datasets["hs"], model)


def test_options_are_checked(datasets):
    model = MODELS["hs_mediation"]["model"]
    with pytest.raises(AnalysisError, match="groeperingsvariabele"):
        sem(datasets["hs"], model, equal="loadings")
    with pytest.raises(AnalysisError, match="Onbekende"):
        sem(datasets["hs"], model, group="school", equal="slopes")
    with pytest.raises(AnalysisError, match="Schatter"):
        sem(datasets["hs"], model, estimator="GLS")
