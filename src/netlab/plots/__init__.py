"""Drawing: every figure netlab shows, from tidy frames computed elsewhere.

One consistent style (colour-blind-safe palette, the focal group emphasised, readable in
greyscale); suppressed rows are never drawn. Functions take a frame and an optional
``ax`` and return the matplotlib Axes (or Figure for multi-panel plots).
"""

# ruff: noqa: F405
from netlab.plots._practices import *  # noqa: F403
from netlab.plots._progress import *  # noqa: F403
from netlab.plots._spc import *  # noqa: F403
from netlab.plots._style import *  # noqa: F403
from netlab.plots._traction import *  # noqa: F403
from netlab.plots._variation import *  # noqa: F403

__all__ = [
    "FOCAL",
    "GREY",
    "HIGHLIGHT",
    "LIGHT",
    "LINESTYLES",
    "MARKERS",
    "OKABE_ITO",
    "PALETTE",
    "STAGE_COLORS",
    "STAGE_HATCHES",
    "apply_style",
    "axes",
    "caterpillar",
    "constellation",
    "drawable",
    "equity_gaps",
    "event_profile",
    "forest",
    "funnel",
    "livecase_context",
    "p_chart",
    "pareto",
    "percent_axis",
    "run_chart",
    "season",
    "series_style",
    "stage_outcomes",
    "stage_shares",
    "survey_trends",
    "transitions",
    "trend_with_target",
]
