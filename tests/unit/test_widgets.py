"""Widget callbacks (informeel_lib.report.widgets): the functions behind the JupyterLab dropdowns."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from informeel_lib import load_codebook
from informeel_lib.errors import AnalysisError
from informeel_lib.report import widgets

CB = load_codebook()
IWL = CB.scales["IWL"].item_codes
REFL = CB.scales["REFL"].item_codes


@pytest.fixture()
def data():
    rng = np.random.default_rng(3)
    rows = []
    layout = [("A", "T1", 6, "2022-05"), ("A", "T2", 3, "2022-05"), ("B", "X", 4, "2022-05"),
              ("A", "T1", 7, "2021-11"), ("B", "X", 8, "2021-11")]
    for org, team, size, rnd in layout:
        for _ in range(size):
            row = {"organisation": org, "team": team, "round": rnd}
            row.update({i: float(rng.integers(1, 6)) for i in IWL + REFL})
            rows.append(row)
    return pd.DataFrame(rows)


def test_options_list_what_is_in_the_data(data):
    opts = widgets.options(data, CB)
    assert opts["organisation"] == [widgets.ALL, "A", "B"]
    assert opts["round"] == ["2021-11", "2022-05"]
    assert opts["scale"] == ["REFL", "IWL"]  # codebook order, only complete scales


def test_scale_table_per_organisation_suppresses_small_groups(data):
    tab = widgets.scale_table(data, codebook=CB, round_name="2022-05", scale="IWL", min_group=5)
    assert list(tab.columns) == ["organisation", "n", "mean", "sd", "ci_low", "ci_high"]
    assert tab["organisation"].tolist() == ["A"]  # B has 4 respondents in this round
    sub = data[(data["round"] == "2022-05") & (data["organisation"] == "A")]
    assert tab.loc[0, "n"] == 9
    assert tab.loc[0, "mean"] == pytest.approx(sub[IWL].mean(axis=1).mean())
    assert tab.loc[0, "ci_low"] < tab.loc[0, "mean"] < tab.loc[0, "ci_high"]


def test_scale_table_per_team_when_an_organisation_is_chosen(data):
    tab = widgets.scale_table(data, codebook=CB, organisation="A", round_name="2022-05", scale="IWL", min_group=5)
    assert tab["team"].tolist() == ["T1"]  # T2 (3 respondents) never appears
    tab_all_rounds = widgets.scale_table(data, codebook=CB, organisation="A", round_name=widgets.ALL, scale="IWL",
                                         min_group=5)
    assert tab_all_rounds.loc[0, "n"] == 13


def test_scale_table_reverse_keys_reversed_items(data):
    tab = widgets.scale_table(data, codebook=CB, round_name="2021-11", scale="REFL", min_group=5)
    sub = data[data["round"] == "2021-11"].copy()
    for item in CB.scales["REFL"].reverse_items:
        sub[item] = 6 - sub[item]
    expected = sub.assign(s=sub[REFL].mean(axis=1)).groupby("organisation")["s"].mean()
    np.testing.assert_allclose(tab.set_index("organisation")["mean"], expected.loc[["A", "B"]])


def test_scale_view_returns_table_and_figure(data):
    table, fig = widgets.scale_view(data, codebook=CB, organisation=widgets.ALL, round_name="2021-11", scale="IWL")
    assert isinstance(fig, Figure)
    assert table["organisatie"].tolist() == ["A", "B"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["A", "B"]


def test_likert_view_and_errors(data):
    fig = widgets.likert_view(data, codebook=CB, organisation="A", round_name="2021-11", scale="IWL")
    assert len(fig.axes[0].patches) == len(IWL) * 5
    with pytest.raises(AnalysisError, match="Minder dan 5"):
        widgets.likert_view(data, codebook=CB, organisation="B", round_name="2022-05", scale="IWL")
    with pytest.raises(AnalysisError, match="Onbekende schaal"):
        widgets.scale_table(data, codebook=CB, scale="XYZ")
    with pytest.raises(AnalysisError, match="geen antwoorden"):
        widgets.scale_table(data, codebook=CB, organisation="C", scale="IWL")
