"""Start-up: ``netlab --help`` and ``import netlab`` against their baselines.

Each command runs in a fresh interpreter, several times; the best wall time counts. The
baselines are measured in the same run, on the same machine:

* ``netlab --help`` against a bare ``python -c "import argparse"`` (goal: within 3×);
* ``python -c "import netlab"`` against ``python -c "import pandas"`` (goal: within 1.2×).

It also prints, for information, what a fresh report kernel pays for its imports
(``from netlab import report``). Usage: ``python bench/startup.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import timed

GOALS = {"netlab --help": 3.0, "import netlab": 1.2}


def _netlab_command() -> list[str]:
    """The ``netlab`` script beside this interpreter, else ``python -m netlab``."""
    script = Path(sys.executable).with_name("netlab")
    if script.exists():
        return [str(script)]
    found = shutil.which("netlab")
    return [found] if found else [sys.executable, "-m", "netlab"]


def _run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=os.environ.copy())


def best(cmd: list[str], repeat: int) -> float:
    """Best wall seconds of ``repeat`` runs of ``cmd`` (one warm-up run first)."""
    _run(cmd)
    return timed(lambda: _run(cmd), repeat=repeat)[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    n = ap.parse_args().repeat
    py = sys.executable
    pairs = {
        "netlab --help": ([*_netlab_command(), "--help"], [py, "-c", "import argparse"]),
        "import netlab": ([py, "-c", "import netlab"], [py, "-c", "import pandas"]),
    }
    ok = True
    for name, (cmd, base) in pairs.items():
        t, b = best(cmd, n), best(base, n)
        ratio = t / b
        ok &= ratio <= GOALS[name]
        print(
            f"{name:<14} {t:6.3f} s   baseline {b:6.3f} s ({' '.join(base[1:])})   "
            f"ratio {ratio:4.2f}   goal ≤ {GOALS[name]}   {'ok' if ratio <= GOALS[name] else 'MISSED'}"
        )
    kernel = best([py, "-c", "from netlab import report"], max(1, n // 2))
    print(f"report kernel imports (from netlab import report): {kernel:.2f} s (for information)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
