"""Scale scores against psych::scoreItems(impute = "none") and codebook handling."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import informeel_lib as il
from informeel_lib.codebook import load_codebook, parse_codebook
from informeel_lib.errors import AnalysisError

HERE = Path(__file__).parent
REF = json.loads((HERE / "r" / "psych_reference.json").read_text())
BFI = pd.read_csv(HERE / "data" / "bfi.csv")
KEYS = {s: a["items"] for s, a in REF["alpha"].items()}
REVERSE = [i for a in REF["alpha"].values() for i in a["reverse"]]


def test_scores_match_psych_scoreitems_without_imputation():
    scores = il.score_scales(BFI, KEYS, reverse=REVERSE, scale_range=(1, 6), min_items=1)
    first20 = pd.DataFrame(REF["scores"]["first20"])
    np.testing.assert_allclose(scores.iloc[:20][first20.columns].to_numpy(), first20.to_numpy(), atol=1e-10)
    np.testing.assert_allclose(scores.mean()[list(KEYS)], pd.Series(REF["scores"]["means"])[list(KEYS)], atol=1e-8)
    assert scores.notna().sum().to_dict() == REF["scores"]["n_scored"]


def test_default_half_of_items_rule_matches_masked_reference():
    scores = il.score_scales(BFI, KEYS, reverse=REVERSE, scale_range=(1, 6))
    assert scores.notna().sum().to_dict() == REF["scores"]["masked_n"]
    np.testing.assert_allclose(scores.mean()[list(KEYS)], pd.Series(REF["scores"]["masked_means"])[list(KEYS)],
                               atol=1e-8)


def test_min_items_count_versus_fraction():
    df = pd.DataFrame({"a": [1, 2, np.nan, np.nan], "b": [3, np.nan, np.nan, np.nan],
                       "c": [5, 4, 4, np.nan], "d": [1, 2, np.nan, np.nan]})
    spec = {"S": ["a", "b", "c", "d"]}
    assert il.score_scales(df, spec, min_items=1)["S"].notna().tolist() == [True, True, True, False]
    assert il.score_scales(df, spec, min_items=3)["S"].notna().tolist() == [True, True, False, False]
    assert il.score_scales(df, spec, min_items=0.5)["S"].notna().tolist() == [True, True, False, False]
    assert il.score_scales(df, spec, min_items=1.0)["S"].notna().tolist() == [True, False, False, False]
    assert il.score_scales(df, spec)["S"].iloc[1] == pytest.approx(8 / 3)
    for bad in (0, 5, 1.5, True, -0.2):
        with pytest.raises(AnalysisError, match="min_items"):
            il.score_scales(df, spec, min_items=bad)


def test_package_codebook_reverses_its_reverse_items():
    cb = load_codebook()
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.integers(1, 6, size=(30, len(cb.item_codes))).astype(float), columns=cb.item_codes)
    scores = il.score_scales(df)
    assert list(scores.columns) == list(cb.scales)
    refl = cb.scales["REFL"]
    keyed = df[refl.item_codes].copy()
    for item in refl.reverse_items:
        keyed[item] = 6 - keyed[item]
    np.testing.assert_allclose(scores["REFL"], keyed.mean(axis=1))
    only = il.score_scales(df[cb.scales["LEID"].item_codes + cb.scales["AUTO"].item_codes])
    assert list(only.columns) == ["LEID", "AUTO"]
    with pytest.raises(AnalysisError, match="REFL.*ontbreken"):
        il.score_scales(df.drop(columns=["REFL2"]))
    with pytest.raises(AnalysisError, match="Onbekende schaal"):
        il.score_scales(df, scales=["NOPE"])


def test_custom_codebook_with_other_range():
    raw = {
        "response_scale": {"min": 0, "max": 6, "labels": {i: f"l{i}" for i in range(7)}},
        "scales": {"X": {"name": "X", "items": [{"code": "x1", "text": "t"}, {"code": "x2", "text": "t",
                                                                              "reverse": True}]}},
        "background": {"organisation": {}, "team": {}, "role": {}},
        "organisations": [{"name": "O"}], "roles": [{"code": "r"}],
    }
    cb = parse_codebook(raw)
    df = pd.DataFrame({"x1": [0, 6, 3], "x2": [0, 6, np.nan]})
    assert il.score_scales(df, cb)["X"].tolist() == [3.0, 3.0, 3.0]
    assert il.score_scales(df, cb, min_items=2)["X"].isna().tolist() == [False, False, True]


def test_dict_spec_reverses_with_given_or_data_range_and_checks_values():
    df = pd.DataFrame({"a": [1, 2, 5], "b": [5, 4, 1]})
    # no range given: the data's min and max (1, 5), as psych::scoreItems, with a warning
    with pytest.warns(UserWarning, match="afgeleid uit de data"):
        assert il.score_scales(df, {"S": ["a", "b"]}, reverse=["b"])["S"].tolist() == [1, 2, 5]
    narrow = pd.DataFrame({"a": [2, 3], "b": [4, 3]})   # observed 2-4: b reversed as 6 - b
    with pytest.warns(UserWarning, match="2-4"):
        assert il.score_scales(narrow, {"S": ["a", "b"]}, reverse=["b"])["S"].tolist() == [2, 3]
    assert il.score_scales(df, {"S": ["a", "b"]}, reverse=["b"], scale_range=(1, 5))["S"].tolist() == [1, 2, 5]
    with pytest.raises(AnalysisError, match="'a'.*rij 2.*buiten de schaal"):
        il.score_scales(df, {"S": ["a", "b"]}, reverse=["b"], scale_range=(1, 4))
    with pytest.raises(AnalysisError, match="bij geen enkele schaal"):
        il.score_scales(df, {"S": ["a", "b"]}, reverse=["z"], scale_range=(1, 5))


def test_reverse_key():
    df = pd.DataFrame({"a": [1, 2, np.nan], "b": [1, 1, 1]})
    out = il.reverse_key(df, ["a"])
    assert out["a"].tolist()[:2] == [5, 4] and np.isnan(out["a"].iloc[2])
    assert out["b"].tolist() == [1, 1, 1] and df["a"].iloc[0] == 1
    assert il.reverse_key(df, "a", scale_range=(0, 10))["a"].tolist()[:2] == [9, 8]
    with pytest.raises(AnalysisError, match="ontbreken"):
        il.reverse_key(df, ["zz"])
    with pytest.raises(AnalysisError, match="buiten de schaal"):
        il.reverse_key(pd.DataFrame({"a": [7]}), ["a"])
