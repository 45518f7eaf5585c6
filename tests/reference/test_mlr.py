"""Robust ML (estimator="MLR") against lavaan 0.6-14 (tests/reference/r/mlr_reference.R)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import informeel_lib as il
from informeel_lib.errors import AnalysisError

HERE = Path(__file__).parent
REF = json.loads((HERE / "r" / "mlr_reference.json").read_text())
DATA = {"hs": pd.read_csv(HERE / "data" / "HolzingerSwineford1939.csv"),
        "bfi": pd.read_csv(HERE / "data" / "bfi.csv"),
        "synth": pd.read_csv(HERE / "data" / "synth_items.csv"),
        "synth_missing": pd.read_csv(HERE / "data" / "synth_items_missing.csv")}
FIT = {"chisq": "chi2", "df": "df", "chisq.scaled": "chi2_scaled", "df.scaled": "df_scaled",
       "pvalue.scaled": "p_scaled", "chisq.scaling.factor": "scaling_factor", "baseline.chisq": "baseline_chi2",
       "baseline.chisq.scaled": "baseline_chi2_scaled", "baseline.chisq.scaling.factor": "baseline_scaling_factor",
       "cfi": "cfi", "tli": "tli", "rmsea": "rmsea", "cfi.scaled": "cfi_scaled", "tli.scaled": "tli_scaled",
       "rmsea.scaled": "rmsea_scaled", "cfi.robust": "cfi_robust", "tli.robust": "tli_robust",
       "rmsea.robust": "rmsea_robust", "srmr": "srmr", "ntotal": "n"}
RELATIVE = {"chisq", "chisq.scaled", "baseline.chisq", "baseline.chisq.scaled"}


@pytest.mark.parametrize("key, data, missing", [("hs", "hs", "listwise"), ("bfi", "bfi", "listwise"),
                                                ("synth", "synth", "listwise"), ("bfi_fiml", "bfi", "fiml"),
                                                ("synth_fiml", "synth_missing", "fiml")])
def test_matches_lavaan(key, data, missing):
    ref = REF[key]
    res = il.cfa(DATA[data], ref["model"], estimator="MLR", missing=missing)
    assert res.fit["estimator"] == "MLR"
    for name, ours in FIT.items():
        tol = {"rel": 1e-3} if name in RELATIVE else {"abs": 1e-3}
        assert res.fit[ours] == pytest.approx(ref["fit"][name], **tol), name
    for kind in ("scaled", "robust"):
        lo, hi = res.fit[f"rmsea_ci_{kind}"]
        assert lo == pytest.approx(ref["fit"][f"rmsea.ci.lower.{kind}"], abs=1e-3), kind
        assert hi == pytest.approx(ref["fit"][f"rmsea.ci.upper.{kind}"], abs=1e-3), kind
    theirs = pd.DataFrame(ref["params"])
    ours = res.parameters.copy()
    ours.loc[ours["op"] == "~1", "rhs"] = ""
    swapped = ours.rename(columns={"lhs": "rhs", "rhs": "lhs"})
    ours = pd.concat([ours, swapped[(swapped["op"] == "~~") & (swapped["lhs"] != swapped["rhs"])]])
    m = theirs.merge(ours, on=["lhs", "op", "rhs"], suffixes=("_r", ""))
    assert len(m) == len(theirs)
    np.testing.assert_allclose(m["est"], m["est_r"], atol=1e-3)
    free = m["se_r"] > 0
    np.testing.assert_allclose(m.loc[free, "se"], m.loc[free, "se_r"], rtol=1e-3)


def test_mlr_estimates_equal_ml_and_only_the_inference_changes():
    ml = il.cfa(DATA["hs"], REF["hs"]["model"])
    mlr = il.cfa(DATA["hs"], REF["hs"]["model"], estimator="MLR")
    np.testing.assert_allclose(ml.parameters["est"], mlr.parameters["est"], atol=1e-12)
    assert not np.allclose(ml.parameters["se"], mlr.parameters["se"])
    assert "MLR" in repr(mlr) and "geschaald" in repr(mlr)


@pytest.mark.parametrize("kwargs, message", [
    ({"estimator": "MLR", "ordered": True}, "niet met MLR"),
    ({"estimator": "MLR", "equal": ("loadings",)}, "groeperingsvariabele"),
])
def test_dutch_errors(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        il.cfa(DATA["hs"], REF["hs"]["model"], **kwargs)
