"""CFA-based reliability per factor against semTools::compRelSEM
(tests/reference/r/composite_reliability_reference.R)."""

import json
from pathlib import Path

import pandas as pd
import pytest

import informeel_lib as il
from informeel_lib.errors import AnalysisError

HERE = Path(__file__).parent
REF = json.loads((HERE / "r" / "composite_reliability_reference.json").read_text())
HS = pd.read_csv(HERE / "data" / "HolzingerSwineford1939.csv")
SYNTH = pd.read_csv(HERE / "data" / "synth_items.csv")
ABILITY = pd.read_csv(HERE / "data" / "ability.csv")

CASES = {
    "hs": (HS, {}),
    "synth_ml": (SYNTH, {}),
    "synth_wlsmv": (SYNTH, {"ordered": True}),
    "synth_theta": (SYNTH, {"ordered": True, "parameterization": "theta"}),
    "ability_wlsmv": (ABILITY, {"ordered": True}),
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_matches_semtools(key):
    data, kwargs = CASES[key]
    ref = REF[key]
    res = il.composite_reliability(data, ref["model"], **kwargs)
    assert list(res.index) == list(ref["rel"])
    for factor, value in ref["rel"].items():
        assert res[factor] == pytest.approx(value, abs=1e-4), factor


def test_multigroup_matches_semtools():
    ref = REF["hs_groups"]
    res = il.composite_reliability(HS, ref["model"], group=ref["group"])
    assert list(res.index) == ref["groups"]
    for row in ref["rel"]:
        for factor in ("visual", "textual", "speed"):
            assert res.loc[row["group"], factor] == pytest.approx(row[factor], abs=1e-4)


def test_single_item_factors_are_left_out():
    res = il.composite_reliability(HS, "visual =~ x1 + x2 + x3\nspeed =~ x7\nx7 ~~ 0*x7")
    assert list(res.index) == ["visual"]


def test_unknown_estimator_is_a_dutch_error():
    with pytest.raises(AnalysisError, match="niet ondersteund"):
        il.composite_reliability(HS, REF["hs"]["model"], estimator="GLS")
