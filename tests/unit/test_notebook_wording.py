"""Notebooks 04 and 05 state their research question in the codebook's own words, never the demo's
(the acceptance test found 'informeel leren', 'duurzame inzetbaarheid' and 'ZINN' in their static text)."""

import json

import pytest
import yaml

from informeel_lib.codebook import parse_codebook
from informeel_lib.report.notebook import research_question_text
from informeel_lib.report.outcomes import control_names
from tests.support.notebooks import NOTEBOOKS
from tests.support.own_questionnaire import ROUND_1, TRUTH

DEMO_WORDS = ("informeel leren", "informeel leergedrag", "inzetbaarheid", "binding", "ZINN", "Treant")


def _codebook(**model):
    raw = yaml.safe_load(TRUTH[ROUND_1].read_text("utf-8"))
    if model:
        raw["model"] = model
    return parse_codebook(raw)


def test_the_influence_question_names_the_codebooks_outcome_and_predictors():
    text = research_question_text(_codebook(), "invloedsfactoren")
    assert text == ("Welke invloedsfactoren gaan samen met bevlogenheid? De invloedsfactoren uit het codeboek: "
                    "werkdruk, steun van collega's en ontwikkelactiviteiten.")


def test_the_outcomes_question_names_the_further_outcomes_or_says_there_are_none():
    cb = _codebook(outcome="BEVL", further_outcomes=["STEUN"], predictors=["WDR", "ONTW"])
    assert research_question_text(cb, "uitkomsten") == (
        "Gaat bevlogenheid samen met steun van collega's, en loopt de samenhang van de invloedsfactoren met steun "
        "van collega's voor een deel via bevlogenheid?")
    assert "geen verdere uitkomsten" in research_question_text(_codebook(), "uitkomsten")
    with pytest.raises(ValueError):
        research_question_text(cb, "teams")


def test_control_variables_are_named_in_dutch():
    from informeel_lib.codebook import load_codebook

    assert control_names(load_codebook()) == "rol en dienstjaren"    # the demo's model controls role and tenure
    assert control_names(_codebook()) == "geen"


@pytest.mark.parametrize("name", ["04_invloedsfactoren.ipynb", "05_uitkomsten.ipynb"])
def test_the_notebooks_static_text_has_no_demo_wording(name):
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    text += "\n".join("# " + line for c in cells if c["cell_type"] == "code"
                      for line in "".join(c["source"]).splitlines() if "#" in line)    # comments too
    assert not [w for w in DEMO_WORDS if w.lower() in text.lower()]
