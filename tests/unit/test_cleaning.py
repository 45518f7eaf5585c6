"""Cleaning: aliases, pseudonyms, identifiers, duplicates, speeders, straight-liners, the log invariant."""

import re

import numpy as np
import pandas as pd
import pytest

from informeel_lib.errors import InputError
from informeel_lib.io.cleaning import LOG_COLUMNS, clean, clean_files, load_round, scrub_contacts
from informeel_lib.io.intake import read_export
from informeel_lib.io.pseudonyms import SALT_FILE, get_salt, pseudonym
from tests.support.exports import ITEMS, _write_csv, forms_xlsx, limesurvey_csv, make_people, qualtrics_csv

SALT = "test-salt"
CONTRACT = ["respondent", "round", "organisation", "team", "role", "sector", "team_size", "tenure",
            "contract_hours", "duration_s", "submitted", *ITEMS, "OPEN_THEMA", "OPEN_VOORBEELD",
            "flag_straightliner", "flag_speeder", "source_file", "source_row"]


def _run(paths, **kw):
    kw.setdefault("salt", SALT)
    return clean_files(paths, round_name="2022-05", **kw)


def test_three_formats_one_round_written_and_loaded(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    a, b, c = make_people(4, seed=1, org="zinn zorg"), make_people(3, seed=2, org="ZHG Noord"), make_people(2, seed=3,
                                                                                                          org="Treant")
    limesurvey_csv(raw / "zinn.csv", a)
    forms_xlsx(raw / "zhg.xlsx", b)
    qualtrics_csv(raw / "treant.csv", c)
    (raw / "LEESMIJ.md").write_text("geen export")  # ignored in a folder
    res = _run([raw], out=tmp_path / "out")
    assert res.n_in == res.n_kept == 9
    assert list(res.data.columns) == CONTRACT
    assert res.data["organisation"].value_counts().to_dict() == {"ZINN": 4, "Zonnehuisgroep Noord": 3, "Treant": 2}
    assert set(res.data["role"]) == {"leidinggevende", "zorgmedewerker"}
    loaded = load_round(tmp_path / "out", "2022-05")
    assert list(loaded.columns) == CONTRACT and len(loaded) == 9
    assert str(loaded["team_size"].dtype) == "Int64" and loaded["source_row"].dtype == np.int64
    assert pd.api.types.is_datetime64_any_dtype(loaded["submitted"])
    for item in ITEMS:
        assert loaded[item].dtype == np.float64
    # every kept value equals the known answer
    zinn = loaded[loaded["source_file"] == "zinn.csv"].sort_values("source_row")
    np.testing.assert_array_equal(zinn[ITEMS].to_numpy(), [[p["answers"][i] for i in ITEMS] for p in a])
    assert (tmp_path / "out" / "2022-05_log.csv").exists()
    files = res.to_frame()
    assert (files["n_in"] == files["n_kept"] + files["n_dropped"]).all()


def test_unknown_organisation_names_file_row_and_suggestion(tmp_path):
    people = make_people(3)
    people[1]["organisation"] = "Zonehuisgroep Nord"
    with pytest.raises(InputError) as exc:
        _run(limesurvey_csv(tmp_path / "org.csv", people))
    msg = str(exc.value)
    assert "org.csv" in msg and "rij 3" in msg and "Zonehuisgroep Nord" in msg
    assert "Bedoelt u 'Zonnehuisgroep Noord'" in msg and "alias" in msg


def test_unknown_role_error_unknown_sector_missing_and_logged(tmp_path):
    people = make_people(2)
    people[0]["role"] = "prakijkopleider"
    with pytest.raises(InputError, match=r"rij 2.*Bedoelt u 'praktijkopleider'"):
        _run(limesurvey_csv(tmp_path / "r.csv", people))
    people[0]["role"] = "praktijk opleider"
    people[1]["sector"] = "ruimtevaart"
    res = _run(limesurvey_csv(tmp_path / "r.csv", people))
    assert res.data["role"].tolist() == ["praktijkopleider", "zorgmedewerker"]
    assert res.data["sector"].tolist() == ["wijkverpleging", None]
    (line,) = res.log[res.log["reason_code"] == "onbekende_sector"].itertuples()
    assert (line.source_row, line.old_value, line.action) == (3, "ruimtevaart", "gewijzigd")


def _with_bad_values(tmp_path):
    people = make_people(3)
    path = limesurvey_csv(tmp_path / "v.csv", people, answers="number")
    lines = path.read_bytes().decode("cp1252").split("\r\n")
    cells = lines[2].split(";")
    cells[16], cells[20] = '"6"', '"vaak"'  # REFL1 out of range, REFL5 unknown label, both row 3
    lines[2] = ";".join(cells)
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    return path


def test_out_of_range_and_unknown_labels_logged_or_strict(tmp_path):
    path = _with_bad_values(tmp_path)
    res = _run(path)
    changed = res.log[res.log["action"] == "gewijzigd"].set_index("column")
    assert changed.loc["REFL1", "old_value"] == "6" and changed.loc["REFL1", "source_row"] == 3
    assert changed.loc["REFL5", "reason_code"] == "onbekend_label"
    assert res.n_changed_by_reason == {"buiten_bereik": 1, "onbekend_label": 1}
    assert np.isnan(res.data.loc[res.data["source_row"] == 3, "REFL1"]).all()
    assert len(res.warnings()) == 2 and all(w.startswith("Waarschuwing") for w in res.warnings())
    with pytest.raises(InputError) as exc:
        _run(path, strict=True)
    msg = str(exc.value)
    assert "v.csv" in msg and "REFL1" in msg and "rij 3" in msg and "'6'" in msg and "REFL5" in msg


def test_pseudonyms_stable_across_rounds_and_salt_dependent(tmp_path):
    people = make_people(3)
    r1 = clean_files(limesurvey_csv(tmp_path / "a.csv", people), round_name="2021-11", salt=SALT)
    for p in people:  # same code, other formatting, next round
        p["code"] = " " + p["code"].lower()[:2] + "-" + p["code"][2:] + " "
    r2 = clean_files(forms_xlsx(tmp_path / "b.xlsx", people), round_name="2022-05", salt=SALT)
    assert r1.data["respondent"].tolist() == r2.data["respondent"].tolist()
    assert all(re.fullmatch(r"p-[0-9a-f]{12}", r) for r in r1.data["respondent"])
    r3 = clean_files(tmp_path / "a.csv", round_name="2021-11", salt="other-salt")
    assert not set(r3.data["respondent"]) & set(r1.data["respondent"])
    assert r1.data["respondent"][0] == pseudonym("code:ab0000", SALT)  # HMAC of the normalised code "AB0000"
    assert r1.data["respondent"].nunique() == 3


def test_without_personal_code_pseudonym_from_source_id(tmp_path):
    rows = [["id", "organisatie", "team", "rol"] + ITEMS]
    rows += [[str(i), "ZINN", "A", "manager"] + [str(1 + (i + k) % 5) for k in range(len(ITEMS))] for i in range(3)]
    res = _run(_write_csv(tmp_path / "n.csv", rows))
    assert res.data["respondent"].nunique() == 3
    res2 = _run(_write_csv(tmp_path / "n2.csv", rows))
    assert not set(res.data["respondent"]) & set(res2.data["respondent"])  # other export, other people


def test_salt_file_created_once_with_notice(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("INFORMEEL_SALT", raising=False)
    monkeypatch.chdir(tmp_path)
    first = get_salt()
    assert (tmp_path / SALT_FILE).read_text().strip() == first and len(first) == 64
    assert "salt" in capsys.readouterr().err
    assert get_salt() == first
    monkeypatch.setenv("INFORMEEL_SALT", "uit-omgeving")
    assert get_salt() == "uit-omgeving"


def test_identifiers_absent_from_parquet_and_log(tmp_path):
    people = make_people(3)
    people[0]["open"] = "Mail me: j.jansen@example.nl of bel 06-12345678."
    people[1]["open"] = "Mijn nummer is +31 6 1234 5678"
    forms_xlsx(tmp_path / "f.xlsx", people)
    limesurvey_csv(tmp_path / "l.csv", make_people(2, seed=5))
    out = tmp_path / "out"
    res = _run([tmp_path / "f.xlsx", tmp_path / "l.csv"], out=out)
    parquet = (out / "2022-05.parquet").read_bytes()
    log = (out / "2022-05_log.csv").read_text(encoding="utf-8")
    secrets = ["example.nl", "Persoon 1", "10.0.0.1", "12345678", "1234 5678", "AB0000", "AB5001"]
    for secret in secrets:
        assert secret.encode() not in parquet and secret not in log, secret
    assert res.data["OPEN_THEMA"][0] == "Mail me: [e-mail] of bel [telefoonnummer]."
    assert res.data["OPEN_THEMA"][1] == "Mijn nummer is [telefoonnummer]"
    scrubbed = res.log[res.log["reason_code"] == "gegevens_verwijderd"]
    assert len(scrubbed) == 2 and scrubbed["old_value"].isna().all()  # one line per answer, kinds named
    assert "email (1)" in scrubbed["reason"].iloc[0] and "telefoon (1)" in scrubbed["reason"].iloc[0]
    assert "personal_code" not in res.data and "respondent_id" not in res.data


def test_obfuscated_contacts_names_and_own_code_are_deidentified_at_clean_time(tmp_path):
    people = make_people(4)
    people[0]["open"] = "Mail jan [at] zorg [punt] nl of bel 06.12.34.56.78 of (050) 123 45 67."
    people[1]["open"] = f"Ik vroeg het aan Annelies Brouwer; mijn code is {people[1]['code']}."
    people[2]["open"] = "Mijn IP is 192.168.1.20, mijn Belgische nummer +32 470 12 34 56."
    people[3]["team"] = "Team van Marieke de Vries"
    forms_xlsx(tmp_path / "f.xlsx", people)
    res = _run([tmp_path / "f.xlsx"], out=tmp_path / "out")
    text = " ".join(res.data["OPEN_THEMA"].astype(str)) + " ".join(res.data["team"].astype(str))
    for secret in ("jan", "zorg [punt]", "12.34", "123 45 67", "Annelies", "Brouwer", people[1]["code"],
                   "192.168", "470 12", "Marieke", "Vries"):
        assert secret not in text, secret
    assert "Team van [naam]" in set(res.data["team"])


def test_log_is_safe_in_a_spreadsheet_and_holds_no_typed_identifiers(tmp_path):
    from informeel_lib.io.cleaning import spreadsheet_safe

    frame = pd.DataFrame({"a": ["=HYPERLINK(1)", "+1", "-2", "@SUM", "\tx", "gewoon"], "b": range(6)})
    safe = spreadsheet_safe(frame)
    assert safe["a"].tolist() == ["'=HYPERLINK(1)", "'+1", "'-2", "'@SUM", "'\tx", "gewoon"]
    people = make_people(3)
    people[0]["sector"] = "=cmd|' /C calc'!A0"
    people[1]["sector"] = "bel Marieke de Vries 06-12345678"
    forms_xlsx(tmp_path / "f.xlsx", people)
    _run([tmp_path / "f.xlsx"], out=tmp_path / "out")
    log = pd.read_csv(tmp_path / "out" / "2022-05_log.csv", dtype=str, keep_default_na=False)
    for cell in log.to_numpy().ravel():
        assert not cell.startswith(("=", "+", "-", "@", "\t")), cell
    text = (tmp_path / "out" / "2022-05_log.csv").read_text(encoding="utf-8")
    assert "Marieke" not in text and "06-12345678" not in text


@pytest.mark.parametrize("text, expected", [
    ("bel 050-1234567 of 06 12 345 678", "bel [telefoonnummer] of [telefoonnummer]"),
    ("in 2022 leerden we 12 dingen", "in 2022 leerden we 12 dingen"),
    ("(contact: a.b-c@zorg.example.com)", "(contact: [e-mail])"),
])
def test_scrub_contacts(text, expected):
    assert scrub_contacts(text)[0] == expected


def test_duplicates_keep_last_submission(tmp_path):
    people = make_people(4)
    people[3]["code"] = people[1]["code"]  # same person again ...
    people[3]["start"] = people[1]["start"] - pd.Timedelta(days=1)  # ... but submitted earlier
    res = _run(limesurvey_csv(tmp_path / "d.csv", people))
    assert res.n_dropped_by_reason == {"dubbel": 1}
    (line,) = res.log[res.log["action"] == "verwijderd"].itertuples()
    assert line.source_row == 5 and "rij 3" in line.reason  # kept: the later submission in row 3
    assert sorted(res.data["source_row"]) == [2, 3, 4]


def test_duplicates_without_times_keep_file_order(tmp_path):
    rows = [["code", "organisatie", "team", "rol"] + ITEMS]
    for i, code in enumerate(["x1", "x2", "X-1"]):
        rows.append([code, "ZINN", "A", "manager"] + [str(1 + (i + k) % 5) for k in range(len(ITEMS))])
    res = _run(_write_csv(tmp_path / "d.csv", rows))
    assert sorted(res.data["source_row"]) == [3, 4]
    assert res.log.loc[res.log["reason_code"] == "dubbel", "source_row"].tolist() == [2]


@pytest.mark.parametrize("timed_first", [True, False])
def test_duplicates_with_a_missing_submission_time_keep_file_order(timed_first):
    """A missing time is not 'the latest' nor 'the earliest': with any time unknown, the last in the file counts."""
    answers = [[3, 4] * (len(ITEMS) // 2) + [3] * (len(ITEMS) % 2), [2, 4] * (len(ITEMS) // 2) + [2] * (len(ITEMS) % 2)]
    times = ["2022-05-03 10:00", ""] if timed_first else ["", "2022-05-01 10:00"]
    df = pd.DataFrame([["x1", "ZINN", "A", "manager", t, *a] for t, a in zip(times, answers)],
                      columns=["code", "organisatie", "team", "rol", "completion time", *ITEMS])
    res = clean([df], round_name="2022-05", salt=SALT)
    assert res.n_dropped_by_reason == {"dubbel": 1}
    (row,) = res.data.itertuples()
    assert row.source_row == 3  # the second row of the file (row 1 is the header) is kept either way
    assert getattr(row, ITEMS[0]) == answers[1][0]


def _timed(tmp_path, durations):
    people = make_people(len(durations))
    for p, d in zip(people, durations):
        p["duration"] = d
    return limesurvey_csv(tmp_path / "t.csv", people)


@pytest.mark.parametrize("rule", ["flag", "drop"])
def test_speeders(tmp_path, rule):
    # median 900 s -> limit max(60, 300) = 300: 250 is a speeder, 310 is not
    path = _timed(tmp_path, [900, 900, 250, 310, 1000, 900, 880])
    res = _run(path, speeders=rule)
    rows = res.log.loc[res.log["reason_code"] == "te_snel", "source_row"].tolist()
    assert rows == [4]
    if rule == "drop":
        assert res.n_dropped_by_reason == {"te_snel": 1} and 4 not in set(res.data["source_row"])
        assert not res.data["flag_speeder"].any()
    else:
        assert res.data.set_index("source_row")["flag_speeder"].to_dict()[4]
        assert res.data["flag_speeder"].sum() == 1 and res.n_kept == 7


def test_speeder_floor_of_sixty_seconds(tmp_path):
    res = _run(_timed(tmp_path, [100, 120, 110, 55]), speeders="flag")  # median 105 -> limit max(60, 35) = 60
    assert res.data.set_index("source_row")["flag_speeder"].to_dict() == {2: False, 3: False, 4: False, 5: True}


@pytest.mark.parametrize("rule", ["flag", "drop"])
def test_straightliners(tmp_path, rule):
    people = make_people(4)
    people[1]["answers"] = {it: 4 for it in ITEMS}  # straight line
    people[2]["answers"] = {it: 4 for it in ITEMS}
    people[2]["answers"]["REFL4"] = 2  # varies on a reversed item: not a straight-liner
    res = _run(limesurvey_csv(tmp_path / "s.csv", people), straightliners=rule)
    flagged = res.log.loc[res.log["reason_code"] == "rechte_lijn", "source_row"].tolist()
    assert flagged == [3]
    if rule == "drop":
        assert res.n_kept == 3 and res.n_dropped_by_reason == {"rechte_lijn": 1}
    else:
        assert res.data.set_index("source_row")["flag_straightliner"].to_dict() == {2: False, 3: True, 4: False,
                                                                                    5: False}


def test_straightliner_needs_eighty_percent_answered(tmp_path):
    rows = [["organisatie", "team", "rol"] + ITEMS]
    n = len(ITEMS)
    rows.append(["ZINN", "A", "manager"] + ["3"] * int(0.85 * n) + [""] * (n - int(0.85 * n)))
    rows.append(["ZINN", "A", "manager"] + ["3"] * int(0.7 * n) + [""] * (n - int(0.7 * n)))
    res = _run(_write_csv(tmp_path / "p.csv", rows))
    assert res.data["flag_straightliner"].tolist() == [True, False]


def test_empty_rows_dropped_and_invariant(tmp_path):
    rows = [["organisatie", "team", "rol"] + ITEMS,
            ["ZINN", "A", "manager"] + ["3", "4"] * (len(ITEMS) // 2) + ["1"],
            ["ZINN", "A", "manager"] + [""] * len(ITEMS),
            ["", "", ""] + ["2"] * len(ITEMS)]
    res = _run(_write_csv(tmp_path / "e.csv", rows))
    assert res.n_dropped_by_reason == {"geen_antwoorden": 1, "organisatie_ontbreekt": 1}
    assert res.n_in == 3 and res.n_kept == 1
    dropped = res.log[res.log["action"] == "verwijderd"]
    assert dropped["source_row"].tolist() == [3, 4]
    files = res.to_frame()
    assert files.loc[0, ["n_in", "n_kept", "n_dropped"]].tolist() == [3, 1, 2]
    assert list(res.log.columns) == LOG_COLUMNS


def test_invariant_is_checked_in_code(monkeypatch, tmp_path):
    from informeel_lib.io import cleaning

    people = make_people(3)
    exp = read_export(limesurvey_csv(tmp_path / "i.csv", people))
    real = cleaning._drop

    def leaky(frame, mask, code, reason_fn, log, rnd, dropped):
        out = real(frame, mask, code, reason_fn, log, rnd, dropped)
        return out.iloc[1:] if code == "dubbel" else out  # loses a row without accounting for it

    monkeypatch.setattr(cleaning, "_drop", leaky)
    with pytest.raises(RuntimeError, match="i.csv"):
        clean([exp], round_name="2022-05", salt=SALT)


def test_clean_accepts_raw_dataframes_and_summary_is_dutch():
    df = pd.DataFrame([["ZINN", "A", "manager"] + [3] * len(ITEMS), ["interzorg", "B", "l&o"] + [6, 7]
                       + [2] * (len(ITEMS) - 2)],
                      columns=["organisatie", "team", "rol"] + ITEMS)
    res = clean([df], round_name="2022-05", salt=SALT)
    assert res.data["organisation"].tolist() == ["ZINN", "Interzorg"]
    assert res.data["role"].tolist() == ["leidinggevende", "opleidingsadviseur"]
    assert res.n_changed_by_reason == {"buiten_bereik": 2}
    text = res.summary()
    assert "2 rijen ingelezen" in text and "2 bewaard" in text and "ontbrekend: 2" in text
    assert "CleaningResult(round_name='2022-05'" in repr(res)


def test_load_round_errors(tmp_path):
    with pytest.raises(InputError, match="draai eerst"):
        load_round(tmp_path, "2030-01")
    with pytest.raises(InputError, match="ronde op"):
        load_round(tmp_path)


def test_default_rules_match_the_command_line(tmp_path):
    res = _run(_timed(tmp_path, [100, 120, 110, 55]))
    assert res.n_dropped_by_reason == {"te_snel": 1} and not res.data["flag_speeder"].any()


def test_three_submissions_keep_the_last_and_log_each_dropped_row():
    """With three submissions the last one counts (by time, else file order); every dropped row is logged
    with its round, file and pseudonym."""
    answers = [[1 + (i + k) % 5 for k in range(len(ITEMS))] for i in range(3)]
    for times, kept in ((["2022-05-03 10:00", "2022-05-01 10:00", "2022-05-02 10:00"], 2),
                        (["", "", ""], 4)):
        df = pd.DataFrame([["x1", "ZINN", "A", "manager", t, *a] for t, a in zip(times, answers)],
                          columns=["code", "organisatie", "team", "rol", "completion time", *ITEMS])
        res = clean([df], round_name="2022-05", salt=SALT)
        assert res.data["source_row"].tolist() == [kept]
        dropped = res.log[res.log["reason_code"] == "dubbel"]
        assert sorted(dropped["source_row"]) == sorted({2, 3, 4} - {kept})
        assert (dropped["round"] == "2022-05").all() and dropped["source_file"].notna().all()
        assert (dropped["respondent"] == res.data["respondent"].iloc[0]).all()


def test_speeder_threshold_floor_fraction_and_missing_durations():
    from informeel_lib.io.cleaning import speeder_threshold

    assert speeder_threshold([30, 30, 30]) == 60.0  # the floor of sixty seconds
    assert speeder_threshold([]) == 60.0 and speeder_threshold([None, float("nan")]) == 60.0
    assert speeder_threshold([None, 300, 900, 600]) == pytest.approx(200.0)  # a third of the known median
    assert speeder_threshold([300], min_seconds=10, fraction=0.5) == 150.0
    assert speeder_threshold([None], min_seconds=0) == 0.0  # no known duration: no limit beyond the floor


def _refl_leid_codebook():
    """The demo codebook cut down to REFL (five items, REFL4 reversed) and LEID (five items, none reversed)."""
    from dataclasses import replace

    from informeel_lib.codebook import load_codebook

    cb = load_codebook()
    return replace(cb, scales={code: cb.scales[code] for code in ("REFL", "LEID")})


def test_straightliner_rule_edge_by_edge():
    from informeel_lib.io.cleaning import straightliner_mask

    cb = _refl_leid_codebook()
    refl, leid = cb.scales["REFL"].item_codes, cb.scales["LEID"].item_codes
    assert cb.scales["REFL"].reverse_items == ["REFL4"] and not cb.scales["LEID"].reverse_items
    nan = np.nan
    rows = {
        "all the same": [4] * 5 + [4] * 5,
        "varies on the mixed scale": [4, 4, 4, 2, 4] + [4] * 5,
        "same on the mixed scale only": [4] * 5 + [1, 2, 3, 4, 5],
        "one mixed item skipped": [4, 4, nan, 4, 4] + [3] * 5,  # 9 of 10 answered, the rest the same
        "exactly 80% answered": [2, 2, 2, 2, nan] + [3, 3, 3, 1, nan],
        "70% answered": [2, 2, 2, 2, nan] + [3, 3, 3, nan, nan],
    }
    frame = pd.DataFrame(list(rows.values()), index=list(rows), columns=refl + leid, dtype=float)
    assert straightliner_mask(frame, cb).to_dict() == {
        "all the same": True, "varies on the mixed scale": False, "same on the mixed scale only": True,
        "one mixed item skipped": True, "exactly 80% answered": True, "70% answered": False}
    assert straightliner_mask(frame, cb, min_answered=0.7)["70% answered"]
    # two answered items of the mixed scale can show a straight line; one cannot
    few = pd.DataFrame([[4, 4] + [nan] * 8, [4] + [nan] * 9], columns=refl + leid, dtype=float)
    assert straightliner_mask(few, cb, min_answered=0).tolist() == [True, False]
    # without a scale that holds reversed items there is nothing to contradict: nobody is a straight-liner
    from dataclasses import replace
    only_leid = replace(cb, scales={"LEID": cb.scales["LEID"]})
    assert straightliner_mask(frame, only_leid).equals(pd.Series(False, index=frame.index))


def test_straightliner_rule_is_the_row_wise_count_of_distinct_answers():
    """The vectorised rule (largest == smallest answer) marks exactly the rows that give one distinct answer on the
    mixed scales (pandas' row-wise nunique, the rule as first written), also with skipped items and empty rows."""
    from informeel_lib.io.cleaning import straightliner_mask

    cb = _refl_leid_codebook()
    columns = cb.scales["REFL"].item_codes + cb.scales["LEID"].item_codes
    rng = np.random.default_rng(5)
    values = rng.choice([1.0, 2.0, np.nan], size=(400, len(columns)), p=[0.45, 0.2, 0.35])
    values[:40] = 3.0  # straight lines
    values[40:50] = np.nan  # nothing answered
    frame = pd.DataFrame(values, columns=columns)
    block = frame[cb.scales["REFL"].item_codes]
    same = (block.nunique(axis=1, dropna=True) == 1) & (block.notna().sum(axis=1) >= 2)
    expected = (frame.notna().sum(axis=1) >= 0.8 * len(columns)) & same
    assert straightliner_mask(frame, cb).equals(expected) and expected.sum() >= 40


def test_straightliner_counts_answers_against_the_items_the_export_held():
    from informeel_lib.io.cleaning import straightliner_mask

    cb = _refl_leid_codebook()
    refl, leid = cb.scales["REFL"].item_codes, cb.scales["LEID"].item_codes
    # an export that held only the five REFL items: five answers are all of them
    frame = pd.DataFrame([[3] * 5 + [np.nan] * 5] * 2 + [[3] * 10], columns=refl + leid, dtype=float)
    frame["_n_available"] = [5, 0, 0]  # 0: unknown, so all items of the codebook count
    assert straightliner_mask(frame, cb).tolist() == [True, False, True]


def test_per_file_accounting_table_value_by_value():
    rows_a = [["x1", "ZINN", "A", "manager", "a@b.nl", "rood"] + [3] * len(ITEMS),
              ["x2", "ZINN", "A", "manager", "c@d.nl", "blauw"] + [9] + [2] * (len(ITEMS) - 1),
              ["x1", "ZINN", "A", "manager", "", ""] + [4] * len(ITEMS)]
    a = pd.DataFrame(rows_a, columns=["code", "organisatie", "team", "rol", "email", "kleur"] + ITEMS)
    b = pd.DataFrame([["y1", "Treant", "B", "manager"] + [3] * len(ITEMS)],
                     columns=["code", "organisatie", "team", "rol"] + ITEMS)
    files = clean([a, b], round_name="2022-05", salt=SALT).to_frame()
    assert files.to_dict("records") == [
        {"source_file": "dataframe1", "tool": "csv", "n_in": 3, "n_kept": 2, "n_dropped": 1,
         "identifier_columns_dropped": 1, "unmapped_columns": 1, "values_set_missing": 1},
        {"source_file": "dataframe2", "tool": "csv", "n_in": 1, "n_kept": 1, "n_dropped": 0,
         "identifier_columns_dropped": 0, "unmapped_columns": 0, "values_set_missing": 0}]


def test_handed_over_exports_are_released_once_prepared_with_the_same_result(monkeypatch):
    """clean_files hands its exports over: each one's rows are released as soon as they are prepared (a large
    round then never holds the raw export beside the prepared rows), and the result is what clean gives."""
    from informeel_lib.io import cleaning

    rows_a = [["x1", "ZINN", "A", "manager", "a@b.nl"] + [3] * len(ITEMS),
              ["x2", "ZINN", "A", "manager", "c@d.nl"] + [9] + [2] * (len(ITEMS) - 1),
              ["x1", "ZINN", "A", "manager", ""] + [4] * len(ITEMS), ["", "", "", "", ""] + [np.nan] * len(ITEMS)]
    a = pd.DataFrame(rows_a, columns=["code", "organisatie", "team", "rol", "email"] + ITEMS)
    b = pd.DataFrame([["y1", "Treant", "B", "manager"] + [3] * len(ITEMS)],
                     columns=["code", "organisatie", "team", "rol"] + ITEMS)
    kept = clean([a, b], round_name="2022-05", salt=SALT)
    exports = [cleaning.export_from_frame(df, name=f"dataframe{i}", codebook=None) for i, df in enumerate((a, b), 1)]
    rows_when_released, memory_released = [], []
    real = cleaning._released
    monkeypatch.setattr(cleaning, "_released", lambda e: rows_when_released.append(len(e.data)) or real(e))
    monkeypatch.setattr(cleaning, "release_memory", lambda: memory_released.append(len(rows_when_released)))
    options = dict(round_name="2022-05", codebook=None, straightliners="flag", speeders="drop", strict=False,
                   salt=SALT, speeder_min_seconds=60.0, speeder_fraction=1 / 3, hand_over=True)
    small = [cleaning.export_from_frame(df, name=f"dataframe{i}", codebook=None) for i, df in enumerate((a, b), 1)]
    cleaning._clean(small, **options)
    assert memory_released == []  # a small round: no garbage collection per step (it costs more than it frees)
    rows_when_released.clear()
    monkeypatch.setattr(cleaning, "RELEASE_FROM_ROWS", 5)  # this round counts as large
    handed = cleaning._clean(exports, **options)
    assert exports == [] and rows_when_released == [4, 1]
    assert memory_released[:2] == [1, 2] and len(memory_released) == 7  # after each export and each copying step
    assert handed.data.equals(kept.data) and handed.log.equals(kept.log) and handed.files.equals(kept.files)
    assert handed.codebook_info == kept.codebook_info and handed.n_in == 5
    released = real(export_from_frame_a := cleaning.export_from_frame(a, name="x", codebook=None))
    assert len(released.data) == 0 and list(released.data.columns) == list(export_from_frame_a.data.columns)
    assert released.issues == export_from_frame_a.issues and released.source_rows == []


def test_a_row_lost_without_accounting_stops_cleaning_with_the_counts(monkeypatch):
    from informeel_lib.io import cleaning

    real = cleaning._drop

    def leaky(frame, mask, code, reason_fn, log, rnd, dropped):
        out = real(frame, mask, code, reason_fn, log, rnd, dropped)
        return out.iloc[1:] if code == "dubbel" else out

    monkeypatch.setattr(cleaning, "_drop", leaky)
    df = pd.DataFrame([["x1", "ZINN", "A", "manager"] + [3] * len(ITEMS)] * 3,
                      columns=["code", "organisatie", "team", "rol"] + ITEMS)
    with pytest.raises(RuntimeError) as info:
        clean([df.assign(code=["x1", "x2", "x1"])], round_name="2022-05", salt=SALT)
    assert str(info.value) == ("Interne fout in de opschoning: bestand 'dataframe1' heeft 3 rijen in, maar 1 bewaard "
                               "+ 1 verwijderd. Meld dit bij het onderzoeksteam.")


# --- no silent data errors (issue 11, finding 8) ------------------------------------------------------------

def _frame(codes, orgs=None):
    """One row per code, distinct answers per row (no straight lines), no submission times."""
    orgs = orgs or ["ZINN"] * len(codes)
    rows = [[code, org, "A", "manager", *[1 + (i + k) % 5 for k in range(len(ITEMS))]]
            for i, (code, org) in enumerate(zip(codes, orgs))]
    return pd.DataFrame(rows, columns=["code", "organisatie", "team", "rol", *ITEMS])


PLACEHOLDERS = ["nvt", "N.V.T.", "n.v.t", "geen", "Geen", "-", "x", "X", "onbekend", "ONBEKEND", "n/a", "xxx",
                "000", "?", " - ", "geen code", "weet niet"]


def test_placeholder_codes_never_make_people_duplicates():
    codes = PLACEHOLDERS + ["AB-12", "ab12"]  # the last two are one real person, typed twice
    res = clean([_frame(codes)], round_name="2022-05", salt=SALT)
    assert res.n_dropped_by_reason == {"dubbel": 1}
    assert res.n_kept == len(PLACEHOLDERS) + 1 and res.data["respondent"].is_unique
    logged = res.log[res.log["reason_code"] == "code_plaatshouder"]
    assert sorted(logged["source_row"]) == list(range(2, 2 + len(PLACEHOLDERS)))
    assert (logged["column"] == "personal_code").all() and "AB-12" not in res.log.to_string()
    assert res.n_changed_by_reason["code_plaatshouder"] == len(PLACEHOLDERS)


def test_a_placeholder_code_is_no_code():
    from informeel_lib.io.pseudonyms import is_placeholder_code, respondent_key

    for code in [*PLACEHOLDERS, "", "   ", None, "XXXX", "0000"]:
        assert is_placeholder_code(code), code
        assert respondent_key(code, tool="csv", source_id="r1") == "bron:csv:r1"
    for code in ["AB0000", "x1", "jan01", "12345", "GEEN12"]:
        assert not is_placeholder_code(code), code


def test_the_same_code_in_two_organisations_is_two_people():
    df = _frame(["AB12", "ab-12", "AB12", "CD34"], ["ZINN", "Treant", "ZINN", "Treant"])
    res = clean([df], round_name="2022-05", salt=SALT)
    # within ZINN row 4 is a duplicate of row 2; Treant's AB12 (row 3) is someone else
    assert res.n_dropped_by_reason == {"dubbel": 1}
    assert res.log.loc[res.log["reason_code"] == "dubbel", "source_row"].tolist() == [2]
    assert sorted(res.data["source_row"]) == [3, 4, 5] and res.data["respondent"].is_unique
    separated = res.log[res.log["reason_code"] == "code_meerdere_organisaties"]
    assert sorted(separated["source_row"]) == [2, 3, 4]
    kept = res.data.set_index("source_row")["respondent"]
    assert set(separated["respondent"]) == {kept[3], kept[4]} | {res.log.loc[res.log["reason_code"] == "dubbel",
                                                                            "respondent"].iloc[0]}
    # a code used in one organisation only keeps its usual pseudonym (stable across rounds)
    assert kept[5] == pseudonym("code:cd34", SALT)


def test_intake_notices_reach_the_log_the_warnings_and_the_summary(tmp_path, capsys):
    import openpyxl

    from informeel_lib import cli
    from tests.unit.test_intake import _plain_rows, _utf8_with_a_stray_cp1252_line

    raw = tmp_path / "raw"
    raw.mkdir()
    _utf8_with_a_stray_cp1252_line(raw)
    headings, rows = _plain_rows(6, org="Treant")
    book = openpyxl.Workbook()
    book.active.title = "Week 1"
    for title, part in (("Week 1", rows[:3]), ("Week 2", rows[3:]), ("Notities", [["vergeten te tellen"]])):
        sheet = book[title] if title in book.sheetnames else book.create_sheet(title)
        if title != "Notities":
            sheet.append(headings)
        for row in part:
            sheet.append(row)
    book["Week 2"].cell(row=2, column=len(headings)).value = "=2+2"
    book.save(raw / "treant.xlsx")
    res = _run([raw], out=tmp_path / "out")
    assert res.n_in == res.n_kept == 10
    assert sorted(res.files["source_file"]) == ["gemengd.csv", "treant.xlsx", "treant.xlsx [Week 2]"]
    noticed = res.log[res.log["reason_code"].isin(["tekencodering", "formule_zonder_waarde", "werkblad_genegeerd"])]
    assert sorted(zip(noticed["source_file"], noticed["source_row"], noticed["reason_code"])) == [
        ("gemengd.csv", 4, "tekencodering"), ("treant.xlsx", 1, "werkblad_genegeerd"),
        ("treant.xlsx [Week 2]", 2, "formule_zonder_waarde")]
    warnings = "\n".join(res.warnings())
    assert "bestand 'gemengd.csv': 1 regel(s) zonder geldige UTF-8" in warnings and "(regel 4)" in warnings
    assert "werkblad 'Notities' is niet ingelezen" in warnings and "formulecel" in warnings
    assert "Meldingen bij het inlezen:" in res.summary()
    assert cli.main(["clean", str(raw), "--round", "2022-05", "--out", str(tmp_path / "cli")]) == 0
    out, err = capsys.readouterr()
    assert "werkblad 'Notities'" in err and "regel 4" in err and "werkblad 'Notities'" in out


def test_a_file_whose_rows_are_all_dropped_is_accounted_with_none_kept():
    kept = pd.DataFrame([["x1", "ZINN", "A", "manager"] + [3] * len(ITEMS)], columns=["code", "organisatie", "team",
                                                                                       "rol"] + ITEMS)
    gone = pd.DataFrame([["y1", "", "B", "manager"] + [3] * len(ITEMS)] * 2, columns=kept.columns)
    files = clean([kept, gone.assign(code=["y1", "y2"])], round_name="2022-05", salt=SALT).to_frame()
    assert files[["source_file", "n_in", "n_kept", "n_dropped"]].values.tolist() == [["dataframe1", 1, 1, 0],
                                                                                     ["dataframe2", 2, 0, 2]]
