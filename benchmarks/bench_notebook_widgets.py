"""The papermill + ipywidgets hang (issue 12): notebook 02 with interactief=True, 20 runs.

Also runs a minimal widget notebook with jupyter_client's default client and with ours
(:mod:`informeel_lib.report.kernel_client`), counting cells that waited for the full cell timeout:
with the default client some do (the lost wake-up), with ours none should.
Usage: ``python benchmarks/bench_notebook_widgets.py [runs]`` (needs ``make demo`` data or builds
the synthetic rounds in a temporary folder).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.widget_runs import cell_seconds, widget_notebook  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
TIMEOUT = 30.0


def _data(tmp: Path) -> Path:
    from informeel_lib.io.cleaning import clean_files
    from informeel_lib.synth import write_network

    write_network(tmp / "raw", seed=2021, rounds=["2021-11", "2022-05"], scale=0.3)
    for r in ("2021-11", "2022-05"):
        clean_files([tmp / "raw" / r], round=r, out=tmp / "processed")
    return tmp / "processed"


def main(runs: int = 20) -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = _data(tmp)
        start, worst = time.perf_counter(), 0.0
        for i in range(runs):
            seconds = cell_seconds(ROOT / "notebooks" / "02_vragenlijstanalyse.ipynb", tmp / f"02-{i}.ipynb",
                                   timeout=240, data_map=str(data), interactief=True)
            worst = max(worst, max(seconds))
            print(f"02 run {i + 1}/{runs}: langste cel {worst:.1f} s", flush=True)
        out["02_interactief"] = {"runs": runs, "seconds": time.perf_counter() - start, "longest_cell": worst}
        mini = widget_notebook(tmp / "mini.ipynb", cells=12)
        for sliced in (False, True):
            stalled = sum(s >= TIMEOUT - 0.2 for _ in range(runs)
                          for s in cell_seconds(mini, tmp / "mini-out.ipynb", timeout=TIMEOUT, sliced=sliced))
            out["minimal_" + ("ours" if sliced else "default")] = {"cells": runs * 12, "stalled": stalled}
            print(f"minimaal notebook, {'eigen' if sliced else 'standaard'} client: {stalled} van {runs * 12} "
                  f"cellen wachtten {TIMEOUT:.0f} s", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "notebook_widgets.json").write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
