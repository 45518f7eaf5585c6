"""`informeel report --codebook FILE`: the batch passes that codebook on and never looks one up itself.

Looking a codebook up from the working directory (no ``informeel.yaml`` there) gives the demo
questionnaire and prints the demo notice: a batch run with ``--codebook`` printed it and planned the
reports with the demo's open questions (the bug of the end-to-end walkthrough).
"""

import pandas as pd
import pytest

from informeel_lib import project
from informeel_lib.report import batch
from informeel_lib.report.context import round_plan
from tests.support.own_questionnaire import ROUND_1, TRUTH


@pytest.fixture()
def own_round(tmp_path, monkeypatch):
    """A processed round of the tests' own questionnaire in a folder without ``informeel.yaml``."""
    data = tmp_path / "verwerkt"
    data.mkdir()
    pd.DataFrame({"organisation": ["Zorgbrug"] * 6 + ["De Kustlijn"] * 6,
                  "team": ["Noord", "Zuid"] * 6, "role": ["wijkverpleegkundige"] * 12,
                  "OPEN_LEREN": [None] * 12}).to_parquet(data / f"{ROUND_1}.parquet")
    monkeypatch.chdir(tmp_path)
    return data


def _no_lookup(start=None):
    raise AssertionError("the codebook was looked up from the working directory instead of the one given")


def test_planning_a_round_uses_the_given_codebook_and_prints_no_demo_notice(own_round, tmp_path, monkeypatch,
                                                                              capsys):
    monkeypatch.setattr(project, "load_project", _no_lookup)
    jobs, skipped = batch.plan_round(ROUND_1, data_dir=own_round, out_dir=tmp_path / "rapporten", min_group=5,
                                     codebook=TRUTH[ROUND_1])
    assert "demovragenlijst" not in capsys.readouterr().err
    assert sorted(j.organisation or "" for j in jobs) == ["", "De Kustlijn", "Zorgbrug"] and skipped == []
    assert {j.parameters["codebook"] for j in jobs} == {str(TRUTH[ROUND_1].resolve())}


def test_the_disclosure_plan_protects_the_given_codebooks_open_questions(own_round, monkeypatch):
    pd.read_parquet(own_round / f"{ROUND_1}.parquet").assign(OPEN_LEREN=["Ik leerde van een collega."] * 12) \
        .to_parquet(own_round / f"{ROUND_1}.parquet")
    monkeypatch.setattr(project, "load_project", _no_lookup)
    plan = batch.round_disclosure_plan(own_round, ROUND_1, 5, codebook=TRUTH[ROUND_1])
    assert "answered:OPEN_LEREN" in set(plan.cells["partition"])  # the demo codebook has no OPEN_LEREN
    with pytest.raises(TypeError):
        round_plan(pd.read_parquet(own_round / f"{ROUND_1}.parquet"), min_group=5)  # no default to fall back on
