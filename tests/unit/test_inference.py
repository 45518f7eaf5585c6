"""Confidence intervals and p-values of every model, checked exactly against their formula.

The R comparisons live beside each model (tests/reference: lavaan z and p per parameter, psych's alpha
CIs; tests/unit/test_compare.py: R's t.test via scipy). Here each printed interval and p-value is
recomputed from the model's own estimate and standard error with the textbook formula, to 1e-12: a
one-sided p, a 90% interval or a 1.645 where 1.96 belongs changes the value by far more.
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import informeel_lib as il
from informeel_lib.analysis.compare import benchmark, compare_rounds
from informeel_lib.analysis.describe import describe_by
from informeel_lib.analysis.multilevel import influence_model

Z95 = stats.norm.ppf(0.975)  # 1.959963984540054


def nested_data(seed=20240611):
    """4 organisations x 6 teams of unequal size; predictors A and B with effects, C without."""
    rng = np.random.default_rng(seed)
    rows = []
    for o in range(4):
        uo = rng.normal(0, 0.4)
        for t in range(6):
            ut = rng.normal(0, 0.5)
            for _ in range(3 + (o * 6 + t) % 7):
                a, b, c = rng.normal(0, 1, 3)
                rows.append({"organisation": f"org{o}", "team": f"t{t}", "A": a, "B": b, "C": c,
                             "Y": 3 + 0.4 * a - 0.2 * b + uo + ut + rng.normal(0, 1)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("standardize", [False, True])
def test_influence_model_wald_intervals_and_two_sided_p(standardize):
    res = influence_model(nested_data(), "Y", ["A", "B", "C"], standardize=standardize)
    c = res.coefficients
    z = c["estimate"] / c["se"]
    np.testing.assert_allclose(c["p"], 2 * stats.norm.sf(np.abs(z)), rtol=1e-12, atol=0)
    np.testing.assert_allclose(c["ci_low"], c["estimate"] - Z95 * c["se"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c["ci_high"], c["estimate"] + Z95 * c["se"], rtol=1e-12, atol=1e-14)
    # the interval excludes 0 exactly when p < .05 (same test, same level)
    assert ((c["ci_low"] > 0) | (c["ci_high"] < 0)).tolist() == (c["p"] < 0.05).tolist()
    assert c.loc["A", "p"] < 0.001 and c.loc["C", "p"] > 0.05  # both sides of the 5% line are exercised


def test_benchmark_welch_interval_and_p_follow_the_formula():
    rng = np.random.default_rng(7)
    data = pd.DataFrame({"organisation": ["ZINN"] * 30 + ["Treant"] * 50,
                         "x": np.r_[rng.normal(3.6, 0.5, 30), rng.normal(3.4, 0.8, 50)]})
    b = benchmark(data, "x", "ZINN")
    x_org, x_rest = data["x"][:30].to_numpy(), data["x"][30:].to_numpy()
    v1, v2 = x_org.var(ddof=1) / 30, x_rest.var(ddof=1) / 50
    se = np.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 ** 2 / 29 + v2 ** 2 / 49)
    diff = x_org.mean() - x_rest.mean()
    q = stats.t.ppf(0.975, df)
    assert b.diff == pytest.approx(diff, rel=1e-12) and b.df == pytest.approx(df, rel=1e-12)
    assert (b.ci_low, b.ci_high) == pytest.approx((diff - q * se, diff + q * se), rel=1e-12)
    assert b.p == pytest.approx(2 * stats.t.sf(abs(diff / se), df), rel=1e-12)
    pooled = np.sqrt((29 * x_org.var(ddof=1) + 49 * x_rest.var(ddof=1)) / 78)
    assert b.hedges_g == pytest.approx(diff / pooled * (1 - 3 / (4 * 80 - 9)), rel=1e-12)


def test_compare_rounds_welch_interval_and_p_follow_the_formula():
    rng = np.random.default_rng(8)
    x1, x2 = rng.normal(3.4, 0.7, 40), rng.normal(3.7, 0.6, 45)
    data = pd.DataFrame({"round": ["2021-11"] * 40 + ["2022-05"] * 45, "x": np.r_[x1, x2],
                         "respondent": [f"a{i}" for i in range(40)] + [f"b{i}" for i in range(45)]})
    r = compare_rounds(data, "x", by=None).iloc[0]
    v1, v2 = x1.var(ddof=1) / 40, x2.var(ddof=1) / 45
    se, diff = np.sqrt(v1 + v2), x2.mean() - x1.mean()
    df = (v1 + v2) ** 2 / (v1 ** 2 / 39 + v2 ** 2 / 44)
    q = stats.t.ppf(0.975, df)
    assert r["methode"].startswith("Welch")
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((diff - q * se, diff + q * se), rel=1e-12)
    assert r["p"] == pytest.approx(2 * stats.t.sf(abs(diff / se), df), rel=1e-12)


def test_describe_by_mean_interval_is_the_t_interval():
    rng = np.random.default_rng(9)
    data = pd.DataFrame({"g": ["a"] * 12 + ["b"] * 30, "x": rng.normal(3, 1, 42)})
    desc = describe_by(data, "g", columns=["x"], min_group=5).set_index("g")
    for g, x in data.groupby("g")["x"]:
        half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
        assert (desc.loc[g, "ci_low"], desc.loc[g, "ci_high"]) == pytest.approx(
            (x.mean() - half, x.mean() + half), rel=1e-12)


def _alpha(x: np.ndarray) -> float:
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


def test_feldt_interval_of_alpha_follows_the_formula():
    rng = np.random.default_rng(10)
    common = rng.normal(0, 1, (150, 1))
    items = pd.DataFrame(np.clip(np.round(3 + common + rng.normal(0, 1, (150, 5))), 1, 5),
                         columns=[f"i{k}" for k in range(5)])
    r = il.reliability(items, scale_range=(1, 5))
    n, k = 150, 5
    lo = 1 - (1 - r.alpha) * stats.f.ppf(0.975, n - 1, (n - 1) * (k - 1))
    hi = 1 - (1 - r.alpha) * stats.f.ppf(0.025, n - 1, (n - 1) * (k - 1))
    assert r.alpha == pytest.approx(_alpha(items.to_numpy()), rel=1e-12)
    assert r.alpha_ci == pytest.approx((lo, hi), rel=1e-12)


def test_bootstrap_interval_of_alpha_equals_a_seeded_reference():
    """Percentile bootstrap, recomputed here with the same seed and resampling scheme (respondents with
    replacement, numpy's default_rng(seed).integers(0, n, n) per draw) and the textbook alpha."""
    rng = np.random.default_rng(11)
    common = rng.normal(0, 1, (120, 1))
    x = np.clip(np.round(3 + common + rng.normal(0, 1.1, (120, 4))), 1, 5)
    items = pd.DataFrame(x, columns=list("abcd"))
    res = il.reliability(items, scale_range=(1, 5), bootstrap=300, seed=5)
    draw = np.random.default_rng(5)
    alphas = [_alpha(x[draw.integers(0, 120, 120)]) for _ in range(300)]
    expected = np.quantile(alphas, [0.025, 0.975])
    assert res.bootstrap_ci == pytest.approx(tuple(expected), rel=1e-10)
    at90 = il.reliability(items, scale_range=(1, 5), bootstrap=300, seed=5, ci=0.90).bootstrap_ci
    assert at90 == pytest.approx(tuple(np.quantile(alphas, [0.05, 0.95])), rel=1e-10)
    assert at90[1] - at90[0] < expected[1] - expected[0]


def test_reliability_summary_repr_and_frame_show_the_computed_numbers():
    rng = np.random.default_rng(12)
    common = rng.normal(0, 1, (80, 1))
    items = pd.DataFrame(np.clip(np.round(3 + common + rng.normal(0, 1, (80, 3))), 1, 5), columns=list("abc"))
    r = il.reliability(items, scale_range=(1, 5), bootstrap=50, seed=1)
    frame = r.to_frame()
    assert list(frame.columns) == ["alpha", "ci_low", "ci_high", "std_alpha", "omega_total", "average_r", "n",
                                   "n_items", "boot_low", "boot_high"]
    assert frame.iloc[0].tolist() == [r.alpha, *r.alpha_ci, r.std_alpha, r.omega_total, r.average_r, 80, 3,
                                      *r.bootstrap_ci]
    lo, hi = r.alpha_ci
    assert repr(r) == (f"ReliabilityResult(alpha={r.alpha:.3f} [95% CI {lo:.3f}, {hi:.3f}], "
                       f"std_alpha={r.std_alpha:.3f}, "
                       f"omega_total={r.omega_total:.3f}, average_r={r.average_r:.3f}, n=80, items=3, "
                       f"bootstrap_ci=({r.bootstrap_ci[0]:.3f}, {r.bootstrap_ci[1]:.3f}))")
    plain = il.reliability(items, scale_range=(1, 5))
    assert "boot_low" not in plain.to_frame().columns and "bootstrap" not in repr(plain)
    assert repr(il.reliability(items, scale_range=(1, 5), ci=0.9)).startswith(
        f"ReliabilityResult(alpha={plain.alpha:.3f} [90% CI")


def test_bootstrap_needs_ten_resamples_and_omega_ignores_reverse_keying():
    from informeel_lib.errors import AnalysisError

    rng = np.random.default_rng(13)
    common = rng.normal(0, 1, (150, 1))
    x = np.clip(np.round(3 + common + rng.normal(0, 1, (150, 4))), 1, 5)
    x[:, 3] = 6 - x[:, 3]  # item d is worded the other way round
    items = pd.DataFrame(x, columns=list("abcd"))
    with pytest.raises(AnalysisError, match=r"^Een bootstrap-interval heeft minstens 10 herhalingen nodig"):
        il.reliability(items, reverse=["d"], scale_range=(1, 5), bootstrap=9)
    assert il.reliability(items, reverse=["d"], scale_range=(1, 5), bootstrap=10).bootstrap_ci is not None
    keyed = il.reliability(items, reverse=["d"], scale_range=(1, 5))
    with pytest.warns(UserWarning, match=r"^Item\(s\) d laden negatief op de schaal") as caught:
        unkeyed = il.reliability(items, scale_range=(1, 5))
    assert len(caught) == 1
    assert unkeyed.omega_total == pytest.approx(keyed.omega_total, abs=1e-12)  # psych::omega flips d itself
    assert unkeyed.alpha < keyed.alpha - 0.2  # alpha does not: a reader would see the difference
    reversed_ = items.assign(d=6 - items["d"])
    assert il.reliability(reversed_, scale_range=(1, 5)).alpha == pytest.approx(keyed.alpha, abs=1e-12)


def _alpha_of(c):
    k = len(c)
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


def test_ordinal_bootstrap_interval_is_the_percentile_interval_of_polychoric_alpha():
    from informeel_lib.analysis.polychoric import correlation_matrix

    rng = np.random.default_rng(21)
    common = rng.normal(0, 1, (120, 1))
    items = pd.DataFrame(np.clip(np.round(3 + common + rng.normal(0, 1, (120, 3))), 1, 5), columns=list("abc"))
    res = il.reliability(items, cor="poly", bootstrap=12, seed=3, ci=0.90)
    x = items.to_numpy(float)
    rng = np.random.default_rng(3)
    alphas = []
    for _ in range(12):
        sample = x[rng.integers(0, len(x), len(x))]
        alphas.append(_alpha_of(correlation_matrix(pd.DataFrame(sample), "poly")[0].to_numpy()))
    assert res.bootstrap_ci == pytest.approx(tuple(np.nanquantile(alphas, [0.05, 0.95])), rel=1e-12)


def test_reliability_warnings_read_in_full():
    rng = np.random.default_rng(13)
    common = rng.normal(0, 1, (150, 1))
    x = np.clip(np.round(3 + common + rng.normal(0, 1, (150, 4))), 1, 5)
    x[:, 3] = 6 - x[:, 3]
    items = pd.DataFrame(x, columns=list("abcd"))
    with pytest.warns(UserWarning) as caught:
        il.reliability(items, scale_range=(1, 5))
    assert [str(w.message) for w in caught] == [
        "Item(s) d laden negatief op de schaal (na het omkeren van de opgegeven items). omega_total keert zulke "
        "items zelf om, zoals psych::omega, maar alpha niet: een hoge omega naast een lage alpha wijst op items die "
        "nog omgescoord moeten worden. Geef ze op in reverse= of markeer ze als omgekeerd in het codeboek."]
    with pytest.warns(UserWarning) as caught:
        il.reliability(items, reverse=["d"])
    assert [str(w.message) for w in caught] == [
        "Geen scale_range gegeven: voor het omkeren van d is de antwoordschaal afgeleid uit de data (1-5), zoals "
        "psych::alpha doet. Geef scale_range=(min, max) als niet iedereen beide uitersten van de schaal heeft "
        "gebruikt."]


def _likert_items(n=150, k=4, seed=13, names="abcd"):
    rng = np.random.default_rng(seed)
    common = rng.normal(0, 1, (n, 1))
    return pd.DataFrame(np.clip(np.round(3 + common + rng.normal(0, 1, (n, k))), 1, 5), columns=list(names[:k]))


def test_bootstrap_reverse_keys_the_items_it_resamples():
    items = _likert_items()
    items["d"] = 6 - items["d"]
    keyed = il.reliability(items, reverse=["d"], scale_range=(1, 5), bootstrap=30, seed=4)
    by_hand = il.reliability(items.assign(d=6 - items["d"]), scale_range=(1, 5), bootstrap=30, seed=4)
    assert keyed.bootstrap_ci == pytest.approx(by_hand.bootstrap_ci, abs=1e-12)
    assert keyed.bootstrap_ci[0] < keyed.alpha < keyed.bootstrap_ci[1]


def test_alpha_if_dropped_of_three_items_is_the_alpha_of_the_other_two():
    items = _likert_items(k=3)
    res = il.reliability(items)
    for name in items.columns:
        rest = il.reliability(items.drop(columns=name))
        assert res.items.loc[name, "alpha_if_dropped"] == pytest.approx(rest.alpha, rel=1e-12), name


def test_answers_far_from_zero_give_the_same_item_table():
    items = _likert_items()
    near, far = il.reliability(items), il.reliability(items + 1000.0)  # the general (centred) path
    assert far.alpha == pytest.approx(near.alpha, rel=1e-9)
    assert far.items["n"].tolist() == [150] * 4
    assert far.items["sd"].to_numpy() == pytest.approx(near.items["sd"].to_numpy(), rel=1e-9)
    assert far.items["mean"].to_numpy() == pytest.approx(near.items["mean"].to_numpy() + 1000.0, rel=1e-12)


def test_reverse_refusals_and_a_single_item_name():
    from informeel_lib.errors import AnalysisError

    items = _likert_items().rename(columns={"d": "REFL4x"})
    items["REFL4x"] = 6 - items["REFL4x"]  # worded the other way round
    as_list = il.reliability(items, reverse=["REFL4x"], scale_range=(1, 5))
    assert il.reliability(items, reverse="REFL4x", scale_range=(1, 5)).alpha == as_list.alpha
    with pytest.raises(AnalysisError, match=r"^Om te keren item\(s\) x, y staan niet tussen de items\.$"):
        il.reliability(items, reverse=["x", "y"], scale_range=(1, 5))
    bad = items.copy()
    bad.loc[[3, 7], "REFL4x"] = [7.0, 9.0]
    with pytest.raises(AnalysisError, match=r"^Item 'REFL4x' heeft de waarde 7 buiten de schaal 1-5; omkeren kan dan "
                                            r"niet\. Controleer de data of scale_range\.$"):
        il.reliability(bad, reverse=["REFL4x"], scale_range=(1, 5))


def test_two_negatively_loading_items_are_both_named():
    items = _likert_items(k=5, names="abcde")
    items[["d", "e"]] = 6 - items[["d", "e"]]
    with pytest.warns(UserWarning, match=r"^Item\(s\) d, e laden negatief op de schaal \(na het omkeren") as caught:
        il.reliability(items, scale_range=(1, 5))
    assert len(caught) == 1


def test_feldt_interval_at_its_limits():
    from informeel_lib.analysis.reliability import feldt_ci

    assert feldt_ci(0.8, 100, 5) == feldt_ci(0.8, 100, 5, 0.95)  # the default level is 95 %
    middle = 1 - 0.2 * stats.f.ppf(0.5, 99, 396)                  # a 0 % interval is the median point
    assert feldt_ci(0.8, 100, 5, ci=0.0) == (pytest.approx(middle, rel=1e-12), pytest.approx(middle, rel=1e-12))
    assert feldt_ci(0.8, 100, 5, ci=1.0) == (-math.inf, 1.0)     # a 100 % interval: everything below 1
    assert all(math.isnan(v) for v in feldt_ci(0.8, 1, 5))        # one respondent: no interval


def _t_interval(x):
    """R's ``t.test(x)$conf.int`` (95 %), via scipy."""
    res = stats.ttest_1samp(x, 0.0)
    ci = res.confidence_interval(0.95)
    return len(x), float(np.mean(x)), ci.low, ci.high


def test_report_trend_means_and_paired_changes_have_t_intervals():
    """The trend section's table (mean per round and group) and the change among the same people (paired)."""
    from informeel_lib.codebook import load_codebook
    from informeel_lib.report.context import ReportContext, _scored
    from informeel_lib.report.trends import mean_ci, paired_changes, trend_table
    from informeel_lib.synth.example import example_survey

    cb = load_codebook()
    before = example_survey(150, seed=3).assign(round="2021-11")
    after = before.copy()
    rng = np.random.default_rng(5)
    items = [i for sc in cb.scales.values() for i in sc.item_codes]
    after[items] = np.clip(after[items] + rng.integers(-1, 2, after[items].shape), 1, 5)
    after["round"] = "2022-05"
    rounds = {"2021-11": _scored(before, cb), "2022-05": _scored(after, cb)}
    ctx = ReportContext("2022-05", rounds["2022-05"], rounds["2021-11"], "2021-11", "ZINN", 5, cb)
    trend = trend_table(ctx, rounds)
    assert set(trend["group"]) == {"ZINN", "rest van het netwerk"} and len(trend) == 2 * 2 * len(ctx.scales)
    for row in trend.itertuples():
        data = rounds[row.round]
        mine = data["organisation"] == "ZINN"
        x = data.loc[mine if row.group == "ZINN" else ~mine, row.scale].dropna().to_numpy()
        assert (row.n, row.mean, row.ci_low, row.ci_high) == pytest.approx(_t_interval(x), rel=1e-12)
    changes = paired_changes(ctx, rounds)
    assert len(changes) == len(ctx.scales)
    zinn = {r: d[d["organisation"] == "ZINN"].set_index("respondent") for r, d in rounds.items()}
    for row in changes.itertuples():
        diff = (zinn["2022-05"][row.scale] - zinn["2021-11"][row.scale]).dropna().to_numpy()
        assert (row.n, row.diff, row.ci_low, row.ci_high) == pytest.approx(_t_interval(diff), rel=1e-12)
    x = rounds["2022-05"]["IWL"].to_numpy()
    lo, hi = stats.ttest_1samp(x, 0.0).confidence_interval(0.90)
    assert mean_ci(x, level=0.90)[2:] == pytest.approx((lo, hi), rel=1e-12)
    assert mean_ci([4.0])[:2] == (1, 4.0) and np.isnan(mean_ci([4.0])[2]) and mean_ci([])[0] == 0
