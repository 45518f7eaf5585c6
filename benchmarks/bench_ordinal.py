"""Benchmark of the ordinal analyses: ``python benchmarks/bench_ordinal.py``.

1. polychoric correlations of psych's bfi (25 items, 2,800 respondents, missing values);
2. tetrachoric correlations of psychTools' ability (16 binary items, 1,525 respondents);
3. WLSMV CFA (ordered = TRUE) of the 11-factor / 47-item model on one round of the synthetic
   network (~535 respondents, 5-point items);
4. FIML CFA (missing = "fiml") of two bfi factors (10 items, 2,800 respondents, 168 with gaps);
5. FIML CFA of three factors of the synthetic network with 27% of the answers missing.

Baseline: ``psych::polychoric``, ``psych::tetrachoric`` and ``lavaan::cfa(ordered = TRUE)``
timed inside R with ``system.time`` (best of 3, R start-up excluded); skipped with a message
when Rscript is absent. The results are compared with R's (largest correlation difference,
χ² of the CFA), so a fast wrong answer cannot pass. Prints a table and the ratios (R time /
our time; > 1 means we are faster) and writes ``benchmarks/results/ordinal.json``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best_of, report_against

import informeel_lib as il

ROOT = Path(__file__).resolve().parents[1]


RESULTS = ROOT / "benchmarks" / "results" / "ordinal.json"
DATA = ROOT / "tests" / "reference" / "data"

R_CODE = r"""
suppressPackageStartupMessages({library(psych); library(lavaan)})
bfi <- read.csv("{data}/bfi.csv")[, 1:25]
ability <- read.csv("{data}/ability.csv")
d <- read.csv("{data}/synth_cfa.csv", stringsAsFactors = FALSE)
one <- d[d$round == unique(d$round)[1], ]
m <- paste(readLines("{model}"), collapse = "\n")
best <- function(f) min(sapply(1:3, function(i) system.time(suppressMessages(suppressWarnings(f())))[["elapsed"]]))
t1 <- best(function() p <<- polychoric(bfi))
t2 <- best(function() tt <<- tetrachoric(ability))
t3 <- best(function() fo <<- cfa(m, data = one, ordered = TRUE))
mb <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
bfi_all <- read.csv("{data}/bfi.csv")
ms <- paste("REFL =~ REFL1 + REFL2 + REFL3 + REFL4 + REFL5", "EXPR =~ EXPR1 + EXPR2 + EXPR3 + EXPR4",
             "LEID =~ LEID1 + LEID2 + LEID3 + LEID4 + LEID5", sep = "\n")
sm <- read.csv("{data}/synth_items_missing.csv")
t4 <- best(function() fb <<- cfa(mb, data = bfi_all, missing = "fiml"))
t5 <- best(function() fs <<- cfa(ms, data = sm, missing = "fiml"))
write.csv(p$rho, "{tmp}/poly.csv", row.names = FALSE)
write.csv(tt$rho, "{tmp}/tetra.csv", row.names = FALSE)
cat(sprintf("%.6f %.6f %.6f %.6f %.6f %.6f %.6f %.6f %.6f\n", t1, t2, t3, t4, t5, fitMeasures(fo, "chisq"),
            fitMeasures(fo, "chisq.scaled"), fitMeasures(fb, "chisq"), fitMeasures(fs, "chisq")))
"""


def main():
    warnings.simplefilter("ignore")
    bfi = pd.read_csv(DATA / "bfi.csv").iloc[:, :25]
    ability = pd.read_csv(DATA / "ability.csv")
    data = pd.read_csv(DATA / "synth_cfa.csv")
    model = il.load_codebook().model_syntax()
    one = data[data["round"] == data["round"].iloc[0]]
    out = {}
    t1 = best_of(lambda: out.__setitem__("poly", il.polychoric(bfi)))
    t2 = best_of(lambda: out.__setitem__("tetra", il.tetrachoric(ability)))
    t3 = best_of(lambda: out.__setitem__("cfa", il.cfa(one, model, ordered=True)))
    bfi_all = pd.read_csv(DATA / "bfi.csv")
    model_bfi = "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
    synth_missing = pd.read_csv(DATA / "synth_items_missing.csv")
    model_synth = ("REFL =~ REFL1 + REFL2 + REFL3 + REFL4 + REFL5\nEXPR =~ EXPR1 + EXPR2 + EXPR3 + EXPR4\n"
                   "LEID =~ LEID1 + LEID2 + LEID3 + LEID4 + LEID5")
    t4 = best_of(lambda: out.__setitem__("fiml_bfi", il.cfa(bfi_all, model_bfi, missing="fiml")))
    t5 = best_of(lambda: out.__setitem__("fiml_synth", il.cfa(synth_missing, model_synth, missing="fiml")))
    rows = [("polychorisch, bfi 25 items × 2.800", t1), ("tetrachorisch, ability 16 items × 1.525", t2),
            ("WLSMV-CFA 11 factoren/47 items (n≈535)", t3), ("FIML-CFA bfi 10 items × 2.800", t4),
            ("FIML-CFA synthetisch 14 items, 27% ontbrekend", t5)]
    base, ratios = [float("nan")] * 5, {}
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("Rscript niet gevonden: de vergelijking met psych/lavaan wordt overgeslagen.")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "model.txt").write_text(model)
            code = R_CODE.replace("{data}", str(DATA)).replace("{model}", str(Path(tmp) / "model.txt"))
            code = code.replace("{tmp}", tmp)
            res = subprocess.run([rscript, "-e", code], capture_output=True, text=True)
            if res.returncode != 0:
                raise SystemExit(f"R gaf een fout:\n{res.stderr[-2000:]}")
            vals = [float(v) for v in res.stdout.strip().splitlines()[-1].split()]
            poly_r = pd.read_csv(Path(tmp) / "poly.csv").to_numpy()
            tetra_r = pd.read_csv(Path(tmp) / "tetra.csv").to_numpy()
        base = vals[:5]
        assert np.abs(out["poly"].rho.to_numpy() - poly_r).max() < 1e-3
        assert np.abs(out["tetra"].rho.to_numpy() - tetra_r).max() < 1e-3
        assert abs(out["cfa"].fit["chi2"] - vals[5]) < 1e-3 * vals[5]
        assert abs(out["cfa"].fit["chi2_scaled"] - vals[6]) < 1e-3 * vals[6]
        assert abs(out["fiml_bfi"].fit["chi2"] - vals[7]) < 1e-3 * vals[7]
        assert abs(out["fiml_synth"].fit["chi2"] - vals[8]) < 1e-3 * vals[8]
        print("Correlaties en χ² (ook geschaald) gelijk aan psych/lavaan.")
        ratios = {"polychoric_bfi_vs_psych": base[0] / t1, "tetrachoric_ability_vs_psych": base[1] / t2,
                  "wlsmv_cfa_47_items_vs_lavaan": base[2] / t3, "fiml_cfa_bfi_vs_lavaan": base[3] / t4,
                  "fiml_cfa_synth_missing_vs_lavaan": base[4] / t5}
    report_against(rows, base, ratios, baseline="R psych/lavaan", results=RESULTS, root=ROOT,
                   header="R (s)", width=44)


if __name__ == "__main__":
    main()
