"""Edges of the round comparison and the benchmark that a reader would notice: the partially paired test
against Derrick et al.'s formula, the group-size boundaries, the notes, constant answers, and the Dutch
sentence (each kills mutants that survived ``make mutate``; see benchmarks/mutation/)."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from informeel_lib.analysis.compare import (
    METHOD_PAIRED,
    METHOD_PARTIAL,
    METHOD_WELCH,
    BenchmarkResult,
    benchmark,
    compare_rounds,
    partially_paired,
    welch,
)
from informeel_lib.codebook import load_codebook
from informeel_lib.errors import AnalysisError

R1, R2 = "2022-05", "2022-11"


def _derrick_t_new2(x1u, x2u, x1p, x2p, ci=0.95):
    """T_new2 written out from Derrick, Toher & White (2017), eqs. for n_a, n_b unpaired and n_c pairs."""
    x1, x2 = np.r_[x1u, x1p], np.r_[x2u, x2p]
    na, nb, nc = len(x1u), len(x2u), len(x1p)
    n1, n2 = na + nc, nb + nc
    s1, s2 = np.std(x1, ddof=1), np.std(x2, ddof=1)
    r = np.corrcoef(x1p, x2p)[0, 1]
    se = math.sqrt(s1 ** 2 / n1 + s2 ** 2 / n2 - 2 * r * s1 * s2 * nc / (n1 * n2))
    welch_df = (s1 ** 2 / n1 + s2 ** 2 / n2) ** 2 / ((s1 ** 2 / n1) ** 2 / (n1 - 1) + (s2 ** 2 / n2) ** 2 / (n2 - 1))
    df = (nc - 1) + (welch_df - nc + 1) / (na + nb + 2 * nc) * (na + nb)
    diff = x2.mean() - x1.mean()
    q = stats.t.ppf(1 - (1 - ci) / 2, df)
    return {"diff": diff, "se": se, "df": df, "t": diff / se, "p": 2 * stats.t.sf(abs(diff / se), df),
            "ci_low": diff - q * se, "ci_high": diff + q * se, "r": r}


@pytest.mark.parametrize(("na", "nb", "nc", "ci"), [(12, 7, 9, 0.95), (5, 11, 3, 0.90)])
def test_partially_paired_follows_derrick_t_new2(na, nb, nc, ci):
    rng = np.random.default_rng(na + nb + nc)
    x1p = rng.normal(3.4, 0.6, nc)
    x2p = x1p + rng.normal(0.2, 0.3, nc)
    x1u, x2u = rng.normal(3.4, 0.7, na), rng.normal(3.7, 0.5, nb)
    res = partially_paired(np.r_[x1u, x1p], np.r_[x2u, x2p], x1p, x2p, ci)
    ref = _derrick_t_new2(x1u, x2u, x1p, x2p, ci)
    for key in ("diff", "se", "df", "t", "p", "ci_low", "ci_high", "r"):
        assert res[key] == pytest.approx(ref[key], rel=1e-12), key


def test_partially_paired_ignores_a_correlation_it_cannot_estimate():
    x1, x2 = np.array([3.0, 4.0, 2.0, 5.0, 3.5]), np.array([4.0, 4.5, 3.0, 5.0, 2.5])
    two_pairs = partially_paired(x1, x2, x1[:2], x2[:2])
    constant = partially_paired(x1, x2, [3.0, 3.0, 3.0], x2[:3])
    assert two_pairs["r"] == 0.0 and constant["r"] == 0.0
    three_pairs = partially_paired(x1, x2, x1[:3], x2[:3])  # three pairs are enough
    assert three_pairs["r"] == pytest.approx(np.corrcoef(x1[:3], x2[:3])[0, 1])


def test_constant_answers_give_a_zero_width_interval_and_no_p():
    res = welch([3.0, 3.0, 3.0], [4.0, 4.0, 4.0, 4.0])
    assert res == {"diff": 1.0, "se": 0.0, "df": 5.0, "t": res["t"], "p": res["p"], "ci_low": 1.0, "ci_high": 1.0}
    assert math.isnan(res["t"]) and math.isnan(res["p"])
    pp = partially_paired([3.0] * 4, [4.0] * 5, [3.0] * 3, [4.0] * 3)
    assert pp["df"] == pytest.approx(2 + (7 - 2) / 9 * 3) and pp["se"] == 0.0 and pp["ci_low"] == 1.0


def _rounds(n1, n2, n_pairs, *, seed=0, org="ZINN"):
    rng = np.random.default_rng(seed)
    ids1 = [f"p{i}" for i in range(n1)]
    ids2 = [f"p{i}" for i in range(n_pairs)] + [f"q{i}" for i in range(n2 - n_pairs)]
    return pd.DataFrame({"round": [R1] * n1 + [R2] * n2, "respondent": ids1 + ids2, "organisation": org,
                         "x": np.r_[rng.normal(3.4, 0.6, n1), rng.normal(3.6, 0.6, n2)]})


def test_group_size_boundaries_and_method_choice():
    at_min = compare_rounds(_rounds(5, 5, 0), "x").iloc[0]
    assert not at_min["suppressed"] and at_min["methode"] == METHOD_WELCH and at_min["note"] == ""
    below = compare_rounds(_rounds(4, 9, 0), "x").iloc[0]
    assert below["suppressed"] and below["n_from"] == 4 and below["n_to"] == 9
    assert below["note"] == ("minder dan 5 respondenten in een van beide rondes: niet getoond ter bescherming "
                             "van de privacy")
    assert below["methode"] == "" and below["n_paired"] == 0 and np.isnan(below["mean_from"])
    assert np.isnan(below["p"]) and np.isnan(below["cohen_d"])
    four_pairs = compare_rounds(_rounds(10, 10, 4), "x").iloc[0]
    assert four_pairs["methode"] == METHOD_WELCH and four_pairs["n_paired"] == 4  # counted, but too few to pair
    five_pairs = compare_rounds(_rounds(10, 10, 5), "x").iloc[0]
    assert five_pairs["methode"] == METHOD_PARTIAL and five_pairs["n_paired"] == 5
    all_pairs = compare_rounds(_rounds(6, 6, 6), "x").iloc[0]
    assert all_pairs["methode"] == METHOD_PAIRED and all_pairs["df"] == 5.0
    loose = compare_rounds(_rounds(4, 9, 0), "x", min_group=4).iloc[0]
    assert not loose["suppressed"]


def test_rows_report_the_means_over_all_answers_of_each_round():
    data = _rounds(10, 12, 5, seed=3)
    row = compare_rounds(data, "x").iloc[0]
    x1, x2 = data.loc[data["round"] == R1, "x"], data.loc[data["round"] == R2, "x"]
    assert (row["n_from"], row["n_to"]) == (10, 12)
    assert row["mean_from"] == pytest.approx(x1.mean(), rel=1e-12) and row["mean_to"] == pytest.approx(x2.mean())
    assert row["diff"] == pytest.approx(x2.mean() - x1.mean(), rel=1e-12)
    pooled = math.sqrt((9 * x1.var() + 11 * x2.var()) / 20)
    assert row["cohen_d"] == pytest.approx((x2.mean() - x1.mean()) / pooled, rel=1e-12)
    assert row[["round_from", "round_to", "scale"]].tolist() == [R1, R2, "x"]


def test_a_round_without_answers_is_named_in_the_note():
    data = pd.concat([_rounds(6, 6, 0), _rounds(6, 6, 0).assign(round="2023-05")], ignore_index=True)
    data.loc[data["round"] == R2, "x"] = np.nan
    out = compare_rounds(data, "x", by=None)
    assert out["note"].tolist() == ["geen antwoorden op x in ronde 2022-11", "geen antwoorden op x in ronde 2022-11"]
    assert out[["round_from", "round_to"]].values.tolist() == [[R1, R2], [R2, "2023-05"]]


def test_constant_scores_have_no_effect_size():
    data = _rounds(6, 6, 0).assign(x=3.0)
    row = compare_rounds(data, "x").iloc[0]
    assert row["diff"] == 0.0 and np.isnan(row["cohen_d"]) and not row["suppressed"]


def test_compare_rounds_refusals_name_the_problem():
    data = _rounds(6, 6, 0)
    with pytest.raises(AnalysisError, match=r"^Groeperingskolom\(men\) team, rol staan niet in de data\.$"):
        compare_rounds(data, "x", by=["organisation", "team", "rol"])
    with pytest.raises(AnalysisError, match=r"^Ronde\(s\) 2020-01, 2021-01 komen niet voor in de data\.$"):
        compare_rounds(data, "x", rounds=["2020-01", R1, "2021-01"])
    with pytest.raises(AnalysisError, match=r"^'x' bevat waarden die geen getal zijn\.$"):
        compare_rounds(data.assign(x="hoog"), "x")


def _benchmark_data(n_org=5, n_rest=5, seed=2):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"organisation": ["ZINN"] * n_org + ["Treant"] * n_rest, "round": R2,
                         "x": np.r_[rng.normal(3.8, 0.5, n_org), rng.normal(3.4, 0.5, n_rest)]})


def test_benchmark_boundaries_and_notes():
    assert not benchmark(_benchmark_data(5, 5), "x", "ZINN").suppressed
    small_org = benchmark(_benchmark_data(4, 9), "x", "ZINN")
    assert small_org.note == "minder dan 5 respondenten: niet getoond ter bescherming van de privacy"
    small_rest = benchmark(_benchmark_data(9, 4), "x", "ZINN")
    assert small_rest.suppressed and small_rest.note == "minder dan 5 respondenten in de rest van het netwerk"
    assert (small_rest.n_org, small_rest.n_rest) == (9, 4) and np.isnan(small_rest.mean_org)
    empty = _benchmark_data(5, 6).assign(x=lambda d: np.where(d["organisation"] == "ZINN", np.nan, d["x"]))
    assert benchmark(empty, "x", "ZINN").note == "geen antwoorden van ZINN op deze schaal"
    assert not benchmark(_benchmark_data(4, 9), "x", "ZINN", min_group=4).suppressed
    with pytest.raises(AnalysisError, match=r"^De data hebben geen kolom 'organisation'\.$"):
        benchmark(_benchmark_data().drop(columns="organisation"), "x", "ZINN")


def test_benchmark_rest_leaves_out_people_without_an_organisation():
    data = pd.concat([_benchmark_data(6, 7), pd.DataFrame({"organisation": [None] * 3, "round": R2,
                                                           "x": [1.0, 1.0, 1.0]})], ignore_index=True)
    res = benchmark(data, "x", "ZINN")
    assert res.n_rest == 7 and res.mean_rest == pytest.approx(data["x"][6:13].mean(), rel=1e-12)
    assert res.diff == pytest.approx(res.mean_org - res.mean_rest, rel=1e-12)
    flat = benchmark(_benchmark_data(5, 5).assign(x=4.0), "x", "ZINN")
    assert flat.diff == 0.0 and np.isnan(flat.hedges_g)


def test_benchmark_sentence_repr_and_frame_show_the_numbers():
    res = BenchmarkResult("REFL", "Reflectie op het werk", "ZINN", 12, 80, 3.84, 3.61, 0.23, 0.05, 0.41, 20.5,
                          0.0123, 0.38, False)
    assert res.sentence() == ("Reflectie op het werk: ZINN 3,8, rest van het netwerk 3,6 (verschil 0,2; "
                              "95%-BI 0,1 tot 0,4)")
    assert res.sentence(2) == ("Reflectie op het werk: ZINN 3,84, rest van het netwerk 3,61 (verschil 0,23; "
                               "95%-BI 0,05 tot 0,41)")
    assert repr(res) == ("BenchmarkResult(REFL, ZINN 3.84 (n=12) vs rest 3.61 (n=80), diff=0.23 [0.05, 0.41], "
                         "p=0.0123, g=0.38)")
    frame = res.to_frame()
    assert frame.shape == (1, 15) and frame.loc[0, "n_rest"] == 80 and frame.loc[0, "p"] == 0.0123
    hidden = BenchmarkResult("REFL", "Reflectie op het werk", "ZINN", 3, 80, *[float("nan")] * 8, True,
                             "minder dan 5 respondenten")
    assert hidden.sentence() == "Reflectie op het werk: ZINN niet getoond (minder dan 5 respondenten)."
    assert repr(hidden) == "BenchmarkResult(REFL, ZINN: onderdrukt, n=3)"


def _own_codebook():
    """The demo codebook with another name for REFL and an extra spelling of ZINN: only a run that uses the
    codebook it is given shows these."""
    cb = load_codebook()
    scales = {**cb.scales, "REFL": dataclasses.replace(cb.scales["REFL"], name="Eigen schaalnaam")}
    orgs = [dataclasses.replace(o, aliases=(*o.aliases, "onze eigen spelling")) if o.code == "ZINN" else o
            for o in cb.organisations]
    return dataclasses.replace(cb, scales=scales, organisations=orgs, _alias_index={})


def test_compare_rounds_and_benchmark_use_the_codebook_they_are_given():
    cb = _own_codebook()
    data = _rounds(6, 6, 0).rename(columns={"x": "REFL"})
    data.loc[data["round"] == R2, "REFL"] = np.nan
    row = compare_rounds(data, "REFL", codebook=cb).iloc[0]
    assert row["note"] == "geen antwoorden op Eigen schaalnaam in ronde 2022-11"
    one_round = _benchmark_data(6, 6).rename(columns={"x": "REFL"})
    res = benchmark(one_round, "REFL", "onze eigen spelling", codebook=cb)
    assert (res.scale, res.scale_name, res.organisation) == ("REFL", "Eigen schaalnaam", "ZINN")
    assert res.sentence().startswith("Eigen schaalnaam: ZINN ")
    hidden = benchmark(_benchmark_data(3, 6).rename(columns={"x": "REFL"}), "REFL", "onze eigen spelling",
                       codebook=cb)
    assert (hidden.scale, hidden.scale_name, hidden.organisation) == ("REFL", "Eigen schaalnaam", "ZINN")
    assert hidden.sentence().startswith("Eigen schaalnaam: ZINN niet getoond (")


def test_benchmark_finds_the_organisation_under_another_spelling():
    res = benchmark(_benchmark_data(6, 6), "x", "stichting zinn")
    assert res.organisation == "ZINN" and res.n_org == 6 and not res.suppressed


def test_benchmark_result_fields_as_a_reader_sees_them():
    data = _benchmark_data(7, 9, seed=5)
    res = benchmark(data, "x", "ZINN", ci=0.90)
    x_org, x_rest = data["x"][:7].to_numpy(), data["x"][7:].to_numpy()
    ref = stats.ttest_ind(x_org, x_rest, equal_var=False)
    ci = ref.confidence_interval(0.90)
    assert (res.scale, res.scale_name, res.organisation, res.n_org, res.n_rest) == ("x", "x", "ZINN", 7, 9)
    assert res.suppressed is False and res.note == ""
    assert (res.ci_low, res.ci_high) == (pytest.approx(ci.low, rel=1e-10), pytest.approx(ci.high, rel=1e-10))
    assert res.p == pytest.approx(ref.pvalue, rel=1e-10)
    hidden = benchmark(_benchmark_data(3, 9), "x", "ZINN")
    assert (hidden.scale, hidden.scale_name, hidden.organisation) == ("x", "x", "ZINN") and hidden.suppressed is True
    numbers = ("mean_org", "mean_rest", "diff", "ci_low", "ci_high", "df", "p", "hedges_g")
    assert all(math.isnan(getattr(hidden, k)) for k in numbers)
    assert all(math.isnan(getattr(benchmark(_benchmark_data(9, 3), "x", "ZINN"), k)) for k in numbers)


def test_benchmark_note_when_the_organisation_is_exactly_at_the_minimum_and_the_rest_below():
    res = benchmark(_benchmark_data(5, 4), "x", "ZINN")
    assert res.suppressed and res.note == "minder dan 5 respondenten in de rest van het netwerk"


def test_refusals_start_with_a_capital_and_say_what_to_do():
    with pytest.raises(AnalysisError, match=r"^De data bevatten meer dan één ronde; kies eerst één ronde \(anders "
                                            r"tellen mensen dubbel\)\.$"):
        benchmark(_rounds(6, 6, 0), "x", "ZINN")
    with pytest.raises(AnalysisError, match=r"^De data hebben geen kolom 'round'; rondes vergelijken kan dan niet\.$"):
        compare_rounds(_rounds(6, 6, 0).drop(columns="round"), "x")
    with pytest.raises(AnalysisError, match=r"^Voor een vergelijking tussen rondes zijn minstens twee rondes nodig\.$"):
        compare_rounds(_rounds(6, 6, 0), "x", rounds=[R1])


def test_partly_paired_rows_show_the_partially_paired_test_at_the_chosen_level():
    data = _rounds(10, 12, 6, seed=7)
    row = compare_rounds(data, "x", ci=0.90).iloc[0]
    x1 = data.loc[data["round"] == R1, "x"].to_numpy()
    x2 = data.loc[data["round"] == R2, "x"].to_numpy()
    ref = partially_paired(x1, x2, x1[:6], x2[:6], 0.90)
    assert row["methode"] == METHOD_PARTIAL
    for key in ("ci_low", "ci_high", "df", "p"):
        assert row[key] == pytest.approx(ref[key], rel=1e-12), key


def test_independent_rows_show_welch_at_the_chosen_level():
    data = _rounds(8, 9, 0, seed=4)
    row = compare_rounds(data, "x", ci=0.90).iloc[0]
    x1 = data.loc[data["round"] == R1, "x"].to_numpy()
    x2 = data.loc[data["round"] == R2, "x"].to_numpy()
    ci = stats.ttest_ind(x2, x1, equal_var=False).confidence_interval(0.90)
    assert row["methode"] == METHOD_WELCH
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(ci.low, rel=1e-10), pytest.approx(ci.high, rel=1e-10))


def test_two_constant_rounds_that_differ_have_no_effect_size():
    data = _rounds(6, 6, 0).assign(x=lambda d: np.where(d["round"] == R1, 3.0, 4.0))
    row = compare_rounds(data, "x").iloc[0]
    assert row["diff"] == 1.0 and np.isnan(row["cohen_d"]) and not row["suppressed"]


def test_a_suppressed_row_is_marked_suppressed():
    row = compare_rounds(_rounds(4, 9, 0), "x").iloc[0]
    assert row["suppressed"] == True  # noqa: E712 (a missing value would be NaN, and bool(NaN) is True as well)


def test_compare_rounds_without_respondent_column_compares_independent_groups():
    data = _rounds(6, 7, 6).drop(columns="respondent")
    row = compare_rounds(data, "x").iloc[0]
    assert row["methode"] == METHOD_WELCH and row["n_paired"] == 0


def test_groups_by_two_columns_select_on_both():
    a = _rounds(6, 6, 6, seed=1).assign(team="A")
    b = _rounds(6, 6, 6, seed=2, org="Treant").assign(team="A")
    out = compare_rounds(pd.concat([a, b], ignore_index=True), "x", by=["organisation", "team"])
    assert out[["organisation", "team", "n_from", "n_to"]].values.tolist() == [["Treant", "A", 6, 6],
                                                                                ["ZINN", "A", 6, 6]]


def test_no_groups_gives_an_empty_table_with_all_its_headings():
    data = _rounds(6, 6, 0).assign(organisation=None)
    out = compare_rounds(data, "x")
    assert out.empty and list(out.columns) == [
        "organisation", "scale", "round_from", "round_to", "n_from", "n_to", "n_paired", "mean_from", "mean_to",
        "diff", "ci_low", "ci_high", "df", "p", "cohen_d", "methode", "suppressed", "note"]


def test_partially_paired_with_one_constant_round_among_the_pairs_still_gives_a_result():
    x1, x2 = np.array([3.0, 4.0, 2.0, 5.0, 3.5]), np.array([4.0, 4.0, 4.0, 5.0, 2.5])
    res = partially_paired(x1, x2, x1[:3], x2[:3])
    assert res["r"] == 0.0 and math.isfinite(res["p"]) and math.isfinite(res["ci_low"])
