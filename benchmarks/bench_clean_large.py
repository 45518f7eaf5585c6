"""Benchmark: ``informeel clean`` on an export of 600,000 rows (about 225 MB): wall time and peak memory.

The export is a LimeSurvey CSV as a large survey would export it: answer codes instead of labels (1-5,
``99`` for "weet ik niet"; an answer that is no label of the scale, planted dirt, stays as written),
only the columns the cleaning uses (``id``, ``submitdate``, personal code, organisation, team, role,
sector, background, 47 items, the two open questions, ``interviewtime``), cp1252, ``;``, quotes only
where a cell needs them. It is built from the synthetic network
(:func:`informeel_lib.synth.write_network`): the export of one organisation in one round (95 rows) is
repeated until it has 600,000 rows (``--rows``), each copy with new personal codes and response
ids, so the copies are different people (no duplicates) and every open answer goes through
de-identification (the texts repeat, so most of them come from its cache). Written once to
``benchmarks/data/groot/`` (not in git) and reused.

``informeel clean`` runs in a child process (``python -m informeel_lib.cli``; ``--code MAP`` runs
another checkout, e.g. the version before a change, with ``PYTHONPATH=MAP``). Peak memory is that of
the whole process tree: every 50 ms the resident sets (``/proc/<pid>/statm``) of the child and all its
descendants are summed, and the peak is the largest sum, or the child's own ``ru_maxrss`` if that is
larger (a spike between two samples). Summing resident sets counts pages that processes share once per
process, so it never underestimates. Wall time is measured around the child. ``--repeat N`` runs
N times and keeps the fastest time and the largest peak.

Goal (issue 11): no slower than before (97 s on the machine of the issue; on a shared machine compare
with a run of the previous version made just before, ``--baseline LABEL``) and a peak below 1.5 GB
(it was 2.4 GB). The results JSON also holds hashes of the cleaned data and of the cleaning log, so two
versions can be checked to give the same output.

Writes ``benchmarks/results/clean_large.json``. Usage:
``nice -n 10 python benchmarks/bench_clean_large.py [--rows 600000] [--label naam] [--code MAP] [--repeat N]
[--baseline LABEL]``; e.g. ``--label voor --code /tmp/vorige-versie`` and then ``--label na --baseline voor``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
ROUND = "2021-11"
SOURCE_FILE = "limesurvey_zinn.csv"
GOAL_SECONDS, GOAL_PEAK_MB = 97.0, 1536.0
EXPORT_FORMAT = 2  # 1: labels, every column, every cell quoted (about 200,000 rows in 200 MB)
LEFT_OUT = {"lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr"}  # not used by the cleaning
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _answer_codes(header: list[str]):
    """A function that turns a row's item labels into LimeSurvey answer codes (1-5, 99 = weet ik niet)."""
    sys.path.insert(0, str(ROOT))
    from informeel_lib.codebook import load_codebook

    scale = load_codebook(None).default_response_scale
    items = {i for i, name in enumerate(header) if "[" in name}

    def code(value: str) -> str:
        if not value.strip():
            return value
        try:
            number = scale.value(value)
        except KeyError:  # planted dirt: not a label of the scale, stays as written
            return value
        return "99" if number is None else str(number)

    return lambda row: [code(v) if i in items else v for i, v in enumerate(row)]


def build_export(target: Path, n_rows: int, *, seed: int = 2021) -> tuple[int, int]:
    """Write the large export to ``target`` (unless it is there already); returns (rows, bytes)."""
    marker = target.with_suffix(".json")
    if target.exists() and marker.exists():
        info = json.loads(marker.read_text())
        if (info.get("target_rows"), info.get("seed"), info.get("format")) == (n_rows, seed, EXPORT_FORMAT):
            return info["rows"], target.stat().st_size
    sys.path.insert(0, str(ROOT))
    from informeel_lib.synth import write_network

    with tempfile.TemporaryDirectory(prefix="informeel-bench-") as tmp:
        write_network(tmp, seed=seed, rounds=[ROUND])
        raw = (Path(tmp) / ROUND / SOURCE_FILE).read_bytes().decode("cp1252")
    rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter=";"))
    header, body = rows[0], [_answer_codes(rows[0])(row) for row in rows[1:]]
    keep = [i for i, name in enumerate(header) if name not in LEFT_OUT]
    id_col, code_col = header.index("id"), header.index("code")
    target.parent.mkdir(parents=True, exist_ok=True)
    written, copy, n = 0, 0, 0
    with open(target, "w", encoding="cp1252", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow([header[i] for i in keep])
        while n < n_rows:
            for row in body:
                new = list(row)
                new[id_col] = str(n + 1)
                new[code_col] = f"{row[code_col]}{copy:05d}" if row[code_col].strip() else row[code_col]
                writer.writerow([new[i] for i in keep])
                n += 1
            copy += 1
            written = fh.tell()
    marker.write_text(json.dumps({"target_rows": n_rows, "seed": seed, "format": EXPORT_FORMAT, "rows": n,
                                  "bytes": written}))
    return n, target.stat().st_size


def _tree_rss_kb(root: int) -> int:
    """Sum of the resident sets of ``root`` and all its descendants (kB), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * PAGE_KB
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(parents.get(pid, ()))
    return total


def run_clean(export: Path, out: Path, code: Path) -> dict:
    """``informeel clean`` (the checkout ``code``) in a child process, its tree sampled every 50 ms."""
    cmd = [sys.executable, "-m", "informeel_lib.cli", "clean", str(export), "--round", ROUND, "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(code))
    peak = {"tree_kb": 0, "samples": 0}
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, cwd=out.parent, env=env)
        done = threading.Event()

        def sample():
            while not done.wait(0.05):
                peak["tree_kb"] = max(peak["tree_kb"], _tree_rss_kb(proc.pid))
                peak["samples"] += 1

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (ru_maxrss in kB on Linux)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            for fh, limit in ((stdout, 2000), (stderr, 4000)):
                fh.seek(0)
                print(fh.read().decode(errors="replace")[-limit:], file=sys.stderr)
    return {"seconds": seconds, "peak_mb": max(peak["tree_kb"], usage.ru_maxrss) / 1024,
            "tree_peak_mb": peak["tree_kb"] / 1024, "largest_process_mb": usage.ru_maxrss / 1024,
            "samples": peak["samples"], "exit": proc.returncode}


def output_hashes(folder: Path) -> dict:
    """SHA-256 of the cleaned data (values, columns and dtypes as pandas reads the parquet) and of the log."""
    import pandas as pd

    data = pd.read_parquet(folder / f"{ROUND}.parquet")
    digest = hashlib.sha256(repr((list(data.columns), [str(t) for t in data.dtypes])).encode())
    digest.update(pd.util.hash_pandas_object(data, index=True).to_numpy().tobytes())
    log = (folder / f"{ROUND}_log.csv").read_bytes()
    return {"data_sha256": digest.hexdigest()[:16], "log_sha256": hashlib.sha256(log).hexdigest()[:16],
            "data_rows": len(data), "log_rows": log.count(b"\n") - 1}


def measure(export: Path, code: Path) -> dict:
    """One run in a fresh folder (its own salt): the measurements and the output's hashes."""
    work = Path(tempfile.mkdtemp(prefix="informeel-bench-clean-"))
    try:
        (work / ".informeel_salt").write_text("benchmark-salt\n")
        run = run_clean(export, work / "processed", code)
        if run["exit"] == 0:
            run["output_mb"] = round(sum(p.stat().st_size for p in (work / "processed").iterdir()) / 1e6, 1)
            run.update(output_hashes(work / "processed"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=600_000, help="aantal rijen van de export (ongeveer)")
    parser.add_argument("--label", default="informeel", help="naam van deze meting in de resultaten")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout waarvan informeel_lib gemeten wordt")
    parser.add_argument("--repeat", type=int, default=1, help="aantal runs (snelste tijd, hoogste piek)")
    parser.add_argument("--baseline", help="meting (label) waarmee de tijd wordt vergeleken in plaats van 97 s: "
                                           "op een gedeelde machine alleen zo te vergelijken")
    args = parser.parse_args(argv)
    path = RESULTS / "clean_large.json"
    data = json.loads(path.read_text()) if path.exists() else {"runs": []}
    baseline = next((r for r in data["runs"] if r["label"] == args.baseline), None) if args.baseline else None
    if args.baseline and baseline is None:
        parser.error(f"geen meting '{args.baseline}' in {path}")
    goal_seconds = baseline["seconds"] if baseline else GOAL_SECONDS
    export = HERE / "data" / "groot" / f"limesurvey_codes_{args.rows}.csv"
    t0 = time.perf_counter()
    rows, size = build_export(export, args.rows)
    print(f"Export: {export.name}, {size / 1e6:.0f} MB, {rows} rijen (gemaakt in {time.perf_counter() - t0:.0f} s)")
    runs = [measure(export, args.code.resolve()) for _ in range(args.repeat)]
    code = max(r["exit"] for r in runs)
    seconds = min(r["seconds"] for r in runs)
    peak_mb = max(r["peak_mb"] for r in runs)
    ok = code == 0 and seconds <= goal_seconds and peak_mb < GOAL_PEAK_MB
    print(f"{'meting':>12} | {'rijen':>8} | {'MB':>5} | {'tijd (s)':>8} | {'piek (MB)':>9} | "
          f"doel: <= {goal_seconds:.0f} s{f' ({args.baseline})' if baseline else ''}, < {GOAL_PEAK_MB:.0f} MB")
    print(f"{args.label:>12} | {rows:>8} | {size / 1e6:>5.0f} | {seconds:>8.1f} | {peak_mb:>9.0f} | "
          f"{'gehaald' if ok else 'NIET gehaald'} (exit {code})")
    RESULTS.mkdir(exist_ok=True)
    data = json.loads(path.read_text()) if path.exists() else {"runs": []}  # again: another run may have written
    data["runs"] = [r for r in data["runs"] if r.get("label") != args.label]
    data["runs"].append({"label": args.label, "rows": rows, "megabytes": round(size / 1e6, 1),
                         "seconds": round(seconds, 1), "peak_mb": round(peak_mb), "exit": code,
                         "baseline": args.baseline,
                         "runs": [{k: round(v, 1) if isinstance(v, float) else v for k, v in r.items()}
                                  for r in runs],
                         "load_average": os.getloadavg()[0], "machine": platform.machine(),
                         "python": platform.python_version(), "date": time.strftime("%Y-%m-%d %H:%M")})
    data["ratios"] = {f"clean_large_{r['label']}_time_vs_97s": GOAL_SECONDS / r["seconds"] for r in data["runs"]
                      if r["exit"] == 0}
    seconds_of = {r["label"]: r["seconds"] for r in data["runs"] if r["exit"] == 0}
    data["ratios"].update({f"clean_large_{r['label']}_speedup_vs_{r['baseline']}":
                           seconds_of[r["baseline"]] / r["seconds"]
                           for r in data["runs"] if r.get("baseline") in seconds_of and r["label"] in seconds_of})
    path.write_text(json.dumps(data, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
