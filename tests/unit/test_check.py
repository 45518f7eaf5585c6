"""`codebook check`, and the cleaning naming every export column it did not recognise."""

import pandas as pd
import pytest

from informeel_lib.cli import main
from informeel_lib.codebook import load_codebook
from informeel_lib.io.check import check_exports
from informeel_lib.io.cleaning import clean_files
from informeel_lib.io.draft import draft_codebook
from tests.support.own_questionnaire import ROUND_1, ROUND_2, edit_for_round_2, name_scales, write_exports


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    write_exports(root / "raw" / ROUND_1, ROUND_1, n_per_organisation=20)
    write_exports(root / "raw" / ROUND_2, ROUND_2, n_per_organisation=20)
    draft_codebook([root / "raw" / ROUND_1]).write(root / "codebook.yaml")
    name_scales(root / "codebook.yaml")
    return root


def test_every_column_is_mapped_and_nothing_blocks(project, capsys):
    assert main(["codebook", "check", str(project / "raw" / ROUND_1), "--codebook",
                 str(project / "codebook.yaml")]) == 0
    out = capsys.readouterr().out
    assert "'WDR[SQ001]' -> item WDR1 (schaal WDR)" in out
    assert "'Email' -> identificerend (wordt verwijderd)" in out
    assert "'Bij welke zorgorganisatie werk je?' -> achtergrondvraag organisation" in out
    assert "NIET HERKEND" not in out and "BLOKKEERT" not in out
    assert "Uitkomst: de exports passen op het codeboek (alle kolommen herkend)." in out


def test_new_round_unknown_columns_nearest_item_and_unknown_organisation_block(project, capsys):
    code = main(["codebook", "check", str(project / "raw" / ROUND_2), "--codebook", str(project / "codebook.yaml")])
    out = capsys.readouterr().out
    assert code == 2
    assert "Niet herkend: 'Ik kan bij mijn collega's terecht met vragen over een cliënt of familie.'; lijkt het " \
           "meest op STEUN2" in out                                    # the reworded item, nearest text
    assert "Niet herkend: 'BEVL[SQ005]'" in out                       # the new item
    line = next(x for x in out.splitlines() if "onbekende organisatie 'Zorgpunt Oost'" in x)
    assert line.strip().startswith("BLOKKEERT: kolom '") and ", rij " in line     # where to look in the export
    assert "Uitkomst: 'informeel clean' zou stoppen" in out


def test_unknown_answer_labels_are_listed(project, tmp_path):
    cb = load_codebook(project / "codebook.yaml")
    src = next((project / "raw" / ROUND_1).glob("*forms*.xlsx"))
    frame = pd.read_excel(src)
    frame.loc[0, cb.item("WDR2").text] = "soms wel"
    frame.to_excel(tmp_path / "forms.xlsx", index=False)
    report = check_exports([tmp_path / "forms.xlsx"], codebook=cb)
    assert not report.blocking
    (note,) = [p for p in report.files[0].problems if "(WDR2)" in p]
    assert note.startswith(f"bestand 'forms.xlsx', kolom '{cb.item('WDR2').text}' (WDR2): 1 antwoord(en) die niet in "
                           "het codeboek staan")
    assert note.endswith("'soms wel' (rij 2)")                        # the spreadsheet row under the heading row


def test_clean_lists_columns_absent_from_the_codebook_in_summary_and_log(project, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("INFORMEEL_SALT", "test")
    src = next((project / "raw" / ROUND_1).glob("*forms*.xlsx"))
    frame = pd.read_excel(src)
    frame["Hoe tevreden ben je over de nieuwe roosterapp?"] = "tevreden"   # a question added to this export only
    frame.to_excel(tmp_path / "forms.xlsx", index=False)
    code = main(["clean", str(tmp_path / "forms.xlsx"), "--round", ROUND_1, "--out", str(tmp_path / "uit"),
                 "--codebook", str(project / "codebook.yaml")])
    out = capsys.readouterr().out
    assert code == 0
    assert "Niet herkende kolommen (1), niet meegenomen" in out
    assert "forms.xlsx: 'Hoe tevreden ben je over de nieuwe roosterapp?'" in out
    log = pd.read_csv(tmp_path / "uit" / f"{ROUND_1}_log.csv")
    row = log[log["reason_code"] == "onbekende_kolom"]
    assert row["column"].tolist() == ["Hoe tevreden ben je over de nieuwe roosterapp?"]
    assert row["action"].tolist() == ["kolom_genegeerd"] and row["source_file"].tolist() == ["forms.xlsx"]
    result = clean_files([src], round_name=ROUND_1, codebook=load_codebook(project / "codebook.yaml"), salt="x")
    assert result.unmapped_columns == () and "Niet herkende kolommen: geen" in result.summary()


def test_processed_round_records_codebook_and_items(project, tmp_path):
    from informeel_lib.io.cleaning import round_metadata

    cb_path = tmp_path / "cb2.yaml"
    edit_for_round_2(project / "codebook.yaml", cb_path)
    cb = load_codebook(cb_path)
    clean_files([project / "raw" / ROUND_2], round_name=ROUND_2, codebook=cb, salt="x", out=tmp_path)
    meta = round_metadata(tmp_path / f"{ROUND_2}.parquet")
    assert meta["round"] == ROUND_2
    assert meta["codebook"] == {"name": cb.name, "hash": cb.content_hash, "source": cb.source}
    assert list(meta["items"]) == cb.item_codes and meta["items"]["BEVL5"] == cb.item("BEVL5").text


def test_spss_organisations_and_roles_as_value_labels_are_known(tmp_path):
    """An SPSS export codes organisation and role as numbers with value labels: the check reads the labels, as
    the cleaning does (it reported 'onbekende organisatie '1.0'' and exit 2 where cleaning worked)."""
    import pyreadstat

    from informeel_lib.io.check import check_file

    raw = tmp_path / "raw"
    write_exports(raw, ROUND_1, n_per_organisation=5)
    cb = load_codebook(draft_codebook([raw]).write(tmp_path / "cb.yaml"))
    orgs, roles = cb.organisation_names, [r.label for r in cb.roles]
    n = 2 * len(orgs)
    df = pd.DataFrame({"ORG": [float(1 + k % len(orgs)) for k in range(n)], "TEAM": ["Noord"] * n,
                       "FUNCTIE": [1.0] * (n - 1) + [9.0]})
    pyreadstat.write_sav(df, str(tmp_path / "ronde.sav"),
                         column_labels=["Organisatie", "Team", "Functie"],
                         variable_value_labels={"ORG": {float(k + 1): o for k, o in enumerate(orgs)},
                                                "FUNCTIE": {1.0: roles[0], 9.0: "Stagiair"}})
    result = check_file(tmp_path / "ronde.sav", cb)
    assert not any("organisatie" in b for b in result.blocking)
    assert [b for b in result.blocking if "onbekende rol" in b] == [
        f"kolom 'FUNCTIE', rij {n + 1}: onbekende rol 'Stagiair': voeg haar (of een alias) toe aan het codeboek"]


def test_a_slightly_reworded_item_is_matched_and_named_as_possibly_reworded(project, tmp_path):
    """A close text is matched to its item, as cleaning does; the check says so, so that the researcher records the
    new wording (``text``) and the old one (``was``) instead of it passing without a word."""
    from informeel_lib.io.check import check_file

    cb = load_codebook(project / "codebook.yaml")
    item = cb.item(cb.scales["WDR"].item_codes[0])
    reworded = item.text.replace("extra hard", "heel hard")
    assert reworded != item.text
    pd.DataFrame({"Organisatie": [cb.organisation_names[0]] * 3, "Team": ["Noord"] * 3, "Functie": ["x"] * 3,
                  reworded: [1, 2, 3], cb.scales["WDR"].items[1].text: [1, 2, 3]}).to_csv(tmp_path / "r.csv",
                                                                                         index=False)
    result = check_file(tmp_path / "r.csv", cb)
    assert f"'{reworded}' -> item {item.code} (schaal WDR)" in result.lines
    notes = [p for p in result.problems if "niet gelijk" in p]
    assert len(notes) == 1 and f"({item.code})" in notes[0] and "'was: [...]'" in notes[0]
    assert check_exports([project / "raw" / ROUND_1], codebook=cb).text().endswith("(alle kolommen herkend).")
