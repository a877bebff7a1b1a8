"""Simulation validation of netlab.practices against planted truth from netlab.synth.

Prints, per practice, across many simulated 30-school networks: the planted effect, the
mean estimate, how often the within-school 95% interval covers the planted effect
(target 92-98%), how often an effect of 5 points or more is detected with the right sign
(target >= 80%), how often a truly null practice gets q < 0.10 (target <= 10%); then the
confounded-adoption demonstration, the pre-trend check, and timings at state scale.

Usage: ``python bench/validate_practices.py [n_networks] [--no-state]``
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from netlab import practices as P
from netlab import synth


def network_panel(net: synth.SynthNetwork) -> pd.DataFrame:
    """The focal enrolled-likely-to-graduate panel of a counts-grain synthetic network."""
    rates = (
        net.tables["counts"]
        .rename(columns={"school_id": "unit_id"})
        .assign(rate=lambda d: d["numerator"] / d["denominator"].where(d["denominator"] > 0))
    )
    return P.panel(rates, net.tables["practices"])


def simulate(n: int, *, seed0: int = 0, **kwargs) -> pd.DataFrame:
    rows = []
    for s in range(n):
        net = synth.generate(n_schools=30, seed=seed0 + s, grain="counts", **kwargs)
        pan = network_panel(net)
        for model in (P.within_school(pan), P.naive_cross_section(pan)):
            for r in model.itertuples(index=False):
                truth = 100 * net.truth.practice_effects.get(r.practice, np.nan)
                rows.append({"network": s, "truth": truth, **r._asdict()})
    return pd.DataFrame(rows)


def summarise(res: pd.DataFrame) -> pd.DataFrame:
    est = res.loc[res["estimable"]].copy()
    est["covered"] = (est["ci_low_pp"] <= est["truth"]) & (est["truth"] <= est["ci_high_pp"])
    est["detected"] = np.where(est["truth"] > 0, est["ci_low_pp"] > 0, est["ci_high_pp"] < 0)
    est["q10"] = est["q_value"] < 0.10
    est["strong"] = est["evidence"] == "strong"
    g = est.groupby("practice")
    out = pd.DataFrame(
        {
            "planted_pp": g["truth"].first(),
            "mean_est_pp": g["estimate_pp"].mean(),
            "networks": g.size(),
            "coverage": g["covered"].mean(),
            "detected": g["detected"].mean(),
            "q_lt_0.10": g["q10"].mean(),
            "strong": g["strong"].mean(),
            "pretrend_flag": g["pretrend_flag"].mean(),
            "mean_switchers": g["n_switchers"].mean(),
        }
    )
    out.loc[out["planted_pp"] == 0, "detected"] = np.nan
    return out


def state_timings(seed: int = 0) -> None:
    t = time.perf_counter()
    net = synth.state_scale(seed, grain="students")
    gen = time.perf_counter() - t
    students = net.tables["students"]
    print(f"state-scale network: {len(students):,} seniors, generated in {gen:.1f} s")
    counts = synth.generate(
        n_schools=1300, years=range(2021, 2027), seed=seed, grain="counts", seniors_mean=250
    )
    rates = (
        counts.tables["counts"]
        .rename(columns={"school_id": "unit_id"})
        .assign(rate=lambda d: d["numerator"] / d["denominator"].where(d["denominator"] > 0))
    )
    t = time.perf_counter()
    pan = P.panel(rates, counts.tables["practices"])
    t1 = time.perf_counter()
    within = P.within_school(pan)
    t2 = time.perf_counter()
    P.gains(pan)
    t3 = time.perf_counter()
    print(f"  panel ({len(pan):,} school-years): {t1 - t:.2f} s")
    print(f"  within_school with pre-trend checks: {t2 - t1:.2f} s")
    print(f"  gains: {t3 - t2:.2f} s")
    print(within[["practice", "estimate_pp", "ci_low_pp", "ci_high_pp", "evidence"]])
    # Student-level: the focal measure's outcome, computed as cleaning would.
    grad = students["enrolled_unitid"].map(
        net.tables["institutions"].set_index("unitid")["grad_rate"]
    )
    y = (grad >= net.truth.grad_rate_threshold).to_numpy(float)
    t = time.perf_counter()
    res = P.student_level(students, net.tables["practices"], outcome=y)
    print(f"  student_level ({len(students):,} rows): {time.perf_counter() - t:.1f} s")
    print(res[["practice", "estimate_pp", "ci_low_pp", "ci_high_pp", "evidence"]])


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv and argv[0].isdigit() else 200
    pd.set_option("display.width", 140)
    pd.set_option("display.precision", 3)
    t = time.perf_counter()
    res = simulate(n)
    print(
        f"== {n} networks of 30 schools, default planted effects ({time.perf_counter() - t:.0f} s)"
    )
    print("within-school model (targets: coverage 0.92-0.98; detected >= 0.80 for |effect| >= 5;")
    print("q < 0.10 for null practices <= 0.10):")
    print(summarise(res.loc[res["model"] == "within"]).to_string())

    conf = simulate(max(n // 4, 20), seed0=10_000, confounded=True)
    print("\n== confounded adoption (stronger schools adopt more and earlier)")
    for model, frame in conf.groupby("model"):
        s = summarise(frame)
        nulls = s.loc[s["planted_pp"] == 0]
        print(
            f"{model:>20}: mean estimate of null practices {nulls['mean_est_pp'].mean():+.2f} pp,"
            f" coverage {s['coverage'].mean():.3f}, null q<0.10 {nulls['q_lt_0.10'].mean():.3f}"
        )

    pre = simulate(max(n // 4, 20), seed0=20_000, pretrend="senior_application_day")
    s = summarise(pre.loc[pre["model"] == "within"])
    print("\n== planted pre-trend on senior_application_day (zero true effect)")
    print(s[["planted_pp", "mean_est_pp", "coverage", "pretrend_flag"]].to_string())

    if "--no-state" not in argv:
        print("\n== state scale")
        state_timings()


if __name__ == "__main__":
    main(sys.argv[1:])
