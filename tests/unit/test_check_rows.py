"""`codebook check` names file, column and rows of answers outside the codebook (the acceptance test found
'antwoorden die niet in het codeboek staan' without any row to look at)."""

from informeel_lib.io.check import check_exports
from informeel_lib.synth.example import example_survey
from tests.support.own_questionnaire import ROUND_1, truth


def _export(tmp_path, edit):
    cb = truth(ROUND_1)
    frame = example_survey(20, seed=3, codebook=cb).drop(columns=["respondent", "round"])
    frame = frame.rename(columns={"organisation": "organisatie", "role": "functie"}).astype({"WDR1": object})
    edit(frame)
    frame.to_csv(tmp_path / "ronde.csv", index=False)
    return cb, check_exports([tmp_path / "ronde.csv"], codebook=cb)


def test_out_of_range_answers_name_the_file_column_first_rows_and_the_count(tmp_path):
    def edit(frame):
        frame.loc[[0, 1, 2, 3, 4, 5, 6], "WDR1"] = 9     # spreadsheet rows 2..8 (row 1 holds the headings)
        frame.loc[8, "WDR1"] = "soms"

    cb, report = _export(tmp_path, edit)
    (note,) = [p for p in report.files[0].problems if "(WDR1)" in p]
    assert note == ("bestand 'ronde.csv', kolom 'WDR1' (WDR1): 8 antwoord(en) die niet in het codeboek staan of buiten "
                    "het antwoordbereik liggen, worden ontbrekend: '9' (rijen 2, 3, 4, 5, 6 en nog 2); 'soms' (rij 10)")
    assert not report.blocking and note in report.text()


def test_a_clean_column_gets_no_note(tmp_path):
    _, report = _export(tmp_path, lambda frame: None)
    assert not [p for p in report.files[0].problems if "(WDR1)" in p]


def test_a_numeric_background_value_out_of_its_range_is_named_with_its_row(tmp_path):
    from informeel_lib.codebook import load_codebook

    cb = load_codebook()                                   # the demo codebook: team size 1..80
    frame = example_survey(12, seed=4).drop(columns=["respondent", "round"]).rename(
        columns={"organisation": "organisatie", "role": "rol"})
    frame["teamgrootte"] = [12] * 11 + [200]
    frame.to_csv(tmp_path / "ronde.csv", index=False)
    (note,) = [p for p in check_exports([tmp_path / "ronde.csv"], codebook=cb).files[0].problems
               if "(team_size)" in p]
    assert note == ("bestand 'ronde.csv', kolom 'teamgrootte' (team_size): 1 waarde(n) die geen getal zijn of buiten "
                    "het bereik liggen, worden ontbrekend: '200' (rij 13)")
