"""`pip install .` into a fresh virtualenv outside the checkout renders a report.

The reports' notebook is package data (``informeel_lib/report/rapport.ipynb``) and a report kernel
running the installed Python is provided on first use (``batch.ensure_report_kernel``), so an installed
package needs neither the checkout nor ``make``. To stay fast the new environment reuses the
dependencies of the test environment (a ``.pth`` file pointing at its site-packages) and installs only
this package, from a copy of the source (a build in place would leave ``build/`` in the checkout).
It renders one organisation of the test suite's cleaned round: what an installation needs (entry point,
package data, kernel) is exercised by one report as much as by the whole demo, which costs minutes
(``informeel demo`` itself is tested in test_error_paths.py, the full rendering in test_reports.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


TOP_LEVEL_SKIP = {".git", ".venv", "tests", "data", "reports", "benchmarks", "notebooks", "build"}
ANYWHERE_SKIP = shutil.ignore_patterns("*.egg-info", "__pycache__", ".ruff_cache", ".pytest_cache", ".hypothesis")


def _source_copy(dest: Path) -> Path:
    """The checkout without its data, tests and environments (informeel_lib/data is package data: kept)."""
    def skip(folder, names):
        top = TOP_LEVEL_SKIP & set(names) if Path(folder) == ROOT else set()
        return top | ANYWHERE_SKIP(folder, names)

    shutil.copytree(ROOT, dest, ignore=skip)
    return dest


def test_pip_install_outside_the_checkout_renders_a_report(rendered_round, tmp_path):
    venv = tmp_path / "venv"
    # no pip or setuptools of its own: the test environment's (newer) ones are used through the .pth file
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH")}
    # the reused packages' data files (nbconvert's HTML templates) live under the test env's prefix; only
    # those are shared (not its kernels: the report kernel must be this venv's Python)
    shared = tmp_path / "jupyter"
    shared.mkdir()
    (shared / "nbconvert").symlink_to(Path(sys.prefix, "share", "jupyter", "nbconvert"))
    env["JUPYTER_PATH"] = str(shared)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-build-isolation", str(_source_copy(tmp_path / "src"))], check=True, env=env, cwd=tmp_path)

    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    where = subprocess.run([python, "-c", "import informeel_lib; print(informeel_lib.__file__)"], check=True,
                           capture_output=True, text=True, env=env, cwd=elsewhere).stdout.strip()
    assert where.startswith(site), where  # the installed copy, not the checkout
    out = tmp_path / "rapporten"
    proc = subprocess.run([venv / "bin" / "informeel", "report", "--round", rendered_round.round_name, "--org", "ZINN",
                           "--data", str(rendered_round.data), "--out", str(out), "--jobs", "1"],
                          env=env, cwd=elsewhere, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    folder = out / rendered_round.round_name
    assert {p.name for p in folder.glob("*.html")} >= {"index.html", "zinn.html"}
    page = (folder / "zinn.html").read_text(encoding="utf-8")
    assert "ZINN" in page and "Traceback" not in page
