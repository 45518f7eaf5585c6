"""Export one round of our synthetic network's item answers for the R reference script.

Run from the repository root: ``.venv/bin/python tests/reference/r/make_synth_reference_data.py``, then
``Rscript tests/reference/r/psych_reference.R``. Writes ``tests/reference/data/synth_items.csv`` (raw 1-5 answers,
not reverse keyed, empty = missing) and ``tests/reference/data/synth_scales.json`` ({scales, reverse}).
"""

import json
from pathlib import Path

from informeel_lib.codebook import load_codebook
from informeel_lib.synth import generate_network

ROOT = Path(__file__).resolve().parents[3]
SCALES = ["REFL", "EXPR", "LEID", "VEIL", "AUTO"]   # 23 items, five factors: a readable EFA

if __name__ == "__main__":
    cb = load_codebook()
    items = [i for s in SCALES for i in cb.scales[s].item_codes]
    net = generate_network(seed=2021)
    data = net.round("2022-05")[items]
    data.to_csv(ROOT / "tests" / "reference" / "data" / "synth_items.csv", index=False, na_rep="")
    spec = {"scales": {s: cb.scales[s].item_codes for s in SCALES},
            "reverse": [i for i in cb.reverse_items if i in items]}
    (ROOT / "tests" / "reference" / "data" / "synth_scales.json").write_text(json.dumps(spec, indent=1))
    print(f"{len(data)} respondenten, {len(items)} items geschreven")
