"""State-scale ``prepare``: wall time, peak memory and rows per second.

A synthetic state (1,300 schools × 6 graduating years, about 2 million seniors) is written
as CSV; ``prepare`` (read, clean, validate, pseudonymize, measures; no models) runs in a
fresh process. Two baselines are measured in the same run, on the same machine:

* reading the same senior CSV with plain ``pandas.read_csv`` (the floor: bytes to a frame);
* the rates computed by a hard-coded numpy version of the built-in measures, against the
  declarative YAML registry (``measures.compute_rates``), on the same clean table.

Goal: ``prepare`` under 60 s and 4 GB; the declarative registry within 10% of hard-coded.
Usage: ``python bench/prepare.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import in_child, timed

from netlab import measures, pipeline, synth
from netlab.params import from_dict

RACE_GROUPS = {
    "black": "Black",
    "latinx": "Latinx",
    "indigenous": "Indigenous",
    "asian": "Asian",
    "pacific_islander": "Pacific Islander",
    "white": "White",
    "multiracial": "Multiracial",
}


def hardcoded_rates(students: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The built-in measures and groups written by hand in numpy (the baseline)."""
    s = students
    school_codes, schools = pd.factorize(s["school_id"], sort=False)
    year = s["grad_year"].to_numpy(int)
    n_years = int(year.max() - year.min()) + 1
    codes = school_codes * n_years + (year - year.min())
    n = len(schools) * n_years
    b = {
        c: s[c].fillna(False).to_numpy(bool)
        for c in (
            "fafsa_complete",
            "dream_act_complete",
            "cal_grant",
            "applied_4yr",
            "admitted_4yr",
            "intent_4yr",
            "enrolled",
            "low_income",
            "first_gen",
            "english_learner",
        )
    }
    race = s["race_ethnicity"].to_numpy()
    level = s["enrolled_level"].to_numpy()
    grad = s["enrolled_grad_rate"].to_numpy(float)
    everyone = np.ones(len(s), bool)
    measures_ = {
        "fafsa_complete": (everyone, b["fafsa_complete"] | b["dream_act_complete"]),
        "cal_grant": (everyone, b["cal_grant"]),
        "applied_4yr": (everyone, b["applied_4yr"]),
        "enrolled_any": (everyone, b["enrolled"]),
        "enrolled_4yr": (everyone, b["enrolled"] & (level == "4-year")),
        "enrolled_likely_grad": (everyone, b["enrolled"] & (grad >= threshold)),
        "summer_melt": (b["admitted_4yr"] & b["intent_4yr"], ~b["enrolled"]),
    }
    groups = {
        "all": everyone,
        "low_income": b["low_income"],
        "first_gen": b["first_gen"],
        "english_learner": b["english_learner"],
    }
    groups |= {g: race == label for g, label in RACE_GROUPS.items()}
    groups["focal"] = np.isin(race, ["Black", "Latinx", "Indigenous"]) | b["low_income"]
    out = []
    for m, (den, num) in measures_.items():
        for g, gm in groups.items():
            d = np.bincount(codes, weights=den & gm, minlength=n)
            k = np.bincount(codes, weights=den & gm & num, minlength=n)
            out.append((m, g, d, k))
    return pd.DataFrame({"cells": [len(out) * n]})


def _prepare(params_dict: dict) -> dict:
    params = from_dict(params_dict)
    prepared = pipeline.prepare(params, fit=False, write=True)
    return {"rows": int(prepared.quality["rows_in"].sum()), "rates": len(prepared.rates)}


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        os.environ["NETLAB_HOME"] = str(home)
        for sub in ("params", "notebooks", "data/processed", "reports"):
            (home / sub).mkdir(parents=True, exist_ok=True)
        raw = home / "data" / "raw" / "state"
        gen_s, net = timed(lambda: synth.state_scale(seed=1))
        synth.write(net, raw)
        seniors = len(net.tables["students"])
        n_schools = len(net.tables["schools"])
        del net
        size_mb = (raw / "students.csv").stat().st_size / 1e6
        print(
            f"synthetic state: {n_schools:,} schools, {seniors:,} seniors "
            f"({size_mb:.0f} MB CSV), generated in {gen_s:.1f} s"
        )

        read_s, _ = timed(lambda: pd.read_csv(raw / "students.csv", dtype=str), repeat=1)
        params = {"run": "state", "raw_dir": str(raw)}
        wall, peak, out = in_child(_prepare, params)
        print(f"baseline pandas.read_csv(dtype=str) of students.csv: {read_s:6.2f} s")
        print(
            f"prepare (read+clean+validate+measures):              {wall:6.2f} s  "
            f"= {wall / read_s:.1f}x the plain read"
        )
        print(
            f"peak memory of prepare: {peak:.2f} GiB; rows in: {out['rows']:,}; "
            f"{out['rows'] / wall:,.0f} rows/s; rates cells: {out['rates']:,}"
        )
        print(f"goal: under 60 s and 4 GiB -> {'met' if wall < 60 and peak < 4 else 'NOT met'}")

        students = pd.read_parquet(home / "data" / "processed" / "state" / "students.parquet")
        p = from_dict(params)
        registry = measures.registry(p)
        hard_s, _ = timed(lambda: hardcoded_rates(students, p.grad_rate_threshold), repeat=3)
        schools = pd.read_parquet(home / "data" / "processed" / "state" / "schools.parquet")
        tables = {"students": students, "schools": schools}
        decl_s, _ = timed(lambda: measures.compute_rates(tables, p, registry=registry), repeat=3)
        print(f"rates, hard-coded numpy baseline: {hard_s:6.2f} s")
        print(
            f"rates, declarative YAML registry: {decl_s:6.2f} s  "
            f"= {decl_s / hard_s:.2f}x the hard-coded baseline"
        )


if __name__ == "__main__":
    main()
