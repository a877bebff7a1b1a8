"""Benchmark: keeping a state-scale term in the history against writing its rates alone.

In the same run, on a synthetic rates table of 1,300 schools (years × groups × measures):

- history: append the ninth term to a history of eight (rates and headline results, one
  snapshot of Parquet files), then read "since last term" for every school as the pages
  read it (the run's focal measure for its focal group);
- alone: write that term's rates to Parquet, as ``data/processed/<run>/rates.parquet``.

Each is timed in turns with the other (best of nine), so that both meet the machine
alike. Prints both times, their ratio (goal: within 1.5×) and the history's size per term.

Usage: ``python bench/history.py [--schools N] [--terms T] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import timed

MEASURES = ["fafsa_complete", "enrolled_any", "enrolled_4yr", "enrolled_likely_grad",
            "persisted", "summer_melt"]  # fmt: skip
GROUPS = ["all", "focal", "low_income", "black", "latinx", "female"]


def _rates(schools: int, last_year: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units = [f"{i:014d}" for i in range(schools)]
    years = list(range(last_year - 6, last_year + 1))
    idx = pd.MultiIndex.from_product([units, years, GROUPS, MEASURES],
                                     names=["unit_id", "year", "group", "measure"])  # fmt: skip
    frame = idx.to_frame(index=False)
    frame["denominator"] = rng.integers(5, 400, len(frame))
    frame["numerator"] = rng.binomial(frame["denominator"], 0.45)
    frame["rate"] = frame["numerator"] / frame["denominator"]
    frame["unit_id"] = frame["unit_id"].astype("str")
    return frame


def _prepared(rates: pd.DataFrame, term: int):
    from netlab.testing import make_prepared

    prepared = make_prepared(rates, params={"network": "State", "term": f"Term {term}"},
                             has_students=False)  # fmt: skip
    prepared.as_of = dt.date(2019 + term // 2, 5 if term % 2 else 11, 15)
    return prepared


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*.parquet"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--schools", type=int, default=1300)
    p.add_argument("--terms", type=int, default=8)
    p.add_argument("--repeat", type=int, default=9, help="best of this many turns of each")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NETLAB_HOME"] = tmp
        for sub in ("params", "notebooks", "data/processed", "reports"):
            (Path(tmp) / sub).mkdir(parents=True, exist_ok=True)
        from netlab import pipeline

        for term in range(args.terms):
            pipeline.append(_prepared(_rates(args.schools, 2019 + term // 2, term), term))
        size_before = _size(pipeline.history_file())
        new = _prepared(_rates(args.schools, 2019 + args.terms // 2, args.terms), args.terms)

        def keep() -> pd.DataFrame:
            pipeline.append(new)
            measure = new.params.focal_measure  # what the index and every report read
            return pipeline.since_last_term("State", measure=measure, group="focal")

        out = Path(tmp) / "rates.parquet"
        history_s = alone_s = float("inf")
        for _ in range(args.repeat):  # in turns, so that both see the machine alike
            took, since = timed(keep)
            history_s = min(history_s, took)
            alone_s = min(alone_s, timed(lambda: new.rates.to_parquet(out, index=False))[0])
        size = _size(pipeline.history_file())
        per_term = size / (args.terms + 1)
        print(f"{len(new.rates):,} rate rows a term, {args.schools:,} schools, "
              f"{args.terms} terms before")  # fmt: skip
        print(f"append + since last term ({len(since):,} schools): {history_s:.3f} s")
        print(f"write the term's rates.parquet alone:          {alone_s:.3f} s")
        print(f"ratio: {history_s / alone_s:.2f}× (goal: within 1.5×)")
        print(f"history: {size / 1e6:.1f} MB for {args.terms + 1} terms, "
              f"{per_term / 1e6:.1f} MB a term (Parquet alone: "
              f"{out.stat().st_size / 1e6:.1f} MB; before this term {size_before / 1e6:.1f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
