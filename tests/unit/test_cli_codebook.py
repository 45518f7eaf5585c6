"""The command line hands the chosen codebook and the project's settings on (no rendering here)."""

import pytest

from informeel_lib import cli
from informeel_lib.codebook import DATA_DIR
from informeel_lib.project import DEMO_NOTICE
from tests.support.own_questionnaire import ROUND_1, TRUTH


@pytest.fixture()
def project(tmp_path, monkeypatch):
    (tmp_path / "cb.yaml").write_text(TRUTH[ROUND_1].read_text("utf-8"), "utf-8")
    (tmp_path / "informeel.yaml").write_text("codebook: cb.yaml\ndata: verwerkt\nreports: html\nmin_group: 7\n",
                                             "utf-8")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    return tmp_path


def _capture(monkeypatch, module, name):
    calls = []
    monkeypatch.setattr(module, name, lambda *a, **kw: calls.append((a, kw)) or True)
    return calls


def test_report_takes_codebook_folders_and_min_group_from_informeel_yaml(project, monkeypatch, capsys):
    from informeel_lib.report import batch

    calls = _capture(monkeypatch, batch, "render_round")
    assert cli.main(["report", "--round", ROUND_1]) == 0
    (args, kw), = calls
    assert args == (ROUND_1,)
    assert kw["codebook"] == project / "cb.yaml" and kw["data_dir"] == project / "verwerkt"
    assert kw["out_dir"] == project / "html" and kw["min_group"] == 7
    assert capsys.readouterr().err == ""
    assert cli.main(["report", "--round", ROUND_1, "--codebook", str(DATA_DIR / "codebook.yaml"), "--data", "d",
                     "--min-group", "5"]) == 0
    kw = calls[-1][1]
    assert kw["codebook"] == DATA_DIR / "codebook.yaml" and kw["data_dir"] == "d" and kw["min_group"] == 5


def test_clean_and_demo_hand_on_the_codebook(project, monkeypatch):
    from informeel_lib.io import cleaning
    from informeel_lib.report import batch

    class Result:
        round_name = ROUND_1

        def warnings(self):
            return []

        def summary(self):
            return "samenvatting"

    cleaned = []
    monkeypatch.setattr(cleaning, "clean_files", lambda paths, **kw: cleaned.append(kw) or Result())
    assert cli.main(["clean", "x.csv", "--round", ROUND_1]) == 0
    assert cleaned[0]["codebook"].name == "werkbeleving in de wijkzorg" and cleaned[0]["out"] == project / "verwerkt"
    demos = _capture(monkeypatch, batch, "run_demo")
    assert cli.main(["demo", "--workdir", "w", "--codebook", "../cb.yaml"]) == 0
    assert demos[0][1]["codebook"] == "../cb.yaml"


def test_outside_a_project_the_demo_codebook_is_named_once(tmp_path, monkeypatch, capsys):
    from informeel_lib.report import batch

    monkeypatch.chdir(tmp_path)
    calls = _capture(monkeypatch, batch, "render_round")
    assert cli.main(["report", "--round", ROUND_1]) == 0
    assert calls[0][1]["codebook"] == DATA_DIR / "codebook.yaml" and calls[0][1]["data_dir"] == "data/processed"
    assert capsys.readouterr().err == DEMO_NOTICE + "\n"
