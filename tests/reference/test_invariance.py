"""informeel_lib.invariance against lavaan 0.6-14: cfa(..., group.equal=) per level and lavTestLRT."""

from __future__ import annotations

import importlib
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import informeel_lib as il
from informeel_lib.analysis.cfa.invariance import StepVerdict, Verdict, judge_step
from informeel_lib.analysis.cfa.specification import CFAWarning, NonConvergenceError
from informeel_lib.errors import AnalysisError

HERE = Path(__file__).resolve().parent
REF = json.loads((HERE / "r" / "lavaan_reference.json").read_text())
HS_MODEL = REF["meta"]["hs_model"]
COLUMNS = ["chi2", "df", "p", "cfi", "tli", "rmsea", "srmr", "delta_chi2", "delta_df", "p_delta",
           "delta_cfi", "delta_rmsea", "verdict", "reason"]


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(HERE / "data" / "HolzingerSwineford1939.csv")


@pytest.fixture(scope="module")
def hs_table(hs):
    return il.invariance(hs, HS_MODEL, "school", levels=("configural", "metric", "scalar", "strict"))


def check_against_lavaan(table, fits, lrt):
    assert list(table.columns) == COLUMNS
    for level, ref in fits.items():
        row, r = table.loc[level], ref["fit"]
        assert row["chi2"] == pytest.approx(r["chisq"], rel=1e-6)
        assert row["df"] == r["df"]
        for ours, theirs in [("p", "pvalue"), ("cfi", "cfi"), ("tli", "tli"), ("rmsea", "rmsea"), ("srmr", "srmr")]:
            assert row[ours] == pytest.approx(r[theirs], abs=1e-6), (level, ours)
    levels = list(fits)
    for i in range(1, len(levels)):
        row = table.loc[levels[i]]
        assert row["delta_chi2"] == pytest.approx(lrt["delta_chisq"][i], rel=1e-5)
        assert row["delta_df"] == lrt["delta_df"][i]
        assert row["p_delta"] == pytest.approx(lrt["p_delta"][i], rel=1e-4, abs=1e-10)
        prev = fits[levels[i - 1]]["fit"]
        cur = fits[levels[i]]["fit"]
        assert row["delta_cfi"] == pytest.approx(cur["cfi"] - prev["cfi"], abs=1e-6)
        assert row["delta_rmsea"] == pytest.approx(cur["rmsea"] - prev["rmsea"], abs=1e-6)
    first = table.iloc[0]
    assert np.isnan(first["delta_chi2"]) and pd.isna(first["delta_df"])


def test_holzinger_swineford_matches_lavaan(hs_table):
    fits = {level: REF["hs"][level] for level in ("configural", "metric", "scalar", "strict")}
    check_against_lavaan(hs_table, fits, REF["hs"]["lrt"])
    assert hs_table.index.name == "level" and list(hs_table.index) == list(fits)


def test_holzinger_swineford_conclusions(hs_table):
    """Known result: metric invariance holds for the two schools, scalar invariance does not."""
    v, reason = hs_table["verdict"], hs_table["reason"]
    assert v["configural"] == Verdict.BASELINE and reason["configural"] == "baseline"
    assert v["metric"] == Verdict.ACCEPTABLE and reason["metric"] == "within_cutoffs"
    assert round(hs_table.loc["metric", "delta_cfi"], 3) == -0.002
    assert v["scalar"] == Verdict.REJECTED and reason["scalar"].startswith("delta_cfi")
    assert round(hs_table.loc["scalar", "delta_cfi"], 3) == -0.038
    assert v["strict"] == Verdict.ACCEPTABLE
    assert hs_table.loc["scalar", "p_delta"] < 0.001 < hs_table.loc["metric", "p_delta"]


def test_synthetic_rounds_match_lavaan():
    ref = REF["synth"]
    synth = pd.read_csv(HERE / "data" / "synth_cfa.csv")
    table = il.invariance(synth, ref["model"], "round")
    fits = {level: ref[level] for level in ("configural", "metric", "scalar")}
    check_against_lavaan(table, fits, ref["lrt"])
    # the generator holds the measurement model fixed across rounds: invariance should hold
    assert (table["verdict"].iloc[1:] == Verdict.ACCEPTABLE).all()


def test_synthetic_organisations_match_lavaan():
    ref = REF["synth"]
    synth = pd.read_csv(HERE / "data" / "synth_cfa.csv")
    one = synth[synth["round"] == ref["round"]]
    table = il.invariance(one, ref["model"], "organisation")
    fits = {"configural": ref["org_configural"], "metric": ref["org_metric"], "scalar": ref["org_scalar"]}
    check_against_lavaan(table, fits, ref["org_lrt"])


def test_subset_of_levels(hs, hs_table):
    table = il.invariance(hs, HS_MODEL, "school", levels=("configural", "scalar"))
    assert list(table.index) == ["configural", "scalar"]
    # difference now measured against configural
    assert table.loc["scalar", "delta_df"] == 12
    assert table.loc["scalar", "delta_chi2"] == pytest.approx(
        hs_table.loc["scalar", "chi2"] - hs_table.loc["configural", "chi2"], rel=1e-8)


def test_conclusion_rules():
    """Chen (2007): ΔCFI ≤ −.010 means non-invariance; ΔRMSEA ≥ .015 alone makes it doubtful."""
    assert judge_step(-0.004, 0.002) == StepVerdict(Verdict.ACCEPTABLE, "within_cutoffs")
    assert judge_step(-0.010, 0.002) == StepVerdict(Verdict.REJECTED, "delta_cfi")  # the cut-off itself rejects
    assert judge_step(-0.020, 0.020) == StepVerdict(Verdict.REJECTED, "delta_cfi_and_rmsea")
    assert judge_step(-0.005, 0.016) == StepVerdict(Verdict.DOUBTFUL, "delta_rmsea")
    assert judge_step(-0.005, 0.016, cut_rmsea=0.02) == StepVerdict(Verdict.ACCEPTABLE, "within_cutoffs")


def test_bad_levels(hs):
    with pytest.raises(AnalysisError, match="Onbekend invariantieniveau"):
        il.invariance(hs, HS_MODEL, "school", levels=("configural", "zwak"))
    with pytest.raises(AnalysisError, match="minst naar meest"):
        il.invariance(hs, HS_MODEL, "school", levels=("scalar", "metric"))
    with pytest.raises(AnalysisError, match="Groeperingsvariabele"):
        il.invariance(hs, HS_MODEL, "schoolnaam")


def test_group_too_small_for_the_model_fails_fast():
    """Regression (round 2021-11 across organisations): ~4 minutes, then a misleading error.

    In Zonnehuisgroep Noord (n = 51) the model has no finite ML solution; lavaan does not
    converge for the configural and metric models either.
    """
    ref = REF["divergent"]
    assert ref["configural_converged"] is False and ref["metric_converged"] is False
    data = pd.read_csv(HERE / "data" / "synth_cfa_divergent.csv")
    start = time.perf_counter()
    with pytest.raises(NonConvergenceError) as info:
        il.invariance(data, ref["model"], "organisation")
    assert time.perf_counter() - start < 5
    msg = str(info.value)
    assert msg.startswith("Meetinvariantie over 'organisation', configurale model: het model convergeert niet")
    assert "in groep 'Zonnehuisgroep Noord'" in msg and "'Zonnehuisgroep Noord' n = 51" in msg
    assert isinstance(info.value, AnalysisError)


def test_a_level_that_does_not_converge_gives_no_table(hs, monkeypatch):
    cfa_module = importlib.import_module("informeel_lib.analysis.cfa.estimate")
    real = cfa_module._optimise

    def stuck(engine, x0, **kw):
        x, f, _, it = real(engine, x0, **kw)
        return x, f, False, it

    monkeypatch.setattr(cfa_module, "_optimise", stuck)
    with pytest.warns(CFAWarning, match="niet geconvergeerd"):
        with pytest.raises(NonConvergenceError, match="configurale model is niet geconvergeerd"):
            il.invariance(hs, HS_MODEL, "school")
