"""A codebook that changes between rounds: what changed, and scores on the items a round holds."""

import numpy as np
import pandas as pd

from informeel_lib.report.context import _scored, held_items, item_changes
from tests.support.own_questionnaire import ROUND_2, truth


def test_items_added_removed_and_reworded():
    ch = item_changes({"A1": "oud", "A2": "blijft", "A3": "weg"}, {"A1": "nieuw", "A2": "blijft", "A4": "erbij"})
    assert ch.added == ("A4",) and ch.removed == ("A3",) and ch.reworded == {"A1": ("oud", "nieuw")}
    assert bool(ch) and not item_changes({"A1": "x"}, {"A1": "x"})


def test_scales_are_scored_on_the_items_the_round_holds():
    cb = truth(ROUND_2)
    rng = np.random.default_rng(0)
    data = pd.DataFrame({c: rng.integers(1, 6 if c.startswith("ONTW") else 8, 30).astype(float) for c in cb.item_codes})
    data["BEVL5"] = np.nan                                     # an item this round did not ask
    assert "BEVL5" not in held_items(data, cb)
    scored = _scored(data, cb)
    bevl = data[["BEVL1", "BEVL2", "BEVL3", "BEVL4"]].assign(BEVL3=8 - data["BEVL3"]).mean(axis=1)
    np.testing.assert_allclose(scored["BEVL"], bevl)
    ontw = data[["ONTW1", "ONTW2", "ONTW3", "ONTW4"]].assign(ONTW3=6 - data["ONTW3"]).mean(axis=1)
    np.testing.assert_allclose(scored["ONTW"], ontw)          # reversed on its own 1-5 scale
    fewer = _scored(data, cb, items=["WDR1", "STEUN1", "STEUN2", "ONTW1", "ONTW2", "BEVL1"])
    assert "WDR" not in fewer and "BEVL" not in fewer and "STEUN" in fewer   # at least half of a scale's items
