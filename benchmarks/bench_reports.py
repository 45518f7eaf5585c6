"""Benchmark: `informeel report` for one full round against a naive sequential papermill + nbconvert loop.

Both produce the same reports (the network report and one per organisation) from the same
notebook and the same processed data:

* baseline: for each report, the ``papermill`` command line (new interpreter, new kernel,
  every network-wide model computed inside the notebook) and then ``jupyter nbconvert --to html
  --no-input --no-prompt`` (another interpreter), one after the other;
* informeel: ``informeel report --round R --jobs 2``: worker processes with one warm kernel
  each, in-process nbconvert, and the network-wide models (CFA, invariance, multilevel model)
  computed once per round, in parallel parts, and cached for all reports.

Prints both times side by side and the ratio (goal: >= 3x on 2 cores) and writes
``benchmarks/results/reports.json``. Usage: ``python benchmarks/bench_reports.py [--seed N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "rapport.ipynb"


def prepare(work: Path, seed: int, round_name: str) -> Path:
    """Synthesise the network and clean the round and the one before it; return the data folder."""
    from informeel_lib.io.cleaning import clean_files
    from informeel_lib.synth import write_network

    truth = write_network(work / "raw", seed=seed)
    rounds = list(truth["rounds"])
    wanted = rounds[: rounds.index(round_name) + 1][-2:]
    processed = work / "processed"
    for r in wanted:
        clean_files([work / "raw" / r], round_name=r, out=processed)
    return processed


def run_informeel(data: Path, out: Path, round_name: str, jobs: int, *, teams: bool = False,
                  source: Path | None = None) -> float:
    """Time ``informeel report`` for the round (cold cache); ``source`` runs another checkout's code instead
    (e.g. the previous version, to compare side by side: its package and report kernel import from there)."""
    for cache in data.glob("*_gedeeld.pkl"):
        cache.unlink()  # cold: the shared models are part of the measured work
    args = ["report", "--round", round_name, "--data", str(data), "--out", str(out), "--jobs", str(jobs)]
    args += ["--teams"] if teams else []
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)  # the kernels inherit it, so the notebooks run that checkout's code too
        cmd = [sys.executable, "-c", "import sys; from informeel_lib.cli import main; sys.exit(main(sys.argv[1:]))",
               *args]
    else:
        cmd = [str(BIN / "informeel"), *args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=source or ROOT, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"informeel report mislukte:\n{proc.stderr[-3000:]}")
    return elapsed


def run_baseline(data: Path, out: Path, round_name: str, organisations: list[str]) -> float:
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for org in [None, *organisations]:
        name = "netwerk" if org is None else org.lower().replace(" ", "-")
        executed = out / f"{name}.ipynb"
        cmd = [str(BIN / "papermill"), str(NOTEBOOK), str(executed), "-k", "informeel", "--cwd", str(NOTEBOOK.parent),
               "-p", "ronde", round_name, "-p", "data_map", str(data), "-p", "interactief", "False",
               "--no-progress-bar"]
        if org is not None:
            cmd += ["-p", "organisatie", org]
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", "--no-prompt",
                        str(executed)], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--round", default="2022-05")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--vergelijk", type=Path, default=None,
                        help="map met een andere versie (checkout): time haar rapportronde naast deze, plus deze met "
                        "--teams")
    args = parser.parse_args(argv)
    if args.vergelijk is not None:
        return compare_versions(args)
    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    try:
        data = prepare(work, args.seed, args.round)
        from informeel_lib.report.batch import organisation_counts

        orgs = [o for o, n in organisation_counts(data, args.round).items() if n >= 5]
        ours = run_informeel(data, work / "reports", args.round, args.jobs)
        base = run_baseline(data, work / "baseline", args.round, orgs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n_reports = 1 + len(orgs)
    ratio = base / ours
    print(f"{'':32} {'tijd (s)':>10} {'per rapport (s)':>16}")
    print(f"{'papermill + nbconvert (los)':32} {base:10.1f} {base / n_reports:16.1f}")
    print(f"{'informeel report --jobs ' + str(args.jobs):32} {ours:10.1f} {ours / n_reports:16.1f}")
    print(f"verhouding: {ratio:.2f}x sneller ({n_reports} rapporten, ronde {args.round}, "
          f"{os.cpu_count()} kernen; doel >= 3x)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reports.json").write_text(json.dumps({
        "benchmark": "reports", "round": args.round, "reports": n_reports, "jobs": args.jobs,
        "cpu_count": os.cpu_count(), "python": platform.python_version(),
        "seconds": {"baseline_papermill_nbconvert": round(base, 2), "informeel_report": round(ours, 2)},
        "ratios": {"report_round": round(ratio, 2)},
    }, indent=2), encoding="utf-8")
    return 0 if ratio >= 3 else 1


def compare_versions(args) -> int:
    """Side by side on the same data: the other checkout's round, this one's, and this one's with --teams.

    Runs each twice, alternating (the machine's load drifts), and reports the faster run of each.
    Goal: this version no slower than the other (ratio <= 1.1 for measurement noise) and with --teams < 2x.
    """
    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    try:
        data = prepare(work, args.seed, args.round)
        runs = {"vorige versie": [], "deze versie": [], "deze versie --teams": []}
        for i in range(2):
            runs["vorige versie"].append(run_informeel(data, work / f"old{i}", args.round, args.jobs,
                                                       source=args.vergelijk.resolve()))
            runs["deze versie"].append(run_informeel(data, work / f"new{i}", args.round, args.jobs))
            runs["deze versie --teams"].append(run_informeel(data, work / f"teams{i}", args.round, args.jobs,
                                                             teams=True))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    best = {k: min(v) for k, v in runs.items()}
    base = best["vorige versie"]
    for name, seconds in best.items():
        print(f"{name:24} {seconds:8.1f} s  ({seconds / base:.2f}x)  runs: {', '.join(f'{x:.1f}' for x in runs[name])}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reports_versions.json").write_text(json.dumps({
        "benchmark": "reports_versions", "round": args.round, "jobs": args.jobs, "cpu_count": os.cpu_count(),
        "seconds": {k: [round(x, 2) for x in v] for k, v in runs.items()},
        "ratios": {k: round(v / base, 2) for k, v in best.items()},
    }, indent=2), encoding="utf-8")
    ok = best["deze versie"] <= 1.1 * base and best["deze versie --teams"] < 2 * base
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
