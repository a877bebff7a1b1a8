"""Traction: is the improvement work taking hold across teams and cohorts?

The face of the package: import from here, not from its private modules.
"""

from netlab.traction._outcomes import (
    STAGE_OUTCOME_CAVEAT,
    stage_outcomes,
)
from netlab.traction._pdsa import (
    pdsa_activity,
)
from netlab.traction._run import (
    models_for_run,
)
from netlab.traction._stages import (
    DIMENSIONS,
    STAGES,
    reach_curve,
    stage_shares,
    stages,
    time_to_stage,
    transitions,
)
from netlab.traction._survey import (
    SURVEY_ITEMS,
    survey_change,
    survey_label,
    survey_trends,
)
from netlab.traction._terms import (
    term_key,
    term_of,
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
    "survey_label",
    "survey_trends",
    "term_key",
    "term_of",
    "time_to_stage",
    "transitions",
]
