"""A round's disclosure plan is computed once per process for the same cells (the batch's warm kernels run
several reports of a round), and afresh whenever anything it depends on differs."""

import pandas as pd
import pytest

from informeel_lib.codebook import load_codebook
from informeel_lib.report import context
from informeel_lib.report.context import round_plan
from tests.support.own_questionnaire import ROUND_1, TRUTH


@pytest.fixture()
def counted(monkeypatch):
    """The number of plans actually computed (disclosure_plan calls), with an empty memo."""
    import informeel_lib.disclosure as disclosure

    monkeypatch.setattr(context, "_PLANS", {})
    calls = []
    real = disclosure.disclosure_plan

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(disclosure, "disclosure_plan", counting)
    return calls


def _round(open_answer="Ik leerde van een collega.") -> pd.DataFrame:
    return pd.DataFrame({"organisation": ["Zorgbrug"] * 6 + ["De Kustlijn"] * 6,
                         "team": ["Noord", "Zuid"] * 6, "role": ["wijkverpleegkundige"] * 11 + ["teamleider"],
                         "OPEN_LEREN": [open_answer] * 12})


def test_the_same_round_is_planned_once(counted):
    cb = load_codebook(TRUTH[ROUND_1])
    first = round_plan(_round(), min_group=5, codebook=cb)
    again = round_plan(_round(), min_group=5, codebook=cb)
    assert again is first and len(counted) == 1


@pytest.mark.parametrize("change", ["team", "role", "answer", "min_group", "order"])
def test_any_difference_plans_afresh(counted, change):
    cb = load_codebook(TRUTH[ROUND_1])
    base = round_plan(_round(), min_group=5, codebook=cb)
    data, min_group = _round(), 5
    if change == "team":
        data.loc[0, "team"] = "Oost"
    elif change == "role":
        data.loc[0, "role"] = "teamleider"
    elif change == "answer":
        data = _round("Ik zocht het zelf op.")
    elif change == "min_group":
        min_group = 6
    else:
        data = data.iloc[::-1]
    other = round_plan(data, min_group=min_group, codebook=cb)
    assert other is not base and len(counted) == 2
    if change in ("team", "role"):
        assert not other.cells.equals(base.cells)
    assert other.min_group == min_group
