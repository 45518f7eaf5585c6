"""Polychoric and tetrachoric correlations against R psych (tests/reference/r/polychoric_reference.R)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import informeel_lib as il
from informeel_lib.analysis.polychoric import bivariate_normal_cdf, polychoric, smooth_correlation, tetrachoric
from informeel_lib.errors import AnalysisError

HERE = Path(__file__).parent
DATA = HERE / "data"
REF = json.loads((HERE / "r" / "polychoric_reference.json").read_text())
BFI = pd.read_csv(DATA / "bfi.csv")
SYNTH = pd.read_csv(DATA / "synth_items.csv")
SYNTH_BINARY = pd.read_csv(DATA / "synth_items_binary.csv")
ABILITY = pd.read_csv(DATA / "ability.csv")

# psych maximises with optimize(), which stops within about 1e-4 of the maximum.
RHO_TOL = 1e-4


def unequal_bfi():
    x = BFI.iloc[:, :10].copy()
    x.loc[x.C1 == 6, "C1"] = 5
    x.loc[x.A2 == 6, "A2"] = 5
    return x


def small_unequal_synth():
    x = SYNTH.iloc[:120, :8].copy()
    x.loc[x.REFL1 == 5, "REFL1"] = 4
    return x


CASES = {
    "bfi": lambda: polychoric(BFI.iloc[:, :25]),
    "bfi_unequal": lambda: polychoric(unequal_bfi()),
    "ability_polychoric": lambda: polychoric(ABILITY),
    "ability_tetrachoric": lambda: tetrachoric(ABILITY),
    "synth": lambda: polychoric(SYNTH),
    "synth_missing": lambda: polychoric(pd.read_csv(DATA / "synth_items_missing.csv")),
    "synth_binary_tetrachoric": lambda: tetrachoric(SYNTH_BINARY),
    "synth_binary_small": lambda: tetrachoric(SYNTH_BINARY.iloc[:15, :8]),
    "synth_small_unequal": lambda: polychoric(small_unequal_synth()),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_psych(case):
    ref = REF[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)      # smoothing is announced; compared below
        res = CASES[case]()
    assert list(res.rho.columns) == ref["items"]
    np.testing.assert_allclose(res.rho.to_numpy(), np.array(ref["rho"], dtype=float), atol=RHO_TOL)
    tau = np.array(ref["tau"], dtype=float).reshape(res.thresholds.shape)
    ours = res.thresholds.to_numpy()
    assert np.isinf(ours[np.isnan(tau)]).all()      # jsonlite writes psych's +-Inf as null
    np.testing.assert_allclose(ours[~np.isnan(tau)], tau[~np.isnan(tau)], atol=1e-10)
    assert res.n_obs == ref["n_obs"]


def test_zero_cells_and_correction_are_reported():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        small = tetrachoric(SYNTH_BINARY.iloc[:15, :8])
    assert small.zero_cell_pairs == small.corrected_pairs == 10
    assert "gevuld met 0.5" in small.note
    unequal = polychoric(small_unequal_synth())
    assert unequal.corrected_pairs == 28            # psych: "28 cells were adjusted for 0 values"
    full = polychoric(BFI.iloc[:, :25])
    assert full.corrected_pairs == 0 and full.zero_cell_pairs == 6
    assert "tellen niet mee" in full.note


def test_pairwise_counts_and_missing_values():
    x = pd.read_csv(DATA / "synth_items_missing.csv")
    res = polychoric(x)
    both = x.notna().astype(int)
    np.testing.assert_array_equal(res.pair_n.to_numpy(), both.T @ both)


def test_smoothing_is_psychs_cor_smooth():
    with pytest.warns(UserWarning, match="gladgestreken"):
        res = tetrachoric(SYNTH_BINARY.iloc[:15, :8])
    assert res.smoothed
    assert np.linalg.eigvalsh(res.rho.to_numpy()).min() > 0
    r = np.array([[1, .9, -.9], [.9, 1, .9], [-.9, .9, 1]])
    smoothed, done = smooth_correlation(r)
    assert done and np.allclose(np.diag(smoothed), 1) and np.linalg.eigvalsh(smoothed).min() > 0
    same, done = smooth_correlation(np.eye(3))
    assert not done and np.array_equal(same, np.eye(3))


def test_bivariate_normal_cdf_matches_scipy():
    rng = np.random.default_rng(3)
    h, k = rng.normal(scale=2, size=(2, 200))
    r = rng.uniform(-0.999, 0.999, size=200)
    ours = bivariate_normal_cdf(h, k, r)
    theirs = [stats.multivariate_normal([0, 0], [[1, c], [c, 1]]).cdf([a, b]) for a, b, c in zip(h, k, r)]
    np.testing.assert_allclose(ours, theirs, atol=1e-7)
    assert bivariate_normal_cdf(-np.inf, 1.0, 0.5) == 0
    assert bivariate_normal_cdf(np.inf, 0.5, 0.5) == pytest.approx(stats.norm.cdf(0.5), abs=1e-15)


def test_public_api_and_result_objects():
    res = il.polychoric(SYNTH.iloc[:, :5])
    assert res.to_frame().shape == (5, 5)
    assert "PolychoricResult(kind='polychoric', items=5" in repr(res)
    assert il.tetrachoric is tetrachoric


@pytest.mark.parametrize("data, message", [
    (pd.DataFrame({"a": [1.5, 2, 3, 1], "b": [1, 2, 3, 2]}), "hele getallen"),
    (pd.DataFrame({"a": list(range(1, 11)) * 2, "b": list(range(10, 0, -1)) * 2}), "hoogstens 8"),
    (pd.DataFrame({"a": [1, 1, 1, 1], "b": [1, 2, 3, 2]}), "geen variatie"),
    (pd.DataFrame({"a": ["x", "y", "x", "y"], "b": [1, 2, 1, 2]}), "geen getal"),
])
def test_clear_dutch_errors(data, message):
    with pytest.raises(AnalysisError, match=message):
        polychoric(data)


def test_tetrachoric_refuses_more_than_two_categories():
    with pytest.raises(AnalysisError, match="twee antwoordwaarden"):
        tetrachoric(SYNTH.iloc[:, :3])
