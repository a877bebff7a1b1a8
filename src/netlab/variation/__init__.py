"""Learning from variation: funnels, shrunken unit estimates, bright spots and equity gaps.

The face of the package: import from here, not from its private modules.
"""

from netlab.variation._core import (
    adjustment_note,
    bright_spot_settings,
    bright_spots,
    case_mix,
    constellation,
    equity_gaps,
    equity_trend,
    funnel,
    funnel_limits,
    models_for_run,
    newcombe_diff,
    shrunken,
    spread_ranking,
)

__all__ = [
    "adjustment_note",
    "bright_spot_settings",
    "bright_spots",
    "case_mix",
    "constellation",
    "equity_gaps",
    "equity_trend",
    "funnel",
    "funnel_limits",
    "models_for_run",
    "newcombe_diff",
    "shrunken",
    "spread_ranking",
]
