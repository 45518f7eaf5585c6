"""CFA with missing answers by FIML against lavaan 0.6-14 (tests/reference/r/fiml_reference.R)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import informeel_lib as il
from informeel_lib.analysis.cfa.fiml import _Patterns, saturated_em
from informeel_lib.errors import AnalysisError
from tests.support.lavaan import assert_multigroup_parameters_match

HERE = Path(__file__).parent
REF = json.loads((HERE / "r" / "fiml_reference.json").read_text())
DATA = {"bfi": pd.read_csv(HERE / "data" / "bfi.csv"),
        "synth": pd.read_csv(HERE / "data" / "synth_items_missing.csv")}
FIT = {"chisq": "chi2", "df": "df", "pvalue": "p", "baseline.chisq": "baseline_chi2", "cfi": "cfi", "tli": "tli",
       "rmsea": "rmsea", "srmr": "srmr", "logl": "logl", "unrestricted.logl": "logl_saturated", "aic": "aic",
       "bic": "bic", "npar": "npar", "ntotal": "n",
       # robust indices with missing data (lavaan's FIML correction V6 for ML)
       "cfi.robust": "cfi_robust", "tli.robust": "tli_robust", "rmsea.robust": "rmsea_robust"}
RELATIVE = {"chisq", "baseline.chisq", "logl", "unrestricted.logl", "aic", "bic"}
CASES = ["bfi", "synth_missing", "synth_missing_stdlv"]


@pytest.mark.parametrize("key", CASES)
def test_matches_lavaan(key):
    ref = REF[key]
    res = il.cfa(DATA[key.split("_")[0]], ref["model"], missing="fiml", std_lv=ref["std_lv"])
    for name, ours in FIT.items():
        tol = {"rel": 1e-3} if name in RELATIVE else {"abs": 1e-3}
        assert res.fit[ours] == pytest.approx(ref["fit"][name], **tol), name
    lo, hi = res.fit["rmsea_ci"]
    assert (lo, hi) == pytest.approx((ref["fit"]["rmsea.ci.lower"], ref["fit"]["rmsea.ci.upper"]), abs=1e-3)
    theirs = pd.DataFrame(ref["params"])
    ours = res.parameters.copy()
    ours.loc[ours["op"] == "~1", "rhs"] = ""
    swapped = ours.rename(columns={"lhs": "rhs", "rhs": "lhs"})
    ours = pd.concat([ours, swapped[(swapped["op"] == "~~") & (swapped["lhs"] != swapped["rhs"])]])
    m = theirs.merge(ours, on=["lhs", "op", "rhs"], suffixes=("_r", ""))
    assert len(m) == len(theirs)
    np.testing.assert_allclose(m["est"], m["est_r"], atol=1e-3)
    np.testing.assert_allclose(m["std_all"], m["std_all_r"], atol=1e-3)
    free = m["se_r"] > 0
    np.testing.assert_allclose(m.loc[free, "se"], m.loc[free, "se_r"], rtol=1e-3)


def test_fiml_keeps_everyone_listwise_does_not():
    ref = REF["bfi"]
    fiml = il.cfa(DATA["bfi"], ref["model"], missing="fiml")
    listwise = il.cfa(DATA["bfi"], ref["model"])
    assert fiml.fit["n"] == 2800 and listwise.fit["n"] == REF["bfi_listwise_n"] == 2632
    assert fiml.fit["missing"] == "fiml"


def test_saturated_em_matches_lavaan_h1():
    ref = REF["synth_missing"]
    items = [c for c in DATA["synth"].columns if c[:4] in ("REFL", "EXPR", "LEID")]
    patterns = _Patterns(DATA["synth"][items].to_numpy(dtype=float))
    sigma, mu = saturated_em(patterns)
    # lavaan's EM stops earlier (tolerance 1e-5), so its moments differ by ~2e-5 and its
    # log-likelihood is a little lower; ours is the maximum
    np.testing.assert_allclose(sigma, np.array(ref["h1_cov"]), atol=1e-4)
    np.testing.assert_allclose(mu, ref["h1_mean"], atol=1e-4)
    ours = patterns.loglik(sigma, mu)
    theirs = patterns.loglik(np.array(ref["h1_cov"]), np.array(ref["h1_mean"]))
    assert theirs <= ours < theirs + 1e-3


def test_complete_data_fiml_equals_ml():
    hs = pd.read_csv(HERE / "data" / "HolzingerSwineford1939.csv")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    assert il.cfa(hs, model, missing="fiml").fit["chi2"] == pytest.approx(il.cfa(hs, model).fit["chi2"], rel=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"missing": "fiml", "ordered": True}, "alleen met de schatters ML en MLR"),
    ({"missing": "fiml", "equal": ("loadings",)}, "groeperingsvariabele"),
    ({"missing": "pairwise"}, "niet ondersteund"),
])
def test_dutch_errors(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        il.cfa(DATA["synth"], "EXPR =~ EXPR1 + EXPR2 + EXPR3", **kwargs)


@pytest.mark.parametrize("key", ["bfi_groups", "bfi_groups_scalar"])
def test_multigroup_matches_lavaan(key):
    ref = REF[key]
    data = DATA["bfi"].assign(sex=np.where(DATA["bfi"]["gender"] == 1, "man", "vrouw"))
    res = il.cfa(data, ref["model"], missing="fiml", group=ref["group"], equal=tuple(ref["equal"]))
    assert list(res.groups) == ref["groups"] and list(res.n_obs.values()) == ref["n"]
    for name, ours in FIT.items():
        tol = {"rel": 1e-3} if name in RELATIVE else {"abs": 1e-3}
        assert res.fit[ours] == pytest.approx(ref["fit"][name], **tol), name
    assert_multigroup_parameters_match(res, ref)


def test_invariance_with_fiml_uses_the_fiml_models():
    data = DATA["bfi"].assign(sex=np.where(DATA["bfi"]["gender"] == 1, "man", "vrouw"))
    table = il.invariance(data, REF["bfi_groups"]["model"], "sex", missing="fiml")
    assert table.loc["configural", "chi2"] == pytest.approx(REF["bfi_groups"]["fit"]["chisq"], rel=1e-3)
    assert table.loc["scalar", "chi2"] == pytest.approx(REF["bfi_groups_scalar"]["fit"]["chisq"], rel=1e-3)
    delta = REF["bfi_groups_scalar"]["fit"]["chisq"] - table.loc["metric", "chi2"]
    assert table.loc["scalar", "delta_chi2"] == pytest.approx(delta, rel=1e-3)
