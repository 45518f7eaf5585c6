"""Multi-group ordinal CFA (WLSMV/DWLS, delta parameterization) against lavaan 0.6-14, and ordinal
measurement invariance (Wu & Estabrook steps, lavTestLRT scaled difference test) against semTools
(tests/reference/r/ordinal_invariance_reference.R)."""

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import informeel_lib as il
from informeel_lib.analysis.cfa.invariance import judge_step
from informeel_lib.errors import AnalysisError

HERE = Path(__file__).parent
REF = json.loads((HERE / "r" / "ordinal_invariance_reference.json").read_text())
DATA = {
    "hs": pd.read_csv(HERE / "data" / "hs_ordinal.csv"),
    "synth": pd.read_csv(HERE / "data" / "synth_cfa.csv"),
}
DATA["round"] = DATA["synth"]
DATA["hsbinary"] = DATA["hs"].assign(x1=(DATA["hs"]["x1"] > 2).astype(int), x2=(DATA["hs"]["x2"] > 2).astype(int))
# lavaan name -> ours; relative tolerance for the chi-squares, absolute for the rest
FIT = {"chisq": "chi2", "df": "df", "pvalue": "p", "baseline.chisq": "baseline_chi2", "baseline.df": "baseline_df",
       "cfi": "cfi", "tli": "tli", "rmsea": "rmsea", "srmr": "srmr", "chisq.scaled": "chi2_scaled",
       "df.scaled": "df_scaled", "pvalue.scaled": "p_scaled", "chisq.scaling.factor": "scaling_factor",
       "baseline.chisq.scaled": "baseline_chi2_scaled", "cfi.scaled": "cfi_scaled", "tli.scaled": "tli_scaled",
       "rmsea.scaled": "rmsea_scaled"}
RELATIVE = {"chisq", "baseline.chisq", "chisq.scaled", "baseline.chisq.scaled"}


def as_list(equal):
    return [equal] if isinstance(equal, str) and equal else (list(equal) if equal else [])


def assert_fit_matches(ours: dict, theirs: dict):
    for name, key in FIT.items():
        if theirs.get(name) is None:           # DWLS: no scaled test
            continue
        tol = {"rel": 1e-3} if name in RELATIVE else {"abs": 1e-3}
        assert ours[key] == pytest.approx(theirs[name], **tol), name
    if theirs.get("rmsea.ci.upper.scaled") is not None:
        assert ours["rmsea_ci_scaled"] == pytest.approx(
            (theirs["rmsea.ci.lower.scaled"], theirs["rmsea.ci.upper.scaled"]), abs=1e-3)


def assert_parameters_match(ref: dict, params: pd.DataFrame):
    theirs = pd.DataFrame(ref["params"])
    theirs = theirs[theirs["op"].isin(["=~", "~~", "|", "~*~", "~1"])].copy()
    theirs["group"] = [ref["groups"][g - 1] for g in theirs["group"]]
    merged = theirs.merge(params, on=["lhs", "op", "rhs", "group"], suffixes=("_r", ""))
    assert len(merged) == len(theirs)            # every lavaan parameter has its counterpart
    np.testing.assert_allclose(merged["est"], merged["est_r"], atol=1e-3)
    free = merged["se_r"] > 0
    assert free.sum() > 0 and (merged.loc[free, "free"]).all()
    np.testing.assert_allclose(merged.loc[free, "se"], merged.loc[free, "se_r"], rtol=1e-3)


@pytest.mark.parametrize("key", sorted(REF["multigroup"]))
def test_multigroup_wlsmv_matches_lavaan(key):
    ref = REF["multigroup"][key]
    res = il.cfa(DATA[key.split("_")[0]], ref["model"], ordered=True, group=ref["group"],
                 equal=as_list(ref["equal"]), std_lv=ref["std_lv"], estimator=ref["estimator"])
    assert list(res.groups) == ref["groups"]
    assert [res.n_obs[g] for g in res.groups] == ref["n"]
    assert res.fit["estimator"] == ref["estimator"] and res.fit["converged"]
    assert_fit_matches(res.fit, ref["fit"])
    assert_parameters_match(ref, res.parameters)
    if ref["estimator"] == "DWLS":
        assert "chi2_scaled" not in res.fit


def test_multigroup_result_has_per_group_loadings_and_scale_factors():
    ref = REF["multigroup"]["hs_thresholds"]
    res = il.cfa(DATA["hs"], ref["model"], ordered=True, group="school", equal=["thresholds"])
    assert res.loadings.index.names == ["group", "item"]
    assert res.loading("x2", group="Grant-White") != res.loading("x2", group="Pasteur")
    scales = res.parameters[res.parameters["op"] == "~*~"]
    first, second = scales[scales["group"] == "Pasteur"], scales[scales["group"] == "Grant-White"]
    assert (first["est"] == 1).all() and not first["free"].any() and second["free"].all()
    assert "2 groepen" in repr(res) and "scaled-shifted" in repr(res)


@pytest.mark.parametrize("kwargs, message", [
    ({"equal": ["residuals"]}, "alleen thresholds, loadings, intercepts"),
    ({"equal": ["intercepts"]}, "gelijke drempels"),
    ({"parameterization": "theta"}, "delta-parametrisatie"),
])
def test_multigroup_dutch_errors(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        il.cfa(DATA["hs"], "visual =~ x1 + x2 + x3", ordered=True, group="school", **kwargs)


def test_empty_category_in_one_group_is_refused_in_dutch_as_lavaan_does():
    ref = REF["empty_category"]
    assert "are empty in group" in ref["lavaan_error"]            # lavaan refuses this data too
    with pytest.raises(AnalysisError, match="antwoordcategorie leeg") as err:
        il.cfa(DATA["synth"], ref["model"], ordered=True, group=ref["group"], equal=["thresholds"])
    text = str(err.value)
    # lavaan names LEID2 in group 1 (Interzorg), frequencies [13 18 69 33 0]: nobody answered 1
    assert "'LEID2' in groep 'Interzorg' (antwoord 1 komt niet voor)" in text
    assert "'LEID1' in groep 'Oosterlengte' (antwoord 1 komt niet voor)" in text
    assert "Voeg zeldzame antwoordcategorieën samen" in text


# --------------------------------------------------------------------------------------------
# invariance(..., ordered=True): Wu & Estabrook steps (semTools::measEq.syntax) + lavTestLRT
# --------------------------------------------------------------------------------------------
STEP_FIT = ("chisq", "df", "chisq.scaled", "chisq.scaling.factor", "cfi.scaled", "tli.scaled", "rmsea.scaled",
            "cfi", "rmsea", "srmr")


@functools.cache
def ordinal_table(key):
    ref = REF["invariance"][key]
    return il.invariance(DATA[key.split("_")[0]], ref["model"], ref["group"], ordered=True)


@pytest.fixture(params=sorted(REF["invariance"]))
def ordinal_case(request):
    return REF["invariance"][request.param], DATA[request.param.split("_")[0]], ordinal_table(request.param)


def test_ordinal_steps_match_semtools_and_lavtestlrt(ordinal_case):
    ref, _, table = ordinal_case
    assert list(table.index) == ["configural", "thresholds", "loadings", "intercepts"] == list(ref["steps"])
    assert table.attrs["estimator"] == "WLSMV"
    for level, row in table.iterrows():
        theirs = ref["steps"][level]["fit"]
        for name in STEP_FIT:
            tol = {"rel": 1e-3} if name.startswith("chisq") else {"abs": 1e-3}
            assert row[FIT[name]] == pytest.approx(theirs[name], **tol), (level, name)
    for level, lrt in ref["lrt"].items():
        row = table.loc[level]
        assert row["delta_chi2"] == pytest.approx(lrt["chisq_diff"], rel=1e-3), level
        assert row["delta_df"] == lrt["df_diff"]
        assert row["p_delta"] == pytest.approx(lrt["p"], abs=1e-3), level


def test_ordinal_verdicts_follow_chen_on_the_scaled_indices(ordinal_case):
    ref, _, table = ordinal_case
    assert table["verdict"].iloc[0] == "baseline" and table["reason"].iloc[0] == "baseline"
    steps = list(ref["steps"])
    for prev, level in zip(steps[:-1], steps[1:]):
        d_cfi = ref["steps"][level]["fit"]["cfi.scaled"] - ref["steps"][prev]["fit"]["cfi.scaled"]
        d_rmsea = ref["steps"][level]["fit"]["rmsea.scaled"] - ref["steps"][prev]["fit"]["rmsea.scaled"]
        assert table.loc[level, "delta_cfi"] == pytest.approx(d_cfi, abs=1e-3)
        assert table.loc[level, "delta_rmsea"] == pytest.approx(d_rmsea, abs=1e-3)
        expected = judge_step(d_cfi, d_rmsea)
        assert (table.loc[level, "verdict"], table.loc[level, "reason"]) == (expected.verdict.value, expected.reason)


def test_equal_intercepts_are_rejected_across_holzinger_schools():
    """On the cut HolzingerSwineford1939 data the intercept step fails (lavaan: scaled CFI .971 -> .927)."""
    table = il.invariance(DATA["hs"], REF["invariance"]["hs_school"]["model"], "school", ordered=True,
                          levels=("loadings", "intercepts"))
    assert list(table.index) == ["loadings", "intercepts"]
    assert table.loc["intercepts", "verdict"] == "rejected"
    assert table.loc["intercepts", "reason"] == "delta_cfi_and_rmsea"
    assert table.loc["intercepts", "p_delta"] < 0.001


def test_ordinal_step_parameters_match_semtools():
    from informeel_lib.analysis.cfa.ordinal_invariance import ordinal_steps

    ref = REF["invariance"]["hs_school"]
    for level, res, _ in ordinal_steps(DATA["hs"], ref["model"], "school", list(ref["steps"])):
        assert_parameters_match(ref["steps"][level], res.parameters)


@pytest.mark.parametrize("kwargs, message", [
    ({"estimator": "MLR"}, "met WLSMV"),
    ({"missing": "fiml"}, "listwise"),
    ({"levels": ("metric",)}, "onbekend: metric"),
    ({"levels": ("loadings", "thresholds")}, "minst naar meest beperkt"),
])
def test_ordinal_invariance_dutch_errors(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        il.invariance(DATA["hs"], "visual =~ x1 + x2 + x3", "school", ordered=True, **kwargs)


def test_ordinal_invariance_refuses_an_empty_category():
    with pytest.raises(AnalysisError, match="antwoordcategorie leeg"):
        il.invariance(DATA["synth"], REF["empty_category"]["model"], "organisation", ordered=True)


def test_binary_items_keep_their_scale_until_the_intercepts_are_equal():
    from informeel_lib.analysis.cfa.ordinal_invariance import ordinal_steps

    model = REF["invariance"]["hsbinary_school"]["model"]
    for level, res, _ in ordinal_steps(DATA["hsbinary"], model, "school", ["thresholds", "intercepts"]):
        scales = res.parameters[(res.parameters["op"] == "~*~") & (res.parameters["group"] == "Grant-White")]
        free = scales.set_index("lhs")["free"]
        assert free["x3"] and free["x4"]                              # four categories: free from "thresholds" on
        assert free["x1"] == free["x2"] == (level == "intercepts")    # binary: only once the intercepts are equal


def test_sparse_categories_warn_in_dutch_and_stay_on_the_result():
    from informeel_lib.analysis.cfa.specification import CFAWarning

    model = REF["invariance"]["synth_organisation"]["model"]
    with pytest.warns(CFAWarning, match=r"minder dan 5 personen.*'REFL1' in 'Treant' \(antwoord 1: 3\)"):
        res = il.cfa(DATA["synth"], model, ordered=True, group="organisation")
    assert len(res.warnings) == 1 and "let op: Bij" in repr(res)


def test_ordinal_result_reads_as_dutch_in_the_report():
    from informeel_lib.report.sections import invariance_html

    text = invariance_html(DATA["synth"], None, "round", codebook=None, cached=ordinal_table("synth_round"))
    assert "Meetinvariantie tussen rondes" in text
    assert "drempels + ladingen + intercepten" in text and "Wu &amp; Estabrook" in text
    assert "gemiddelden mogen vergeleken worden" in text          # all steps acceptable across rounds


def test_report_runs_ordinal_invariance_when_the_estimator_is_wlsmv(monkeypatch):
    """The report's invariance part takes the project's estimator: WLSMV gives the ordinal steps; an empty
    category becomes the Dutch message the report shows instead of a table. (The child process of
    ``call_with_timeout`` is replaced by an in-process ``_safe`` call: the same code, without the start-up.)"""
    from informeel_lib.errors import Failure
    from informeel_lib.report import context
    from informeel_lib.report.context import _invariance_result, estimator_options

    monkeypatch.setattr(context, "call_with_timeout", lambda fn, *a, timeout, **kw: context._safe(fn, *a, **kw))
    options = estimator_options("WLSMV", None)
    assert options == {"ordered": True}
    ref = REF["invariance"]["synth_round"]
    model = {"REFL": [f"REFL{i}" for i in range(1, 6)], "LEID": [f"LEID{i}" for i in range(1, 6)]}
    table = _invariance_result(DATA["synth"], model, "round", 10, options=options)
    assert table.attrs["estimator"] == "WLSMV"
    assert table.loc["intercepts", "delta_chi2"] == pytest.approx(ref["lrt"]["intercepts"]["chisq_diff"], rel=1e-3)
    failed = _invariance_result(DATA["synth"], {"LEID": model["LEID"]}, "organisation", 10, options=options)
    assert isinstance(failed, Failure) and "antwoordcategorie leeg" in failed.message
