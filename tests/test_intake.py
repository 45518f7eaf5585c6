"""Intake of hand-made exports in every format: LimeSurvey, Qualtrics, Forms, SPSS, plain CSV.

The fixture builders at the top are also used by test_cleaning.py and test_cli_clean.py.
"""

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

from informeel_lib.codebook import load_codebook
from informeel_lib.errors import InputError
from informeel_lib.intake import convert_item, read_export

CB = load_codebook()
ITEMS = CB.item_codes
LABELS = CB.canonical_labels  # value -> Dutch label


# --- fixture builders --------------------------------------------------------------------

def make_people(n=6, seed=0, org="ZINN"):
    """n respondents with known clean values (answers 1..5, never all equal)."""
    rng = np.random.default_rng(seed)
    people = []
    for i in range(n):
        answers = {it: int(v) for it, v in zip(ITEMS, rng.integers(1, 6, len(ITEMS)))}
        answers[ITEMS[0]], answers[ITEMS[1]] = 1, 5  # guarantees no straight line
        people.append({
            "code": f"AB{seed}{i:03d}", "organisation": org, "team": f"Team {i % 2 + 1}",
            "role": "verzorgende" if i else "teamleider", "sector": "thuiszorg", "team_size": 10 + i,
            "tenure": 2.5 + i, "contract_hours": 24, "answers": answers,
            "start": pd.Timestamp("2022-05-02 09:00") + pd.Timedelta(hours=i),
            "duration": 600 + 30 * i, "open": f"Ik leerde iets over wondzorg ({i}).",
        })
    return people


def _write_csv(path, records, *, delimiter=",", encoding="utf-8"):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(records)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def limesurvey_csv(path, people, *, headings="code", answers="label", delimiter=";", encoding="cp1252"):
    """LimeSurvey export: meta columns, ipaddr, array items as SCALE[ITEM] or full question text."""
    meta = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr"]
    if headings == "code":
        back = ["code", "organisatie", "team", "functie", "sector", "teamgrootte", "dienstjaren", "contracturen"]
        items = [f"{CB.scale_of(it)}[{it}]" for it in ITEMS]
        open_h = "OPEN_VOORBEELD"
    else:
        bg = CB.background
        back = [bg[k]["text"] for k in ("personal_code", "organisation", "team", "role", "sector", "team_size",
                                        "tenure", "contract_hours")]
        items = [f"Geef aan in hoeverre je het eens bent met de stellingen. [{CB.item(it).text}]" for it in ITEMS]
        open_h = CB.open_questions["OPEN_VOORBEELD"]
    records = [meta + back + items + [open_h]]
    for i, p in enumerate(people, start=1):
        end = p["start"] + pd.Timedelta(seconds=p["duration"])
        row = [str(i), str(end), "6", "nl", "123", str(p["start"]), str(end), f"10.0.0.{i}",
               p["code"], p["organisation"], p["team"], p["role"], p["sector"], str(p["team_size"]),
               str(p["tenure"]).replace(".", ","), str(p["contract_hours"])]
        row += [LABELS[p["answers"][it]] if answers == "label" else str(p["answers"][it]) for it in ITEMS]
        row.append(p["open"])
        records.append(row)
    return _write_csv(path, records, delimiter=delimiter, encoding=encoding)


def qualtrics_csv(path, people):
    """Qualtrics export: three header rows (ids, 'stem - statement' texts, ImportId json)."""
    stem = "Geef aan in hoeverre je het eens bent met de volgende stellingen"
    cols = [("StartDate", "Start Date", "startDate"), ("EndDate", "End Date", "endDate"),
            ("Status", "Response Type", "status"), ("IPAddress", "IP Address", "ipAddress"),
            ("Progress", "Progress", "progress"), ("Duration (in seconds)", "Duration (in seconds)", "duration"),
            ("Finished", "Finished", "finished"), ("ResponseId", "Response ID", "_recordId"),
            ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
            ("RecipientEmail", "Recipient Email", "recipientEmail"),
            ("LocationLatitude", "Location Latitude", "locationLatitude"),
            ("Q1", CB.background["organisation"]["text"], "QID1"), ("Q2", CB.background["team"]["text"], "QID2"),
            ("Q3", CB.background["role"]["text"], "QID3"), ("Q4", CB.background["personal_code"]["text"], "QID4")]
    for k, it in enumerate(ITEMS, start=1):
        cols.append((f"Q10_{k}", f"{stem} - {CB.item(it).text}", f"QID10_{k}"))
    records = [[c[0] for c in cols], [c[1] for c in cols], [json.dumps({"ImportId": c[2]}) for c in cols]]
    for i, p in enumerate(people):
        end = p["start"] + pd.Timedelta(seconds=p["duration"])
        row = [str(p["start"]), str(end), "IP Address", f"10.1.0.{i}", "100", str(p["duration"]), "True",
               f"R_abc{i:03d}", "Jansen", f"p{i}@example.nl", "53.2", p["organisation"], p["team"], p["role"],
               p["code"]]
        row += [str(p["answers"][it]) for it in ITEMS]
        records.append(row)
    return _write_csv(path, records, delimiter=",", encoding="utf-8-sig")


def forms_xlsx(path, people):
    """Microsoft Forms export: ID, times, Email, Name, then one column per question text; label answers."""
    bg = CB.background
    rows = []
    for i, p in enumerate(people, start=1):
        row = {"ID": i, "Start time": p["start"].to_pydatetime(),
               "Completion time": (p["start"] + pd.Timedelta(seconds=p["duration"])).to_pydatetime(),
               "Email": f"persoon{i}@example.nl", "Name": f"Persoon {i}",
               bg["organisation"]["text"]: p["organisation"], bg["team"]["text"]: p["team"],
               bg["role"]["text"]: p["role"], bg["personal_code"]["text"]: p["code"]}
        for it in ITEMS:
            row[CB.item(it).text] = LABELS[p["answers"][it]]
        row[CB.open_questions["OPEN_THEMA"]] = p["open"]
        rows.append(row)
    pd.DataFrame(rows).to_excel(path, index=False)
    return path


def spss_sav(path, people, *, out_of_range=None):
    """SPSS file with value labels (organisation, role, items) and variable labels.

    ``out_of_range`` = (person index, item, number) writes an unlabelled number.
    """
    import pyreadstat

    orgs = {i + 1: o for i, o in enumerate(CB.organisation_names)}
    org_code = {v: k for k, v in orgs.items()}
    roles = {1: "Verzorgende IG", 2: "Teamleider"}
    data = {"persoonlijke_code": [p["code"] for p in people],
            "org": [float(org_code[p["organisation"]]) for p in people],
            "team": [p["team"] for p in people],
            "functie": [1.0 if p["role"] == "verzorgende" else 2.0 for p in people]}
    for it in ITEMS:
        data[it.lower()] = [float(p["answers"][it]) for p in people]
    if out_of_range:
        person, item, number = out_of_range
        data[item.lower()][person] = float(number)
    df = pd.DataFrame(data)
    likert = {float(k): v.capitalize() for k, v in LABELS.items()} | {9.0: "Weet niet"}
    value_labels = {"org": {float(k): v for k, v in orgs.items()}, "functie": roles}
    value_labels |= {it.lower(): likert for it in ITEMS}
    labels = {"org": CB.background["organisation"]["text"], "functie": "Functie"}
    labels |= {it.lower(): CB.item(it).text for it in ITEMS}
    pyreadstat.write_sav(df, str(path), column_labels=[labels.get(c) for c in df.columns],
                         variable_value_labels=value_labels)
    return path


def assert_matches_people(export, people):
    """Every item value equals the known answer, in file order."""
    data = export.data
    assert len(data) == len(people)
    expected = np.array([[p["answers"][it] for it in ITEMS] for p in people], dtype=float)
    np.testing.assert_array_equal(data[ITEMS].to_numpy(), expected)
    assert list(data["organisation"]) == [p["organisation"] for p in people]


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
    ("4 = mee eens", 4.0), ("weet niet", None), ("N.v.t.", None), ("", None), (None, None), (-99, None), ("-9", None), (99, None),
])
def test_item_values_known(value, expected):
    v, problem = convert_item(value, CB)
    assert problem is None
    assert (np.isnan(v) if expected is None else v == expected)


@pytest.mark.parametrize("value, code", [
    (6, "buiten_bereik"), ("0", "buiten_bereik"), (9, "buiten_bereik"), ("9", "buiten_bereik"), (3.5, "buiten_bereik"), ("7", "buiten_bereik"),
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
    rows = [["organisatie", "team", "Wat is je functie of rol?", "Wat is je functie of rol? [Anders]", "Q_extra"] + ITEMS,
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
    from informeel_lib.intake import _parse_datetime

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
