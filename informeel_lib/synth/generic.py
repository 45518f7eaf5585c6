"""Synthetic answers to *any* questionnaire: raw exports written from a codebook.

The demo network (:mod:`informeel_lib.synth.model`) is built around the demo questionnaire and
its known truth. This module needs nothing but a codebook: one latent factor per scale (the
predictor scales correlate .30, each outcome is their mean plus noise), items are the factor plus
noise cut into the scale's own response scale (reversed items flipped), and every organisation's
answers are written as an export of one of the four survey tools, each with its own heading
conventions:

* LimeSurvey CSV (``;``): background and open questions under short question codes, array
  items as ``SCALE[ITEM]`` (the scale code is the LimeSurvey question code, the item code the
  subquestion code) or, with ``sq_codes=True``, LimeSurvey's default subquestion codes
  ``SCALE[SQ001]`` (which a codebook must list as aliases), answers as labels;
* Qualtrics CSV: three header rows; background ``Q1..``, the items of scale ``s`` as
  ``Q<10+s>_<k>`` with ``stem - statement`` in the second row, answers as labels;
* SPSS ``.sav``: variables ``<scale>_<k>`` with the item text as variable label and the
  response labels as value labels, answers as numbers;
* Microsoft Forms XLSX: every column headed by its question or statement text, answers as labels.

``informeel demo --codebook FILE`` uses it; the tests use it for a questionnaire that differs
from the demo in every way that matters.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import Codebook

TOOLS = ("limesurvey", "qualtrics", "spss", "forms")
_BACKGROUND_CODES = {"personal_code": "code", "organisation": "organisatie", "team": "team", "role": "functie"}
_TEAMS = ("Noord", "Zuid", "Oost", "West", "Centrum", "Haven")
_OPEN_ANSWERS = (
    "Ik heb van een collega geleerd hoe je een lastig gesprek met familie voert.",
    "Door zelf op te zoeken hoe de nieuwe pomp werkt, kon ik het daarna uitleggen.",
    "Tijdens de overdracht hoorde ik toevallig een handige tip over wondzorg.",
    "We bespreken fouten in het teamoverleg en leren daar veel van.",
    "Ik merk dat ik dingen overneem van ervaren collega's zonder dat ik het doorheb.",
    "Ik heb een e-learning gedaan over medicatieveiligheid omdat ik dat zelf wilde.",
)


def _latent(rng, cb: Codebook, n: int, shift: float) -> dict[str, np.ndarray]:
    predictors = cb.predictors or list(cb.scales)
    k = len(predictors)
    cov = np.full((k, k), 0.3) + np.eye(k) * 0.7
    z = rng.multivariate_normal(np.zeros(k), cov, size=n) + shift
    out = {s: z[:, j] for j, s in enumerate(predictors)}
    for s in cb.outcomes:
        out[s] = 0.6 * z.mean(axis=1) + rng.normal(0, 0.7, n)
    return out


def _answers(rng, cb: Codebook, latent: dict) -> dict[str, np.ndarray]:
    """Item answers (floats on each scale's own response scale; NaN for ~2% missing)."""
    out = {}
    for code, sc in cb.scales.items():
        lo, hi = cb.item_range(code)
        for it in sc.items:
            x = 0.8 * latent[code] + rng.normal(0, 0.6, len(latent[code]))
            x = -x if it.reverse else x
            value = np.clip(np.round((lo + hi) / 2 + x * (hi - lo) / 4), lo, hi).astype(float)
            value[rng.random(len(value)) < 0.02] = np.nan
            out[it.code] = value
    return out


def _respondents(rng, cb: Codebook, org, n: int, k_org: int) -> pd.DataFrame:
    latent = _latent(rng, cb, n, shift=0.25 * (k_org % 3 - 1))
    frame = pd.DataFrame(_answers(rng, cb, latent))
    spellings = (org.label, *org.aliases) if org.aliases else (org.label,)
    frame.insert(0, "organisation", [spellings[i % len(spellings)] if i % 4 == 3 else org.label for i in range(n)])
    frame.insert(1, "team", [f"{_TEAMS[i % 3 + k_org % 3]}" for i in range(n)])
    frame.insert(2, "role", [cb.roles[i % len(cb.roles)].label for i in range(n)])
    frame.insert(3, "personal_code", [f"{org.code[:3].upper()}{k_org}{i:04d}" for i in range(n)])
    for j, q in enumerate(cb.open_questions):
        frame[q] = [_OPEN_ANSWERS[(i + j) % len(_OPEN_ANSWERS)] if i % 3 else "" for i in range(n)]
    frame["duration"] = rng.uniform(300, 900, n).round()
    return frame


def _label(cb: Codebook, item: str, value: float) -> str:
    return "" if np.isnan(value) else cb.response_scale(item).labels[int(value)]


def _write_limesurvey(path: Path, frame: pd.DataFrame, cb: Codebook, sq_codes: bool = False) -> None:
    head = ["id", "submitdate", "lastpage", "startlanguage"] + list(_BACKGROUND_CODES.values())
    for code, sc in cb.scales.items():
        head += [f"{code}[SQ{k:03d}]" if sq_codes else f"{code}[{it.code}]" for k, it in enumerate(sc.items, start=1)]
    head += [q.lower() for q in cb.open_questions] + ["interviewtime"]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(head)
    for i, r in frame.iterrows():
        row = [i + 1, "2024-03-01 10:00:00", 5, "nl"] + [r[k] for k in _BACKGROUND_CODES]
        row += [_label(cb, c, r[c]) for c in cb.item_codes] + [r[q] for q in cb.open_questions]
        w.writerow(row + [f"{r['duration']:.0f}"])
    path.write_text(buf.getvalue(), encoding="utf-8")


def _qualtrics_columns(cb: Codebook) -> list[tuple[str, str, str]]:
    """(column id, question text, frame column) for Qualtrics."""
    out = [(f"Q{i}", cb.background[k]["text"], k) for i, k in enumerate(_BACKGROUND_CODES, start=1)]
    for s, sc in enumerate(cb.scales.values(), start=1):
        stem = f"In hoeverre ben je het eens met de volgende uitspraken over {sc.name.lower()}?"
        out += [(f"Q{10 + s}_{k}", f"{stem} - {it.text}", it.code) for k, it in enumerate(sc.items, start=1)]
    out += [(f"Q{40 + j}", text, q) for j, (q, text) in enumerate(cb.open_questions.items(), start=1)]
    return out


def _write_qualtrics(path: Path, frame: pd.DataFrame, cb: Codebook) -> None:
    layout = _qualtrics_columns(cb)
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
            "ResponseId"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(meta + [c for c, _, _ in layout])
    w.writerow(meta + [t for _, t, _ in layout])
    w.writerow([f'{{"ImportId":"{m}"}}' for m in meta] + [f'{{"ImportId":"QID{c[1:]}"}}' for c, _, _ in layout])
    for i, r in frame.iterrows():
        row = ["2024-03-01 09:50:00", "2024-03-01 10:00:00", "IP Address", f"10.0.0.{i % 250 + 1}", 100,
               f"{r['duration']:.0f}", "True", f"R_{i:015d}"]
        row += [_label(cb, col, r[col]) if col in cb.item_codes else r[col] for _, _, col in layout]
        w.writerow(row)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _write_spss(path: Path, frame: pd.DataFrame, cb: Codebook) -> None:
    import pyreadstat

    cols, labels, value_labels = {}, {}, {}
    for key, name in _BACKGROUND_CODES.items():
        cols[name], labels[name] = frame[key].astype(str), cb.background[key]["text"]
    for code, sc in cb.scales.items():
        rs = cb.response_scale(code)
        for k, it in enumerate(sc.items, start=1):
            var = f"{code.lower()}_{k}"
            cols[var], labels[var] = frame[it.code].astype(float), it.text
            value_labels[var] = {float(v): lab for v, lab in rs.labels.items()}
    for q, text in cb.open_questions.items():
        cols[q.lower()], labels[q.lower()] = frame[q].astype(str), text
    cols["duur"], labels["duur"] = frame["duration"].astype(float), "Invultijd in seconden"
    pyreadstat.write_sav(pd.DataFrame(cols), str(path), column_labels=labels, variable_value_labels=value_labels)


def _write_forms(path: Path, frame: pd.DataFrame, cb: Codebook) -> None:
    out = {"ID": range(1, len(frame) + 1), "Start time": "2024-03-01 09:50:00",
           "Completion time": "2024-03-01 10:00:00",
           "Email": "anonymous", "Name": ""}
    for key in _BACKGROUND_CODES:
        out[cb.background[key]["text"]] = frame[key]
    for it in cb.items:
        out[it.text] = [_label(cb, it.code, v) or None for v in frame[it.code]]
    for q, text in cb.open_questions.items():
        out[text] = frame[q].replace("", None)
    pd.DataFrame(out).to_excel(path, index=False)


_WRITERS = {"limesurvey": (_write_limesurvey, ".csv"), "qualtrics": (_write_qualtrics, ".csv"),
            "spss": (_write_spss, ".sav"), "forms": (_write_forms, ".xlsx")}


def asked_in_round(cb: Codebook, round_name: str) -> Codebook:
    """``cb`` without the items that round ``round_name`` did not ask yet (codebook ``since``)."""
    if not cb.items_not_asked(round_name):
        return cb
    scales = {code: dataclasses.replace(sc, items=tuple(it for it in sc.items if it.asked_in(round_name)))
              for code, sc in cb.scales.items()}
    return dataclasses.replace(cb, scales={code: sc for code, sc in scales.items() if sc.items})


def write_generic_round(out, cb: Codebook, *, round_name: str, seed: int = 1, n_per_organisation: int = 40,
                        tools=TOOLS, sq_codes: bool = False) -> list[Path]:
    """Write one round: one export per organisation, the tools taken in turn. Returns the files.

    ``sq_codes``: LimeSurvey headings with its default subquestion codes (``SCALE[SQ001]``)
    instead of the item codes.

    Every organisation answers with its canonical name, and one in four respondents with one of
    its aliases (spelling variants for the intake and ``codebook draft`` to recognise).
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    cb = asked_in_round(cb, round_name)
    files = []
    for k, org in enumerate(cb.organisations):
        tool = tools[k % len(tools)]
        writer, ext = _WRITERS[tool]
        frame = _respondents(rng, cb, org, n_per_organisation, k)
        path = folder / f"{round_name}_{tool}_{k + 1}{ext}"
        if tool == "limesurvey":
            writer(path, frame, cb, sq_codes=sq_codes)
        else:
            writer(path, frame, cb)
        files.append(path)
    return files


def write_generic_network(out, cb: Codebook, *, seed: int = 2021, rounds=("2024-03", "2024-10"),
                          n_per_organisation: int = 40) -> dict:
    """Write ``out/<round>/`` exports for every round (``informeel demo --codebook``); returns a summary."""
    files = {r: [str(p) for p in write_generic_round(Path(out) / r, cb, round_name=r, seed=seed + i,
                                                     n_per_organisation=n_per_organisation)]
             for i, r in enumerate(rounds)}
    return {"rounds": list(rounds), "files": files}
