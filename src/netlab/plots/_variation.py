"""Figures for learning from variation: funnels, caterpillars, constellation, gaps, SPC charts.

Each function draws one precomputed frame (from :mod:`netlab.variation` or :mod:`netlab.spc`)
on a single Axes and returns it. Suppressed rows are never drawn.

Points, lines and bars are drawn by seaborn. Intervals computed by netlab (shrunken
estimates, Newcombe gaps) are drawn as matplotlib error bars, and reference lines, bands and
shading as matplotlib primitives: seaborn computes its own intervals from raw observations
and takes no precomputed ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from netlab.plots._style import (
    FOCAL,
    GREY,
    HIGHLIGHT,
    LIGHT,
    _interval,
    axes,
    drawable,
    percent_axis,
    series_style,
)

__all__ = [
    "caterpillar",
    "constellation",
    "equity_gaps",
    "funnel",
    "p_chart",
    "pareto",
    "run_chart",
    "season",
    "trend_with_target",
]


def _label(ax: Any, x: float, y: float, text: str) -> None:
    ax.annotate(text, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=8)


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    if "year" in frame.columns and frame["year"].nunique() > 1:
        return frame[frame["year"] == frame["year"].max()]
    return frame


def funnel(
    frame: pd.DataFrame,
    limits: pd.DataFrame | None = None,
    ax: Any = None,
    *,
    highlight: str | Sequence[str] | None = None,
    label_units: bool = False,
    title: str | None = None,
) -> Any:
    """Funnel plot: each unit's rate (or O/E) against its denominator (or expected count).

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`netlab.variation.funnel` or :func:`netlab.variation.case_mix`
        (one measure, group and year).
    limits : pandas.DataFrame, optional
        Output of :func:`netlab.variation.funnel_limits`; computed when None.
    ax : matplotlib Axes, optional
    highlight : str or sequence of str, optional
        Unit(s) to emphasise (e.g. the school a report is about).
    label_units : bool
        Write unit ids beside points (only when peers may be named).
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    from netlab.variation import funnel_limits

    ax = axes(ax)
    if frame.empty:
        return ax
    if limits is None:
        limits = funnel_limits(frame)
    ratio = frame["kind"].iloc[0] == "ratio" if "kind" in frame else "oe" in frame
    outer = float(frame["outer"].iloc[0]) if "outer" in frame else 0.998
    xcol, ycol = ("expected", "oe") if ratio else ("denominator", "rate")
    for lvl, style in zip(sorted(limits["limit"].unique()), ("--", "-"), strict=False):
        lim = limits[limits["limit"] == lvl]
        label = f"{lvl:.1%} limits".replace(".0%", "%")
        for side, name in (("lower", label), ("upper", None)):
            sns.lineplot(data=lim, x="n", y=side, ax=ax, color=GREY, linestyle=style,
                         linewidth=1, label=name, estimator=None, sort=False)  # fmt: skip
    target = float(frame["target"].iloc[0])
    ax.axhline(target, color="black", linewidth=1, label="network" if not ratio else "expected")
    shown = drawable(frame)
    marks = set([highlight] if isinstance(highlight, str) else (highlight or []))
    is_hi = shown["unit_id"].isin(marks)
    rest = shown[~is_hi]
    outside = rest["flag"] != "within"
    sns.scatterplot(data=rest.loc[~outside], x=xcol, y=ycol, ax=ax, s=22, color=FOCAL,
                    alpha=0.75, edgecolor="white", linewidth=0.5, label="school", zorder=3)  # fmt: skip
    if outside.any():
        sns.scatterplot(data=rest.loc[outside], x=xcol, y=ycol, ax=ax, s=30, color=FOCAL,
                        marker="D", edgecolor="black", linewidth=0.6, zorder=3,
                        label=f"outside {outer:.1%}".replace(".0%", "%"))  # fmt: skip
    if is_hi.any():
        sns.scatterplot(data=shown[is_hi], x=xcol, y=ycol, ax=ax, s=70, color=HIGHLIGHT,
                        marker="*", edgecolor="black", linewidth=0.6, label="this school",
                        zorder=4)  # fmt: skip
    if label_units:
        for _, r in shown.iterrows():
            _label(ax, r[xcol], r[ycol], str(r["unit_id"]))
    ax.set_xlabel("expected count" if ratio else "students (denominator)")
    ax.set_ylabel("observed / expected" if ratio else "rate")
    if not ratio:
        percent_axis(ax)
    method = frame["method"].iloc[0]
    sub = f"φ = {frame['phi'].iloc[0]:.2f}, τ² = {frame['tau2'].iloc[0]:.4f} ({method})"
    ax.set_title(title or "Funnel plot", loc="left")
    # Inside the axes, so a long title never runs into it.
    ax.text(0.99, 0.02, sub, transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"})  # fmt: skip
    ax.legend(loc="upper right", ncols=2, fontsize=8)
    return ax


def caterpillar(
    shrunken: pd.DataFrame,
    ax: Any = None,
    *,
    highlight: str | Sequence[str] | None = None,
    label_units: bool = False,
    title: str | None = None,
) -> Any:
    """Shrunken estimates with intervals, sorted, against the network rate.

    Parameters
    ----------
    shrunken : pandas.DataFrame
        Output of :func:`netlab.variation.shrunken` (binary); the latest year is drawn.
    ax, highlight, label_units, title
        As for :func:`funnel`.

    Returns
    -------
    matplotlib Axes
    """
    ax = axes(ax)
    data = drawable(_latest(shrunken)).sort_values("estimate").reset_index(drop=True)
    if data.empty:
        return ax
    marks = set([highlight] if isinstance(highlight, str) else (highlight or []))
    pos = np.arange(len(data))
    hi = data["unit_id"].isin(marks).to_numpy()
    data = data.assign(pos=pos)
    for mask, colour, size in ((~hi, FOCAL, 4), (hi, HIGHLIGHT, 7)):
        if mask.any():
            d = data[mask]
            _interval(ax, d["pos"], d["estimate"], d["low"], d["high"], colour, vertical=True)
            sns.scatterplot(data=d, x="pos", y="estimate", ax=ax, color=colour, s=4 * size**2,
                            edgecolor=colour, zorder=3,
                            label="this school" if colour == HIGHLIGHT else "estimate")  # fmt: skip
    if "rate" in data:
        sns.scatterplot(data=data, x="pos", y="rate", ax=ax, marker="x", color=GREY, s=14,
                        linewidth=0.8, label="observed rate", zorder=2)  # fmt: skip
    ax.axhline(data["network_rate"].iloc[0], color="black", linewidth=1, label="network")
    ax.set_xticks(pos if label_units else [])
    if label_units:
        ax.set_xticklabels(data["unit_id"], rotation=90, fontsize=7)
    ax.set_xlabel("schools, sorted by estimate")
    ax.set_ylabel("rate (shrunken, 95% interval)")
    percent_axis(ax)
    ax.set_title(title or "Shrunken school estimates", loc="left")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def constellation(frame: pd.DataFrame, ax: Any = None, *, title: str | None = None) -> Any:
    """Network rate by year with the interquartile range of shrunken school estimates.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`netlab.variation.constellation` (one measure and group).

    Returns
    -------
    matplotlib Axes
    """
    ax = axes(ax)
    d = drawable(frame).sort_values("year")
    if d.empty:
        return ax
    ax.fill_between(
        d["year"],
        d["q25"],
        d["q75"],
        color=FOCAL,
        alpha=0.18,
        linewidth=0,
        label="middle half of schools",
    )
    sns.lineplot(data=d, x="year", y="network_rate", ax=ax, **series_style(0, focal=True),
                 label="network rate", estimator=None)  # fmt: skip
    sns.lineplot(data=d, x="year", y="median", ax=ax, color=GREY, linestyle="--", marker="s",
                 markerfacecolor="white", label="median school", estimator=None)  # fmt: skip
    first, last = d.iloc[0], d.iloc[-1]
    # Inside the axes, so a long title never runs into it.
    ax.text(
        0.99,
        0.03,
        f"between-school SD τ: {first['tau']:.1%} ({int(first['year'])}) → "
        f"{last['tau']:.1%} ({int(last['year'])})",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
    )
    ax.set_xticks(d["year"].astype(int).unique())
    ax.set_xlabel("year")
    ax.set_ylabel("rate")
    percent_axis(ax)
    ax.set_title(title or "Rising and converging?", loc="left")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def equity_gaps(
    frame: pd.DataFrame,
    ax: Any = None,
    *,
    highlight: str | Sequence[str] | None = None,
    year: int | None = None,
    label_units: bool = False,
    title: str | None = None,
) -> Any:
    """Equity gaps (focal minus reference, points) with intervals.

    With one unit in ``frame`` the gap is drawn over the years; with several, each unit's gap
    in ``year`` (latest when None), sorted.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`netlab.variation.equity_gaps`.

    Returns
    -------
    matplotlib Axes
    """
    ax = axes(ax)
    data = drawable(frame)
    if data.empty:
        return ax
    ax.axhline(0, color="black", linewidth=1)
    if data["unit_id"].nunique() == 1:
        d = data.sort_values("year")
        _interval(ax, d["year"], d["gap_pp"], d["low_pp"], d["high_pp"], FOCAL, vertical=True,
                  capsize=3)  # fmt: skip
        sns.lineplot(data=d, x="year", y="gap_pp", ax=ax, **series_style(0, focal=True),
                     estimator=None)  # fmt: skip
        ax.set_xticks(d["year"].astype(int).unique())
        ax.set_xlabel("year")
    else:
        y = data["year"].max() if year is None else year
        d = data[data["year"] == y].sort_values("gap_pp").reset_index(drop=True)
        marks = set([highlight] if isinstance(highlight, str) else (highlight or []))
        pos = np.arange(len(d))
        hi = d["unit_id"].isin(marks).to_numpy()
        d = d.assign(pos=pos)
        for mask, colour in ((~hi, FOCAL), (hi, HIGHLIGHT)):
            if mask.any():
                e = d[mask]
                _interval(ax, e["pos"], e["gap_pp"], e["low_pp"], e["high_pp"], colour,
                          vertical=True)  # fmt: skip
                size = 4 if colour == FOCAL else 7
                sns.scatterplot(data=e, x="pos", y="gap_pp", ax=ax, color=colour,
                                s=4 * size**2, edgecolor=colour, zorder=3)  # fmt: skip
        ax.set_xticks(pos if label_units else [])
        if label_units:
            ax.set_xticklabels(d["unit_id"], rotation=90, fontsize=7)
        ax.set_xlabel(f"schools, sorted by gap ({int(y)})")
    ax.set_ylabel("gap, percentage points")
    percent_axis(ax, points=True)
    ax.set_title(title or "Focal students vs the rest", loc="left")
    return ax


def _signal_points(ax: Any, d: pd.DataFrame, x: str, y: str) -> None:
    if "in_long_run" in d and d["in_long_run"].fillna(False).astype(bool).any():
        r = d[d["in_long_run"].fillna(False).astype(bool)]
        sns.scatterplot(data=r, x=x, y=y, ax=ax, s=46, facecolor="none", edgecolor=HIGHLIGHT,
                        linewidth=1.4, label="long run", zorder=4)  # fmt: skip
    if "outside_limits" in d and d["outside_limits"].fillna(False).astype(bool).any():
        r = d[d["outside_limits"].fillna(False).astype(bool)]
        sns.scatterplot(data=r, x=x, y=y, ax=ax, s=60, marker="D", color=HIGHLIGHT,
                        edgecolor="black", label="outside limits", zorder=5)  # fmt: skip


def _phase_lines(ax: Any, d: pd.DataFrame, x: str, cols: Sequence[str]) -> None:
    for _, part in d.groupby("phase"):
        sns.lineplot(data=part, x=x, y="centre", ax=ax, color="black", linewidth=1,
                     drawstyle="steps-mid" if "lcl" in cols else "default", estimator=None)  # fmt: skip
        for c in cols:
            sns.lineplot(data=part, x=x, y=c, ax=ax, color=GREY, linestyle="--", linewidth=1,
                         drawstyle="steps-mid", estimator=None)  # fmt: skip


def _signal_text(d: pd.DataFrame) -> str:
    if "run_signal" not in d:  # not tested (e.g. a season with nothing to compare with)
        return ""
    last = d[d["phase"] == d["phase"].max()]
    parts = []
    if last["run_signal"].any():
        parts.append("shift (long run)")
    if last["crossing_signal"].any():
        parts.append("too few crossings")
    if "outside_limits" in d and d["outside_limits"].any():
        parts.append("points outside limits")
    return "signals: " + ", ".join(parts) if parts else "no signal: random variation"


def run_chart(
    frame: pd.DataFrame,
    ax: Any = None,
    *,
    x: str = "x",
    y: str = "y",
    percent: bool = True,
    title: str | None = None,
    not_reported: Sequence[Any] = (),
    xlabel: str | None = None,
) -> Any:
    """Run chart: points, the median of each phase, and Anhøj signals marked.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`netlab.spc.run_chart` (or :func:`netlab.spc.i_chart`, whose limits
        are drawn too). A ``prior_rate`` column (the same weeks of last season, from
        :func:`netlab.spc.season_series`) is drawn as a grey comparison line.
    x, y : str
        Columns of the time axis and the value. A date column gives a date axis.
    not_reported : sequence
        Positions on the time axis that were not measurements (e.g. weeks whose counts were
        suppressed for nearly every school): shaded and labelled, never drawn as values.
    xlabel : str, optional
        Label of the time axis (default: the column's name; none for dates).

    Returns
    -------
    matplotlib Axes
    """
    ax = axes(ax)
    d = drawable(frame)
    if d.empty:
        return ax
    compared = "prior_rate" in d and d["prior_rate"].notna().any()
    sns.lineplot(data=d, x=x, y=y, ax=ax, **series_style(0, focal=True), markersize=4,
                 label="this season" if compared else "this period", estimator=None)  # fmt: skip
    if "prior_rate" in d and d["prior_rate"].notna().any():
        prior = d[d["prior_rate"].notna()]
        sns.lineplot(data=prior, x=x, y="prior_rate", ax=ax, **series_style(0), markersize=3,
                     label="last season, same weeks", estimator=None)  # fmt: skip
    _phase_lines(ax, d, x, [c for c in ("lcl", "ucl") if c in d])
    _signal_points(ax, d, x, y)
    dates = pd.api.types.is_datetime64_any_dtype(d[x])
    half = pd.Timedelta(days=3) if dates else 0.4
    for i, pos in enumerate(sorted(not_reported)):
        pos = pd.Timestamp(pos) if dates else pos
        ax.axvspan(pos - half, pos + half, color=LIGHT, alpha=0.6, hatch="//", linewidth=0,
                   label="not reported" if i == 0 else None)  # fmt: skip
    if ax.get_legend_handles_labels()[1]:
        ax.legend(loc="upper left", fontsize=8)
    if percent:
        percent_axis(ax)
    if dates:
        _date_axis(ax)
    elif pd.api.types.is_integer_dtype(d[x]):
        # Weeks and years are whole numbers: no 25.5th week on the axis.
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel if xlabel is not None else ("" if dates else x))
    ax.set_ylabel("")
    ax.set_title(title or "Run chart", loc="left")
    _corner(ax, _signal_text(d))
    return ax


def _corner(ax: Any, text: str) -> None:
    """A short note in the lower right corner, inside the axes (never over the title)."""
    ax.text(0.99, 0.03, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"})  # fmt: skip


def _date_axis(ax: Any) -> None:
    """Dates on the x axis, as people read a season: months, or days for a short one."""
    import matplotlib.dates as mdates

    low, high = ax.get_xlim()
    if high - low > 100:  # a season of months: "Oct", "Nov", ...
        ax.xaxis.set_major_locator(mdates.MonthLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b"))
    else:  # a few weeks: "8 Mar", "22 Mar", ...
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=7))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b"))


def p_chart(frame: pd.DataFrame, ax: Any = None, *, x: str = "x", title: str | None = None) -> Any:
    """p (or Laney p′) chart: proportions, centre, limits per subgroup, signals marked.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`netlab.spc.p_chart` or :func:`netlab.spc.laney_p_chart`.

    Returns
    -------
    matplotlib Axes
    """
    ax = axes(ax)
    d = drawable(frame)
    if d.empty:
        return ax
    sns.lineplot(data=d, x=x, y="p", ax=ax, **series_style(0, focal=True), markersize=4,
                 estimator=None)  # fmt: skip
    _phase_lines(ax, d, x, ["lcl", "ucl"])
    _signal_points(ax, d, x, "p")
    percent_axis(ax)
    ax.set_xlabel(x)
    ax.set_title(title or ("Laney p′ chart" if "sigma_z" in d else "p chart"), loc="left")
    _corner(ax, _signal_text(d))
    return ax


def pareto(
    frame: pd.DataFrame,
    ax: Any = None,
    *,
    category: str = "category",
    value: str = "value",
    title: str | None = None,
) -> Any:
    """Pareto chart: bars sorted by value and the cumulative share as a line.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`netlab.spc.pareto`.

    Returns
    -------
    matplotlib Axes
    """
    ax = axes(ax)
    d = drawable(frame)
    if d.empty:
        return ax
    pos = np.arange(len(d))
    d = d.assign(pos=pos)
    sns.barplot(data=d, x="pos", y=value, ax=ax, color=FOCAL, edgecolor="black", linewidth=0.5,
                native_scale=True)  # fmt: skip
    ax.set_xticks(pos)
    ax.set_xticklabels(d[category], rotation=30, ha="right", fontsize=8)
    ax.set_xlabel("")
    ax.set_ylabel(value)
    twin = ax.twinx()
    sns.lineplot(data=d, x="pos", y="cumulative_share", ax=twin, color=GREY, linestyle="--",
                 marker="s", markerfacecolor="white", estimator=None)  # fmt: skip
    twin.set_ylim(0, 1.05)
    twin.grid(False)
    percent_axis(twin)
    twin.set_ylabel("cumulative share")
    ax.set_title(title or "Pareto chart", loc="left")
    return ax


def trend_with_target(
    rates: pd.DataFrame,
    target: float | None = None,
    ax: Any = None,
    *,
    target_year: int | None = None,
    baseline_year: int | None = None,
    series: str | None = None,
    focal: str | None = None,
    title: str | None = None,
) -> Any:
    """Rates over years with the aim's target.

    Parameters
    ----------
    rates : pandas.DataFrame
        Columns year and rate (and ``series``, e.g. group or unit, for several lines).
    target : float, optional
        Target rate; drawn as a horizontal line (to ``target_year`` when given, as a star).
    target_year, baseline_year : int, optional
        Year the target is due and the baseline year (marked with a vertical line).
    series : str, optional
        Column splitting the lines; ``focal`` names the emphasised one.

    Returns
    -------
    matplotlib Axes
    """
    ax = axes(ax)
    data = drawable(rates).sort_values("year")
    groups = [(None, data)] if series is None else list(data.groupby(series, sort=False))
    others = 0
    for key, d in groups:
        emph = series is None or key == focal
        style = series_style(others, focal=emph)
        if not emph:
            others += 1
        sns.lineplot(data=d, x="year", y="rate", ax=ax, estimator=None,
                     label=str(key) if key is not None else None, **style)  # fmt: skip
    if target is not None:
        if target_year is not None:
            sns.scatterplot(x=[target_year], y=[target], ax=ax, marker="*", s=140,
                            color=HIGHLIGHT, edgecolor="black", zorder=5,
                            label=f"target {target:.0%}")  # fmt: skip
            ax.axhline(target, color=HIGHLIGHT, linestyle=":", linewidth=1)
        else:
            ax.axhline(
                target, color=HIGHLIGHT, linestyle=":", linewidth=1.4, label=f"target {target:.0%}"
            )
    if baseline_year is not None:
        ax.axvline(baseline_year, color=LIGHT, linestyle="-", linewidth=1)
    years = sorted(set(data["year"].astype(int)) | ({target_year} if target_year else set()))
    ax.set_xticks(years)
    ax.set_xlabel("year")
    ax.set_ylabel("rate")
    percent_axis(ax)
    ax.set_title(title or "Progress toward the aim", loc="left")
    if ax.get_legend_handles_labels()[1]:
        ax.legend(loc="best", fontsize=8)
    return ax


def season(frame: pd.DataFrame, ax: Any = None, *, title: str | None = None) -> Any:
    """FAFSA season: cumulative completion by week, this season against the prior one.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`netlab.spc.season_series` (weeks not reported are absent).

    Returns
    -------
    matplotlib Axes
    """
    ax = axes(ax)
    d = drawable(frame).sort_values("week")
    if d.empty:
        return ax
    season_ = int(d["season"].iloc[0])
    x = "as_of" if "as_of" in d and d["as_of"].notna().all() else "week"
    d = d.assign(as_of=pd.to_datetime(d["as_of"])) if x == "as_of" else d
    sns.lineplot(data=d, x=x, y="rate", ax=ax, **series_style(0, focal=True), markersize=3,
                 estimator=None, label=f"{season_}-{(season_ + 1) % 100:02d} FAFSA")  # fmt: skip
    if "prior_rate" in d and d["prior_rate"].notna().any():
        p = d[d["prior_rate"].notna()]
        sns.lineplot(data=p, x=x, y="prior_rate", ax=ax, **series_style(0), markersize=3,
                     estimator=None,
                     label=f"{season_ - 1}-{season_ % 100:02d} FAFSA (same weeks)")  # fmt: skip
    if x == "as_of":
        _date_axis(ax)
    ax.set_xlabel("" if x == "as_of" else "week of the season")
    ax.set_ylabel("completed, share of seniors")
    percent_axis(ax)
    ax.set_title(title or "FAFSA completion this season", loc="left")
    ax.legend(loc="upper left", fontsize=8)
    return ax
