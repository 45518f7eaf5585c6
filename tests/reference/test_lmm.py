"""The linear-mixed-model engine against lme4 on public data sets (tests/reference/r/lme4_reference.R).

Tolerances (issue 10): fixed effects 1e-4 absolute or 1e-3 relative, variance components and
standard errors 1e-3 relative, log-likelihood 1e-3 absolute.
"""

import numpy as np
import pandas as pd
import pytest

from informeel_lib.analysis import lmm
from informeel_lib.analysis.lmm import ProfiledDeviance, RandomTerm, fit_lmm
from informeel_lib.errors import AnalysisError
from tests.support.lme4_cases import CASES, FIXED_ABS, FIXED_REL, LOGLIK_ABS, SE_REL, VARIANCE_REL, design, variance_key


def assert_matches_lme4(case, *, beta, se, variance, loglik):
    """Fixed effects, SEs, variance components (``variance``: R's role name -> ours) and log-likelihood vs R."""
    for term, value in case["fixef"].items():
        assert beta[term] == pytest.approx(value, abs=FIXED_ABS, rel=FIXED_REL), term
        assert se[term] == pytest.approx(case["se"][term], rel=SE_REL), term
    for role, value in case["variance"].items():
        assert variance(role) == pytest.approx(value, rel=VARIANCE_REL, abs=1e-10), role
    assert loglik == pytest.approx(case["loglik"], abs=LOGLIK_ABS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fit_lmm_matches_lme4(name):
    case = CASES[name]
    y, X, terms = design(case)
    fit = fit_lmm(y, X, terms, reml=case["reml"])
    assert fit.n == case["n"] and fit.converged and fit.message == ""
    assert fit.singular == case["singular"]
    components = fit.variance_components()
    assert_matches_lme4(case, beta=fit.beta, se=fit.se, loglik=fit.loglik,
                        variance=lambda role: components[variance_key(role, case)])
    assert np.all(np.isfinite(fit.se)) and fit.to_frame().shape == (X.shape[1], 2)


@pytest.mark.parametrize("name", ["bh1996_raw_reml", "sleepstudy_slope_ml", "pastes_nested", "oats_two_level"])
def test_profiled_deviance_at_lme4_theta_is_lme4_deviance(name):
    """The deviance itself, evaluated at R's θ, equals −2 logLik of R to rounding (1e-8)."""
    case = CASES[name]
    y, X, terms = design(case)
    deviance = ProfiledDeviance(y, X.to_numpy(), terms)
    assert deviance(np.atleast_1d(case["theta"]), case["reml"]) == pytest.approx(-2 * case["loglik"], abs=1e-8)


def test_zero_variance_is_a_converged_boundary_fit():
    case = CASES["dyestuff2_zero"]
    fit = fit_lmm(*design(case), reml=True)
    assert fit.converged and fit.singular and fit.covariances["team"].iloc[0, 0] == 0.0


def test_a_fit_stuck_at_zero_variance_is_not_converged(monkeypatch):
    """The bh1996 defect of issue 10: team variance at 0 although the likelihood wants it positive.

    With the searches replaced by a single evaluation at θ = 0, the checks must refuse the point."""
    case = CASES["bh1996_std_reml"]
    monkeypatch.setattr(lmm, "_scalar_search", lambda search: search([0.0]))
    monkeypatch.setattr(lmm, "_polish", lambda search: None)
    fit = fit_lmm(*design(case), reml=True)
    assert not fit.converged
    assert "niet betrouwbaar" in fit.message and "variantie bleef op 0" in fit.message


def test_a_fit_that_stopped_early_is_not_converged(monkeypatch):
    case = CASES["sleepstudy_slope_reml"]
    start = np.array(case["theta"]) * np.array([1.3, 1.0, 0.8])
    for name in ("_local_searches", "_escalate"):
        monkeypatch.setattr(lmm, name, lambda search, *args: search(start))
    monkeypatch.setattr(lmm, "_polish", lambda search: None)
    fit = fit_lmm(*design(case), reml=True)
    assert not fit.converged and "relatieve gradiënt" in fit.message


def test_raw_predictors_with_large_means_keep_a_finite_intercept():
    """Issue 10: statsmodels returned intercept 1e-16 with SE NaN for raw predictors; the QR-based
    deviance is invariant to shifting a predictor by a constant (only the intercept moves)."""
    case = CASES["bh1996_raw_reml"]
    y, X, terms = design(case)
    shifted = X.assign(HRS=X["HRS"] + 1000.0)
    a, b = fit_lmm(y, X, terms), fit_lmm(y, shifted, terms)
    assert b.beta["HRS"] == pytest.approx(a.beta["HRS"], rel=1e-8)
    assert b.beta["Intercept"] == pytest.approx(a.beta["Intercept"] - 1000.0 * a.beta["HRS"], rel=1e-8)
    assert b.loglik == pytest.approx(a.loglik, abs=1e-6) and np.isfinite(b.se).all()


def test_outcome_without_variance_is_a_dutch_error():
    d = pd.DataFrame({"g": list("aabbccdd"), "y": [1.0] * 8})
    with pytest.raises(AnalysisError, match="niet geschat"):
        fit_lmm(d["y"], np.ones((8, 1)), [RandomTerm.intercept("team", d["g"])])


def test_missing_group_label_is_a_dutch_error():
    with pytest.raises(AnalysisError, match="ontbrekende waarden"):
        fit_lmm(np.arange(4.0), np.ones((4, 1)), [RandomTerm.intercept("team", np.array(["a", None, "b", "b"]))])


INFLUENCE_CASES = sorted(name for name, case in CASES.items() if not case["engine_only"])


@pytest.mark.parametrize("name", INFLUENCE_CASES)
def test_influence_model_matches_lme4(name):
    """influence_model itself (scoring aside) on the public data: the model with predictors and the empty model."""
    from informeel_lib.analysis.multilevel import influence_model
    from tests.support.lme4_cases import as_list, load

    case = CASES[name]
    groups = as_list(case["groups"])
    res = influence_model(load(case), case["outcome"], as_list(case["predictors"]),
                          groups=groups[0] if len(groups) == 1 else tuple(groups), standardize=case["standardize"],
                          covariates=as_list(case["covariates"]), within_between=as_list(case["within_between"]),
                          random_slope=case["random_slope"], reml=case["reml"])
    assert res.converged and res.n == case["n"] and res.n_teams == case["n_teams"]
    coefs = res.coefficients
    assert_matches_lme4(case, beta=coefs["estimate"], se=coefs["se"], loglik=res.loglik,
                        variance=res.variance_components.__getitem__)
    for role, value in case["empty"]["variance"].items():
        assert res.empty_variance_components[role] == pytest.approx(value, rel=VARIANCE_REL, abs=1e-10), role
    empty_total = sum(case["empty"]["variance"].values())
    assert res.variance_shares.loc["leeg model", "team"] == pytest.approx(
        case["empty"]["variance"]["team"] / empty_total, rel=VARIANCE_REL)
    assert np.isfinite(coefs.loc["Intercept", ["estimate", "se"]]).all()
