"""Benchmark: import a state's public FAFSA and school files, calamine vs pandas' defaults.

Imports all weekly FAFSA-by-high-school snapshots and the state's school files for the
whole state (Florida: eight snapshots, about 1,200 schools; membership, lunch, race and
the NCES crosswalk) twice in the same run: once reading every workbook with pandas'
``engine="calamine"``, once with pandas' default Excel engines (xlrd for .xls, openpyxl for
.xlsx). Everything else (header search, parsing, joins, CSV writing) is the same code, so
the difference is the cost of reading the workbooks. The two imports must agree.

Run: ``.venv/bin/python bench/import_public.py [--source DIR] [--repeat N]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

from netlab import sources

DEFAULT_SOURCE = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "public" / "florida-fafsa-2024"
)


def _time_import(state: str, source: Path, engine: str | None, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out, warnings.catch_warnings():
            # pandas warns that its default engines will change; that is what is measured.
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            result = sources.import_public(state, source, out, engine=engine)
            times.append(time.perf_counter() - t0)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", default="florida")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.source.is_dir():
        raise SystemExit(f"No public files at {args.source}; give --source DIR.")

    files = sorted(p for p in args.source.rglob("*") if p.suffix in {".xls", ".xlsx"})
    size = sum(p.stat().st_size for p in files) / 1e6
    print(f"{len(files)} workbooks, {size:.1f} MB, in {args.source}")

    fast, res_fast = _time_import(args.state, args.source, "calamine", args.repeat)
    slow, res_slow = _time_import(args.state, args.source, None, args.repeat)

    for name in ("schools", "counts", "fafsa_weekly", "quality_log"):
        pd.testing.assert_frame_equal(getattr(res_fast, name), getattr(res_slow, name))
    q = res_fast.quality_log
    print(
        f"schools in the FAFSA files: {len(q)}; kept {int(q['kept'].sum())}; "
        f"fafsa_weekly rows: {len(res_fast.fafsa_weekly)} (both engines give identical tables)"
    )
    for label, t in (("calamine", fast), ("pandas default (xlrd/openpyxl)", slow)):
        print(
            f"{label:32s} median {statistics.median(t):6.2f} s  "
            f"min {min(t):6.2f} s  over {len(t)} runs"
        )
    print(
        f"ratio default / calamine (median): {statistics.median(slow) / statistics.median(fast):.1f}x"
    )


if __name__ == "__main__":
    main()
