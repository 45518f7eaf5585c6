"""Run every benchmark under benchmarks/ (each in its own process) and print the ratios.

Usage: ``make benchmark`` or ``python benchmarks/run.py [name ...]`` where a name selects
``bench_<name>.py``. Each benchmark prints its own table and writes
``benchmarks/results/<name>.json``; this runner prints a summary of all ratios at the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in argv]
    failed = []
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(f"({script.stem}: {time.perf_counter() - start:.1f} s)")
        if proc.returncode != 0:
            failed.append(script.stem)
    print("\n=== Samenvatting (verhouding = basislijn / informeel; > 1 betekent sneller) ===")
    for path in sorted(RESULTS.glob("*.json")):
        data = json.loads(path.read_text())
        for name, ratio in data.get("ratios", {}).items():
            print(f"{path.stem:>14} | {name}: {ratio:.2f}x")
    if failed:
        print(f"Mislukte benchmarks: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
