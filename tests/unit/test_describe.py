"""describe_by: group descriptives with t-based CI and small-group suppression."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import informeel_lib as il
from informeel_lib.analysis.describe import labels_as_written
from informeel_lib.errors import AnalysisError


def make():
    rng = np.random.default_rng(3)
    return pd.DataFrame({
        "org": ["A"] * 20 + ["B"] * 3 + [None] * 6,
        "REFL": np.r_[rng.normal(3.5, 0.6, 20), [4.0, 4.5, np.nan], rng.normal(3, 1, 6)],
        "LEID": rng.normal(3, 1, 29),
    })


def test_mean_sd_and_t_interval():
    df = make()
    out = il.describe_by(df, "org", value="REFL")
    a = out[out["org"] == "A"].iloc[0]
    x = df.loc[df["org"] == "A", "REFL"]
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert a["n"] == 20 and a["mean"] == pytest.approx(x.mean()) and a["sd"] == pytest.approx(x.std())
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((lo, hi))
    narrow = il.describe_by(df, "org", value="REFL", ci=0.80)
    assert narrow.iloc[0]["ci_high"] < a["ci_high"]


def test_small_and_missing_groups_are_kept_and_masked():
    out = il.describe_by(make(), "org", columns=["REFL", "LEID"])
    assert len(out) == 6                                     # A, B, missing org  x  2 variables
    b = out[(out["org"] == "B") & (out["variable"] == "REFL")].iloc[0]
    assert b["n"] == 2 and b["suppressed"] and np.isnan(b["mean"]) and "Minder dan 5" in b["note"]
    unknown = out[out["org"].isna()]
    assert len(unknown) == 2 and not unknown["suppressed"].any() and unknown["mean"].notna().all()
    assert set(out.columns) >= {"n", "mean", "sd", "ci_low", "ci_high", "suppressed", "note"}
    loose = il.describe_by(make(), "org", value="REFL", min_group=2)
    assert not loose["suppressed"].any()


def test_default_columns_multiple_by_and_errors():
    df = make().assign(team=lambda d: np.where(np.arange(len(d)) % 2, "t1", "t2"))
    out = il.describe_by(df, ["org", "team"])
    assert set(out["variable"]) == {"REFL", "LEID"} and {"org", "team"} <= set(out.columns)
    with pytest.raises(AnalysisError, match="ontbreken"):
        il.describe_by(df, "nope")
    with pytest.raises(AnalysisError, match="niet numeriek"):
        il.describe_by(df, "org", value="team")
    with pytest.raises(AnalysisError, match="min_group"):
        il.describe_by(df, "org", min_group=0)


def test_every_refusal_says_what_is_wrong():
    df = make()
    cases = [
        ((df.to_dict(), "org"), {}, r"^describe_by verwacht een tabel \(DataFrame\)\.$"),
        ((df, ["org", "x", "y"]), {}, r"^Groepeerkolom\(men\) x, y ontbreken in de data\.$"),
        ((df, "org"), {"value": "REFL", "columns": ["LEID"]}, r"^Geef value óf columns, niet allebei\.$"),
        ((df[["org"]], "org"), {}, r"^Er zijn geen numerieke kolommen om te beschrijven\.$"),
        ((df, "org"), {"value": "nope"}, r"^Kolom 'nope' ontbreekt in de data\.$"),
        ((df.assign(flag=True), "org"), {"value": "flag"}, r"^Kolom 'flag' is niet numeriek"),
        ((df, "org"), {"min_group": 2.5}, r"^min_group moet een geheel getal van minstens 1 zijn, niet 2\.5\.$"),
        ((df, "org"), {"ci": 0.0}, r"^ci moet tussen 0 en 1 liggen, niet 0\.0\.$"),
        ((df, "org"), {"ci": 1.0}, r"^ci moet tussen 0 en 1 liggen, niet 1\.0\.$"),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(AnalysisError, match=message):
            il.describe_by(*args, **kwargs)


def test_small_group_note_in_full_and_one_answer_without_spread():
    df = pd.DataFrame({"g": ["a", "b", "b", "c", "c", "c"], "x": [4.0, 2.0, 3.0, 1.0, 2.0, 6.0]})
    out = il.describe_by(df, "g", value="x", min_group=3).set_index("g")
    assert out.loc["a", "note"] == ("Minder dan 3 antwoorden (n = 1): niet getoond, om herleidbaarheid te "
                                    "voorkomen en omdat een gemiddelde dan onbetrouwbaar is.")
    assert out.loc["c", "note"] == "" and out.loc["c", "mean"] == 3.0
    one = il.describe_by(df, "g", value="x", min_group=1).set_index("g")
    assert one.loc["a", "mean"] == 4.0 and np.isnan(one.loc["a", "sd"]) and np.isnan(one.loc["a", "ci_low"])
    assert one.loc["a", "note"] == "Eén antwoord: geen spreiding of betrouwbaarheidsinterval."
    assert not one.loc["a", "suppressed"]
    two = one.loc["b"]  # two answers are enough for a spread and an interval
    assert two["sd"] == pytest.approx(np.sqrt(0.5)) and two["note"] == ""
    half = stats.t.ppf(0.975, 1) * np.sqrt(0.5) / np.sqrt(2)
    assert (two["ci_low"], two["ci_high"]) == pytest.approx((2.5 - half, 2.5 + half))


def test_groups_sorted_and_team_numbers_shown_as_written():
    df = pd.DataFrame({"team": [12.0, 7.0, np.nan, 7.0], "x": pd.array([1, 2, None, 4], dtype="Int64")})
    out = il.describe_by(df, "team", value="x", min_group=1)
    assert [str(t) for t in out["team"]] == ["7", "12", "<NA>"]  # team 7, not 7.0; sorted, missing last
    assert out["n"].tolist() == [2, 1, 0] and out["mean"].iloc[0] == 3.0  # the missing answer is not counted
    assert out["n"].dtype == int and out["suppressed"].dtype == bool
    half_teams = pd.DataFrame({"team": [1.5, 2.0, 2.0], "x": [1.0, 2.0, 3.0]})
    assert [str(t) for t in il.describe_by(half_teams, "team", value="x", min_group=1)["team"]] == ["1.5", "2.0"]
    assert labels_as_written(pd.Series([1.0, np.inf])).dtype == "float64"  # not every float is a label
    assert labels_as_written(pd.Series([np.nan, np.nan])).dtype == "float64"


def test_a_category_without_respondents_is_shown_as_an_empty_suppressed_row():
    df = pd.DataFrame({"g": pd.Categorical(["b", "b"], categories=["a", "b"]), "x": [1.0, 2.0]})
    out = il.describe_by(df, "g", value="x", min_group=2)
    assert out["g"].tolist() == ["a", "b"] and out["n"].tolist() == [0, 2]
    assert out["suppressed"].tolist() == [True, False]


def test_table_layout_is_fixed_even_when_empty_or_fully_suppressed():
    columns = ["org", "variable", "n", "mean", "sd", "ci_low", "ci_high", "suppressed", "note"]
    out = il.describe_by(make(), "org", value="REFL")
    assert list(out.columns) == columns
    empty = il.describe_by(make().iloc[:0], "org", value="REFL")
    assert list(empty.columns) == columns and len(empty) == 0
    hidden = il.describe_by(make(), "org", value="REFL", min_group=100)
    assert hidden["suppressed"].all() and list(hidden.columns) == columns
    # the statistics stay numeric columns (NaN), so a caller can still compute with them
    assert all(hidden[c].dtype == "float64" for c in ("mean", "sd", "ci_low", "ci_high"))


def test_columns_alias_and_default_columns_leave_flags_out():
    df = make().assign(flag=lambda d: d["REFL"] > 3.5)
    only = il.describe_by(df, "org", columns=["REFL"])
    assert set(only["variable"]) == {"REFL"}
    default = il.describe_by(df, "org")
    assert set(default["variable"]) == {"REFL", "LEID"}  # the boolean column is not a statistic
