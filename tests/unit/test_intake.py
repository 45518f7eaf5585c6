"""Intake of hand-made exports in every format: LimeSurvey, Qualtrics, Forms, SPSS, plain CSV.

The export builders live in tests/support/exports.py (also used by the cleaning tests).
"""

import csv
import io

import numpy as np
import pandas as pd
import pytest

from informeel_lib.errors import InputError
from informeel_lib.io.intake import read_export
from informeel_lib.io.values import convert_item
from tests.support.exports import (
    CB,
    ITEMS,
    _write_csv,
    assert_matches_people,
    forms_xlsx,
    limesurvey_csv,
    make_people,
    qualtrics_csv,
    spss_sav,
)

# --- formats ----------------------------------------------------------------------------

@pytest.mark.parametrize("headings", ["code", "text"])
@pytest.mark.parametrize("answers", ["label", "number"])
def test_limesurvey_codes_and_full_text_headings(tmp_path, headings, answers):
    people = make_people(5)
    exp = read_export(limesurvey_csv(tmp_path / "ls.csv", people, headings=headings, answers=answers))
    assert exp.tool == "limesurvey"
    assert_matches_people(exp, people)
    assert exp.source_rows == [2, 3, 4, 5, 6]
    assert exp.dropped_identifier_columns == ["ipaddr"]
    assert "ipaddr" not in exp.data.columns and "personal_code" in exp.data.columns
    assert exp.data["tenure"].tolist() == [p["tenure"] for p in people]  # "2,5" with decimal comma
    assert exp.data["OPEN_VOORBEELD"].tolist() == [p["open"] for p in people]
    assert exp.data["duration_s"].tolist() == [p["duration"] for p in people]  # from startdate/submitdate
    assert exp.issues == []


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_delimiters_and_encodings(tmp_path, delimiter, encoding):
    people = make_people(3)
    people[0]["team"] = "Wondzorg één"  # non-ASCII survives every encoding
    exp = read_export(limesurvey_csv(tmp_path / "x.csv", people, delimiter=delimiter, encoding=encoding))
    assert_matches_people(exp, people)
    assert exp.data["team"][0] == "Wondzorg één"


def test_qualtrics_three_header_rows(tmp_path):
    people = make_people(4)
    exp = read_export(qualtrics_csv(tmp_path / "q.csv", people))
    assert exp.tool == "qualtrics"
    assert_matches_people(exp, people)
    assert exp.source_rows == [4, 5, 6, 7]  # three header rows counted
    assert set(exp.dropped_identifier_columns) == {"IPAddress", "RecipientLastName", "RecipientEmail",
                                                   "LocationLatitude"}
    assert exp.column_map["Q10_1"] == ITEMS[0] and exp.column_map["Q1"] == "organisation"
    assert exp.data["duration_s"].tolist() == [p["duration"] for p in people]
    assert exp.data["respondent_id"].tolist() == [f"R_abc{i:03d}" for i in range(4)]


def test_forms_xlsx_drops_name_and_email(tmp_path):
    people = make_people(4)
    exp = read_export(forms_xlsx(tmp_path / "f.xlsx", people))
    assert exp.tool == "forms"
    assert_matches_people(exp, people)
    assert sorted(exp.dropped_identifier_columns) == ["Email", "Name"]
    flat = exp.data.astype(str).to_numpy().ravel().tolist()
    assert not any("example.nl" in v or "Persoon" in v for v in flat)
    assert exp.data["duration_s"].tolist() == [p["duration"] for p in people]
    assert exp.source_rows == [2, 3, 4, 5]


def test_spss_value_labels_and_out_of_range(tmp_path):
    people = make_people(4, org="Zorggroep Meander")
    people[2]["organisation"] = "Treant"
    exp = read_export(spss_sav(tmp_path / "m.sav", people, out_of_range=(1, "LEID2", 7)))
    assert exp.tool == "spss"
    assert exp.data["organisation"].tolist() == [p["organisation"] for p in people]  # labels applied
    assert exp.data["role"].tolist() == ["Teamleider", "Verzorgende IG", "Verzorgende IG", "Verzorgende IG"]
    assert np.isnan(exp.data.loc[1, "LEID2"])
    (issue,) = exp.issues
    assert (issue.column, issue.row, issue.value, issue.reason_code) == ("LEID2", 3, "7", "buiten_bereik")
    people[1]["answers"]["LEID2"] = np.nan
    expected = np.array([[p["answers"][it] for it in ITEMS] for p in people], dtype=float)
    np.testing.assert_array_equal(exp.data[ITEMS].to_numpy(), expected)


def test_spss_labelled_missing_code(tmp_path):
    people = make_people(2, org="Treant")
    exp = read_export(spss_sav(tmp_path / "m.sav", people, out_of_range=(0, "REFL1", 9)))  # 9 = "Weet niet"
    assert np.isnan(exp.data.loc[0, "REFL1"]) and exp.issues == []


def test_plain_csv_by_code_with_alias_spellings(tmp_path):
    rows = [["Organisatie", "Team", "Rol"] + [it.lower() for it in ITEMS],
            ["zinn ", "  A  team ", "werkbegeleider"] + ["4"] * len(ITEMS)]
    exp = read_export(_write_csv(tmp_path / "plain.csv", rows))
    assert exp.tool == "csv"
    assert exp.data["team"][0] == "A team"  # white space normalised
    assert exp.data["organisation"][0] == "zinn"  # resolved later, in cleaning


# --- values -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("Helemaal mee eens", 5.0), ("  MEE ONEENS ", 2.0), ("zeer mee oneens", 1.0), ("3", 3.0), (4, 4.0), (2.0, 2.0),
    ("4 = mee eens", 4.0), ("weet niet", None), ("N.v.t.", None), ("", None), (None, None), (-99, None), ("-9", None),
    (99, None),
])
def test_item_values_known(value, expected):
    v, problem = convert_item(value, CB)
    assert problem is None
    assert (np.isnan(v) if expected is None else v == expected)


@pytest.mark.parametrize("value, code", [
    (6, "buiten_bereik"), ("0", "buiten_bereik"), (9, "buiten_bereik"), ("9", "buiten_bereik"), (3.5, "buiten_bereik"),
    ("7", "buiten_bereik"),
    ("soms", "onbekend_label"), ("5 = mee oneens", "onbekend_label"), (True, "onbekend_label"),
])
def test_item_values_problems(value, code):
    v, problem = convert_item(value, CB)
    assert np.isnan(v) and problem[0] == code


def test_issues_name_column_row_value(tmp_path):
    people = make_people(3)
    path = limesurvey_csv(tmp_path / "ls.csv", people)
    text = path.read_bytes().decode("cp1252").splitlines()
    cells = text[3].split(";")
    first_item = 16  # 8 meta + 8 background columns
    cells[first_item] = '"soms"'
    cells[first_item + 1] = '"12"'
    text[3] = ";".join(cells)
    path.write_bytes("\r\n".join(text).encode("cp1252"))
    exp = read_export(path)
    got = {(i.column, i.row, i.value, i.reason_code) for i in exp.issues}
    assert got == {(ITEMS[0], 4, "soms", "onbekend_label"), (ITEMS[1], 4, "12", "buiten_bereik")}
    assert np.isnan(exp.data.loc[2, ITEMS[0]]) and np.isnan(exp.data.loc[2, ITEMS[1]])
    assert exp.data.loc[1, ITEMS[0]] == people[1]["answers"][ITEMS[0]]


def test_background_numbers_out_of_range_are_issues(tmp_path):
    rows = [["organisatie", "team", "rol", "teamgrootte", "contracturen"] + ITEMS,
            ["ZINN", "A", "manager", "500", "32 uur"] + ["3"] * len(ITEMS)]
    exp = read_export(_write_csv(tmp_path / "b.csv", rows))
    assert np.isnan(exp.data["team_size"][0]) and exp.data["contract_hours"][0] == 32
    assert [(i.column, i.reason_code) for i in exp.issues] == [("team_size", "buiten_bereik")]


# --- recognition ---------------------------------------------------------------------------

def test_small_typo_in_item_text_is_recognised(tmp_path):
    people = make_people(2)
    path = limesurvey_csv(tmp_path / "ls.csv", people, headings="text")
    text = path.read_bytes().decode("cp1252")
    original = CB.item("REFL2").text
    typo = original.replace("lastige", "lastge")
    assert typo != original
    path.write_bytes(text.replace(original, typo).encode("cp1252"))
    exp = read_export(path)
    assert "REFL2" in exp.data.columns
    assert_matches_people(exp, people)


def test_two_columns_for_one_item_is_an_error(tmp_path):
    rows = [["organisatie", "team", "rol"] + ITEMS + ["refl1"], ["ZINN", "A", "manager"] + ["3"] * (len(ITEMS) + 1)]
    with pytest.raises(InputError) as exc:
        read_export(_write_csv(tmp_path / "d.csv", rows))
    msg = str(exc.value)
    assert "d.csv" in msg and "'REFL1'" in msg and "'refl1'" in msg


def test_missing_required_columns_all_listed(tmp_path):
    keep = [it for it in ITEMS if it not in ("REFL4", "VEIL2")]
    rows = [["team"] + keep, ["A"] + ["3"] * len(keep)]
    with pytest.raises(InputError) as exc:
        read_export(_write_csv(tmp_path / "m.csv", rows))
    msg = str(exc.value)
    for col in ("organisation", "role", "REFL4", "VEIL2"):
        assert col in msg
    assert "m.csv" in msg and "team (" not in msg


def test_unmapped_and_other_text_columns(tmp_path):
    rows = [["organisatie", "team", "Wat is je functie of rol?", "Wat is je functie of rol? [Anders]", "Q_extra"]
            + ITEMS,
            ["ZINN", "A", "manager", "", "x"] + ["3"] * len(ITEMS)]
    exp = read_export(_write_csv(tmp_path / "u.csv", rows))
    assert exp.column_map["Wat is je functie of rol?"] == "role"
    assert set(exp.unmapped_columns) == {"Wat is je functie of rol? [Anders]", "Q_extra"}
    frame = exp.to_frame()
    assert set(frame["status"]) == {"herkend", "niet herkend"}


def test_codebook_background_aliases_are_used(tmp_path):
    from pathlib import Path

    import yaml

    from informeel_lib import codebook as codebook_module

    raw = yaml.safe_load((Path(codebook_module.__file__).parent / "data" / "codebook.yaml").read_text("utf-8"))
    raw["background"]["organisation"]["aliases"] = ["Naam van je werkgever"]
    raw["scales"]["REFL"]["items"][0]["aliases"] = ["Stilstaan bij het werk"]
    cb_path = tmp_path / "cb.yaml"
    cb_path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    headings = ["Naam van je werkgever", "team", "rol", "Stilstaan bij het werk"] + ITEMS[1:]
    rows = [headings, ["Treant", "A", "manager"] + ["2"] * len(ITEMS)]
    exp = read_export(_write_csv(tmp_path / "a.csv", rows), codebook=cb_path)
    assert exp.column_map["Naam van je werkgever"] == "organisation"
    assert exp.column_map["Stilstaan bij het werk"] == "REFL1"


def test_abbreviated_question_text_headings(tmp_path):
    people = make_people(2)
    rows = [["organisatie", "team", "functie"] + [CB.item(it).text[:40].rstrip() + "..." for it in ITEMS]]
    rows += [[p["organisation"], p["team"], p["role"]] + [str(p["answers"][it]) for it in ITEMS] for p in people]
    exp = read_export(_write_csv(tmp_path / "kort.csv", rows))
    assert set(exp.data.columns) >= set(ITEMS)
    assert_matches_people(exp, people)


def test_qualtrics_layout_in_xlsx(tmp_path):
    import openpyxl

    people = make_people(3)
    records = list(csv.reader(io.StringIO(qualtrics_csv(tmp_path / "q.csv", people).read_text("utf-8-sig"))))
    book = openpyxl.Workbook()
    for rec in records:
        book.active.append(rec)
    book.save(tmp_path / "q.xlsx")
    exp = read_export(tmp_path / "q.xlsx")
    assert exp.tool == "qualtrics" and exp.source_rows == [4, 5, 6]
    assert_matches_people(exp, people)


@pytest.mark.parametrize("text, expected", [
    ("2022-05-03 10:20:00", "2022-05-03 10:20:00"), ("3-5-2022 10:20", "2022-05-03 10:20:00"),
    ("5/3/2022 10:20:00 AM", "2022-05-03 10:20:00"), ("1500-01-01", None), ("gisteren", None),
])
def test_datetimes(text, expected):
    from informeel_lib.io.values import _parse_datetime

    got = _parse_datetime(text)
    assert (pd.isna(got) if expected is None else got == pd.Timestamp(expected))


def test_code_and_text_headings_and_numbered_questions(tmp_path):
    people = make_people(2)
    bg = CB.background
    rows = [[f"1. {bg['organisation']['text']}", f"2. {bg['team']['text']}", f"3) {bg['role']['text']}"]
            + [f"{CB.scale_of(it)}[{it}]. Stelling {k}" for k, it in enumerate(ITEMS)]]
    rows += [[p["organisation"], p["team"], p["role"]] + [str(p["answers"][it]) for it in ITEMS] for p in people]
    exp = read_export(_write_csv(tmp_path / "codetekst.csv", rows))
    assert_matches_people(exp, people)
    assert exp.column_map[f"1. {bg['organisation']['text']}"] == "organisation"


# --- no silent data errors (issue 11, finding 8) ------------------------------------------------------------

def _with_heading(tmp_path, item, heading, *, name="neg.csv"):
    """A plain export (codes as headings) where ``item``'s column is headed by ``heading`` instead."""
    headings = ["organisatie", "team", "rol"] + [heading if it == item else it for it in ITEMS]
    rows = [headings, ["ZINN", "A", "manager"] + [str(1 + k % 5) for k in range(len(ITEMS))]]
    return _write_csv(tmp_path / name, rows)


@pytest.mark.parametrize("item, heading, word", [
    ("AUTO1", "Ik kan niet zelf bepalen hoe ik mijn werk aanpak.", "niet"),
    ("AUTO3", "Ik kan in mijn werk nooit zelf beslissingen nemen.", "nooit"),
    ("EXPR4", "Afwijken van de vaste werkwijze wordt bij ons gewaardeerd.", "niet"),   # the negation dropped
    ("FOUT1", "In ons team kun je beter fouten toegeven.", "geen"),
    ("COMP3", "In mijn werk krijg ik nergens te maken met veel verschillende situaties.", "nergens"),
    ("AUTO2", "Geef aan in hoeverre u het eens bent - Ik kan niet zelf de volgorde van mijn werkzaamheden bepalen.",
     "niet"),
])
def test_a_heading_with_the_opposite_meaning_is_an_error(tmp_path, item, heading, word):
    with pytest.raises(InputError) as exc:
        read_export(_with_heading(tmp_path, item, heading))
    msg = str(exc.value)
    assert "neg.csv" in msg and heading in msg and f"'{item}'" in msg and f"'{word}'" in msg
    assert "tegenovergestelde" in msg


def test_a_small_typo_with_the_same_negation_still_matches(tmp_path):
    heading = "Afwijken van de vaste werkwijze wordt bij ons niet gewaardeed."  # typo, negation kept
    exp = read_export(_with_heading(tmp_path, "EXPR4", heading))
    assert exp.column_map[heading] == "EXPR4"


def test_codebook_check_blocks_a_heading_with_the_opposite_meaning(tmp_path, capsys):
    from informeel_lib.cli import main

    heading = "Ik kan niet zelf bepalen hoe ik mijn werk aanpak."
    path = _with_heading(tmp_path, "AUTO1", heading)
    assert main(["codebook", "check", str(path)]) == 2
    out = capsys.readouterr().out
    assert "tegenovergestelde betekenis" in out and out.count("zegt het tegenovergestelde") == 1


def _utf8_with_a_stray_cp1252_line(tmp_path, name="gemengd.csv"):
    """A UTF-8 export (é, ë, € in several rows) whose fourth line was pasted from a Windows-1252 source."""
    headings = ["organisatie", "team", "rol", *ITEMS, "OPEN_VOORBEELD"]
    answers = [str(1 + k % 5) for k in range(len(ITEMS))]
    lines = [",".join(headings)]
    for i, text in enumerate(["Overleg met de coördinator", "Café-gesprek over €-kosten", "Wondzorg bij cliënt",
                              "Tillift geoefend"]):
        lines.append(",".join(["ZINN", f"Team {i}", "manager", *answers, text]))
    raw = [ln.encode("utf-8") for ln in lines]
    raw[3] = lines[3].encode("cp1252")  # 'Wondzorg bij cliënt' in Windows-1252: the byte 0xEB alone
    (tmp_path / name).write_bytes(b"\r\n".join(raw) + b"\r\n")
    return tmp_path / name


def test_a_stray_windows_1252_line_in_a_utf8_file_is_decoded_per_line_and_reported(tmp_path):
    exp = read_export(_utf8_with_a_stray_cp1252_line(tmp_path))
    assert exp.data["OPEN_VOORBEELD"].tolist() == ["Overleg met de coördinator", "Café-gesprek over €-kosten",
                                                   "Wondzorg bij cliënt", "Tillift geoefend"]  # no mojibake
    assert [(n.file, n.row, n.reason_code) for n in exp.notices] == [("gemengd.csv", 4, "tekencodering")]
    assert "regel 4" in exp.notices[0].reason


def test_a_windows_1252_file_is_read_as_a_whole_without_a_notice(tmp_path):
    path = _utf8_with_a_stray_cp1252_line(tmp_path)
    path.write_bytes(path.read_bytes().decode("utf-8", errors="replace").replace("\ufffd", "ë").encode("cp1252"))
    exp = read_export(path)
    assert exp.data["OPEN_VOORBEELD"].tolist()[2] == "Wondzorg bij cliënt" and not exp.notices


def _plain_rows(n, start=0, org="ZINN"):
    headings = ["organisatie", "team", "rol", *ITEMS]
    return headings, [[org, f"Team {i}", "manager", *[1 + (i + k) % 5 for k in range(len(ITEMS))]]
                      for i in range(start, start + n)]


def test_every_worksheet_with_the_same_headings_is_read(tmp_path):
    from informeel_lib.io.intake import read_exports

    headings, rows = _plain_rows(7)
    path = tmp_path / "teams.xlsx"
    with pd.ExcelWriter(path) as book:
        pd.DataFrame(rows[:4], columns=headings).to_excel(book, sheet_name="Noord", index=False)
        pd.DataFrame([["toelichting"], ["alleen tekst"]]).to_excel(book, sheet_name="Uitleg", index=False,
                                                                    header=False)
        pd.DataFrame(rows[4:], columns=headings).to_excel(book, sheet_name="Zuid", index=False)
        pd.DataFrame(columns=headings).to_excel(book, sheet_name="Leeg", index=False)
    first, second = read_exports(path)
    assert (first.source_file, len(first.data)) == ("teams.xlsx", 4)
    assert (second.source_file, len(second.data), second.source_rows) == ("teams.xlsx [Zuid]", 3, [2, 3, 4])
    assert second.data["team"].tolist() == ["Team 4", "Team 5", "Team 6"]
    (note,) = first.notices
    assert note.reason_code == "werkblad_genegeerd" and "'Uitleg'" in note.reason and "'Noord'" in note.reason
    # read_export reads one table and names every other worksheet with data
    single = read_export(path)
    assert len(single.data) == 4
    assert sorted(n.reason.split("'")[1] for n in single.notices) == ["Leeg", "Uitleg", "Zuid"]
    from informeel_lib.io.check import check_exports

    text = check_exports([path], codebook=CB).text()
    assert "Let op: werkblad 'Uitleg' is niet ingelezen" in text and "'teams.xlsx [Zuid]' heeft dezelfde" in text


def test_formula_cells_without_a_stored_value_are_noticed(tmp_path):
    import openpyxl

    headings, rows = _plain_rows(3)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Antwoorden"
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    column = headings.index(ITEMS[2]) + 1
    sheet.cell(row=3, column=column).value = "=1+2"  # written by a script: no cached value in the file
    sheet.cell(row=4, column=1).value = '="ZIN"&"N"'
    book.save(tmp_path / "formules.xlsx")
    exp = read_export(tmp_path / "formules.xlsx")
    assert np.isnan(exp.data[ITEMS[2]][1]) and exp.data[ITEMS[2]][0] == rows[0][column - 1]
    notes = sorted((n.row, n.column, n.reason_code) for n in exp.notices)
    assert notes == [(3, ITEMS[2], "formule_zonder_waarde"), (4, "organisatie", "formule_zonder_waarde")]
    cell = openpyxl.utils.get_column_letter(column) + "3"
    assert any(f"formulecel {cell} (werkblad 'Antwoorden')" in n.reason for n in exp.notices)


@pytest.mark.parametrize("block", [7, 16, 1 << 16])
def test_per_line_decoding_over_block_boundaries(block):
    from informeel_lib.io.readers import _decode_utf8_lines

    lines = ["kop;tekst", "één", "caf\u00e9", "gewoon", "\u2019s avonds", "coördinator"] * 5
    raw = [ln.encode("utf-8") for ln in lines]
    stray = {3, 5, 17, 30}  # 1-based line numbers written in Windows-1252
    for n in stray:
        raw[n - 1] = lines[n - 1].encode("cp1252")
    text, bad = _decode_utf8_lines(b"\r\n".join(raw) + b"\r\n", block=block)
    assert text.split("\r\n")[:-1] == lines and bad == sorted(stray)
    cp1252 = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    assert _decode_utf8_lines(cp1252, block=block) == (None, [])  # no UTF-8 character: a Windows-1252 file
    assert _decode_utf8_lines(cp1252, max_lines=2, block=block) == (None, [])
