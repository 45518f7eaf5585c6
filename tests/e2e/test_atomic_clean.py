"""kill -9 while `clean` writes: on disk there is the complete old set or the complete new set (issue 11, item 6)."""

import subprocess
import sys

import pytest

from informeel_lib.errors import InputError
from informeel_lib.io.cleaning import clean_files, load_round, verify_round
from tests.support.exports import forms_xlsx, make_people

KILLER = """
import os, signal, sys
from informeel_lib.io.cleaning import clean_files
point, raw, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
calls, real = [0], os.replace
def replace(a, b):
    if calls[0] == point:
        os.kill(os.getpid(), signal.SIGKILL)
    calls[0] += 1
    real(a, b)
os.replace = replace
clean_files([raw], round_name="2022-05", out=out, salt="test")
"""


@pytest.mark.parametrize("point", [0, 1, 2, 3, 99])
def test_kill_during_clean_leaves_old_or_new_set(tmp_path, point):
    old_raw = forms_xlsx(tmp_path / "oud.xlsx", make_people(4, seed=1))
    new_raw = forms_xlsx(tmp_path / "nieuw.xlsx", make_people(6, seed=2))
    out = tmp_path / "out"
    clean_files([old_raw], round_name="2022-05", out=out, salt="test")
    proc = subprocess.run([sys.executable, "-c", KILLER, str(point), str(new_raw), str(out)], capture_output=True)
    assert proc.returncode in (0, -9), proc.stderr
    data = load_round(out, "2022-05")
    assert len(data) in (4, 6)  # the whole old round or the whole new one
    if point >= 3:
        assert len(data) == 6  # the manifest was in place: the new set is complete
    verify_round(out, "2022-05")  # parquet, log and manifest belong together
    log = (out / "2022-05_log.csv").read_text(encoding="utf-8")
    assert ("nieuw.xlsx" in log) == (len(data) == 6) or "source_file" in log


def test_half_written_first_round_is_refused(tmp_path):
    raw = forms_xlsx(tmp_path / "nieuw.xlsx", make_people(6, seed=2))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", KILLER, "1", str(raw), str(out)], capture_output=True)
    assert proc.returncode == -9
    with pytest.raises(InputError, match="niet volledig"):
        load_round(out, "2022-05")


def test_tampered_parquet_is_refused(tmp_path):
    raw = forms_xlsx(tmp_path / "r.xlsx", make_people(4, seed=1))
    out = tmp_path / "out"
    clean_files([raw], round_name="2022-05", out=out, salt="test")
    (out / "2022-05_log.csv").write_text("kapot", encoding="utf-8")
    with pytest.raises(InputError, match="niet volledig"):
        load_round(out, "2022-05")
