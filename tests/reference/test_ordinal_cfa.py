"""Ordinal CFA (WLSMV, DWLS; delta and theta parameterization) against lavaan 0.6-14
(tests/reference/r/ordinal_cfa_reference.R)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import informeel_lib as il
from informeel_lib.analysis.cfa.categorical import ordinal_statistics
from informeel_lib.errors import AnalysisError

HERE = Path(__file__).parent
REF = json.loads((HERE / "r" / "ordinal_cfa_reference.json").read_text())
DATA = {
    "synth": pd.read_csv(HERE / "data" / "synth_items.csv"),
    "bfi": pd.read_csv(HERE / "data" / "bfi.csv"),
    "ability": pd.read_csv(HERE / "data" / "ability.csv"),
}
# lavaan name -> ours; compared at 1e-3 (chi2 relative)
FIT = {"chisq": "chi2", "df": "df", "pvalue": "p", "baseline.chisq": "baseline_chi2", "cfi": "cfi", "tli": "tli",
       "rmsea": "rmsea", "srmr": "srmr", "chisq.scaled": "chi2_scaled", "df.scaled": "df_scaled",
       "pvalue.scaled": "p_scaled", "chisq.scaling.factor": "scaling_factor", "chisq.shift.parameters": "shift",
       "baseline.chisq.scaled": "baseline_chi2_scaled", "cfi.scaled": "cfi_scaled", "tli.scaled": "tli_scaled",
       "rmsea.scaled": "rmsea_scaled", "cfi.robust": "cfi_robust", "tli.robust": "tli_robust",
       "rmsea.robust": "rmsea_robust"}
RELATIVE = {"chisq", "baseline.chisq", "chisq.scaled", "baseline.chisq.scaled", "chisq.shift.parameters"}


def fit_case(key):
    ref = REF[key]
    res = il.cfa(DATA[key.split("_")[0]], ref["model"], ordered=True, estimator=ref["estimator"],
                 parameterization=ref["parameterization"], std_lv=ref["std_lv"])
    return ref, res


def merged_parameters(ref, res):
    ours = res.parameters
    swapped = ours.rename(columns={"lhs": "rhs", "rhs": "lhs"})
    swapped = swapped[(swapped["op"] == "~~") & (swapped["lhs"] != swapped["rhs"])]
    both = pd.concat([ours, swapped])
    theirs = pd.DataFrame(ref["params"])
    theirs = theirs[theirs["op"].isin(["=~", "~~", "|"])]
    merged = theirs.merge(both, on=["lhs", "op", "rhs"], suffixes=("_r", ""))
    assert len(merged) == len(theirs)           # every lavaan parameter has its counterpart
    return merged


@pytest.mark.parametrize("key", sorted(k for k in REF if k != "meta"))
def test_matches_lavaan(key):
    ref, res = fit_case(key)
    assert res.fit["n"] == ref["n"] and res.fit["estimator"] == ref["estimator"]
    for name, ours in FIT.items():
        if name not in ref["fit"]:             # DWLS has no scaled test; lavaan does not print the shift
            continue
        if name in RELATIVE:
            assert res.fit[ours] == pytest.approx(ref["fit"][name], rel=1e-3), name
        else:
            assert res.fit[ours] == pytest.approx(ref["fit"][name], abs=1e-3), name
    if ref["estimator"] == "WLSMV":
        f = res.fit
        assert f["chi2_scaled"] == pytest.approx(f["chi2"] / f["scaling_factor"] + f["shift"], rel=1e-12)
    else:
        assert "chi2_scaled" not in res.fit
    lo, hi = res.fit["rmsea_ci_scaled"] if "rmsea_ci_scaled" in res.fit else (None, None)
    if "rmsea.ci.upper.scaled" in ref["fit"]:
        assert (lo, hi) == pytest.approx((ref["fit"]["rmsea.ci.lower.scaled"], ref["fit"]["rmsea.ci.upper.scaled"]),
                                         abs=1e-3)
    m = merged_parameters(ref, res)
    np.testing.assert_allclose(m["est"], m["est_r"], atol=1e-3)
    np.testing.assert_allclose(m["std_all"], m["std_all_r"], atol=1e-3)
    free = m["se_r"] > 0
    np.testing.assert_allclose(m.loc[free, "se"], m.loc[free, "se_r"], rtol=1e-3)


def test_sample_statistics_and_gamma_match_lavaan():
    ref = REF["synth_wlsmv"]
    st = ordinal_statistics(DATA["synth"][ref["items"]].dropna(), ref["items"])
    np.testing.assert_allclose(st.thresholds, ref["sample_th"], atol=1e-8)
    np.testing.assert_allclose(st.cor, np.array(ref["sample_cor"]), atol=1e-6)
    np.testing.assert_allclose(st.gamma, np.array(ref["gamma"]), rtol=1e-5, atol=1e-6)


def test_wlsmv_is_the_default_for_ordered_items_and_reports_it():
    ref = REF["synth_wlsmv"]
    res = il.cfa(DATA["synth"], ref["model"], ordered=True)
    assert res.fit["estimator"] == "WLSMV"
    assert "CFAResult(WLSMV" in repr(res) and "geschaald" in repr(res)
    assert il.cfa(DATA["synth"], "REFL =~ REFL1 + REFL2 + REFL3").fit["estimator"] == "ML"
    thresholds = res.parameters[res.parameters["op"] == "|"]
    assert len(thresholds) == 14 * 4


@pytest.mark.parametrize("kwargs, message", [
    ({"ordered": True, "estimator": "ML"}, "niet met ML"),
    ({"estimator": "WLSMV"}, "ordered=True"),
    ({"ordered": True, "estimator": "ULS"}, "niet ondersteund"),
    ({"ordered": True, "equal": ("loadings",)}, "groeperingsvariabele"),
    ({"ordered": True, "group": "REFL1", "parameterization": "theta"}, "delta-parametrisatie"),
    ({"ordered": True, "parameterization": "gamma"}, "delta"),
])
def test_dutch_errors(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        il.cfa(DATA["synth"], "EXPR =~ EXPR1 + EXPR2 + EXPR3", **kwargs)


def test_items_that_are_not_ordinal_are_refused():
    df = DATA["synth"].copy()
    df["EXPR1"] = df["EXPR1"] + 0.5 * (df.index % 2)
    with pytest.raises(AnalysisError, match="hele getallen"):
        il.cfa(df, "EXPR =~ EXPR1 + EXPR2 + EXPR3", ordered=True)
