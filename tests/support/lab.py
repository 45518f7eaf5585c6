"""JupyterLab started as `make lab` starts it (headless, with a token, on a free port), for the lab tests."""

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
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its address, token, server process and log file."""

    base: str
    token: str
    proc: subprocess.Popen
    log: Path

    def get(self, path: str, *, token: bool = True):
        """GET ``base + path``; (status, decoded JSON)."""
        return get_json(self.base + path, self.token if token else None)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url, token=None):
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.status, json.loads(resp.read().decode())


def lab_command(port: int, token: str, notebook_dir) -> list[str]:
    """The command of `make lab`, plus what a headless run needs (no browser, a fixed port and token)."""
    jupyter = Path(sys.executable).parent / "jupyter"
    cmd = [str(jupyter), "lab", f"--notebook-dir={notebook_dir}", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root; Jupyter refuses that without this flag
    return cmd


@contextlib.contextmanager
def running_lab(tmp_path: Path, notebook_dir="notebooks", *, env: dict | None = None, settings: dict | None = None,
                startup: float = 60):
    """Start JupyterLab in the project root (as `make lab`), yield a :class:`Lab`, stop it afterwards.

    ``notebook_dir`` is relative to the project root or absolute; ``env`` adds environment variables (the
    kernels inherit them); ``settings`` maps a plugin (``"@jupyterlab/docmanager-extension/plugin"``) to
    the user settings JupyterLab reads for it. Runtime and config folders are private to ``tmp_path``, so
    no other lab or an earlier run interferes.
    """
    port, token = free_port(), secrets.token_hex(16)
    for plugin, values in (settings or {}).items():
        target = tmp_path / "config" / "lab" / "user-settings" / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    full_env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
                    JUPYTER_CONFIG_DIR=str(tmp_path / "config"), **(env or {}))
    log_path = tmp_path / "lab.log"
    log = log_path.open("w")
    proc = subprocess.Popen(lab_command(port, token, notebook_dir), cwd=ROOT, env=full_env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token, proc, log_path)
    try:
        deadline = time.monotonic() + startup
        while True:
            try:
                if lab.get("/api/status")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("JupyterLab startte niet:\n" + lab.log_tail())
            time.sleep(0.3)
        yield lab
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
