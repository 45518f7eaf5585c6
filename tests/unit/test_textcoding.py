"""Tests for informeel_lib.analysis.textcoding: rule-based coding of open answers and frequent terms."""

import io
from pathlib import Path

import pandas as pd
import pytest

from informeel_lib.analysis.textcoding import CODES, code_open_answers, frequent_terms, load_coding_scheme, stem
from informeel_lib.errors import InputError
from informeel_lib.synth import generate_network

HANDWRITTEN = Path(__file__).resolve().parents[1] / "reference" / "data" / "open_answers_handwritten.csv"


def _read_handwritten() -> pd.DataFrame:
    lines = [line for line in HANDWRITTEN.read_text(encoding="utf-8").splitlines(keepends=True)
             if not line.startswith("#")]
    return pd.read_csv(io.StringIO("".join(lines)))


def test_stemming_matches_conjugations():
    assert len(set(stem(["leer", "leerde", "geleerd", "leren"]))) == 1
    assert len(set(stem(["merkte", "merken", "gemerkt"]))) <= 2


@pytest.mark.parametrize("text, code", [
    ("Ik heb zelf het protocol opgezocht over de tillift.", "zelfgestuurd"),
    ("Ik zocht op internet hoe je steunkousen aantrekt.", "zelfgestuurd"),
    ("Tijdens de overdracht merkte ik dat de medicatie niet klopte.", "incidenteel"),
    ("Door een fout bij het wegen ontdekte ik dat de weegschaal afwijkt.", "incidenteel"),
    ("Het gaat eigenlijk vanzelf, je neemt het over van collega's.", "tacit"),
    ("Gaandeweg leer je hoe een bewoner reageert.", "tacit"),
    ("geen idee", "onbekend"),
    ("n.v.t.", "onbekend"),
    ("", "onbekend"),
    (None, "onbekend"),
    ("Het parkeerterrein is te klein.", "onbekend"),
])
def test_codes_single_answers(text, code):
    assert code_open_answers([text])["code"].iloc[0] == code


def test_negated_cue_does_not_count():
    out = code_open_answers(["Ik heb het niet opgezocht en ook geen cursus gedaan."]).iloc[0]
    assert out["code"] == "onbekend"
    assert "ontkend" in out["cues"]
    assert out["score_zelfgestuurd"] == 0


def test_output_columns_index_and_scrubbing():
    s = pd.Series({"r1": "Ik vroeg het aan Marieke de Vries (06-12345678).",
                   "r2": "<script>x</script>vanzelf gaat het"})
    out = code_open_answers(s)
    assert list(out.index) == ["r1", "r2"]
    assert list(out.columns) == ["text", "code", "cues", "score_zelfgestuurd", "score_incidenteel", "score_tacit"]
    assert "Marieke" not in out.loc["r1", "text"] and "[telefoonnummer]" in out.loc["r1", "text"]
    assert "script" not in out.loc["r2", "text"]
    assert set(out["code"]) <= set(CODES)
    assert "vroeg" in out.loc["r1", "cues"]


def test_scheme_is_extensible(tmp_path):
    raw = {"forms": {"zelfgestuurd": {"words": {"bibliotheek": 3}}, "incidenteel": {"words": ["toevallig"]},
                     "tacit": {"phrases": {"met de paplepel": 4}}},
           "min_tokens": 2}
    out = code_open_answers(["in de bibliotheek gezeten", "met de paplepel ingegoten", "toevallig gezien"],
                            scheme=raw)
    assert out["code"].tolist() == ["zelfgestuurd", "tacit", "incidenteel"]
    bad = tmp_path / "schema.yaml"
    bad.write_text("forms: {zelfgestuurd: {}}\n", encoding="utf-8")
    with pytest.raises(InputError, match="mist de vorm"):
        code_open_answers(["x"], scheme=bad)
    assert "zelfgestuurd" in repr(load_coding_scheme())


def test_agreement_with_synthetic_labels():
    """Coder vs the generator's true form on every synthetic open answer (seed 7, not the tuning seed 2021)."""
    labels = generate_network(7, scale=0.5).open_labels
    assert len(labels) > 500
    coded = code_open_answers(labels["text"])
    agreement = (coded["code"].to_numpy() == labels["label"].to_numpy()).mean()
    assert agreement >= 0.85, agreement


def test_agreement_with_handwritten_held_out_set():
    """Hand-written answers (tests/data/open_answers_handwritten.csv, written before the scheme, not tuned on)."""
    data = _read_handwritten()
    assert len(data) >= 60 and set(data["label"]) == set(CODES)
    coded = code_open_answers(data["text"])
    agreement = (coded["code"] == data["label"]).mean()
    assert agreement >= 0.80, agreement


def test_frequent_terms_per_group_with_suppression():
    texts = ["De wondzorg bij mevrouw ging beter", "Wondzorg en decubitus besproken", "Veel over wondzorg geleerd",
             "Decubitus voorkomen met wisselligging", "Ik heb niets", "Tillift uitgelegd gekregen",
             "De tillift is lastig", "Tillift"]
    by = ["A"] * 5 + ["B"] * 3
    out = frequent_terms(texts, by=by, n=3)
    a = out[out["group"] == "A"]
    assert a["term"].tolist()[:2] == ["wondzorg", "decubitus"]
    assert a["n_answers"].tolist()[:2] == [3, 2]
    assert a["share"].iloc[0] == pytest.approx(3 / 5)   # "Ik heb niets" counts as an answer without terms
    assert not set(a["term"]) & {"de", "het", "geleerd", "ik", "niets"}
    b = out[out["group"] == "B"]
    assert len(b) == 1 and b["suppressed"].iloc[0] and b["term"].isna().all() and "minder dan 5" in b["note"].iloc[0]
    assert out.loc[out["group"] == "A", "suppressed"].eq(False).all()


def test_frequent_terms_whole_network_and_min_count():
    out = frequent_terms(["uniekwoord en tillift"] * 1 + ["tillift"] * 5, n=5)
    assert out["group"].unique().tolist() == ["netwerk"]
    assert out["term"].tolist() == ["tillift"]   # a word used once is not shown
