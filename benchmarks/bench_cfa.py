"""Benchmark of the CFA: ``python benchmarks/bench_cfa.py``.

On synthetic network data (tests/reference/data/synth_cfa.csv, two rounds, 47 items):

1. the full 11-factor / 47-item model on one round (~535 cases), single group;
2. invariance across the two rounds (configural, metric, scalar);
3. configural 6-group model across organisations on both rounds (1,176 parameters).

Baseline: the same models in R ``lavaan::cfa`` timed inside R with ``system.time`` (R start-up
excluded); skipped with a message when Rscript is absent. The χ² of every model is compared
with lavaan's, so a fast wrong answer cannot pass. Prints a table and the ratios (baseline
time / our time; > 1 means we are faster) and writes ``benchmarks/results/cfa.json``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
from _timing import best_of, report_against

import informeel_lib as il

ROOT = Path(__file__).resolve().parents[1]


RESULTS = ROOT / "benchmarks" / "results" / "cfa.json"
DATA = ROOT / "tests" / "reference" / "data" / "synth_cfa.csv"

R_CODE = r"""
suppressPackageStartupMessages(library(lavaan))
d <- read.csv("{path}", stringsAsFactors = FALSE)
m <- paste(readLines("{model}"), collapse = "\n")
one <- d[d$round == unique(d$round)[1], ]
inv <- function() list(
  cfa(m, data = d, group = "round"),
  cfa(m, data = d, group = "round", group.equal = "loadings"),
  cfa(m, data = d, group = "round", group.equal = c("loadings", "intercepts")))
t1 <- min(sapply(1:3, function(i) system.time(f1 <<- cfa(m, data = one))[["elapsed"]]))
t2 <- min(sapply(1:3, function(i) system.time(s <<- inv())[["elapsed"]]))
t3 <- system.time(f3 <- cfa(m, data = d, group = "organisation"))[["elapsed"]]
cat(sprintf("%.6f %.6f %.6f %.6f %.6f %.6f\n", t1, t2, t3, fitMeasures(f1, "chisq"),
            fitMeasures(s[[3]], "chisq"), fitMeasures(f3, "chisq")))
"""


def main():
    data = pd.read_csv(DATA)
    model = il.load_codebook().model_syntax()
    one = data[data["round"] == data["round"].iloc[0]]
    results = {}
    t1 = best_of(lambda: results.__setitem__("single", il.cfa(one, model)))
    t2 = best_of(lambda: results.__setitem__("inv", il.invariance(data, model, "round")))
    t3 = best_of(lambda: results.__setitem__("org", il.cfa(data, model, group="organisation")), repeat=1)
    ours = {"single": results["single"].fit["chi2"], "scalar": results["inv"].loc["scalar", "chi2"],
            "org": results["org"].fit["chi2"]}
    rows = [("11 factoren/47 items, 1 ronde (n≈535)", t1), ("invariantie 2 rondes (3 modellen)", t2),
            ("configuraal 6 organisaties (1.176 par.)", t3)]
    ratios = {}
    rscript = shutil.which("Rscript")
    base = [float("nan")] * 3
    if rscript is None:
        print("Rscript niet gevonden: de vergelijking met lavaan wordt overgeslagen.")
    else:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            model_path = Path(tmp) / "model.txt"
            model_path.write_text(model)
            code = R_CODE.replace("{path}", str(DATA)).replace("{model}", str(model_path))
            res = subprocess.run([rscript, "-e", code], capture_output=True, text=True, check=True)
        vals = [float(v) for v in res.stdout.strip().splitlines()[-1].split()]
        base = vals[:3]
        for key, theirs in zip(("single", "scalar", "org"), vals[3:]):
            assert abs(ours[key] - theirs) < 1e-3 * theirs, (key, ours[key], theirs)
        print("χ² gelijk aan lavaan voor alle modellen.")
        ratios = {"cfa_11_factors_vs_lavaan": base[0] / t1, "invariance_rounds_vs_lavaan": base[1] / t2,
                  "configural_6_groups_vs_lavaan": base[2] / t3}
    report_against(rows, base, ratios, baseline="R lavaan::cfa", results=RESULTS, root=ROOT,
                   header="lavaan (s)", width=44)


if __name__ == "__main__":
    main()
