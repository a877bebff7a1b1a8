"""netlab.variation against closed forms, published values and planted truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels
import statsmodels.formula.api as smf
from scipy import stats

from netlab import intervals, variation
from netlab.exceptions import InputError, MeasureError

# --------------------------------------------------------------------------- fixtures


def _rates(numerators, denominators, *, year=2025, measure="m", group="focal"):
    k = len(numerators)
    out = pd.DataFrame(
        {
            "unit_id": [f"U{i:02d}" for i in range(k)],
            "year": year,
            "group": group,
            "measure": measure,
            "numerator": numerators,
            "denominator": denominators,
        }
    )
    return out.assign(rate=out["numerator"] / out["denominator"])


@pytest.fixture
def hand():
    """Twelve units, over-dispersed, with one clear outlier above."""
    n = np.array([40, 55, 60, 80, 95, 120, 150, 180, 220, 260, 300, 400])
    p = np.array([0.30, 0.45, 0.52, 0.41, 0.35, 0.50, 0.44, 0.38, 0.47, 0.42, 0.36, 0.62])
    return _rates(np.round(n * p).astype(int), n)


def _network(seed: int, *, k: int = 30, tau: float = 0.06, bright: int = 3, effect: float = 0.12):
    """A small planted network (probability scale, like netlab.synth)."""
    rng = np.random.default_rng(seed)
    years = np.arange(2019, 2027)
    size = rng.integers(80, 320, k)
    school = rng.normal(0, tau, k)
    rows, truth = [], []
    for i in range(k):
        for y in years:
            p = 0.30 + 0.01 * (y - 2019) + school[i] + rng.normal(0, 0.01)
            p += effect if (i < bright and y >= 2023) else 0.0
            p = float(np.clip(p, 0.02, 0.98))
            n = int(size[i] + rng.integers(-10, 11))
            x = int(rng.binomial(n, p))
            n_all = n + int(rng.integers(40, 140))
            x_all = x + int(rng.binomial(n_all - n, np.clip(p + 0.08, 0, 1)))
            uid = f"S{i:02d}"
            rows.append((uid, y, "focal", "m", x, n))
            rows.append((uid, y, "all", "m", x_all, n_all))
            truth.append((uid, int(y), p))
    rates = pd.DataFrame(
        rows, columns=["unit_id", "year", "group", "measure", "numerator", "denominator"]
    )
    rates["rate"] = rates["numerator"] / rates["denominator"]
    return (
        rates,
        pd.DataFrame(truth, columns=["unit_id", "year", "p"]),
        [f"S{i:02d}" for i in range(bright)],
    )


# --------------------------------------------------------------------------- funnels


def test_funnel_limits_equal_closed_form_without_adjustment(hand):
    res = variation.funnel(hand, measure="m", method="none", exact_below=0)
    pbar = hand["numerator"].sum() / hand["denominator"].sum()
    t = np.arcsin(np.sqrt(pbar))
    s = 1 / (2 * np.sqrt(hand["denominator"].to_numpy()))
    for z, lo, hi in ((1.959964, "lower95", "upper95"), (3.090232, "lower", "upper")):
        np.testing.assert_allclose(res[lo], np.sin(np.clip(t - z * s, 0, None)) ** 2, rtol=1e-6)
        np.testing.assert_allclose(res[hi], np.sin(t + z * s) ** 2, rtol=1e-6)
    assert res["target"].iloc[0] == pytest.approx(pbar)
    assert res["tau2"].iloc[0] == 0.0
    # the outlier (62% of 400) is above the 99.8% limit, with its raw z beyond 3.09
    top = res.set_index("unit_id").loc["U11"]
    assert top["flag"] == "above" and top["z"] > 3.09


def test_funnel_phi_and_tau2_reproduce_worked_example(hand):
    # Spiegelhalter (2005) written out independently in plain numpy
    y, n = hand["numerator"].to_numpy(float), hand["denominator"].to_numpy(float)
    target = np.arcsin(np.sqrt(y.sum() / n.sum()))
    s = 1 / (2 * np.sqrt(n))
    z = (np.arcsin(np.sqrt(y / n)) - target) / s
    zs = np.sort(z)
    k = len(z)
    lo, hi = np.percentile(z, 10), np.percentile(z, 90)
    zw = np.where(z < lo, lo, np.where(z > hi, hi, z))
    phi = np.sum(zw**2) / k
    w = 1 / s**2
    tau2 = (k * phi - (k - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w))
    assert zs[0] < lo and zs[-1] > hi  # winsorising actually bit
    assert k * phi > k - 1  # over-dispersed, so tau2 > 0

    add = variation.funnel(hand, measure="m", method="additive", exact_below=0)
    assert add.attrs["phi"] == pytest.approx(phi, rel=1e-10)
    assert add["tau2"].iloc[0] == pytest.approx(tau2, rel=1e-10)
    np.testing.assert_allclose(add["upper"], np.sin(target + 3.090232 * np.sqrt(s**2 + tau2)) ** 2,
                               rtol=1e-6)  # fmt: skip
    mult = variation.funnel(hand, measure="m", method="multiplicative", exact_below=0)
    np.testing.assert_allclose(
        mult["lower95"], np.sin(target - 1.959964 * s * np.sqrt(phi)) ** 2, rtol=1e-6
    )
    # adjustment widens the limits, so fewer units are flagged than without it
    none = variation.funnel(hand, measure="m", method="none", exact_below=0)
    assert (add["flag"] != "within").sum() < (none["flag"] != "within").sum()


def test_no_overdispersion_means_tau2_zero():
    n = np.full(20, 200)
    res = variation.funnel(_rates(np.full(20, 80), n), measure="m")
    assert res["phi"].iloc[0] == 0.0 and res["tau2"].iloc[0] == 0.0
    assert (res["flag"] == "within").all()


def test_funnel_limits_grid_matches_unit_limits(hand):
    res = variation.funnel(hand, measure="m")
    grid = variation.funnel_limits(res, n_grid=res["denominator"].to_numpy())
    outer = grid[grid["limit"] == 0.998].reset_index(drop=True)
    np.testing.assert_allclose(outer["upper"], res["upper"])
    np.testing.assert_allclose(outer["lower"], res["lower"])
    default = variation.funnel_limits(res)
    assert set(default.columns) >= {"n", "limit", "lower", "upper"}
    assert default["lower"].between(0, 1).all() and default["upper"].between(0, 1).all()


def test_funnel_picks_latest_year_and_checks_arguments(hand):
    two = pd.concat([hand, hand.assign(year=2024, numerator=0)])
    assert variation.funnel(two, measure="m")["year"].unique().tolist() == [2025]
    with pytest.raises(ValueError, match="method"):
        variation.funnel(hand, measure="m", method="bogus")
    with pytest.raises(MeasureError):
        variation.funnel(hand, measure="nope")
    with pytest.raises(InputError):
        variation.funnel(hand.drop(columns="denominator"), measure="m")


@pytest.mark.parametrize("target", [0.1, 0.3, 0.5])
@pytest.mark.parametrize("n", [10, 30, 60])
def test_exact_limits_flag_at_or_below_nominal(n, target):
    """Every possible count as a unit: the false-flag rate of each limit, exactly."""
    x = np.arange(n + 1)
    res = variation.funnel(_rates(x, np.full(n + 1, n)), measure="m", method="none",
                           target=target)  # fmt: skip
    assert res["exact"].all()
    pmf = stats.binom.pmf(x, n, target)
    for col, level in (("flag95", 0.95), ("flag", 0.998)):
        for side in ("below", "above"):
            rate = pmf[(res[col] == side).to_numpy()].sum()
            assert rate <= (1 - level) / 2 + 1e-12, (col, side, rate)
    # drawn limits agree with the flags: flagged strictly outside, the others inside
    for col, lo, hi in (("flag95", "lower95", "upper95"), ("flag", "lower", "upper")):
        assert ((res[col] == "below") == (res["rate"] < res[lo])).all()
        assert ((res[col] == "above") == (res["rate"] > res[hi])).all()


def test_normal_limits_fail_where_exact_ones_hold():
    # 0 of 10 at a network rate of 10%: P = 0.9^10 = 0.35 under the null
    zero = _rates([0, 1], [10, 10])
    normal = variation.funnel(zero, measure="m", method="none", target=0.1, exact_below=0)
    exact = variation.funnel(zero, measure="m", method="none", target=0.1)
    assert normal["flag95"].iloc[0] == "below"
    assert exact["flag95"].iloc[0] == "within" and exact["lower95"].iloc[0] == 0


@pytest.mark.stats
def test_exact_limits_hold_on_simulated_null_networks():
    """Binomial null networks of small schools, default (additive) method: each limit's
    false-flag rate at or below nominal at n = 10, 30, 60 (8,000 schools each)."""
    rng = np.random.default_rng(17)
    for n in (10, 30, 60):
        for target in (0.1, 0.4):
            res = pd.concat(
                variation.funnel(
                    _rates(rng.binomial(n, target, 200), np.full(200, n)),
                    measure="m",
                    target=target,
                )  # fmt: skip
                for _ in range(40)
            )
            for col, level in (("flag95", 0.95), ("flag", 0.998)):
                for side in ("below", "above"):
                    rate = (res[col] == side).mean()  # SE about 0.0017 at 2.5%
                    assert rate <= (1 - level) / 2 + 0.003, (n, target, col, side, rate)


def test_exact_limits_carry_overdispersion_on_the_arcsine_scale():
    """Given tau, the mixture's count quantiles hold the level for over-dispersed counts."""
    from netlab.variation import _exact as _exact
    from netlab.variation._funnel import _proportion_dist

    rng = np.random.default_rng(23)
    t = np.arcsin(np.sqrt(0.3))
    for n, tau in ((10, 0.10), (30, 0.08), (60, 0.06)):
        dist = _proportion_dist(np.array([float(n)]), t, np.array([0.0]), "additive", 1, tau**2)
        draws = rng.binomial(n, np.sin(t + rng.normal(0, tau, 400_000)) ** 2)
        plain = _proportion_dist(np.array([float(n)]), t, np.array([0.0]), "none", 1, 0)
        for level in (0.95, 0.998):
            _, _, r_low, r_high = _exact.quantile_limits(dist, level)
            alpha = (1 - level) / 2
            assert (draws < r_low[0]).mean() <= alpha + 3 * np.sqrt(alpha / 4e5)
            assert (draws > r_high[0]).mean() <= alpha + 3 * np.sqrt(alpha / 4e5)
            # without carrying tau the same draws flag more often than nominal
            _, _, p_low, p_high = _exact.quantile_limits(plain, level)
            if n >= 30:
                assert (draws < p_low[0]).mean() + (draws > p_high[0]).mean() > 2 * alpha


def test_null_network_funnel_rarely_flags():
    rng = np.random.default_rng(7)
    outside = []
    for _ in range(20):
        n = rng.integers(50, 400, 40)
        res = variation.funnel(_rates(rng.binomial(n, 0.4), n), measure="m", method="none")
        outside.append((res["flag"] != "within").mean())
    assert np.mean(outside) < 0.01


# --------------------------------------------------------------------------- Newcombe


@pytest.mark.parametrize(
    ("counts", "expected"),
    [  # Newcombe (1998), Table II, method 10
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((6, 7, 2, 7), (0.0582, 0.8062)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
        ((0, 10, 0, 20), (-0.1611, 0.2775)),
        ((10, 10, 0, 20), (0.6791, 1.0000)),
    ],
)
def test_newcombe_matches_published_table(counts, expected):
    _, lo, hi = intervals.newcombe_diff(*counts)
    assert (round(float(lo), 4), round(float(hi), 4)) == expected


# --------------------------------------------------------------------------- continuous


def _dietox() -> pd.DataFrame:
    path = Path(statsmodels.__file__).parent / "regression/tests/results/dietox.csv"
    if not path.exists():
        pytest.skip("statsmodels' copy of the dietox data is not installed")
    return pd.read_csv(path, index_col=0)


def test_continuous_matches_published_dietox():
    # statsmodels' documented example and lme4's lmer(Weight ~ Time + (1 | Pig)):
    # pig variance 40.394 (lme4 40.39), residual 11.367 (lme4 11.37)
    res = variation.shrunken(
        _dietox(), outcome="continuous", unit="Pig", value="Weight", covariates=["Time"]
    )
    assert res.attrs["tau2"] == pytest.approx(40.394, abs=0.01)
    assert res.attrs["sigma2"] == pytest.approx(11.367, abs=0.01)
    assert res["icc"].iloc[0] == pytest.approx(40.394 / (40.394 + 11.367), abs=1e-3)
    assert len(res) == 72


DYESTUFF = {  # Davies (1947) via Bates, lme4 book ch. 1: yield of dyestuff by batch
    "A": [1545, 1440, 1440, 1520, 1580],
    "B": [1540, 1555, 1490, 1560, 1495],
    "C": [1595, 1550, 1605, 1510, 1560],
    "D": [1445, 1440, 1595, 1465, 1545],
    "E": [1595, 1630, 1515, 1635, 1625],
    "F": [1520, 1455, 1450, 1480, 1445],
}


def test_continuous_matches_published_dyestuff_and_mixedlm():
    data = pd.DataFrame(
        [(b, v) for b, vals in DYESTUFF.items() for v in vals], columns=["batch", "value"]
    )
    res = variation.shrunken(data, outcome="continuous", unit="batch")
    # lme4 (REML): batch variance 1764.0 (SD 42.00), residual 2451.3 (SD 49.51), mean 1527.5
    assert res["tau"].iloc[0] == pytest.approx(42.00, abs=0.05)
    assert res["sigma"].iloc[0] == pytest.approx(49.51, abs=0.05)
    assert res["intercept"].iloc[0] == pytest.approx(1527.5, abs=0.05)
    # and statsmodels MixedLM fitted directly
    fit = smf.mixedlm("value ~ 1", data, groups=data["batch"]).fit(reml=True)
    assert res.attrs["tau2"] == pytest.approx(float(fit.cov_re.iloc[0, 0]), rel=1e-6)
    assert res.attrs["sigma2"] == pytest.approx(float(fit.scale), rel=1e-6)
    # balanced design: BLUP = shrinkage factor x (batch mean - grand mean)
    lam = res.attrs["tau2"] / (res.attrs["tau2"] + res.attrs["sigma2"] / 5)
    expected = res["intercept"] + lam * (res["mean"] - res["intercept"])
    np.testing.assert_allclose(res["estimate"], expected, rtol=1e-6)
    assert (res["low"] < res["estimate"]).all() and (res["estimate"] < res["high"]).all()


# --------------------------------------------------------------------------- binary shrinkage


def test_binary_shrinkage_pulls_small_units_toward_network():
    n = np.array([20, 20, 400, 400] + [200] * 16)
    x = np.array([18, 2, 240, 160] + [100] * 16)
    res = variation.shrunken(_rates(x, n), measure="m")
    by = res.set_index("unit_id")
    net = by["network_rate"].iloc[0]
    pull = (by["rate"] - by["estimate"]) / (by["rate"] - net)  # share of the way to the network
    # a unit of 20 is pulled most of the way; a unit of 400 keeps most of its distance
    assert pull["U00"] > 0.5 and pull["U01"] > 0.5
    assert pull["U02"] < 0.5 * pull["U00"] and pull["U03"] < 0.5 * pull["U01"]
    assert (res["low"] <= res["estimate"]).all() and (res["estimate"] <= res["high"]).all()
    assert res["tau"].iloc[0] > 0 and 0 < res["icc"].iloc[0] < 1


def test_binary_shrinkage_matches_beta_posterior_when_spread_is_known():
    # with one unit among many identical, large units the hyper-parameters are pinned down:
    # the unit's posterior is Beta(a + y, b + n - y) with a + b huge, i.e. near the network
    n = np.full(60, 2000)
    x = np.full(60, 800)
    x[0] = 30
    n[0] = 60
    res = variation.shrunken(_rates(x, n), measure="m").set_index("unit_id")
    assert res.loc["U00", "estimate"] == pytest.approx(0.4, abs=0.01)
    assert res["tau"].iloc[0] < 0.01


def test_bright_spot_evidence_columns():
    rates, _, planted = _network(3)
    res = variation.bright_spots(rates, measure="m")
    assert {"unit_id", "estimate", "low", "high", "network_rate", "p_top", "years", "rule"} <= set(
        res
    )
    assert (res["low"] > res["network_rate"]).all() and (res["p_top"] >= 0.8).all()
    assert "best tenth of units" in res["rule"].iloc[0]
    margin = variation.bright_spots(rates, measure="m", margin=0.5)
    assert margin.empty  # nobody is 50 points above the network
    with pytest.raises(ValueError, match="share"):
        variation.bright_spots(rates, measure="m", share=1.5)
    assert (res["years_better"] >= 2).all()
    lower = variation.bright_spots(rates, measure="m", direction="lower")
    assert not set(lower["unit_id"]) & set(planted)
    # a run with two years of data has no bright spot: the rule needs three
    recent = rates[rates["year"] >= sorted(rates["year"].unique())[-2]]
    assert variation.BRIGHT_SPOT_YEARS == 3
    assert not variation.bright_spots(recent, measure="m", last=2).empty  # found on two
    assert variation.bright_spots(recent, measure="m").empty


@pytest.mark.stats
def test_synth_networks_bright_spots_and_coverage():
    """Planted truth from netlab.synth: recall, null false-positive rate and coverage.

    Six planted and six null networks (bench/validate_variation.py runs 50 of each); the
    900 school-year intervals pin coverage to about +-1.5 points.
    """
    synth = pytest.importorskip("netlab.synth")
    measure = "enrolled_likely_grad"
    recall, false_rate, covered = [], [], []
    for seed in range(6):
        for null in (False, True):
            net = synth.generate(
                n_schools=30,
                seed=seed,
                grain="counts",
                null=null,
                years=range(2022, 2027),
                bright_spot_effect=0.18,  # outstanding: about 3 between-school SDs
            )
            rates = net.tables["counts"].rename(columns={"school_id": "unit_id"})
            shrunk = variation.shrunken(rates, measure=measure)
            found = set(variation.bright_spots(rates, measure=measure, shrunk=shrunk)["unit_id"])
            planted = set(net.truth.bright_spots)
            if null:
                assert not planted
                false_rate.append(len(found) / rates["unit_id"].nunique())
                continue
            recall.append(len(found & planted) / len(planted))
            truth = net.truth.school_year_rates.rename(columns={"school_id": "unit_id"})
            both = shrunk.merge(truth, on=["unit_id", "year", "group", "measure"])
            assert len(both) == len(shrunk)
            covered.extend((both["low"] <= both["p"]) & (both["p"] <= both["high"]))
    assert np.mean(recall) >= 0.6  # 18 planted; the slow test below pins recall >= 0.8
    assert np.mean(false_rate) <= 0.05
    assert 0.90 <= np.mean(covered) <= 0.98  # 900 intervals


@pytest.mark.stats
@pytest.mark.parametrize(
    ("n_schools", "planted", "school_sd", "year_sd", "effect"),
    [
        (30, 3, 0.06, 0.015, 0.24),  # synth's spread; at 30 schools, 4 SDs above
        (30, 3, 0.10, 0.02, 0.30),  # a county with large spread (Florida's is about 0.09)
        (150, 8, 0.06, 0.015, 0.18),  # at 150 schools, 3 SDs above is enough
        (150, 8, 0.10, 0.02, 0.30),
    ],
)
def test_bright_spots_stay_rare_at_any_size_and_spread(
    n_schools, planted, school_sd, year_sd, effect
):
    """Recall of planted bright spots >= 0.8 and at most 5% of the other schools flagged.

    The rule this replaces (interval above the network) flagged about a third of the other
    schools at 150 schools with large spread. In a network of 30, a bright spot only 3 SDs
    above the others is found about 70% of the time (bench/validate_variation.py prints it):
    the best of 27 ordinary schools is itself about 2 SDs above.
    """
    synth = pytest.importorskip("netlab.synth")
    measure = "enrolled_likely_grad"
    recall, others, old_rule = [], [], []
    for seed in range(12):
        net = synth.generate(
            n_schools=n_schools, seed=100 + seed, grain="counts", n_bright_spots=planted,
            school_sd=school_sd, school_year_sd=year_sd, bright_spot_effect=effect,
            n_lookalikes=0,
        )  # fmt: skip
        rates = net.tables["counts"].rename(columns={"school_id": "unit_id"})
        shrunk = variation.shrunken(rates, measure=measure, year=[2024, 2025, 2026])
        found = set(variation.bright_spots(rates, measure=measure, shrunk=shrunk)["unit_id"])
        truth = set(net.truth.bright_spots)
        recall.append(len(found & truth) / len(truth))
        others.append(len(found - truth) / (n_schools - len(truth)))
        # "credibly above the network" alone, as a contrast: far too many
        loose = variation.bright_spots(rates, measure=measure, shrunk=shrunk, share=0.5,
                                       probability=0.01)  # fmt: skip
        old_rule.append(len(set(loose["unit_id"]) - truth) / (n_schools - len(truth)))
    assert np.mean(recall) >= 0.8
    assert np.mean(others) <= 0.05
    assert np.mean(old_rule) > 0.15


def test_bright_spot_probability_is_an_exact_mixture():
    """p_top against a Monte Carlo draw from the same grid posterior."""
    from scipy import special

    from netlab.variation._shrinkage import _bb_grid, _top_probability

    rates, _, _ = _network(3)
    pooled = rates[(rates["group"] == "focal") & (rates["year"] >= 2024)]
    pooled = pooled.groupby("unit_id")[["numerator", "denominator"]].sum()
    y, n = pooled["numerator"].to_numpy(float), pooled["denominator"].to_numpy(float)
    exact = _top_probability(y, n, share=0.1, direction="higher")
    rng = np.random.default_rng(0)
    m, u, w = _bb_grid(y, n)
    g = rng.choice(len(w), size=40_000, p=w)
    a0, b0 = m[g] / u[g] ** 2, (1 - m[g]) / u[g] ** 2
    theta = rng.beta(a0[:, None] + y[None, :], b0[:, None] + (n - y)[None, :])
    q90 = special.betaincinv(a0, b0, 0.9)
    mc = (theta > q90[:, None]).mean(axis=0)
    np.testing.assert_allclose(exact, mc, atol=0.012)
    assert exact.sum() == pytest.approx(0.1 * len(y), rel=0.35)  # a tenth of the units
    lower = _top_probability(y, n, share=0.1, direction="lower")
    assert (lower[:3] < 0.01).all()  # the planted three are nowhere near the bottom
    assert exact[:3].mean() > np.median(exact)


# --------------------------------------------------------------------------- spread and gaps


def test_constellation_and_spread_ranking():
    rates, _, _ = _network(5, tau=0.08)
    flat, _, _ = _network(6, tau=0.0, bright=0)
    both = pd.concat([rates, flat.assign(measure="flat")])
    const = variation.constellation(both, measure="m")
    assert const["year"].tolist() == list(range(2019, 2027))
    assert (const["iqr"] > 0).all() and (const["tau"] > 0.03).all()
    rank = variation.spread_ranking(both)
    assert rank["measure"].tolist() == ["m", "flat"]
    assert rank.loc[0, "tau_low"] > rank.loc[1, "tau"]


def test_equity_gaps_rest_is_all_minus_focal():
    rates, _, _ = _network(2)
    gaps = variation.equity_gaps(rates, measure="m")
    row = gaps.iloc[0]
    src = rates[(rates["unit_id"] == row["unit_id"]) & (rates["year"] == row["year"])]
    f = src[src["group"] == "focal"].iloc[0]
    a = src[src["group"] == "all"].iloc[0]
    rest = (a["numerator"] - f["numerator"]) / (a["denominator"] - f["denominator"])
    assert row["ref_rate"] == pytest.approx(rest)
    assert row["gap_pp"] == pytest.approx(100 * (f["rate"] - rest))
    _, lo, hi = intervals.newcombe_diff(
        f["numerator"], f["denominator"], a["numerator"] - f["numerator"],
        a["denominator"] - f["denominator"],
    )  # fmt: skip
    assert (row["low_pp"], row["high_pp"]) == pytest.approx((100 * lo, 100 * hi))
    vs_all = variation.equity_gaps(rates, measure="m", reference="all")
    assert (vs_all["ref_denominator"] > gaps["ref_denominator"]).all()


def test_equity_trend_detects_a_narrowing_gap():
    rows = []
    for i, y in enumerate(range(2019, 2027)):
        rows.append(("A", y, "focal", "m", 300 + 25 * i, 1000))
        rows.append(("A", y, "all", "m", 300 + 25 * i + 600, 2000))
    rates = pd.DataFrame(
        rows, columns=["unit_id", "year", "group", "measure", "numerator", "denominator"]
    )
    trend = variation.equity_trend(variation.equity_gaps(rates, measure="m"))
    assert trend.loc[0, "direction"] == "narrowing"
    assert trend.loc[0, "slope_pp_per_year"] == pytest.approx(2.5, abs=0.2)


def test_newcombe_matches_statsmodels():
    from statsmodels.stats.proportion import confint_proportions_2indep

    for x1, n1, x2, n2 in ((56, 70, 48, 80), (5, 56, 0, 29), (17, 40, 61, 90)):
        _, lo, hi = intervals.newcombe_diff(x1, n1, x2, n2)
        ref = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
        assert (lo, hi) == pytest.approx(ref, abs=1e-10)


def test_equity_gap_against_all_accounts_for_the_overlap():
    """Focal minus all = (n_rest / n_all)(focal minus rest): interval scaled, and covering."""
    rates, _, _ = _network(2)
    rest = variation.equity_gaps(rates, measure="m").set_index(["unit_id", "year"])
    vs_all = variation.equity_gaps(rates, measure="m", reference="all")
    vs_all = vs_all.set_index(["unit_id", "year"])
    share = rest["ref_denominator"] / vs_all["ref_denominator"]
    direct = 100 * (vs_all["focal_rate"] - vs_all["ref_rate"])
    np.testing.assert_allclose(vs_all["gap_pp"], direct)
    np.testing.assert_allclose(vs_all["low_pp"], share * rest["low_pp"])
    np.testing.assert_allclose(vs_all["high_pp"], share * rest["high_pp"])
    # coverage of the true focal-minus-all gap, against a naive interval that ignores overlap
    rng = np.random.default_rng(9)
    nf, nr, pf, pr = 60, 140, 0.30, 0.45
    xf, xr = rng.binomial(nf, pf, 4000), rng.binomial(nr, pr, 4000)
    frame = pd.DataFrame(
        {
            "unit_id": np.repeat([f"U{i:04d}" for i in range(4000)], 2),
            "year": 2025,
            "measure": "m",
            "group": np.tile(["focal", "all"], 4000),
            "numerator": np.column_stack([xf, xf + xr]).ravel(),
            "denominator": np.tile([nf, nf + nr], 4000),
        }
    )
    truth = 100 * (pf - (nf * pf + nr * pr) / (nf + nr))
    g = variation.equity_gaps(frame, measure="m", reference="all")
    covered = ((g["low_pp"] <= truth) & (truth <= g["high_pp"])).mean()
    assert 0.935 <= covered <= 0.965
    _, lo, hi = intervals.newcombe_diff(xf, nf, xf + xr, nf + nr)  # as if independent
    assert (100 * (hi - lo)).mean() > 1.3 * (g["high_pp"] - g["low_pp"]).mean()


def _gap_network(rng, *, k=30, sd=0.03, years=range(2019, 2027)):
    """Units whose focal-minus-rest gap follows a line plus year-to-year noise (SD ``sd``)."""
    rows, slopes = [], {}
    for u in range(k):
        uid, base, gap0 = f"U{u:02d}", rng.uniform(0.3, 0.5), rng.uniform(-0.15, -0.05)
        slope, nf, nr = rng.normal(0.005, 0.01), rng.integers(60, 200), rng.integers(100, 300)
        slopes[uid] = 100 * slope
        for i, y in enumerate(years):
            pf = np.clip(base + gap0 + slope * i + rng.normal(0, sd), 0.01, 0.99)
            xf, xr = rng.binomial(nf, pf), rng.binomial(nr, base)
            rows += [(uid, y, "focal", "m", xf, nf), (uid, y, "all", "m", xf + xr, nf + nr)]
    cols = ["unit_id", "year", "group", "measure", "numerator", "denominator"]
    return pd.DataFrame(rows, columns=cols), slopes


@pytest.mark.stats
def test_equity_trend_covers_the_true_slope_with_year_to_year_noise():
    """3-point year-to-year SD: 95% and 90% slope intervals cover near their level."""
    rng = np.random.default_rng(12)
    for level, lo, hi in ((0.95, 0.925, 0.97), (0.90, 0.87, 0.93)):
        hits, taus = [], []
        for _ in range(40):  # 1,200 units
            rates, slopes = _gap_network(rng)
            trend = variation.equity_trend(variation.equity_gaps(rates, measure="m"), level=level)
            truth = trend["unit_id"].map(slopes)
            hits.extend((trend["slope_low"] <= truth) & (truth <= trend["slope_high"]))
            taus.append(trend["tau_pp"].iloc[0])
        assert lo <= np.mean(hits) <= hi, (level, np.mean(hits))
        assert np.mean(taus) == pytest.approx(3.0, abs=0.5)


def test_equity_trend_with_two_years_has_no_slope():
    rates, _ = _gap_network(np.random.default_rng(5), k=4, years=range(2023, 2025))
    rates["unit_id"] = rates["unit_id"].astype("str")  # text ids, as parquet returns them
    trend = variation.equity_trend(variation.equity_gaps(rates, measure="m"))
    assert len(trend) == 4 and trend["slope_pp_per_year"].isna().all()
    assert (trend["direction"] == "no clear change").all()
    # focal students are all students (public files): no gap to compute, no error
    same = rates[rates["group"] == "all"]
    none = variation.equity_gaps(pd.concat([same, same.assign(group="focal")]), measure="m")
    assert none.empty and variation.equity_trend(none).empty


def test_equity_trend_reads_the_gaps_level_and_matches_weighted_least_squares():
    import statsmodels.api as sm

    rates, _ = _gap_network(np.random.default_rng(4), k=6)
    g95 = variation.equity_gaps(rates, measure="m")
    g80 = variation.equity_gaps(rates, measure="m", level=0.80)
    t95, t80 = variation.equity_trend(g95), variation.equity_trend(g80)
    # the same data at another interval level gives (nearly) the same trend
    np.testing.assert_allclose(t95["slope_pp_per_year"], t80["slope_pp_per_year"], atol=0.05)
    # one unit, by hand: WLS with weights 1 / (se^2 + tau^2)
    one = g95[g95["unit_id"] == "U00"]
    se = (one["high_pp"] - one["low_pp"]) / (2 * 1.959963985)
    tau2 = t95["tau_pp"].iloc[0] ** 2
    fit = sm.WLS(one["gap_pp"], sm.add_constant(one["year"].astype(float)),
                 weights=1 / (se**2 + tau2)).fit(cov_type="fixed scale")  # fmt: skip
    row = t95.set_index("unit_id").loc["U00"]
    assert row["slope_pp_per_year"] == pytest.approx(fit.params["year"], rel=1e-8)
    half = (row["slope_high"] - row["slope_low"]) / 2
    dof = 6 * (8 - 2)  # residual degrees of freedom pooled over units
    assert half == pytest.approx(stats.t.ppf(0.975, dof) * fit.bse["year"], rel=1e-8)


# --------------------------------------------------------------------------- case mix


def test_case_mix_recovers_expected_counts():
    rng = np.random.default_rng(11)
    n = 6000
    school = rng.integers(0, 20, n)
    low_income = rng.random(n) < (0.2 + 0.03 * school)  # schools differ in intake
    gpa = np.clip(rng.normal(3.0, 0.5, n), 0, 4)
    gpa[rng.random(n) < 0.05] = np.nan
    logit = -4 + 1.2 * np.nan_to_num(gpa, nan=3.0) - 0.8 * low_income
    bonus = np.where(school == 0, 0.9, 0.0)  # one school does better than its intake
    y = rng.random(n) < 1 / (1 + np.exp(-(logit + bonus)))
    students = pd.DataFrame(
        {
            "school_id": [f"S{s:02d}" for s in school],
            "low_income": low_income,
            "gpa": gpa,
            "race_ethnicity": rng.choice(["Black", "Latinx", "White"], n),
            "outcome": y,
        }
    )
    res = variation.case_mix(students, outcome="outcome").set_index("unit_id")
    assert res["observed"].sum() == pytest.approx(res["expected"].sum(), rel=1e-6)
    assert res.loc["S00", "low"] > 1  # the school beating its intake is credibly above 1
    assert res.loc["S00", "flag95"] == "above"
    others = res.drop(index="S00")
    assert ((others["low"] <= 1) & (others["high"] >= 1)).mean() >= 0.8
    lim = variation.funnel_limits(res.reset_index())
    assert (lim["lower"] < 1).all() and (lim["upper"] > 1).all()
    # binomial variance of a sum of Bernoulli outcomes, written out independently
    p = variation.case_mix(students, outcome="outcome").attrs  # same fit, for the note
    assert p["covariates"]
    v = res["variance"]
    assert (v < res["expected"]).all()  # sum p(1 - p) < sum p: not the Poisson variance
    np.testing.assert_allclose(res["z"], (res["observed"] - res["expected"]) / np.sqrt(v))


def _null_students(rng, k=60):
    size = rng.integers(15, 400, k)
    school = np.repeat(np.arange(k), size)
    n = len(school)
    low_income = rng.random(n) < (0.2 + 0.5 * rng.random(k))[school]
    gpa = np.clip(rng.normal(3.0, 0.5, n), 0, 4)
    p = 1 / (1 + np.exp(-(-3.5 + 1.2 * gpa - 0.7 * low_income)))  # near 50%, no school effect
    return pd.DataFrame(
        {
            "school_id": [f"S{s:02d}" for s in school],
            "low_income": low_income,
            "gpa": gpa,
            "outcome": rng.random(n) < p,
        }
    )


@pytest.mark.stats
def test_case_mix_funnel_flags_about_five_percent_of_null_schools():
    """No school effects: about 5% of schools outside the 95% limits, 0.2% outside 99.8%.

    A Poisson variance (E) on an outcome near 50% flags about 0.2% at 95%; the binomial
    variance sum p(1 - p), with exact limits for the small schools, restores the level.
    """
    rng = np.random.default_rng(21)
    frames = [variation.case_mix(_null_students(rng), outcome="outcome") for _ in range(20)]
    res = pd.concat(frames, ignore_index=True)  # 1,200 null schools
    assert res["exact"].any() and not res["exact"].all()
    assert 0.03 <= (res["flag95"] != "within").mean() <= 0.065
    assert (res["flag"] != "within").mean() <= 0.006
    big = res[~res["exact"]]
    assert 0.025 <= (big["flag95"] != "within").mean() <= 0.075


def test_case_mix_exact_limits_are_poisson_binomial_quantiles():
    from netlab.variation import _exact as _exact

    rng = np.random.default_rng(5)
    p = rng.uniform(0.05, 0.6, 25)
    cdf = _exact.poisson_binomial_cdf(p, np.ones(1))
    pmf = np.ones(1)
    for q in p:  # brute-force convolution, independently
        pmf = np.convolve(pmf, [1 - q, q])
    np.testing.assert_allclose(cdf, np.cumsum(pmf), atol=1e-12)
    same = _exact.poisson_binomial_cdf(np.full(30, 0.3), np.ones(1))
    np.testing.assert_allclose(same, stats.binom.cdf(np.arange(31), 30, 0.3), atol=1e-12)
    res = variation.case_mix(_null_students(np.random.default_rng(6), k=30), outcome="outcome")
    small = res[res["exact"]]
    assert len(small)
    # a flagged school's count is beyond the 2.5% quantile; drawn limits agree with flags
    low = small["oe"] < small["lower95"]
    high = small["oe"] > small["upper95"]
    assert ((small["flag95"] == "below") == low).all()
    assert ((small["flag95"] == "above") == high).all()


def test_case_mix_interval_is_wilson_when_probabilities_are_equal():
    from statsmodels.stats.proportion import proportion_confint

    from netlab.variation._casemix import _score_interval

    o, n, p = np.array([0.0, 7, 31, 60]), np.array([20.0, 40, 80, 90]), 0.35
    low, high = _score_interval(o, n * p, n * p**2, 1.959963985)
    lo_w, hi_w = proportion_confint(o, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(low, lo_w / p, rtol=1e-8)
    np.testing.assert_allclose(high, hi_w / p, rtol=1e-8)


def test_adjustment_note():
    from netlab.words import adjustment_note

    assert "unadjusted" in adjustment_note(False)
    assert "adjusted" in adjustment_note(True) and "unadjusted" not in adjustment_note(True)


# --------------------------------------------------------------------------- for a run


def test_models_for_run_on_a_prepared_like_object():
    rates, _, _ = _network(8)
    rates = pd.concat([rates, rates.assign(measure="summer_melt")])

    class Params:
        min_cell = 10

    class Prep:
        pass

    prep = Prep()
    prep.rates, prep.params, prep.has_students = rates, Params(), False
    prep.measures = pd.DataFrame(
        {"measure": ["m", "summer_melt"], "direction": ["higher", "lower"]}
    )
    models = variation.models_for_run(prep)
    for name in ("funnel", "funnel_limits", "shrunken", "bright_spots", "constellation",
                 "spread", "equity_gaps", "equity_trend", "adjustment"):  # fmt: skip
        assert name in models and isinstance(models[name], pd.DataFrame)
    assert "suppressed" in models["funnel"] and "suppressed" in models["equity_gaps"]
    assert set(models["funnel"]["measure"]) == {"m", "summer_melt"}


def test_censored_numerators_are_left_out_not_zero(hand):
    censored = pd.concat([hand, hand.iloc[:1].assign(unit_id="X", numerator=np.nan)])
    res = variation.funnel(censored, measure="m")
    assert "X" not in set(res["unit_id"])
    assert res["target"].iloc[0] == pytest.approx(
        hand["numerator"].sum() / hand["denominator"].sum()
    )
    rates, _, _ = _network(12)
    last = rates["year"] == rates["year"].max()
    holes = rates.assign(numerator=rates["numerator"].where(~last | (rates["unit_id"] != "S00")))
    # the rule needs three years of data: S00 (planted) reported two of the last three
    assert "S00" not in set(variation.bright_spots(holes, measure="m")["unit_id"])
    # over the two years it reported, it is found, pooled and not diluted by a 0
    full = rates[(rates["unit_id"] == "S00") & (rates["group"] == "focal")]
    two = sorted(full["year"])[-3:-1]
    spots = variation.bright_spots(holes, measure="m", years=two).set_index("unit_id")
    assert spots.loc["S00", "denominator"] == full.iloc[-3:-1]["denominator"].sum()
    assert "S00" in set(variation.shrunken(holes, measure="m", year=2025)["unit_id"])
    assert "S00" not in set(variation.shrunken(holes, measure="m", year=2026)["unit_id"])


def test_models_for_run_on_a_prepared_synthetic_run():
    synth = pytest.importorskip("netlab.synth")
    pipeline = pytest.importorskip("netlab.pipeline")
    from netlab.params import from_dict

    net = synth.generate(
        n_schools=20, seed=4, grain="students", years=range(2022, 2027), bright_spot_effect=0.18
    )
    params = from_dict({"run": "t", "raw_dir": "data/raw/t", "min_cell": 10})
    prepared = pipeline.prepare_frames(net.tables, params)
    models = variation.models_for_run(prepared)
    assert {"funnel", "shrunken", "bright_spots", "case_mix", "case_mix_limits"} <= set(models)
    cm = models["case_mix"]
    assert len(cm) == 20 and (cm["kind"] == "ratio").all()
    assert cm["observed"].sum() == pytest.approx(cm["expected"].sum(), rel=1e-6)
    spots = models["bright_spots"]
    focal = spots[spots["measure"] == params.focal_measure]
    assert set(net.truth.bright_spots) <= set(focal["unit_id"])
    assert models["adjustment"].to_dict("records") == [{"has_students": True}]


def test_case_mix_says_which_covariates_it_could_not_use():
    rng = np.random.default_rng(3)
    n = 400
    students = pd.DataFrame(
        {
            "unit_id": rng.choice(["A", "B", "C"], n),
            "low_income": rng.random(n) < 0.5,
            "outcome": rng.random(n) < 0.4,
        }
    )
    with pytest.warns(UserWarning, match=r"\['gpa'\] are not in the students table"):
        variation.case_mix(students, outcome="outcome", unit="unit_id",
                           covariates=["low_income", "gpa"])  # fmt: skip
    with pytest.warns(UserWarning, match="so the ratios are unadjusted"):
        variation.case_mix(students, outcome="outcome", unit="unit_id", covariates=["gpa"])
