"""Benchmark of the structural equation models: ``python benchmarks/bench_sem.py``.

The same models and data as the lavaan parity tests (tests/reference/r/sem_reference.json):

1. PoliticalDemocracy with equality labels, correlated residuals and defined indirect/total effects;
2. Holzinger-Swineford mediation between factors with indirect, total and proportion;
3. the synthetic network's outcome model (5 factors, 23 items, one round, n = 535);
4. the same model over two rounds, loadings equal (multi-group, n = 1.069);
5. the Holzinger-Swineford mediation with 500 bootstrap draws.

Baseline: ``lavaan::sem`` followed by ``parameterEstimates(fit, standardized = TRUE)`` (what our
``sem`` returns: estimates, SEs, intervals and the standardised solution), timed inside R with
``system.time`` (R start-up excluded); for the bootstrap ``se = "bootstrap"``. Skipped with a
message when Rscript is absent. The χ² of every model is compared with lavaan's, so a fast wrong
answer cannot pass. Prints a table and the ratios (lavaan time / our time; > 1 means we are faster)
and writes ``benchmarks/results/sem.json``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import informeel_lib as il

ROOT = Path(__file__).resolve().parents[1]


RESULTS = ROOT / "benchmarks" / "results" / "sem.json"
REFERENCE = ROOT / "tests" / "reference"
MODELS = json.loads((REFERENCE / "r" / "sem_reference.json").read_text())["models"]
BOOTSTRAP = 500

TASKS = [  # (label, reference model name, repeats)
    ("PoliticalDemocracy, labels + indirect effect", "pd_labels", 5),
    ("Holzinger-Swineford, mediatie", "hs_mediation", 5),
    ("synthetisch netwerk, 5 factoren, 1 ronde", "synth", 3),
    ("synthetisch netwerk, 2 rondes (multigroup)", "synth_rounds", 3),
]

R_CODE = r"""
suppressPackageStartupMessages(library(lavaan))
tasks <- jsonlite::fromJSON("{tasks}", simplifyVector = FALSE)
PD <- read.csv("{pd}"); HS <- read.csv("{hs}"); SY <- read.csv("{synth}", stringsAsFactors = FALSE)
SY1 <- SY[SY$round == unique(SY$round)[1], ]
out <- c()
for (t in tasks) {
  data <- switch(t$data, pd = PD, hs = HS, synth = SY, synth1 = SY1)
  args <- c(list(model = t$model, data = data), t$args)
  if (!is.null(args$group.equal)) args$group.equal <- unlist(args$group.equal)
  run <- function() { f <- do.call("sem", args); parameterEstimates(f, standardized = TRUE); f }
  times <- sapply(seq_len(t$repeats), function(i) system.time(fit <<- run())[["elapsed"]])
  out <- c(out, sprintf("%.6f %.6f", min(times), fitMeasures(fit, "chisq")))
}
set.seed(1)
tb <- system.time(fb <- sem(tasks[[2]]$model, data = HS, se = "bootstrap", bootstrap = {boot}))[["elapsed"]]
out <- c(out, sprintf("%.6f %.6f", tb, fitMeasures(fb, "chisq")))
cat(out, sep = "\n")
"""


def datasets() -> dict:
    synth = pd.read_csv(REFERENCE / "data" / "synth_sem.csv")
    return {"pd": pd.read_csv(REFERENCE / "data" / "PoliticalDemocracy.csv"),
            "hs": pd.read_csv(REFERENCE / "data" / "HolzingerSwineford1939.csv"),
            "synth": synth, "synth1": synth[synth["round"] == synth["round"].iloc[0]]}


def options(args: dict) -> dict:
    out = {}
    if "group" in args:
        out["group"] = args["group"]
    if "group.equal" in args:
        out["equal"] = tuple(np.atleast_1d(args["group.equal"]))
    if "std.lv" in args:
        out["std_lv"] = args["std.lv"]
    return out


def best_of(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def ours(data: dict) -> list[tuple[str, float, float]]:
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        il.sem(data["hs"], MODELS["hs_mediation"]["model"])  # warm-up (imports)
        for label, name, repeat in TASKS:
            ref = MODELS[name]
            def fit(ref=ref):
                return il.sem(data[ref["data"]], ref["model"], **options(ref["args"] or {}))

            t, res = best_of(fit, repeat)
            rows.append((label, t, res.fit["chi2"]))
        t, res = best_of(lambda: il.sem(data["hs"], MODELS["hs_mediation"]["model"], bootstrap=BOOTSTRAP, seed=1), 1)
        rows.append((f"Holzinger-Swineford, mediatie, {BOOTSTRAP} bootstraptrekkingen", t, res.fit["chi2"]))
    return rows


def lavaan(rscript: str) -> list[tuple[float, float]]:
    tasks = [{"model": MODELS[name]["model"], "data": MODELS[name]["data"], "args": MODELS[name]["args"] or {},
              "repeats": repeat} for _, name, repeat in TASKS]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tasks.json"
        path.write_text(json.dumps(tasks))
        code = (R_CODE.replace("{tasks}", str(path)).replace("{boot}", str(BOOTSTRAP))
                .replace("{pd}", str(REFERENCE / "data" / "PoliticalDemocracy.csv"))
                .replace("{hs}", str(REFERENCE / "data" / "HolzingerSwineford1939.csv"))
                .replace("{synth}", str(REFERENCE / "data" / "synth_sem.csv")))
        res = subprocess.run([rscript, "-e", code], capture_output=True, text=True, check=True)
    return [tuple(float(v) for v in line.split()) for line in res.stdout.strip().splitlines()]


def main() -> None:
    rows = ours(datasets())
    rscript = shutil.which("Rscript")
    base = [float("nan")] * len(rows)
    ratios = {}
    if rscript is None:
        print("Rscript niet gevonden: de vergelijking met lavaan wordt overgeslagen.")
    else:
        theirs = lavaan(rscript)
        for (label, _, chi2), (_, chi2_r) in zip(rows, theirs):
            assert abs(chi2 - chi2_r) < 1e-3 * max(chi2_r, 1.0), (label, chi2, chi2_r)
        print("χ² gelijk aan lavaan voor alle modellen.")
        base = [t for t, _ in theirs]
        keys = ["pd_labels", "hs_mediation", "synth_one_round", "synth_two_rounds", "hs_bootstrap"]
        ratios = {f"sem_{k}_vs_lavaan": b / t for k, (_, t, _), b in zip(keys, rows, base)}
    print(f"\n{'taak':<58} {'informeel (s)':>13}  {'lavaan (s)':>10}  {'verhouding':>10}")
    for (label, t, _), b in zip(rows, base):
        print(f"{label:<58} {t:>13.3f}  {b:>10.3f}  {b / t:>9.2f}x")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "rows": [{"task": label, "informeel_s": t, "baseline": "R lavaan::sem", "baseline_s": b}
                 for (label, t, _), b in zip(rows, base)],
        "ratios": ratios,
    }, indent=2))
    print(f"\nGeschreven: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
