"""Forest plot of the practices results table (estimates in percentage points).

The estimates are seaborn points; their intervals, computed by the practices models, are
matplotlib lines (seaborn takes no precomputed intervals).
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from netlab.plots._style import _RC, FOCAL, GREY, MARKERS, OKABE_ITO, axes, drawable

__all__ = ["event_profile", "forest"]

#: Model names as the legend says them.
MODEL_NAMES = {
    "within": "within schools",
    "imputation": "staggered adoption",
    "student_level": "student level",
    "gains": "gains",
}

# Evidence label -> (marker face colour, alpha): stronger evidence, fuller marker.
_EVIDENCE = {
    "strong": (FOCAL, 1.0),
    "suggestive": (OKABE_ITO["sky_blue"], 1.0),
    "no clear pattern": ("white", 1.0),
    "too few switchers to say": ("white", 0.5),
}
_MODEL_COLOURS = [FOCAL, OKABE_ITO["orange"], OKABE_ITO["green"], OKABE_ITO["purple"]]


def _draw_model(
    ax: Any,
    rows: pd.DataFrame,
    *,
    label: str,
    ypos: dict,
    j: int,
    models: list,
) -> None:
    """One model's estimable rows: an interval line and a marker filled by the evidence."""
    model = models[j]
    step = 0.22 if len(models) > 1 else 0.0
    offset = (j - (len(models) - 1) / 2) * step
    colour = _MODEL_COLOURS[j % len(_MODEL_COLOURS)] if len(models) > 1 else FOCAL
    first = True
    for _, r in rows.iterrows():
        y = ypos[r[label]] + offset
        face, alpha = _EVIDENCE.get(str(r.get("evidence")), ("white", 1.0))
        if len(models) > 1:
            face = colour if face not in ("white",) else "white"
        ax.plot(
            [r["ci_low_pp"], r["ci_high_pp"]],
            [y, y],
            color=colour,
            linewidth=1.6,
            alpha=alpha,
            solid_capstyle="butt",
        )
        sns.scatterplot(x=[r["estimate_pp"]], y=[y], ax=ax, marker=MARKERS[j % len(MARKERS)],
                        s=49, edgecolor=colour, facecolor=face, linewidth=1.4, alpha=alpha,
                        zorder=3,
                        label=MODEL_NAMES.get(str(model), str(model)) if (model is not None and first) else None)  # fmt: skip
        first = False


def _not_estimable(ax: Any, rows: pd.DataFrame, *, label: str, ypos: dict) -> None:
    """Rows that are not estimable, listed as text at the left edge with their reason."""
    left = ax.get_xlim()[0]
    for _, r in rows.iterrows():
        why = r.get("reason")
        text = "not estimable" + (f": {why}" if isinstance(why, str) and why else "")
        ax.text(
            left,
            ypos[r[label]],
            "  " + text,
            ha="left",
            va="center",
            fontsize=8,
            color=GREY,
            style="italic",
        )


def forest(
    table: pd.DataFrame,
    ax: Any = None,
    *,
    label: str = "practice",
    title: str | None = None,
) -> Any:
    """Forest plot: each practice's estimate (points) with its 95% interval.

    Rows that are not estimable are listed as text at zero, not drawn as points; rows marked
    ``suppressed`` are left out. With a ``model`` column holding several models, each model
    gets its own marker and colour, offset within the practice's row.

    Parameters
    ----------
    table : pandas.DataFrame
        Practices results: practice, estimate_pp, ci_low_pp, ci_high_pp, evidence,
        estimable (optional: model, reason).
    ax : matplotlib Axes, optional
    label : str
        Column with the row labels.
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    data = drawable(table).reset_index(drop=True)
    n_rows = data[label].nunique() if len(data) else 0
    ax = axes(ax, size=(6.4, max(2.2, 0.42 * n_rows + 1.0)))
    if data.empty:
        return ax
    order = list(dict.fromkeys(data[label]))
    ypos = {p: len(order) - 1 - i for i, p in enumerate(order)}
    models = list(dict.fromkeys(data["model"])) if "model" in data else [None]
    est = data["estimable"].fillna(False).astype(bool) & data["estimate_pp"].notna()
    for j, model in enumerate(models):
        rows = data if model is None else data[data["model"] == model]
        _draw_model(ax, rows[est.loc[rows.index]], label=label, ypos=ypos, j=j, models=models)
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(list(ypos.values()))
    ax.set_yticklabels(list(ypos.keys()), fontsize=9)
    ax.set_ylim(-0.7, len(order) - 0.3)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#E5E5E5")
    ax.set_xlabel("change in the rate that tracks with the practice (percentage points)")
    if len(models) > 1:
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=len(models), fontsize=8,
                  frameon=False, borderaxespad=0)  # fmt: skip
    lo = data.loc[est, "ci_low_pp"].min() if est.any() else -1.0
    hi = data.loc[est, "ci_high_pp"].max() if est.any() else 1.0
    pad = 0.08 * max(hi - lo, 2.0)
    ax.set_xlim(min(lo, -1.0) - pad, max(hi, 1.0) + pad)
    _not_estimable(ax, data[~est], label=label, ypos=ypos)
    ax.set_title(title or "Practices that track with gains", loc="left",
                 pad=20 if len(models) > 1 else 6)  # fmt: skip
    return ax


def event_profile(
    profile: pd.DataFrame,
    *,
    label: str = "practice",
    ncols: int = 3,
    title: str | None = None,
) -> Any:
    """Small multiples: each practice's estimate by years since adoption, with intervals.

    Years before adoption (``part == "before"``: the pre-trend leads, which should sit at
    zero) are grey; years from adoption on are in the focal colour. A dashed line marks
    adoption.

    Parameters
    ----------
    profile : pandas.DataFrame
        From :func:`netlab.practices._staggered.imputation` (``.profile``): practice, event_time,
        estimate_pp, ci_low_pp, ci_high_pp, part.
    label : str
        Column naming each panel.
    ncols : int
        Panels per row.
    title : str, optional

    Returns
    -------
    matplotlib Figure
    """
    data = drawable(profile)
    names = list(dict.fromkeys(data[label])) if len(data) else []
    n = max(len(names), 1)
    cols = min(ncols, n)
    rows = math.ceil(n / cols)
    with mpl.rc_context(_RC):
        fig, grid = plt.subplots(
            rows, cols, figsize=(3.0 * cols + 0.6, 2.3 * rows + 0.8), sharey=True, squeeze=False
        )
    lo = data["ci_low_pp"].min() if len(data) else -1.0
    hi = data["ci_high_pp"].max() if len(data) else 1.0
    for k, ax in enumerate(grid.flat):
        if k >= len(names):
            ax.set_visible(False)
            continue
        part = data.loc[data[label] == names[k]]
        for which, colour in (("before", GREY), ("after", FOCAL)):
            sub = part.loc[part["part"] == which]
            ax.vlines(sub["event_time"], sub["ci_low_pp"], sub["ci_high_pp"], color=colour)
            ax.plot(sub["event_time"], sub["estimate_pp"], "o", color=colour, markersize=5)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.axvline(-0.5, color=GREY, linewidth=0.8, linestyle="--")
        ax.set_title(textwrap.fill(str(names[k]), 34), fontsize=9, loc="left")
        ax.set_ylim(min(lo, -1.0) - 1.0, max(hi, 1.0) + 1.0)
        ax.grid(axis="x", visible=False)
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.tick_params(labelsize=8)
    for ax in grid[:, 0]:
        ax.set_ylabel("points", fontsize=9)
    fig.supxlabel("years since adoption (0 = first year with it; grey = years before)", fontsize=9)
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return fig
