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
