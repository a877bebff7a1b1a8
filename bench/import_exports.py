"""State-scale StudentTracker detail file: read and reduce to per-student outcomes.

A synthetic state (1,300 schools x 6 graduating years, about 2 million seniors) writes its
StudentTracker for High Schools detail file (several rows per student: terms, degrees,
not-found rows), as ``netlab synth`` does. Two things are timed, each in a fresh process on
the same file in the same run:

* the baseline: a bare ``pandas.read_csv(path, dtype=str)`` of the file (bytes to a frame);
* netlab: the file read through its built-in description and reduced to one set of NSC
  outcomes per student (fall enrollment, within a year, first college, persistence,
  six-year completion), joined to the roster's ids.

Goal: netlab within 3x the bare read, and under 4 GiB. The outcomes are checked against
the synthetic truth. Usage: ``python bench/import_exports.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import in_child

from netlab import synth
from netlab.sources._describe import load_builtin
from netlab.sources._nsc import reduce_studenttracker
from netlab.sources._read import read_export
from netlab.synth._colleges import institutions_table
from netlab.synth._exports import _write, studenttracker_frame


def write_files(folder: str, seed: int) -> dict:
    """Generate the state, write its StudentTracker file and the roster's ids (in a child)."""
    net = synth.state_scale(seed=seed)
    s = net.tables["students"]
    out = Path(folder)
    path = _write(studenttracker_frame(s, net.export_seed), out / "StudentTracker_HS_20261115.csv")
    truth = s[["student_id", "grad_year", "enrolled", "enrolled_year1", "persisted",
               "completed_6yr", "enrolled_unitid"]]  # fmt: skip
    truth.to_parquet(out / "truth.parquet")
    return {"path": str(path), "seniors": len(s), "bytes": path.stat().st_size}


def bare_read(path: str) -> int:
    return len(pd.read_csv(path, dtype=str))


def netlab_reduce(path: str, truth_path: str) -> dict:
    truth = pd.read_parquet(truth_path, columns=["student_id", "grad_year"])
    spine = pd.DataFrame(
        {"join": truth["student_id"].astype("str"), "grad_year": truth["grad_year"]}
    )
    del truth
    rx = read_export(path, load_builtin("studenttracker"), typed=False)
    res = reduce_studenttracker([rx], spine, institutions=institutions_table())
    o = res.outcomes
    return {
        "rows": rx.rows_in,
        "students": len(o),
        "enrolled": int(o["enrolled"].sum()),
        "year1": int(o["enrolled_year1"].sum()),
        "persisted": int(o["persisted"].sum()),
        "completed": int(o["completed_6yr"].sum()),
        "mapped": int(o["enrolled_unitid"].notna().sum()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wall, peak, made = in_child(write_files, tmp, args.seed)
        print(
            f"synthetic state: {made['seniors']:,} seniors, StudentTracker file "
            f"{made['bytes'] / 1e6:,.0f} MB written in {wall:.1f} s"
        )
        base_wall, base_peak, n = in_child(bare_read, made["path"])
        print(f"baseline  pandas.read_csv(dtype=str): {n:,} rows in {base_wall:.1f} s, "
              f"peak {base_peak:.2f} GiB")  # fmt: skip
        ours_wall, ours_peak, got = in_child(
            netlab_reduce, made["path"], os.path.join(tmp, "truth.parquet")
        )
        print(
            f"netlab    read + reduce to outcomes: {got['rows']:,} rows -> "
            f"{got['students']:,} students in {ours_wall:.1f} s, peak {ours_peak:.2f} GiB"
        )
        truth = pd.read_parquet(os.path.join(tmp, "truth.parquet"))
        want = {
            "enrolled": int(truth["enrolled"].sum()),
            "year1": int(truth["enrolled_year1"].fillna(False).sum()),
            "persisted": int(truth["persisted"].fillna(False).sum()),
            "completed": int(truth["completed_6yr"].fillna(False).sum()),
            "mapped": int(truth["enrolled_unitid"].notna().sum()),
        }
        same = all(got[k] == v for k, v in want.items())
        print(f"outcomes equal the synthetic truth: {same} ({got} vs {want})")
        ratio = ours_wall / base_wall
        print(
            f"ratio: {ratio:.2f}x the bare read (goal <= 3x); peak {ours_peak:.2f} GiB "
            f"(goal < 4 GiB): {'met' if ratio <= 3 and ours_peak < 4 and same else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
