"""The traction models of a run: everything the traction report shows, computed once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from netlab.traction._outcomes import stage_outcomes
from netlab.traction._pdsa import pdsa_activity
from netlab.traction._stages import reach_curve, stage_shares, stages, time_to_stage, transitions
from netlab.traction._survey import survey_change, survey_trends

if TYPE_CHECKING:
    from netlab.pipeline import Prepared

__all__ = ["models_for_run"]


def models_for_run(prepared: Prepared) -> dict[str, pd.DataFrame]:
    """Everything the traction report shows, computed once per run.

    Parameters
    ----------
    prepared : netlab.pipeline.Prepared

    Returns
    -------
    dict of str to DataFrame
        Empty when the run has no traction table; else ``stages``, ``shares``,
        ``shares_network`` (by year only), ``transitions``, ``time_to_stage``,
        ``reach_curve``, ``stage_outcomes``, and, when their tables are present,
        ``pdsa_activity``, ``survey_trends`` and ``survey_change``.
    """
    tables = prepared.tables
    traction = tables.get("traction")
    if traction is None or traction.empty:
        return {}
    params = prepared.params
    cohorts = tables.get("schools")
    if cohorts is None or "cohort" not in cohorts.columns:
        cohorts = prepared.units
    st = stages(traction, threshold=params.traction.threshold)
    out = {
        "stages": st,
        "shares": stage_shares(st, cohorts),
        "shares_network": stage_shares(st, cohorts, by=("year",)),
        "transitions": transitions(st),
        "time_to_stage": time_to_stage(st, cohorts),
    }
    out["reach_curve"] = reach_curve(out["time_to_stage"])
    rates = prepared.rates
    if params.unit != "school":
        # Teams are schools; when the run's unit is the district, relate each team's stage
        # to its own school's results.
        from netlab import measures

        rates = measures.compute_rates(tables, params.model_copy(update={"unit": "school"}))
    outcomes = stage_outcomes(st, rates, measure=params.focal_measure, min_cell=params.min_cell)
    outcomes.attrs = {}  # the caveat is STAGE_OUTCOME_CAVEAT; parquet need not carry it
    out["stage_outcomes"] = outcomes
    pdsa = tables.get("pdsa")
    if pdsa is not None and not pdsa.empty:
        out["pdsa_activity"] = pdsa_activity(pdsa)
    survey = tables.get("survey")
    if survey is not None and not survey.empty:
        out["survey_trends"] = survey_trends(survey, date=params.traction.spotlight_date)
        out["survey_change"] = survey_change(survey, date=params.traction.spotlight_date)
    return out
