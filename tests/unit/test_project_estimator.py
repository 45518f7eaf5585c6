"""The CFA estimator as a project setting: notebook parameter / CLI > informeel.yaml > codebook > ML."""

from dataclasses import replace

import pytest

from informeel_lib.codebook import load_codebook
from informeel_lib.errors import InputError
from informeel_lib.project import load_project, resolve_estimator
from informeel_lib.report.context import estimator_options


@pytest.fixture()
def codebook_wlsmv():
    """The demo codebook with ``model: estimator: WLSMV``."""
    cb = load_codebook()
    return replace(cb, model=replace(cb.research_model, estimator="WLSMV"))


def _project(folder, estimator=None):
    lines = ["data: data/processed\n"] + ([f"estimator: {estimator}\n"] if estimator else [])
    (folder / "informeel.yaml").write_text("".join(lines), "utf-8")
    (folder / "notebooks").mkdir()
    return folder / "notebooks"


def test_project_file_beats_the_codebook_and_explicit_beats_both(tmp_path, monkeypatch, codebook_wlsmv):
    monkeypatch.chdir(_project(tmp_path, "mlr"))
    assert load_project().estimator == "MLR"
    assert resolve_estimator(codebook=codebook_wlsmv) == "MLR"
    assert resolve_estimator("wlsmv", codebook=codebook_wlsmv) == "WLSMV"
    assert estimator_options(None, codebook_wlsmv) == {"estimator": "MLR"}
    assert estimator_options("WLSMV", codebook_wlsmv) == {"ordered": True}


def test_without_a_project_setting_the_codebook_then_ml(tmp_path, monkeypatch, codebook_wlsmv):
    monkeypatch.chdir(_project(tmp_path))
    assert resolve_estimator(codebook=codebook_wlsmv) == "WLSMV"
    assert estimator_options(None, codebook_wlsmv) == {"ordered": True}
    assert resolve_estimator() == "ML"
    assert resolve_estimator(codebook=load_codebook()) == load_codebook().research_model.estimator


def test_project_file_is_found_from_the_data_folder(tmp_path, monkeypatch, codebook_wlsmv):
    (tmp_path / "elders").mkdir()
    _project(tmp_path / "elders")
    project = tmp_path / "project"
    project.mkdir()
    _project(project, "MLR")
    monkeypatch.chdir(tmp_path / "elders" / "notebooks")
    assert resolve_estimator(codebook=codebook_wlsmv, start=project / "data") == "MLR"
    assert resolve_estimator(codebook=codebook_wlsmv) == "WLSMV"


@pytest.mark.parametrize("value", ["GLS", "1"])
def test_an_unknown_estimator_is_a_dutch_error(tmp_path, monkeypatch, value):
    monkeypatch.chdir(_project(tmp_path, value))
    with pytest.raises(InputError, match="'estimator' moet een van ML, MLR, WLSMV zijn"):
        resolve_estimator()
    with pytest.raises(InputError, match="niet 'ULS'"):
        resolve_estimator("ULS")


def test_the_cli_passes_schatter_to_the_report(monkeypatch):
    from informeel_lib import cli

    args = cli.build_parser().parse_args(["report", "--round", "2022-05", "--schatter", "mlr"])
    assert args.estimator == "MLR"
    assert cli.build_parser().parse_args(["report", "--round", "2022-05"]).estimator is None
