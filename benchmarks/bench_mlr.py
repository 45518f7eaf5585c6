"""Benchmark of robust ML (MLR) measurement invariance: ``python benchmarks/bench_mlr.py``.

1. ``invariance(..., estimator="MLR")`` on HolzingerSwineford1939 by school (configural, metric,
   scalar; 301 cases, 9 items), complete data;
2. the same with planted missing answers and ``missing="fiml"`` (tests/reference/data/hs_missing.csv);
3. the report's case: the codebook's core model (24 items) across the six organisations of the
   synthetic network's first round (tests/reference/data/synth_cfa.csv), complete data.

Baseline: the three ``lavaan::cfa(..., estimator = "MLR")`` fits plus ``lavTestLRT`` timed inside R
with ``system.time`` (best of 3, R start-up excluded); skipped with a message when Rscript is absent.
The scaled χ² of the scalar model is compared with lavaan's, so a fast wrong answer cannot pass.
Prints a table and the ratios (lavaan time / our time; > 1 means we are faster) and writes
``benchmarks/results/mlr.json``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
from _timing import best_of

import informeel_lib as il

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "mlr.json"
DATA = ROOT / "tests" / "reference" / "data"
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

R_CODE = r"""
suppressPackageStartupMessages(library(lavaan))
run <- function(d, m, g, missing) {
  fits <- list(cfa(m, data = d, group = g, estimator = "MLR", missing = missing),
               cfa(m, data = d, group = g, estimator = "MLR", missing = missing, group.equal = "loadings"),
               cfa(m, data = d, group = g, estimator = "MLR", missing = missing,
                   group.equal = c("loadings", "intercepts")))
  lavTestLRT(fits[[1]], fits[[2]], fits[[3]])
  fits[[3]]
}
time_it <- function(d, m, g, missing) {
  t <- min(sapply(1:3, function(i) system.time(f <<- run(d, m, g, missing))[["elapsed"]]))
  c(t, fitMeasures(f, "chisq.scaled"))
}
hs <- read.csv("{data}/HolzingerSwineford1939.csv")
hm <- read.csv("{data}/hs_missing.csv")
syn <- read.csv("{synth}")
m_hs <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
m_syn <- paste(readLines("{model}"), collapse = "\n")
out <- c(time_it(hs, m_hs, "school", "listwise"), time_it(hm, m_hs, "school", "fiml"),
         time_it(syn, m_syn, "organisation", "listwise"))
cat(sprintf("%.6f", out), "\n")
"""


def _cases() -> list[tuple[str, pd.DataFrame, str, str, str]]:
    """(task, data, model, group, missing) of the three benchmarks."""
    cb = il.load_codebook()
    core = {s: cb.scales[s].item_codes for s in cb.core_scales}
    syntax = "\n".join(f"{f} =~ {' + '.join(items)}" for f, items in core.items())
    synth = pd.read_csv(DATA / "synth_cfa.csv")
    synth = synth[synth["round"] == synth["round"].iloc[0]]
    return [("HS per school, compleet (3 modellen)", pd.read_csv(DATA / "HolzingerSwineford1939.csv"), HS_MODEL,
             "school", "listwise"),
            ("HS per school, FIML (3 modellen)", pd.read_csv(DATA / "hs_missing.csv"), HS_MODEL, "school", "fiml"),
            ("kernmodel 24 items, 6 organisaties (3 modellen)", synth, syntax, "organisation", "listwise")]


def _lavaan(cases) -> list[float] | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("Rscript niet gevonden: de vergelijking met lavaan wordt overgeslagen.")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "model.txt"
        model_path.write_text(cases[2][2])
        synth_path = Path(tmp) / "synth.csv"
        cases[2][1].to_csv(synth_path, index=False)
        code = (R_CODE.replace("{data}", str(DATA)).replace("{synth}", str(synth_path))
                .replace("{model}", str(model_path)))
        res = subprocess.run([rscript, "-e", code], capture_output=True, text=True, check=True)
    return [float(v) for v in res.stdout.split()]


def main():
    cases = _cases()
    ours, chi2 = [], []
    for _, data, model, group, missing in cases:
        box = {}

        def run(data=data, model=model, group=group, missing=missing, box=box):
            box["table"] = il.invariance(data, model, group, estimator="MLR", missing=missing)

        ours.append(best_of(run))
        chi2.append(float(box["table"].loc["scalar", "chi2_scaled"]))
    theirs = _lavaan(cases)
    base = [float("nan")] * 3
    if theirs is not None:
        base = theirs[0::2]
        for (task, *_), ours_chi2, their_chi2 in zip(cases, chi2, theirs[1::2]):
            assert abs(ours_chi2 - their_chi2) < 1e-3 * their_chi2, (task, ours_chi2, their_chi2)
        print("Geschaalde χ² gelijk aan lavaan voor alle modellen.")
    print(f"\n{'taak':<50} {'informeel (s)':>13}  {'lavaan (s)':>10}  {'verhouding':>10}")
    for (task, *_), t, b in zip(cases, ours, base):
        print(f"{task:<50} {t:>13.3f}  {b:>10.3f}  {b / t:>9.2f}x")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "rows": [{"task": task, "informeel_s": t, "baseline": "R lavaan::cfa(estimator = 'MLR') + lavTestLRT",
                  "baseline_s": b} for (task, *_), t, b in zip(cases, ours, base)],
        "ratios": {f"mlr_invariance_{i + 1}_vs_lavaan": b / t for i, (t, b) in enumerate(zip(ours, base))},
    }, indent=2))
    print(f"\nGeschreven: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
