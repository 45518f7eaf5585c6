"""Error paths a user can hit on the command line: a Dutch one-line message, exit 2, never a traceback.

Covers ``informeel demo`` (what ``make demo`` runs) including a failing report, a round name with illegal
characters, two exports with the same file name, an ``.xlsx`` saved as ``.csv``, an ambiguous heading and a
damaged, truncated or incomplete ``.parquet``, an XLSX with a corrupt deflate stream, ``--out`` being a file and a
300-character round name. (The multilevel model's one-organisation, team-only structure is tested in
tests/unit/test_multilevel.py; the report rendering itself in test_reports.py.)
"""

import contextlib
import re
import shlex
from pathlib import Path

import pandas as pd
import pytest

from informeel_lib import cli
from informeel_lib.report import batch
from tests.support.exports import ITEMS, _write_csv, forms_xlsx, limesurvey_csv, make_people

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch, tmp_path):
    monkeypatch.setenv("INFORMEEL_SALT", "fout-test")
    monkeypatch.chdir(tmp_path)


def _fails(capsys, args, *fragments):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    # one line of error, after at most the notices the command gives anyway (e.g. which codebook it uses)
    assert lines[-1].startswith("Fout: ") and "Traceback" not in out + err, err
    assert all(line.startswith("Let op:") for line in lines[:-1]), err
    for fragment in fragments:
        assert fragment in lines[-1], (fragment, err)
    return lines[-1]


# --- informeel demo -------------------------------------------------------------------------------------

def _make_demo_args():
    """The arguments of ``informeel demo`` exactly as the Makefile's demo target passes them."""
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    (line,) = [ln.strip() for ln in recipe.splitlines() if "informeel demo" in ln]
    return shlex.split(line.split("informeel", 1)[1])


@pytest.fixture
def fake_rendering(monkeypatch):
    """Record the rounds the demo renders instead of starting kernels (rendering is tested in test_reports.py)."""
    calls = []

    def render_round(round_name, *, data_dir, out_dir, jobs, executor, **_):
        calls.append((round_name, Path(data_dir), Path(out_dir), jobs))
        (Path(out_dir) / "index.html").write_text("<p>index</p>", encoding="utf-8")
        return round_name not in fail

    fail = set()
    monkeypatch.setattr(batch, "render_round", render_round)
    monkeypatch.setattr(batch, "make_executor", lambda jobs: contextlib.nullcontext())
    return calls, fail


def test_make_demo_synthesises_cleans_and_renders_every_round(fake_rendering, tmp_path, capsys):
    calls, _ = fake_rendering
    args = _make_demo_args()
    assert args[:1] == ["demo"]
    assert cli.main(args) == 0
    out, err = capsys.readouterr()
    rounds = sorted(p.name for p in (tmp_path / "data" / "raw").iterdir() if p.is_dir())
    assert len(rounds) >= 2
    processed = tmp_path / "data" / "processed"
    for r in rounds:
        data = pd.read_parquet(processed / f"{r}.parquet")
        assert len(data) > 100 and set(data["round"]) == {r}
    assert [c[0] for c in calls] == rounds
    assert all(c[1].resolve() == processed.resolve() and c[2].resolve() == (tmp_path / "reports").resolve()
               for c in calls)
    assert f"Klaar. Open {(tmp_path / 'reports' / 'index.html').resolve()}" in out
    assert "Traceback" not in out + err


def test_demo_says_so_and_exits_1_when_a_report_fails(fake_rendering, tmp_path, capsys, monkeypatch):
    import informeel_lib.io.cleaning
    import informeel_lib.synth

    calls, fail = fake_rendering
    fail.add("2022-05")
    # the network itself was made and cleaned in the test above; here only the failing round matters
    rounds = {"rounds": ["2021-11", "2022-05", "2022-11"]}
    monkeypatch.setattr(informeel_lib.synth, "write_network", lambda raw, seed, **kw: rounds)
    monkeypatch.setattr(informeel_lib.io.cleaning, "clean_files", lambda paths, **kw: None)
    assert cli.main(["demo", "--workdir", str(tmp_path / "proef"), "--jobs", "1"]) == 1
    out, _ = capsys.readouterr()
    assert "Klaar, maar niet alle rapporten zijn gelukt" in out
    assert [c[0] for c in calls] == ["2021-11", "2022-05", "2022-11"]  # the rounds after it were still rendered


# --- clean and report ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../2022-05", "2022 05", "2022-05;rm", "", ".verborgen", "a" * 65])
def test_a_round_name_with_illegal_characters_is_refused_before_reading(capsys, tmp_path, name):
    export = limesurvey_csv(tmp_path / "zinn.csv", make_people(6))
    _fails(capsys, ["clean", export, "--round", name, "--out", "uit"], "rondenaam", "ongeldig")
    assert not (tmp_path / "uit").exists() or not any((tmp_path / "uit").iterdir())
    _fails(capsys, ["report", "--round", name, "--data", "uit", "--out", "rapporten"], "ongeldig")


def test_two_exports_with_the_same_file_name(capsys, tmp_path):
    for folder, seed in (("a", 1), ("b", 2)):
        (tmp_path / folder).mkdir()
        limesurvey_csv(tmp_path / folder / "zinn.csv", make_people(6, seed=seed))
    _fails(capsys, ["clean", "a/zinn.csv", "b/zinn.csv", "--round", "2022-05", "--out", "uit"],
           "zinn.csv", "dezelfde bestandsnaam")
    assert not (tmp_path / "uit" / "2022-05.parquet").exists()


def test_an_xlsx_saved_as_csv(capsys, tmp_path):
    forms_xlsx(tmp_path / "forms.xlsx", make_people(6)).rename(tmp_path / "forms.csv")
    _fails(capsys, ["clean", "forms.csv", "--round", "2022-05", "--out", "uit"], "forms.csv", "Excel-bestand",
           ".xlsx")


def test_an_ambiguous_heading_names_both_columns(capsys, tmp_path):
    rows = [["code", "organisatie", "organisation", "team", "rol", *ITEMS],
            ["x1", "ZINN", "ZINN", "A", "manager", *["3"] * len(ITEMS)]]
    _write_csv(tmp_path / "dubbel.csv", rows)
    _fails(capsys, ["clean", "dubbel.csv", "--round", "2022-05", "--out", "uit"], "dubbel.csv", "'organisatie'",
           "'organisation'", "allebei")


@pytest.mark.parametrize("content", [b"PAR1 kapot", b"", b"PAR1" + b"\x00" * 64 + b"PAR1"])
def test_a_damaged_parquet_is_a_dutch_error_for_every_command_that_reads_it(capsys, tmp_path, content):
    (tmp_path / "verwerkt").mkdir()
    (tmp_path / "verwerkt" / "2022-05.parquet").write_bytes(content)
    err = _fails(capsys, ["report", "--round", "2022-05", "--data", "verwerkt", "--out", "rapporten"],
                 "2022-05.parquet")
    assert re.search(r"parquet|ontbreekt|leeg", err)
    from informeel_lib.errors import InputError
    from informeel_lib.io.cleaning import load_round

    with pytest.raises(InputError, match="parquet"):
        load_round(tmp_path / "verwerkt", "2022-05")


# --- damaged inputs: exit 2 with a Dutch message naming the file (issue 11, finding 10) -------------------

def _corrupt_member(source, target, member):
    """A copy of the XLSX ``source`` whose ``member`` has a corrupt deflate stream (its compressed bytes flipped)."""
    import zipfile

    with zipfile.ZipFile(source) as zf:
        info = zf.getinfo(member)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size > 40
    raw = bytearray(Path(source).read_bytes())
    for k in range(start + 5, start + info.compress_size - 5):
        raw[k] ^= 0x5A
    Path(target).write_bytes(bytes(raw))
    return target


@pytest.mark.parametrize("member", ["xl/styles.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_an_xlsx_with_a_corrupt_deflate_stream(capsys, tmp_path, member):
    forms_xlsx(tmp_path / "forms.xlsx", make_people(6))
    _corrupt_member(tmp_path / "forms.xlsx", tmp_path / "kapot.xlsx", member)
    _fails(capsys, ["clean", "kapot.xlsx", "--round", "2022-05", "--out", "uit"], "kapot.xlsx", "beschadigd")
    assert cli.main(["codebook", "check", "kapot.xlsx"]) == 2  # the check prints its blocking findings as a report
    out, err = capsys.readouterr()
    assert "kapot.xlsx" in out and "beschadigd" in out and "Traceback" not in out + err and "Onverwacht" not in err
    _fails(capsys, ["codebook", "draft", "kapot.xlsx", "--out", "cb.yaml"], "kapot.xlsx", "beschadigd")


def _processed_round(folder, *, drop=()):
    """A small processed round as 'informeel clean' writes it (items recorded in the schema metadata)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(exist_ok=True)
    data = pd.DataFrame({"respondent": [f"p-{i:012x}" for i in range(8)], "round": "2022-05",
                         "organisation": "ZINN", "team": "Team 1", "role": "zorgmedewerker",
                         **{it: [float(1 + (i + k) % 5) for i in range(8)] for k, it in enumerate(ITEMS)}})
    table = pa.Table.from_pandas(data.drop(columns=list(drop)), preserve_index=False)
    info = {"round": "2022-05", "items": {it: it for it in ITEMS}}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"informeel": json.dumps(info).encode()})
    pq.write_table(table, folder / "2022-05.parquet")
    return folder / "2022-05.parquet"


@pytest.mark.parametrize("keep", [0.5, 0.95])
def test_a_truncated_parquet(capsys, tmp_path, keep):
    path = _processed_round(tmp_path / "verwerkt")
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * keep)])
    _fails(capsys, ["report", "--round", "2022-05", "--data", "verwerkt", "--out", "rapporten"], "2022-05.parquet",
           "parquet")
    from informeel_lib.errors import InputError
    from informeel_lib.io.cleaning import load_round

    with pytest.raises(InputError, match="2022-05.parquet"):
        load_round(tmp_path / "verwerkt", "2022-05")


@pytest.mark.parametrize("column", ["team", ITEMS[0]])
def test_a_parquet_missing_a_column_is_refused_before_any_report(capsys, tmp_path, column, monkeypatch):
    from informeel_lib.errors import InputError
    from informeel_lib.io.cleaning import load_round

    _processed_round(tmp_path / "verwerkt", drop=[column])
    monkeypatch.setattr(batch, "make_executor", lambda *a, **k: pytest.fail("a report was started"))
    _fails(capsys, ["report", "--round", "2022-05", "--data", "verwerkt", "--out", "rapporten"], "2022-05.parquet",
           "ontbreken", column)
    with pytest.raises(InputError, match=f"ontbreken: {column}"):
        load_round(tmp_path / "verwerkt", "2022-05")
    _processed_round(tmp_path / "heel")
    assert len(load_round(tmp_path / "heel", "2022-05")) == 8


def test_out_being_a_file_is_refused_before_any_work(capsys, tmp_path, monkeypatch):
    _processed_round(tmp_path / "verwerkt")
    (tmp_path / "rapporten").write_text("geen map", encoding="utf-8")
    monkeypatch.setattr(batch, "render_round", lambda *a, **k: pytest.fail("rendering started"))
    _fails(capsys, ["report", "--round", "2022-05", "--data", "verwerkt", "--out", "rapporten"], "rapporten",
           "geen map")
    export = limesurvey_csv(tmp_path / "zinn.csv", make_people(6))
    import informeel_lib.io.cleaning

    monkeypatch.setattr(informeel_lib.io.cleaning, "clean_files", lambda *a, **k: pytest.fail("cleaning started"))
    _fails(capsys, ["clean", export, "--round", "2022-05", "--out", "rapporten"], "rapporten", "geen map")


def test_a_300_character_round_name(capsys, tmp_path):
    export = limesurvey_csv(tmp_path / "zinn.csv", make_people(6))
    name = "r" * 300
    _fails(capsys, ["clean", export, "--round", name, "--out", "uit"], "rondenaam", "ongeldig", "64 tekens")
    _fails(capsys, ["report", "--round", name, "--data", "uit", "--out", "rapporten"], "rondenaam", "ongeldig")
