"""Export synthetic item data for the lavaan parity tests of informeel_lib.analysis.cfa.

Run from the repository root, then rerun the R reference script:

    .venv/bin/python tests/reference/r/make_synth_cfa_data.py
    Rscript tests/reference/r/lavaan_reference.R

Writes ``tests/reference/data/synth_cfa.csv``: the first two rounds of ``generate_network(seed=2021)``
with columns ``round, organisation`` and all 47 items as raw answers 1..5 (reverse-keyed
items NOT reversed, so their loadings are negative). The CSV is committed; the tests read
it, so they do not depend on later changes to the generator.

Also writes ``tests/reference/data/synth_cfa_divergent.csv``: the case of the bug report "invariance
across organisations runs minutes and fails" — round 2021-11 of the synthetic network written
as dirty exports (``write_network(seed=2021)``) and cleaned (``clean_files(..., salt="x")``),
complete cases of the organisations Zonnehuisgroep Noord (51) and ZINN (62), items LEID1-5
and BIND1-3. In Zonnehuisgroep Noord the LEID + BIND model has no finite ML solution (lavaan:
"the optimizer warns that a solution has NOT been found"); in ZINN it converges.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from informeel_lib.codebook import load_codebook
from informeel_lib.synth import generate_network

OUT = Path(__file__).resolve().parents[1] / "data" / "synth_cfa.csv"
OUT_DIVERGENT = OUT.with_name("synth_cfa_divergent.csv")
DIVERGENT_GROUPS = ["Zonnehuisgroep Noord", "ZINN"]
DIVERGENT_ITEMS = ["LEID1", "LEID2", "LEID3", "LEID4", "LEID5", "BIND1", "BIND2", "BIND3"]


def main() -> None:
    cb = load_codebook()
    net = generate_network(seed=2021)
    data = net.responses
    rounds = sorted(data["round"].unique())[:2]
    data = data[data["round"].isin(rounds)]
    cols = ["round", "organisation", *cb.item_codes]
    data[cols].to_csv(OUT, index=False, float_format="%.0f")
    print(f"{OUT}: {len(data)} rijen, rondes {', '.join(rounds)}")
    divergent()


def divergent() -> None:
    from informeel_lib.io.cleaning import clean_files
    from informeel_lib.synth import write_network

    cb = load_codebook()
    with tempfile.TemporaryDirectory() as tmp:
        raw, processed = Path(tmp) / "raw", Path(tmp) / "processed"
        write_network(raw, seed=2021)
        clean_files([raw / "2021-11"], round_name="2021-11", out=processed, salt="x", codebook=cb)
        data = pd.read_parquet(processed / "2021-11.parquet")  # what the reports read
    data = data.dropna(subset=cb.item_codes)  # the complete cases the 47-item invariance model used
    data = data[data["organisation"].isin(DIVERGENT_GROUPS)][["organisation", *DIVERGENT_ITEMS]]
    data.to_csv(OUT_DIVERGENT, index=False, float_format="%.0f")
    print(f"{OUT_DIVERGENT}: {data['organisation'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
