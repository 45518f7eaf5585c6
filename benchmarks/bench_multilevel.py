"""Benchmark of the multilevel influence model against ``lme4::lmer``: ``python benchmarks/bench_multilevel.py``.

Both sides fit the same models on the same data:

1. ``multilevel::bh1996`` (7,382 people in 99 groups): ``influence_model`` (standardised, the
   model with predictors and the empty model) against ``lmer`` fitting the same two models;
   and the single model with raw predictors (``fit_lmm`` against one ``lmer`` call).
2. The synthetic network (one round, ~1,600 people in ~50 teams of 6 organisations, 8 factors,
   organisation and team random intercepts), again the two models on both sides.
3. A random slope for one predictor on bh1996 (``(1 + LEAD | GRP)``).

R times are measured inside R (``system.time``, best of 5, R start-up and reading the CSV
excluded); without Rscript the R column is skipped with a message. Goal: no slower than lme4.
Prints a table and the ratios (lme4 time / our time; > 1 means we are faster) and writes
``benchmarks/results/multilevel.json``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best_of

import informeel_lib as il
from informeel_lib.analysis.lmm import RandomTerm, fit_lmm

ROOT = Path(__file__).resolve().parents[1]


RESULTS = ROOT / "benchmarks" / "results" / "multilevel.json"
BH1996 = ROOT / "tests" / "reference" / "data" / "bh1996.csv"

R_CODE = r"""
suppressPackageStartupMessages(library(lme4))
best <- function(expr) min(replicate(5, system.time(eval(expr))[["elapsed"]]))
bh <- read.csv("{bh}")
z <- function(x) as.numeric(scale(x))
bz <- data.frame(GRP = bh$GRP, WBEING = z(bh$WBEING), HRS = z(bh$HRS), LEAD = z(bh$LEAD))
t_bh <- best(quote({lmer(WBEING ~ HRS + LEAD + (1 | GRP), bz); lmer(WBEING ~ 1 + (1 | GRP), bz)}))
t_raw <- best(quote(lmer(WBEING ~ HRS + LEAD + (1 | GRP), bh)))
t_slope <- best(quote(lmer(WBEING ~ HRS + LEAD + (1 + LEAD | GRP), bh)))
net <- read.csv("{net}")
f <- as.formula(paste("y ~", paste(setdiff(names(net), c("y", "org", "team")), collapse = " + "),
                      "+ (1 | org) + (1 | team)"))
t_net <- best(quote({lmer(f, net); lmer(y ~ 1 + (1 | org) + (1 | team), net)}))
m <- lmer(WBEING ~ HRS + LEAD + (1 | GRP), bz)
cat(sprintf("%.6f %.6f %.6f %.6f %.10f\n", t_bh, t_raw, t_slope, t_net, fixef(m)[["LEAD"]]))
"""


def network_frame():
    """One round of the synthetic network: scored scales, organisation and team."""
    network = il.generate_network(2021, scale=3)
    data = network.responses[network.responses["round"] == network.truth["rounds"][0]]
    cb = il.load_codebook()
    outcome = next(code for code, s in cb.scales.items() if s.role == "outcome")
    predictors = [code for code, s in cb.scales.items() if s.role == "predictor"]
    scores = il.score_scales(data, cb, scales=[outcome, *predictors])
    frame = pd.concat([data[["organisation", "team"]].reset_index(drop=True),
                       scores.reset_index(drop=True)], axis=1).dropna()
    return frame, outcome, predictors


def r_frame(frame, outcome, predictors):
    """The same design for R: z-scored outcome and predictors, unique team key."""
    def z(s):
        return (s - s.mean()) / s.std(ddof=1)

    out = pd.DataFrame({"y": z(frame[outcome]), "org": frame["organisation"],
                        "team": frame["organisation"] + " / " + frame["team"]})
    for p in predictors:
        out[p] = z(frame[p])
    return out


def run_r(bh_path, net_path):
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    code = R_CODE.replace("{bh}", str(bh_path)).replace("{net}", str(net_path))
    res = subprocess.run([rscript, "-e", code], capture_output=True, text=True, check=True)
    return [float(v) for v in res.stdout.strip().splitlines()[-1].split()]


def main():
    bh = pd.read_csv(BH1996)
    frame, outcome, predictors = network_frame()
    y = bh["WBEING"].to_numpy()
    X = np.column_stack([np.ones(len(bh)), bh["HRS"], bh["LEAD"]])
    team = RandomTerm.intercept("team", bh["GRP"].to_numpy())
    slope = RandomTerm.with_slope("team", bh["GRP"].to_numpy(), bh["LEAD"].to_numpy(), "LEAD")
    ours = {
        "bh1996": best_of(lambda: il.influence_model(bh, "WBEING", ["HRS", "LEAD"], groups="GRP"), repeat=5),
        "raw": best_of(lambda: fit_lmm(y, X, [team]), repeat=5),
        "slope": best_of(lambda: fit_lmm(y, X, [slope]), repeat=5),
        "net": best_of(lambda: il.influence_model(frame, outcome, predictors), repeat=5),
    }
    beta = il.influence_model(bh, "WBEING", ["HRS", "LEAD"], groups="GRP").coefficients.loc["LEAD", "estimate"]
    with tempfile.TemporaryDirectory() as tmp:
        net_path = Path(tmp) / "net.csv"
        r_frame(frame, outcome, predictors).to_csv(net_path, index=False)
        r_times = run_r(BH1996, net_path)
    tasks = [("bh1996", "influence_model (model + leeg model), 7.382 personen / 99 groepen", "2x lmer"),
             ("raw", "één model, ruwe voorspellers (fit_lmm)", "lmer"),
             ("slope", "willekeurige helling (1 + LEAD | GRP)", "lmer"),
             ("net", f"influence_model synthetisch netwerk, n = {len(frame)}, {len(predictors)} factoren", "2x lmer")]
    rows, ratios = [], {}
    for i, (key, task, base) in enumerate(tasks):
        theirs = r_times[i] if r_times else float("nan")
        rows.append((task, ours[key], f"lme4::{base}" if r_times else "R (niet beschikbaar)", theirs))
        if r_times:
            ratios[f"{key}_vs_lme4"] = theirs / ours[key]
    if r_times:
        print(f"β LEAD (bh1996, gestandaardiseerd): informeel {beta:.6f}, lme4 {r_times[4]:.6f}")
    else:
        print("Rscript niet gevonden: de vergelijking met lme4 wordt overgeslagen.")
    print(f"\n{'taak':<72} {'informeel (s)':>13}  {'basislijn':<22} {'basis (s)':>9}  {'verhouding':>10}")
    for task, mine, base, theirs in rows:
        ratio = theirs / mine if theirs == theirs else float("nan")
        print(f"{task:<72} {mine:>13.3f}  {base:<22} {theirs:>9.3f}  {ratio:>9.2f}x")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "rows": [{"task": t, "informeel_s": o, "baseline": b, "baseline_s": th} for t, o, b, th in rows],
        "ratios": ratios,
    }, indent=2))
    print(f"\nGeschreven: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
