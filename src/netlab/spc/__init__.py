"""Statistical process control: run charts (Anhøj rules), p, Laney p' and I charts, Pareto.

Every chart function takes a tidy frame with one row per point and returns it with the centre
line, limits and each signal named in its own column, so a plot only draws and a sentence
only reads. Baselines can be frozen after ``k`` points and phases restart the calculation at
change dates.

Run charts are in ``_runs``, the p, p' and I charts in ``_shewhart``, the FAFSA season
in ``_season``, Pareto in ``_pareto``.

References: Anhøj & Olesen (2014), Anhøj (2015) for the run-chart rules; Montgomery for
Shewhart charts; Laney (2002) for p'.
"""

from netlab.spc._pareto import pareto
from netlab.spc._runs import anhoj_limits, run_chart, yearly_run_chart
from netlab.spc._season import season_pace, season_series
from netlab.spc._shewhart import i_chart, laney_p_chart, p_chart

__all__ = [
    "anhoj_limits",
    "i_chart",
    "laney_p_chart",
    "p_chart",
    "pareto",
    "run_chart",
    "season_pace",
    "season_series",
    "yearly_run_chart",
]
