"""informeel_lib.analysis.cfa against lavaan 0.6-14 (tests/reference/r/lavaan_reference.R -> lavaan_reference.json).

Data: lavaan's HolzingerSwineford1939 (exported from R) and synthetic survey items
(tests/reference/r/make_synth_cfa_data.py). Tolerances: 1e-3 on fit indices, 0.05% on chi2, 0.01 on
standardised loadings (README, "Dezelfde getallen als R"); the remaining differences are lavaan's own
convergence tolerance.
"""

from __future__ import annotations

import importlib
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import informeel_lib as il
from informeel_lib.analysis.cfa.estimate import cfa
from informeel_lib.analysis.cfa.specification import CFAWarning, NonConvergenceError
from informeel_lib.analysis.cfa.syntax import parse_model
from informeel_lib.errors import AnalysisError, InformeelError

HERE = Path(__file__).resolve().parent
REF = json.loads((HERE / "r" / "lavaan_reference.json").read_text())
HS_MODEL = REF["meta"]["hs_model"]

FIT_KEYS = [("chi2", "chisq"), ("df", "df"), ("p", "pvalue"), ("cfi", "cfi"), ("tli", "tli"),
            ("rmsea", "rmsea"), ("rmsea_p", "rmsea.pvalue"), ("srmr", "srmr"), ("aic", "aic"),
            ("bic", "bic"), ("npar", "npar"), ("n", "ntotal"), ("logl", "logl"),
            ("baseline_chi2", "baseline.chisq"), ("baseline_df", "baseline.df")]


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(HERE / "data" / "HolzingerSwineford1939.csv")


@pytest.fixture(scope="module")
def synth():
    return pd.read_csv(HERE / "data" / "synth_cfa.csv")


def assert_fit_matches(res, ref):
    r = ref["fit"]
    for ours, theirs in FIT_KEYS:
        expected = r[theirs]
        if ours == "chi2":
            assert res.fit[ours] == pytest.approx(expected, rel=1e-6), ours
        elif ours in ("aic", "bic", "logl", "baseline_chi2"):
            assert res.fit[ours] == pytest.approx(expected, abs=1e-4), ours
        elif expected is None:
            assert np.isnan(res.fit[ours])
        else:
            assert res.fit[ours] == pytest.approx(expected, abs=1e-6), ours
    lo, hi = res.fit["rmsea_ci"]
    assert lo == pytest.approx(r["rmsea.ci.lower"], abs=1e-6)
    assert hi == pytest.approx(r["rmsea.ci.upper"], abs=1e-6)
    assert res.fit["converged"] and ref["converged"]


def assert_parameters_match(res, ref, tol=1e-4):
    """Every lavaan parameter (incl. fixed ones) is in ours, with est, se and std.all equal."""
    pe = pd.DataFrame(ref["parameters"])
    ours = res.parameters.copy()
    ours["rhs"] = ours["rhs"].fillna("")
    table = ours.set_index(["lhs", "op", "rhs", "group"])
    assert len(pe) == len(ours)
    for row in pe.itertuples(index=False):
        group = res.groups[row.group - 1]
        key = (row.lhs, row.op, row.rhs, group)
        if key not in table.index:  # lavaan writes covariances as lhs ~~ rhs in model order
            key = (row.rhs, row.op, row.lhs, group)
        got = table.loc[key]
        assert got["est"] == pytest.approx(row.est, abs=tol), key
        assert got["se"] == pytest.approx(row.se, abs=tol), key
        assert got["std_all"] == pytest.approx(row[-1], abs=tol), key
        assert bool(got["free"]) == (row.se > 0), key
        if row.se > 0:  # Wald z and its two-sided p: lavaan's values and the formula
            assert got["z"] == pytest.approx(row.z, rel=tol, abs=tol), key
            assert got["p"] == pytest.approx(row.pvalue, rel=10 * tol, abs=tol), key
            assert got["z"] == pytest.approx(got["est"] / got["se"], rel=1e-12), key
            assert got["p"] == pytest.approx(2 * stats.norm.sf(abs(got["z"])), rel=1e-12), key
        if row.label and not row.label.startswith("."):  # user labels (lavaan's own start with '.')
            assert got["label"] == row.label, key


def assert_modindices_match(res, ref, tol=2e-3):
    mi = pd.DataFrame(ref["modindices"])
    ours = res.modification_indices
    for row in mi.itertuples(index=False):
        sel = ours[(ours["lhs"] == row.lhs) & (ours["op"] == row.op) & (ours["rhs"] == row.rhs)]
        if "group" in ours.columns:
            sel = sel[sel["group"] == res.groups[row.group - 1]]
        assert len(sel) == 1, (row.lhs, row.op, row.rhs)
        got = sel.iloc[0]
        assert got["mi"] == pytest.approx(row.mi, rel=tol, abs=tol)
        assert got["epc"] == pytest.approx(row.epc, rel=tol, abs=tol)
        assert got["sepc_all"] == pytest.approx(row[-1], rel=tol, abs=tol)
    # the strongest suggestion is the same one
    top = ours.iloc[0]
    assert (top["lhs"], top["op"], top["rhs"]) == (mi["lhs"][0], mi["op"][0], mi["rhs"][0])


def assert_implied_match(res, ref):
    def pick(value, g, label):  # R gives a list (one group) or a list named by group label
        return value[label] if isinstance(value, dict) else value[g]

    for g, label in enumerate(res.groups):
        expected = np.array(pick(ref["implied_cov"], g, label))
        np.testing.assert_allclose(res.implied_cov[label].to_numpy(), expected, atol=1e-5)
        mean = pick(ref["implied_mean"], g, label)
        if mean is not None:
            np.testing.assert_allclose(res.implied_mean[label].to_numpy(), mean, atol=1e-5)


HS_CASES = {
    "single": dict(model=HS_MODEL),
    "std_lv": dict(model=HS_MODEL, std_lv=True),
    "rescov": dict(model=REF["meta"]["hs_rescov"]),
    "labels": dict(model=REF["meta"]["hs_labels"]),
    "configural": dict(model=HS_MODEL, group="school"),
    "metric": dict(model=HS_MODEL, group="school", equal=("loadings",)),
    "scalar": dict(model=HS_MODEL, group="school", equal=("loadings", "intercepts")),
    "strict": dict(model=HS_MODEL, group="school", equal=("loadings", "intercepts", "residuals")),
    "mg_std_lv": dict(model=HS_MODEL, group="school", equal=("loadings",), std_lv=True),
}


@pytest.fixture(scope="module")
def hs_fits(hs):
    fits = {}
    for name, kw in HS_CASES.items():
        kw = dict(kw)
        fits[name] = cfa(hs, kw.pop("model"), **kw)
    return fits


@pytest.mark.parametrize("case", list(HS_CASES))
def test_holzinger_swineford_matches_lavaan(hs_fits, case):
    res, ref = hs_fits[case], REF["hs"][case]
    assert list(res.groups) == (ref["group_labels"] or ["totaal"])
    assert_fit_matches(res, ref)
    assert_parameters_match(res, ref)
    assert_modindices_match(res, ref)
    assert_implied_match(res, ref)


def test_hs_headline_values(hs_fits):
    """The numbers every lavaan tutorial prints."""
    f = hs_fits["single"].fit
    assert round(f["chi2"], 3) == 85.306 and f["df"] == 24
    assert (round(f["cfi"], 3), round(f["tli"], 3), round(f["rmsea"], 3), round(f["srmr"], 3)) == \
        (0.931, 0.896, 0.092, 0.065)


def test_loadings_matrix_is_items_by_factors_like_efa(hs_fits):
    res = hs_fits["single"]
    m = res.loadings
    assert list(m.index) == [f"x{i}" for i in range(1, 10)] and list(m.columns) == ["visual", "textual", "speed"]
    for (factor, item), value in res.loading_table["std_all"].items():
        assert m.loc[item, factor] == value
    assert (m != 0).sum().sum() == 9 and m.loc["x1", "speed"] == 0.0
    assert m.loc["x1", "visual"] == pytest.approx(0.7725, abs=1e-3)   # lavaan std.all
    mg = hs_fits["metric"].loadings
    assert mg.index.names == ["group", "item"] and len(mg) == 18
    assert mg.loc[("Grant-White", "x2"), "visual"] == hs_fits["metric"].loading("x2", group="Grant-White")


def test_loadings_lookup(hs_fits):
    res = hs_fits["single"]
    assert res.loading_table.loc[("visual", "x1"), "std_all"] == pytest.approx(0.7725, abs=1e-3)
    assert res.loading("x1") == res.loading_table.loc[("visual", "x1"), "std_all"]
    assert res.loading("x9", "speed") == pytest.approx(res.loading_table.loc[("speed", "x9"), "std_all"])
    assert list(res.loading_table.columns[:5]) == ["estimate", "se", "z", "p", "std_all"]
    # marker loading fixed at 1, not free
    assert res.loading_table.loc[("visual", "x1"), "estimate"] == 1.0 and not res.loading_table.loc[("visual", "x1"),
                                                                                                    "free"]
    mg = hs_fits["metric"]
    assert mg.loading_table.index.names == ["group", "factor", "item"]
    assert mg.loading("x2", group="Grant-White") == mg.loading_table.loc[("Grant-White", "visual", "x2"), "std_all"]
    # metric: unstandardised loadings equal across groups
    assert mg.loading_table.loc[("Pasteur", "visual", "x2"), "estimate"] == \
        pytest.approx(mg.loading_table.loc[("Grant-White", "visual", "x2"), "estimate"], abs=1e-12)
    with pytest.raises(AnalysisError, match="x1"):
        res.loading("x1", "speed")


def test_std_lv_gives_same_fit_and_standardised_solution(hs_fits):
    a, b = hs_fits["single"], hs_fits["std_lv"]
    assert a.fit["chi2"] == pytest.approx(b.fit["chi2"], rel=1e-8)
    np.testing.assert_allclose(a.loading_table["std_all"], b.loading_table["std_all"], atol=1e-6)
    psi = b.parameters[(b.parameters["op"] == "~~") & (b.parameters["lhs"] == b.parameters["rhs"])
                       & b.parameters["lhs"].isin(["visual", "textual", "speed"])]
    assert (psi["est"] == 1.0).all() and not psi["free"].any()


def test_factor_correlations(hs_fits):
    res = hs_fits["single"]
    fc = res.factor_correlations
    assert list(fc.columns) == ["visual", "textual", "speed"]
    np.testing.assert_allclose(np.diag(fc), 1.0)
    np.testing.assert_allclose(fc.to_numpy(), fc.to_numpy().T)
    row = res.parameters[(res.parameters["lhs"] == "textual") & (res.parameters["rhs"] == "visual")]
    assert fc.loc["visual", "textual"] == pytest.approx(row["std_all"].iloc[0])
    assert fc.loc["visual", "textual"] == pytest.approx(0.459, abs=1e-3)  # lavaan std.all
    mg = hs_fits["configural"].factor_correlations
    assert mg.index.names == ["group", "factor"] and set(mg.index.get_level_values(0)) == {"Pasteur", "Grant-White"}


def test_to_frame_and_repr(hs_fits):
    res = hs_fits["single"]
    frame = res.to_frame()
    assert list(frame.columns) == ["chi2", "df", "p", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
                                   "srmr", "aic", "bic", "n", "npar"]
    assert frame["chi2"].iloc[0] == res.fit["chi2"]
    text = repr(res)
    assert "χ²(24) = 85,306" in text and "CFI = 0,931" in text and "N = 301" in text
    assert "groepen" in repr(hs_fits["metric"]) and "loadings" in repr(hs_fits["metric"])


def test_dict_model_and_syntax_variants_are_equivalent(hs):
    base = cfa(hs, HS_MODEL, modification_indices=False)
    as_dict = cfa(hs, {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]},
                  modification_indices=False)
    messy = cfa(hs, "# drie factoren\nvisual =~ x1 + x2 +\n   x3 ; textual =~ x4 + x5 + x6  # verbaal\n"
                    "speed =~ 1*x7 + x8 + x9", modification_indices=False)
    for other in (as_dict, messy):
        assert other.fit["chi2"] == pytest.approx(base.fit["chi2"], rel=1e-9)
        np.testing.assert_allclose(other.loading_table["std_all"], base.loading_table["std_all"], atol=1e-8)


def test_parser_modifiers():
    terms = parse_model("f =~ NA*x1 + 0.5*x2 + a*x3 + c(b, 1)*x4\nx1 ~~ x2")
    m = [t.modifier(0) for t in terms]
    assert m[0].free and m[1].fixed == 0.5 and m[2].label == "a" and m[3].label == "b"
    assert terms[3].modifier(1).fixed == 1.0
    assert (terms[4].lhs, terms[4].op, terms[4].rhs) == ("x1", "~~", "x2")
    for bad in ("f ~ x1", "f =~ x1 + ", "f =~ x1 + 2x", "x1 ~~ x2", "f := a*b", ""):
        with pytest.raises(AnalysisError):
            parse_model(bad)


def test_fixed_and_freed_marker(hs):
    """A fixed loading of 2 on the marker, or a freed marker with a fixed variance, is the same model."""
    base = cfa(hs, HS_MODEL, modification_indices=False)
    scaled = cfa(hs, HS_MODEL.replace("x1 +", "2*x1 +"), modification_indices=False)
    freed = cfa(hs, HS_MODEL.replace("x1 +", "NA*x1 +") + "\nvisual ~~ 1*visual", modification_indices=False)
    for other in (scaled, freed):
        assert other.fit["chi2"] == pytest.approx(base.fit["chi2"], rel=1e-8)
        assert other.fit["df"] == 24
        np.testing.assert_allclose(other.loading_table["std_all"], base.loading_table["std_all"], atol=1e-6)
    assert scaled.loading_table.loc[("visual", "x2"), "estimate"] == pytest.approx(
        2 * base.loading_table.loc[("visual", "x2"), "estimate"], rel=1e-6)


def test_listwise_deletion(hs):
    """Missing answers drop the whole row (lavaan's default); other columns do not matter."""
    dirty = hs.copy()
    dirty.loc[[3, 10, 50], "x4"] = np.nan
    dirty.loc[7, "x9"] = np.nan
    dirty["grade"] = np.nan  # not in the model
    res = cfa(dirty, HS_MODEL, modification_indices=False)
    clean = cfa(hs.drop(index=[3, 7, 10, 50]), HS_MODEL, modification_indices=False)
    assert res.fit["n"] == 297
    assert res.fit["chi2"] == pytest.approx(clean.fit["chi2"], rel=1e-10)


def test_synthetic_four_scales_match_lavaan(synth):
    ref = REF["synth"]
    one = synth[synth["round"] == ref["round"]]
    res = cfa(one, ref["model"])
    assert_fit_matches(res, ref["single"])
    assert_parameters_match(res, ref["single"])
    assert_modindices_match(res, ref["single"])
    # reverse-keyed items keep their raw direction: negative loadings
    assert res.loading("REFL4") < -0.3 and res.loading("EXPR4") < -0.3
    assert res.loading("LEID1") > 0.5


def test_synthetic_full_eleven_factor_model_matches_lavaan(synth):
    ref = REF["synth"]
    one = synth[synth["round"] == ref["round"]]
    res = cfa(one, il.load_codebook().model_syntax())
    assert res.fit["npar"] == 149 and res.fit["df"] == 979
    assert_fit_matches(res, ref["full"])
    assert_parameters_match(res, ref["full"], tol=2e-4)
    assert_modindices_match(res, ref["full"])


@pytest.mark.parametrize("case,group,equal", [
    ("configural", "round", ()), ("metric", "round", ("loadings",)), ("scalar", "round", ("loadings", "intercepts")),
    ("org_configural", "organisation", ()), ("org_scalar", "organisation", ("loadings", "intercepts")),
])
def test_synthetic_multigroup_matches_lavaan(synth, case, group, equal):
    ref = REF["synth"]
    data = synth if group == "round" else synth[synth["round"] == ref["round"]]
    res = cfa(data, ref["model"], group=group, equal=equal)
    assert list(res.groups) == ref[case]["group_labels"]
    assert_fit_matches(res, ref[case])
    # small groups (about 50 per organisation): lavaan stops a little earlier than we do
    assert_parameters_match(res, ref[case], tol=2e-4 if group == "round" else 5e-4)
    assert_implied_match(res, ref[case]) if group == "round" else None


def test_scalar_frees_latent_means_except_first_group(hs_fits):
    p = hs_fits["scalar"].parameters
    means = p[(p["op"] == "~1") & p["lhs"].isin(["visual", "textual", "speed"])]
    assert not means[means["group"] == "Pasteur"]["free"].any()
    assert means[means["group"] == "Grant-White"]["free"].all()
    conf = hs_fits["configural"].parameters
    assert not conf[(conf["op"] == "~1") & conf["lhs"].isin(["visual"])]["free"].any()


# ----------------------------------------------------------------------------- errors and warnings
def test_errors_are_dutch_analysis_errors(hs):
    with pytest.raises(AnalysisError, match="x10"):
        cfa(hs, "f =~ x1 + x2 + x10")
    with pytest.raises(AnalysisError, match="groep 'kleine groep'"):
        small = hs.copy()
        small.loc[:4, "school"] = "kleine groep"
        cfa(small, HS_MODEL, group="school")
    with pytest.raises(AnalysisError, match="niet-numerieke"):
        bad = hs.copy().astype({"x2": object})
        bad.loc[5, "x2"] = "veel"
        cfa(bad, HS_MODEL)
    with pytest.raises(AnalysisError, match="geïdentificeerd"):
        cfa(hs, "f =~ NA*x1 + x2 + x3")  # neither marker nor fixed variance
    with pytest.raises(AnalysisError, match="geïdentificeerd"):
        cfa(hs, "f =~ x1 + x2")  # two indicators, one factor: df < 0
    with pytest.raises(AnalysisError, match="geen variantie"):
        const = hs.copy()
        const["x3"] = 1.0
        cfa(const, HS_MODEL)
    with pytest.raises(AnalysisError, match="groeperingsvariabele"):
        cfa(hs, HS_MODEL, equal=("loadings",))
    with pytest.raises(AnalysisError, match="Onbekende"):
        cfa(hs, HS_MODEL, group="school", equal=("ladingen",))
    with pytest.raises(AnalysisError, match="listwise"):
        cfa(hs, HS_MODEL, missing="pairwise")
    assert issubclass(AnalysisError, InformeelError)


def _exact_sample(cov, n, seed=1):
    """Data whose ML sample covariance (divided by n) equals ``cov`` exactly."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, len(cov)))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(z.T @ z / n)).T
    return z @ np.linalg.cholesky(cov).T


def test_heywood_case_warns():
    # one factor, three items: lambda1^2 = r12 r13 / r23 = 1.28 > 1, so theta1 < 0
    cov = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    data = pd.DataFrame(_exact_sample(cov, 200), columns=["a", "b", "c"])
    with pytest.warns(CFAWarning, match="Heywood"):
        res = cfa(data, "f =~ a + b + c")
    assert res.fit["df"] == 0 and res.fit["chi2"] == pytest.approx(0.0, abs=1e-8)
    assert any("Heywood" in w for w in res.warnings) and "let op" in repr(res)
    theta_a = res.parameters.query("lhs == 'a' and op == '~~' and rhs == 'a'")["est"].iloc[0]
    assert theta_a == pytest.approx(1.0 - 1.28, abs=1e-6)


def test_known_population_is_recovered_without_warnings():
    lam = np.array([0.8, 0.7, 0.6, 0.75])
    cov = np.outer(lam, lam) + np.diag(1 - lam**2)
    data = pd.DataFrame(_exact_sample(cov, 400), columns=list("abcd"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", CFAWarning)
        res = cfa(data, "f =~ a + b + c + d", std_lv=True)
    assert res.fit["chi2"] == pytest.approx(0.0, abs=1e-8) and res.fit["cfi"] == 1.0 and res.fit["rmsea"] == 0.0
    np.testing.assert_allclose(res.loading_table["std_all"], lam, atol=1e-6)


def test_non_convergence_warns(hs, monkeypatch):
    cfa_module = importlib.import_module("informeel_lib.analysis.cfa.estimate")

    real = cfa_module._optimise

    def stuck(engine, x0, **kw):
        x, f, _, it = real(engine, x0, **kw)
        return x, f, False, it

    monkeypatch.setattr(cfa_module, "_optimise", stuck)
    with pytest.warns(CFAWarning, match="niet geconvergeerd"):
        res = cfa(hs, HS_MODEL, modification_indices=False)
    assert res.fit["converged"] is False and "NIET GECONVERGEERD" in repr(res)


def test_starts_for_strongly_correlated_factors():
    """Factors correlating .95 still get positive-definite start values and converge."""
    rng = np.random.default_rng(5)
    m = 6
    phi = np.full((m, m), 0.95) + 0.05 * np.eye(m)
    f = rng.multivariate_normal(np.zeros(m), phi, size=500)
    cols = {f"i{j}_{k}": 0.8 * f[:, j] + 0.6 * rng.standard_normal(500) for j in range(m) for k in range(3)}
    data = pd.DataFrame(cols)
    model = {f"F{j}": [f"i{j}_{k}" for k in range(3)] for j in range(m)}
    res = cfa(data, model, modification_indices=False)
    assert res.fit["converged"]
    corr = res.factor_correlations.to_numpy()
    assert corr[np.triu_indices(m, 1)].mean() == pytest.approx(0.95, abs=0.03)


# ----------------------------------------------------------------------------- no finite solution
# Bug report: invariance across organisations in synthetic round 2021-11 ran ~4 minutes and then
# failed with "niet geïdentificeerd". In groups of ~50 the estimates run off to infinity (lavaan
# does not converge either); tests/data/synth_cfa_divergent.csv holds two of those groups.
DIVERGENT = REF["divergent"]


@pytest.fixture(scope="module")
def divergent():
    return pd.read_csv(HERE / "data" / "synth_cfa_divergent.csv")


def test_estimates_running_off_fail_fast_with_a_dutch_reason(divergent):
    zhg = divergent[divergent["organisation"] == "Zonnehuisgroep Noord"]
    assert DIVERGENT["zhg_converged"] is False  # lavaan finds no solution either
    start = time.perf_counter()
    with pytest.raises(NonConvergenceError) as info:
        cfa(zhg, DIVERGENT["model"])
    assert time.perf_counter() - start < 5
    msg = str(info.value)
    assert isinstance(info.value, AnalysisError)
    assert msg.startswith("Het model convergeert niet") and "geen eindige ML-oplossing" in msg
    assert "de lading van BIND3 op BIND" in msg and "stijgend" in msg
    assert "51 waarnemingen voor 8 items en 17 vrije parameters" in msg


def test_converged_heywood_case_in_a_small_group_matches_lavaan(divergent):
    """The same model in the other group converges (negative residual variance of BIND1)."""
    zinn = divergent[divergent["organisation"] == "ZINN"]
    with pytest.warns(CFAWarning, match="Heywood-geval\\) bij BIND1"):
        res = cfa(zinn, DIVERGENT["model"])
    assert_fit_matches(res, DIVERGENT["zinn"])
    assert_parameters_match(res, DIVERGENT["zinn"], tol=1e-3)


def test_optimiser_stops_at_its_time_limit(hs, monkeypatch):
    cfa_module = importlib.import_module("informeel_lib.analysis.cfa.optimiser")
    monkeypatch.setattr(cfa_module, "MAX_SECONDS", 0.0)
    with pytest.warns(CFAWarning, match="niet geconvergeerd"):
        res = cfa(hs, HS_MODEL, modification_indices=False)
    assert res.fit["converged"] is False and res.fit["iterations"] == 0


def test_stopping_on_the_way_to_infinity_is_an_error(divergent, monkeypatch):
    """Without the runaway check the time limit stops the fit; singular information -> error."""
    cfa_module = importlib.import_module("informeel_lib.analysis.cfa.optimiser")
    monkeypatch.setattr(cfa_module, "MAX_SECONDS", 1.0)
    monkeypatch.setattr(cfa_module, "_RUNAWAY_STEPS", 10**9)
    zhg = divergent[divergent["organisation"] == "Zonnehuisgroep Noord"]
    start = time.perf_counter()
    with pytest.raises(NonConvergenceError, match="lopen de schattingen weg.*BIND"):
        cfa(zhg, DIVERGENT["model"])
    assert time.perf_counter() - start < 5
