"""Derive the ordinal test data sets from our synthetic network's answers (tests/reference/data/synth_items.csv).

Run from the repository root: ``.venv/bin/python tests/reference/r/make_synth_ordinal_data.py``, then
``Rscript tests/reference/r/polychoric_reference.R``. Writes
``tests/reference/data/synth_items_missing.csv``: the same 1-5 answers with about 30% of them missing
(part at random, part more often for people who answered the first item low), and
``tests/reference/data/synth_items_binary.csv``: the answers split into 0 (1-3) and 1 (4-5), with 10%
missing at random.
"""

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[3]

if __name__ == "__main__":
    items = pd.read_csv(ROOT / "tests" / "reference" / "data" / "synth_items.csv")
    rng = np.random.default_rng(14)
    low_first = (items.iloc[:, 0] <= 2).to_numpy()[:, None]
    p_missing = np.where(low_first, 0.45, 0.25)
    missing = rng.random(items.shape) < p_missing
    missing[:, 0] = rng.random(len(items)) < 0.05          # the first item stays mostly answered
    items.mask(missing).to_csv(ROOT / "tests" / "reference" / "data" / "synth_items_missing.csv", index=False,
                               na_rep="")
    binary = (items >= 4).astype(float).where(items.notna())
    binary = binary.mask(rng.random(items.shape) < 0.10)
    binary.to_csv(ROOT / "tests" / "reference" / "data" / "synth_items_binary.csv", index=False, na_rep="")
    print(f"{len(items)} respondenten, {missing.mean():.0%} ontbrekend; binair geschreven")
