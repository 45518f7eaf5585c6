"""Benchmark: ``informeel clean`` on a 200 MB export (about 600,000 rows): wall time and peak memory.

The export is built from the synthetic network (:func:`informeel_lib.synth.write_network`): the
LimeSurvey CSV of one organisation in one round (cp1252, ``;``, every cell quoted, answers as Dutch
labels, open answers, planted dirt) is repeated until it is about 200 MB, each copy with new personal
codes and response ids, so the copies are different people (no duplicates) and every open answer still
goes through de-identification. The file is written once to ``benchmarks/data/groot/`` (not in git)
and reused.

``informeel clean`` runs in a child process; its peak memory is the child's ``ru_maxrss``
(:func:`resource.getrusage` with ``RUSAGE_CHILDREN``, the largest resident set of any waited-for child)
and its wall time is measured around it. Goal (issue 11): no slower than before (97 s on this machine)
and a peak below 1.5 GB (it was 2.4 GB).

Writes ``benchmarks/results/clean_large.json``. Usage:
``nice -n 10 python benchmarks/bench_clean_large.py [--mb 200] [--label naam]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent
ROUND = "2021-11"
SOURCE_FILE = "limesurvey_zinn.csv"
GOAL_SECONDS, GOAL_PEAK_MB = 97.0, 1536.0


def build_export(target: Path, megabytes: float, *, seed: int = 2021) -> tuple[int, int]:
    """Write the large export to ``target`` (unless it is there already); returns (rows, bytes)."""
    marker = target.with_suffix(".json")
    if target.exists() and marker.exists():
        info = json.loads(marker.read_text())
        if info.get("megabytes") == megabytes and info.get("seed") == seed:
            return info["rows"], target.stat().st_size
    sys.path.insert(0, str(ROOT))
    from informeel_lib.synth import write_network

    with tempfile.TemporaryDirectory(prefix="informeel-bench-") as tmp:
        write_network(tmp, seed=seed, rounds=[ROUND])
        raw = (Path(tmp) / ROUND / SOURCE_FILE).read_bytes().decode("cp1252")
    rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    id_col, code_col = header.index("id"), header.index("code")
    target.parent.mkdir(parents=True, exist_ok=True)
    written, copy, n = 0, 0, 0
    limit = int(megabytes * 1e6)
    with open(target, "w", encoding="cp1252", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(header)
        while fh.tell() < limit:
            for row in body:
                new = list(row)
                new[id_col] = str(n + 1)
                new[code_col] = f"{row[code_col]}{copy:05d}" if row[code_col].strip() else row[code_col]
                writer.writerow(new)
                n += 1
            copy += 1
            written = fh.tell()
    marker.write_text(json.dumps({"megabytes": megabytes, "seed": seed, "rows": n, "bytes": written}))
    return n, target.stat().st_size


def run_clean(export: Path, out: Path) -> tuple[float, float, int]:
    """``informeel clean`` in a child process; (wall seconds, peak resident MB, exit code)."""
    cmd = [str(BIN / "informeel"), "clean", str(export), "--round", ROUND, "--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=out.parent)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: kilobytes
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-4000:], sep="\n", file=sys.stderr)
    elif peak_kb <= before:
        print("Waarschuwing: een eerder kindproces had een hogere piek; meet in een nieuw proces.", file=sys.stderr)
    return seconds, peak_kb / 1024, proc.returncode


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200.0, help="grootte van de export in MB")
    parser.add_argument("--label", default="informeel", help="naam van deze meting in de resultaten")
    args = parser.parse_args(argv)
    export = HERE / "data" / "groot" / f"limesurvey_{int(args.mb)}mb.csv"
    t0 = time.perf_counter()
    rows, size = build_export(export, args.mb)
    print(f"Export: {export.name}, {size / 1e6:.0f} MB, {rows} rijen (gemaakt in {time.perf_counter() - t0:.0f} s)")
    work = Path(tempfile.mkdtemp(prefix="informeel-bench-clean-"))
    try:
        (work / ".informeel_salt").write_text("benchmark-salt\n")
        seconds, peak_mb, code = run_clean(export, work / "processed")
        out_size = sum(p.stat().st_size for p in (work / "processed").glob("*") if p.is_file())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ok = code == 0 and seconds <= GOAL_SECONDS and peak_mb < GOAL_PEAK_MB
    print(f"{'meting':>12} | {'rijen':>8} | {'MB':>5} | {'tijd (s)':>8} | {'piek (MB)':>9} | "
          f"doel: <= {GOAL_SECONDS:.0f} s, < {GOAL_PEAK_MB:.0f} MB")
    print(f"{args.label:>12} | {rows:>8} | {size / 1e6:>5.0f} | {seconds:>8.1f} | {peak_mb:>9.0f} | "
          f"{'gehaald' if ok else 'NIET gehaald'} (exit {code})")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "clean_large.json"
    data = json.loads(path.read_text()) if path.exists() else {"runs": []}
    data["runs"] = [r for r in data["runs"] if r.get("label") != args.label]
    data["runs"].append({"label": args.label, "rows": rows, "megabytes": round(size / 1e6, 1),
                         "seconds": round(seconds, 1), "peak_mb": round(peak_mb), "exit": code,
                         "output_mb": round(out_size / 1e6, 1), "machine": platform.machine(),
                         "python": platform.python_version(), "date": time.strftime("%Y-%m-%d")})
    data["ratios"] = {f"clean_large_{r['label']}_time_vs_97s": GOAL_SECONDS / r["seconds"] for r in data["runs"]
                      if r["exit"] == 0}
    path.write_text(json.dumps(data, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
