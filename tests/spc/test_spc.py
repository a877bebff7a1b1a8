"""netlab.spc against the published Anhøj table, closed-form limits and built signals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from netlab import spc
from netlab.exceptions import InputError


@pytest.mark.parametrize(
    ("n", "longest", "crossings"),
    [(10, 6, 2), (20, 7, 6), (24, 8, 8), (30, 8, 10), (50, 9, 19)],  # Anhøj (2015) table
)
def test_anhoj_limits_match_published_table(n, longest, crossings):
    assert spc.anhoj_limits(n) == (longest, crossings)


def test_anhoj_crossings_is_fifth_percentile_definition():
    for n in range(2, 80):
        k = spc.anhoj_limits(n)[1]
        assert stats.binom.cdf(k, n - 1, 0.5) >= 0.05
        assert k == 0 or stats.binom.cdf(k - 1, n - 1, 0.5) < 0.05


def test_random_series_rarely_signals():
    rng = np.random.default_rng(3)
    signals = [
        spc.run_chart(pd.DataFrame({"x": range(24), "y": rng.normal(size=24)}))["signal"].any()
        for _ in range(100)
    ]
    # Anhøj's rules have a false-positive rate of about 5-10% for n = 24
    assert np.mean(signals) < 0.15


def test_shift_signals_a_long_run_and_marks_its_points():
    y = [5, 7, 4, 6, 5, 8, 4, 6, 5, 7, 6, 5] + [9, 10, 11, 9, 12, 10, 11, 10, 9, 12, 11, 10]
    out = spc.run_chart(pd.DataFrame({"x": range(24), "y": y}))
    assert out["centre"].iloc[0] == np.median(y)
    assert out["run_signal"].all() and out["longest_run"].iloc[0] == 12
    assert out["longest_run_limit"].iloc[0] == 8
    assert out.loc[12:, "in_long_run"].all()


def test_points_on_the_median_are_not_useful():
    y = [1, 3, 2, 2, 2, 3, 1, 2, 3, 1, 2]  # median 2, five points on it
    out = spc.run_chart(pd.DataFrame({"x": range(len(y)), "y": y}))
    assert out["n_useful"].iloc[0] == 6
    assert not out.loc[out["y"] == 2, "useful"].any()
    # useful sides: - + + - + -  -> 4 crossings, longest run 2
    assert out["crossings"].iloc[0] == 4 and out["longest_run"].iloc[0] == 2


def test_too_few_crossings_signals():
    y = [1, 1.2, 1.1, 1.3, 1.2, 1.1, 1.4, 1.2, 3, 3.2, 3.1, 3.3, 3.2, 3.1, 3.4, 3.2] * 1
    y = y + y[::-1]  # a slow wave: long runs, few crossings
    out = spc.run_chart(pd.DataFrame({"x": range(len(y)), "y": y}))
    assert out["crossings"].iloc[0] < out["min_crossings"].iloc[0]
    assert out["crossing_signal"].all()


def test_baseline_freezes_median_and_phases_recompute():
    y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    frozen = spc.run_chart(pd.DataFrame({"x": range(10), "y": y}), baseline=4)
    assert (frozen["centre"] == 2.5).all()
    dates = pd.date_range("2025-01-01", periods=10, freq="W")
    data = pd.DataFrame({"week": dates, "rate": y})
    phased = spc.run_chart(data, x="week", y="rate", phases=[dates[5]])
    assert phased["phase"].tolist() == [1] * 5 + [2] * 5
    assert phased.loc[phased["phase"] == 1, "centre"].iloc[0] == 3
    assert phased.loc[phased["phase"] == 2, "centre"].iloc[0] == 8


def test_p_chart_limits_match_closed_form_with_varying_n():
    n = np.array([50, 80, 120, 200, 60, 90, 150, 40, 300, 100])
    y = np.array([6, 10, 13, 25, 5, 12, 20, 3, 31, 14])
    out = spc.p_chart(pd.DataFrame({"x": range(10), "numerator": y, "denominator": n}))
    pbar = y.sum() / n.sum()
    half = 3 * np.sqrt(pbar * (1 - pbar) / n)
    np.testing.assert_allclose(out["centre"], pbar)
    np.testing.assert_allclose(out["ucl"], np.clip(pbar + half, 0, 1))
    np.testing.assert_allclose(out["lcl"], np.clip(pbar - half, 0, 1))
    assert (out["lcl"] == 0).any()  # the smallest subgroup's lower limit is clipped


def test_p_chart_flags_a_point_outside():
    n = np.full(20, 200)
    y = np.full(20, 20)
    y[12] = 60
    out = spc.p_chart(pd.DataFrame({"x": range(20), "numerator": y, "denominator": n}))
    assert out["outside_limits"].tolist() == [i == 12 for i in range(20)]
    assert out.loc[12, "signal"]


def test_laney_p_chart_matches_closed_form():
    rng = np.random.default_rng(5)
    n = rng.integers(2000, 5000, 25)
    p = np.clip(rng.normal(0.3, 0.02, 25), 0, 1)  # over-dispersed: large n, real spread
    y = rng.binomial(n, p)
    out = spc.laney_p_chart(pd.DataFrame({"x": range(25), "numerator": y, "denominator": n}))
    pbar = y.sum() / n.sum()
    sigma = np.sqrt(pbar * (1 - pbar) / n)
    z = (y / n - pbar) / sigma
    sigma_z = np.mean(np.abs(np.diff(z))) / 1.128
    np.testing.assert_allclose(out["ucl"], np.clip(pbar + 3 * sigma * sigma_z, 0, 1))
    assert sigma_z > 1.5
    plain = spc.p_chart(pd.DataFrame({"x": range(25), "numerator": y, "denominator": n}))
    assert out["outside_limits"].sum() < plain["outside_limits"].sum()


def test_i_chart_limits_match_closed_form():
    y = np.array([10.0, 12, 11, 13, 9, 10, 12, 11, 30, 11])
    out = spc.i_chart(pd.DataFrame({"x": range(10), "y": y}))
    mr = np.mean(np.abs(np.diff(y)))
    np.testing.assert_allclose(out["ucl"], y.mean() + 2.66 * mr)
    np.testing.assert_allclose(out["lcl"], y.mean() - 2.66 * mr)
    base = spc.i_chart(pd.DataFrame({"x": range(10), "y": y}), baseline=8)
    mr8 = np.mean(np.abs(np.diff(y[:8])))
    np.testing.assert_allclose(base["ucl"], y[:8].mean() + 2.66 * mr8)
    assert base["outside_limits"].tolist() == [i == 8 for i in range(10)]


def test_pareto_sorts_and_accumulates():
    reasons = pd.DataFrame(
        {
            "reason": ["parent info", "no SSN", "parent info", "forgot", "no SSN", "other"],
            "students": [30, 12, 25, 8, 10, 5],
        }
    )
    out = spc.pareto(reasons, category="reason", value="students")
    assert out["reason"].tolist() == ["parent info", "no SSN", "forgot", "other"]
    assert out["students"].tolist() == [55, 22, 8, 5]
    assert out["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert out["share"].iloc[0] == pytest.approx(55 / 90)


def _weekly():
    rows = []
    start = {2024: dt.date(2023, 10, 1), 2023: dt.date(2022, 10, 1)}
    for season in (2023, 2024):
        for week in range(10):
            for school, seniors in (("A", 200), ("B", 100)):
                reported = not (season == 2024 and week in (2, 3))
                done = 10 * week + (5 if season == 2024 else 0)
                rows.append(
                    {
                        "school_id": school,
                        "season": season,
                        "as_of": start[season] + dt.timedelta(weeks=week),
                        "week": week,
                        "seniors": seniors,
                        "submitted": done + 5,
                        "completed": done if reported else 0,
                        "submitted_suppressed": False,
                        "completed_suppressed": school == "B" and week == 0,
                        "reported": reported,
                    }
                )
    return pd.DataFrame(rows)


def test_season_series_skips_unreported_weeks_and_pairs_prior_season():
    weekly = _weekly().astype({"seniors": "Int64", "completed": "Int64"})
    weekly.loc[(weekly["season"] == 2024) & (weekly["week"] == 9), "completed"] = pd.NA
    out = spc.season_series(weekly, season=2024)
    assert 9 not in set(out["week"])  # a missing count is not a rate of zero
    assert 2 not in out["week"].tolist() and 3 not in out["week"].tolist()
    assert (out.loc[out["week"] > 0, "rate"] > 0.04).all()  # never a near-zero rate
    row = out.set_index("week").loc[5]
    assert row["rate"] == pytest.approx((55 + 55) / 300)
    assert row["prior_rate"] == pytest.approx((50 + 50) / 300)
    # week 0: school B's count is suppressed, so only school A stands behind the rate
    first = out.set_index("week").loc[0]
    assert first["denominator"] == 200 and first["units"] == 1
    one = spc.season_series(_weekly(), season=2024, unit="B")
    assert one["denominator"].eq(100).all()


def test_yearly_run_chart_pools_the_network():
    rates = pd.DataFrame(
        {
            "unit_id": ["A", "B"] * 4,
            "year": [2021, 2021, 2022, 2022, 2023, 2023, 2024, 2024],
            "group": "focal",
            "measure": "m",
            "numerator": [10, 30, 20, 30, 30, 30, 40, 30],
            "denominator": [100] * 8,
        }
    )
    out = spc.yearly_run_chart(rates, measure="m")
    assert out["rate"].tolist() == pytest.approx([0.2, 0.25, 0.3, 0.35])
    assert out["centre"].iloc[0] == pytest.approx(0.275)
    one = spc.yearly_run_chart(rates, measure="m", unit_id="A")
    assert one["rate"].tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4])


def test_missing_columns_raise_input_error():
    with pytest.raises(InputError):
        spc.run_chart(pd.DataFrame({"x": [1, 2]}), y="value")


def _two_seasons(rng, *, seniors, pace=1.0, weeks=26):
    """Cumulative completion of two seasons with the same calendar; ``pace`` scales this one."""
    shape = np.exp(-0.5 * ((np.arange(1, weeks + 1) - 18) / 6) ** 2)
    shape = 0.6 * shape / shape.sum()  # 60% of seniors complete by the last week
    this = np.cumsum(rng.binomial(seniors, np.clip(pace * shape, 0, 1)))
    last = np.cumsum(rng.binomial(seniors, shape))
    return pd.DataFrame(
        {"week": np.arange(1, weeks + 1), "rate": this / seniors, "prior_rate": last / seniors}
    )


def test_season_pace_is_the_weekly_change_of_the_gap():
    series = pd.DataFrame(
        {
            "week": [1, 2, 3, 5, 6],
            "rate": [0.02, 0.05, 0.09, 0.20, 0.24],
            "prior_rate": [0.01, 0.03, np.nan, 0.15, 0.18],
        }
    )
    pace = spc.season_pace(series)
    assert pace["week"].tolist() == [1, 2, 5, 6]  # week 3 has no prior season
    np.testing.assert_allclose(pace["gap"], [0.01, 0.02, 0.05, 0.06])
    # week 5's change spans weeks 3-5: this season's new completions minus last season's
    np.testing.assert_allclose(pace["change"].iloc[1:], [0.01, 0.03, 0.01])
    assert (pace["centre"].dropna() == 0).all() and np.isnan(pace["n_useful"].iloc[0])
    assert spc.season_pace(series.assign(prior_rate=np.nan)).empty


@pytest.mark.stats
def test_season_pace_signals_at_chance_rate_where_a_cumulative_curve_always_does():
    """Same calendar, same pace: about 5-8% false signals (the Anhøj rules' own rate); a
    run chart of the cumulative curve signals in every season. A faster season signals."""
    rng = np.random.default_rng(31)
    pace, cumulative, faster = [], [], []
    for _ in range(300):
        same = _two_seasons(rng, seniors=300)
        pace.append(spc.season_pace(same)["signal"].any())
        cum = spc.run_chart(same, x="week", y="rate")
        cumulative.append(cum["signal"].any())
        quick = _two_seasons(rng, seniors=9000, pace=1.15)  # a network, 15% faster
        faster.append(spc.season_pace(quick)["signal"].any())
    assert np.mean(pace) <= 0.10
    assert np.mean(cumulative) == 1.0
    assert np.mean(faster) >= 0.8


def test_a_missing_column_reads_the_same_from_a_run_chart_a_funnel_and_the_check():
    # one column check (netlab.checks.check_columns) behind every function given a frame
    from netlab import variation
    from netlab.checks import check_columns
    from netlab.exceptions import ColumnsError

    frame = pd.DataFrame({"x": [1, 2]})
    with pytest.raises(ColumnsError) as chart:
        spc.run_chart(frame, y="value")
    with pytest.raises(ColumnsError) as funnel:
        variation.funnel(frame, measure="m")
    with pytest.raises(KeyError) as plain:  # a KeyError too, as it always was
        check_columns(frame, ["year", "x"], what="rates")
    assert chart.value.message == "The chart data lacks column(s) ['value']; it has ['x']."
    assert (chart.value.table, chart.value.column) == ("chart data", "value")
    missing = "['unit_id', 'year', 'group', 'measure', 'numerator', 'denominator']"
    assert funnel.value.message == f"The rates lacks column(s) {missing}; it has ['x']."
    assert (funnel.value.table, funnel.value.column) == ("rates", "unit_id")
    assert plain.value.message == "The rates lacks column(s) ['year']; it has ['x']."
    assert "What to do:" in str(chart.value) and "What to do:" in str(funnel.value)
