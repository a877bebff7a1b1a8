"""Learning from variation: funnels, shrunken unit estimates, bright spots and equity gaps.

The face of the package: import from here, not from its private modules.
"""

from netlab.variation._bright_spots import (
    BRIGHT_SPOT_YEARS,
    bright_spot_settings,
    bright_spots,
    models_for_run,
)
from netlab.variation._casemix import (
    case_mix,
)
from netlab.variation._equity import (
    equity_gaps,
    equity_trend,
)
from netlab.variation._funnel import (
    funnel,
    funnel_limits,
)
from netlab.variation._shrinkage import (
    shrunken,
)
from netlab.variation._spread import (
    constellation,
    spread_ranking,
)

__all__ = [
    "BRIGHT_SPOT_YEARS",
    "bright_spot_settings",
    "bright_spots",
    "case_mix",
    "constellation",
    "equity_gaps",
    "equity_trend",
    "funnel",
    "funnel_limits",
    "models_for_run",
    "shrunken",
    "spread_ranking",
]
