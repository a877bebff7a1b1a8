"""Stages against outcomes: the focal measure's change for teams at each stage.

Teams are grouped by their stage of traction in one year; each team's change in the focal
rate between two years is averaged within its stage, with a t interval over the teams.
The figures describe teams; :data:`STAGE_OUTCOME_CAVEAT` goes beside every one of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from netlab import privacy
from netlab.checks import check_columns
from netlab.traction._stages import _STAGE_DTYPE, _TEAM, STAGES

__all__ = ["STAGE_OUTCOME_CAVEAT", "stage_outcomes"]

#: The caveat that goes beside every table or chart of stages against outcomes.
STAGE_OUTCOME_CAVEAT = (
    "These changes describe teams at each stage; they do not show that reaching a stage "
    "causes better outcomes. Teams choose how they work, rubric scores are judgements, and "
    "a school's rate moves from year to year with its seniors. Read the intervals: with few "
    "teams at a stage, they are wide."
)


def _t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    if n < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def stage_outcomes(
    stages: pd.DataFrame,
    rates: pd.DataFrame,
    *,
    measure: str,
    group: str = "focal",
    stage_year: int | None = None,
    baseline_year: int | None = None,
    end_year: int | None = None,
    min_cell: int = 10,
) -> pd.DataFrame:
    """The focal measure's change for teams at each stage, with 95% intervals.

    Each team's change is its rate in ``end_year`` minus its rate in ``baseline_year``, in
    percentage points; the teams are grouped by their stage in ``stage_year``. The interval
    is a t interval over the teams' changes (it reflects how much teams differ, not only
    sampling noise). Read it with :data:`STAGE_OUTCOME_CAVEAT` (also in ``.attrs``).

    Parameters
    ----------
    stages : DataFrame
        Output of :func:`stages`; ``school_id`` is matched to the rates' ``unit_id``.
    rates : DataFrame
        The long rates table (``unit_id``, ``year``, ``group``, ``measure``,
        ``numerator``, ``denominator``, ``rate``).
    measure : str
        The measure (usually ``params.focal_measure``).
    group : str, default "focal"
    stage_year : int, optional
        Year whose stage groups the teams; default the latest year in ``stages``.
    baseline_year, end_year : int, optional
        Default the earliest and latest years of the measure in ``rates``.
    min_cell : int, default 10
        A team enters only if both of its rates rest on at least this many students; a
        stage's row is ``suppressed`` when it holds a single team (its change would be that
        team's own figure).

    Returns
    -------
    DataFrame
        One row per stage: ``stage``, ``teams``, ``students_baseline``, ``students_end``,
        ``baseline_year``, ``end_year``, ``stage_year``, ``mean_change_pp``, ``ci_low_pp``,
        ``ci_high_pp``, ``suppressed``.
    """
    check_columns(rates, ["unit_id", "year", "group", "measure", "numerator", "denominator"])
    sub = rates.loc[(rates["measure"] == measure) & (rates["group"] == group)]
    columns = [
        "stage", "teams", "students_baseline", "students_end", "baseline_year", "end_year",
        "stage_year", "mean_change_pp", "ci_low_pp", "ci_high_pp", "suppressed",
    ]  # fmt: skip
    if sub.empty or stages.empty:
        out = pd.DataFrame(columns=columns)
        out.attrs["caveat"] = STAGE_OUTCOME_CAVEAT
        return out
    baseline_year = int(sub["year"].min()) if baseline_year is None else int(baseline_year)
    end_year = int(sub["year"].max()) if end_year is None else int(end_year)
    stage_year = int(stages["year"].max()) if stage_year is None else int(stage_year)

    def at(year: int) -> pd.DataFrame:
        one = sub.loc[sub["year"] == year, ["unit_id", "numerator", "denominator"]]
        one = one.groupby("unit_id", as_index=False)[["numerator", "denominator"]].sum()
        return one.loc[~privacy.too_small(one["denominator"], min_cell)]

    both = at(baseline_year).merge(at(end_year), on="unit_id", suffixes=("_0", "_1"))
    both["change_pp"] = 100 * (
        both["numerator_1"] / both["denominator_1"] - both["numerator_0"] / both["denominator_0"]
    )
    teams = stages.loc[(stages["year"] == stage_year) & stages["stage"].notna()]
    teams = teams[[_TEAM, "stage"]].rename(columns={_TEAM: "unit_id"})
    joined = teams.merge(both, on="unit_id", how="inner")
    rows = []
    for stage in STAGES:
        part = joined.loc[joined["stage"] == stage]
        mean, low, high = _t_interval(part["change_pp"].to_numpy(dtype=float))
        rows.append(
            {
                "stage": stage,
                "teams": len(part),
                "students_baseline": int(part["denominator_0"].sum()),
                "students_end": int(part["denominator_1"].sum()),
                "baseline_year": baseline_year,
                "end_year": end_year,
                "stage_year": stage_year,
                "mean_change_pp": mean,
                "ci_low_pp": low,
                "ci_high_pp": high,
                "suppressed": len(part) == 1,
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    out["stage"] = out["stage"].astype(_STAGE_DTYPE)
    out.attrs["caveat"] = STAGE_OUTCOME_CAVEAT
    return out
