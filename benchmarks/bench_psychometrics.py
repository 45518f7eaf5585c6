"""Benchmark of the psychometrics core: ``python benchmarks/bench_psychometrics.py``.

1. Reliability with item analysis (alpha, Feldt CI, omega, r_drop, alpha-if-dropped) for
   5 scales x 8 items on 100,000 respondents, against ``pingouin.cronbach_alpha`` (alpha and
   CI only) on the same scales. Goal: ours no slower than pingouin's alpha alone.
2. Parallel analysis (20 iterations) + 5-factor minres/oblimin EFA on 5,000 x 40, against R
   ``psych::fa.parallel`` + ``psych::fa`` timed inside R with ``system.time`` (R start-up
   excluded); skipped with a message when Rscript is absent.

Prints a table and the ratios (baseline time / our time; > 1 means we are faster) and writes
``benchmarks/results/psychometrics.json``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best_of

import informeel_lib as il

ROOT = Path(__file__).resolve().parents[1]


RESULTS = ROOT / "benchmarks" / "results" / "psychometrics.json"


def likert_data(n, n_scales, per_scale, seed, missing=0.0):
    """Simulated 1-5 answers with one factor per scale (loading .7) and correlated factors."""
    rng = np.random.default_rng(seed)
    phi = np.full((n_scales, n_scales), 0.3) + 0.7 * np.eye(n_scales)
    f = rng.multivariate_normal(np.zeros(n_scales), phi, size=n)
    cols = {}
    for s in range(n_scales):
        for i in range(per_scale):
            x = 0.7 * f[:, s] + np.sqrt(1 - 0.49) * rng.standard_normal(n)
            cols[f"S{s + 1}_{i + 1}"] = np.clip(np.round(3 + 1.1 * x), 1, 5)
    df = pd.DataFrame(cols)
    if missing:
        df = df.mask(rng.random(df.shape) < missing)
    return df


def bench_reliability(rows):
    import pingouin as pg

    out = {}
    for label, missing in (("complete", 0.0), ("2% missing", 0.02)):
        df = likert_data(100_000, 5, 8, seed=1, missing=missing)
        scales = [[c for c in df.columns if c.startswith(f"S{s}_")] for s in range(1, 6)]
        ours = best_of(lambda df=df, scales=scales: [il.reliability(df[cols]) for cols in scales])
        theirs = best_of(lambda df=df, scales=scales: [pg.cronbach_alpha(df[cols], nan_policy="pairwise")
                                                         for cols in scales])
        a = il.reliability(df[scales[0]]).alpha
        b = pg.cronbach_alpha(df[scales[0]], nan_policy="pairwise")[0]
        assert abs(a - b) < 1e-9, (a, b)
        rows.append(("reliability 5x8 items, n=100,000 (" + label + ")", ours, "pingouin.cronbach_alpha", theirs))
        out[f"reliability_{label.replace(' ', '_').replace('%', 'pct')}_vs_pingouin"] = theirs / ours
    return out


R_CODE = r"""
suppressPackageStartupMessages(library(psych))
x <- read.csv("{path}")
set.seed(1)
t1 <- system.time(p <- fa.parallel(x, fa = "both", fm = "minres", n.iter = 20, plot = FALSE))[["elapsed"]]
t2 <- system.time(f <- fa(x, nfactors = 5, fm = "minres", rotate = "oblimin"))[["elapsed"]]
cat(sprintf("%.6f %.6f %d %d\n", t1, t2, p$nfact, p$ncomp))
"""


def bench_factors(rows):
    df = likert_data(5_000, 5, 8, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_pa = best_of(lambda: il.parallel_analysis(df, n_iter=20, seed=1), repeat=3)
        t_fa = best_of(lambda: il.efa(df, 5, method="minres", rotation="oblimin"), repeat=3)
    pa = il.parallel_analysis(df, n_iter=20, seed=1)
    out = {}
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("Rscript niet gevonden: de vergelijking met R psych wordt overgeslagen.")
        rows.append(("parallel analysis 20 it., 5,000x40", t_pa, "R (niet beschikbaar)", float("nan")))
        rows.append(("EFA 5 factors minres/oblimin, 5,000x40", t_fa, "R (niet beschikbaar)", float("nan")))
        return out
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        df.to_csv(path, index=False)
        res = subprocess.run([rscript, "-e", R_CODE.replace("{path}", str(path))], capture_output=True, text=True,
                             check=True)
    r_pa, r_fa, r_nf, r_nc = res.stdout.strip().splitlines()[-1].split()
    print(f"R fa.parallel: {r_nf} factoren, {r_nc} componenten; wij: {pa.n_factors} factoren, {pa.n_components} "
          f"componenten")
    rows.append(("parallel analysis 20 it., 5,000x40", t_pa, "R psych::fa.parallel", float(r_pa)))
    rows.append(("EFA 5 factors minres/oblimin, 5,000x40", t_fa, "R psych::fa", float(r_fa)))
    out["parallel_analysis_vs_R"] = float(r_pa) / t_pa
    out["efa_vs_R"] = float(r_fa) / t_fa
    out["parallel_plus_efa_vs_R"] = (float(r_pa) + float(r_fa)) / (t_pa + t_fa)
    return out


def main():
    rows = []
    ratios = {}
    ratios.update(bench_reliability(rows))
    ratios.update(bench_factors(rows))
    print(f"\n{'taak':<48} {'informeel (s)':>13}  {'basislijn':<26} {'basis (s)':>9}  {'verhouding':>10}")
    for task, ours, base, theirs in rows:
        ratio = theirs / ours if theirs == theirs else float("nan")
        print(f"{task:<48} {ours:>13.3f}  {base:<26} {theirs:>9.3f}  {ratio:>9.2f}x")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "rows": [{"task": t, "informeel_s": o, "baseline": b, "baseline_s": th} for t, o, b, th in rows],
        "ratios": ratios,
    }, indent=2))
    print(f"\nGeschreven: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
