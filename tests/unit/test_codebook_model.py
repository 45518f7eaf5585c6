"""The codebook's `model:` section: outcomes, controls and paths between scales come from the codebook."""

import copy

import pytest
import yaml

from informeel_lib.codebook import DATA_DIR, load_codebook, parse_codebook
from informeel_lib.errors import CodebookError


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load((DATA_DIR / "codebook.yaml").read_text("utf-8"))


def test_demo_codebook_names_outcomes_controls_and_paths():
    model = load_codebook().research_model
    scales = load_codebook().scales
    assert model.outcome in scales and scales[model.outcome].role == "outcome"
    assert all(scales[o].role == "outcome" for o in model.further_outcomes)
    assert set(model.predictors) == {c for c, s in scales.items() if s.role == "predictor"}
    paths = model.regressions()
    assert paths[model.outcome] == list(model.predictors)
    for further in model.further_outcomes:  # default paths: via the outcome and directly
        assert paths[further] == [model.outcome, *model.predictors]
    assert model.min_matched >= 10


def test_explicit_paths_and_predictors(raw):
    data = copy.deepcopy(raw)
    data["model"] = {"outcome": "IWL", "further_outcomes": ["BIND"], "predictors": ["REFL", "LEID"],
                     "paths": ["IWL ~ REFL + LEID", "BIND ~ IWL + LEID"], "controls": "tenure"}
    model = parse_codebook(data).research_model
    assert model.regressions() == {"IWL": ["REFL", "LEID"], "BIND": ["IWL", "LEID"]}
    assert model.controls == ("tenure",)


def test_without_a_model_section_the_roles_decide(raw):
    data = copy.deepcopy(raw)
    del data["model"]
    model = parse_codebook(data).research_model
    outcomes = [c for c, s in data["scales"].items() if s.get("role") == "outcome"]
    assert model.outcome == outcomes[0] and model.further_outcomes == tuple(outcomes[1:])
    assert model.controls == ()


def test_another_questionnaire_gets_the_same_model_from_its_own_codebook(raw):
    data = copy.deepcopy(raw)
    renamed = {"REFL": "REFLECTIE", "IWL": "LEREN", "DUUR": "INZETBAAR"}
    data["scales"] = {renamed.get(k, k): v for k, v in data["scales"].items()}
    for old, new in renamed.items():
        for item in data["scales"][new]["items"]:
            item["code"] = item["code"].replace(old, new)
    data["model"] = {"outcome": "LEREN", "further_outcomes": ["INZETBAAR"], "controls": ["role"]}
    model = parse_codebook(data).research_model
    assert model.regressions()["INZETBAAR"][0] == "LEREN"
    assert "REFLECTIE" in model.predictors


@pytest.mark.parametrize("model, message", [
    ({"further_outcomes": ["DUUR"]}, "model.outcome"),
    ({"outcome": "XYZ"}, "onbekende schaal"),
    ({"outcome": "IWL", "further_outcomes": ["DUUR", "ABC"]}, "ABC"),
    ({"outcome": "IWL", "controls": ["leeftijd"]}, "leeftijd"),
    ({"outcome": "IWL", "predictors": ["REFL", "IWL"]}, "zowel als uitkomst"),
    ({"outcome": "IWL", "paths": ["IWL ~~ REFL"]}, "vorm"),
    ({"outcome": "IWL", "paths": ["IWL ~ REFL + QQQ"]}, "QQQ"),
    ({"outcome": "IWL", "min_matched": 3}, "min_matched"),
    ("IWL", "verzameling"),
])
def test_invalid_model_sections_name_the_key(raw, model, message):
    data = copy.deepcopy(raw)
    data["model"] = model
    with pytest.raises(CodebookError, match=message):
        parse_codebook(data)
