"""describe_by: group descriptives with t-based CI and small-group suppression."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import informeel_lib as il
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
