"""Recovery: write the synthetic network's dirty exports, clean every round, compare with truth.json."""

import json
import math

import pandas as pd
import pytest

from informeel_lib.codebook import load_codebook
from informeel_lib.deidentify import deidentify
from informeel_lib.io.cleaning import clean_files
from informeel_lib.io.pseudonyms import pseudonym, respondent_key
from informeel_lib.synth import exports as synth_export

CB = load_codebook()
SALT = "recovery-salt"
NUMBERS = ("team_size", "tenure", "contract_hours")


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    out = tmp_path_factory.mktemp("netwerk")
    synth_export.write_network(out, seed=2021)
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    results = {}
    for rnd in truth["rounds"]:
        results[rnd] = clean_files(out / rnd, round_name=rnd, out=out / "processed", salt=SALT, speeders="drop",
                                   straightliners="flag")
    return out, truth, results


def _pseudo(code):
    return pseudonym(respondent_key(code, tool="", source_id=""), SALT)


def _same(expected, got):
    if expected is None:
        return got is None or (isinstance(got, float) and math.isnan(got)) or got is pd.NA
    if isinstance(expected, (int, float)):
        return got is not None and not pd.isna(got) and abs(float(got) - float(expected)) < 1e-9
    return got == expected


def test_counts_per_organisation_and_file_accounting(network):
    _, truth, results = network
    for rnd, res in results.items():
        expected = {org: v["count_without_speeders"] for org, v in truth["per_round"][rnd]["respondents"].items()}
        assert res.data["organisation"].value_counts().to_dict() == expected
        files = res.to_frame().set_index("source_file")
        for info in truth["files"][rnd]:
            assert files.loc[info["file"], "n_in"] == info["n_rows"]
            assert files.loc[info["file"], "tool"] == info["tool"]
        assert (files["n_in"] == files["n_kept"] + files["n_dropped"]).all()
        assert res.n_in == truth["per_round"][rnd]["n_rows_written"]


def test_every_kept_value_equals_truth(network):
    _, truth, results = network
    planted = {}
    for rnd in truth["rounds"]:
        for d in truth["per_round"][rnd]["dirt"]["identifiers_in_open_answers"]:
            planted[(rnd, d["personal_code"], d["question"])] = d
    speeders = {(rnd, s["personal_code"]) for rnd in truth["rounds"]
                for s in truth["per_round"][rnd]["dirt"]["speeders"]}
    for rnd, res in results.items():
        data = res.data.set_index("respondent")
        assert data.index.is_unique
        answers = truth["per_round"][rnd]["answers"]
        checked = 0
        for code, exp in answers.items():
            if (rnd, code) in speeders:
                assert _pseudo(code) not in data.index
                continue
            row = data.loc[_pseudo(code)]
            assert (row["source_file"], row["source_row"]) == (exp["file"], exp["row"])
            for col in ("organisation", "team", "role", "sector", *NUMBERS, *CB.item_codes):
                assert _same(exp[col], row[col]), (rnd, code, col, exp[col], row[col])
            assert abs(row["duration_s"] - exp["duration_s"]) < 1  # LimeSurvey adds hundredths
            assert row["submitted"] == pd.Timestamp(exp["submitted"])
            for q in CB.open_questions:
                dirt = planted.get((rnd, code, q))
                if dirt and dirt["kind"] in ("email", "phone"):
                    assert dirt["planted"] not in row[q]
                    assert ("[e-mail]" if dirt["kind"] == "email" else "[telefoonnummer]") in row[q]
                else:  # open answers are de-identified at clean time (deduce may take a place for a name)
                    expected = exp[q] if exp[q] is None else deidentify(exp[q], personal_codes=[code])[0]
                    assert row[q] == expected, (rnd, code, q)
            checked += 1
        assert checked == len(data)


def test_out_of_range_cells_missing_and_logged(network):
    _, truth, results = network
    for rnd, res in results.items():
        entries = truth["per_round"][rnd]["dirt"]["out_of_range"]
        assert entries
        changed = res.log[res.log["action"] == "gewijzigd"]
        for e in entries:
            hit = changed[(changed["source_file"] == e["file"]) & (changed["source_row"] == e["row"])
                          & (changed["column"] == e["field"])]
            assert len(hit) == 1 and hit["reason_code"].iloc[0] == "buiten_bereik"
            assert float(hit["old_value"].iloc[0]) == e["value"]
            kept = res.data[(res.data["source_file"] == e["file"]) & (res.data["source_row"] == e["row"])]
            if len(kept):  # the row may itself be a planted speeder or earlier duplicate (then dropped)
                assert kept["respondent"].iloc[0] == _pseudo(e["personal_code"])
                assert pd.isna(kept[e["field"]].iloc[0])
            else:
                dropped = res.log[(res.log["action"] == "verwijderd") & (res.log["source_file"] == e["file"])]
                assert e["row"] in set(dropped["source_row"])
        logged = changed[changed["reason_code"] == "buiten_bereik"]
        assert len(logged) == len(entries)  # nothing else was declared out of range


def test_duplicates_speeders_straightliners_as_planted(network):
    _, truth, results = network
    for rnd, res in results.items():
        dirt = truth["per_round"][rnd]["dirt"]
        log = res.log
        dropped = log[log["action"] == "verwijderd"]
        dup = {(r.source_file, r.source_row) for r in dropped[dropped["reason_code"] == "dubbel"].itertuples()}
        assert dup == {(d["file"], d["drop_row"]) for d in dirt["duplicates"]}
        kept = set(zip(res.data["source_file"], res.data["source_row"]))
        assert all((d["file"], d["keep_row"]) in kept for d in dirt["duplicates"])
        fast = {(r.source_file, r.source_row) for r in dropped[dropped["reason_code"] == "te_snel"].itertuples()}
        assert fast == {(s["file"], s["row"]) for s in dirt["speeders"]}
        flagged = res.data[res.data["flag_straightliner"]]
        assert set(zip(flagged["source_file"], flagged["source_row"])) == {
            (s["file"], s["row"]) for s in dirt["straightliners"]}
        assert set(dropped["reason_code"]) == {"dubbel", "te_snel"}


def test_no_identifiers_in_processed_files(network):
    out, truth, results = network
    for rnd in truth["rounds"]:
        parquet = (out / "processed" / f"{rnd}.parquet").read_bytes()
        log = (out / "processed" / f"{rnd}_log.csv").read_text(encoding="utf-8")
        table = pd.read_parquet(out / "processed" / f"{rnd}.parquet")
        text = "\n".join(map(str, table.to_numpy().ravel()))
        for d in truth["per_round"][rnd]["dirt"]["identifiers_in_open_answers"]:
            if d["kind"] in ("email", "phone"):
                assert d["planted"] not in text and d["planted"] not in log
                assert d["planted"].encode() not in parquet
        for code in list(truth["per_round"][rnd]["answers"])[:50]:
            assert code not in text and code not in log  # raw personal codes never written
        assert "@" not in text and "@" not in log
        assert not {"personal_code", "respondent_id"} & set(table.columns)
