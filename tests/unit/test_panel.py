"""Cross-lagged panel model on respondents matched over two rounds (informeel_lib.analysis.panel)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import informeel_lib as il
from informeel_lib.analysis.panel import cross_lagged, matched_pairs
from informeel_lib.errors import AnalysisError


def panel(n: int, seed: int = 0) -> pd.DataFrame:
    """Two rounds of scale scores with a known cross-lagged structure (one team per 5 people)."""
    rng = np.random.default_rng(seed)
    x1, y1 = rng.standard_normal(n), rng.standard_normal(n)
    x2 = .5 * x1 + .1 * y1 + rng.standard_normal(n)
    y2 = .3 * x1 + .4 * y1 + rng.standard_normal(n)
    ids = [f"p-{i:04d}" for i in range(n)]
    team = [f"t{i // 5}" for i in range(n)]
    return pd.concat([pd.DataFrame({"respondent": ids, "round": "2021-11", "team": team, "X": x1, "Y": y1}),
                      pd.DataFrame({"respondent": ids, "round": "2022-05", "team": team, "X": x2, "Y": y2})],
                     ignore_index=True)


def test_effects_are_the_standardised_regressions_of_the_matched_people():
    data = panel(400)
    res = cross_lagged(data, "X", "Y", bootstrap=0)
    wide = matched_pairs(data, ["X", "Y"], ("2021-11", "2022-05"))
    z = (wide - wide.mean()) / wide.std(ddof=0)
    design = z[["X_1", "Y_1"]].to_numpy()
    bx = np.linalg.lstsq(design, z["X_2"].to_numpy(), rcond=None)[0]
    by = np.linalg.lstsq(design, z["Y_2"].to_numpy(), rcond=None)[0]
    eff = res.effects["beta"]
    assert eff["autoregressief X"] == pytest.approx(bx[0]) and eff["Y → X"] == pytest.approx(bx[1])
    assert eff["X → Y"] == pytest.approx(by[0]) and eff["autoregressief Y"] == pytest.approx(by[1])
    assert res.n_matched == 400 and res.rounds == ("2021-11", "2022-05") and res.fitted
    assert (res.effects["ci_low"] < eff).all() and (eff < res.effects["ci_high"]).all()
    assert "400 respondenten" in res.message


def test_too_few_matched_respondents_says_so_and_fits_nothing():
    data = panel(400)
    data = data[(data["round"] == "2021-11") | data["respondent"].isin([f"p-{i:04d}" for i in range(30)])]
    res = cross_lagged(data, "X", "Y", min_matched=50)
    assert not res.fitted and res.n_matched == 30 and res.fit is None and res.effects.empty
    assert "30 respondenten" in res.message and "minder dan de 50" in res.message and "niet geschat" in res.message


def test_the_minimum_comes_from_the_codebook():
    data = panel(40)
    res = cross_lagged(data, "X", "Y")
    assert res.min_matched == il.load_codebook().research_model.min_matched
    assert res.fitted == (40 >= res.min_matched)


def test_duplicated_pseudonyms_and_incomplete_rows_are_not_matched():
    data = panel(100)
    dup = data.iloc[[0]].copy()
    data = pd.concat([data, dup], ignore_index=True)       # p-0000 twice in round 1
    data.loc[5, "X"] = np.nan                               # p-0005 incomplete in round 1
    wide = matched_pairs(data, ["X", "Y"], ("2021-11", "2022-05"))
    assert len(wide) == 98 and "p-0000" not in wide.index and "p-0005" not in wide.index


def test_cluster_bootstrap_and_input_errors():
    data = panel(300)
    res = cross_lagged(data, "X", "Y", bootstrap=100, seed=1)
    assert res.fit.bootstrap["cluster"] == "_cluster" and res.fit.bootstrap["used"] == 100
    with pytest.raises(AnalysisError, match="één ronde"):
        cross_lagged(data[data["round"] == "2021-11"], "X", "Y")
    with pytest.raises(AnalysisError, match="pseudoniem"):
        cross_lagged(data.drop(columns="respondent"), "X", "Y")
