"""`informeel report` killed at several points (issue 11, item 6).

Every run here starts the real command on a copy of the session's rendered round (``rendered_round``: the
cleaned data, the signed shared cache and the reports, no cleaning or shared models again) and renders one
organisation (``--org``), with two workers and their warm kernels. The copied reports are marked as the
*old* set. After a signal at a kill point the test checks that

* no process of the run (command, workers, kernels; found by an environment marker in ``/proc``) is alive
  a few seconds later;
* the round folder holds exactly the old set or exactly the new set (file names and SHA-256 of every
  file, compared with a finished run), never a mix, and no staging folder is left after Ctrl-C/SIGTERM
  (after SIGKILL the next run removes it: :func:`informeel_lib.report.staging.recover`);
* Ctrl-C and SIGTERM give exit codes 130 and 143 and a Dutch message, no traceback.

One finished run plus five killed ones (the early ones before any worker starts).
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from informeel_lib.report import batch as reports, staging
from tests.support.rendered import MIN_GROUP, ROUND

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc (Linux)")

OLD_MARK = "\n<!-- oude rapportset -->\n"
SURVIVAL_SECONDS = 5.0


def marked_processes(token: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live process whose environment carries ``token``."""
    needle = f"INFORMEEL_KILLTEST={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue  # a zombie holds no memory and runs nothing
            found.append((int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except OSError:  # gone meanwhile, or not ours
            continue
    return found


def file_hashes(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def prepare_project(rendered, target: Path) -> Path:
    """A project folder with the rendered round's data and its reports as the old set (every page marked)."""
    target.mkdir()
    shutil.copytree(rendered.data, target / "processed")
    shutil.copy2(rendered.root / ".informeel_salt", target / ".informeel_salt")
    old = target / "reports" / ROUND
    old.mkdir(parents=True)
    for page in (rendered.reports / ROUND).glob("*"):
        if page.is_file():
            shutil.copy2(page, old / page.name)
            if page.suffix == ".html":
                with open(old / page.name, "a", encoding="utf-8") as fh:
                    fh.write(OLD_MARK)
    return target


def start_report(project: Path, organisation: str, token: str) -> subprocess.Popen:
    env = {**os.environ, "INFORMEEL_KILLTEST": token}
    cmd = [sys.executable, "-m", "informeel_lib.cli", "report", "--round", ROUND, "--org", organisation,
           "--data", "processed", "--out", "reports", "--jobs", "2"]
    return subprocess.Popen(cmd, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_until(condition, proc, what: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"de run eindigde ({proc.returncode}) voor het moment '{what}': {proc.stderr.read()[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"het moment '{what}' kwam niet binnen {timeout:.0f} s")
        time.sleep(0.05)


def kill_point(point: str, project: Path, token: str):
    """A function that is true once the run has reached ``point``."""
    out = project / "reports"

    def staged():
        return [p for p in out.glob(f".informeel-{ROUND}-*.tmp/{ROUND}") if p.is_dir()]

    def kernels():
        return [c for _, c in marked_processes(token) if "ipykernel" in c]

    # early: the staging folder is there, no worker yet; mid: a worker's kernel runs (warming up or
    # executing the report notebook)
    return {"early": lambda: bool(staged()), "mid": lambda: bool(staged()) and bool(kernels())}[point]


@pytest.fixture(scope="module")
def kill_setup(rendered_round, tmp_path_factory):
    """The organisation rendered, the old set's hashes and the new set's hashes (from one finished run)."""
    counts = reports.organisation_counts(rendered_round.data, ROUND)
    organisation = next(o for o, n in counts.items() if n >= MIN_GROUP
                        and f"{reports.slugify(o)}.html" in rendered_round.expected_files)
    base = tmp_path_factory.mktemp("kill")
    project = prepare_project(rendered_round, base / "klaar")
    old = file_hashes(project / "reports" / ROUND)
    token = uuid.uuid4().hex
    proc = start_report(project, organisation, token)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    new = file_hashes(project / "reports" / ROUND)
    slug = f"{reports.slugify(organisation)}.html"
    assert set(new) == set(old) and new[slug] != old[slug] and new["index.html"] != old["index.html"]
    assert [k for k in new if new[k] == old[k] and k.endswith(".html")] == sorted(
        k for k in old if k.endswith(".html") and k not in (slug, "index.html"))  # the others stay as they were
    assert not list((project / "reports").glob(".informeel-*")), "staging folder left after a finished run"
    assert wait_gone(token) == []
    return {"organisation": organisation, "file": slug, "old": old, "new": new, "base": base,
            "rendered": rendered_round}


def wait_gone(token: str, seconds: float = SURVIVAL_SECONDS) -> list:
    deadline = time.monotonic() + seconds
    while (alive := marked_processes(token)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


# each signal once, and both points (tests/unit/test_report_staging.py kills a process at every step of
# the swap itself; these runs add the real command with its workers and kernels)
@pytest.mark.parametrize("signum, point", [
    (signal.SIGINT, "early"), (signal.SIGTERM, "mid"), (signal.SIGKILL, "mid"),
], ids=["sigint-early", "sigterm-mid", "sigkill-mid"])
def test_killed_report_run_leaves_no_process_and_old_or_new_set(kill_setup, signum, point):
    name = f"{signal.Signals(signum).name.lower()}-{point}"
    project = prepare_project(kill_setup["rendered"], kill_setup["base"] / name)
    token = uuid.uuid4().hex
    proc = start_report(project, kill_setup["organisation"], token)
    try:
        wait_until(kill_point(point, project, token), proc, point)
        os.kill(proc.pid, signum)  # the command only, as `kill` does; a terminal's Ctrl-C is the same here
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    survivors = wait_gone(token)
    for pid, _ in survivors:  # do not leave them to the next test
        with_suppressed_kill(pid)
    assert survivors == [], f"processen van de run leven nog na {SURVIVAL_SECONDS:.0f} s: {survivors}"

    folder = project / "reports" / ROUND
    on_disk = file_hashes(folder)
    assert on_disk in (kill_setup["old"], kill_setup["new"]), "oude en nieuwe rapporten door elkaar"
    leftovers = list((project / "reports").glob(".informeel-*"))
    if signum == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        staging.recover(project / "reports", ROUND)  # the next run's first step
        assert file_hashes(folder) in (kill_setup["old"], kill_setup["new"])
        assert not list((project / "reports").glob(".informeel-*"))
    else:
        assert on_disk == kill_setup["old"]
        assert leftovers == []
        assert proc.returncode == 128 + signum, err
        assert "Traceback" not in err, err
        assert "Afgebroken" in err and "werkprocessen zijn gestopt" in err, err


def with_suppressed_kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
