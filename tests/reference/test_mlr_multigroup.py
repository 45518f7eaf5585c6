"""Multi-group robust ML (estimator="MLR") and MLR invariance against lavaan 0.6-14
(tests/reference/r/mlr_multigroup_reference.R): HolzingerSwineford1939 by school, complete and with
planted missing answers (FIML); scaled/robust fit indices and lavTestLRT's Satorra-Bentler (2001)
scaled difference test."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import informeel_lib as il
from informeel_lib.analysis.cfa import NonConvergenceError
from tests.support.lavaan import assert_multigroup_parameters_match

HERE = Path(__file__).parent
REF = json.loads((HERE / "r" / "mlr_multigroup_reference.json").read_text())
DATA = {"listwise": pd.read_csv(HERE / "data" / "HolzingerSwineford1939.csv"),
        "fiml": pd.read_csv(HERE / "data" / "hs_missing.csv")}
EQUAL = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts")}
COLUMNS = {"chisq": "chi2", "df": "df", "cfi": "cfi", "tli": "tli", "rmsea": "rmsea", "srmr": "srmr",
           "chisq.scaled": "chi2_scaled", "pvalue.scaled": "p_scaled", "chisq.scaling.factor": "scaling_factor",
           "cfi.scaled": "cfi_scaled", "tli.scaled": "tli_scaled", "rmsea.scaled": "rmsea_scaled",
           "cfi.robust": "cfi_robust", "tli.robust": "tli_robust", "rmsea.robust": "rmsea_robust"}
RELATIVE = {"chisq", "chisq.scaled"}


@pytest.fixture(scope="module", params=["listwise", "fiml"])
def case(request):
    key = request.param
    table = il.invariance(DATA[key], REF[key]["model"], "school", levels=tuple(EQUAL), estimator="MLR",
                          missing=REF[key]["missing"])
    return key, table


def test_fit_of_every_level_matches_lavaan(case):
    key, table = case
    assert table.attrs["estimator"] == "MLR"
    for level in EQUAL:
        ref = REF[key]["levels"][level]["fit"]
        for name, ours in COLUMNS.items():
            tol = {"rel": 1e-3} if name in RELATIVE else {"abs": 1e-3}
            assert table.loc[level, ours] == pytest.approx(ref[name], **tol), (level, name)


def test_scaled_difference_test_matches_lavtestlrt(case):
    key, table = case
    lrt = REF[key]["lrt"]
    assert "satorra.bentler.2001" in lrt["method"]
    for i, level in enumerate(EQUAL):
        if i == 0:
            assert np.isnan(table.loc[level, "delta_chi2"])
            continue
        assert table.loc[level, "delta_chi2"] == pytest.approx(lrt["chisq_diff"][i], rel=1e-3)
        assert table.loc[level, "delta_df"] == lrt["df_diff"][i]
        assert table.loc[level, "p_delta"] == pytest.approx(lrt["p"][i], abs=1e-3, rel=1e-3)
        fits = REF[key]["levels"]
        previous = list(EQUAL)[i - 1]
        for delta, name in (("delta_cfi", "cfi.robust"), ("delta_rmsea", "rmsea.robust")):
            expected = fits[level]["fit"][name] - fits[previous]["fit"][name]
            assert table.loc[level, delta] == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("key, level", [("listwise", "scalar"), ("fiml", "metric")])
def test_estimates_and_robust_standard_errors_match_lavaan(key, level):
    ref = REF[key]["levels"][level]
    res = il.cfa(DATA[key], REF[key]["model"], group="school", equal=EQUAL[level], estimator="MLR",
                 missing=REF[key]["missing"])
    assert list(res.groups) == ref["groups"] and list(res.n_obs.values()) == ref["n"]
    assert res.fit["missing"] == REF[key]["missing"]
    for kind in ("scaled", "robust"):
        bounds = (ref["fit"][f"rmsea.ci.lower.{kind}"], ref["fit"][f"rmsea.ci.upper.{kind}"])
        assert res.fit[f"rmsea_ci_{kind}"] == pytest.approx(bounds, abs=1e-3), kind
    assert_multigroup_parameters_match(res, ref)


def test_single_group_fiml_robust_indices_match_lavaan():
    ref = REF["single_fiml"]
    res = il.cfa(DATA["fiml"], ref["model"], estimator="MLR", missing="fiml")
    for name in ("cfi.robust", "tli.robust", "rmsea.robust", "cfi.scaled", "rmsea.scaled"):
        assert res.fit[COLUMNS[name]] == pytest.approx(ref["fit"][name], abs=1e-3), name
    for kind in ("scaled", "robust"):
        bounds = (ref["fit"][f"rmsea.ci.lower.{kind}"], ref["fit"][f"rmsea.ci.upper.{kind}"])
        assert res.fit[f"rmsea_ci_{kind}"] == pytest.approx(bounds, abs=1e-3), kind


def test_groups_too_small_for_the_model_fail_fast_with_a_dutch_error():
    """The ML regression case (tests/reference/test_invariance.py) with MLR: no finite solution, said in Dutch."""
    ref = json.loads((HERE / "r" / "lavaan_reference.json").read_text())["divergent"]
    data = pd.read_csv(HERE / "data" / "synth_cfa_divergent.csv")
    with pytest.raises(NonConvergenceError) as info:
        il.invariance(data, ref["model"], "organisation", estimator="MLR")
    msg = str(info.value)
    assert msg.startswith("Meetinvariantie over 'organisation', configurale model: het model convergeert niet")
    assert "'Zonnehuisgroep Noord' n = 51" in msg
