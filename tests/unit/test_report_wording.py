"""Report sentences take the questionnaire's own names from the codebook: its name, its outcome and further
outcomes, and whether its response scales have a middle answer (never the demo's wording)."""

import copy
from types import SimpleNamespace

import pandas as pd
import yaml

from informeel_lib.codebook import parse_codebook
from informeel_lib.report.layout import PRACTICE, practice_sentences
from informeel_lib.report.sections import _middle_answer_clause, title_block
from tests.support.own_questionnaire import DEMO_SCALES, ROUND_1, TRUTH

DEMO_WORDS = ("informeel leren", "inzetbaarheid", "binding")


def _raw():
    return yaml.safe_load(TRUTH[ROUND_1].read_text("utf-8"))


def test_practice_sentences_name_the_codebooks_own_outcomes():
    raw = _raw()
    raw["scales"]["STEUN"]["role"] = "outcome"     # two outcomes: the first is explained, the other a further one
    cb = parse_codebook(raw)
    sentences = practice_sentences(cb)
    outcome, further = cb.research_model.outcome, cb.research_model.further_outcomes
    assert outcome in ("BEVL", "STEUN") and further
    assert cb.scales[outcome].name.lower() in sentences["Invloedsfactoren"].lower()
    assert all(cb.scales[f].name.lower() in sentences["Uitkomsten"].lower() for f in further)
    for text in sentences.values():
        assert not any(word in text for word in DEMO_WORDS) and "{" not in text
        assert not any(code in text for code in DEMO_SCALES)
    assert set(sentences) == set(PRACTICE)


def test_the_introduction_names_the_codebooks_questionnaire():
    cb = parse_codebook(_raw())
    ctx = SimpleNamespace(organisation=None, round_name="2024-03", focus=pd.DataFrame({"x": range(12)}),
                          min_group=5, codebook=cb)
    text = title_block(ctx)
    assert "werkbeleving in de wijkzorg" in text and "informeel leren in de zorg" not in text
    assert "12 respondenten" in text


def test_the_middle_answer_is_only_mentioned_for_scales_that_have_one():
    odd = parse_codebook(_raw())                                    # 7-point and 5-point: both have a middle
    assert "middelste antwoord ligt over het midden" in _middle_answer_clause(odd, list(odd.scales))
    raw = copy.deepcopy(_raw())
    raw["response_scale"] = {"min": 1, "max": 6, "labels": {k: f"antwoord {k}" for k in range(1, 7)}}
    mixed = parse_codebook(raw)                                     # 6-point, with the 5-point frequency scale
    assert "bij een oneven aantal antwoorden" in _middle_answer_clause(mixed, list(mixed.scales))
    even = [c for c in mixed.scales if mixed.response_scale(c).range == (1, 6)]
    assert _middle_answer_clause(mixed, even) == ""


def test_a_codebook_without_further_outcomes_gets_no_empty_outcomes_section(monkeypatch):
    """The contents listed 'Uitkomsten' and linked to an empty section when the codebook has one outcome."""
    from informeel_lib.report import layout, sections, summary, teams, trends
    from informeel_lib.report.context import Section

    def stub(title):
        return lambda *a, **k: Section(title, f"<h2>{title}</h2><p>tekst</p>")

    for module, name, title in [(sections, "response", "Respons"), (sections, "scale_scores", "Schaalscores"),
                                (trends, "trends_section", "Ontwikkeling"), (sections, "change_section", "Verandering"),
                                (sections, "item_distributions", "Antwoorden per item"),
                                (teams, "teams_section", "Teams"), (sections, "influence_section", "Invloedsfactoren"),
                                (sections, "open_answers_section", "Open antwoorden"),
                                (sections, "reliability_section", "Betrouwbaarheid"),
                                (sections, "factor_section", "Factorstructuur"),
                                (sections, "influence_details", "Details"),
                                (summary, "key_messages_section", "Kernboodschappen")]:
        monkeypatch.setattr(module, name, stub(title))
    cb = parse_codebook(_raw())                                      # one outcome (BEVL), no further outcomes
    assert cb.research_model.further_outcomes == ()
    ctx = SimpleNamespace(codebook=cb, organisation=None)
    found = layout.report_sections(ctx, {"outcomes": None})
    assert [s.title for s in found if s.title.startswith("Uitkomsten")] == []
    assert 'href="#uitkomsten"' not in layout.toc_html(found)
    assert all(s.html for s in found)


def test_one_missing_item_is_singular_in_the_coverage_note():
    from informeel_lib.report.trends import item_coverage

    cb = parse_codebook(_raw())
    ctx = SimpleNamespace(codebook=cb, scales=list(cb.scales))
    items = cb.scales["WDR"].item_codes
    full = pd.DataFrame({i: [1.0, 2.0] for i in cb.item_codes})
    notes = item_coverage(ctx, {"2024-03": full.drop(columns=items[-1:]), "2024-10": full,
                                "2025-03": full.drop(columns=items[-2:])})
    assert notes["WDR"] == [f"in ronde 2024-03 ontbrak {items[-1]}",
                            f"in ronde 2025-03 ontbraken {items[-2]} en {items[-1]}"]


def test_the_item_bars_axis_uses_the_scales_own_end_labels():
    """A frequency scale's bars said 'links oneens, rechts eens'."""
    import numpy as np

    from informeel_lib.report.figures import likert_bars

    rng = np.random.default_rng(0)
    items = pd.DataFrame({"A1": rng.integers(1, 6, 30).astype(float), "A2": rng.integers(1, 6, 30).astype(float)})
    frequency = {1: "nooit", 2: "zelden", 3: "soms", 4: "vaak", 5: "altijd"}
    fig = likert_bars(items, value_labels=frequency, scale_range=(1, 5))
    label = fig.axes[0].get_xlabel()
    assert "nooit" in label and "altijd" in label and "eens" not in label
    assert "eens" not in likert_bars(items, scale_range=(1, 5)).axes[0].get_xlabel()


def test_notebook_invariance_across_rounds_uses_the_items_both_rounds_asked():
    """Notebook 03 tested rounds with every item of the codebook: an item added in the new round left no complete
    respondent in the old one, and it said 'niet getoetst (te weinig groepen)'."""
    from informeel_lib.report.notebook import invariance_model

    cb = parse_codebook(_raw())
    items = cb.item_codes
    added = cb.scales["WDR"].item_codes[-1]
    old = pd.DataFrame({i: [1.0, 2.0, 3.0] for i in items}).assign(round="2024-03", **{added: float("nan")})
    new = pd.DataFrame({i: [1.0, 2.0, 3.0] for i in items}).assign(round="2024-10")
    model = invariance_model(cb, pd.concat([old, new]), "round")
    assert added not in model["WDR"] and model["WDR"] == cb.scales["WDR"].item_codes[:-1]
    assert model["STEUN"] == cb.scales["STEUN"].item_codes
    assert invariance_model(cb, new, "organisation") == cb.model_dict()
