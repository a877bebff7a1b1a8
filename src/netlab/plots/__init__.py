"""Drawing: every figure netlab shows, from tidy frames computed elsewhere.

One consistent style (colour-blind-safe palette, the focal group emphasised, readable in
greyscale); suppressed rows are never drawn. Functions take a frame and an optional
``ax`` and return the matplotlib Axes (or Figure for multi-panel plots).
"""

from netlab.plots._practices import *  # noqa: F403
from netlab.plots._style import *  # noqa: F403
from netlab.plots._traction import *  # noqa: F403
from netlab.plots._variation import *  # noqa: F403
