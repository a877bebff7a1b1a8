"""netlab.plots: each figure draws its frame, never a suppressed row, in one style."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from netlab import plots, spc, variation

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def rates():
    rng = np.random.default_rng(4)
    rows = []
    for i in range(25):
        n = int(rng.integers(60, 300))
        eff = rng.normal(0, 0.05)
        for y in range(2021, 2026):
            p = float(np.clip(0.4 + 0.01 * (y - 2021) + eff, 0.05, 0.95))
            x = int(rng.binomial(n, p))
            n_all = n + 80
            rows.append((f"S{i:02d}", y, "focal", "m", x, n))
            rows.append((f"S{i:02d}", y, "all", "m", x + int(rng.binomial(80, 0.5)), n_all))
    out = pd.DataFrame(
        rows, columns=["unit_id", "year", "group", "measure", "numerator", "denominator"]
    )
    return out.assign(rate=out["numerator"] / out["denominator"])


def _points(ax) -> int:
    """Number of data points drawn as scatter collections."""
    return sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets"))


def _intervals(ax) -> list:
    """The interval bars drawn (one segment each), in the order they were drawn."""
    return [seg for c in ax.containers for seg in c.lines[2][0].get_segments()]


def test_palette_is_okabe_ito_and_style_applies():
    assert plots.FOCAL == "#0072B2"
    assert set(plots.PALETTE) <= set(plots.OKABE_ITO.values())
    plots.apply_style()
    assert matplotlib.rcParams["axes.spines.top"] is False
    cycle = [to_hex(c["color"]).upper() for c in matplotlib.rcParams["axes.prop_cycle"]]
    assert cycle[0] == plots.FOCAL.upper()
    # distinct line styles and markers keep series apart in greyscale
    styles = [plots.series_style(i) for i in range(3)]
    assert len({str(s["linestyle"]) for s in styles}) == 3
    assert len({s["marker"] for s in styles}) == 3


def test_funnel_draws_every_unit_and_never_a_suppressed_one(rates):
    res = variation.funnel(rates, measure="m")
    ax = plots.funnel(res, variation.funnel_limits(res), highlight="S03")
    assert _points(ax) == len(res)
    hidden = res.assign(suppressed=res["denominator"] < 100)
    ax2 = plots.funnel(hidden)
    assert _points(ax2) == int((~hidden["suppressed"]).sum()) > 0
    # limit lines: two levels, lower and upper each
    assert len([ln for ln in ax.lines if len(ln.get_xdata()) == 200]) == 4


def test_funnel_of_observed_expected(rates):
    rng = np.random.default_rng(2)
    students = pd.DataFrame(
        {
            "school_id": rng.choice([f"S{i}" for i in range(12)], 3000),
            "low_income": rng.random(3000) < 0.5,
            "y": rng.random(3000) < 0.4,
        }
    )
    res = variation.case_mix(students, outcome="y")
    ax = plots.funnel(res)
    assert ax.get_ylabel() == "observed / expected"
    assert _points(ax) == len(res)


def test_caterpillar_and_constellation(rates):
    shrunk = variation.shrunken(rates, measure="m")
    ax = plots.caterpillar(shrunk.assign(suppressed=shrunk["unit_id"] == "S00"), highlight="S01")
    assert len(_intervals(ax)) == 24  # latest year, one hidden
    const = variation.constellation(rates, measure="m", shrunk=shrunk)
    ax = plots.constellation(const)
    assert len(ax.get_xticks()) == 5


def test_equity_gaps_across_units_and_over_years(rates):
    gaps = variation.equity_gaps(rates, measure="m")
    ax = plots.equity_gaps(gaps.assign(suppressed=gaps["focal_denominator"] < 100))
    latest = gaps[(gaps["year"] == 2025) & (gaps["focal_denominator"] >= 100)]
    assert len(_intervals(ax)) == len(latest)
    ax = plots.equity_gaps(gaps[gaps["unit_id"] == "S02"])
    assert [seg[0][0] for seg in _intervals(ax)] == list(range(2021, 2026))


def test_spc_charts_draw_and_name_signals():
    y = [0.40, 0.42, 0.41, 0.39, 0.43, 0.40, 0.41, 0.42, 0.40, 0.41, 0.39, 0.42]
    y += [0.50, 0.52, 0.51, 0.53, 0.50, 0.52, 0.51, 0.53, 0.52, 0.50, 0.51, 0.52]
    chart = spc.run_chart(pd.DataFrame({"x": range(24), "y": y}))
    ax = plots.run_chart(chart)
    assert any("a long run on one side of the median" in t.get_text() for t in ax.texts)
    n = np.full(12, 200)
    counts = np.full(12, 40)
    counts[5] = 90
    pc = spc.p_chart(pd.DataFrame({"x": range(12), "numerator": counts, "denominator": n}))
    ax = plots.p_chart(pc)
    assert any("points outside the limits" in t.get_text() for t in ax.texts)
    par = spc.pareto(pd.DataFrame({"c": list("abcab"), "v": [1, 2, 3, 4, 5]}), category="c",
                     value="v")  # fmt: skip
    ax = plots.pareto(par, category="c", value="v")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "a", "c"]


def test_season_and_trend_with_target(rates):
    season = pd.DataFrame(
        {
            "season": 2025,
            "week": [0, 1, 4, 5],  # weeks 2-3 not reported: absent, not zero
            "rate": [0.05, 0.10, 0.25, 0.30],
            "prior_rate": [0.04, 0.09, 0.20, 0.22],
        }
    )
    ax = plots.season(season)
    assert len(ax.lines) == 2 and list(ax.lines[0].get_xdata()) == [0, 1, 4, 5]
    net = (
        rates[rates["group"] == "focal"]
        .groupby("year", as_index=False)[["numerator", "denominator"]]
        .sum()
    )
    net["rate"] = net["numerator"] / net["denominator"]
    ax = plots.trend_with_target(net, 0.55, target_year=2027, baseline_year=2021)
    assert 2027 in ax.get_xticks()
    both = pd.concat([net.assign(group="focal"), net.assign(group="all", rate=net["rate"] + 0.1)])
    ax = plots.trend_with_target(both, series="group", focal="focal")
    focal_line = next(ln for ln in ax.lines if ln.get_label() == "focal")
    assert focal_line.get_color() == plots.FOCAL and focal_line.get_linewidth() > 2


def test_forest_shows_non_estimable_rows_as_text():
    table = pd.DataFrame(
        {
            "practice": ["Senior application day", "FAFSA nights", "Parent workshops"],
            "estimate_pp": [4.1, -0.5, np.nan],
            "ci_low_pp": [1.2, -3.0, np.nan],
            "ci_high_pp": [7.0, 2.0, np.nan],
            "evidence": ["strong", "no clear pattern", "not estimable"],
            "estimable": [True, True, False],
            "reason": [None, None, "no school changed this practice"],
        }
    )
    ax = plots.forest(table)
    assert _points(ax) == 2
    assert any("not estimable" in t.get_text() for t in ax.texts)
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "Parent workshops"
    hidden = plots.forest(table.assign(suppressed=[False, True, False]))
    assert _points(hidden) == 1
    two = pd.concat([table.assign(model="within"), table.assign(model="imputation")])
    ax = plots.forest(two)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["within schools", "staggered adoption"]


def test_event_profile_draws_one_panel_per_practice():
    rows = []
    for practice in ("advising", "summer outreach"):
        for k in (-2, -1, 0, 1, 2):
            rows.append(
                {
                    "practice": practice,
                    "event_time": k,
                    "estimate_pp": 0.0 if k < 0 else 2.0 + k,
                    "ci_low_pp": -1.0 if k < 0 else 1.0 + k,
                    "ci_high_pp": 1.0 if k < 0 else 3.0 + k,
                    "n_units": 10,
                    "part": "before" if k < 0 else "after",
                }
            )
    fig = plots.event_profile(pd.DataFrame(rows), ncols=3)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in shown] == ["advising", "summer outreach"]
    points = [ln for ln in shown[0].lines if ln.get_marker() == "o"]
    assert [len(ln.get_xdata()) for ln in points] == [2, 3]  # before, after
    assert points[0].get_color() == plots.GREY and points[1].get_color() == plots.FOCAL


def test_a_figure_is_cheap_to_draw(rates):
    res = variation.funnel(rates, measure="m")
    lim = variation.funnel_limits(res)
    plots.funnel(res, lim)  # warm up fonts
    for _ in range(3):
        ax = plots.funnel(res, lim)
        ax.figure.canvas.draw()
        matplotlib.pyplot.close(ax.figure)
    assert len(ax.collections) + len(ax.lines) > 0


def _legend_clear_of_data(ax) -> bool:
    """The legend's box overlaps no drawn point or line vertex (display coordinates)."""
    legend = ax.get_legend()
    if legend is None:
        return True
    fig = ax.figure
    fig.canvas.draw()
    box = legend.get_window_extent()
    points = [ax.transData.transform(np.column_stack(ln.get_data()).astype(float))
              for ln in ax.lines if len(ln.get_xdata())]  # fmt: skip
    points += [c.get_offset_transform().transform(c.get_offsets())
               for c in ax.collections if len(c.get_offsets())]  # fmt: skip
    drawn = np.vstack(points) if points else np.empty((0, 2))
    inside = ((drawn[:, 0] >= box.x0) & (drawn[:, 0] <= box.x1)
              & (drawn[:, 1] >= box.y0) & (drawn[:, 1] <= box.y1))  # fmt: skip
    return not inside.any()


def test_legends_cover_no_data(rates):
    net = (
        rates[rates["group"] == "focal"]
        .groupby("year", as_index=False)[["numerator", "denominator"]]
        .sum()
        .assign(rate=lambda f: f["numerator"] / f["denominator"])
    )
    # a brief's chart: two schools and the network, small, with lines everywhere
    three = pd.concat([net.assign(who="Host", rate=net["rate"] + 0.2),
                       net.assign(who="Visitor"), net.assign(who="Network", rate=net["rate"] + 0.1)])  # fmt: skip
    _, ax0 = plt.subplots(figsize=(5.2, 2.1))
    ax = plots.trend_with_target(three, series="who", focal="Host", ax=ax0)
    assert _legend_clear_of_data(ax)
    focal = rates[(rates["group"] == "focal") & (rates["year"] == 2025)]
    f = variation.funnel(focal, measure="m")
    ax = plots.funnel(f, variation.funnel_limits(f), highlight=f["unit_id"].iloc[0])
    assert _legend_clear_of_data(ax)
    y = [0.40, 0.42, 0.41, 0.39, 0.43, 0.40] * 2 + [0.50, 0.52, 0.51, 0.53, 0.50, 0.52] * 2
    ax = plots.run_chart(spc.run_chart(pd.DataFrame({"x": range(24), "y": y})))
    assert _legend_clear_of_data(ax)
    plt.close("all")
