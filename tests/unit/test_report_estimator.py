"""The CFA estimator as a setting: codebook `model: estimator:`, the report's sentence and table,
and the ML/WLSMV comparison of notebook 03."""

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

import informeel_lib as il
from informeel_lib.codebook import DATA_DIR, parse_codebook
from informeel_lib.errors import CodebookError
from informeel_lib.report import sections as rs

SYNTH = pd.read_csv(Path(__file__).parents[1] / "reference" / "data" / "synth_items.csv")
MODEL = {"REFL": ["REFL1", "REFL2", "REFL3", "REFL4", "REFL5"], "EXPR": ["EXPR1", "EXPR2", "EXPR3", "EXPR4"]}


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load((DATA_DIR / "codebook.yaml").read_text("utf-8"))


def test_codebook_estimator_default_choice_and_check(raw):
    assert il.load_codebook().research_model.estimator == "ML"        # the default stays lavaan's
    data = copy.deepcopy(raw)
    data["model"]["estimator"] = "wlsmv"
    assert parse_codebook(data).research_model.estimator == "WLSMV"
    data["model"]["estimator"] = "GLS"
    with pytest.raises(CodebookError, match="model.estimator"):
        parse_codebook(data)


def test_estimator_options():
    cb = il.load_codebook()
    assert rs.estimator_options("WLSMV", cb) == {"ordered": True}
    assert rs.estimator_options("mlr", cb) == {"estimator": "MLR"}
    assert rs.estimator_options(None, cb) == {"estimator": "ML"}


def test_report_states_the_estimator_and_shows_scaled_fit_for_wlsmv():
    ml = il.cfa(SYNTH, MODEL).fit
    wlsmv = il.cfa(SYNTH, MODEL, ordered=True).fit
    html_ml = rs.fit_table_html(ml, n=len(SYNTH))
    html_wlsmv = rs.fit_table_html(wlsmv, n=len(SYNTH))
    assert "Schatter: maximum likelihood (ML)" in html_ml
    assert "Schatter: WLSMV" in html_wlsmv and "geschaalde" in html_wlsmv
    shown = rs.reported_fit(wlsmv)
    assert shown["chi2"] == wlsmv["chi2_scaled"] and shown["cfi"] == wlsmv["cfi_scaled"]
    assert rs.reported_fit(ml) is ml
    fiml = il.cfa(pd.read_csv(Path(__file__).parents[1] / "reference" / "data" / "synth_items_missing.csv"),
                  MODEL, missing="fiml").fit
    assert "FIML" in rs.estimator_sentence(fiml)


def test_ml_and_wlsmv_side_by_side():
    html = rs.estimator_comparison_html(SYNTH, MODEL, il.load_codebook())
    assert "met ML en met WLSMV" in html and rs.scale_name("REFL", il.load_codebook()) in html
    assert html.count("<table") == 2


def test_mlr_invariance_table_shows_the_robust_indices_its_deltas_come_from():
    table = pd.DataFrame({"chi2": [100.0, 110.0], "df": [48, 54], "cfi": [0.90, 0.89], "tli": [0.88, 0.88],
                          "rmsea": [0.08, 0.08], "srmr": [0.05, 0.06], "chi2_scaled": [123.4, 131.2],
                          "cfi_robust": [0.951, 0.947], "tli_robust": [0.93, 0.93], "rmsea_robust": [0.061, 0.059],
                          "delta_cfi": [float("nan"), -0.004], "delta_rmsea": [float("nan"), -0.002],
                          "verdict": ["baseline", "acceptable"]}, index=["configural", "metric"])
    table.attrs["estimator"] = "MLR"
    html = rs._invariance_html(table, "organisaties", 9)
    assert "123,4" in html and ",951" in html and ",061" in html and "Brosseau-Liard" in html
    assert "100,0" not in html and "past matig" not in html      # not the naive χ² and CFI
    table.attrs["estimator"] = "ML"
    assert "100,0" in rs._invariance_html(table, "organisaties", 9)
