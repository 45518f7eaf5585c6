"""Safe names, regular files only, size limits before parsing, signed caches (issue 11, items 3, 6, 7, 9)."""

import os
import pickle
import subprocess
import sys
import time
import zipfile

import pandas as pd
import pytest

from informeel_lib import cli, files
from informeel_lib.errors import InputError
from informeel_lib.io.cleaning import clean_files, load_round
from informeel_lib.report import batch, context


class _Marker:
    """Unpickling this object creates a file: proof that a dropped pickle was executed."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


# --- names ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["..", ".", "../x", "a/b", "x" * 65, "", " 2022", "2022\x1b", "a..b", "-rf"])
def test_unsafe_round_names_are_refused(name):
    with pytest.raises(InputError, match="ongeldig"):
        files.safe_name(name)


@pytest.mark.parametrize("name", ["2022-05", "2021-11", "ronde_1", "R3.b"])
def test_safe_round_names_pass(name):
    assert files.safe_name(name) == name


def test_inside_refuses_escaping_paths(tmp_path):
    assert files.inside(tmp_path, "a.parquet") == (tmp_path / "a.parquet").resolve()
    with pytest.raises(InputError):
        files.inside(tmp_path, "../a.parquet")


def test_report_round_dotdot_refused_before_writing(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    code = cli.main(["report", "--round", "..", "--data", str(tmp_path), "--out", str(tmp_path / "out")])
    assert code == 2
    assert "ongeldig" in capsys.readouterr().err
    assert not (tmp_path / "index.html").exists()


def test_clean_round_dotdot_refused(tmp_path):
    raw = tmp_path / "x.csv"
    raw.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="ongeldig"):
        clean_files([raw], round_name="..", out=tmp_path / "out")
    with pytest.raises(InputError, match="ongeldig"):
        load_round(tmp_path, "..")
    with pytest.raises(InputError, match="ongeldig"):
        batch.round_path(tmp_path, "../x")


# --- regular files and limits ------------------------------------------------------------------------

def test_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    start = time.perf_counter()
    with pytest.raises(InputError, match="geen gewoon bestand"):
        clean_files([fifo], round_name="2022-05")
    # a hang would last forever; the generous bound only turns one into a failure (the shared CI machine
    # can be slow, so no tight wall-clock limit)
    assert time.perf_counter() - start < 120


def test_symlink_to_dev_zero_is_refused(tmp_path):
    link = tmp_path / "export.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="geen gewoon bestand"):
        clean_files([link], round_name="2022-05")


def test_file_size_limit(tmp_path, monkeypatch):
    big = tmp_path / "export.csv"
    big.write_bytes(b"a,b\n" + b"1,2\n" * 1000)
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InputError, match="te groot"):
        clean_files([big], round_name="2022-05")


def _zip_bomb(path, n_cells):
    row = b"<row>" + b'<c t="n"><v>1</v></c>' * 1000 + b"</row>"
    body = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' \
        + row * (n_cells // 1000) + b"</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", body)
    return path


def test_xlsx_zip_bomb_refused_before_parsing(tmp_path, monkeypatch):
    import openpyxl

    # the real limits scaled down 100x (a real bomb of 21 million cells costs minutes to build and scan; the
    # limits' values are checked below): 210,000 cells over the limit, 4.5 MB unpacked from ~10 kB
    monkeypatch.setattr(files, "MAX_XLSX_CELLS", files.MAX_XLSX_CELLS // 100)
    monkeypatch.setattr(files, "MAX_XLSX_UNCOMPRESSED", files.MAX_XLSX_UNCOMPRESSED // 100)
    bomb = _zip_bomb(tmp_path / "export.xlsx", 210_000)
    assert bomb.stat().st_size < 100 * 2**10

    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened for parsing")

    # refused before parsing: the spreadsheet parser is never reached (no wall-clock limit: the shared
    # machine can be slow without the code being wrong)
    monkeypatch.setattr(openpyxl, "load_workbook", never)
    with pytest.raises(InputError, match="cellen|pakt uit"):
        clean_files([bomb], round_name="2022-05")


def test_xlsx_limits_admit_a_large_real_export_and_refuse_a_bomb():
    """20 million cells: a survey of 100,000 respondents with 200 columns passes; a 6 MB zip bomb of 60
    million cells does not. 512 MB unpacked: far above such an export's XML (~20 bytes per cell)."""
    assert 100_000 * 200 <= files.MAX_XLSX_CELLS < 60_000_000
    assert 25 * files.MAX_XLSX_CELLS <= files.MAX_XLSX_UNCOMPRESSED <= 2**30


def test_xlsx_cell_limit_counts_cells(tmp_path):
    bomb = _zip_bomb(tmp_path / "export.xlsx", 50_000)
    with pytest.raises(InputError, match="meer dan 10.000 cellen"):
        files.check_xlsx_limits(bomb, max_cells=10_000)
    files.check_xlsx_limits(bomb, max_cells=60_000)
    with pytest.raises(InputError, match="pakt uit"):
        files.check_xlsx_limits(bomb, max_uncompressed=100_000)


# --- min_group ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0", "1", "2", "-5", "x"])
def test_min_group_below_three_refused_in_dutch(value, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["report", "--round", "2022-05", "--min-group", value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "fout" in err and "error" not in err


def test_min_group_below_five_warns(monkeypatch, capsys):
    monkeypatch.setattr(batch, "render_round", lambda *a, **k: True)
    assert cli.main(["report", "--round", "2022-05", "--min-group", "4"]) == 0
    assert "Waarschuwing" in capsys.readouterr().err


def test_render_round_refuses_tiny_min_group(tmp_path):
    with pytest.raises(InputError, match="minstens 3"):
        batch.render_round("2022-05", data_dir=tmp_path, out_dir=tmp_path, min_group=1)


# --- messages ----------------------------------------------------------------------------------------

def test_argparse_messages_are_dutch(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["clean"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "verplicht" in err and "required" not in err and "usage" not in err
    with pytest.raises(SystemExit):
        cli.main(["opruimen"])
    err = capsys.readouterr().err
    assert "ongeldige keuze" in err and "invalid choice" not in err


def test_control_characters_are_stripped_from_messages(tmp_path, capsys):
    code = cli.main(["report", "--round", "2022\x1b[2J\x07", "--data", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err


def test_out_being_a_file_is_a_dutch_exit_2(tmp_path, capsys):
    from tests.support.exports import limesurvey_csv, make_people

    raw = limesurvey_csv(tmp_path / "zinn.csv", make_people())
    out = tmp_path / "out"
    out.write_text("ik ben een bestand", encoding="utf-8")
    assert cli.main(["clean", str(raw), "--round", "2022-05", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Onverwachte" not in err and "uitvoermap" in err


# --- signed caches -----------------------------------------------------------------------------------

def test_signed_pickle_round_trip_and_tamper(tmp_path):
    key = files.cache_key("geheim")
    path = files.dump_signed_pickle({"a": 1}, tmp_path / "c.pkl", key)
    assert files.load_signed_pickle(path, key) == {"a": 1}
    assert files.load_signed_pickle(path, files.cache_key("ander geheim")) is None
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 1
    path.write_bytes(bytes(blob))
    assert files.load_signed_pickle(path, key) is None


def test_dropped_pickle_is_never_unpickled_by_the_batch(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INFORMEEL_SALT", "testgeheim")
    monkeypatch.delenv(files.CACHE_KEY_ENV, raising=False)
    marker = tmp_path / "uitgevoerd"
    pd.DataFrame({"organisation": ["A"]}).to_parquet(tmp_path / "2022-05.parquet")
    cache = batch.shared_cache_path(tmp_path, "2022-05")
    cache.write_bytes(pickle.dumps({"_key": "x", "boom": _Marker(str(marker))}))

    def submit(fn, part, *args):
        return (part, {"part": part}, "")

    path, errors = batch._ensure_shared("2022-05", tmp_path, 5, submit, lambda fs: fs)
    assert not marker.exists()
    assert "genegeerd" in capsys.readouterr().err
    assert files.load_signed_pickle(path, files.cache_key())["cfa"] == {"part": "cfa"}


def test_dropped_pickle_is_never_unpickled_by_a_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(files.CACHE_KEY_ENV, files.cache_key("testgeheim").hex())
    marker = tmp_path / "uitgevoerd"
    cache = tmp_path / "2022-05_gedeeld.pkl"
    cache.write_bytes(pickle.dumps({"boom": _Marker(str(marker))}))
    monkeypatch.setattr(context, "compute_shared_part", lambda part, round_name, **kw: {"part": part})
    from informeel_lib.codebook import load_codebook

    ctx = context.ReportContext("2022-05", pd.DataFrame(), None, None, None, codebook=load_codebook())
    shared = context.load_shared(str(cache), ctx)
    assert not marker.exists()
    assert shared["cfa"] == {"part": "cfa"}
    assert "geverifieerd" in capsys.readouterr().err


@pytest.fixture()
def other_workers_cache(tmp_path, monkeypatch):
    """A round cache the batch signed in another process (another pytest-xdist worker, an earlier
    `informeel report`): the project's salt lies beside the data folder, and this process has no key
    handed down and works in another folder (a notebook kernel)."""
    monkeypatch.delenv("INFORMEEL_SALT", raising=False)
    monkeypatch.delenv(files.CACHE_KEY_ENV, raising=False)
    (tmp_path / "project" / "processed").mkdir(parents=True)
    (tmp_path / "project" / ".informeel_salt").write_text("zout van het project\n", encoding="utf-8")
    cache = batch.shared_cache_path(tmp_path / "project" / "processed", "2022-05")
    files.dump_signed_pickle({"cfa": {"fit": {"cfi": 0.95}}}, cache, files.cache_key("zout van het project"))
    (tmp_path / "kernel").mkdir()
    monkeypatch.chdir(tmp_path / "kernel")
    return cache


def test_a_kernel_verifies_the_cache_with_the_key_of_its_data_folder(other_workers_cache, capsys):
    assert context.load_shared(str(other_workers_cache), None) == {"cfa": {"fit": {"cfi": 0.95}}}
    assert "geverifieerd" not in capsys.readouterr().err


def test_a_cache_that_fails_to_verify_is_ignored_with_a_warning_never_a_crash(other_workers_cache, monkeypatch,
                                                                              capsys):
    (other_workers_cache.parents[1] / ".informeel_salt").write_text("een nieuw zout\n", encoding="utf-8")
    monkeypatch.setenv(files.CACHE_KEY_ENV, files.cache_key("een andere run").hex())  # a stale key handed down
    assert context.load_shared(str(other_workers_cache), None) == {}  # the notebook computes what it shows
    assert "kon niet worden geverifieerd en wordt genegeerd; dit notebook rekent zelf" in capsys.readouterr().err
    other_workers_cache.write_bytes(other_workers_cache.read_bytes()[:-3])  # truncated
    assert files.load_signed_cache(other_workers_cache) is None


def test_the_batch_signs_with_its_data_folders_key_not_a_key_an_earlier_run_handed_down(other_workers_cache,
                                                                                         monkeypatch):
    monkeypatch.setenv(files.CACHE_KEY_ENV, files.cache_key("een eerdere run").hex())
    key = batch.share_cache_key(other_workers_cache.parent)
    assert key == files.cache_key("zout van het project") and os.environ[files.CACHE_KEY_ENV] == key.hex()


def test_the_projects_salt_file_gives_the_cache_key(tmp_path, monkeypatch):
    monkeypatch.delenv("INFORMEEL_SALT", raising=False)
    (tmp_path / "geheim").mkdir()
    (tmp_path / "geheim" / "salt.txt").write_text("projectzout\n", encoding="utf-8")
    (tmp_path / "informeel.yaml").write_text("salt_file: geheim/salt.txt\n", encoding="utf-8")
    (tmp_path / "data" / "processed").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "data")
    assert files.cache_key(create=False, near=tmp_path / "data" / "processed") == files.cache_key("projectzout")
    assert not (tmp_path / "data" / ".informeel_salt").exists()


def test_side_computation_failure_still_exits_zero(tmp_path, monkeypatch, capsys):
    import concurrent.futures as cf

    pd.DataFrame({"respondent": [f"p-{i}" for i in range(6)], "organisation": ["A"] * 6, "round": ["2022-05"] * 6,
                  "team": ["T"] * 6, "role": ["zorgmedewerker"] * 6}).to_parquet(tmp_path / "2022-05.parquet")
    monkeypatch.setattr(batch, "_ensure_shared", lambda *a: (tmp_path / "c.pkl", ["netwerkmodellen (cfa): kapot"]))
    monkeypatch.setattr(batch, "execute_report", lambda job, reuse_kernel=True: batch.ReportResult(job, True, 0.1))
    with cf.ThreadPoolExecutor(1) as ex:
        ok = batch.render_round("2022-05", data_dir=tmp_path, out_dir=tmp_path / "r", executor=ex, progress=False)
    assert ok
    assert "Waarschuwing: netwerkmodellen (cfa): kapot" in capsys.readouterr().err


def test_cli_subprocess_min_group_zero():
    proc = subprocess.run([sys.executable, "-m", "informeel_lib.cli", "report", "--round", "2022-05",
                           "--min-group", "0"], capture_output=True, text=True)
    assert proc.returncode == 2 and "minstens 3" in proc.stderr
