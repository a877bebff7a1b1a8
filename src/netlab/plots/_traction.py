"""Traction and live-case figures: stage shares, transitions, stage outcomes, survey trends.

Each function draws a frame computed by :mod:`netlab.traction` or :mod:`netlab.livecase`
with seaborn and returns the matplotlib Axes (intervals computed by netlab are matplotlib
error bars). Stages use one sequential colour ramp (light to dark, so the order survives
greyscale printing) plus a hatch per stage.
"""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from netlab.plots._style import (
    GREY,
    LIGHT,
    LINESTYLES,
    MARKERS,
    PALETTE,
    _interval,
    axes,
    percent_axis,
)
from netlab.plots._style import drawable as _visible

__all__ = [
    "STAGE_COLORS",
    "STAGE_HATCHES",
    "livecase_context",
    "stage_outcomes",
    "stage_shares",
    "survey_trends",
    "transitions",
]

_STAGES = ("no traction", "initiation", "spread", "sustainability")
#: Stage colours: light grey to dark blue, ordered in lightness (readable in greyscale).
STAGE_COLORS = dict(zip(_STAGES, ("#e0e0e0", "#9ecae1", "#4292c6", "#08306b"), strict=True))
#: Stage hatches, so stages stay distinct without colour.
STAGE_HATCHES = dict(zip(_STAGES, ("", "//", "..", "xx"), strict=True))


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 3.6)) -> Axes:
    return axes(ax, size=size)


def stage_shares(shares: pd.DataFrame, *, ax: Axes | None = None, legend: bool = True) -> Axes:
    """Stacked bars of the share of teams in each stage, by cohort and year.

    Parameters
    ----------
    shares : DataFrame
        Output of :func:`netlab.traction.stage_shares` (``by=("cohort", "year")`` or
        ``("year",)``).
    ax : Axes, optional
    legend : bool, default True

    Returns
    -------
    matplotlib.axes.Axes
    """
    frame = _visible(shares)
    keys = [c for c in ("cohort", "year") if c in frame.columns]
    wide = frame.pivot_table(
        index=keys, columns="stage", values="share", aggfunc="sum", observed=False
    ).reindex(columns=list(_STAGES), fill_value=0.0)
    wide = wide.fillna(0.0)
    ax = _axes(ax, (max(5.0, 2.5 + 0.4 * len(wide)), 3.6))
    teams = frame.groupby(keys, observed=True)["total"].first().reindex(wide.index)
    # Years on the ticks; a gap and a label under each cohort's group of bars.
    groups: dict[Any, list[float]] = {}
    xs, labels, x, last = [], [], 0.0, None
    for key in wide.index:
        key = key if isinstance(key, tuple) else (key,)
        if last is not None and len(key) > 1 and key[0] != last:
            x += 0.6
        xs.append(x)
        labels.append(str(key[-1]))
        if len(key) > 1:
            groups.setdefault(key[0], []).append(x)
        last = key[0]
        x += 1.0
    bottom = np.zeros(len(wide))
    for stage in _STAGES:
        values = wide[stage].to_numpy(dtype=float)
        sns.barplot(x=xs, y=values, bottom=bottom.copy(), ax=ax, native_scale=True, width=0.8,
                    color=STAGE_COLORS[stage], hatch=STAGE_HATCHES[stage], edgecolor="#404040",
                    linewidth=0.5, saturation=1, label=stage)  # fmt: skip
        bottom += values
    # One "n=" per run of equal team counts, so the labels never crowd over narrow bars.
    counts = teams.to_numpy()
    for i, (xi, n) in enumerate(zip(xs, counts, strict=True)):
        new_group = i == 0 or xs[i] - xs[i - 1] > 1.0
        if pd.notna(n) and (new_group or counts[i - 1] != n):
            ax.annotate(f"n={int(n)}", (xi, 1.0), xytext=(0, 2), textcoords="offset points",
                        ha="left", va="bottom", fontsize=7)  # fmt: skip
    ax.set_xticks(xs, labels, fontsize=8, rotation=90 if len(xs) > 12 else 0)
    for cohort, where in groups.items():
        ax.annotate(f"joined {cohort}", (float(np.mean(where)), 0), xycoords=("data", "axes fraction"),
                    xytext=(0, -34), textcoords="offset points", ha="center", va="top",
                    fontsize=8, fontweight="bold")  # fmt: skip
    ax.set_ylim(0, 1.08)
    ax.set_axisbelow(True)
    percent_axis(ax)
    ax.set_ylabel("share of teams")
    ax.set_xlabel("" if groups else "year")
    ax.spines[["top", "right"]].set_visible(False)
    if legend:
        ax.legend(
            handles=[
                Patch(
                    facecolor=STAGE_COLORS[s], hatch=STAGE_HATCHES[s], edgecolor="#404040", label=s
                )
                for s in reversed(_STAGES)
            ],  # fmt: skip
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            fontsize=8,
        )
    return ax


def transitions(
    transitions: pd.DataFrame,
    *,
    from_year: int | None = None,
    ax: Axes | None = None,
    annotate: bool = True,
) -> Axes:
    """Heatmap of year-to-year transitions between stages (row shares, counts in cells).

    Parameters
    ----------
    transitions : DataFrame
        Output of :func:`netlab.traction.transitions`.
    from_year : int, optional
        Draw one pair of years; default all pairs added up.
    ax : Axes, optional
    annotate : bool, default True
        Write the count and the row share in each cell.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (4.8, 4.0))
    frame = _visible(transitions)
    if from_year is not None:
        frame = frame.loc[frame["from_year"] == from_year]
    counts = (
        frame.groupby(["from_stage", "to_stage"], observed=False)["teams"]
        .sum()
        .unstack()
        .reindex(index=list(_STAGES), columns=list(_STAGES), fill_value=0)
        .fillna(0)
    )
    totals = counts.sum(axis=1)
    shares = counts.div(totals.where(totals > 0), axis=0)
    text = np.array(
        [
            [f"{int(n)}\n{sh:.0%}" if pd.notna(sh) else "–" for n, sh in zip(cr, sr, strict=True)]
            for cr, sr in zip(counts.to_numpy(), shares.to_numpy(), strict=True)
        ]
    )
    sns.heatmap(shares.fillna(0), ax=ax, cmap="Greys", vmin=0, vmax=1.25, square=True,
                cbar=False, annot=text if annotate else False, fmt="",
                annot_kws={"fontsize": 8}, linewidths=0.5, linecolor="white",
                xticklabels=[s.replace(" ", "\n") for s in _STAGES],
                yticklabels=[f"{s} (n={int(t)})" for s, t in zip(_STAGES, totals, strict=True)])  # fmt: skip
    ax.tick_params(labelsize=8, length=0)
    ax.set_yticklabels(ax.get_yticklabels(), rotation=0)
    ax.set_xlabel("stage the next year")
    ax.set_ylabel("stage this year")
    ax.set_title(
        "above the diagonal: moved up; below: slipped", fontsize=8, loc="left", color="#404040"
    )
    return ax


def stage_outcomes(outcomes: pd.DataFrame, *, ax: Axes | None = None, label: str = "") -> Axes:
    """Mean change of the focal measure (pp) for teams at each stage, with 95% intervals.

    Parameters
    ----------
    outcomes : DataFrame
        Output of :func:`netlab.traction.stage_outcomes`; suppressed rows are not drawn.
    ax : Axes, optional
    label : str, optional
        The measure, for the axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (5.5, 3.0))
    frame = _visible(outcomes)
    frame = frame.loc[frame["teams"] > 0]
    y = [_STAGES.index(str(s)) for s in frame["stage"]]
    mean = frame["mean_change_pp"].to_numpy(dtype=float)
    low = frame["ci_low_pp"].to_numpy(dtype=float)
    high = frame["ci_high_pp"].to_numpy(dtype=float)
    color = PALETTE[0]
    _interval(ax, y, mean, low, high, color, vertical=False, capsize=3)
    sns.scatterplot(x=mean, y=y, ax=ax, color=color, s=36, edgecolor=color, zorder=3)
    ax.axvline(0, color="#808080", linewidth=0.8)
    ax.set_yticks(range(4), [f"{s}" for s in _STAGES], fontsize=8)
    for yi, n in zip(y, frame["teams"], strict=True):
        ax.annotate(f"{int(n)} teams", (1.0, yi), xycoords=("axes fraction", "data"),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=7)  # fmt: skip
    ax.set_ylim(-0.5, 3.5)
    ax.set_xlabel(f"change{' in ' + label if label else ''} (percentage points)")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def survey_trends(
    trends: pd.DataFrame,
    *,
    date: Any = None,
    ax: Axes | None = None,
    labels: dict[str, str] | None = None,
) -> Axes:
    """Means of the network-survey items per term, with 95% intervals and the date marked.

    Parameters
    ----------
    trends : DataFrame
        Output of :func:`netlab.traction.survey_trends`.
    date : date, optional
        The date that splits before and after (drawn as a vertical line).
    ax : Axes, optional
    labels : dict, optional
        Item -> label (default: "feel connected", "have a voice", "implement others' ideas").

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    labels = labels or {
        "connected": "feel connected to other teams",
        "voice": "have a voice in the network",
        "implementing": "implement ideas from other teams",
    }
    frame = _visible(trends).sort_values("first_date")
    for k, (item, part) in enumerate(frame.groupby("item", sort=False)):
        part = part.assign(first_date=pd.to_datetime(part["first_date"]))
        color = PALETTE[k % len(PALETTE)]
        _interval(ax, part["first_date"], part["mean"], part["ci_low"], part["ci_high"], color,
                  vertical=True, capsize=2)  # fmt: skip
        sns.lineplot(data=part, x="first_date", y="mean", ax=ax, estimator=None, color=color,
                     marker=MARKERS[k % len(MARKERS)], linestyle=LINESTYLES[k % len(LINESTYLES)],
                     linewidth=1.2, label=labels.get(item, item))  # fmt: skip
    if date is not None:
        ax.axvline(pd.Timestamp(date), color="#404040", linestyle="--", linewidth=0.9)
        ax.annotate("start", (pd.Timestamp(date), 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -10), textcoords="offset points", fontsize=7)  # fmt: skip
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylim(1, 5)
    ax.set_xlabel("")
    ax.set_ylabel("mean response (1 to 5)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return ax


def livecase_context(
    pairs: pd.DataFrame,
    units: pd.DataFrame,
    *,
    x: str = "share_low_income",
    y: str = "share_focal",
    ax: Axes | None = None,
    name_units: bool = True,
) -> Axes:
    """Where the suggested hosts and visitors sit in context, with a line per pair.

    Parameters
    ----------
    pairs : DataFrame
        Output of :func:`netlab.livecase.match`.
    units : DataFrame
        The units frame (``unit_id`` and the two context columns).
    x, y : str
        Context columns for the axes (shares, drawn as percentages).
    ax : Axes, optional
    name_units : bool, default True
        Label hosts with their names; else with letters.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (5.0, 4.2))
    pal = PALETTE
    ctx = units.assign(unit_id=units["unit_id"].astype(str)).set_index("unit_id")
    sns.scatterplot(x=100 * ctx[x], y=100 * ctx[y], ax=ax, s=14, color=LIGHT, zorder=1,
                    label="other units")  # fmt: skip
    hosts = list(dict.fromkeys(pairs["host"]))
    for k, host in enumerate(hosts):
        sub = pairs.loc[pairs["host"] == host]
        color = pal[k % len(pal)]
        hx, hy = 100 * ctx.loc[host, x], 100 * ctx.loc[host, y]
        for v in sub["visitor"]:
            sns.lineplot(x=[hx, 100 * ctx.loc[v, x]], y=[hy, 100 * ctx.loc[v, y]], ax=ax,
                         color=color, linewidth=0.8, zorder=2, estimator=None, sort=False)  # fmt: skip
        sns.scatterplot(x=100 * ctx.loc[sub["visitor"], x], y=100 * ctx.loc[sub["visitor"], y],
                        ax=ax, s=24, facecolor="white", edgecolor=color, zorder=3)  # fmt: skip
        sns.scatterplot(x=[hx], y=[hy], ax=ax, s=60, marker="*", color=color, zorder=4)
        tag = str(sub["host_name"].iloc[0]) if name_units else chr(65 + k % 26)
        ax.annotate(tag, (hx, hy), xytext=(4, 4), textcoords="offset points", fontsize=7)
    ax.set_xlabel(f"{x.replace('share_', '% ').replace('_', '-')}")
    ax.set_ylabel(f"{y.replace('share_', '% ').replace('_', '-')}")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(
        handles=[
            plt.Line2D([], [], marker="*", linestyle="", color=GREY, label="host"),
            plt.Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor="white",
                color="#404040",
                label="suggested visitor",
            ),
            plt.Line2D([], [], marker="o", linestyle="", color=LIGHT, label="other"),
        ],  # fmt: skip
        frameon=False,
        fontsize=8,
    )
    return ax
