"""Codebook schema additions: several response scales, earlier wordings, roles, core scales, concepts,
open-question treatment, name and content hash. Codebooks without them load unchanged."""

import copy

import pytest
import yaml

from informeel_lib.codebook import DATA_DIR, load_codebook, parse_codebook
from informeel_lib.errors import CodebookError
from informeel_lib.io.intake import export_from_frame
from tests.support.own_questionnaire import ROUND_1, ROUND_2, TRUTH


@pytest.fixture(scope="module")
def demo_raw():
    return yaml.safe_load((DATA_DIR / "codebook.yaml").read_text("utf-8"))


def test_a_codebook_without_the_new_keys_loads_unchanged(demo_raw):
    raw = copy.deepcopy(demo_raw)
    raw.pop("name")
    for spec in raw["scales"].values():
        for key in ("concept", "core"):
            spec.pop(key, None)
    for spec in raw["open_questions"].values():
        spec.pop("analysis")
    cb = parse_codebook(raw)
    full = load_codebook()
    assert cb.model_dict() == full.model_dict() and cb.reverse_items == full.reverse_items
    assert cb.core_scales == list(cb.scales)                 # no `core`: every scale is a core scale
    assert cb.open_question_analysis == {"OPEN_THEMA": "woorden", "OPEN_VOORBEELD": "woorden"}
    assert all(cb.response_scale(s).range == (1, 5) for s in cb.scales)
    assert cb.main_outcome == "IWL" and cb.predictors[0] == "REFL"   # roles were in the schema already


def test_demo_codebook_marks_the_research_question(demo_raw):
    cb = load_codebook()
    assert cb.name.startswith("informeel leren in de zorg") and len(cb.content_hash) == 16
    assert set(cb.core_scales) == {"IWL", "REFL", "EXPR", "LEID", "ZICHT"} and cb.main_outcome == "IWL"
    assert cb.scales["COMP"].concept == "werkplekleren: complexiteit van het werk"
    assert cb.open_question_analysis == {"OPEN_THEMA": "woorden", "OPEN_VOORBEELD": "vormen"}


def test_scales_can_have_their_own_response_scale():
    cb = load_codebook(TRUTH[ROUND_1])
    assert cb.response_scale("WDR").range == (1, 7) and cb.response_scale("ONTW").range == (1, 5)
    assert cb.item_range("ONTW3") == (1, 5) and cb.has_mixed_response_scales
    assert cb.response_scale("ONTW").labels[5] == "altijd" and cb.response_scale("BEVL").labels[4] == "neutraal"
    assert cb.label_value("vaak", "ONTW2") == 4 and cb.label_value("een beetje mee eens", "WDR1") == 5
    with pytest.raises(KeyError):
        cb.label_value("vaak", "WDR1")                      # a frequency label is no answer to an agreement item
    raw = pd_frame(cb)
    export = export_from_frame(raw, codebook=cb)
    assert export.data.loc[0, "ONTW1"] == 4 and export.data.loc[0, "WDR1"] == 7
    assert [i.column for i in export.issues] == ["ONTW2"] and export.data["ONTW2"].isna().all()  # 6 > 5


def pd_frame(cb):
    import pandas as pd

    row = {"organisatie": "Zorgbrug", "team": "Noord", "functie": "Teamcoach"}
    for sc in cb.scales.values():
        row.update({it.code: "helemaal mee eens" if sc.code != "ONTW" else "vaak" for it in sc.items})
    row["ONTW2"] = "6"
    return pd.DataFrame([row])


def test_earlier_wordings_are_recorded_and_still_recognised():
    cb = load_codebook(TRUTH[ROUND_2])
    item = cb.item("STEUN2")
    assert item.previous_texts == ("Ik kan bij collega's terecht met vragen over een cliënt.",)
    assert cb.item_texts("STEUN2") == (item.text, *item.previous_texts)
    import pandas as pd

    row = {"organisatie": "Zorgbrug", "team": "Noord", "functie": "Teamcoach",
           **{it.text: "mee eens" for it in cb.items if it.code != "STEUN2"},
           item.previous_texts[0]: "mee eens"}                   # an export of round 1, old wording
    for it in cb.scales["ONTW"].items:
        row[it.text] = "soms"
    assert export_from_frame(pd.DataFrame([row]), codebook=cb).column_map[item.previous_texts[0]] == "STEUN2"


def test_an_edited_codebook_file_is_read_again(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(TRUTH[ROUND_1].read_text("utf-8"), "utf-8")
    first = load_codebook(path)
    path.write_text(TRUTH[ROUND_2].read_text("utf-8"), "utf-8")
    second = load_codebook(path)
    assert "BEVL5" not in first.item_codes and "BEVL5" in second.item_codes
    assert first.content_hash != second.content_hash


@pytest.mark.parametrize("patch, fragment", [
    (lambda r: r["scales"]["ONTW"].__setitem__("response_scale", "onbekend"), "noemt 'onbekend'"),
    (lambda r: r["response_scales"]["frequentie"]["labels"].pop(5), "response_scales.frequentie.labels"),
    (lambda r: r["scales"]["WDR"].__setitem__("core", "ja"), "'scales.WDR.core' moet true of false"),
    (lambda r: r["open_questions"]["OPEN_LEREN"].__setitem__("analysis", "tellen"), "'vormen', 'woorden'"),
])
def test_new_keys_are_validated_with_a_dutch_message(patch, fragment):
    raw = yaml.safe_load(TRUTH[ROUND_1].read_text("utf-8"))
    patch(raw)
    with pytest.raises(CodebookError) as err:
        parse_codebook(raw)
    assert fragment in str(err.value)
