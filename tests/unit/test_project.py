"""informeel.yaml: found in the working directory or a parent; which codebook a command uses."""

import pytest

from informeel_lib.codebook import DATA_DIR, load_codebook
from informeel_lib.errors import CodebookError, InputError
from informeel_lib.project import (
    DEMO_NOTICE,
    codebook_path,
    find_project_file,
    load_project,
    project_setting,
    resolve_codebook,
)
from tests.support.own_questionnaire import ROUND_1, TRUTH


@pytest.fixture()
def project(tmp_path):
    """A project root with its own codebook in a subfolder and a nested working folder."""
    (tmp_path / "vragenlijst").mkdir()
    (tmp_path / "vragenlijst" / "codeboek.yaml").write_text(TRUTH[ROUND_1].read_text("utf-8"), "utf-8")
    (tmp_path / "informeel.yaml").write_text(
        "codebook: vragenlijst/codeboek.yaml\ndata: data/verwerkt\nreports: rapporten\nmin_group: 8\n"
        "salt_file: geheim/salt.txt\n", "utf-8")
    (tmp_path / "notebooks" / "diep").mkdir(parents=True)
    return tmp_path


def test_found_in_a_parent_with_paths_relative_to_the_file(project, monkeypatch):
    monkeypatch.chdir(project / "notebooks" / "diep")
    assert find_project_file() == project / "informeel.yaml"
    p = load_project()
    assert p.codebook == project / "vragenlijst" / "codeboek.yaml"
    assert (p.data, p.reports, p.min_group) == (project / "data" / "verwerkt", project / "rapporten", 8)
    assert p.salt_file == project / "geheim" / "salt.txt" and p.raw is None
    assert project_setting("min_group") == 8 and project_setting("min_group", 3) == 3  # explicit wins
    assert project_setting("raw", None, "data/raw") == "data/raw"


def test_resolution_order_explicit_then_project_then_demo_with_one_notice(project, tmp_path_factory, monkeypatch,
                                                                         capsys):
    monkeypatch.chdir(project / "notebooks")
    assert resolve_codebook().name == "werkbeleving in de wijkzorg"          # informeel.yaml
    demo_file = DATA_DIR / "codebook.yaml"
    assert "REFL" in resolve_codebook(demo_file).scales                       # --codebook wins over the project
    assert capsys.readouterr().err == ""                                       # no notice when a codebook is named
    outside = tmp_path_factory.mktemp("zonder_project")
    monkeypatch.chdir(outside)
    assert find_project_file() is None                                        # no project file up to /
    assert resolve_codebook() is load_codebook()                               # the packaged demo
    assert capsys.readouterr().err == DEMO_NOTICE + "\n"                       # one Dutch line
    assert codebook_path(notify=False) == demo_file and capsys.readouterr().err == ""


def test_a_loaded_codebook_is_used_as_it_is(project):
    cb = load_codebook(project / "vragenlijst" / "codeboek.yaml")
    assert resolve_codebook(cb) is cb


@pytest.mark.parametrize("text, fragment", [
    ("codebook: [niet, goed", "geen geldige YAML"),
    ("codeboek: x.yaml\n", "onbekende sleutel(s) codeboek"),
    ("min_group: nul\n", "'min_group' moet een geheel getal"),
    ("min_group: 0\n", "'min_group' moet een geheel getal"),
    ("codebook: bestaat_niet.yaml\n", "bestaat_niet.yaml' uit het projectbestand bestaat niet"),
    ("- een lijst\n", "moet sleutels bevatten"),
])
def test_a_wrong_project_file_is_a_dutch_input_error_naming_it(tmp_path, text, fragment):
    (tmp_path / "informeel.yaml").write_text(text, "utf-8")
    with pytest.raises(InputError, match="informeel.yaml") as err:
        load_project(tmp_path)
    assert fragment in str(err.value)


def test_a_missing_explicit_codebook_is_a_codebook_error(tmp_path):
    with pytest.raises(CodebookError, match="bestaat niet"):
        resolve_codebook(tmp_path / "geen.yaml")
