"""The fitted run charts as a report reads them: its own unit's rows, the charted points.

The run charts of every unit are fitted once per run (``runcharts__process_charts``,
``runcharts__fafsa_season``); a report keeps its unit's rows (the network's are those
without a unit) and draws what the fit computed on the points it may show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from netlab.report._context import Report

__all__ = ["charted", "pace_of", "unit_rows"]


def unit_rows(r: Report, key: str) -> pd.DataFrame | None:
    """The rows of a fitted run-chart model for the report's unit (None: not fitted)."""
    frame = r.model(key)
    if frame is None:
        return None
    if r.unit_id is None:
        return frame.loc[frame["unit_id"].isna()]
    return frame.loc[frame["unit_id"].astype(str) == str(r.unit_id)]


def charted(shown: pd.DataFrame) -> pd.DataFrame:
    """The shown points the run chart was computed on, with its columns."""
    return shown.loc[shown["phase"].notna()].reset_index(drop=True)


def pace_of(shown: pd.DataFrame) -> pd.DataFrame | None:
    """The weeks the season's pace was tested on, with the test (as ``spc.season_pace``)."""
    tested = shown.loc[shown["n_useful"].notna()]
    return tested if len(tested) else None
