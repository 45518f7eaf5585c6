"""`codebook draft`: a codebook proposed from raw exports of the tests' own questionnaire."""

import csv

import numpy as np
import pandas as pd
import pytest

from informeel_lib.codebook import load_codebook
from informeel_lib.io.draft import KNOWN_SCALES, draft_codebook, group_spellings
from tests.support.own_questionnaire import ROUND_1, truth, write_exports


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    files = write_exports(folder, ROUND_1)
    draft = draft_codebook([folder])
    path = draft.write(folder.parent / "draft.yaml")
    return files, draft, load_codebook(path), path.read_text("utf-8")


def test_all_four_tools_are_read(drafted):
    files, draft, _, _ = drafted
    assert sorted(t for _, t, _ in draft.files) == ["forms", "limesurvey", "qualtrics", "spss"]
    assert len(files) == 4


def test_items_are_grouped_into_the_questionnaires_scales(drafted):
    _, _, cb, _ = drafted
    true = truth(ROUND_1)
    assert cb.model_dict() == true.model_dict()          # LimeSurvey codes, Qualtrics matrices, SPSS names
    for code in true.item_codes:                          # every item once, with its own wording
        assert cb.item(code).text == true.item(code).text
    assert "WDR[SQ001]" in cb.item("WDR1").aliases       # LimeSurvey headings without text, paired by order


def test_response_scales_with_labels_in_order(drafted):
    _, _, cb, text = drafted
    assert cb.scale_range == (1, 7) and cb.canonical_labels[1] == "helemaal mee oneens"
    assert [cb.canonical_labels[v] for v in range(1, 8)] == KNOWN_SCALES["eens_7"]
    ontw = cb.response_scale("ONTW")
    assert ontw.range == (1, 5) and [ontw.labels[v] for v in range(1, 6)] == ["nooit", "zelden", "soms", "vaak",
                                                                             "altijd"]
    assert "response_scale: frequentie_5" in text


def test_reverse_items_suggested_from_negative_item_rest_correlations(drafted):
    _, draft, cb, text = drafted
    assert cb.reverse_items == truth(ROUND_1).reverse_items == ["WDR3", "STEUN3", "ONTW3", "BEVL3"]
    assert all(it.r_drop < 0 for sc in draft.scales for it in sc.items if it.reverse)
    assert text.count("# voorstel: omgekeerd") == 4


def test_background_organisations_roles_open_questions_and_identifiers(drafted):
    _, draft, cb, text = drafted
    assert {"organisation", "team", "role", "personal_code"} <= set(cb.background)
    assert cb.background["organisation"]["text"] == "Bij welke zorgorganisatie werk je?"
    assert cb.organisation_names == ["De Kustlijn", "Thuiszorg Het Noorden", "Wijkzorg Drenthe", "Zorgbrug"]
    assert cb.resolve_organisation("Thuiszorg Noorden") == "Thuiszorg Het Noorden"   # spelling variants: aliases
    assert cb.resolve_organisation("wijkzorg-drenthe") == "Wijkzorg Drenthe"
    assert cb.resolve_organisation("De Kust-lijn") == "De Kustlijn"
    assert {r.label for r in cb.roles} == {"Wijkverpleegkundige", "Verzorgende IG", "Teamcoach"}
    assert list(cb.open_questions.values()) == ["Wat heb je deze week in je werk geleerd, en hoe?"]
    assert cb.open_question_aliases["OPEN1"] == ("open_leren",)        # the LimeSurvey column of that question
    assert cb.open_question_analysis == {"OPEN1": "vormen"}          # asks what was learned: citaten work as drafted
    assert cb.is_identifier_column("Email") and cb.is_identifier_column("IPAddress")
    assert cb.main_outcome is None                                    # left to the researcher, and said so
    assert "TE DOEN" in text and "role: outcome" in text


def test_summary_is_dutch_and_names_what_is_left_to_do(drafted):
    _, draft, _, _ = drafted
    text = draft.summary()
    assert "4 kandidaatschalen met 16 items" in text and "'nooit' … 'altijd'" in text
    assert "Voorgesteld als omgekeerd item: WDR3, STEUN3, ONTW3 en BEVL3" in text
    assert "Nog te doen in het codeboek: geef de schalen een naam, zet bij de uitkomst(en) 'role: outcome'" in text
    assert ("In vormen van informeel leren ingedeeld (analysis: vormen, voor citaten en de tabel per vorm): "
            "OPEN1") in text
    assert "analysis: vormen" not in text.split("Nog te doen")[1]       # nothing left to do for the open question


def _write_csv(path, headings, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(headings)
        w.writerows(rows)


def test_limesurvey_question_statement_headings_and_bare_numbers(tmp_path):
    rng = np.random.default_rng(1)
    stems = {"Hoe tevreden ben je over je rooster?": ["De planning is op tijd bekend.", "Ik kan ruilen als dat nodig "
                                                      "is.",
                                                      "Mijn wensen worden meegenomen."],
             "Hoe ervaar je het overleg?": ["Het overleg is nuttig.", "Iedereen komt aan het woord.",
                                           "Afspraken worden nagekomen."]}
    headings = ["id", "submitdate", "organisatie", "team", "functie"]
    headings += [f"{stem} [{statement}]" for stem, sts in stems.items() for statement in sts]
    rows = [[i, "2024-01-01", "Zorgbrug", "Noord", "Teamcoach", *rng.integers(1, 7, 6)] for i in range(30)]
    _write_csv(tmp_path / "lime.csv", headings, rows)
    draft = draft_codebook([tmp_path / "lime.csv"])
    draft.write(tmp_path / "cb.yaml")
    cb = load_codebook(tmp_path / "cb.yaml")
    assert [len(v) for v in cb.model_dict().values()] == [3, 3]          # grouped by question
    assert cb.scale_range == (1, 6) and cb.canonical_labels[6] == "6"    # numbers only: labels to fill in
    assert "alleen getallen gevonden" in (tmp_path / "cb.yaml").read_text("utf-8")
    assert "vul de labels van de antwoordschaal in" in draft.summary()


def test_spss_value_labels_give_the_order_and_a_shared_text_prefix_groups_forms_columns(tmp_path):
    import pyreadstat

    rng = np.random.default_rng(2)
    labels = {1.0: "zeer ontevreden", 2.0: "ontevreden", 3.0: "tevreden", 4.0: "zeer tevreden"}
    df = pd.DataFrame({"org": ["Zorgbrug"] * 20, "team": ["A"] * 20, "rol": ["Teamcoach"] * 20,
                       **{f"tev{k}": rng.integers(1, 5, 20).astype(float) for k in (1, 2, 3)}})
    pyreadstat.write_sav(df, str(tmp_path / "a.sav"), column_labels={
        "org": "Organisatie", "team": "Team", "rol": "Functie", "tev1": "Tevredenheid over het salaris",
        "tev2": "Tevredenheid over de collega's", "tev3": "Tevredenheid over de werktijden"},
        variable_value_labels={f"tev{k}": labels for k in (1, 2, 3)})
    cb_path = draft_codebook([tmp_path / "a.sav"]).write(tmp_path / "cb.yaml")
    cb = load_codebook(cb_path)
    assert cb.model_dict() == {"TEV": ["TEV1", "TEV2", "TEV3"]}
    assert [cb.canonical_labels[v] for v in (1, 2, 3, 4)] == list(labels.values())   # order from the value labels

    answers = ["helemaal mee eens", "mee eens", "mee oneens", "helemaal mee oneens"]
    forms = pd.DataFrame({"ID": range(20), "Organisatie": "Zorgbrug", "Team": "A", "Functie": "Teamcoach",
                          **{f"Mijn leidinggevende {t}": rng.choice(answers, 20) for t in
                             ("luistert naar mij.", "geeft mij ruimte.", "is goed bereikbaar.")},
                          **{f"In mijn team {t}": rng.choice(answers, 20) for t in
                             ("helpen we elkaar.", "delen we kennis.")}})
    forms.to_excel(tmp_path / "forms.xlsx", index=False)
    cb = load_codebook(draft_codebook([tmp_path / "forms.xlsx"]).write(tmp_path / "cb2.yaml"))
    assert [len(v) for v in cb.model_dict().values()] == [3, 2] and cb.scale_range == (1, 4)


def test_spelling_variants_group_into_one_name():
    groups = group_spellings(["Zorgbrug"] * 5 + ["zorgbrug ", "ZORGBRUG", "Zorg-brug", "De Kustlijn", "De Kustlijn",
                                                  "Kustlijn, De"])
    names = dict(groups)
    assert names["Zorgbrug"] == ["Zorg-brug"] and "De Kustlijn" in names


def test_generic_exports_for_any_codebook_clean_with_that_codebook(tmp_path):
    from informeel_lib.io.cleaning import clean_files
    from informeel_lib.synth.generic import write_generic_network

    cb = truth(ROUND_1)
    info = write_generic_network(tmp_path, cb, seed=5, rounds=("2030-01",), n_per_organisation=12)
    assert [len(files) for files in info["files"].values()] == [4]
    result = clean_files([tmp_path / "2030-01"], round_name="2030-01", codebook=cb, salt="x")
    assert result.n_kept == 48 and result.unmapped_columns == ()
    assert set(result.data["organisation"]) == set(cb.organisation_names)
    assert result.data["ONTW1"].max() <= 5 and result.data["WDR1"].max() <= 7


def _limesurvey_code_and_text(path, rng, n=30):
    """A LimeSurvey CSV with "Question code & question text" headings (its default separator ". "), labels as a
    6-point agreement scale spelled "Enigszins mee eens", and an optional e-mail question."""
    labels = ["Helemaal mee oneens", "Mee oneens", "Enigszins mee oneens", "Enigszins mee eens", "Mee eens",
              "Helemaal mee eens"]
    statements = ["Ik ga met plezier naar mijn werk", "Mijn werk geeft mij energie", "Ik ben trots op mijn werk"]
    headings = ["id", "submitdate", "ORG. Bij welke organisatie werkt u?", "TEAM. In welk team werkt u?",
                "FUNCTIE. Wat is uw functie?"]
    headings += [f"WP[SQ00{k}]. In hoeverre bent u het eens met de volgende uitspraken? [{s}]"
                 for k, s in enumerate(statements, start=1)]
    headings += ["LEREN. Beschrijf iets wat u deze week van een collega hebt geleerd.",
                 "EMAIL. Wat is uw e-mailadres? (optioneel, voor de uitslag)"]
    rows = []
    for i in range(n):
        level = int(rng.integers(0, 6))
        answers = [labels[int(np.clip(level + rng.integers(-1, 2), 0, 5))] for _ in statements]
        rows.append([i, "2025-01-10", "St. Jozef", "Team Noord", "Helpende", *answers,
                     "Ik leerde van een collega hoe je een steunkous aantrekt.", f"medewerker{i}@example.nl"])
    _write_csv(path, headings, rows)
    return labels


def test_limesurvey_code_and_text_headings_keep_the_exports_labels_and_drop_the_e_mail(tmp_path):
    from informeel_lib.io.columns import recognise_columns
    from informeel_lib.io.values import convert_item

    labels = _limesurvey_code_and_text(tmp_path / "lime.csv", np.random.default_rng(3))
    draft = draft_codebook([tmp_path / "lime.csv"])
    cb = load_codebook(draft.write(tmp_path / "cb.yaml"))
    # every answer of the export is a value of the drafted scale: none becomes missing at cleaning
    assert [convert_item(lab, cb, "WP1") for lab in labels] == [(float(v), None) for v in range(1, 7)]
    assert cb.canonical_labels[4] == "enigszins mee eens"             # the export's wording, not a synonym
    assert cb.name == "mijn vragenlijst"                                # not the name of a response scale
    # the e-mail question is an identifier column (removed at intake), not an open question
    assert "identificerende kolommen: 1 (worden verwijderd)" in draft.summary()
    assert list(cb.open_questions.values()) == ["Beschrijf iets wat u deze week van een collega hebt geleerd."]
    assert cb.background["organisation"]["text"] == "Bij welke organisatie werkt u?"   # without "ORG. "
    with open(tmp_path / "lime.csv", encoding="utf-8") as fh:
        headings = next(csv.reader(fh, delimiter=";"))
    mapping, identifiers, unmapped = recognise_columns(headings, [[] for _ in headings], cb)
    assert identifiers == [len(headings) - 1] and unmapped == []
    assert set(mapping.values()) == {"respondent_id", "submitted", "organisation", "team", "role", "WP1", "WP2",
                                     "WP3", "OPEN1"}
