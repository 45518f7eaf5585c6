"""Small-group suppression and HTML stripping, edge by edge (each test kills mutants that survived
``make mutate``; see benchmarks/mutation/survivors.md)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from informeel_lib.errors import AnalysisError
from informeel_lib.privacy import SUPPRESSED_NOTE, strip_html, suppress_small_groups


def test_refuses_what_is_not_a_table_with_a_dutch_message():
    with pytest.raises(AnalysisError,
                       match=r"^Onderdrukken van kleine groepen kan alleen op een tabel \(DataFrame\)\.$"):
        suppress_small_groups([{"n": 3}])


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "5"])
def test_min_group_must_be_a_whole_number_of_at_least_one(bad):
    table = pd.DataFrame({"n": [3, 8], "m": [1.0, 2.0]})
    with pytest.raises(AnalysisError, match="minstens 1"):
        suppress_small_groups(table, min_group=bad)


def test_min_group_one_is_allowed_and_hides_only_empty_or_unknown_groups():
    table = pd.DataFrame({"n": [0, 1, None], "m": [1.0, 2.0, 3.0]})
    out = suppress_small_groups(table, min_group=1)
    assert out["suppressed"].tolist() == [True, False, True]  # a missing n counts as 0
    assert np.isnan(out.loc[0, "m"]) and out.loc[1, "m"] == 2.0 and np.isnan(out.loc[2, "m"])


def test_unknown_value_columns_are_all_named():
    table = pd.DataFrame({"n": [3, 8], "m": [1.0, 2.0]})
    with pytest.raises(AnalysisError, match=r"^Kolom\(men\) a, b staan niet in de tabel\.$"):
        suppress_small_groups(table, value_cols=["m", "a", "b"])


def test_a_count_that_is_not_a_number_counts_as_zero():
    table = pd.DataFrame({"n": ["< 5", "12"], "m": [1.0, 2.0]})
    out = suppress_small_groups(table)
    assert out["suppressed"].tolist() == [True, False] and np.isnan(out.loc[0, "m"])


def test_column_types_masked_without_warnings_and_flags_left_alone():
    table = pd.DataFrame({"n": [3, 8], "count": [2, 7], "label": ["x", "y"], "flag": [True, False],
                          "m": [1.5, 2.5]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = suppress_small_groups(table)
        explicit = suppress_small_groups(table, value_cols=["label"])
    assert out["count"].dtype == "float64" and np.isnan(out.loc[0, "count"]) and out.loc[1, "count"] == 7
    assert out["flag"].tolist() == [True, False]  # booleans are not statistics: never masked by default
    assert out["label"].tolist() == ["x", "y"]  # text is masked only when asked for
    assert explicit.loc[0, "label"] is None and explicit.loc[1, "label"] == "y"
    assert explicit.loc[0, "m"] == 1.5  # only the named columns


def test_earlier_suppression_and_notes_are_kept():
    table = pd.DataFrame({"n": [3, 8, 9, 2], "m": [1.0, 2.0, 3.0, 4.0], "suppressed": [False, True, False, False],
                          "note": [None, "eerder verborgen", np.nan, "eigen reden"]})
    out = suppress_small_groups(table)
    assert out["suppressed"].tolist() == [True, True, False, True]
    assert out.loc[0, "note"] == SUPPRESSED_NOTE.format(min_group=5)
    assert out.loc[1, "note"] == "eerder verborgen"
    assert out.loc[2, "note"] == ""  # a shown group without a note has an empty note, not a placeholder
    assert out.loc[3, "note"] == "eigen reden"  # an existing reason is not overwritten


@pytest.mark.parametrize(("text", "expected"), [
    ("a<br>b", "a b"),
    ("3 < 5 > 2", "3   5   2"),
    ("x &lt;b&gt;vet&lt;/b&gt; y", "x  vet  y"),
])
def test_strip_html_exact_output(text, expected):
    assert strip_html(text) == expected
