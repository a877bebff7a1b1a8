"""Time the synthetic generator: the demo network, the counts grain, and a state-sized network.

Run: .venv/bin/python bench/synth_scale.py
Prints seconds (best of a few runs for the small cases), rows per second and the peak
resident memory of the process so far.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable

from netlab import synth


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _time(label: str, make: Callable[[], synth.SynthNetwork], table: str, repeat: int) -> None:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        network = make()
        best = min(best, time.perf_counter() - start)
    rows = len(network.tables[table])
    print(
        f"{label:<40} {best:7.3f} s {rows:>11,} {table:<8} rows "
        f"{rows / best:>12,.0f} rows/s  peak {_peak_gb():.2f} GB"
    )


def main() -> None:
    _time("generate(), 30 schools, counts", lambda: synth.generate(grain="counts"), "counts", 5)
    _time("generate(), 30 schools, students", synth.generate, "students", 5)
    _time("generate_districts(), 15 districts", synth.generate_districts, "students", 3)
    _time("state_scale(), counts", lambda: synth.state_scale(grain="counts"), "counts", 1)
    _time("state_scale(), students", synth.state_scale, "students", 1)


if __name__ == "__main__":
    main()
