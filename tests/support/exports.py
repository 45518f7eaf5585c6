"""Hand-made survey exports in every format (LimeSurvey, Qualtrics, Forms, SPSS) for intake and cleaning tests."""

import csv
import io
import json

import numpy as np
import pandas as pd

from informeel_lib.codebook import load_codebook

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
