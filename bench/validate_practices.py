"""Simulation validation of netlab.practices against planted truth from netlab.synth.

Prints, per practice, across many simulated 30-school networks: the planted effect, the
mean estimate, how often the within-school 95% interval covers the planted effect
(target 92-98%), how often an effect of 5 points or more is detected with the right sign
(target >= 80%), how often a truly null practice gets q < 0.10 (target <= 10%); then the
confounded-adoption demonstration, the pre-trend check; then, for staggered adoption (effects
constant, growing with the years since adoption, or differing by adoption cohort), the bias,
95% coverage and "strong"-label rate of the within-school (two-way) estimate against the
imputation estimate, both judged against the planted average effect on adopters, with the
share of treated school-years that carry negative weight in the two-way estimate; then how
often planted for-whom differences are found and null ones claimed; and timings at state
scale (each against the within-school model's time in the same run).

Usage: ``python bench/validate_practices.py [n_networks] [--no-state]``
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from netlab import practices as P
from netlab import synth
from netlab.practices import _staggered as staggered


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


SCENARIOS = {
    "constant": {},
    "growing": {"effect_growth": 0.3},
    "cohort": {"cohort_gradient": 0.25},
}
QUIET = {"case_mix": False, "n_bright_spots": 0, "n_lookalikes": 0}


def staggered_rows(n: int, seed0: int, **kwargs) -> pd.DataFrame:
    """Within (two-way) and imputation estimates against the planted effect on adopters."""
    rows = []
    for s in range(n):
        net = synth.generate(n_schools=30, seed=seed0 + s, grain="counts", **kwargs)
        pan = network_panel(net)
        imp = staggered.imputation(pan, pretrend_leads=0).results.set_index("practice")
        within = P.within_school(pan, pretrend_leads=0).set_index("practice")
        for p, att in net.truth.practice_att.items():
            a, w = imp.loc[p], within.loc[p]
            if not (a["estimable"] and w["estimable"]):
                continue
            truth = 100 * att
            rows.append(
                {
                    "practice": p,
                    "att_pp": truth,
                    "twfe_bias": w["estimate_pp"] - truth,
                    "imp_bias": a["estimate_pp"] - truth,
                    "twfe_cover": w["ci_low_pp"] <= truth <= w["ci_high_pp"],
                    "imp_cover": a["ci_low_pp"] <= truth <= a["ci_high_pp"],
                    "twfe_strong": w["evidence"] == "strong",
                    "imp_strong": a["evidence"] == "strong",
                    "negative_share": a["twfe_negative"] / max(a["twfe_treated"], 1),
                }
            )
    return pd.DataFrame(rows)


def staggered_report(n: int) -> None:
    print(
        f"\n== staggered adoption, {n} networks of 30 schools per scenario (truth: the planted "
        "average effect on adopters)"
    )
    for k, (name, kw) in enumerate(SCENARIOS.items()):
        t = time.perf_counter()
        real = staggered_rows(n, 30_000 + 1000 * k, **kw)
        quiet = staggered_rows(max(n // 2, 10), 40_000 + 1000 * k, **kw, **QUIET)
        g = real.groupby("practice")
        table = pd.DataFrame(
            {
                "att_pp": g["att_pp"].mean(),
                "twfe_bias": g["twfe_bias"].mean(),
                "imp_bias": g["imp_bias"].mean(),
                "imp_bias_clean": quiet.groupby("practice")["imp_bias"].mean(),
                "twfe_cover": g["twfe_cover"].mean(),
                "imp_cover": g["imp_cover"].mean(),
                "twfe_strong": g["twfe_strong"].mean(),
                "imp_strong": g["imp_strong"].mean(),
            }
        )
        print(f"-- {name} ({time.perf_counter() - t:.0f} s): {kw or 'constant effects'}")
        print(table.to_string())
        print(
            f"   pooled coverage: within {real['twfe_cover'].mean():.3f}, imputation "
            f"{real['imp_cover'].mean():.3f}; treated school-years with negative two-way "
            f"weight: {real['negative_share'].mean():.3f}; largest |imputation bias| "
            f"{table['imp_bias'].abs().max():.2f} pp (clean networks "
            f"{table['imp_bias_clean'].abs().max():.2f} pp)"
        )


def heterogeneity_report(n: int) -> None:
    names = {"share_low_income": "low_income", "size": "size", "focal": "focal"}
    mods = {"low_income": {"one_on_one_advising": 0.08}, "focal": {"summer_outreach": 0.08}}
    print(f"\n== for whom: {n} networks of 30 schools, planted and null differences")
    for label, kw in (
        ("planted, no bright spots", {"effect_modifiers": mods, **QUIET}),
        ("planted, realistic", {"effect_modifiers": mods}),
        ("null", {}),
    ):
        rows = []
        for s in range(n):
            net = synth.generate(n_schools=30, seed=50_000 + s, grain="counts", **kw)
            rates = (
                net.tables["counts"]
                .rename(columns={"school_id": "unit_id"})
                .assign(
                    rate=lambda d: d["numerator"] / d["denominator"].where(d["denominator"] > 0)
                )
            )
            pan = P.panel(rates, net.tables["practices"])
            other = P.other_students(rates, net.tables["practices"])
            ctx = net.tables["schools"].rename(columns={"school_id": "unit_id", "seniors": "size"})
            h = P.heterogeneity(pan, context=ctx, other=other)
            truth = net.truth.effect_heterogeneity.set_index(["practice", "modifier"])
            for r in h.itertuples():
                planted = 100 * truth["difference"].get((r.practice, names[r.modifier]), 0.0)
                rows.append(
                    {
                        "network": s,
                        "modifier": r.modifier,
                        "planted": planted,
                        "strong": r.evidence == "strong",
                        "right": np.sign(r.estimate_pp) == np.sign(planted),
                        "covered": r.ci_low_pp <= planted <= r.ci_high_pp
                        if r.estimable
                        else np.nan,
                    }
                )
        d = pd.DataFrame(rows)
        hit = d.loc[d["planted"] != 0]
        null = d.loc[d["planted"] == 0]
        power = (
            ", ".join(
                f"{m} {v:.2f}"
                for m, v in (hit["strong"] & hit["right"]).groupby(hit["modifier"]).mean().items()
            )
            or "-"
        )
        print(
            f"-- {label}: found (strong, right sign): {power}; null comparisons claimed "
            f"{null['strong'].mean():.3f} (networks with any null claim "
            f"{null.groupby('network')['strong'].any().mean():.3f}); interval coverage "
            f"{d['covered'].mean():.3f}"
        )


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
    imp = staggered.imputation(pan)
    t4 = time.perf_counter()
    other = P.other_students(rates, counts.tables["practices"])
    ctx = counts.tables["schools"].rename(columns={"school_id": "unit_id", "seniors": "size"})
    P.heterogeneity(pan, context=ctx, other=other)
    t5 = time.perf_counter()
    jack = staggered.imputation(pan, variance="jackknife", pretrend_leads=0)
    t6 = time.perf_counter()
    base = t2 - t1
    print(f"  panel ({len(pan):,} school-years): {t1 - t:.2f} s")
    print(f"  within_school with pre-trend checks (baseline): {base:.2f} s")
    print(f"  gains: {t3 - t2:.2f} s")
    print(
        f"  imputation, 6 practices, analytic variance, pre-trend tests: {t4 - t3:.2f} s "
        f"= {(t4 - t3) / base:.2f}x the within-school model"
    )
    print(
        f"  imputation with the school jackknife ({pan['unit_id'].nunique():,} replicates per "
        f"practice): {t6 - t5:.2f} s = {(t6 - t5) / base:.2f}x"
    )
    print(f"  heterogeneity (context and focal/other): {t5 - t4:.2f} s = {(t5 - t4) / base:.2f}x")
    print(
        imp.results[
            [
                "practice",
                "estimate_pp",
                "ci_low_pp",
                "ci_high_pp",
                "evidence",
                "n_always_treated",
                "twfe_negative",
                "twfe_treated",
            ]
        ]
    )
    se = (imp.results["ci_high_pp"] - imp.results["ci_low_pp"]) / (
        jack.results["ci_high_pp"] - jack.results["ci_low_pp"]
    )
    print(f"  analytic / jackknife interval width at state scale: {se.round(2).tolist()}")
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

    staggered_report(max(n // 2, 20))
    heterogeneity_report(max(n // 4, 20))

    if "--no-state" not in argv:
        print("\n== state scale")
        state_timings()


if __name__ == "__main__":
    main(sys.argv[1:])
