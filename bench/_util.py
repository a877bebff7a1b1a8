"""Small helpers shared by the benchmarks: timing, peak memory of a child process."""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls of ``fn`` and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def _child(fn, args, queue):
    t0 = time.perf_counter()
    out = fn(*args)
    wall = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((wall, peak_kib / 1024**2, out))


def in_child(fn: Callable, *args: Any) -> tuple[float, float, Any]:
    """Run ``fn(*args)`` in a fresh process; return (wall seconds, peak GiB, result)."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, args, queue))
    proc.start()
    wall, peak, out = queue.get()
    proc.join()
    return wall, peak, out
