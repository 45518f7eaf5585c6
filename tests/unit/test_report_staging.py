"""The report folder swap (issue 11, item 6): old or new set on disk at every kill point, stale folders cleaned."""

import os
import subprocess
import sys

import pytest

from informeel_lib.report import staging
from informeel_lib.report.batch import write_top_index
from informeel_lib.report.layout import round_reports

ROUND = "2022-05"


def write_set(folder, tag, names=("index.html", "netwerk.html", "zinn.html")):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(f"{tag}:{name}", encoding="utf-8")


def contents(folder):
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())} if folder.is_dir() else None


OLD = {n: f"oud:{n}" for n in ("index.html", "netwerk.html", "zinn.html")}
NEW = {**{n: f"nieuw:{n}" for n in ("index.html", "netwerk.html", "zinn.html")}, "treant.html": "nieuw:treant.html"}


def stage_new(stage):
    write_set(stage.folder, "nieuw", ("index.html", "netwerk.html", "zinn.html", "treant.html"))


def test_commit_replaces_the_whole_folder_and_leaves_nothing_behind(tmp_path):
    write_set(tmp_path / ROUND, "oud")
    with staging.staged_round(tmp_path, ROUND) as stage:
        assert contents(stage.folder) == OLD  # starts as a copy: a run for one organisation keeps the others
        stage_new(stage)
        assert contents(tmp_path / ROUND) == OLD  # nothing visible before the swap
        stage.commit()
    assert contents(tmp_path / ROUND) == NEW
    assert [p.name for p in tmp_path.iterdir()] == [ROUND]


def test_an_error_while_rendering_leaves_the_old_folder(tmp_path):
    write_set(tmp_path / ROUND, "oud")
    with pytest.raises(KeyboardInterrupt), staging.staged_round(tmp_path, ROUND) as stage:
        stage_new(stage)
        raise KeyboardInterrupt
    assert contents(tmp_path / ROUND) == OLD
    assert [p.name for p in tmp_path.iterdir()] == [ROUND]


def test_a_swap_that_fails_halfway_puts_the_old_folder_back(tmp_path, monkeypatch):
    write_set(tmp_path / ROUND, "oud")
    real, calls = os.rename, []

    def rename(a, b):
        calls.append(b)
        if len(calls) == 2:
            raise OSError(28, "schijf vol")
        real(a, b)

    monkeypatch.setattr(staging, "exchange", lambda a, b: False)
    monkeypatch.setattr(staging.os, "rename", rename)
    with pytest.raises(OSError), staging.staged_round(tmp_path, ROUND) as stage:
        stage_new(stage)
        stage.commit()
    assert contents(tmp_path / ROUND) == OLD
    assert [p.name for p in tmp_path.iterdir()] == [ROUND]


KILLER = """
import os, signal, sys
from pathlib import Path
from informeel_lib.report import staging
point, out, fallback = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
calls = [0]
def killing(real):
    def call(*args, **kw):
        if calls[0] == point:
            os.kill(os.getpid(), signal.SIGKILL)
        calls[0] += 1
        return real(*args, **kw)
    return call
staging.os.rename = killing(os.rename)
staging.shutil.rmtree = killing(staging.shutil.rmtree)
staging.exchange = (lambda a, b: False) if fallback else killing(staging.exchange)
with staging.staged_round(out, "2022-05") as stage:
    for name in ("index.html", "netwerk.html", "zinn.html", "treant.html"):
        (stage.folder / name).write_text(f"nieuw:{name}", encoding="utf-8")
    stage.commit()
"""


@pytest.mark.parametrize("fallback", [False, True], ids=["exchange", "two-renames"])
@pytest.mark.parametrize("point", [0, 1, 2, 3, 4, 99])
def test_kill_at_every_step_of_the_swap_leaves_old_or_new(tmp_path, point, fallback):
    write_set(tmp_path / ROUND, "oud")
    proc = subprocess.run([sys.executable, "-c", KILLER, str(point), str(tmp_path), "1" if fallback else "0"],
                          capture_output=True, text=True)
    assert proc.returncode in (0, -9), proc.stderr
    if not fallback:  # one atomic exchange: the target holds a complete set at every instant
        assert contents(tmp_path / ROUND) in (OLD, NEW)
    staging.recover(tmp_path, ROUND)  # what the next run does first
    assert contents(tmp_path / ROUND) in (OLD, NEW)
    assert [p.name for p in tmp_path.iterdir()] == [ROUND]  # the stale staging folder is gone
    if proc.returncode == 0:
        assert contents(tmp_path / ROUND) == NEW


def test_recover_leaves_the_staging_folder_of_a_live_run_alone(tmp_path):
    write_set(tmp_path / ROUND, "oud")
    live = staging.staging_root(tmp_path, ROUND, pid=os.getppid())
    dead = staging.staging_root(tmp_path, ROUND, pid=2**22 + 12345)  # above pid_max: never a live process
    write_set(live / ROUND, "bezig")
    write_set(dead / ROUND, "half")
    assert staging.recover(tmp_path, ROUND) == [dead]
    assert live.is_dir() and not dead.exists()
    assert contents(tmp_path / ROUND) == OLD


def test_a_complete_staged_folder_goes_in_when_the_target_is_missing(tmp_path):
    root = staging.staging_root(tmp_path, ROUND, pid=2**22 + 1)
    write_set(root / ROUND, "nieuw")
    write_set(root / staging.OLD_NAME, "oud")
    (root / staging.COMPLETE_MARKER).write_bytes(b"")
    staging.recover(tmp_path, ROUND)
    assert contents(tmp_path / ROUND)["index.html"] == "nieuw:index.html"


def test_exchange_swaps_two_folders(tmp_path):
    write_set(tmp_path / "a", "a")
    write_set(tmp_path / "b", "b")
    if not staging.exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available on this system")
    assert (tmp_path / "a" / "index.html").read_text() == "b:index.html"
    assert (tmp_path / "b" / "index.html").read_text() == "a:index.html"


def test_index_pages_never_list_a_staging_folder(tmp_path):
    manifest = '{"ronde": "%s", "rapporten": [], "overgeslagen": []}'
    (tmp_path / ROUND).mkdir()
    (tmp_path / ROUND / "rapporten.json").write_text(manifest % ROUND)
    hidden = tmp_path / ".informeel-2022-05-1.tmp"
    hidden.mkdir()
    (hidden / "rapporten.json").write_text(manifest % "2099-01")
    assert list(round_reports(tmp_path)) == [ROUND]
    assert "2099" not in write_top_index(tmp_path).read_text(encoding="utf-8")
