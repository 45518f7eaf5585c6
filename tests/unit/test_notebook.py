"""The notebook setup call, its widgets (initial values, titles) and the researcher-grade formatting."""

import re

import numpy as np
import pandas as pd
import pytest

from informeel_lib import load_codebook
from informeel_lib.errors import InputError
from informeel_lib.nl import from_to
from informeel_lib.report import explore, notebook, widgets

CB = load_codebook()
ROUNDS = ("2021-11", "2022-05")


@pytest.fixture(scope="module")
def data_map(tmp_path_factory):
    """Two processed rounds of a small synthetic network, as data/processed holds them."""
    from informeel_lib.synth import generate_network

    folder = tmp_path_factory.mktemp("processed")
    responses = generate_network(5, rounds=ROUNDS, scale=0.6).responses.drop(columns=["personal_code"])
    for r in ROUNDS:
        responses[responses["round"] == r].to_parquet(folder / f"{r}.parquet")
    return folder


@pytest.fixture()
def shown(monkeypatch):
    """Everything the notebook displays, as HTML text."""
    import IPython.display

    out = []

    def display(*objs, **_kw):
        for o in objs:
            out.append(o.data if hasattr(o, "data") else (o._repr_html_() if hasattr(o, "_repr_html_") else repr(o)))

    monkeypatch.setattr(IPython.display, "display", display)
    return out


def test_setup_resolves_the_parameters(data_map, monkeypatch):
    nb = notebook.setup(data_map=data_map, organisatie="zinn ", min_groep=6)
    assert (nb.round_name, nb.organisation, nb.min_group) == (ROUNDS[-1], "ZINN", 6)  # None = the latest round
    assert set(nb.focus["organisation"]) == {"ZINN"} and set(nb.focus["round"]) == {ROUNDS[-1]}
    assert nb.where == f"ZINN, ronde {ROUNDS[-1]}"
    monkeypatch.setenv(notebook.DATA_ENV, str(data_map))
    assert notebook.setup(ronde=ROUNDS[0]).data_dir == data_map  # data_map None: the environment variable
    with pytest.raises(InputError, match="ronde 2030-01 staat niet"):
        notebook.setup(ronde="2030-01")


def test_setup_without_any_data_folder_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv(notebook.DATA_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="make demo"):
        notebook.resolve_data_map(None)


def _dropdowns(ui) -> dict:
    return {c.description: c for c in ui.children if hasattr(c, "options")}


def test_widgets_start_at_the_parameters_and_titles_follow_the_choice(data_map, shown):
    second_scale = list(CB.scales)[1]
    nb = notebook.setup(data_map=data_map, ronde=ROUNDS[0], organisatie="Treant", interactief=True)
    nb.likert_widget(second_scale)
    nb.scale_widget(None)
    likert, scale = nb.widgets
    controls = _dropdowns(likert)
    assert (controls["organisatie"].value, controls["ronde"].value, controls["schaal"].value) == \
        ("Treant", ROUNDS[0], second_scale)
    assert _dropdowns(scale)["schaal"].value == widgets.default_outcome()
    assert any(f"{CB.scales[second_scale].name}: Treant, ronde {ROUNDS[0]}" in s for s in shown)
    controls["organisatie"].value = "ZINN"  # a new choice redraws, and the title names it
    assert f"{CB.scales[second_scale].name}: ZINN, ronde {ROUNDS[0]}" in shown[-1]


def test_factor_and_influence_widgets_start_at_the_parameters(data_map, shown):
    predictors = [s for s, sc in CB.scales.items() if sc.role == "predictor"][:2]
    nb = notebook.setup(data_map=data_map, interactief=True)
    nb.factor_widget(3, "varimax")
    nb.influence_widget(None, predictors)
    factors, influence = (_dropdowns(w) for w in nb.widgets)
    assert (factors["aantal_factoren"].value, factors["rotatie"].value) == (3, "varimax")
    assert factors["organisatie"].value == widgets.ALL and factors["ronde"].value == ROUNDS[-1]
    assert influence["uitkomst"].value == widgets.default_outcome()
    assert influence["voorspellers"].value == tuple(predictors)
    assert any("EFA met 3 factoren, rotatie varimax: het netwerk" in s for s in shown)
    assert any(f"verklaard door 2 factoren: het netwerk, ronde {ROUNDS[-1]}" in s for s in shown)
    factors["rotatie"].value = "oblimin"
    assert "rotatie oblimin" in shown[-1]


def test_static_mode_shows_the_parameters_choice_without_widgets(data_map, shown):
    nb = notebook.setup(data_map=data_map, organisatie="ZINN", interactief=False)
    nb.scale_widget(None)
    assert nb.widgets == [] and f"ZINN, ronde {ROUNDS[-1]}" in shown[-1] and "Gemiddelde score per team" in shown[-1]


def test_tables_and_figures_are_numbered_in_order(data_map, shown):
    from informeel_lib.report import sections as rs

    nb = notebook.setup(data_map=data_map)
    nb.table(rs.response_by_round(nb.data, min_group=5), title="Respons")
    nb.section(rs.reliability_section(nb.context))
    nb.figure(explore.correlation_heatmap(nb.scale_scores()), title="Samenhang")
    nb.table(pd.DataFrame({"a": [1.5]}), title="Nog een")
    text = "".join(shown)
    assert re.findall(r"<strong>Tabel (\d+)</strong>", text) == ["1", "2", "3"]
    assert re.findall(r"<strong>Figuur (\d+)</strong>", text) == ["1"]
    assert "<h2>" not in text  # the notebook's markdown has the heading, the section's own is dropped
    assert "1,50" in text


def test_loadings_table_reads_like_a_report(data_map):
    nb = notebook.setup(data_map=data_map)
    fa = __import__("informeel_lib").efa(nb.items, n_factors=len(CB.scales), rotation="oblimin")
    table = explore.loadings_table(fa, CB)
    factor_cols = [c for c in table.columns if re.match(r"F\d+ ", c)]
    assert len(factor_cols) == len(CB.scales)
    values = table[factor_cols].to_numpy().ravel()
    assert all(v == "" or re.fullmatch(r"[-−]?\d?,\d\d", v) for v in values)  # two decimals, decimal comma, no zero
    assert (values == "").sum() > len(values) / 2  # the cut-off leaves most cells empty
    assert table["Tekst"].str.len().gt(10).all() and set(table["Item"]) == set(CB.item_codes)
    # well-separated synthetic scales: every scale names a factor
    named = {re.sub(r"^F\d+ | \(\d\)$", "", c) for c in factor_cols}
    assert len(named & {sc.name for sc in CB.scales.values()}) >= len(CB.scales) - 2
    assert "Ladingen onder ,30" in explore.loadings_html(fa, CB, title="x")


def test_factor_names_follow_the_dominant_scale_and_stay_unique():
    a, b = CB.scales[list(CB.scales)[0]], CB.scales[list(CB.scales)[1]]
    codes = a.item_codes + b.item_codes
    loadings = pd.DataFrame(0.05, index=codes, columns=["MR1", "MR2", "MR3"])
    loadings.loc[a.item_codes, "MR1"] = 0.7
    loadings.loc[b.item_codes, "MR2"] = 0.6
    loadings.loc[a.item_codes[:2], "MR3"] = 0.5
    names = explore.factor_names(loadings, CB)
    assert names == {"MR1": f"F1 {a.name}", "MR2": f"F2 {b.name}", "MR3": f"F3 {a.name} (2)"}


@pytest.mark.parametrize("before, after, text", [(3.72, 3.74, "3,72 → 3,74"), (3.6, 3.9, "3,6 → 3,9"),
                                                 (3.7004, 3.7016, "3,700 → 3,702")])
def test_change_never_reads_the_same_number_twice(before, after, text):
    assert from_to(before, after) == text


def test_change_pairs_differ_whenever_the_means_do():
    rng = np.random.default_rng(1)
    for a, d in zip(rng.uniform(1, 5, 500), rng.uniform(0.001, 0.2, 500)):
        left, right = from_to(a, a + d).split(" → ")
        assert left != right


def test_open_answer_counts_add_up_to_n(data_map):
    from informeel_lib.report.sections import FORM_NONE, open_answer_counts

    nb = notebook.setup(data_map=data_map)
    table = open_answer_counts(nb.data, column="OPEN_VOORBEELD", min_group=1)
    assert FORM_NONE in table.columns and len(table)
    parts = table[["zelfgestuurd", "incidenteel", "tacit", FORM_NONE]].sum(axis=1)
    assert (parts == table["n"]).all()
