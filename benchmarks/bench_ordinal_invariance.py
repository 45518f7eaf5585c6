"""Benchmark of multigroup WLSMV and ordinal invariance: ``python benchmarks/bench_ordinal_invariance.py``.

1. multigroup WLSMV CFA with equal thresholds and loadings across the two rounds of the synthetic
   network (6 factors, 27 five-point items, 1,069 respondents);
2. ordinal invariance across the six organisations (2 factors, 9 items): the four Wu & Estabrook
   steps and the three scaled difference tests.

Baseline: ``lavaan::cfa(ordered = TRUE, group = , group.equal = )`` and
``semTools::measEq.syntax(..., ID.cat = "Wu.Estabrook.2016", return.fit = TRUE)`` + ``lavTestLRT``,
timed inside R with ``system.time`` (best of 3, R start-up excluded); skipped with a message when
Rscript is absent. The χ² values are compared with R's, so a fast wrong answer cannot pass. Prints
a table with the ratios (R time / our time; > 1 means we are faster) and writes
``benchmarks/results/ordinal_invariance.json``.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pandas as pd
from _timing import best_of, report_against

import informeel_lib as il

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "ordinal_invariance.json"
DATA = ROOT / "tests" / "reference" / "data"
SCALES = {"REFL": 5, "EXPR": 4, "ZICHT": 4, "AUTO": 4, "COMP": 4, "IWL": 6}
BIG = "\n".join(f"{s} =~ " + " + ".join(f"{s}{i}" for i in range(1, k + 1)) for s, k in SCALES.items())
SMALL = "REFL =~ REFL1 + REFL2 + REFL3 + REFL4 + REFL5\nEXPR =~ EXPR1 + EXPR2 + EXPR3 + EXPR4"

R_CODE = r"""
suppressPackageStartupMessages({library(lavaan); library(semTools)})
d <- read.csv("{data}/synth_cfa.csv", stringsAsFactors = FALSE)
big <- "{big}"
small <- "{small}"
best <- function(f) min(sapply(1:3, function(i) system.time(suppressMessages(suppressWarnings(f())))[["elapsed"]]))
t1 <- best(function() fb <<- cfa(big, data = d, ordered = TRUE, group = "round",
                                 group.equal = c("thresholds", "loadings")))
steps <- list("", "thresholds", c("thresholds", "loadings"), c("thresholds", "loadings", "intercepts"))
run <- function() {
  fits <- lapply(steps, function(eq) measEq.syntax(small, data = d, ordered = lavNames(small, "ov"),
    group = "organisation", parameterization = "delta", ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
    group.equal = eq, return.fit = TRUE))
  lapply(2:4, function(k) lavTestLRT(fits[[k - 1]], fits[[k]]))
}
t2 <- best(function() lrt <<- run())
cat(sprintf("%.6f %.6f %.6f %.6f\n", t1, t2, fitMeasures(fb, "chisq.scaled"), lrt[[3]][["Chisq diff"]][2]))
"""


def run_r() -> list[float] | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("Rscript niet gevonden: de vergelijking met lavaan/semTools wordt overgeslagen.")
        return None
    code = R_CODE.replace("{data}", str(DATA)).replace("{big}", BIG.replace("\n", "\\n"))
    code = code.replace("{small}", SMALL.replace("\n", "\\n"))
    res = subprocess.run([rscript, "-e", code], capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"R gaf een fout:\n{res.stderr[-2000:]}")
    return [float(v) for v in res.stdout.strip().splitlines()[-1].split()]


def main():
    warnings.simplefilter("ignore")
    data = pd.read_csv(DATA / "synth_cfa.csv")
    out = {}
    t1 = best_of(lambda: out.__setitem__("cfa", il.cfa(data, BIG, ordered=True, group="round",
                                                        equal=("thresholds", "loadings"))))
    t2 = best_of(lambda: out.__setitem__("inv", il.invariance(data, SMALL, "organisation", ordered=True)))
    rows = [("WLSMV 2 rondes, 27 items, drempels+ladingen gelijk", t1),
            ("ordinale invariantie 6 organisaties, 9 items, 4 stappen", t2)]
    base, ratios = [float("nan")] * 2, {}
    vals = run_r()
    if vals is not None:
        base = vals[:2]
        assert abs(out["cfa"].fit["chi2_scaled"] - vals[2]) < 1e-3 * vals[2]
        assert abs(out["inv"].loc["intercepts", "delta_chi2"] - vals[3]) < 1e-3 * vals[3]
        print("Geschaalde χ² en de laatste verschiltoets gelijk aan lavaan/semTools.")
        ratios = {"wlsmv_multigroup_27_items_vs_lavaan": base[0] / t1,
                  "ordinal_invariance_6_groups_vs_semtools": base[1] / t2}
    report_against(rows, base, ratios, baseline="R lavaan/semTools", results=RESULTS, root=ROOT,
                   header="R (s)", width=58)


if __name__ == "__main__":
    main()
