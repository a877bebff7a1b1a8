"""One look for every netlab figure: colour-blind-safe, focal group first, greyscale-readable.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies). The
focal group is drawn in the strongest colour, with a solid line and filled markers; context
(the network, other groups, other schools) in greys, dashed or hollow, so a printed
greyscale copy still tells them apart by line style and marker, not by hue alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.rcsetup import cycler

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "legend_beside",
    "FOCAL",
    "GREY",
    "HIGHLIGHT",
    "LIGHT",
    "LINESTYLES",
    "MARKERS",
    "OKABE_ITO",
    "PALETTE",
    "apply_style",
    "axes",
    "drawable",
    "percent_axis",
    "series_style",
]

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
PALETTE = [OKABE_ITO[c] for c in ("blue", "vermillion", "green", "orange", "purple", "sky_blue")]
FOCAL = OKABE_ITO["blue"]
HIGHLIGHT = OKABE_ITO["vermillion"]
GREY = "#6E6E6E"
LIGHT = "#BDBDBD"
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1))]
MARKERS = ["o", "s", "^", "D", "v", "P"]

_RC: dict[RcKeyType, Any] = {
    "figure.figsize": (6.4, 3.8),
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.8,
    "axes.prop_cycle": cycler(color=PALETTE),
    "legend.frameon": False,
    "legend.fontsize": 9,
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
}


def apply_style() -> None:
    """Set matplotlib's defaults to the netlab look (idempotent, cheap)."""
    mpl.rcParams.update(_RC)


def legend_beside(ax: Any) -> None:
    """Put the legend outside the plotted area, to the right, so it covers no data."""
    if ax.get_legend_handles_labels()[1]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, borderaxespad=0)


def axes(ax: Any = None, *, size: tuple[float, float] | None = None) -> Any:
    """Return ``ax``, or a new single Axes in the netlab style."""
    if ax is not None:
        return ax
    with mpl.rc_context(_RC):
        _, new = plt.subplots(figsize=size or _RC["figure.figsize"])
    return new


def drawable(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows that may be drawn: those not marked ``suppressed``."""
    if "suppressed" in frame.columns:
        return frame[~frame["suppressed"].fillna(True).astype(bool)]
    return frame


def percent_axis(ax: Any, axis: str = "y", *, points: bool = False) -> None:
    """Format an axis as percentages (rates 0-1), or as points when ``points`` is True."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    fmt = (
        FuncFormatter(lambda v, _: f"{v:+.0f}" if round(v) else "0")
        if points
        else PercentFormatter(1.0, decimals=None)
    )
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def series_style(i: int, *, focal: bool = False) -> dict[str, Any]:
    """Line keywords for the i-th series; the focal series is blue, solid, filled."""
    if focal:
        return {"color": FOCAL, "linestyle": "-", "marker": "o", "linewidth": 2.4, "zorder": 3}
    return {
        "color": [GREY, OKABE_ITO["orange"], OKABE_ITO["green"], OKABE_ITO["purple"]][i % 4],
        "linestyle": LINESTYLES[(i + 1) % len(LINESTYLES)],
        "marker": MARKERS[(i + 1) % len(MARKERS)],
        "markerfacecolor": "white",
        "linewidth": 1.5,
        "zorder": 2,
    }


def _interval(
    ax: Any,
    pos: Any,
    mid: Any,
    low: Any,
    high: Any,
    colour: str,
    *,
    vertical: bool,
    capsize: float = 0,
) -> None:
    """Precomputed intervals as bars around their estimates (seaborn takes none precomputed)."""
    mid, low, high = (np.asarray(v, dtype=float) for v in (mid, low, high))
    err = np.nan_to_num(np.vstack([mid - low, high - mid]))
    kw = {"yerr": err} if vertical else {"xerr": err}
    ax.errorbar(pos if vertical else mid, mid if vertical else pos, fmt="none", ecolor=colour,
                elinewidth=1.2, capsize=capsize, zorder=2, **kw)  # fmt: skip
