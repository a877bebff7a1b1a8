"""Statistical process control figures: run charts, p (and Laney p′) charts, Pareto charts.

Each function draws one precomputed frame from :mod:`netlab.spc` on a single Axes and
returns it, with the chart's signals marked and named. Suppressed rows are never drawn.
Points, lines and bars are drawn by seaborn; limits, bands and shading by matplotlib.
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
    axes,
    drawable,
    legend_beside,
    percent_axis,
    series_style,
)

__all__ = ["p_chart", "pareto", "run_chart"]


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
        parts.append("a long run on one side of the median")
    if last["crossing_signal"].any():
        parts.append("the line crosses its median too rarely")
    if "outside_limits" in d and d["outside_limits"].any():
        parts.append("points outside the limits")
    if not parts:
        return "only the ups and downs of chance"
    return "more than chance: " + "; ".join(parts)


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
    legend_beside(ax)
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
