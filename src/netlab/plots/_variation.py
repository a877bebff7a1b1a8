"""Figures for learning from variation: funnels, caterpillars, the constellation, equity gaps.

Each function draws one precomputed frame from :mod:`netlab.variation` on a single Axes and
returns it. Suppressed rows are never drawn.

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

from netlab.plots._style import (
    FOCAL,
    GREY,
    HIGHLIGHT,
    _interval,
    axes,
    drawable,
    legend_beside,
    percent_axis,
    series_style,
)

__all__ = [
    "caterpillar",
    "constellation",
    "equity_gaps",
    "funnel",
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
    ax.set_title(title or "Funnel plot", loc="left")  # the spread is said in words beside it
    legend_beside(ax)
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
    legend_beside(ax)
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
        f"middle half of schools: {100 * first['iqr']:.1f} points wide "
        f"({int(first['year'])}) → {100 * last['iqr']:.1f} ({int(last['year'])})",
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
    legend_beside(ax)
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
