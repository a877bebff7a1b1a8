"""Figures of progress over time: rates toward the aim's target, and the FAFSA season.

Each function draws one precomputed frame on a single Axes and returns it. Suppressed rows
are never drawn. Lines and points are drawn by seaborn; the target and baseline lines by
matplotlib.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import seaborn as sns

from netlab.plots._spc import _date_axis
from netlab.plots._style import (
    HIGHLIGHT,
    LIGHT,
    axes,
    drawable,
    legend_beside,
    percent_axis,
    series_style,
)

__all__ = ["season", "trend_with_target"]


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
    legend_beside(ax)
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
    legend_beside(ax)
    return ax
