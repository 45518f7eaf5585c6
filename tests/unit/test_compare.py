"""Tests for informeel_lib.analysis.compare: change between rounds and benchmark against the rest of the network."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from informeel_lib.analysis.compare import (
    METHOD_PAIRED,
    METHOD_PARTIAL,
    METHOD_WELCH,
    benchmark,
    compare_rounds,
    partially_paired,
    welch,
)
from informeel_lib.errors import AnalysisError
from informeel_lib.synth import generate_network


@pytest.fixture(scope="module")
def network():
    return generate_network(2022, scale=3)


def _two_rounds(n1=30, n2=30, n_pairs=0, shift=0.3, seed=1):
    rng = np.random.default_rng(seed)
    a = pd.DataFrame({"respondent": [f"p{i}" for i in range(n1)], "round": "2022-05",
                      "organisation": "ZINN", "x": rng.normal(3.5, 0.6, n1)})
    ids = [f"p{i}" for i in range(n_pairs)] + [f"q{i}" for i in range(n2 - n_pairs)]
    b = pd.DataFrame({"respondent": ids, "round": "2022-11", "organisation": "ZINN", "x": rng.normal(3.5 + shift, 0.6,
                                                                                                     n2)})
    b.loc[: n_pairs - 1, "x"] = a["x"].to_numpy()[:n_pairs] + shift + rng.normal(0, 0.3, n_pairs)
    return pd.concat([a, b], ignore_index=True)


def test_welch_matches_scipy():
    rng = np.random.default_rng(3)
    x1, x2 = rng.normal(0, 1, 20), rng.normal(0.5, 2, 35)
    res = welch(x1, x2)
    ref = stats.ttest_ind(x2, x1, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert res["p"] == pytest.approx(ref.pvalue) and res["t"] == pytest.approx(ref.statistic)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((ci.low, ci.high))


def test_partially_paired_reduces_to_welch_and_paired():
    rng = np.random.default_rng(4)
    x1, x2 = rng.normal(0, 1, 25), rng.normal(0.3, 1.5, 30)
    none = partially_paired(x1, x2, [], [])
    assert none["p"] == pytest.approx(welch(x1, x2)["p"]) and none["df"] == pytest.approx(welch(x1, x2)["df"])
    y1 = rng.normal(0, 1, 40)
    y2 = y1 + rng.normal(0.2, 0.5, 40)
    full = partially_paired(y1, y2, y1, y2)
    ref = stats.ttest_rel(y2, y1)
    assert full["df"] == pytest.approx(39) and full["p"] == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert (full["ci_low"], full["ci_high"]) == pytest.approx((ci.low, ci.high))


def test_compare_rounds_methods_per_row():
    welch_data = _two_rounds(n_pairs=0)
    paired_data = _two_rounds(n_pairs=30)
    partial_data = _two_rounds(n1=30, n2=35, n_pairs=20)
    row_w = compare_rounds(welch_data, "x").iloc[0]
    row_p = compare_rounds(paired_data, "x").iloc[0]
    row_pp = compare_rounds(partial_data, "x").iloc[0]
    assert (row_w["methode"], row_p["methode"], row_pp["methode"]) == (METHOD_WELCH, METHOD_PAIRED, METHOD_PARTIAL)
    assert (row_w["n_paired"], row_p["n_paired"], row_pp["n_paired"]) == (0, 30, 20)
    x = paired_data
    ref = stats.ttest_rel(x[x["round"] == "2022-11"]["x"], x[x["round"] == "2022-05"]["x"])
    assert row_p["p"] == pytest.approx(ref.pvalue)
    # correlated pairs make the partially paired CI narrower than Welch's on the same data
    w = welch(partial_data[partial_data["round"] == "2022-05"]["x"],
              partial_data[partial_data["round"] == "2022-11"]["x"])
    assert row_pp["ci_high"] - row_pp["ci_low"] < w["ci_high"] - w["ci_low"]
    assert row_pp["diff"] == pytest.approx(w["diff"])
    d = row_w["diff"] / np.sqrt((29 * welch_data.groupby("round")["x"].var().sum()) / 58)
    assert row_w["cohen_d"] == pytest.approx(d)


def test_compare_rounds_suppression_and_missing_scale():
    data = pd.concat([_two_rounds(seed=1),
                      _two_rounds(n1=3, n2=12, seed=2).assign(organisation="Treant"),
                      _two_rounds(seed=3).assign(organisation="Interzorg", x=np.nan)], ignore_index=True)
    out = compare_rounds(data, "x").set_index("organisation")
    assert list(out.index) == ["Interzorg", "Treant", "ZINN"]
    assert out.loc["Treant", "suppressed"] and np.isnan(out.loc["Treant", "diff"]) and out.loc["Treant", "n_from"] == 3
    assert "minder dan 5" in out.loc["Treant", "note"]
    assert out.loc["Interzorg", "suppressed"] and "geen antwoorden" in out.loc["Interzorg", "note"]
    assert not out.loc["ZINN", "suppressed"] and np.isfinite(out.loc["ZINN", "p"])
    net = compare_rounds(data, "x", by=None)
    assert len(net) == 1 and net["n_from"].iloc[0] == 30 + 3


def test_compare_rounds_errors():
    data = _two_rounds()
    with pytest.raises(AnalysisError, match="minstens twee rondes"):
        compare_rounds(data[data["round"] == "2022-05"], "x")
    with pytest.raises(AnalysisError, match="komen niet voor"):
        compare_rounds(data, "x", rounds=["2021-11", "2022-05"])
    with pytest.raises(AnalysisError, match="kolom 'round'"):
        compare_rounds(data.drop(columns="round"), "x")


def test_compare_rounds_recovers_true_change(network):
    """Truth: truth["observed"]["observed_round_change"][org][scale][round] (population change of the scale mean).
    For LEID and ZICHT (the scales the generator shifts) 24 CIs: at most 3 may miss (P(>=4 misses | 95% coverage)
    = .03), and the estimated sign is right wherever the true change is at least 0.09 (about 2 SE)."""
    truth = network.truth["observed"]["observed_round_change"]
    misses, checked = 0, 0
    for scale in ("LEID", "ZICHT"):
        out = compare_rounds(network.responses, scale)
        assert (out["methode"] == METHOD_PARTIAL).all() and not out["suppressed"].any()
        for _, row in out.iterrows():
            true = truth[row["organisation"]][scale][row["round_to"]]
            misses += not (row["ci_low"] <= true <= row["ci_high"])
            if abs(true) >= 0.09:
                checked += 1
                assert np.sign(row["diff"]) == np.sign(true), (scale, row["organisation"], row["diff"], true)
    assert misses <= 3
    assert checked >= 6


def test_benchmark_against_rest(network):
    r = network.responses[network.responses["round"] == "2022-11"]
    res = benchmark(r, "REFL", "zinn ")
    assert res.organisation == "ZINN"
    from informeel_lib.analysis.scoring import score_scales
    refl = score_scales(r, scales=["REFL"])["REFL"]
    x_org, x_rest = refl[r["organisation"] == "ZINN"], refl[r["organisation"] != "ZINN"]
    ref = stats.ttest_ind(x_org, x_rest, equal_var=False)
    assert res.n_org == len(x_org) and res.n_rest == len(x_rest) == len(r) - len(x_org)
    assert res.mean_rest == pytest.approx(x_rest.mean()) and res.p == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert (res.ci_low, res.ci_high) == pytest.approx((ci.low, ci.high))
    sd = np.sqrt(((len(x_org) - 1) * x_org.var() + (len(x_rest) - 1) * x_rest.var()) / (len(r) - 2))
    assert res.hedges_g == pytest.approx(res.diff / sd * (1 - 3 / (4 * len(r) - 9)))
    sentence = res.sentence()
    assert sentence.startswith("Reflectie op het werk: ZINN ") and ", rest van het netwerk " in sentence
    assert "95%-BI" in sentence and "." not in sentence.split(":")[1]
    assert res.to_frame().shape[0] == 1


def test_benchmark_suppression_and_errors():
    data = pd.DataFrame({"organisation": ["ZINN"] * 3 + ["Treant"] * 10, "round": "2022-11",
                         "x": np.linspace(1, 5, 13)})
    res = benchmark(data, "x", "ZINN")
    assert res.suppressed and np.isnan(res.diff) and res.n_org == 3 and "niet getoond" in res.sentence()
    missing = data.assign(x=np.where(data["organisation"] == "ZINN", np.nan, data["x"]))
    assert "geen antwoorden" in benchmark(missing, "x", "ZINN").note
    with pytest.raises(AnalysisError, match="meer dan één ronde"):
        benchmark(data.assign(round=["a", "b"] * 6 + ["a"]), "x", "ZINN")
    with pytest.raises(AnalysisError, match="komt niet voor"):
        benchmark(data, "x", "Interzorg")
