"""The synthetic network: structure, recoverable truth, dirty exports and the truth.json that lists the dirt."""

from __future__ import annotations

import csv
import functools
import io
import json
import re

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from informeel_lib import cli
from informeel_lib.codebook import load_codebook, normalise_text
from informeel_lib.synth import generate_network, write_network

CB = load_codebook()
ORGS = ["ZINN", "Interzorg", "Oosterlengte", "Zonnehuisgroep Noord", "Zorggroep Meander", "Treant"]
ROUNDS = ["2021-11", "2022-05", "2022-11"]
CONTRACT_COLUMNS = (["respondent", "round", "organisation", "team", "role", "sector", "team_size", "tenure",
                     "contract_hours", "duration_s", "submitted"] + CB.item_codes
                    + ["OPEN_THEMA", "OPEN_VOORBEELD", "flag_straightliner", "flag_speeder", "source_file",
                       "source_row"])
PREDICTORS = ["REFL", "EXPR", "LEID", "ZICHT", "VEIL", "FOUT", "AUTO", "COMP"]


# --- independent helpers (not using the generator's code) ----------------------------------------

def keyed_items(df: pd.DataFrame, scale: str) -> pd.DataFrame:
    items = df[CB.scales[scale].item_codes].astype(float).copy()
    for code in CB.scales[scale].reverse_items:
        items[code] = 6 - items[code]
    return items


def cronbach_alpha(items: pd.DataFrame) -> float:
    items = items.dropna()
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))


def scale_means(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({s: keyed_items(df, s).mean(axis=1) for s in CB.scales})


@pytest.fixture(scope="module")
def net():
    return generate_network(2021)


@pytest.fixture(scope="module")
def big():
    return generate_network(11, scale=4)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "raw"
    truth = write_network(out, seed=2021)
    return out, truth


# --- in-memory network ----------------------------------------------------------------------------

def test_same_seed_same_network_other_seed_differs():
    a, b = generate_network(7, scale=.3), generate_network(7, scale=.3)
    pd.testing.assert_frame_equal(a.responses, b.responses)
    pd.testing.assert_frame_equal(a.open_labels, b.open_labels)
    assert a.truth == b.truth
    c = generate_network(8, scale=.3)
    assert not c.responses[CB.item_codes].equals(a.responses[CB.item_codes])
    assert "SyntheticNetwork(seed=7" in repr(a) and "2021-11" in repr(a)


def test_columns_are_the_processed_contract_plus_personal_code(net):
    df = net.responses
    assert list(df.columns) == CONTRACT_COLUMNS + ["personal_code"]
    assert str(df["team_size"].dtype) == "Int64"
    for c in CB.item_codes + ["tenure", "contract_hours", "duration_s"]:
        assert df[c].dtype == np.float64, c
    assert pd.api.types.is_datetime64_any_dtype(df["submitted"])
    assert df["respondent"].str.fullmatch(r"p-[0-9a-f]{12}").all()
    assert not df["flag_straightliner"].any() and not df["flag_speeder"].any()
    assert not df.duplicated(["respondent", "round"]).any()
    # one pseudonym per personal code, stable over rounds
    assert df.groupby("personal_code")["respondent"].nunique().max() == 1
    assert df.groupby("respondent")["personal_code"].nunique().max() == 1
    assert set(df["role"]) <= {c.code for c in CB.roles}
    assert set(df["sector"]) <= {c.code for c in CB.sectors}


def test_structure_orgs_teams_sizes_roles_rounds(net):
    df = net.responses
    assert sorted(df["round"].unique()) == ROUNDS
    assert set(df["organisation"]) == set(ORGS)
    structure = net.truth["structure"]
    assert set(structure) == set(ORGS)
    sizes = []
    for org, teams in structure.items():
        assert 8 <= len(teams) <= 15, org
        assert len({t["team"] for t in teams}) == len(teams)
        sizes += [t["size"] for t in teams]
        # every team is seen in the data, with at most its head count of respondents per round
        per_team = df[df["organisation"] == org].groupby(["round", "team"]).size()
        head = {t["team"]: t["size"] for t in teams}
        assert all(n <= head[team] for (_, team), n in per_team.items())
    assert min(sizes) >= 2 and max(sizes) <= 20
    assert sum(s < 5 for s in sizes) >= 6
    # at most one leidinggevende per team and round; most teams have one answering
    lg = df[df["role"] == "leidinggevende"].groupby(["round", "organisation", "team"]).size()
    assert lg.max() == 1
    roles = df["role"].value_counts(normalize=True)
    assert roles["zorgmedewerker"] > .6 and 0 < roles["opleidingsadviseur"] < .05
    assert {"praktijkopleider", "werkbegeleider"} <= set(roles.index)


def test_people_mostly_answer_every_round_some_leave_some_join(net):
    df = net.responses
    by_round = {r: set(df.loc[df["round"] == r, "personal_code"]) for r in ROUNDS}
    first, last = by_round[ROUNDS[0]], by_round[ROUNDS[-1]]
    all_three = first & by_round[ROUNDS[1]] & last
    assert len(all_three) / len(first) > .5
    assert first - last and last - first  # leavers and joiners


def test_items_are_integers_1_to_5_with_realistic_means(net):
    items = net.responses[CB.item_codes]
    assert items.notna().all().all()
    assert set(np.unique(items.to_numpy())) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    keyed = pd.concat([keyed_items(net.responses, s) for s in CB.scales], axis=1)
    means = keyed.mean()
    non_fout = means.drop(CB.scales["FOUT"].item_codes)
    assert non_fout.between(3.1, 4.1).all(), non_fout[~non_fout.between(3.1, 4.1)]
    # reversed items are stored reversed: raw mean low, and raw answers correlate negatively with the scale
    for code in CB.reverse_items:
        scale = CB.scale_of(code)
        rest = keyed_items(net.responses, scale).drop(columns=code).mean(axis=1)
        assert items[code].mean() < 3
        assert np.corrcoef(items[code], rest)[0, 1] < -.15, code
    # negative skew on a typical item
    assert items["LEID1"].skew() < 0


def test_alphas_close_to_population_values(net):
    pop = net.truth["observed"]["alpha_population"]
    for r in ROUNDS:
        df = net.round(r)
        for scale in CB.scales:
            a = cronbach_alpha(keyed_items(df, scale))
            assert abs(a - pop[scale]) < .07, (r, scale, a, pop[scale])


def test_iwl_regression_recovers_observed_effects(big):
    df = big.round(ROUNDS[0])
    sm = scale_means(df)
    z = (sm - sm.mean()) / sm.std()
    X = np.column_stack([np.ones(len(z)), z[PREDICTORS].to_numpy()])
    beta, *_ = np.linalg.lstsq(X, z["IWL"].to_numpy(), rcond=None)
    truth = big.truth["observed"]["observed_effects"]
    for i, p in enumerate(PREDICTORS):
        assert abs(beta[1 + i] - truth[p]) < .08, (p, beta[1 + i], truth[p])
    # signs and rough size of the bivariate correlations with informal learning
    r = sm.corr()["IWL"]
    assert r["REFL"] > .3 and r["EXPR"] > .25 and r["ZICHT"] > .2 and r["FOUT"] < -.1
    assert r["DUUR"] > .1 and r["BIND"] > .1


def test_truth_latent_parameters_and_population_values(net):
    t = net.truth
    json.dumps(t)  # serialisable
    lat = t["latent"]
    for code, lam in lat["loadings"].items():
        lo, hi = (.45, .55) if code in CB.reverse_items else (.65, .80)
        assert lo <= lam <= hi, code
    fc = lat["factor_correlations"]
    for a, b in [("LEID", "ZICHT"), ("LEID", "VEIL"), ("LEID", "EXPR"), ("ZICHT", "VEIL"), ("ZICHT", "EXPR"),
                 ("VEIL", "EXPR")]:
        assert .40 <= fc[a][b] <= .55
    assert fc["VEIL"]["FOUT"] == pytest.approx(-.45) and fc["AUTO"]["EXPR"] == pytest.approx(.40)
    phi = np.array([[fc[a][b] for b in PREDICTORS] for a in PREDICTORS])
    beta = np.array([lat["structural"]["IWL"][p] for p in PREDICTORS])
    assert beta @ phi @ beta == pytest.approx(lat["r2"]["IWL"], abs=1e-3)
    assert .3 <= lat["r2"]["IWL"] <= .4
    assert all(.10 <= lat["team_icc"][s] <= .15 for s in ["LEID", "ZICHT", "VEIL", "EXPR", "FOUT", "REFL"])
    obs = t["observed"]
    assert set(obs["observed_icc"]) == set(CB.scales)
    assert obs["observed_icc"]["LEID"] > obs["observed_icc"]["DUUR"]
    assert 0 < obs["observed_effects"]["REFL"] and obs["observed_effects"]["FOUT"] < 0
    steps = lat["round_shifts"]
    assert any(steps[o][ROUNDS[-1]] > 0 for o in ORGS) and any(steps[o][ROUNDS[-1]] == 0 for o in ORGS)
    assert sum(steps[o][ROUNDS[-1]] < 0 for o in ORGS) == 1
    ch = obs["observed_round_change"]
    assert ch["ZINN"]["LEID"][ROUNDS[1]] > .05 and ch["Zorggroep Meander"]["LEID"][ROUNDS[1]] < -.05
    assert abs(ch["Interzorg"]["LEID"][ROUNDS[1]]) < .02
    assert ch["ZINN"]["FOUT"][ROUNDS[1]] < 0  # error avoidance falls where the climate improves


def test_sample_icc_and_round_change_follow_truth(big):
    df = big.responses
    sm = scale_means(df)
    sm[["round", "organisation", "team"]] = df[["round", "organisation", "team"]]
    first = sm[sm["round"] == ROUNDS[0]]
    groups = first.groupby(["organisation", "team"])

    def icc1(col):
        k = groups.size().mean()
        msb = (groups[col].mean().sub(first[col].mean()) ** 2 * groups.size()).sum() / (groups.ngroups - 1)
        msw = ((first[col] - groups[col].transform("mean")) ** 2).sum() / (len(first) - groups.ngroups)
        return (msb - msw) / (msb + (k - 1) * msw)

    climate = np.mean([icc1(s) for s in ["LEID", "ZICHT", "VEIL", "EXPR", "FOUT", "REFL"]])
    truth_climate = np.mean([big.truth["observed"]["observed_icc"][s]
                             for s in ["LEID", "ZICHT", "VEIL", "EXPR", "FOUT", "REFL"]])
    assert abs(climate - truth_climate) < .05
    means = sm.groupby(["organisation", "round"])["LEID"].mean()
    truth = big.truth["observed"]["observed_round_change"]
    for org in ORGS:
        change = means[(org, ROUNDS[-1])] - means[(org, ROUNDS[0])]
        expected = sum(truth[org]["LEID"].values())
        assert abs(change - expected) < .15, (org, change, expected)


def test_population_truth_is_computed_once_per_parameter_set():
    from informeel_lib.synth import model as synth

    generate_network(3, scale=.3)
    before = synth._population_truth.cache_info()
    generate_network(4, scale=.3)
    after = synth._population_truth.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses


def test_open_answers_labels_and_variety(net):
    ol = net.open_labels
    assert list(ol.columns[:5]) == ["respondent", "round", "question", "text", "label"]
    assert set(ol["label"]) == {"zelfgestuurd", "incidenteel", "tacit", "onbekend"}
    for q in ("OPEN_VOORBEELD", "OPEN_THEMA"):
        sub = ol[ol["question"] == q]
        assert set(sub["label"]) == {"zelfgestuurd", "incidenteel", "tacit", "onbekend"}
        # missing answers exist and have no label row
        assert net.responses[q].isna().mean() > .05
        assert len(sub) == net.responses[q].notna().sum()
        real = sub[sub["label"] != "onbekend"]
        assert real["text"].nunique() > .5 * len(real)
    # texts in open_labels are the texts in the responses
    merged = ol.merge(net.responses, on=["respondent", "round"])
    assert (merged.apply(lambda r: r[r["question"]] == r["text"], axis=1)).all()
    voorbeeld = ol[ol["question"] == "OPEN_VOORBEELD"]
    text = " ".join(voorbeeld["text"]).lower()
    for situation in ("wond", "tillift", "medicatie", "dementie", "overdracht", "ecd", "palliatieve"):
        assert situation in text
    cues = {"zelfgestuurd": r"opgezocht|gevraagd|vroeg|vraag ik|wilde weten|wil weten|e-learning|uitgezocht|lezen"
                            r"|zocht",
            "incidenteel": r"merkte|fout|zag|ontdekte|bleek|toeval|leerde ik|opeens",
            "tacit": r"gaandeweg|vanzelf|zonder|niet precies|ongemerkt|gewoon in|automatische|op gevoel|erin"}
    for label, pattern in cues.items():
        texts = voorbeeld.loc[voorbeeld["label"] == label, "text"].str.lower()
        assert texts.str.contains(pattern).mean() > .95, label
    thema = " ".join(ol.loc[ol["question"] == "OPEN_THEMA", "text"]).lower()
    for channel in ("teamoverleg", "intranet", "nieuwsbrief", "niet besproken"):
        assert channel in thema
    # the clean network has no identifiers in open answers
    assert not net.responses[["OPEN_THEMA", "OPEN_VOORBEELD"]].stack().str.contains(r"@|<script|06-").any()


# --- exports ------------------------------------------------------------------------------------

def _read_file(out, info) -> tuple[pd.DataFrame, list[str]]:
    """The export as a DataFrame of strings/numbers with its (first-row) headings; plus raw text headings."""
    path = out / info["path"]
    tool = info["tool"]
    if tool == "limesurvey":
        df = pd.read_csv(path, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
        return df, list(df.columns)
    if tool == "qualtrics":
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        df = pd.DataFrame(rows[3:], columns=rows[0])
        return df, rows[1]
    if tool == "forms":
        df = pd.read_excel(path)
        return df, list(df.columns)
    df, meta = pyreadstat.read_sav(str(path))
    return df, [meta.column_names_to_labels[c] for c in df.columns]


def _item_columns(info, df, texts) -> dict[str, str]:
    """Map item code -> column of the export, using the documented headings."""
    text_to_code = {normalise_text(it.text): it.code for it in CB.items}
    out = {}
    for col, text in zip(df.columns, texts):
        if info["tool"] == "limesurvey":
            m = re.fullmatch(r"(\w+)\[(\w+)\]", col)
            if m:
                out[m.group(2)] = col
            elif col.endswith("]") and "[" in col:
                out[text_to_code[normalise_text(col[col.index("[") + 1:-1])]] = col
        elif info["tool"] == "qualtrics" and re.fullmatch(r"Q\d+_\d+", col):
            out[text_to_code[normalise_text(text.split(" - ", 1)[1])]] = col
        elif info["tool"] == "forms" and normalise_text(col) in text_to_code:
            out[text_to_code[normalise_text(col)]] = col
        elif info["tool"] == "spss" and col.upper() in CB.item_codes:
            out[col.upper()] = col
    return out


def _code_column(info, df, texts) -> str:
    wanted = {"code", "persoonlijke_code", normalise_text(CB.background["personal_code"]["text"])}
    for col, _text in zip(df.columns, texts):
        if normalise_text(col) in wanted or col in wanted or (info["tool"] == "qualtrics" and col == "Q1"):
            return col
    raise AssertionError(f"no personal code column in {info['file']}")


def _cell_value(cell):
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return None
    if isinstance(cell, (int, float, np.floating)):
        return float(cell)
    return _label_value(str(cell))


@functools.cache
def _label_value(cell: str):
    try:
        v = CB.label_value(cell)
    except KeyError:
        return "??" + str(cell)
    return None if v is None else float(v)


def test_export_files_formats_and_headings(written):
    out, truth = written
    assert truth["rounds"] == ROUNDS
    assert json.loads((out / "truth.json").read_text(encoding="utf-8"))["rounds"] == ROUNDS
    for k, rnd in enumerate(ROUNDS):
        files = truth["files"][rnd]
        assert sorted(p.name for p in (out / rnd).iterdir()) == sorted(f["file"] for f in files)
        tools = {f["organisation"]: f["tool"] for f in files}
        assert tools == {"ZINN": "limesurvey", "Interzorg": "limesurvey", "Oosterlengte": "forms",
                         "Zonnehuisgroep Noord": "forms", "Zorggroep Meander": "spss", "Treant": "qualtrics"}
        for info in files:
            df, texts = _read_file(out, info)
            assert len(df) == info["n_rows"]
            cols = list(df.columns)
            items = _item_columns(info, df, texts)
            assert sorted(items) == sorted(CB.item_codes), info["file"]
            if info["tool"] == "limesurvey":
                assert cols[:8] == ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate",
                                    "datestamp", "ipaddr"]
                assert cols[-1] == "interviewtime"
                raw = (out / info["path"]).read_bytes()
                assert raw.count(b'";"') > 0
                with pytest.raises(UnicodeDecodeError):
                    raw.decode("utf-8")
                if k == 1:
                    heading = ("Hoe kijk je naar je werk? [In ons team staan we regelmatig stil bij hoe het werk is "
                               "gegaan.]")
                    assert heading in cols
                    assert CB.background["organisation"]["text"] in cols
                else:
                    assert "REFL[REFL1]" in cols and "org" in cols and "functie" in cols
                labels = df[items["LEID1"]].str.strip().str.lower()
                assert set(labels) <= {"helemaal mee oneens", "mee oneens", "neutraal", "mee eens", "helemaal mee eens",
                                       "weet niet", "weet ik niet", ""}
            elif info["tool"] == "qualtrics":
                assert cols[:17] == ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
                                     "Finished", "RecordedDate", "ResponseId", "RecipientLastName",
                                     "RecipientFirstName", "RecipientEmail", "ExternalReference", "LocationLatitude",
                                     "LocationLongitude", "DistributionChannel", "UserLanguage"]
                rows = list(csv.reader(io.StringIO((out / info["path"]).read_bytes().decode("utf-8-sig"))))
                imports = [json.loads(c)["ImportId"] for c in rows[2]]
                assert imports[cols.index("Q10_1")] == "QID10_1"
                question = ("Hoe kijk je naar je werk? - In ons team staan we regelmatig stil bij hoe het werk is "
                            "gegaan.")
                assert texts[cols.index("Q10_1")] == question
                assert df["Q10_1"].isin(list(map(str.title, ["x"])) + ["Helemaal mee oneens", "Mee oneens", "Neutraal",
                                                                        "Mee eens", "Helemaal mee eens", "",
                                                                        "Weet niet", "weet niet", "Weet ik niet"]).all()
            elif info["tool"] == "forms":
                assert cols[:5] == ["ID", "Start time", "Completion time", "Email", "Name"]
                assert df["Email"].str.contains("@").all() and df["Name"].str.contains(" ").all()
                assert pd.api.types.is_datetime64_any_dtype(df["Completion time"])
                assert CB.open_questions["OPEN_VOORBEELD"] in cols
            else:
                d, meta = pyreadstat.read_sav(str(out / info["path"]))
                assert meta.column_names_to_labels["refl1"] == CB.item("REFL1").text
                assert meta.variable_value_labels["leid1"][5.0] == "helemaal mee eens"
                assert {"respondent_id", "duur", "organisatie", "team", "functie"} <= set(d.columns)


def test_truth_answers_match_file_contents_and_rows(written):
    out, truth = written
    for rnd in ROUNDS:
        per = truth["per_round"][rnd]
        answers = per["answers"]
        dups = {d["personal_code"]: d for d in per["dirt"]["duplicates"]}
        seen = 0
        for info in truth["files"][rnd]:
            df, texts = _read_file(out, info)
            items = _item_columns(info, df, texts)
            codes = df[_code_column(info, df, texts)].astype(str).to_numpy()
            sheet_rows = np.arange(len(df)) + info["header_rows"] + 1
            expected_rows = np.array([answers[c]["row"] for c in codes])
            kept = expected_rows == sheet_rows
            for code, row in zip(codes[~kept], sheet_rows[~kept]):  # the earlier, dropped duplicates
                assert dups[code]["drop_row"] == row and dups[code]["keep_row"] == answers[code]["row"]
            assert {answers[c]["file"] for c in codes} == {info["file"]}
            seen += int(kept.sum())
            order = list(items)
            cells = df.loc[kept, [items[c] for c in order]]
            got = cells.apply(lambda col: col.map(_cell_value)).to_numpy(dtype=object)
            want = np.array([[answers[c][i] for i in order] for c in codes[kept]], dtype=object)
            for (r, j) in zip(*np.nonzero(want != got)):
                # an expected None is a blank, "weet niet" or an out-of-range number in the file
                assert want[r, j] is None and got[r, j] not in (1, 2, 3, 4, 5), (
                    info["file"], codes[kept][r], order[j], got[r, j], want[r, j])
            assert sum(w is None for w in want.ravel()) > 0
        assert seen == len(answers) == sum(v["count"] for v in per["respondents"].values())
        assert per["n_rows_written"] == sum(f["n_rows"] for f in truth["files"][rnd])


def test_planted_dirt_is_present_where_truth_says(written):
    out, truth = written
    for rnd in ROUNDS:
        per = truth["per_round"][rnd]
        dirt = per["dirt"]
        frames = {}
        for info in truth["files"][rnd]:
            df, texts = _read_file(out, info)
            frames[info["file"]] = (info, df, texts)

        def row_of(file, row, frames=frames):
            info, df, _texts = frames[file]
            return df.iloc[row - info["header_rows"] - 1]

        assert len(dirt["duplicates"]) >= 3 and len(dirt["straightliners"]) >= 2 and len(dirt["speeders"]) >= 2
        for d in dirt["duplicates"]:
            info, df, texts = frames[d["file"]]
            code_col = _code_column(info, df, texts)
            assert row_of(d["file"], d["drop_row"])[code_col] == d["personal_code"]
            assert row_of(d["file"], d["keep_row"])[code_col] == d["personal_code"]
            assert d["drop_row"] < d["keep_row"]  # exports are in submission order: the later one counts
            assert d["personal_code"] in per["respondents"][info["organisation"]]["personal_codes"]
        for s in dirt["straightliners"]:
            info, df, texts = frames[s["file"]]
            row = row_of(s["file"], s["row"])
            values = {_cell_value(row[c]) for c in _item_columns(info, df, texts).values()}
            assert values == {float(s["value"])}
        durations = {"limesurvey": "interviewtime", "qualtrics": "Duration (in seconds)", "spss": "duur"}
        for s in dirt["speeders"]:
            info, df, texts = frames[s["file"]]
            row = row_of(s["file"], s["row"])
            if info["tool"] == "forms":
                secs = (row["Completion time"] - row["Start time"]).total_seconds()
            else:
                secs = float(row[durations[info["tool"]]])
            assert secs < 100 and secs == pytest.approx(s["duration_s"], abs=1)
        assert any(o["file"].endswith(".sav") for o in dirt["out_of_range"])
        for o in dirt["out_of_range"]:
            row = row_of(o["file"], o["row"])
            assert float(row[o["column"]]) == float(o["value"])
            if o["field"] in CB.item_codes:
                assert o["value"] in (0, 6, 9)
                assert per["answers"][o["personal_code"]][o["field"]] is None
        assert dirt["organisation_variants"]
        assert any(v["value"] != v["value"].strip() for v in dirt["organisation_variants"])
        assert any(v["value"].upper() == v["value"] for v in dirt["organisation_variants"])
        for v in dirt["organisation_variants"]:
            info, df, texts = frames[v["file"]]
            col = next(c for c, t in zip(df.columns, texts)
                       if normalise_text(c) in ("org", "organisatie") or t == CB.background["organisation"]["text"])
            assert row_of(v["file"], v["row"])[col] == v["value"]
            assert CB.resolve_organisation(v["value"]) == v["organisation"] != v["value"]
        kinds = {i["kind"] for i in dirt["identifiers_in_open_answers"]}
        assert kinds == {"email", "phone", "name", "script"}
        for ident in dirt["identifiers_in_open_answers"]:
            info, df, texts = frames[ident["file"]]
            col = next(c for c, t in zip(df.columns, texts)
                       if normalise_text(c) == normalise_text(ident["question"])
                       or CB.open_questions[ident["question"]] in (c, t))
            assert ident["planted"] in str(row_of(ident["file"], ident["row"])[col])
            assert ident["planted"] in per["answers"][ident["personal_code"]][ident["question"]]
        assert dirt["missing_cells"] and any(m["value"] for m in dirt["missing_cells"])
        # true labels cover the respondents' open answers
        assert {lab["label"] for lab in per["open_labels"]} == {"zelfgestuurd", "incidenteel", "tacit", "onbekend"}
        assert {lab["personal_code"] for lab in per["open_labels"]} <= set(per["answers"])


def test_truth_stays_out_of_the_round_folders_and_the_clean_data(written):
    out, truth = written
    assert (out / "truth.json").exists()
    for rnd in ROUNDS:
        assert not list((out / rnd).glob("*.json"))
    # no e-mail/name identifiers of the exports end up in the expected (processed) answers' columns
    answer = next(iter(truth["per_round"][ROUNDS[0]]["answers"].values()))
    assert not {"email", "name", "first_name", "last_name", "ipaddr"} & set(answer)


def test_cli_writes_byte_identical_exports(written, tmp_path, capsys):
    out, _ = written
    again = tmp_path / "again"
    assert cli.main(["synth", "--out", str(again), "--seed", "2021"]) == 0
    printed = capsys.readouterr().out
    assert "Synthetisch netwerk geschreven" in printed and "respondenten" in printed
    for path in sorted(out.rglob("*")):
        if path.is_file():
            assert (again / path.relative_to(out)).read_bytes() == path.read_bytes(), path.name


def test_example_survey_answers_each_scale_on_its_own_response_scale():
    """A codebook that mixes response scales (the tests' questionnaire: 7-point and a 5-point frequency scale):
    every item stays on its own scale's range and reaches both ends of it."""
    from informeel_lib.codebook import load_codebook
    from informeel_lib.synth.example import example_survey
    from tests.support.own_questionnaire import ROUND_1, TRUTH

    cb = load_codebook(TRUTH[ROUND_1])
    assert cb.has_mixed_response_scales
    data = example_survey(400, seed=5, codebook=cb)
    for code, scale in cb.scales.items():
        lo, hi = cb.item_range(code)
        answers = data[scale.item_codes]
        assert answers.min().min() == lo and answers.max().max() == hi, code
