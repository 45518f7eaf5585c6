"""Ordinal alpha/omega, EFA and parallel analysis on polychoric/tetrachoric correlations, and omega
hierarchical, against R psych (tests/reference/r/ordinal_reliability_reference.R)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import informeel_lib as il
from informeel_lib.errors import AnalysisError
from tests.reference.test_factors import align_loadings, ref_loadings

HERE = Path(__file__).parent
DATA = HERE / "data"
REF = json.loads((HERE / "r" / "ordinal_reliability_reference.json").read_text())
BFI = pd.read_csv(DATA / "bfi.csv")
ABILITY = pd.read_csv(DATA / "ability.csv")
SYNTH = pd.read_csv(DATA / "synth_items.csv")
SYNTH_MISSING = pd.read_csv(DATA / "synth_items_missing.csv")

# psych's polychoric correlations are within ~1e-4 of the maximum (optimize()); what is computed
# from them inherits that, so these are compared at 1e-4 (the issue asks 1e-3).
TOL = 1e-4


def check_alpha(res, ref):
    assert res.cor == ref["cor"]
    assert res.alpha == pytest.approx(ref["alpha"], abs=TOL)
    assert res.std_alpha == pytest.approx(ref["std_alpha"], abs=TOL)
    assert res.average_r == pytest.approx(ref["average_r"], abs=TOL)
    np.testing.assert_allclose(res.items["r_drop"], ref["r_drop"], atol=TOL)
    np.testing.assert_allclose(res.items["alpha_if_dropped"], ref["alpha_if_dropped"], atol=TOL)
    assert res.omega_total == pytest.approx(ref["omega_total"], abs=TOL)


@pytest.mark.parametrize("scale", sorted(REF["alpha_bfi"]))
def test_ordinal_alpha_bfi_with_reversed_items(scale):
    ref = REF["alpha_bfi"][scale]
    check_alpha(il.reliability(BFI[ref["items"]], reverse=ref["reverse"], scale_range=(1, 6), cor="poly"), ref)


@pytest.mark.parametrize("scale", sorted(REF["alpha_synth"]))
def test_ordinal_alpha_synthetic_network_with_many_missing_answers(scale):
    ref = REF["alpha_synth"][scale]
    check_alpha(il.reliability(SYNTH_MISSING[ref["items"]], reverse=ref["reverse"], scale_range=(1, 5), cor="poly"),
                ref)


def test_ordinal_alpha_binary_items_tetrachoric_and_polychoric():
    tet = il.reliability(ABILITY, cor="tet")
    check_alpha(tet, REF["alpha_ability"]["tet"])
    check_alpha(il.reliability(ABILITY, cor="poly"), REF["alpha_ability"]["poly"])
    pearson = il.reliability(ABILITY)
    assert pearson.alpha == pytest.approx(REF["pearson_alpha_ability"], abs=1e-6)
    assert tet.alpha > pearson.alpha + 0.05          # 0.911 vs 0.829: why ordinal alpha matters
    assert "cor='tet'" in repr(tet) and tet.to_frame()["alpha"].iloc[0] == tet.alpha


def test_ordinal_alpha_complete_cases_and_bootstrap():
    items = SYNTH_MISSING[["REFL1", "REFL2", "REFL3"]]
    complete = il.reliability(items, cor="poly", use="complete")
    direct = il.reliability(items.dropna(), cor="poly")
    assert complete.alpha == pytest.approx(direct.alpha, abs=1e-12)
    boot = il.reliability(SYNTH[["REFL1", "REFL2", "REFL3"]].iloc[:150], cor="poly", bootstrap=20, seed=1)
    lo, hi = boot.bootstrap_ci
    assert lo < boot.alpha < hi


@pytest.mark.parametrize("key, data", [("bfi_poly", BFI.iloc[:, :25]), ("synth_poly", SYNTH), ("ability_tet", ABILITY)])
def test_efa_on_polychoric_and_tetrachoric_matches_psych(key, data):
    f = REF["efa"][key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = il.efa(data, f["nfactors"], rotation=f["rotate"], cor=f["cor"])
    ref = ref_loadings(f)
    aligned, perm, signs = align_loadings(res.loadings.to_numpy(), ref)
    np.testing.assert_allclose(aligned, ref, atol=1e-3)
    np.testing.assert_allclose(res.communalities, f["communality"], atol=1e-3)
    phi = res.phi.to_numpy()[np.ix_(perm, perm)] * np.outer(signs, signs)
    np.testing.assert_allclose(phi, np.array(f["phi"]), atol=1e-3)


@pytest.mark.parametrize("key, data, cor", [("parallel_synth_poly", SYNTH, "poly"),
                                            ("parallel_ability_tet", ABILITY, "tet")])
def test_parallel_analysis_on_polychoric_matches_psych(key, data, cor):
    ref = REF[key]
    res = il.parallel_analysis(data, n_iter=20, seed=14, cor=cor)
    table = res.eigenvalues
    np.testing.assert_allclose(table["component_observed"], ref["pc_values"], atol=1e-3)
    np.testing.assert_allclose(table["factor_observed"], ref["fa_values"], atol=1e-3)
    assert res.n_factors == ref["n_factors"]
    assert res.n_components == ref["n_components"]


OMEGA_CASES = {
    "bfi5": (BFI.iloc[:, :25], "pearson"),
    "bfi3": (BFI.iloc[:, :25], "pearson"),
    "bfi5_poly": (BFI.iloc[:, :25], "poly"),
    "synth5": (SYNTH, "pearson"),
    "synth3_poly": (SYNTH, "poly"),
    "two_factors": (BFI[[f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]], "pearson"),
}


@pytest.mark.parametrize("key", sorted(OMEGA_CASES))
def test_omega_hierarchical_matches_psych(key):
    data, cor = OMEGA_CASES[key]
    ref = REF["omega"][key]
    res = il.omega(data, ref["nfactors"], cor=cor)
    tol = TOL if cor == "poly" else 1e-8
    for name in ("omega_h", "omega_total", "omega_limit", "alpha", "ecv"):
        assert getattr(res, name) == pytest.approx(ref[name], abs=tol), name
    np.testing.assert_allclose(res.loadings["g"], np.abs(ref["g_loadings"]), atol=10 * tol)
    np.testing.assert_allclose(res.loadings["h2"], ref["h2"], atol=10 * tol)
    assert res.to_frame()["omega_h"].iloc[0] == res.omega_h
    assert f"n_factors={ref['nfactors']}" in repr(res)


def test_omega_accepts_a_correlation_matrix():
    r = il.polychoric(SYNTH).rho
    a = il.omega(r, 3)
    b = il.omega(SYNTH, 3, cor="poly")
    assert a.omega_h == pytest.approx(b.omega_h, abs=1e-12)


def test_items_never_answered_together_are_a_dutch_error_not_nan():
    x = SYNTH.iloc[:40, :3].copy()
    x.loc[:19, "REFL1"] = None
    x.loc[20:, "REFL2"] = None
    assert np.isnan(il.polychoric(x).rho.loc["REFL1", "REFL2"])        # as psych: NA for that pair
    with pytest.raises(AnalysisError, match="allebei beantwoord"):
        il.reliability(x, cor="poly")


@pytest.mark.parametrize("call, message", [
    (lambda: il.reliability(SYNTH.iloc[:, :3], cor="spearman"), "Onbekende correlatiesoort"),
    (lambda: il.efa(SYNTH, 2, cor="polychoric"), "Onbekende correlatiesoort"),
    (lambda: il.parallel_analysis(SYNTH, cor="x"), "Onbekende correlatiesoort"),
    (lambda: il.omega(SYNTH, 1), "groepsfactoren"),
    (lambda: il.reliability(SYNTH.iloc[:, :3], cor="tet"), "twee antwoordwaarden"),
])
def test_dutch_errors(call, message):
    with pytest.raises(AnalysisError, match=message):
        call()
