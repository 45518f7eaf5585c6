"""Export synthetic network data for the lavaan ``sem()`` parity tests of ``informeel_lib``.

Run from the repository root, then rerun the R reference script:

    .venv/bin/python tests/reference/r/make_synth_sem_data.py
    Rscript tests/reference/r/sem_reference.R

Writes ``tests/reference/data/synth_sem.csv``: the first two rounds of
``generate_network(seed=2021)`` with the columns ``round, organisation, role, tenure`` and the
items of the scales used in the structural models (raw answers 1..5; reverse-keyed items NOT
reversed, so their loadings are negative). The CSV is committed, so the tests do not depend on
later changes to the generator.
"""

from __future__ import annotations

from pathlib import Path

from informeel_lib.codebook import load_codebook
from informeel_lib.synth import generate_network

OUT = Path(__file__).resolve().parents[1] / "data" / "synth_sem.csv"
SCALES = ("REFL", "LEID", "IWL", "DUUR", "BIND")


def main() -> None:
    cb = load_codebook()
    data = generate_network(seed=2021).responses
    rounds = sorted(data["round"].unique())[:2]
    data = data[data["round"].isin(rounds)]
    items = [code for code in cb.item_codes if code.rstrip("0123456789") in SCALES]
    cols = ["round", "organisation", "role", "tenure", *items]
    data[cols].to_csv(OUT, index=False, float_format="%.10g")
    print(f"{OUT}: {len(data)} rijen, rondes {', '.join(rounds)}")


if __name__ == "__main__":
    main()
