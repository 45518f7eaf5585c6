"""Write the synthetic network as dirty survey-tool exports plus ``truth.json``.

``write_network(out, seed=...)`` simulates the network with
:func:`informeel_lib.synth.generate_network` and writes, per round, one export file per
organisation to ``out/<round>/`` in the format of the tool that organisation uses
(docs/data-contract.md), then ``out/truth.json``. Same seed -> byte-identical files (all
timestamps come from the seed; xlsx zip entries and the .sav header date are fixed).

Files and headings
------------------
``limesurvey_zinn.csv``, ``limesurvey_interzorg.csv`` (LimeSurvey)
    cp1252, ``;`` separator, every field double-quoted, one header row. Meta columns ``id``,
    ``submitdate``, ``lastpage``, ``startlanguage``, ``seed``, ``startdate``, ``datestamp``,
    ``ipaddr``. In rounds 1 and 3 (round positions 0 and 2) the headings are codes: background
    ``code``, ``org``, ``team``, ``functie``, ``sector``, ``teamgrootte``, ``dienstjaren``,
    ``uren``; array items ``REFL[REFL1]`` (question code = scale code, subquestion = item
    code); open questions ``OPEN_THEMA``, ``OPEN_VOORBEELD``. In round 2 LimeSurvey's "full
    question text" headings: background and open questions by their codebook question text,
    items as ``<group stem> [<item text>]`` (stems in ``LIMESURVEY_STEMS``; the meta columns
    keep their codes). Answers are Dutch labels ("Helemaal mee eens", sometimes in odd case or
    with a trailing space), "Weet niet" or blank; ``interviewtime`` (seconds, two decimals) is
    the last column.
``forms_oosterlengte.xlsx``, ``forms_zonnehuisgroep-noord.xlsx`` (Microsoft Forms)
    One sheet, header row ``ID``, ``Start time``, ``Completion time``, ``Email``, ``Name``, then
    each background question, Likert statement and open question headed by its full codebook
    text; answers as labels; start/completion as Excel date-times; Email/Name invented.
``spss_zorggroep-meander.sav`` (SPSS)
    Variables ``respondent_id``, ``submitdate`` (datetime), ``duur`` (seconds),
    ``persoonlijke_code``, ``organisatie``, ``team``, ``functie``, ``sector``, ``teamgrootte``,
    ``dienstjaren``, ``uren``, lowercase item codes (``refl1`` ...), ``open_thema``,
    ``open_voorbeeld``; variable labels are the codebook question/item texts; items are numeric
    1..5 with value labels (the Dutch labels); blanks are system-missing.
``qualtrics_treant.csv`` (Qualtrics)
    UTF-8 with BOM, ``,`` separator, CRLF, three header rows: column ids, question texts, and
    ``{"ImportId":...}``. Meta columns StartDate, EndDate, Status, IPAddress, Progress,
    Duration (in seconds), Finished, RecordedDate, ResponseId, RecipientLastName,
    RecipientFirstName, RecipientEmail, ExternalReference, LocationLatitude,
    LocationLongitude, DistributionChannel, UserLanguage; then ``Q1`` (personal code) ...
    ``Q8`` (background in codebook order), matrix items ``Q<10+s>_<j>`` with text
    ``"<stem> - <item text>"``, open questions ``Q30`` (OPEN_THEMA) and ``Q31``
    (OPEN_VOORBEELD). Answers as labels.

Row numbers in ``truth.json`` are spreadsheet rows with the header rows counted (first data row
is 2 for LimeSurvey, Forms and SPSS (variable names as the header), 4 for Qualtrics); each file
entry gives ``header_rows``.

Planted dirt (all listed per round in ``truth["per_round"][round]["dirt"]``)
    organisation spelling variants (codebook aliases, odd case, trailing spaces); role and
    sector written as aliases; team names with stray white space; blank and "Weet niet" item
    cells; out-of-range item values 0, 6 and 9 in the SPSS file and an out-of-range background
    number per round; duplicate submissions (same personal code twice; the earlier one, with
    partly different answers, must be dropped); straight-liners (all 47 items identical);
    speeders (duration 35-80 s and random answers); open answers with an e-mail address, a
    phone number, a person's name or ``<script>alert(1)</script>``. All names, addresses and
    numbers are invented.

``truth["per_round"][round]["answers"][personal_code]`` gives what a correct intake plus
cleaning should produce for the kept submission: canonical organisation, normalised team,
role and sector codes, numbers (None where out of range), items 1..5 raw (not reverse-keyed;
None where blank, "weet niet" or out of range), the open answers as written in the file,
plus ``file`` and ``row``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import load_codebook, normalise_text
from . import text as synth_text
from .model import DEFAULT_ROUNDS, generate_network

TOOLS = {
    "ZINN": ("limesurvey", "limesurvey_zinn.csv"),
    "Interzorg": ("limesurvey", "limesurvey_interzorg.csv"),
    "Oosterlengte": ("forms", "forms_oosterlengte.xlsx"),
    "Zonnehuisgroep Noord": ("forms", "forms_zonnehuisgroep-noord.xlsx"),
    "Zorggroep Meander": ("spss", "spss_zorggroep-meander.sav"),
    "Treant": ("qualtrics", "qualtrics_treant.csv"),
}
HEADER_ROWS = {"limesurvey": 1, "forms": 1, "spss": 1, "qualtrics": 3}
BACKGROUND = ("personal_code", "organisation", "team", "role", "sector", "team_size", "tenure", "contract_hours")
LIMESURVEY_CODES = {"personal_code": "code", "organisation": "org", "team": "team", "role": "functie",
                    "sector": "sector", "team_size": "teamgrootte", "tenure": "dienstjaren", "contract_hours": "uren"}
SPSS_NAMES = {"personal_code": "persoonlijke_code", "organisation": "organisatie", "team": "team",
              "role": "functie", "sector": "sector", "team_size": "teamgrootte", "tenure": "dienstjaren",
              "contract_hours": "uren"}
LIMESURVEY_STEMS = {
    "REFL": "Hoe kijk je naar je werk?", "AUTO": "Hoe kijk je naar je werk?", "COMP": "Hoe kijk je naar je werk?",
    "EXPR": "Hoe gaat leren in jouw team?", "LEID": "Hoe gaat leren in jouw team?",
    "ZICHT": "Hoe gaat leren in jouw team?",
    "VEIL": "Hoe is de sfeer in jouw team?", "FOUT": "Hoe is de sfeer in jouw team?",
    "IWL": "Wat doe je zelf om te leren?",
    "DUUR": "Hoe kijk je naar je toekomst in het werk?", "BIND": "Hoe kijk je naar je toekomst in het werk?",
}
LABELS = {1: "Helemaal mee oneens", 2: "Mee oneens", 3: "Neutraal", 4: "Mee eens", 5: "Helemaal mee eens"}
ROLE_VARIANTS = {
    "zorgmedewerker": ["Zorgmedewerker", "Zorgmedewerker", "Verzorgende IG", "Verpleegkundige", "Helpende"],
    "leidinggevende": ["Leidinggevende", "Leidinggevende", "Teamleider", "Teammanager"],
    "praktijkopleider": ["Praktijkopleider"],
    "werkbegeleider": ["Werkbegeleider", "Werkbegeleider", "Leerlingbegeleider"],
    "opleidingsadviseur": ["Opleidingsadviseur / L&O", "Adviseur leren en ontwikkelen"],
}
N_DUPLICATES, N_STRAIGHT, N_SPEEDERS, N_OOR_ITEMS = 4, 3, 3, 6
P_BLANK, P_DONT_KNOW, P_ORG_VARIANT = .01, .005, .3
FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


# --- small helpers ------------------------------------------------------------------------------

def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def _org_variant(rng, org: str, cb) -> str:
    """A spelling of ``org`` as people type it: alias, odd case, trailing space."""
    cat = next(c for c in cb.organisations if c.code == org)
    base = _pick(rng, [cat.code, *cat.aliases])
    style = int(rng.integers(4))
    base = [base, base.lower(), base.upper(), base.title()][style]
    if rng.random() < .5:
        base += " "
    return base


def _label_cell(rng, value: int, odd: bool) -> str:
    label = LABELS[value]
    if odd:
        u = rng.random()
        if u < .03:
            label = label.lower()
        elif u < .05:
            label = label + " "
        elif u < .06:
            label = label.upper()
    return label


def _fmt_time(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise_text(text)).strip("-")


def _person_rng(seed: int, code: str) -> np.random.Generator:
    return np.random.default_rng([seed, *code.encode()])


# --- building the records of one round ----------------------------------------------------------

def _records(net, rnd: str, cb, rng, seed: int) -> list[dict]:
    df = net.round(rnd)
    items = cb.item_codes
    recs = []
    for row in df.itertuples(index=False):
        r = row._asdict()
        prng = _person_rng(seed, r["personal_code"])
        first, last, _ = synth_text.fake_person(prng)
        org = r["organisation"]
        rec = {
            "personal_code": r["personal_code"], "organisation": org, "team": r["team"], "role": r["role"],
            "sector": r["sector"], "team_size": int(r["team_size"]), "tenure": float(r["tenure"]),
            "contract_hours": float(r["contract_hours"]), "duration": float(r["duration_s"]),
            "submitted": pd.Timestamp(r["submitted"]),
            "items": {c: (None if pd.isna(r[c]) else int(r[c])) for c in items},
            "OPEN_THEMA": r["OPEN_THEMA"], "OPEN_VOORBEELD": r["OPEN_VOORBEELD"],
            "first_name": first, "last_name": last,
            "email": f"{first[0].lower()}.{last.replace(' ', '').lower()}@{_slug(org)}.example.nl",
            "cells": {}, "kind": "kept",
        }
        # background spellings
        rec["cells"]["organisation"] = _org_variant(rng, org, cb) if rng.random() < P_ORG_VARIANT else org
        rec["cells"]["role"] = _pick(rng, ROLE_VARIANTS[r["role"]])
        sector_cat = next(c for c in cb.sectors if c.code == r["sector"])
        rec["cells"]["sector"] = sector_cat.label if rng.random() < .8 else _pick(rng,
                                                                                  list(sector_cat.aliases)).capitalize()
        team = r["team"]
        u = rng.random()
        if u < .04:
            team = team + " "
        elif u < .06:
            team = team.replace(" ", "  ", 1)
        rec["cells"]["team"] = team
        recs.append(rec)
    return recs


def _plant_dirt(recs: list[dict], rnd: str, cb, rng, k_round: int) -> dict:
    """Change records in place (values); returns dirt entries keyed by record id(s)."""
    items = cb.item_codes
    n = len(recs)
    order = rng.permutation(n)
    pos = 0

    def take(k):
        nonlocal pos
        out = [recs[i] for i in order[pos:pos + k]]
        pos += k
        return out

    dirt = {"duplicates": [], "straightliners": [], "speeders": []}
    # straight-liners
    for rec in take(N_STRAIGHT):
        v = int(rng.choice([3, 4, 4, 5]))
        rec["items"] = {c: v for c in items}
        rec["straight"] = v
        dirt["straightliners"].append(rec)
    # speeders
    for rec in take(N_SPEEDERS):
        rec["duration"] = float(rng.integers(35, 81))
        rec["items"] = {c: int(rng.integers(1, 6)) for c in items}
        rec["speeder"] = True
        dirt["speeders"].append(rec)
    # duplicates: an earlier, partly different submission of the same person
    for rec in take(N_DUPLICATES):
        early = {**rec, "cells": dict(rec["cells"]), "kind": "duplicate_earlier"}
        early["items"] = {c: (int(rng.integers(1, 6)) if (v is not None and rng.random() < .3) else v)
                          for c, v in rec["items"].items()}
        early["submitted"] = rec["submitted"] - pd.Timedelta(seconds=int(rng.integers(3600, 3 * 86400)))
        early["duration"] = float(np.round(np.exp(rng.normal(np.log(540), .35))))
        early["OPEN_VOORBEELD"] = None
        early["later"] = rec
        recs.append(early)
        dirt["duplicates"].append(early)
    # identifiers in open answers
    dirt["identifiers"] = []
    for kind in ("email", "phone", "name", "script"):
        for rec in take(2):
            q = "OPEN_VOORBEELD" if rng.random() < .6 else "OPEN_THEMA"
            text, planted = synth_text.plant_identifier(rng, rec[q], kind)
            rec[q] = text
            dirt["identifiers"].append((rec, q, kind, planted))
    return dirt


# --- per-tool cell rendering --------------------------------------------------------------------

def _item_heading(tool: str, code: str, cb, k_round: int) -> str:
    it = cb.item(code)
    if tool == "limesurvey":
        return f"{LIMESURVEY_STEMS[it.scale]} [{it.text}]" if k_round % 3 == 1 else f"{it.scale}[{code}]"
    if tool == "forms":
        return it.text
    if tool == "spss":
        return code.lower()
    raise ValueError(tool)  # pragma: no cover


def _background_heading(tool: str, key: str, cb, k_round: int) -> str:
    if tool == "limesurvey":
        return cb.background[key]["text"] if k_round % 3 == 1 else LIMESURVEY_CODES[key]
    if tool == "forms":
        return cb.background[key]["text"]
    if tool == "spss":
        return SPSS_NAMES[key]
    raise ValueError(tool)  # pragma: no cover


def _open_heading(tool: str, q: str, cb, k_round: int) -> str:
    if tool == "limesurvey":
        return cb.open_questions[q] if k_round % 3 == 1 else q
    if tool == "forms":
        return cb.open_questions[q]
    return q.lower()


def _number_cell(value: float):
    return int(value) if float(value).is_integer() else value


def _background_cells(rec: dict) -> dict:
    return {
        "personal_code": rec["personal_code"], "organisation": rec["cells"]["organisation"],
        "team": rec["cells"]["team"], "role": rec["cells"]["role"], "sector": rec["cells"]["sector"],
        "team_size": rec["cells"].get("team_size", rec["team_size"]),
        "tenure": rec["cells"].get("tenure", _number_cell(rec["tenure"])),
        "contract_hours": rec["cells"].get("contract_hours", _number_cell(rec["contract_hours"])),
    }


def _item_cell(rng, rec: dict, code: str, tool: str):
    """Cell content for an item; records blanks and 'weet niet' in rec['missing']."""
    if code in rec.get("oor", {}):
        return rec["oor"][code]
    v = rec["items"][code]
    if v is None:
        return None if tool == "spss" else ""
    if rec.get("straight") is None and not rec.get("speeder"):
        u = rng.random()
        if u < P_BLANK:
            rec.setdefault("missing", {})[code] = ""
            return None if tool == "spss" else ""
        if u < P_BLANK + P_DONT_KNOW and tool != "spss":
            cell = _pick(rng, ["Weet niet", "weet niet", "Weet ik niet"])
            rec.setdefault("missing", {})[code] = cell
            return cell
    if tool == "spss":
        return float(v)
    return _label_cell(rng, v, odd=(tool == "limesurvey"))


# --- writers ------------------------------------------------------------------------------------

def _write_limesurvey(path: Path, recs, cb, rng, k_round: int, id0: int) -> list[str]:
    head = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr"]
    head += [_background_heading("limesurvey", k, cb, k_round) for k in BACKGROUND]
    head += [_item_heading("limesurvey", c, cb, k_round) for c in cb.item_codes]
    head += [_open_heading("limesurvey", q, cb, k_round) for q in ("OPEN_THEMA", "OPEN_VOORBEELD")]
    head += ["interviewtime"]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(head)
    for i, rec in enumerate(recs):
        start = rec["submitted"] - pd.Timedelta(seconds=int(rec["duration"]))
        bg = _background_cells(rec)
        row = [id0 + i, _fmt_time(rec["submitted"]), 6, "nl", int(rng.integers(10**8, 10**9)), _fmt_time(start),
               _fmt_time(rec["submitted"]), f"10.{rng.integers(0, 255)}.{rng.integers(0, 255)}.{rng.integers(1, 255)}"]
        row += [bg[k] for k in BACKGROUND]
        row += [_item_cell(rng, rec, c, "limesurvey") for c in cb.item_codes]
        row += [rec["OPEN_THEMA"] or "", rec["OPEN_VOORBEELD"] or ""]
        row += [f"{rec['duration']:.2f}"]
        w.writerow(row)
    path.write_bytes(buf.getvalue().encode("cp1252"))
    return head


def _write_forms(path: Path, recs, cb, rng, k_round: int, id0: int) -> list[str]:
    from openpyxl import Workbook

    head = ["ID", "Start time", "Completion time", "Email", "Name"]
    head += [_background_heading("forms", k, cb, k_round) for k in BACKGROUND]
    head += [_item_heading("forms", c, cb, k_round) for c in cb.item_codes]
    head += [_open_heading("forms", q, cb, k_round) for q in ("OPEN_THEMA", "OPEN_VOORBEELD")]
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(head)
    for i, rec in enumerate(recs):
        end = rec["submitted"].to_pydatetime()
        start = end - dt.timedelta(seconds=int(rec["duration"]))
        bg = _background_cells(rec)
        row = [id0 + i, start, end, rec["email"], f"{rec['first_name']} {rec['last_name']}"]
        row += [bg[k] for k in BACKGROUND]
        row += [_item_cell(rng, rec, c, "forms") or None for c in cb.item_codes]
        row += [rec["OPEN_THEMA"], rec["OPEN_VOORBEELD"]]
        ws.append(row)
    fixed = dt.datetime(*FIXED_ZIP_TIME)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "Microsoft Forms"
    raw = io.BytesIO()
    wb.save(raw)
    path.write_bytes(_normalise_zip(raw.getvalue()))
    return head


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry timestamps and fixed document dates (byte-reproducible)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                                 rb"\g<1>2020-01-01T00:00:00Z\g<3>", content)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    return out.getvalue()


def _write_spss(path: Path, recs, cb, rng, k_round: int, id0: int, rnd: str) -> list[str]:
    import pyreadstat

    cols = {"respondent_id": [], "submitdate": [], "duur": []}
    for k in BACKGROUND:
        cols[SPSS_NAMES[k]] = []
    for c in cb.item_codes:
        cols[c.lower()] = []
    cols["open_thema"], cols["open_voorbeeld"] = [], []
    for i, rec in enumerate(recs):
        bg = _background_cells(rec)
        cols["respondent_id"].append(float(id0 + i))
        cols["submitdate"].append(rec["submitted"].to_pydatetime())
        cols["duur"].append(float(rec["duration"]))
        for k in BACKGROUND:
            v = bg[k]
            cols[SPSS_NAMES[k]].append(float(v) if k in ("team_size", "tenure", "contract_hours") else str(v))
        for c in cb.item_codes:
            v = _item_cell(rng, rec, c, "spss")
            cols[c.lower()].append(np.nan if v is None else float(v))
        cols["open_thema"].append(rec["OPEN_THEMA"] or "")
        cols["open_voorbeeld"].append(rec["OPEN_VOORBEELD"] or "")
    df = pd.DataFrame(cols)
    df["submitdate"] = pd.to_datetime(df["submitdate"]).astype("datetime64[ns]")
    labels = {"respondent_id": "Respondentnummer", "submitdate": "Datum en tijd van insturen",
              "duur": "Invultijd in seconden"}
    for k in BACKGROUND:
        labels[SPSS_NAMES[k]] = cb.background[k]["text"]
    for c in cb.item_codes:
        labels[c.lower()] = cb.item(c).text
    labels["open_thema"] = cb.open_questions["OPEN_THEMA"]
    labels["open_voorbeeld"] = cb.open_questions["OPEN_VOORBEELD"]
    value_labels = {c.lower(): {float(v): LABELS[v].lower() for v in LABELS} for c in cb.item_codes}
    pyreadstat.write_sav(df, str(path), file_label=f"Informeel leren in de zorg {rnd}",
                         column_labels=labels, variable_value_labels=value_labels)
    _fix_sav_header(path, rnd)
    return list(df.columns)


def _fix_sav_header(path: Path, rnd: str) -> None:
    """Replace ReadStat's creation date/time (wall clock) with a date fixed by the round."""
    data = bytearray(path.read_bytes())
    try:
        stamp = dt.datetime.strptime(rnd[:7], "%Y-%m") + dt.timedelta(days=27)
    except ValueError:
        stamp = dt.datetime(2021, 11, 28)
    date = stamp.strftime("%d %b %y").encode("ascii")[:9].ljust(9)
    data[92:101] = date
    data[101:109] = b"16:00:00"
    path.write_bytes(bytes(data))


def _qualtrics_layout(cb) -> list[tuple[str, str, str, str]]:
    """(column id, question text, import id, content key) for the question columns."""
    out = []
    for i, k in enumerate(BACKGROUND, start=1):
        out.append((f"Q{i}", cb.background[k]["text"], f"QID{i}_TEXT" if k in ("personal_code", "team") else f"QID{i}",
                    f"bg:{k}"))
    for s_i, scale in enumerate(cb.scales):
        for j, item in enumerate(cb.scales[scale].items, start=1):
            q = 10 + s_i
            out.append((f"Q{q}_{j}", f"{LIMESURVEY_STEMS.get(scale, 'Stellingen')} - {item.text}", f"QID{q}_{j}",
                        f"item:{item.code}"))
    out.append(("Q30", cb.open_questions["OPEN_THEMA"], "QID30_TEXT", "open:OPEN_THEMA"))
    out.append(("Q31", cb.open_questions["OPEN_VOORBEELD"], "QID31_TEXT", "open:OPEN_VOORBEELD"))
    return out


QUALTRICS_META = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/Amsterdam"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/Amsterdam"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Europe/Amsterdam"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("LocationLatitude", "Location Latitude", '{"ImportId":"locationLatitude"}'),
    ("LocationLongitude", "Location Longitude", '{"ImportId":"locationLongitude"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
]


def _write_qualtrics(path: Path, recs, cb, rng, k_round: int, id0: int) -> list[str]:
    layout = _qualtrics_layout(cb)
    head = [m[0] for m in QUALTRICS_META] + [c[0] for c in layout]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=",", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    w.writerow(head)
    w.writerow([m[1] for m in QUALTRICS_META] + [c[1] for c in layout])
    w.writerow([m[2] for m in QUALTRICS_META] + [f'{{"ImportId":"{c[2]}"}}' for c in layout])
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    for rec in recs:
        end = rec["submitted"]
        start = end - pd.Timedelta(seconds=int(rec["duration"]))
        bg = _background_cells(rec)
        meta = [_fmt_time(start), _fmt_time(end), "IP Address",
                f"145.{rng.integers(0, 255)}.{rng.integers(0, 255)}.{rng.integers(1, 255)}", 100,
                int(rec["duration"]), "True", _fmt_time(end + pd.Timedelta(seconds=1)),
                "R_" + "".join(rng.choice(alphabet, 15)), rec["last_name"], rec["first_name"], rec["email"], "",
                f"{53 + rng.random() * .6:.4f}", f"{6.3 + rng.random() * .9:.4f}", "email", "NL"]
        row = []
        for _, _, _, key in layout:
            kind, name = key.split(":")
            if kind == "bg":
                row.append(bg[name])
            elif kind == "item":
                row.append(_item_cell(rng, rec, name, "qualtrics"))
            else:
                row.append(rec[name] or "")
        w.writerow(meta + row)
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    return head


# --- main entry ---------------------------------------------------------------------------------

def _expected_answers(rec: dict, cb, file: str) -> dict:
    out = {"file": file, "row": rec["row"], "organisation": rec["organisation"], "team": rec["team"],
           "role": rec["role"], "sector": rec["sector"]}
    for k in ("team_size", "tenure", "contract_hours"):
        out[k] = None if k in rec.get("oor_background", {}) else rec[k]
    for c in cb.item_codes:
        v = rec["items"][c]
        out[c] = None if (v is None or c in rec.get("missing", {}) or c in rec.get("oor", {})) else v
    out["OPEN_THEMA"], out["OPEN_VOORBEELD"] = rec["OPEN_THEMA"], rec["OPEN_VOORBEELD"]
    out["duration_s"] = rec["duration"]
    out["submitted"] = _fmt_time(rec["submitted"])
    return out


def write_network(out, *, seed: int = 2021, rounds=None, scale: float = 1.0) -> dict:
    """Write the synthetic network as dirty tool exports to ``out/<round>/`` plus ``out/truth.json``.

    Parameters
    ----------
    out : str or Path
        Target directory (created if needed).
    seed : int
        Seed; the same seed gives byte-identical files.
    rounds : sequence of str, optional
        Round names (default 2021-11, 2022-05, 2022-11).
    scale : float
        Team-size multiplier passed to :func:`generate_network`.

    Returns
    -------
    dict
        The truth written to ``truth.json``: ``rounds``, ``files``, ``per_round`` (respondents,
        answers, open labels and planted dirt per round; see the module docstring) and ``model``
        (the generator's truth).

    Examples
    --------
    Writing the whole network takes about a minute (``informeel synth`` does this)::

        truth = write_network("data/raw", seed=2021)
        truth["per_round"]["2021-11"]["dirt"]["duplicates"][0]
    """

    rounds = tuple(rounds) if rounds is not None else DEFAULT_ROUNDS
    cb = load_codebook()
    net = generate_network(seed, rounds=rounds, scale=scale, codebook=cb)
    out = Path(out)
    truth = {"rounds": list(rounds), "seed": int(seed), "files": {}, "per_round": {}, "model": net.truth}
    labels = net.open_labels.merge(net.responses[["respondent", "round", "personal_code"]], on=["respondent", "round"])
    for k_round, rnd in enumerate(rounds):
        rng = np.random.default_rng([seed, 101, k_round])
        rdir = out / rnd
        rdir.mkdir(parents=True, exist_ok=True)
        recs = _records(net, rnd, cb, rng, seed)
        dirt = _plant_dirt(recs, rnd, cb, rng, k_round)
        by_org: dict[str, list] = {o: [] for o in TOOLS}
        for rec in recs:
            by_org[rec["organisation"]].append(rec)
        files_info, oor_entries = [], []
        for org_i, (org, (tool, fname)) in enumerate(TOOLS.items()):
            org_recs = sorted(by_org[org], key=lambda r: (r["submitted"], r["personal_code"], r["kind"]))
            header_rows = HEADER_ROWS[tool]
            if tool == "spss":  # SPSS string variables cannot keep trailing blanks
                for rec in org_recs:
                    rec["cells"]["organisation"] = rec["cells"]["organisation"].rstrip()
                    rec["cells"]["team"] = rec["cells"]["team"].rstrip()
            for i, rec in enumerate(org_recs):
                rec["row"], rec["file"] = i + header_rows + 1, fname
            # out-of-range values: items in SPSS, one background number per round elsewhere
            if tool == "spss":
                oor_entries += _plant_item_out_of_range(rng, org_recs, cb, fname)
            if org_i == k_round % len(TOOLS) and tool != "spss":
                oor_entries.append(_plant_background_out_of_range(rng, org_recs, cb, tool, fname, k_round))
            id0 = int(rng.integers(10, 500))
            writer = {"limesurvey": _write_limesurvey, "forms": _write_forms, "qualtrics": _write_qualtrics}.get(tool)
            if writer is None:
                headings = _write_spss(rdir / fname, org_recs, cb, rng, k_round, id0, rnd)
            else:
                headings = writer(rdir / fname, org_recs, cb, rng, k_round, id0)
            files_info.append({"file": fname, "path": f"{rnd}/{fname}", "tool": tool, "organisation": org,
                               "header_rows": header_rows, "n_rows": len(org_recs),
                               "encoding": {"limesurvey": "cp1252", "qualtrics": "utf-8-sig"}.get(tool),
                               "separator": {"limesurvey": ";", "qualtrics": ","}.get(tool),
                               "headings": headings})
        truth["files"][rnd] = files_info
        truth["per_round"][rnd] = _round_truth(recs, dirt, oor_entries, labels[labels["round"] == rnd], cb)
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=False), encoding="utf-8")
    return truth



def _plant_item_out_of_range(rng, org_recs: list, cb, fname: str) -> list[dict]:
    """Out-of-range item answers (0, 6, 9) in a few ordinary records of an SPSS file; their truth entries."""
    normal = [r for r in org_recs if r["kind"] == "kept" and not r.get("speeder") and r.get("straight") is None]
    entries = []
    for rec in (normal[int(j)] for j in rng.choice(len(normal), N_OOR_ITEMS, replace=False)):
        code = _pick(rng, cb.item_codes)
        value = float(_pick(rng, [0, 6, 9]))
        rec.setdefault("oor", {})[code] = value
        entries.append({"file": fname, "row": rec["row"], "column": code.lower(), "value": value,
                        "personal_code": rec["personal_code"], "field": code})
    return entries


def _plant_background_out_of_range(rng, org_recs: list, cb, tool: str, fname: str, k_round: int) -> dict:
    """One impossible background number (tenure 99, 72 contract hours, team size 0); its truth entry."""
    rec = org_recs[int(rng.integers(len(org_recs)))]
    key, value = _pick(rng, [("tenure", 99), ("contract_hours", 72), ("team_size", 0)])
    rec["cells"][key] = value
    rec.setdefault("oor_background", {})[key] = value
    heading = cb.background[key]["text"] if tool != "limesurvey" or k_round % 3 == 1 else LIMESURVEY_CODES[key]
    if tool == "qualtrics":
        heading = f"Q{BACKGROUND.index(key) + 1}"
    return {"file": fname, "row": rec["row"], "column": heading, "value": value,
            "personal_code": rec["personal_code"], "field": key}

def _round_truth(recs, dirt, oor_entries, labels, cb) -> dict:
    kept = [r for r in recs if r["kind"] == "kept"]
    respondents = {}
    for org in TOOLS:
        codes = sorted(r["personal_code"] for r in kept if r["organisation"] == org)
        no_speed = sorted(r["personal_code"] for r in kept if r["organisation"] == org and not r.get("speeder"))
        respondents[org] = {"count": len(codes), "personal_codes": codes,
                            "count_without_speeders": len(no_speed)}
    answers = {r["personal_code"]: _expected_answers(r, cb, r["file"]) for r in kept}
    org_variants = [{"file": r["file"], "row": r["row"], "value": r["cells"]["organisation"],
                     "organisation": r["organisation"]}
                    for r in sorted(recs, key=lambda r: (r["file"],
                                                         r["row"])) if r["cells"]["organisation"] != r["organisation"]]
    team_ws = [{"file": r["file"], "row": r["row"], "value": r["cells"]["team"], "team": r["team"]}
               for r in recs if r["cells"]["team"] != r["team"]]
    missing = [{"file": r["file"], "row": r["row"], "field": c, "value": v, "personal_code": r["personal_code"]}
               for r in kept for c, v in sorted(r.get("missing", {}).items())]
    open_labels = [{"personal_code": row.personal_code, "question": row.question, "label": row.label,
                    "topic": row.topic} for row in labels.itertuples()]
    return {
        "respondents": respondents,
        "n_rows_written": len(recs),
        "answers": answers,
        "open_labels": open_labels,
        "dirt": {
            "duplicates": [{"personal_code": d["personal_code"], "file": d["file"], "drop_row": d["row"],
                            "keep_row": d["later"]["row"]} for d in dirt["duplicates"]],
            "straightliners": [{"personal_code": r["personal_code"], "file": r["file"], "row": r["row"],
                                "value": r["straight"]} for r in dirt["straightliners"]],
            "speeders": [{"personal_code": r["personal_code"], "file": r["file"], "row": r["row"],
                          "duration_s": r["duration"]} for r in dirt["speeders"]],
            "out_of_range": oor_entries,
            "organisation_variants": org_variants,
            "organisation_spellings_used": sorted({v["value"] for v in org_variants}),
            "team_whitespace": team_ws,
            "missing_cells": missing,
            "identifiers_in_open_answers": [
                {"personal_code": rec["personal_code"], "file": rec["file"], "row": rec["row"], "question": q,
                 "kind": kind, "planted": planted} for rec, q, kind, planted in dirt["identifiers"]],
        },
    }
