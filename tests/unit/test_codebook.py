"""The packaged demo codebook loads with the questionnaire's scales, and names the wrong key when invalid.

The item counts and reverse keys below are the demo questionnaire's (informeel_lib/data/codebook.yaml),
written out so that a change to the codebook is a deliberate one.
"""

import copy

import pytest
import yaml

from informeel_lib.codebook import load_codebook, normalise_text, parse_codebook
from informeel_lib.errors import CodebookError

EXPECTED_ITEMS = {"REFL": 5, "EXPR": 4, "LEID": 5, "ZICHT": 4, "VEIL": 5, "FOUT": 3, "AUTO": 4, "COMP": 4,
                  "IWL": 6, "DUUR": 4, "BIND": 3}
EXPECTED_REVERSED = {"REFL": 1, "EXPR": 1, "LEID": 0, "ZICHT": 0, "VEIL": 2, "FOUT": 0, "AUTO": 0, "COMP": 2,
                     "IWL": 0, "DUUR": 0, "BIND": 1}
ORGS = ["ZINN", "Interzorg", "Oosterlengte", "Zonnehuisgroep Noord", "Zorggroep Meander", "Treant"]


@pytest.fixture(scope="module")
def raw():
    from informeel_lib.codebook import DATA_DIR
    return yaml.safe_load((DATA_DIR / "codebook.yaml").read_text("utf-8"))


def test_scales_items_and_reverse_keys_match_the_questionnaire():
    cb = load_codebook()
    assert {k: len(s.items) for k, s in cb.scales.items()} == EXPECTED_ITEMS
    assert {k: len(s.reverse_items) for k, s in cb.scales.items()} == EXPECTED_REVERSED
    assert cb.scale_range == (1, 5)
    assert {s.role for s in cb.scales.values() if s.code in ("IWL", "DUUR", "BIND")} == {"outcome"}
    assert len(set(it.text for it in cb.items)) == len(cb.items), "item texts must be unique to map headings"


@pytest.mark.parametrize("spelling, canonical", [
    ("Zonnehuisgroep Noord", "Zonnehuisgroep Noord"), ("ZHG Noord", "Zonnehuisgroep Noord"),
    ("zinn ", "ZINN"), ("  TREANT", "Treant"), ("meander", "Zorggroep Meander"), ("Inter Zorg", "Interzorg"),
])
def test_organisation_aliases(spelling, canonical):
    assert load_codebook().resolve_organisation(spelling) == canonical


def test_unknown_organisation_resolves_to_none():
    assert load_codebook().resolve_organisation("Zorggroep Elders") is None
    assert load_codebook().organisation_names == ORGS


@pytest.mark.parametrize("label, value", [
    ("Helemaal mee eens", 5), ("helemaal  MEE eens ", 5), ("Mee oneens", 2), ("Neutraal", 3),
    ("niet mee eens, niet mee oneens", 3), ("1", 1), ("zeer mee oneens", 1),
])
def test_response_labels(label, value):
    assert load_codebook().label_value(label) == value


def test_missing_and_unknown_labels():
    cb = load_codebook()
    assert cb.label_value("Weet niet") is None
    assert cb.label_value("n.v.t.") is None
    with pytest.raises(KeyError):
        cb.label_value("soms")


def test_model_syntax_is_lavaan_like():
    syntax = load_codebook().model_syntax(["REFL", "FOUT"])
    assert syntax == "REFL =~ REFL1 + REFL2 + REFL3 + REFL4 + REFL5\nFOUT =~ FOUT1 + FOUT2 + FOUT3"


def test_normalise_text():
    assert normalise_text("  Ideeën  worden\u00a0serieus  uitgeprobeerd. ") == "ideeen worden serieus uitgeprobeerd"
    assert normalise_text(None) == ""


@pytest.mark.parametrize("mutate, key", [
    (lambda r: r.pop("scales"), "codebook.scales"),
    (lambda r: r["scales"]["REFL"].pop("name"), "scales.REFL.name"),
    (lambda r: r["scales"]["EXPR"]["items"][1].pop("text"), "scales.EXPR.items[1].text"),
    (lambda r: r["scales"]["EXPR"]["items"][1].__setitem__("code", "REFL1"), "REFL1"),
    (lambda r: r["scales"]["VEIL"]["items"][0].__setitem__("reverse", "ja"), "scales.VEIL.items[0].reverse"),
    (lambda r: r["background"].pop("team"), "background.team"),
    (lambda r: r["organisations"][1]["aliases"].append("zinn"), "zinn"),
    (lambda r: r["response_scale"]["labels"].pop(3), "response_scale.labels"),
    (lambda r: r["scales"]["IWL"].__setitem__("role", "uitkomst"), "scales.IWL.role"),
])
def test_invalid_codebook_names_the_key(raw, mutate, key):
    broken = copy.deepcopy(raw)
    mutate(broken)
    with pytest.raises(CodebookError) as exc:
        parse_codebook(broken)
    assert key in str(exc.value)


def test_unreadable_codebook_path(tmp_path):
    with pytest.raises(CodebookError, match="kan niet gelezen"):
        load_codebook(tmp_path / "bestaat-niet.yaml")
    bad = tmp_path / "kapot.yaml"
    bad.write_text("scales: [unclosed", encoding="utf-8")
    with pytest.raises(CodebookError, match="geen geldige YAML"):
        load_codebook(bad)
