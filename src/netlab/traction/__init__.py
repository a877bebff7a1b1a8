"""Traction: is the improvement work taking hold across teams and cohorts?

The face of the package: import from here, not from its private modules.
"""

from netlab.traction._core import (
    DIMENSIONS,
    STAGE_OUTCOME_CAVEAT,
    STAGES,
    SURVEY_ITEMS,
    models_for_run,
    pdsa_activity,
    reach_curve,
    stage_outcomes,
    stage_shares,
    stages,
    survey_change,
    survey_trends,
    term_of,
    time_to_stage,
    transitions,
)

__all__ = [
    "DIMENSIONS",
    "STAGES",
    "STAGE_OUTCOME_CAVEAT",
    "SURVEY_ITEMS",
    "models_for_run",
    "pdsa_activity",
    "reach_curve",
    "stage_outcomes",
    "stage_shares",
    "stages",
    "survey_change",
    "survey_trends",
    "term_of",
    "time_to_stage",
    "transitions",
]
