"""KMO, Bartlett, parallel analysis and EFA against R psych (tests/r/psych_reference.json)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

import informeel_lib as il
from informeel_lib.analysis import rotation
from informeel_lib.analysis.moments import pairwise_cor, pairwise_cov
from informeel_lib.errors import AnalysisError

HERE = Path(__file__).parent
REF = json.loads((HERE / "r" / "psych_reference.json").read_text())
BFI = pd.read_csv(HERE / "data" / "bfi.csv")
EFA_TOL = 1e-9  # EFA agrees with psych to 5e-12 (the JSON's precision); see test_efa_matches_psych
ITEMS = BFI.iloc[:, :25]


def align_loadings(ours: np.ndarray, ref: np.ndarray):
    """Reorder and sign-flip our columns to R's by maximum absolute congruence.

    Returns (aligned loadings, permutation, signs) so that aligned[:, j] == ours[:, perm[j]] * signs[j].
    """
    cong = (ours.T @ ref) / np.outer(np.linalg.norm(ours, axis=0), np.linalg.norm(ref, axis=0))
    rows, cols = linear_sum_assignment(-np.abs(cong))
    perm = np.empty(ref.shape[1], dtype=int)
    signs = np.empty(ref.shape[1])
    for i, j in zip(rows, cols):
        perm[j], signs[j] = i, np.sign(cong[i, j])
    return ours[:, perm] * signs, perm, signs


def ref_loadings(f):
    return np.column_stack([f["loadings"][c] for c in f["loadings"]])


def test_align_helper_undoes_permutation_and_sign():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(10, 3))
    ours = ref[:, [2, 0, 1]] * np.array([1, -1, 1])
    aligned, perm, signs = align_loadings(ours, ref)
    np.testing.assert_allclose(aligned, ref)
    assert list(perm) == [1, 2, 0] and list(signs) == [-1, 1, 1]


def test_pairwise_cov_and_cor_match_pandas():
    x = ITEMS.iloc[:400, :8]
    cov, counts = pairwise_cov(x.to_numpy())
    np.testing.assert_allclose(cov, x.cov().to_numpy(), atol=1e-12)
    np.testing.assert_allclose(pairwise_cor(x.to_numpy())[0], x.corr().to_numpy(), atol=1e-12)
    assert counts[0, 1] == x.iloc[:, [0, 1]].dropna().shape[0]
    full = x.dropna().to_numpy()
    np.testing.assert_allclose(pairwise_cor(full)[0], np.corrcoef(full, rowvar=False), atol=1e-12)


def test_kmo_matches_psych():
    res = il.kmo(ITEMS)
    assert res.overall == pytest.approx(REF["kmo"]["overall"], abs=1e-6)
    per_item = pd.Series(REF["kmo"]["per_item"])
    np.testing.assert_allclose(res.per_item[per_item.index], per_item, atol=1e-6)
    assert "(totaal)" in res.to_frame().index and "KMOResult" in repr(res)


def test_bartlett_matches_psych_with_n_all_rows():
    res = il.bartlett(ITEMS)
    ref = REF["bartlett"]
    assert res.n == ref["n"] == len(ITEMS)
    assert res.chi2 == pytest.approx(ref["chi2"], rel=1e-8)
    assert res.df == ref["df"] and res.p == pytest.approx(ref["p"], abs=1e-12)
    assert il.bartlett(ITEMS, n_obs=1000).chi2 < res.chi2


def test_kmo_and_bartlett_accept_a_correlation_matrix_as_psych_does():
    """Issue 10: psych::KMO(r) and psych::cortest.bartlett(r, n) take a correlation matrix; ours computed the
    correlations of the correlations (Bartlett chi2 7533 instead of 1546 on another data set)."""
    r = ITEMS.corr()                                     # pairwise, as R's cor(use = "pairwise")
    k = il.kmo(r)
    assert k.overall == pytest.approx(REF["kmo"]["overall"], abs=1e-6)
    per_item = pd.Series(REF["kmo"]["per_item"])
    np.testing.assert_allclose(k.per_item[per_item.index], per_item, atol=1e-6)
    assert il.kmo(r.to_numpy()).overall == pytest.approx(k.overall, abs=1e-12)
    ref = REF["bartlett"]
    b = il.bartlett(r, n_obs=ref["n"])
    assert b.chi2 == pytest.approx(ref["chi2"], rel=1e-8) and b.n == ref["n"]
    with pytest.raises(AnalysisError, match="geef n_obs op"):
        il.bartlett(r)


def test_kmo_names_the_cause_when_the_matrix_cannot_be_inverted():
    few = ITEMS.dropna().iloc[:20]                       # 20 respondents, 25 items
    with pytest.raises(AnalysisError, match="meer respondenten dan items nodig: er zijn 20 respondenten en 25"):
        il.kmo(few)
    with pytest.raises(AnalysisError, match="meer respondenten dan items"):
        il.bartlett(few)
    # a matrix that is not positive definite (as pairwise correlations can be)
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    with pytest.raises(AnalysisError, match="niet positief definiet .*kleinste eigenwaarde"):
        il.kmo(bad)
    with pytest.raises(AnalysisError, match="niet positief definiet"):
        il.bartlett(bad, n_obs=100)
    dependent = ITEMS.iloc[:, :4].assign(total=ITEMS.iloc[:, :3].sum(axis=1, min_count=3))
    with pytest.raises(AnalysisError, match="combinatie van andere items"):
        il.kmo(dependent.dropna())


def test_rotation_names_are_case_insensitive_as_in_psych():
    lower = il.efa(ITEMS, 3, rotation="varimax")
    upper = il.efa(ITEMS, 3, rotation="Varimax")
    assert upper.rotation == "varimax"
    np.testing.assert_allclose(upper.loadings.to_numpy(), lower.loadings.to_numpy())
    assert il.efa(ITEMS, 3, rotation="GEOMINQ").rotation == "geominQ"


def test_parallel_analysis_matches_psych_counts_and_observed_eigenvalues():
    ref = REF["parallel"]
    res = il.parallel_analysis(ITEMS, n_iter=40, seed=3)
    assert (res.n_factors, res.n_components) == (ref["n_factors"], ref["n_components"]) == (6, 6)
    np.testing.assert_allclose(res.eigenvalues["factor_observed"], ref["fa_values"], atol=1e-6)
    np.testing.assert_allclose(res.eigenvalues["component_observed"], ref["pc_values"], atol=1e-6)
    # the simulated means are random, but close to R's; the first simulated factor eigenvalue
    # varies a lot between runs in R too (0.21-0.25 for seeds 1-4), so it gets a wider margin
    sim = res.eigenvalues["factor_simulated"].to_numpy()
    assert sim[0] == pytest.approx(ref["fa_sim"][0], abs=0.06)
    np.testing.assert_allclose(sim[1:], ref["fa_sim"][1:], atol=0.01)
    np.testing.assert_allclose(res.eigenvalues["component_simulated"], ref["pc_sim"], atol=0.01)
    assert res.quantile == 0.95    # psych's default rule
    assert (res.eigenvalues["component_quantile"] >= res.eigenvalues["component_simulated"]).all()
    horn = il.parallel_analysis(ITEMS, n_iter=40, seed=3, quantile=None)   # mean rule: never fewer
    assert horn.n_factors >= res.n_factors and horn.n_components >= res.n_components


def test_parallel_analysis_is_reproducible_and_finds_no_factors_in_noise():
    a = il.parallel_analysis(ITEMS.iloc[:300, :10], n_iter=5, seed=7)
    b = il.parallel_analysis(ITEMS.iloc[:300, :10], n_iter=5, seed=7)
    pd.testing.assert_frame_equal(a.eigenvalues, b.eigenvalues)
    noise = pd.DataFrame(np.random.default_rng(0).normal(size=(500, 8)))
    res = il.parallel_analysis(noise, n_iter=20, seed=1, quantile=0.95)
    assert res.n_components <= 1 and res.n_factors <= 1


@pytest.mark.parametrize("key", sorted(REF["fa"]))
def test_efa_matches_psych(key):
    f = REF["fa"][key]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = il.efa(BFI[f["items"]], f["nfactors"], method=f["fm"], rotation=f["rotate"])
    ref = ref_loadings(f)
    aligned, perm, signs = align_loadings(res.loadings.to_numpy(), ref)
    # measured agreement with psych: <= 5e-12 (loadings, communalities, phi) and 5e-11 (SS loadings), the
    # precision the R script writes the JSON with; EFA_TOL leaves a margin for other BLAS builds
    np.testing.assert_allclose(aligned, ref, atol=EFA_TOL)
    np.testing.assert_allclose(res.communalities, f["communality"], atol=EFA_TOL)
    np.testing.assert_allclose(res.uniquenesses, f["uniquenesses"], atol=EFA_TOL)
    ss = res.variance_explained.loc["SS loadings"].to_numpy()[perm]
    np.testing.assert_allclose(ss, np.atleast_1d(f["ss_loadings"]), atol=10 * EFA_TOL)
    # our columns are sorted like psych's: by decreasing SS loadings
    assert np.all(np.diff(res.variance_explained.loc["SS loadings"].to_numpy()) <= 1e-12)
    if "phi" in f:
        phi = res.phi.to_numpy()[np.ix_(perm, perm)] * np.outer(signs, signs)
        np.testing.assert_allclose(phi, np.array(f["phi"]), atol=EFA_TOL)
    else:
        np.testing.assert_allclose(res.phi.to_numpy(), np.eye(f["nfactors"]))
    assert not res.heywood
    assert list(res.to_frame().columns[-2:]) == ["h2", "u2"]
    assert res.loadings.columns[0] == {"minres": "MR1", "ml": "ML1", "pa": "PA1"}[f["fm"]]


def test_efa_accepts_correlation_matrix_and_complete_cases():
    r = ITEMS.corr()
    a = il.efa(r, 5, rotation="varimax")
    b = il.efa(ITEMS, 5, rotation="varimax")
    np.testing.assert_allclose(a.loadings, b.loadings, atol=1e-8)
    c = il.efa(ITEMS, 5, rotation="varimax", use="complete")
    assert c.n_obs == len(ITEMS.dropna()) and not np.allclose(c.loadings, b.loadings)


def test_variance_explained_rows_consistent():
    res = il.efa(ITEMS, 5, rotation="oblimin")
    v = res.variance_explained
    assert list(v.index) == ["SS loadings", "Proportion Var", "Cumulative Var", "Proportion Explained",
                             "Cumulative Proportion"]
    np.testing.assert_allclose(v.loc["Proportion Var"], v.loc["SS loadings"] / 25)
    assert v.loc["Cumulative Proportion"].iloc[-1] == pytest.approx(1.0)


def test_heywood_case_is_flagged_with_dutch_warning():
    rng = np.random.default_rng(5)
    f = rng.normal(size=(400, 1))
    x = f @ np.array([[0.7, 0.6, 0.5, 0.6]]) + rng.normal(size=(400, 4)) * 0.7
    x = np.column_stack([x, x[:, 0] + rng.normal(size=400) * 0.01])   # a near-duplicate item
    df = pd.DataFrame(x, columns=list("abcde"))
    with pytest.warns(UserWarning, match="Heywood"):
        res = il.efa(df, 1, method="ml")
    assert res.heywood and res.communalities[["a", "e"]].min() >= 0.995


def test_efa_rejects_bad_input_in_dutch():
    with pytest.raises(AnalysisError, match="aantal factoren"):
        il.efa(ITEMS, 25)
    with pytest.raises(AnalysisError, match="Onbekende rotatie"):
        il.efa(ITEMS, 2, rotation="equamax-ish")
    with pytest.raises(AnalysisError, match="Onbekende factormethode"):
        il.efa(ITEMS, 2, method="alpha")
    bad = ITEMS.iloc[:, :5].copy()
    bad["A3"] = 3
    with pytest.raises(AnalysisError, match="'A3'.*geen variatie"):
        il.efa(bad, 1)
    bad["A3"] = np.nan
    with pytest.raises(AnalysisError, match="'A3'.*geen enkel antwoord"):
        il.kmo(bad)
    split = pd.DataFrame({"a": [1, 2, 3, 4, np.nan, np.nan, np.nan], "b": [np.nan] * 4 + [1, 2, 3],
                          "c": [1, 3, 2, 4, 1, 2, 2]})
    with pytest.raises(AnalysisError, match="allebei"):
        il.kmo(split)


def test_rotations_preserve_common_variance():
    res = il.efa(ITEMS, 5, rotation="none")
    a = res.loadings.to_numpy()
    for name in ("varimax", "promax", "oblimin", "geominQ"):
        rot = rotation.rotate(a, name)
        implied = rot.loadings @ rot.phi @ rot.loadings.T
        np.testing.assert_allclose(np.diag(implied), (a**2).sum(axis=1), atol=1e-8)
        assert rot.converged


SYNTH = pd.read_csv(HERE / "data" / "synth_items.csv")


def test_synthetic_network_kmo_and_efa_match_psych():
    ref = REF["synth"]
    assert il.kmo(SYNTH).overall == pytest.approx(ref["kmo"]["overall"], abs=1e-6)
    for key, f in ref["fa"].items():
        res = il.efa(SYNTH[f["items"]], f["nfactors"], method=f["fm"], rotation=f["rotate"])
        aligned, perm, signs = align_loadings(res.loadings.to_numpy(), ref_loadings(f))
        np.testing.assert_allclose(aligned, ref_loadings(f), atol=EFA_TOL, err_msg=key)
        np.testing.assert_allclose(res.communalities, f["communality"], atol=EFA_TOL, err_msg=key)
        phi = res.phi.to_numpy()[np.ix_(perm, perm)] * np.outer(signs, signs)
        np.testing.assert_allclose(phi, np.array(f["phi"]), atol=EFA_TOL, err_msg=key)
