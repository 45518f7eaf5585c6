"""Reliability (alpha, Feldt CI, omega total, item analysis) against R psych and pingouin."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

import informeel_lib as il
from informeel_lib.errors import AnalysisError

HERE = Path(__file__).parent
REF = json.loads((HERE / "r" / "psych_reference.json").read_text())
BFI = pd.read_csv(HERE / "data" / "bfi.csv")


def check_against(res, ref):
    assert res.alpha == pytest.approx(ref["alpha"], abs=1e-6)
    assert res.std_alpha == pytest.approx(ref["std_alpha"], abs=1e-6)
    assert res.average_r == pytest.approx(ref["average_r"], abs=1e-6)
    assert res.alpha_ci == pytest.approx((ref["feldt_low"], ref["feldt_high"]), abs=1e-6)
    assert res.omega_total == pytest.approx(ref["omega_total"], abs=1e-4)
    assert res.n == ref["n_obs"]
    it = res.items
    np.testing.assert_array_equal(it["n"], ref["item_n"])
    np.testing.assert_allclose(it["mean"], ref["item_mean"], atol=1e-8)
    np.testing.assert_allclose(it["sd"], ref["item_sd"], atol=1e-8)
    np.testing.assert_allclose(it["r_drop"], ref["r_drop"], atol=1e-6)
    np.testing.assert_allclose(it["alpha_if_dropped"], ref["alpha_if_dropped"], atol=1e-6)


@pytest.mark.parametrize("scale", sorted(REF["alpha"]))
def test_alpha_omega_items_match_psych_with_missing_values(scale):
    ref = REF["alpha"][scale]
    res = il.reliability(BFI[ref["items"]], reverse=ref["reverse"], scale_range=(1, 6))
    check_against(res, ref)
    assert list(res.items.index[res.items["reversed"]]) == ref["reverse"]


def test_complete_data_matches_psych_and_pingouin():
    ref = REF["alpha_complete_A"]
    data = BFI[ref["items"]].dropna()
    res = il.reliability(data, reverse=["A1"], scale_range=(1, 6))
    check_against(res, ref)
    keyed = data.assign(A1=7 - data["A1"])
    pg_alpha, pg_ci = pg.cronbach_alpha(keyed)
    assert res.alpha == pytest.approx(pg_alpha, abs=1e-10)
    assert res.alpha_ci == pytest.approx(tuple(pg_ci), abs=1e-3)   # pingouin rounds its CI to 3 decimals


def test_omega_does_not_depend_on_reverse_keying_but_alpha_does():
    items = BFI[REF["alpha"]["C"]["items"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # correctly keyed: no negative-loading warning
        keyed = il.reliability(items, reverse=["C4", "C5"], scale_range=(1, 6))
    # issue 10: omega flips C4 and C5 itself, alpha does not; the user is told which items load negatively
    with pytest.warns(UserWarning, match=r"C4, C5 laden negatief") as caught:
        raw = il.reliability(items)
    assert caught[0].filename == __file__        # the warning points at the caller
    assert raw.omega_total == pytest.approx(keyed.omega_total, abs=1e-10)
    assert raw.alpha < keyed.alpha - 0.2
    with pytest.warns(UserWarning, match="afgeleid uit de data") as caught:
        il.reliability(items.rename(columns=lambda c: c + "_eigen"), reverse=["C4_eigen", "C5_eigen"])
    assert caught[0].filename == __file__        # the data-range warning, too, points at the caller


def test_codebook_items_take_the_codebook_range_other_items_need_it():
    rng = np.random.default_rng(0)
    f = rng.normal(size=300)
    cols = {f"REFL{i}": np.clip(np.round(3 + f + rng.normal(size=300)), 1, 5) for i in range(1, 6)}
    cols["REFL4"] = 6 - cols["REFL4"]
    df = pd.DataFrame(cols)
    res = il.reliability(df, reverse=["REFL4"])
    explicit = il.reliability(df, reverse=["REFL4"], scale_range=(1, 5))
    assert res.alpha == explicit.alpha and res.alpha > 0.7
    other = df.rename(columns=lambda c: c.replace("REFL", "Q"))
    # no codebook range: the data's min and max, as psych::alpha does, with a warning
    with pytest.warns(UserWarning, match="afgeleid uit de data"):
        inferred = il.reliability(other, reverse=["Q4"])
    lo, hi = other.min().min(), other.max().max()
    assert inferred.alpha == il.reliability(other, reverse=["Q4"], scale_range=(lo, hi)).alpha
    with pytest.raises(AnalysisError, match="buiten de schaal"):
        il.reliability(other, reverse=["Q4"], scale_range=(1, 4))


def test_bad_items_are_named_in_dutch():
    df = BFI[["A1", "A2", "A3"]].copy()
    df["A2"] = 4
    with pytest.raises(AnalysisError, match="'A2'.*geen variatie"):
        il.reliability(df)
    df["A2"] = np.nan
    with pytest.raises(AnalysisError, match="'A2'.*geen enkel antwoord"):
        il.reliability(df)
    with pytest.raises(AnalysisError, match="twee items"):
        il.reliability(BFI[["A1"]])
    with pytest.raises(AnalysisError, match="niet tussen de items"):
        il.reliability(BFI[["A1", "A2"]], reverse=["A9"], scale_range=(1, 6))


def test_empty_rows_are_not_counted_and_complete_use_is_listwise():
    items = BFI[REF["alpha"]["E"]["items"]]
    padded = pd.concat([items, pd.DataFrame(np.nan, index=range(5), columns=items.columns)], ignore_index=True)
    assert il.reliability(padded).n == len(items)
    listwise = il.reliability(items, use="complete")
    assert listwise.n == len(items.dropna())
    assert listwise.alpha == pytest.approx(il.reliability(items.dropna()).alpha, abs=1e-12)


def test_bootstrap_ci_is_reproducible_and_brackets_alpha():
    items = BFI[REF["alpha"]["N"]["items"]].iloc[:600]
    a = il.reliability(items, bootstrap=200, seed=4)
    b = il.reliability(items, bootstrap=200, seed=4)
    assert a.bootstrap_ci == b.bootstrap_ci
    lo, hi = a.bootstrap_ci
    assert lo < a.alpha < hi and hi - lo < 0.1
    feldt_width = a.alpha_ci[1] - a.alpha_ci[0]
    assert 0.5 < (hi - lo) / feldt_width < 2
    assert "boot_low" in a.to_frame().columns


def test_two_items_and_result_presentation():
    res = il.reliability(BFI[["A2", "A3"]])
    assert np.isnan(res.items["alpha_if_dropped"]).all()
    c = BFI[["A2", "A3"]].cov().to_numpy()
    assert res.alpha == pytest.approx(2 * (1 - np.trace(c) / c.sum()), abs=1e-12)
    assert "alpha=" in repr(res) and res.to_frame().shape == (1, 8)


SYNTH = pd.read_csv(HERE / "data" / "synth_items.csv")


@pytest.mark.parametrize("scale", sorted(REF["synth"]["alpha"]))
def test_synthetic_network_alpha_omega_match_psych(scale):
    ref = REF["synth"]["alpha"][scale]
    res = il.reliability(SYNTH[ref["items"]], reverse=ref["reverse"])   # codebook items: range (1, 5) from the codebook
    check_against(res, ref)
