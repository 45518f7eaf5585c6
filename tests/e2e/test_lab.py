"""Smoke test: JupyterLab starts as `make lab` starts it, serves the notebooks over its REST API, and stops."""

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = {"01_begripsverkenning.ipynb", "02_vragenlijstanalyse.ipynb", "03_factormodel.ipynb",
             "04_invloedsfactoren.ipynb", "05_uitkomsten.ipynb"}

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, token=None):
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.status, json.loads(resp.read().decode())


@contextlib.contextmanager
def running_lab(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    jupyter = Path(sys.executable).parent / "jupyter"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    # the same command as `make lab`, plus what a headless run needs
    cmd = [str(jupyter), "lab", "--notebook-dir=notebooks", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root; Jupyter refuses that without this flag
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/api/status", token)[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("JupyterLab startte niet:\n" + (tmp_path / "lab.log").read_text()[-3000:])
            time.sleep(0.3)
        yield base, token, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()



def test_lab_lists_the_notebooks_and_the_pinned_kernel(tmp_path):
    with running_lab(tmp_path) as (base, token, proc):
        status, listing = _get(f"{base}/api/contents/", token)
        assert status == 200
        names = {item["name"] for item in listing["content"] if item["type"] == "notebook"}
        assert NOTEBOOKS <= names
        _, nb = _get(f"{base}/api/contents/02_vragenlijstanalyse.ipynb", token)
        assert nb["content"]["metadata"]["kernelspec"]["name"] == "informeel"
        _, specs = _get(f"{base}/api/kernelspecs", token)
        assert "informeel" in specs["kernelspecs"], "kernel 'informeel' ontbreekt; draai 'make venv'"
        with pytest.raises(urllib.error.HTTPError) as err:  # the token is required
            _get(f"{base}/api/contents/")
        assert err.value.code == 403
    assert proc.returncode is not None  # the server stopped
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        _get(f"{base}/api/status", token)
