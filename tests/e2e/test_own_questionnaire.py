"""Your own questionnaire, end to end, exactly as the README's "Je eigen vragenlijst" says.

The commands are taken from the README's fenced ``sh`` blocks and run in a fresh project folder
(the ``informeel`` console script of this environment, through the shell); the steps the researcher
does by hand (marked ``<!-- stap: ... -->`` in the README) are done in Python, and the ``yaml`` block
is written to ``informeel.yaml``. The questionnaire is the tests' own (tests/support/questionnaire/):
7-point answers and a 5-point frequency scale, other scale codes and names, other organisations, one
reversed item per scale, exports from LimeSurvey, Qualtrics, SPSS and Forms. Round 2 adds an item,
rewords one and adds an organisation, through ``informeel.yaml`` alone.
"""

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from informeel_lib.codebook import load_codebook
from informeel_lib.io.cleaning import round_metadata
from informeel_lib.nl import number
from tests.support.own_questionnaire import (
    DEMO_SCALES,
    OUTCOME,
    ROUND_1,
    ROUND_2,
    SCALE_NAMES,
    edit_for_round_2,
    name_scales,
    truth,
    write_exports,
)
from tests.support.rendered import tables

pytestmark = pytest.mark.slow
README = Path(__file__).resolve().parents[2] / "README.md"
MANUAL_STEPS = {"schalen-benoemen": lambda root: name_scales(root / "codebook.yaml"),
                "codeboek-ronde-2": lambda root: edit_for_round_2(root / "codebook.yaml", root / "codebook.yaml")}
ERROR_WORDS = ("Fout", "Traceback", "Error", "Mislukt", "Waarschuwing", "Onverwachte")


def walkthrough() -> list[tuple[str, str]]:
    """The README section as steps: ("stap", name), ("sh", command) or ("yaml", text), in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Je eigen vragenlijst\n", 1)[1].split("\n## ", 1)[0]
    steps = []
    for m in re.finditer(r"<!-- stap: ([\w-]+) -->|```(sh|yaml)\n(.*?)```", section, re.S):
        if m.group(1):
            steps.append(("stap", m.group(1)))
        elif m.group(2) == "sh":
            steps += [("sh", line.strip()) for line in m.group(3).splitlines() if line.strip()]
        else:
            steps.append(("yaml", m.group(3)))
    return steps


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    root = tmp_path_factory.mktemp("mijn_project")
    write_exports(root / "data" / "raw" / ROUND_1, ROUND_1)
    write_exports(root / "data" / "raw" / ROUND_2, ROUND_2)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "INFORMEEL_SALT": "walkthrough"}
    runs = []
    for kind, value in walkthrough():
        if kind == "stap":
            MANUAL_STEPS[value](root)
        elif kind == "yaml":
            (root / "informeel.yaml").write_text(value, encoding="utf-8")
        else:
            assert value.startswith("informeel "), value
            proc = subprocess.run(value, shell=True, cwd=root, env=env, capture_output=True, text=True, timeout=1200)
            runs.append((value, proc))
    return root, runs


def _text(path: Path) -> str:
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_readme_walks_through_draft_check_clean_report_and_a_second_round():
    steps = walkthrough()
    commands = [v for k, v in steps if k == "sh"]
    assert commands[0].startswith("informeel codebook draft")
    assert any(c.startswith("informeel clean") and "--codebook" in c for c in commands)
    assert any(c.startswith("informeel report") and "--codebook" in c for c in commands)
    assert ("stap", "schalen-benoemen") in steps and ("stap", "codeboek-ronde-2") in steps
    assert [k for k, _ in steps].count("yaml") == 1
    assert commands[-1] == f"informeel report --round {ROUND_2}"      # round 2 through informeel.yaml alone


def test_every_command_succeeds_except_the_check_that_finds_the_new_round(walked):
    _, runs = walked
    for command, proc in runs:
        expected = 2 if proc.stdout.count("BLOKKEERT") else 0
        assert proc.returncode == expected, (command, proc.stdout[-2000:], proc.stderr[-2000:])
    blocked = [(c, p) for c, p in runs if p.returncode == 2]
    assert len(blocked) == 1 and blocked[0][0] == f"informeel codebook check data/raw/{ROUND_2}"
    out = blocked[0][1].stdout
    assert "lijkt het meest op STEUN2" in out and "'BEVL[SQ005]'" in out
    assert "onbekende organisatie 'Zorgpunt Oost'" in out and "BLOKKEERT: kolom '" in out


def test_draft_prints_a_dutch_summary(walked):
    _, runs = walked
    draft = runs[0][1].stdout
    assert "4 kandidaatschalen met 16 items" in draft and "Nog te doen in het codeboek" in draft


def test_reports_have_no_error_output_and_no_demo_notice(walked):
    _, runs = walked
    for command, proc in runs:
        if command.startswith(("informeel report", "informeel clean")):
            assert not [w for w in ERROR_WORDS if w in proc.stderr], (command, proc.stderr[-2000:])
            assert "demovragenlijst" not in proc.stderr
            if command.startswith("informeel report"):
                assert "rapporten gemaakt" in proc.stderr


@pytest.mark.parametrize("round_name, organisations", [
    (ROUND_1, ["de-kustlijn", "thuiszorg-het-noorden", "wijkzorg-drenthe", "zorgbrug"]),
    (ROUND_2, ["de-kustlijn", "thuiszorg-het-noorden", "wijkzorg-drenthe", "zorgbrug", "zorgpunt-oost"]),
])
def test_reports_speak_of_this_questionnaire_and_never_of_the_demo(walked, round_name, organisations):
    root, _ = walked
    folder = root / "reports" / round_name
    assert sorted(p.stem for p in folder.glob("*.html")) == sorted(["index", "netwerk", *organisations])
    demo = load_codebook()
    demo_names = [sc.name for sc in demo.scales.values()]
    for page in folder.glob("*.html"):
        text = _text(page)
        if page.stem == "index":
            continue
        for name in SCALE_NAMES.values():
            assert name in text, (page.name, name)
        for code in DEMO_SCALES:
            assert not re.search(rf"\b{code}\d*\b", text), (page.name, code)
        assert not [n for n in demo_names if n in text], page.name
        assert not [w for w in ("Traceback", "Error", "fout in cel", "kon niet worden") if w in text], page.name


def test_the_influence_model_uses_the_codebooks_outcome_and_predictors(walked):
    root, _ = walked
    text = _text(root / "reports" / ROUND_1 / "netwerk.html")
    outcome = SCALE_NAMES[OUTCOME].lower()
    assert f"Welke factoren gaan samen met {outcome} in een team?" in text
    assert f"Effecten op {outcome}" in text
    section = text.split("Invloedsfactoren", 1)[1]
    for code in ("WDR", "STEUN", "ONTW"):
        assert SCALE_NAMES[code] in section


def test_seven_point_and_five_point_scales_are_scored_on_their_own_range(walked):
    root, _ = walked
    page = (root / "reports" / ROUND_1 / "zorgbrug.html").read_text(encoding="utf-8")
    text = _text(root / "reports" / ROUND_1 / "zorgbrug.html")
    assert "Ontwikkelactiviteiten: 1 (nooit) tot 5 (altijd)" in text
    assert "Werkdruk: 1 (helemaal mee oneens) tot 7 (helemaal mee eens)" in text
    alts = re.findall(r'alt="([^"]*)"', page)
    likert = [html.unescape(a) for a in alts if a.startswith("Gestapeld staafdiagram")]
    assert any("aan de kant van 'altijd'" in a for a in likert)
    assert any("aan de kant van 'helemaal mee eens'" in a for a in likert)


def test_each_round_records_its_codebook_and_items(walked):
    root, _ = walked
    first = round_metadata(root / "data" / "processed" / f"{ROUND_1}.parquet")
    second = round_metadata(root / "data" / "processed" / f"{ROUND_2}.parquet")
    cb = load_codebook(root / "codebook.yaml")
    assert second["codebook"]["hash"] == cb.content_hash != first["codebook"]["hash"]
    assert set(second["items"]) - set(first["items"]) == {"BEVL5"}
    assert first["items"]["STEUN2"] == truth(ROUND_1).item("STEUN2").text
    assert second["items"]["STEUN2"] == truth(ROUND_2).item("STEUN2").text


def test_round_2_report_names_the_changes_and_compares_on_shared_items(walked):
    root, _ = walked
    cb = load_codebook(root / "codebook.yaml")
    text = _text(root / "reports" / ROUND_2 / "netwerk.html")
    old, new = truth(ROUND_1).item("STEUN2").text, truth(ROUND_2).item("STEUN2").text
    assert f"De vragenlijst is sinds ronde {ROUND_1} veranderd; nieuw: BEVL5 (“{cb.item('BEVL5').text}”)" in text
    assert f"anders geformuleerd: STEUN2 (was “{old}”, nu “{new}”)" in text
    assert "alleen de items die in beide rondes gesteld zijn" in text
    data = pd.read_parquet(root / "data" / "processed" / f"{ROUND_2}.parquet")
    shared = data[["BEVL1", "BEVL2", "BEVL3", "BEVL4"]].copy()
    shared["BEVL3"] = 8 - shared["BEVL3"]                              # reversed, 1-7
    full = data[["BEVL1", "BEVL2", "BEVL3", "BEVL4", "BEVL5"]].assign(BEVL3=8 - data["BEVL3"])
    page = (root / "reports" / ROUND_2 / "netwerk.html").read_text(encoding="utf-8")
    change = page.split("<h2>Verandering sinds de vorige ronde</h2>", 1)[1]
    (headers, rows), = [t for t in tables(change) if t[0][:1] == ["Schaal"]][:1]
    row = next(r for r in rows if r[0] == SCALE_NAMES[OUTCOME])
    assert row[headers.index(f"M ({ROUND_2})")] == number(shared.mean(axis=1).mean(), 2)
    assert number(shared.mean(axis=1).mean(), 2) != number(full.mean(axis=1).mean(), 2)  # BEVL5 would change it
    reliability = page.split("Betrouwbaarheid", 1)[1]
    (headers, rows), = [t for t in tables(reliability) if t[0][:1] == ["Schaal"]][:1]
    assert next(r for r in rows if r[0] == SCALE_NAMES[OUTCOME])[headers.index("Items")] == "5"


def test_the_batch_passes_the_projects_codebook_to_every_notebook(walked, monkeypatch):
    from informeel_lib.report.batch import plan_round

    root, _ = walked
    monkeypatch.chdir(root / "data")                       # informeel.yaml is found in a parent folder
    jobs, _ = plan_round(ROUND_2, data_dir=root / "data" / "processed", out_dir=root / "reports")
    assert len(jobs) == 6
    assert {job.parameters["codebook"] for job in jobs} == {str(root / "codebook.yaml")}
