"""Shared by the benchmark scripts: run a function several times and keep every duration."""

from __future__ import annotations

import time


def timed(fn, repeat: int) -> tuple[list[float], object]:
    """Call ``fn`` ``repeat`` times; return the seconds of each call and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result
