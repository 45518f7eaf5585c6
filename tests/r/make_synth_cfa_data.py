"""Export synthetic item data for the lavaan parity tests of informeel_lib.cfa.

Run from the repository root, then rerun the R reference script:

    .venv/bin/python tests/r/make_synth_cfa_data.py
    Rscript tests/r/lavaan_reference.R

Writes ``tests/data/synth_cfa.csv``: the first two rounds of ``generate_network(seed=2021)``
with columns ``round, organisation`` and all 47 items as raw answers 1..5 (reverse-keyed
items NOT reversed, so their loadings are negative). The CSV is committed; the tests read
it, so they do not depend on later changes to the generator.
"""

from __future__ import annotations

from pathlib import Path

from informeel_lib.codebook import load_codebook
from informeel_lib.synth import generate_network

OUT = Path(__file__).resolve().parents[1] / "data" / "synth_cfa.csv"


def main() -> None:
    cb = load_codebook()
    net = generate_network(seed=2021)
    data = net.responses
    rounds = sorted(data["round"].unique())[:2]
    data = data[data["round"].isin(rounds)]
    cols = ["round", "organisation", *cb.item_codes]
    data[cols].to_csv(OUT, index=False, float_format="%.0f")
    print(f"{OUT}: {len(data)} rijen, rondes {', '.join(rounds)}")


if __name__ == "__main__":
    main()
