"""Timing helper shared by the benchmarks (each runs as a script, so this folder is on ``sys.path``)."""

from __future__ import annotations

import time


def best_of(fn, repeat: int = 3) -> float:
    """The fastest of ``repeat`` wall-clock runs of ``fn()``, in seconds.

    The minimum, not the mean: on a shared machine the noise only ever adds time, so the fastest run is
    the best estimate of what the code itself costs (as ``timeit`` recommends).
    """
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report_against(rows, base, ratios: dict, *, baseline: str, results, root, header: str = "R (s)",
                   width: int = 44) -> None:
    """Print ours beside the baseline's time per task (and the ratio) and write them to ``results`` (JSON).

    ``rows`` are (task, our seconds); ``base`` the baseline's seconds in the same order (NaN without R);
    ``ratios`` the named ratios the README quotes.
    """
    import json

    print(f"\n{'taak':<{width}} {'informeel (s)':>13}  {header:>{max(8, len(header))}}  {'verhouding':>10}")
    for (task, t), b in zip(rows, base):
        print(f"{task:<{width}} {t:>13.3f}  {b:>{max(8, len(header))}.3f}  {b / t:>9.2f}x")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps({
        "rows": [{"task": task, "informeel_s": t, "baseline": baseline, "baseline_s": b}
                 for (task, t), b in zip(rows, base)],
        "ratios": ratios,
    }, indent=2))
    print(f"\nGeschreven: {results.relative_to(root)}")
