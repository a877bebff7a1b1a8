"""Validate netlab's variation statistics against planted truth and closed forms.

Prints one table of figures, each beside its target and, where there is one, the figure of
the method it replaces measured in the same run:

- funnels: the false-flag rate of each exact limit (95% and 99.8%, each side) at n = 10, 30,
  60, exactly (every possible count weighted by its binomial probability), the worst over
  network rates 0.05-0.5, against the normal approximation's;
- case mix: the share of null schools outside the 95% and 99.8% limits of the O/E funnel
  (binomial variance), against a Poisson variance;
- bright spots: recall of planted bright spots and the share of other schools flagged, on
  synthetic networks of 30 and 150 schools with synth's spread and with a large one, and
  with a smaller planted effect; the previous rule (interval above the network) for contrast;
  null networks;
- shrunken estimates: coverage of the planted school-year rates by the 95% intervals; null
  funnel points outside 99.8%;
- equity: coverage of the focal-minus-all gap, against Newcombe's interval as if the groups
  were independent; coverage of the gap trend's slope with a 3-point year-to-year SD in large
  schools, against weighting by sampling variance alone;
- survey: coverage of the before/after difference clustered by team, against a Welch interval;
- aim outlook: how often the 95% range holds the realised rate three years on;
- FAFSA season: false signals of the pace test on seasons run at the same pace, against a run
  chart of the cumulative curve, and its power for a network 15% faster.

Usage: ``python bench/validate_variation.py [n_networks]`` (default 40).
"""

from __future__ import annotations

import datetime as dt
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats

from netlab import intervals, measures, spc, synth, traction, variation

MEASURE = "enrolled_likely_grad"
rng = np.random.default_rng(2026)


def _rates(net: synth.SynthNetwork) -> pd.DataFrame:
    counts = net.tables["counts"].rename(columns={"school_id": "unit_id"})
    return counts.assign(rate=counts["numerator"] / counts["denominator"])


def _cell(x, n):
    k = len(x)
    frame = pd.DataFrame(
        {"unit_id": [f"U{i:04d}" for i in range(k)], "year": 2025, "group": "focal",
         "measure": "m", "numerator": x, "denominator": n}
    )  # fmt: skip
    return frame


# ------------------------------------------------------------------------------ funnels


def funnel_false_flags() -> list[tuple]:
    rows = []
    for n in (10, 30, 60):
        worst = {"exact": 0.0, "normal": 0.0}
        for target in (0.05, 0.1, 0.2, 0.3, 0.5):
            x = np.arange(n + 1)
            pmf = stats.binom.pmf(x, n, target)
            for name, below in (("exact", 100.0), ("normal", 0.0)):
                res = variation.funnel(_cell(x, np.full(n + 1, n)), measure="m", method="none",
                                       target=target, exact_below=below)  # fmt: skip
                for col, level in (("flag95", 0.95), ("flag", 0.998)):
                    for side in ("below", "above"):
                        ratio = pmf[(res[col] == side).to_numpy()].sum() / ((1 - level) / 2)
                        worst[name] = max(worst[name], ratio)
        rows.append(
            (f"funnel n={n}: worst false-flag rate / nominal (any limit, side, rate)",
             worst["exact"], "<= 1", worst["normal"])
        )  # fmt: skip
    return rows


def _null_students(k: int = 60) -> pd.DataFrame:
    size = rng.integers(15, 400, k)
    school = np.repeat(np.arange(k), size)
    n = len(school)
    li = rng.random(n) < (0.2 + 0.5 * rng.random(k))[school]
    gpa = np.clip(rng.normal(3.0, 0.5, n), 0, 4)
    p = 1 / (1 + np.exp(-(-3.5 + 1.2 * gpa - 0.7 * li)))
    return pd.DataFrame(
        {"school_id": [f"S{s:02d}" for s in school], "low_income": li, "gpa": gpa,
         "outcome": rng.random(n) < p}
    )  # fmt: skip


def case_mix_null(n: int) -> list[tuple]:
    res = pd.concat(
        [variation.case_mix(_null_students(), outcome="outcome") for _ in range(n // 2)]
    )
    # the Poisson variance E in place of sum p(1 - p), same fits: z shrinks by sqrt(V / E)
    z_poisson = (res["observed"] - res["expected"]) / np.sqrt(res["expected"])
    return [
        ("case mix, null schools outside 95% (binomial variance; replaced: Poisson)",
         (res["flag95"] != "within").mean(), "~0.05", (z_poisson.abs() > 1.96).mean()),
        ("case mix, null schools outside 99.8%", (res["flag"] != "within").mean(), "~0.002",
         (z_poisson.abs() > 3.09).mean()),
    ]  # fmt: skip


# ------------------------------------------------------------------------- bright spots


def bright(
    n: int, schools: int, planted: int, sd: float, year_sd: float, effect: float, goal: str
) -> list[tuple]:
    recall, others, old = [], [], []
    for seed in range(n):
        net = synth.generate(
            n_schools=schools, seed=1000 + seed, grain="counts", n_bright_spots=planted,
            school_sd=sd, school_year_sd=year_sd, bright_spot_effect=effect, n_lookalikes=0,
        )  # fmt: skip
        rates = _rates(net)
        shrunk = variation.shrunken(rates, measure=MEASURE, year=[2024, 2025, 2026])
        truth = set(net.truth.bright_spots)
        found = set(variation.bright_spots(rates, measure=MEASURE, shrunk=shrunk)["unit_id"])
        # the previous rule: the 95% interval above the network, better in 2 of 3 years
        loose = variation.bright_spots(rates, measure=MEASURE, shrunk=shrunk, share=0.5,
                                       probability=0.01)  # fmt: skip
        recall.append(len(found & truth) / len(truth))
        others.append(len(found - truth) / (schools - len(truth)))
        old.append(len(set(loose["unit_id"]) - truth) / (schools - len(truth)))
    label = f"{schools} schools ({planted} planted), spread {sd:.2f}, +{100 * effect:.0f} pts"
    return [
        (f"bright spots, {label}: recall", np.mean(recall), goal, np.nan),
        (f"bright spots, {label}: others flagged", np.mean(others), "<= 0.05", np.mean(old)),
    ]


def bright_null(n: int) -> list[tuple]:
    rows = []
    for schools in (30, 150):
        flagged = []
        for seed in range(n):
            rates = _rates(synth.generate(n_schools=schools, seed=5000 + seed, grain="counts",
                                          null=True))  # fmt: skip
            found = variation.bright_spots(rates, measure=MEASURE)
            flagged.append(len(found) / schools)
        rows.append((f"bright spots, null networks of {schools}: flagged", np.mean(flagged),
                     "<= 0.05", np.nan))  # fmt: skip
    return rows


def shrinkage(n: int) -> list[tuple]:
    covered, outside = [], []
    for seed in range(n):
        net = synth.generate(n_schools=30, seed=1000 + seed, grain="counts")
        rates = _rates(net)
        shrunk = variation.shrunken(rates, measure=MEASURE)
        truth = net.truth.school_year_rates.rename(columns={"school_id": "unit_id"})
        both = shrunk.merge(truth, on=["unit_id", "year", "measure", "group"])
        covered.extend((both["low"] <= both["p"]) & (both["p"] <= both["high"]))
        null = _rates(synth.generate(n_schools=30, seed=5000 + seed, grain="counts", null=True))
        outside.append((variation.funnel(null, measure=MEASURE)["flag"] != "within").mean())
    return [
        ("shrunken 95% intervals: coverage of planted rates", np.mean(covered), "0.90-0.98",
         np.nan),
        ("null funnel points outside 99.8%", np.mean(outside), "~0.002", np.nan),
    ]  # fmt: skip


# ------------------------------------------------------------------------------ equity


def equity(n: int) -> list[tuple]:
    nf, nr, pf, pr = 60, 140, 0.30, 0.45
    xf, xr = rng.binomial(nf, pf, 4000), rng.binomial(nr, pr, 4000)
    frame = pd.DataFrame(
        {"unit_id": np.repeat([f"U{i:04d}" for i in range(4000)], 2), "year": 2025,
         "measure": "m", "group": np.tile(["focal", "all"], 4000),
         "numerator": np.column_stack([xf, xf + xr]).ravel(),
         "denominator": np.tile([nf, nf + nr], 4000)}
    )  # fmt: skip
    truth = 100 * (pf - (nf * pf + nr * pr) / (nf + nr))
    g = variation.equity_gaps(frame, measure="m", reference="all")
    _, lo, hi = intervals.newcombe_diff(xf, nf, xf + xr, nf + nr)  # as if independent
    naive = ((100 * lo <= truth) & (truth <= 100 * hi)).mean()
    rows = [
        (
            "equity gap against all students: 95% coverage",
            ((g["low_pp"] <= truth) & (truth <= g["high_pp"])).mean(),
            "~0.95",
            naive,
        )
    ]
    for level in (0.95, 0.90):
        hits, plain = [], []
        for _ in range(n):
            rates, slopes = _gap_network()
            gaps = variation.equity_gaps(rates, measure="m")
            trend = variation.equity_trend(gaps, level=level)
            t = trend["unit_id"].map(slopes)
            hits.extend((trend["slope_low"] <= t) & (t <= trend["slope_high"]))
            plain.extend(_sampling_only_cover(gaps, slopes, level))
        rows.append((f"equity trend, 3-pt year-to-year SD: {level:.0%} slope coverage",
                     np.mean(hits), f"~{level:.2f}", np.mean(plain)))  # fmt: skip
    return rows


def _gap_network(k: int = 30, sd: float = 0.03):
    rows, slopes = [], {}
    for u in range(k):
        uid, base, gap0 = f"U{u:02d}", rng.uniform(0.3, 0.5), rng.uniform(-0.15, -0.05)
        # large schools (200-600 focal seniors), where year-to-year noise dominates sampling
        slope, nf, nr = rng.normal(0.005, 0.01), rng.integers(200, 600), rng.integers(400, 1200)
        slopes[uid] = 100 * slope
        for i, y in enumerate(range(2019, 2027)):
            pf = np.clip(base + gap0 + slope * i + rng.normal(0, sd), 0.01, 0.99)
            xf, xr = rng.binomial(nf, pf), rng.binomial(nr, base)
            rows += [(uid, y, "focal", "m", xf, nf), (uid, y, "all", "m", xf + xr, nf + nr)]
    cols = ["unit_id", "year", "group", "measure", "numerator", "denominator"]
    return pd.DataFrame(rows, columns=cols), slopes


def _sampling_only_cover(gaps: pd.DataFrame, slopes: dict, level: float) -> list[bool]:
    """The replaced method: weights 1/se^2 from the intervals, normal quantile, no tau."""
    out = []
    z = stats.norm.ppf(0.5 + level / 2)
    for uid, g in gaps.groupby("unit_id"):
        w = 1 / ((g["high_pp"] - g["low_pp"]) / (2 * 1.959964)) ** 2
        x = g["year"].to_numpy(float)
        xm = np.average(x, weights=w)
        sxx = (w * (x - xm) ** 2).sum()
        b = (w * (x - xm) * g["gap_pp"]).sum() / sxx
        out.append(abs(b - slopes[uid]) <= z / np.sqrt(sxx))
    return out


def survey(n: int) -> list[tuple]:
    clustered, welch = [], []
    for _ in range(n * 5):
        teams = 30
        level, change = rng.normal(0, 0.4, teams), rng.normal(0, 0.3, teams)
        parts = []
        for period, date in ((0, "2024-11-05"), (1, "2025-04-05")):
            size = rng.integers(8, 30, teams)
            team = np.repeat(np.arange(teams), size)
            score = 3 + level[team] + period * change[team] + rng.normal(0, 0.8, len(team))
            parts.append(pd.DataFrame({"school_id": [f"S{t:02d}" for t in team], "date": date,
                                       "connected": np.clip(np.round(score), 1, 5)}))  # fmt: skip
        frame = pd.concat(parts, ignore_index=True)
        frame["respondent_id"] = [f"R{i:05d}" for i in range(len(frame))]
        frame["date"] = pd.to_datetime(frame["date"])
        row = traction.survey_change(frame, date=dt.date(2025, 1, 1)).iloc[0]
        clustered.append(row["ci_low"] <= 0 <= row["ci_high"])
        a = frame.loc[frame["date"] < "2025-01-01", "connected"].to_numpy(float)
        b = frame.loc[frame["date"] >= "2025-01-01", "connected"].to_numpy(float)
        welch.append(
            abs(b.mean() - a.mean()) <= 1.96 * np.sqrt(a.var() / len(a) + b.var() / len(b))
        )
    return [("survey before/after, clustered by team: 95% coverage", np.mean(clustered),
             "~0.95", np.mean(welch))]  # fmt: skip


# ----------------------------------------------------------------------- outlook, season


def outlook(n: int) -> list[tuple]:
    hits, school_hits, width = [], [], []
    for seed in range(n):
        net = synth.generate(30, seed=500 + seed, grain="counts", years=range(2019, 2028))
        c = net.tables["counts"]
        c = c[(c["measure"] == MEASURE) & (c["group"] == "focal")]
        c = c.assign(rate=c["numerator"] / c["denominator"])
        tot = c.groupby("year", as_index=False)[["numerator", "denominator"]].sum()
        tot["rate"] = tot["numerator"] / tot["denominator"]
        o = measures.aim_outlook(tot[tot["year"] <= 2024], by_year=2027, since=2021)
        real = tot.loc[tot["year"] == 2027, "rate"].iloc[0]
        hits.append(o["low"] <= real <= o["high"])
        width.append(o["high"] - o["low"])
        for _, g in c.groupby("school_id"):
            o = measures.aim_outlook(g[g["year"] <= 2024], by_year=2027, since=2021)
            school_hits.append(o["low"] <= g.loc[g["year"] == 2027, "rate"].iloc[0] <= o["high"])
    return [
        ("aim outlook (4 years, 3 ahead): network rate within 95% range", np.mean(hits),
         "~0.95", np.nan),
        ("aim outlook: school rate within 95% range", np.mean(school_hits), "~0.95", np.nan),
        ("aim outlook: mean width of the network range (points)", 100 * np.mean(width),
         "(report)", np.nan),
    ]  # fmt: skip


def _season(seniors: int, pace: float = 1.0, weeks: int = 26) -> pd.DataFrame:
    shape = np.exp(-0.5 * ((np.arange(1, weeks + 1) - 18) / 6) ** 2)
    shape = 0.6 * shape / shape.sum()
    this = np.cumsum(rng.binomial(seniors, np.clip(pace * shape, 0, 1)))
    last = np.cumsum(rng.binomial(seniors, shape))
    return pd.DataFrame(
        {"week": np.arange(1, weeks + 1), "rate": this / seniors, "prior_rate": last / seniors}
    )


def season(n: int) -> list[tuple]:
    pace, cum, power = [], [], []
    for _ in range(n * 8):
        same = _season(300)
        pace.append(spc.season_pace(same)["signal"].any())
        cum.append(spc.run_chart(same, x="week", y="rate")["signal"].any())
        power.append(spc.season_pace(_season(9000, 1.15))["signal"].any())
    return [
        ("FAFSA season, same pace as last: seasons signalled", np.mean(pace), "~0.05-0.08",
         np.mean(cum)),
        ("FAFSA season, a network 15% faster: signalled", np.mean(power), ">= 0.80", np.nan),
    ]  # fmt: skip


def main(n: int = 40) -> pd.DataFrame:
    """Run every validation with ``n`` simulated networks each and print the table."""
    start = time.perf_counter()
    rows = funnel_false_flags() + case_mix_null(n)
    target = ">= 0.80"
    rows += bright(n, 30, 3, 0.06, 0.015, 0.24, target) + bright(
        n, 30, 3, 0.10, 0.02, 0.30, target
    )
    rows += bright(n, 150, 8, 0.06, 0.015, 0.18, target)
    rows += bright(n, 150, 3, 0.06, 0.015, 0.18, target)
    rows += bright(n, 150, 8, 0.10, 0.02, 0.30, target)
    rows += bright(n, 30, 3, 0.06, 0.015, 0.18, "(report)")
    rows += bright(n, 30, 3, 0.06, 0.015, 0.12, "(report)")
    rows += bright_null(n // 2)
    rows += shrinkage(n) + equity(n) + survey(n) + outlook(n) + season(n)
    table = pd.DataFrame(rows, columns=["figure", "value", "target", "replaced method"])
    print(f"netlab.variation validation: {n} simulated networks per figure")
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep=""))
    print(f"({time.perf_counter() - start:.0f} s)")
    return table


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
