"""For whom, under what conditions: netlab.practices.heterogeneity against planted truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netlab import practices as P
from netlab import synth

MEASURE = "enroll where they are likely to graduate"


def _exact(n=24, *, seed=0, diff=0.06, group_shift=0.0):
    """Noise-free focal and other panels with a context split planted on practice_a."""
    rng = np.random.default_rng(seed)
    years = np.arange(2018, 2026)
    li = np.linspace(0.3, 0.9, n)
    high = li > np.median(li)
    adopt_a = rng.choice(np.arange(2019, 2026), n).astype(float)
    adopt_b = rng.choice([*range(2019, 2026), np.inf], n).astype(float)
    a, b = rng.normal(0.35, 0.05, n), np.linspace(0, 0.05, len(years))
    rows, other = [], []
    for i in range(n):
        for t, yr in enumerate(years):
            on_a, on_b = float(yr >= adopt_a[i]), float(yr >= adopt_b[i])
            eff = on_a * (0.03 + diff * high[i]) + 0.02 * on_b
            base = {"unit_id": f"U{i:02d}", "year": int(yr), "practice_a": on_a}
            base["practice_b"] = on_b
            d = int(rng.integers(60, 200))
            rate = a[i] + b[t] + eff
            rows.append({**base, "rate": rate, "numerator": rate * d, "denominator": d})
            rate_o = a[i] - 0.05 + b[t] + eff - group_shift * on_a
            other.append({**base, "rate": rate_o, "numerator": rate_o * d, "denominator": d})
    ctx = pd.DataFrame({"unit_id": [f"U{i:02d}" for i in range(n)], "share_low_income": li,
                        "size": rng.integers(100, 500, n)})  # fmt: skip
    pan, oth = pd.DataFrame(rows), pd.DataFrame(other)
    for frame in (pan, oth):
        frame.attrs["practices"] = ["practice_a", "practice_b"]
    return pan, oth, ctx


def test_noise_free_context_and_group_differences_are_recovered_exactly():
    pan, oth, ctx = _exact(group_shift=0.04)
    h = P.heterogeneity(pan, context=ctx, other=oth).set_index(["practice", "modifier"])
    assert list(h.columns) == P.HETEROGENEITY_COLUMNS[:1] + P.HETEROGENEITY_COLUMNS[3:]
    li = h.loc[("practice_a", "share_low_income")]
    assert li["estimable"]
    assert li["estimate_pp"] == pytest.approx(6.0, abs=1e-8)
    assert li["estimate_a_pp"] == pytest.approx(9.0, abs=1e-8)
    assert li["estimate_b_pp"] == pytest.approx(3.0, abs=1e-8)
    assert li["threshold"] == pytest.approx(0.6)
    assert h.loc[("practice_b", "share_low_income"), "estimate_pp"] == pytest.approx(0, abs=1e-8)
    # Focal students gain 4 points more from practice_a than the other students.
    foc = h.loc[("practice_a", "focal")]
    assert foc["estimate_pp"] == pytest.approx(4.0, abs=1e-8)
    assert h.loc[("practice_b", "focal"), "estimate_pp"] == pytest.approx(0, abs=1e-8)
    assert set(h["covariance"]) <= {"CR3", "CR1"}


def test_other_students_are_all_minus_focal():
    net = synth.generate(n_schools=12, seed=2, grain="counts", n_bright_spots=1, n_lookalikes=1)
    rates = net.tables["counts"].rename(columns={"school_id": "unit_id"})
    rates["rate"] = rates["numerator"] / rates["denominator"]
    other = P.other_students(rates, net.tables["practices"])
    m = rates.loc[rates["measure"] == "enrolled_likely_grad"].set_index(["unit_id", "year"])
    every, focal = m.loc[m["group"] == "all"], m.loc[m["group"] == "focal"]
    row = other.iloc[5]
    key = (row["unit_id"], row["year"])
    assert row["denominator"] == every.loc[key, "denominator"] - focal.loc[key, "denominator"]
    assert row["numerator"] == every.loc[key, "numerator"] - focal.loc[key, "numerator"]
    only_all = rates.loc[rates["group"] == "all"]
    assert P.other_students(only_all, net.tables["practices"]) is None


def test_too_few_switchers_on_a_side_is_not_compared():
    pan, oth, ctx = _exact()
    # Only two high-share units ever switch practice_b.
    high = ctx.loc[ctx["share_low_income"] > ctx["share_low_income"].median(), "unit_id"]
    keep = set(high.iloc[:2])
    pan.loc[pan["unit_id"].isin(high) & ~pan["unit_id"].isin(keep), "practice_b"] = 0.0
    h = P.heterogeneity(pan, context=ctx, modifiers=["share_low_income"])
    row = h.set_index("practice").loc["practice_b"]
    assert not row["estimable"] and row["evidence"] == "too few switchers to say"
    assert "on one side" in row["reason"]


def test_no_context_and_no_other_group_make_no_comparison():
    pan, _, _ = _exact()
    assert P.heterogeneity(pan).empty
    words = {"measure_label": MEASURE, "group_label": "focal students"}
    assert P.heterogeneity_sentences(P.heterogeneity(pan), **words) == []


def test_the_none_line_names_only_the_comparisons_made():
    # A counts-only network: no context columns, so only focal against other students.
    flat, oth, _ = _exact(diff=0.0)
    rng = np.random.default_rng(3)
    flat = flat.assign(rate=flat["rate"] + rng.normal(0, 0.01, len(flat)))
    h = P.heterogeneity(flat, other=oth)
    assert set(h["modifier"]) == {"focal"}
    h = h.assign(evidence="no clear pattern")
    words = {"measure_label": MEASURE, "group_label": "focal students"}
    (line,) = P.heterogeneity_sentences(h, **words)
    assert "(between focal and other students)" in line and "context" not in line


def test_sentences_only_where_the_evidence_holds():
    pan, oth, ctx = _exact()
    rng = np.random.default_rng(1)
    noisy = pan.assign(rate=pan["rate"] + rng.normal(0, 0.01, len(pan)))
    h = P.heterogeneity(noisy, context=ctx, other=oth)
    words = {"measure_label": MEASURE, "group_label": "focal students"}
    text = P.heterogeneity_sentences(h, **words)
    strong = h.loc[h["evidence"] == "strong"]
    assert ("practice_a", "share_low_income") in set(
        zip(strong["practice"], strong["modifier"], strict=True)
    )
    said = [t for t in text if "“practice a”" in t and "low-income" in t]
    assert len(said) == 1 and "more than 60% of students are low-income" in said[0]
    assert all("causes" not in t for t in text)
    # Without the planted difference nothing strong is left, and one line says so.
    flat, oth0, _ = _exact(diff=0.0)
    flat = flat.assign(rate=flat["rate"] + rng.normal(0, 0.01, len(flat)))
    h0 = P.heterogeneity(flat, context=ctx, other=oth0)
    h0 = h0.assign(evidence=h0["evidence"].replace("strong", "suggestive"))
    line = P.heterogeneity_sentences(h0, **words)
    assert len(line) == 1 and line[0].startswith("None of the")


def _claims(n, seed0, **kw):
    rows = []
    for s in range(n):
        net = synth.generate(n_schools=30, seed=seed0 + s, grain="counts", **kw)
        rates = net.tables["counts"].rename(columns={"school_id": "unit_id"})
        rates["rate"] = rates["numerator"] / rates["denominator"].where(rates["denominator"] > 0)
        pan = P.panel(rates, net.tables["practices"])
        other = P.other_students(rates, net.tables["practices"])
        ctx = net.tables["schools"].rename(columns={"school_id": "unit_id", "seniors": "size"})
        h = P.heterogeneity(pan, context=ctx, other=other)
        truth = net.truth.effect_heterogeneity.set_index(["practice", "modifier"])["difference"]
        names = {"share_low_income": "low_income", "size": "size", "focal": "focal"}
        for r in h.itertuples():
            planted = 100 * truth.get((r.practice, names[r.modifier]), 0.0)
            rows.append(
                {
                    "network": s,
                    "practice": r.practice,
                    "modifier": r.modifier,
                    "planted": planted,
                    "claimed": r.evidence == "strong" and np.sign(r.estimate_pp) != 0,
                    "right_sign": np.sign(r.estimate_pp) == np.sign(planted),
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.stats
def test_planted_heterogeneity_recovered_and_null_rarely_claimed():
    mods = {"low_income": {"one_on_one_advising": 0.08}, "focal": {"summer_outreach": 0.08}}
    quiet = {"n_bright_spots": 0, "n_lookalikes": 0}
    planted = _claims(12, 900, effect_modifiers=mods, **quiet)
    hits = planted.loc[planted["planted"] != 0]
    power = (hits["claimed"] & hits["right_sign"]).groupby(hits["modifier"]).mean()
    assert (power >= 0.6).all(), power
    others = planted.loc[planted["planted"] == 0]
    assert others["claimed"].mean() <= 0.03
    null = _claims(16, 1900)
    # Benjamini-Hochberg at 0.05 across every comparison: with no difference anywhere, a
    # network makes any claim at most 5% of the time. Three or more of 16 networks would
    # happen under 5% of the time at that rate.
    assert null.groupby("network")["claimed"].any().sum() <= 2
