"""Tests for informeel_lib.analysis.multilevel: ICC, team agreement rwg(j) and the multilevel influence model.

R reference values were produced once with R 4 (lme4 1.1, psych 2.2.9) on ``reference_data()``
below, written to CSV with ``reference_data().to_csv("d.csv", index=False)``:

    library(lme4); library(psych)
    d <- read.csv("d.csv"); d$key <- paste(d$organisation, d$team, sep = " / ")
    m <- lmer(Y ~ A + B + (1 | organisation/team), data = d, REML = TRUE)
    fixef(m); sqrt(diag(vcov(m))); as.data.frame(VarCorr(m))
    sb <- statsBy(data.frame(g = as.numeric(factor(d$key)), Y = d$Y, A = d$A), group = "g")
    sb$ICC1; sb$ICC2
"""

import math

import numpy as np
import pandas as pd
import pytest

from informeel_lib.analysis.multilevel import icc, icc_anova, influence_model, team_agreement
from informeel_lib.errors import AnalysisError
from informeel_lib.synth import generate_network

R_FIXEF = {"Intercept": 2.4630551757, "A": 0.3915669441, "B": -0.2912025737}
R_SE = {"Intercept": 0.29134702157, "A": 0.09647921312, "B": 0.07987659874}
R_VAR = {"team": 0.2894756290, "organisation": 0.2627103658, "residual": 0.9025018994}
R_ICC1 = {"Y": 0.21560182691, "A": 0.01730788627}
R_ICC2 = {"Y": 0.61247230365, "A": 0.09196008155}
PREDICTORS = ["REFL", "EXPR", "LEID", "ZICHT", "VEIL", "FOUT", "AUTO", "COMP"]


def reference_data():
    """Deterministic nested data for the R comparison (4 organisations x 6 teams, unequal sizes)."""
    rng = np.random.default_rng(20240611)
    rows = []
    for o in range(4):
        uo = rng.normal(0, 0.4)
        for t in range(6):
            ut = rng.normal(0, 0.5)
            size = 3 + (o * 6 + t) % 7
            for _ in range(size):
                a, b = rng.normal(0, 1, 2)
                y = 3 + 0.4 * a - 0.2 * b + uo + ut + rng.normal(0, 1)
                rows.append({"organisation": f"org{o}", "team": f"t{t}", "A": round(a, 4), "B": round(b, 4),
                             "Y": round(y, 4)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def network():
    # scale=3: about 1,600 respondents per round in ~50 teams — CIs tight enough, generation ~3 s
    return generate_network(2021, scale=3)


# --- ICC --------------------------------------------------------------------------

def test_icc_matches_psych_statsby_with_mean_group_size():
    d = reference_data()
    for v in ("Y", "A"):
        res = icc_anova(d, v, ["organisation", "team"], group_size="mean")
        assert res.icc1 == pytest.approx(R_ICC1[v], abs=1e-8)
        assert res.icc2 == pytest.approx(R_ICC2[v], abs=1e-8)


def test_icc_k0_formula_by_hand():
    d = pd.DataFrame({"g": list("aaabbbbbcc"), "y": [1, 2, 3, 4, 5, 4, 5, 6, 2, 2]})
    n_j, means = np.array([3, 5, 2]), np.array([2.0, 4.8, 2.0])
    N, J = 10, 3
    msb = np.sum(n_j * (means - d.y.mean()) ** 2) / (J - 1)
    msw = (2 + (0.64 + 0.04 + 0.64 + 0.04 + 1.44) + 0) / (N - J)
    k0 = (N - np.sum(n_j ** 2) / N) / (J - 1)
    assert icc(d, "y", "g") == pytest.approx((msb - msw) / (msb + (k0 - 1) * msw))
    # equal group sizes: k0 = n and both variants agree
    eq = pd.DataFrame({"g": list("aabbcc"), "y": [1, 2, 3, 5, 2, 2]})
    assert icc(eq, "y", "g") == pytest.approx(icc(eq, "y", "g", group_size="mean"))


def test_icc_errors_are_dutch():
    one = pd.DataFrame({"team": ["a"] * 4, "y": [1.0, 2, 3, 4]})
    with pytest.raises(AnalysisError, match="minstens twee groepen"):
        icc(one, "y", "team")
    singles = pd.DataFrame({"team": list("abc"), "y": [1.0, 2, 3]})
    with pytest.raises(AnalysisError, match="maar één antwoord"):
        icc(singles, "y", "team")
    with pytest.raises(AnalysisError, match="geen variantie"):
        icc(pd.DataFrame({"team": list("aabb"), "y": [2.0] * 4}), "y", "team")
    with pytest.raises(AnalysisError, match="staat niet in de data"):
        icc(one, "ONBEKEND", "team")


def test_icc_recovers_observed_icc(network):
    """ICC(1) per scale vs truth["observed"]["observed_icc"] (ICC(1) of the scale mean by team in a 10-per-team
    population, first round). Tolerance: 3 standard errors of ICC(1) (Fisher's large-sample variance
    2(N-1)(1-rho)^2(1+(k-1)rho)^2 / (k^2 (N-J)(J-1)) with k the mean team size), so the 11 scales jointly pass
    with high probability when the estimator is right."""
    r1 = network.responses[network.responses["round"] == network.truth["rounds"][0]]
    truth = network.truth["observed"]["observed_icc"]
    for scale, rho in truth.items():
        res = icc_anova(r1, scale, ["organisation", "team"])
        n, j = res.n, res.n_groups
        k = n / j
        se = math.sqrt(2 * (n - 1) * (1 - rho) ** 2 * (1 + (k - 1) * rho) ** 2 / (k ** 2 * (n - j) * (j - 1)))
        assert abs(res.icc1 - rho) <= 3 * se, (scale, res.icc1, rho, se)


# --- team agreement -----------------------------------------------------------------

def test_rwg_j_by_hand_and_edge_cases():
    d = pd.DataFrame({
        "team": ["A"] * 4 + ["B"] * 3 + ["C"],
        "i1": [4, 4, 5, 4, 1, 5, 3, 2],
        "i2": [4, 5, 5, 4, 5, 1, 3, 2],
    })
    res = team_agreement(d, ["i1", "i2"], "team", scale_range=(1, 5))
    t = res.teams.set_index("group")
    s2 = np.mean([np.var([4, 4, 5, 4], ddof=1), np.var([4, 5, 5, 4], ddof=1)])
    ratio = s2 / 2.0  # sigma2_EU = (5^2 - 1) / 12 = 2
    assert res.sigma2_eu == 2.0
    assert t.loc["A", "rwg_j"] == pytest.approx(2 * (1 - ratio) / (2 * (1 - ratio) + ratio))
    # team B disagrees more than random answering: truncated to 0 with a note
    assert t.loc["B", "rwg_j"] == 0.0 and "op 0 gezet" in t.loc["B", "note"]
    # a team of one: no rwg, a reason, no crash
    assert math.isnan(t.loc["C", "rwg_j"]) and "n = 1" in t.loc["C", "note"]
    assert t.loc["C", "n"] == 1 and t.loc["C", "mean"] == 2.0
    assert 0 <= res.median_rwg <= 1
    expected = icc_anova(d.assign(m=d[["i1", "i2"]].mean(axis=1)), "m", "team")
    assert res.icc1 == pytest.approx(expected.icc1) and res.icc2 == pytest.approx(expected.icc2)


def test_team_agreement_reverse_keys_codebook_items():
    d = pd.DataFrame({"organisation": ["X"] * 4, "team": ["a", "a", "b", "b"],
                      "REFL1": [5, 5, 1, 1], "REFL2": [5, 5, 1, 1], "REFL3": [5, 5, 1, 1], "REFL4": [1, 1, 5, 5],
                      "REFL5": [5, 5, 1, 1]})
    res = team_agreement(d, "REFL")
    assert res.teams["mean"].tolist() == [5.0, 1.0]   # REFL4 is reversed
    assert res.teams["rwg_j"].tolist() == [1.0, 1.0]
    assert "REFL" in repr(res) or "REFL1" in repr(res)
    assert len(res.to_frame()) == 2


def test_team_agreement_never_reverses_by_name_matching_the_packaged_codebook():
    """Issue 10: data outside the codebook whose item names happen to match reversed codebook items
    (REFL4 is reversed in the demo codebook) must not be reversed when a list of columns is given."""
    d = pd.DataFrame({"team": ["a", "a", "b", "b"], "REFL1": [5, 5, 1, 1], "REFL4": [5, 5, 1, 1]})
    res = team_agreement(d, ["REFL1", "REFL4"], "team", scale_range=(1, 5))
    assert res.teams["mean"].tolist() == [5.0, 1.0]
    # an explicit reverse list, or an explicit codebook, does reverse
    assert team_agreement(d, ["REFL1", "REFL4"], "team", scale_range=(1, 5), reverse=["REFL4"]).teams["mean"].tolist() \
        == [3.0, 3.0]
    from informeel_lib.codebook import load_codebook
    assert team_agreement(d, ["REFL1", "REFL4"], "team", codebook=load_codebook()).teams["mean"].tolist() == [3.0, 3.0]


def test_team_agreement_response_range_from_argument_codebook_or_data_with_warnings():
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"team": np.repeat(list("abcdef"), 10), "x1": rng.integers(1, 8, 60), "x2": rng.integers(1, 8,
                                                                                                              60)})
    # 1-7 data with a 1-5 range: a warning (and a note), since rwg(j) would be wrong
    with pytest.warns(UserWarning, match="buiten de antwoordschaal 1-5"):
        wrong = team_agreement(d, ["x1", "x2"], "team", scale_range=(1, 5))
    assert any("buiten de antwoordschaal" in n for n in wrong.notes)
    right = team_agreement(d, ["x1", "x2"], "team", scale_range=(1, 7))
    assert right.sigma2_eu == pytest.approx((7 ** 2 - 1) / 12) and not right.notes
    # no range and no codebook: taken from the data, with a warning
    with pytest.warns(UserWarning, match="afgeleid uit de data"):
        derived = team_agreement(d, ["x1", "x2"], "team")
    assert derived.sigma2_eu == right.sigma2_eu
    # a scale code takes the codebook's range (1-5 in the demo codebook)
    demo = pd.DataFrame({"team": list("aabb"), **{c: [4, 4, 2, 2] for c in ["REFL1", "REFL2", "REFL3", "REFL4",
                                                                            "REFL5"]}})
    assert team_agreement(demo, "REFL", "team").sigma2_eu == 2.0


def test_group_labels_stay_as_written_when_the_group_column_has_missing_values():
    d = pd.DataFrame({"team": [7, 7, 12, 12, np.nan, 3, 3], "i1": [4, 5, 2, 3, 4, 5, 5], "i2": [4, 4, 2, 2, 3, 5, 4]})
    assert d["team"].dtype == float
    res = team_agreement(d, ["i1", "i2"], "team", scale_range=(1, 5))
    assert [str(g) for g in res.teams["group"]] == ["3", "7", "12"]
    nested = team_agreement(d.assign(org=["x"] * 7), ["i1", "i2"], ["org", "team"], scale_range=(1, 5))
    assert sorted(nested.teams["group"]) == ["x / 12", "x / 3", "x / 7"]
    from informeel_lib.analysis.describe import describe_by
    assert [str(g) for g in describe_by(d.dropna(), "team", value="i1")["team"]] == ["3", "7", "12"]


# --- influence model -------------------------------------------------------------------

def test_influence_model_matches_lme4():
    res = influence_model(reference_data(), "Y", ["A", "B"], standardize=False)
    # measured agreement with lme4: fixed effects 6e-7, SEs 1.3e-6 (relative), variances 3.5e-5 (relative).
    # Not closer: lme4's own optimiser (bobyqa) stops at its tolerance on theta, so its optimum is only this
    # exact; the tolerances below are about 10x the measured differences.
    for term, value in R_FIXEF.items():
        assert res.coefficients.loc[term, "estimate"] == pytest.approx(value, abs=1e-5)
        assert res.coefficients.loc[term, "se"] == pytest.approx(R_SE[term], rel=2e-5)
    for comp, value in R_VAR.items():
        assert res.variance_components[comp] == pytest.approx(value, rel=4e-4)
    assert res.converged and res.n == 138 and res.n_teams == 24 and res.n_organisations == 4
    assert list(res.coefficients.columns) == ["estimate", "se", "ci_low", "ci_high", "p"]
    shares = res.variance_shares
    assert shares.loc["model"].sum() == pytest.approx(1.0)
    assert shares.loc["model", "team"] == pytest.approx(R_VAR["team"] / sum(R_VAR.values()), rel=4e-4)
    assert 0 < res.r2_marginal < res.r2_conditional < 1


def test_influence_model_recovers_observed_effects(network):
    """Truth: truth["observed"]["observed_effects"] = population OLS of the standardised IWL scale mean on the
    standardised predictor scale means (first round, pooled) — the same quantity our standardised model estimates
    (the generator has no team-specific IWL effect, so the mixed model's fixed effects target the pooled slopes).
    Each of the 8 truths must lie inside its 95% CI for at least 6 of 8 (P(<6 | coverage .95) = .006) and every
    truth within the Bonferroni-adjusted joint 95% interval (z = 2.73); signs right where |truth| > .05."""
    r1 = network.responses[network.responses["round"] == network.truth["rounds"][0]]
    truth = pd.Series(network.truth["observed"]["observed_effects"])
    res = influence_model(r1, "IWL", PREDICTORS)
    coefs = res.coefficients.loc[truth.index]
    covered = (coefs["ci_low"] <= truth) & (truth <= coefs["ci_high"])
    assert covered.sum() >= 6, coefs.assign(truth=truth)
    z = (coefs["estimate"] - truth).abs() / coefs["se"]
    assert (z <= 2.73).all(), z
    assert (np.sign(coefs["estimate"]) == np.sign(truth))[truth.abs() > 0.05].all()
    assert res.n_organisations == 6 and res.converged
    text = res.summary_nl()
    strongest = res.labels[coefs["estimate"].abs().idxmax()]
    # one story: the empty model first, then the factors, then what they explain per level
    assert text.startswith("Zonder de factoren (leeg model) ligt ")
    assert f" {strongest} hangt het sterkst samen met informeel leergedrag (β = " in text
    assert text.index("leeg model") < text.index("hangt het sterkst") < text.index("Vergeleken met het lege model")
    assert "95%-BI" in text and "," in text.split("β = ")[1][:6]


def test_influence_model_within_between_and_covariates(network):
    r1 = network.responses[network.responses["round"] == network.truth["rounds"][0]]
    res = influence_model(r1, "IWL", ["REFL", "EXPR"], within_between=["LEID"], covariates=["role", "team_size"])
    terms = list(res.coefficients.index)
    assert {"LEID_between", "LEID_within", "team_size"} <= set(terms)
    assert all(t.startswith("role=") for t in terms if "role" in t) and "role=zorgmedewerker" not in terms
    assert res.labels["LEID_within"] == "Leergericht leidinggeven (binnen teams)"
    frame = res.to_frame()
    assert frame.loc["LEID_between", "kind"] == "between" and frame.loc["role=leidinggevende", "kind"] == "covariate"
    assert "Gecorrigeerd voor rol en teamgrootte." in res.summary_nl()


def test_influence_model_missing_values_are_listwise_and_reported():
    d = reference_data()
    d.loc[[0, 5, 9], "A"] = np.nan
    res = influence_model(d, "Y", ["A", "B"])
    assert res.n == 135 and res.n_dropped == 3
    assert "3 respondenten zijn weggelaten" in res.summary_nl()
    # standardised: outcome z-scored over the analysis sample, so the intercept is ~0
    assert abs(res.coefficients.loc["Intercept", "estimate"]) < 0.5


def test_influence_model_edge_cases():
    d = reference_data()
    with pytest.raises(AnalysisError, match=r"'C' .*geen variantie"):
        influence_model(d.assign(C=1.0), "Y", ["A", "C"])
    with pytest.raises(AnalysisError, match="Te weinig teams"):
        influence_model(d[d["team"].isin(["t0", "t1"]) & (d["organisation"] == "org0")], "Y", ["A"])
    with pytest.raises(AnalysisError, match="staat niet in de data"):
        influence_model(d, "Y", ["ONBEKEND"])
    with pytest.raises(AnalysisError, match="zowel als uitkomst"):
        influence_model(d, "Y", ["Y"])
    # a predictor that only varies between teams cannot be split within/between
    team_level = d.groupby(["organisation", "team"])["A"].transform("mean")
    with pytest.raises(AnalysisError, match="binnen teams"):
        influence_model(d.assign(T=team_level), "Y", ["T"], within_between=["T"])
    # one organisation: falls back to team random intercepts and says so
    one = d[d["organisation"] == "org0"]
    res = influence_model(one, "Y", ["A"])
    assert res.structure == "team" and math.isnan(res.variance_components["organisation"])
    assert any("maar één organisatie" in n for n in res.notes)


def test_one_organisation_falls_back_to_exactly_the_team_only_model():
    """The two-level -> team-only fallback fits the model one asks for with ``groups=("team",)`` (which
    test_lmm.py checks against lme4), on an organisation whose teams differ (team variance > 0), and only the
    fallback carries the note."""
    d = reference_data()
    one = d[d["organisation"] == "org3"]
    fallback = influence_model(one, "Y", ["A", "B"])
    team_only = influence_model(one, "Y", ["A", "B"], groups=("team",))
    np.testing.assert_allclose(fallback.coefficients.to_numpy(), team_only.coefficients.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(fallback.variance_components.to_numpy(), team_only.variance_components.to_numpy(),
                               rtol=1e-12)
    assert fallback.variance_components["team"] > 0.1 and math.isnan(fallback.variance_components["organisation"])
    assert (fallback.structure, fallback.n_teams, fallback.n_organisations, fallback.n) == ("team", 6, 1, len(one))
    assert fallback.notes == ("Er is maar één organisatie; het model heeft alleen een willekeurig intercept per team.",)
    assert team_only.notes == () and team_only.structure == "team"

def test_unreliable_fit_says_so_and_draws_no_conclusions(monkeypatch):
    """Issue 10: a fit that is not a checked optimum is reported as converged=False with a Dutch message,
    and the summary (shown verbatim in reports and notebook 04) draws no conclusions from it."""
    from informeel_lib.analysis import lmm

    monkeypatch.setattr(lmm, "_check_optimum", lambda search: "de optimalisatie eindigde niet in een optimum")
    res = influence_model(reference_data(), "Y", ["A", "B"])
    assert not res.converged
    text = res.summary_nl()
    assert text.startswith("Het model kon niet betrouwbaar geschat worden: de optimalisatie eindigde niet")
    assert "geen conclusies" in text and "hangt het sterkst" not in text and "(vrijwel)" not in text


def test_influence_model_random_slope_and_ml_options():
    d = reference_data()
    res = influence_model(d, "Y", ["A", "B"], random_slope="A", reml=False, standardize=False)
    assert res.random_slope == "A" and not res.reml
    assert {"team_slope", "team_intercept_slope_cov"} <= set(res.variance_components.index)
    with pytest.raises(AnalysisError, match="willekeurige helling"):
        influence_model(d, "Y", ["A"], random_slope="B")


def test_summary_says_which_model_a_zero_variance_belongs_to(network):
    """Issue 10: the report said "7% tussen organisaties" (empty model) and later "(vrijwel) 0" (full model)
    without saying which model; now every share names its model. In round 1 of the synthetic network the
    factors take away all team variance (lme4 gives the same singular fit: team variance 0)."""
    r1 = network.responses[network.responses["round"] == network.truth["rounds"][0]]
    res = influence_model(r1, "IWL", PREDICTORS)
    assert res.variance_components["team"] == 0.0 and res.empty_variance_components["team"] > 0.01
    text = res.summary_nl()
    assert "Zonder de factoren (leeg model) ligt 4% van de verschillen in informeel leergedrag tussen teams" in text
    assert "In het model met de factoren blijft er (vrijwel) geen variantie tussen teams over" in text
    assert res.explained_by_level["team"] == pytest.approx(1.0)
    assert "Vergeleken met het lege model verklaren ze 37% van de verschillen tussen organisaties, 100% van de " \
           "verschillen tussen teams" in text
    # a level without variance in the empty model is not "explained" (no 0/0 shares): team means made equal
    d = reference_data()
    d["Y"] = d["Y"] - d.groupby(["organisation", "team"])["Y"].transform("mean") + 3
    res = influence_model(d, "Y", ["B"])
    assert res.empty_variance_components["team"] == 0.0 and res.empty_variance_components["organisation"] == 0.0
    assert math.isnan(res.explained_by_level["team"]) and math.isnan(res.explained_by_level["organisation"])
    text = res.summary_nl()
    assert "Ook zonder de factoren is er (vrijwel) geen variantie tussen teams." in text
    assert "de factoren verklaren die verschillen" not in text
