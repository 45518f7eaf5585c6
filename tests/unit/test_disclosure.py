"""The disclosure plan's audit on small hand-made cases (the attacker test covers whole reports)."""

import pandas as pd

from informeel_lib.disclosure import derivable_small_groups, disclosure_plan, secure_cells


def test_difference_of_two_published_cells_is_found():
    # atoms: 5 people, 1 person; cells: both together (6) and the first alone (5) -> the second follows
    assert derivable_small_groups([5, 1], [[0, 1], [0]], 5) == [frozenset({1})]
    assert derivable_small_groups([5, 1], [[0, 1]], 5) == []


def test_secondary_suppression_hides_the_complement():
    published = secure_cells([6, 5, 2], {"all": [0, 1, 2], "a": [0], "b": [1], "c": [2]}, 5, fixed={"all"})
    assert published == {"all", "a"}  # c is too small; b goes too, or all - a - b = c


def test_lone_manager_in_a_team_is_not_derivable():
    df = pd.DataFrame({"organisation": ["A"] * 9 + ["B"] * 6, "team": list("xxxxxyyyy") + list("zzzzzz"),
                       "role": ["r"] * 8 + ["m"] + ["r"] * 6})
    plan = disclosure_plan(df, answer_columns=())
    assert plan.organisation_published("A") and plan.organisation_published("B")
    assert not plan.published("role", "r", within="A")  # A minus its care workers would be the manager
    assert not plan.published("role", "r")  # the network minus its care workers likewise
    assert not plan.published("team", "x", within="A")  # A minus team x would be team y (4)
    assert plan.published("team", "z", within="B")
    shown, hidden = plan.filter(pd.DataFrame({"team": ["x", "y"], "n": [5, 4]}), "team", "team", within="A")
    assert shown.empty and hidden == 2


def test_answer_categories_get_complementary_suppression():
    df = pd.DataFrame({"organisation": ["A"] * 12, "team": "t", "role": "r",
                       "answer_form": ["x"] * 7 + ["y"] * 4 + [None]})
    plan = disclosure_plan(df)
    assert not plan.published("answer_form:answer_form", "y", within="A")
    assert not plan.published("answered:answer_form", None, within="A")  # 12 - 11 answered = the one without an answer
    assert plan.published("answer_form:answer_form", "x", within="A")  # 12 - x = y and the one without answer: 5
