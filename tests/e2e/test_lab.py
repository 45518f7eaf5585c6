"""Smoke test: JupyterLab starts as `make lab` starts it, serves the notebooks over its REST API, and stops."""

import urllib.error

import pytest

from tests.support.lab import get_json, running_lab

NOTEBOOKS = {"01_begripsverkenning.ipynb", "02_vragenlijstanalyse.ipynb", "03_factormodel.ipynb",
             "04_invloedsfactoren.ipynb", "05_uitkomsten.ipynb"}

pytestmark = pytest.mark.slow


def test_lab_lists_the_notebooks_and_the_pinned_kernel(tmp_path):
    with running_lab(tmp_path) as lab:
        base, token, proc = lab.base, lab.token, lab.proc
        status, listing = get_json(f"{base}/api/contents/", token)
        assert status == 200
        names = {item["name"] for item in listing["content"] if item["type"] == "notebook"}
        assert NOTEBOOKS <= names
        _, nb = get_json(f"{base}/api/contents/02_vragenlijstanalyse.ipynb", token)
        assert nb["content"]["metadata"]["kernelspec"]["name"] == "informeel"
        _, specs = get_json(f"{base}/api/kernelspecs", token)
        assert "informeel" in specs["kernelspecs"], "kernel 'informeel' ontbreekt; draai 'make venv'"
        with pytest.raises(urllib.error.HTTPError) as err:  # the token is required
            get_json(f"{base}/api/contents/")
        assert err.value.code == 403
    assert proc.returncode is not None  # the server stopped
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        get_json(f"{base}/api/status", token)
