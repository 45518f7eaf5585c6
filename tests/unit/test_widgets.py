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
    opts = widgets.options(data)
    assert opts["organisation"] == [widgets.ALL, "A", "B"]
    assert opts["round"] == ["2021-11", "2022-05"]
    # codebook order, only complete scales; the dropdown shows the name and returns the code
    assert opts["scale"] == [(CB.scales["REFL"].name, "REFL"), (CB.scales["IWL"].name, "IWL")]


def test_scale_table_per_organisation_suppresses_small_groups(data):
    tab = widgets.scale_table(data, round_name="2022-05", scale="IWL", min_group=5)
    assert list(tab.columns) == ["organisation", "n", "mean", "sd", "ci_low", "ci_high"]
    assert tab["organisation"].tolist() == ["A"]  # B has 4 respondents in this round
    sub = data[(data["round"] == "2022-05") & (data["organisation"] == "A")]
    assert tab.loc[0, "n"] == 9
    assert tab.loc[0, "mean"] == pytest.approx(sub[IWL].mean(axis=1).mean())
    assert tab.loc[0, "ci_low"] < tab.loc[0, "mean"] < tab.loc[0, "ci_high"]


def test_scale_table_per_team_when_an_organisation_is_chosen(data):
    tab = widgets.scale_table(data, organisation="A", round_name="2022-05", scale="IWL", min_group=5)
    assert tab["team"].tolist() == ["T1"]  # T2 (3 respondents) never appears
    tab_all_rounds = widgets.scale_table(data, organisation="A", round_name=widgets.ALL, scale="IWL", min_group=5)
    assert tab_all_rounds.loc[0, "n"] == 13


def test_scale_table_reverse_keys_reversed_items(data):
    tab = widgets.scale_table(data, round_name="2021-11", scale="REFL", min_group=5)
    sub = data[data["round"] == "2021-11"].copy()
    for item in CB.scales["REFL"].reverse_items:
        sub[item] = 6 - sub[item]
    expected = sub.assign(s=sub[REFL].mean(axis=1)).groupby("organisation")["s"].mean()
    np.testing.assert_allclose(tab.set_index("organisation")["mean"], expected.loc[["A", "B"]])


def test_scale_view_returns_a_titled_dutch_table_and_figure(data):
    view = widgets.scale_view(data, organisation=widgets.ALL, round_name="2021-11", scale="IWL")
    fig = view.figures[0]
    assert isinstance(fig, Figure)
    assert view.title == f"{CB.scales['IWL'].name}: het netwerk, ronde 2021-11"
    assert view.table["organisation"].tolist() == ["A", "B"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["A", "B"]
    # researcher-grade table: named columns, Dutch decimals, no pandas internals
    assert ">Organisatie</th>" in view.html and ">95%-BI</th>" in view.html and "ci_laag" not in view.html
    mean = view.table.loc[0, "mean"]
    assert f"{mean:.2f}".replace(".", ",") in view.html and f"{mean:.6f}" not in view.html
    assert view._repr_html_().startswith('<h4 class="keuze">')


def test_scale_view_defaults_to_the_codebook_outcome(data):
    assert widgets.default_outcome() == "IWL"  # first scale with role 'outcome' in the package codebook
    assert widgets.scale_view(data, round_name="2021-11").title.startswith(CB.scales["IWL"].name)


def test_likert_view_shows_item_texts_and_the_choice(data):
    view = widgets.likert_view(data, organisation="A", round_name="2021-11", scale="IWL")
    fig = view.figures[0]
    assert len(fig.axes[0].patches) == len(IWL) * 5
    assert fig.axes[0].get_title() == view.title == f"{CB.scales['IWL'].name}: A, ronde 2021-11"
    labels = " ".join(t.get_text() for t in fig.axes[0].get_yticklabels()).replace("\n", " ")
    first = CB.scales["IWL"].items[0]
    assert first.code in labels and first.text.split()[0] in labels


def test_widget_errors_are_dutch(data):
    with pytest.raises(AnalysisError, match="Minder dan 5"):
        widgets.likert_view(data, organisation="B", round_name="2022-05", scale="IWL")
    with pytest.raises(AnalysisError, match="Onbekende schaal"):
        widgets.scale_table(data, scale="XYZ")
    with pytest.raises(AnalysisError, match="geen antwoorden"):
        widgets.scale_table(data, organisation="C", scale="IWL")
