"""Recovery study: which CFA estimator recovers the synthetic network's known truth best at its group sizes?

``nice -n 10 python benchmarks/recovery_estimators.py [--reps 30]`` (about 6-9 minutes on the shared
2-core machine with the default replications; not part of ``benchmarks/run.py``).

Design. Each replication draws a fresh network round from :func:`informeel_lib.synth.model.generate_network`
(one round, six organisations of ~85-120 respondents, ~600 in all; 5-point items generated from latent
normal responses with known loadings and thresholds, team clustering and organisation differences as in
the demo data) and fits the codebook's core measurement model (the model the reports compare across
organisations) with ML, MLR and WLSMV (``std_lv=True``) in every organisation and in the whole round.

* **Recovery of the loadings**: the standardised loadings (``std_all``) against the generator's latent
  loadings λ (the loading of the continuous response behind each answer: the truth a researcher
  reports). Bias and RMSE, averaged over the items.
* **Coverage of the 95% confidence intervals** of the (unstandardised, ``std_lv``) loadings: how often
  est ± 1,96·SE contains the value the estimator converges to in the population (each estimator's own
  target, see :func:`population_targets`: fitted once on a pseudo-population of ~9,500 respondents drawn
  from the same generator). 95% is right; lower means too-narrow intervals.
* Failures: fits that raise (not converged, not identified) or warn (Heywood case) per estimator.

ML and MLR have the same estimates; only their standard errors (and so coverage) differ. Writes
``benchmarks/results/recovery_estimators.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import informeel_lib as il
from informeel_lib.analysis.cfa import CFAWarning
from informeel_lib.codebook import load_codebook
from informeel_lib.errors import AnalysisError
from informeel_lib.synth.model import DEFAULT_ROUNDS, generate_network

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "recovery_estimators.json"
ESTIMATORS = ("ML", "MLR", "WLSMV")
ROUND = DEFAULT_ROUNDS[:1]
POPULATION_SEED, POPULATION_SCALE = 99_999, 16


def core_model(cb) -> tuple[dict, list[str]]:
    """The codebook's core scales {scale: items} and the reverse-keyed items among them."""
    model = {s: cb.scales[s].item_codes for s in cb.core_scales}
    reverse = [it.code for s in model for it in cb.scales[s].items if it.reverse]
    return model, reverse


def keyed_round(seed: int, reverse, *, scale: float = 1.0) -> pd.DataFrame:
    """One network round from the generator, reversed items keyed back (6 - answer)."""
    df = generate_network(seed, rounds=ROUND, scale=scale).responses
    df = df[df["round"] == ROUND[0]].copy()
    for item in reverse:
        df[item] = 6 - df[item]
    return df


def fit_loadings(data: pd.DataFrame, model: dict, estimator: str) -> tuple[pd.DataFrame | None, str]:
    """Loadings (item x est, se, std_all) of one fit, or None and why it failed ("error"/"warning")."""
    kwargs = {"ordered": True} if estimator == "WLSMV" else {"estimator": estimator}
    items = [i for its in model.values() for i in its]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", CFAWarning)     # Heywood case or not converged: a failed fit
        try:
            res = il.cfa(data[items], model, std_lv=True, modification_indices=False, **kwargs)
        except AnalysisError:
            return None, "error"
        except CFAWarning:
            return None, "warning"
    table = res.loading_table.reset_index().set_index("item")
    return table[["estimate", "se", "std_all"]], ""


def population_targets(model: dict, reverse, truth: dict) -> dict:
    """Each estimator's population loadings (``std_lv``), network-wide and within organisations.

    ML: fitted on the pseudo-population, within organisations on organisation-centred answers (the
    pooled within-organisation covariances). WLSMV: network-wide fitted on the pseudo-population; within
    an organisation the generator's λ itself (latent responses with variance 1 there: organisation
    effects only shift the means), as centring does not apply to ordinal answers.
    """
    pop = keyed_round(POPULATION_SEED, reverse, scale=POPULATION_SCALE)
    items = [i for its in model.values() for i in its]
    centred = pop.copy()
    centred[items] = pop[items] - pop.groupby("organisation")[items].transform("mean") + pop[items].mean()
    ml_network, _ = fit_loadings(pop, model, "ML")
    ml_within, _ = fit_loadings(centred, model, "ML")
    wlsmv_network, _ = fit_loadings(pop, model, "WLSMV")
    targets = {"n": len(pop), "ML": {"netwerk": ml_network["estimate"], "organisatie": ml_within["estimate"]},
               "WLSMV": {"netwerk": wlsmv_network["estimate"], "organisatie": pd.Series(truth)}}
    targets["MLR"] = targets["ML"]
    targets["wlsmv_network_minus_lambda"] = float((wlsmv_network["estimate"] - pd.Series(truth)).abs().max())
    return targets


def replication(seed: int, model: dict, reverse) -> list[dict]:
    """Rows (level, sample, n, estimator, item, est, se, std_all or failure) of one replication."""
    data = keyed_round(seed, reverse)
    samples = [("netwerk", "netwerk", data)] + [("organisatie", org, g) for org, g in data.groupby("organisation")]
    rows = []
    for level, name, sample in samples:
        for estimator in ESTIMATORS:
            table, failure = fit_loadings(sample, model, estimator)
            base = {"seed": seed, "level": level, "sample": name, "n": len(sample), "estimator": estimator}
            if table is None:
                rows.append({**base, "failure": failure})
                continue
            rows += [{**base, "item": item, **row, "failure": ""} for item, row in table.to_dict("index").items()]
    return rows


def summarise(rows: pd.DataFrame, truth: dict, targets: dict) -> pd.DataFrame:
    """Per level and estimator: failures, bias and RMSE of std_all against λ, coverage of the 95% CIs."""
    ok = rows[rows["failure"] == ""].copy()
    ok["lambda"] = ok["item"].map(truth)
    ok["target"] = [targets[e][lv][i] for e, lv, i in zip(ok["estimator"], ok["level"], ok["item"])]
    ok["error"] = ok["std_all"] - ok["lambda"]
    ok["covered"] = (ok["estimate"] - ok["target"]).abs() <= 1.96 * ok["se"]
    fits = rows.drop_duplicates(["seed", "sample", "estimator"])
    out = []
    for (level, estimator), group in ok.groupby(["level", "estimator"], sort=False):
        per_item = group.groupby("item")
        tried = fits[(fits["level"] == level) & (fits["estimator"] == estimator)]
        out.append({"level": level, "estimator": estimator, "fits": len(tried),
                    "failures": int((tried["failure"] != "").sum()), "mean_n": round(float(tried["n"].mean())),
                    "bias": float(per_item["error"].mean().mean()),
                    "rmse": float(np.sqrt(per_item["error"].apply(lambda e: (e ** 2).mean())).mean()),
                    "coverage": float(per_item["covered"].mean().mean()),
                    "coverage_min": float(per_item["covered"].mean().min())})
    return pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args()
    start = time.perf_counter()
    cb = load_codebook()
    model, reverse = core_model(cb)
    truth = generate_network(1, rounds=ROUND).truth["latent"]["loadings"]
    targets = population_targets(model, reverse, truth)
    rows = []
    for rep in range(args.reps):
        rows += replication(1000 + rep, model, reverse)
        print(f"replicatie {rep + 1}/{args.reps} ({time.perf_counter() - start:.0f} s)", flush=True)
    table = summarise(pd.DataFrame(rows), truth, targets)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"reps": args.reps, "population_n": targets["n"], "model": model,
                                   "wlsmv_population_max_abs_minus_lambda": targets["wlsmv_network_minus_lambda"],
                                   "seconds": round(time.perf_counter() - start, 1),
                                   "summary": table.to_dict("records")}, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
