"""Which practices track with gains: within-school, gains and student-level models.

The face of the package: import from here, not from its private modules.
"""

from netlab.practices._core import (
    HETEROGENEITY_COLUMNS,
    MEASURE_PHRASES,
    PRACTICE_LABELS,
    PRETREND_ALPHA,
    RESULT_COLUMNS,
    bh_qvalues,
    evidence_label,
    gains,
    heterogeneity,
    heterogeneity_sentences,
    models_for_run,
    naive_cross_section,
    other_students,
    panel,
    practice_label,
    pretrend,
    sentences,
    staggered_sentences,
    student_level,
    student_outcome,
    within_school,
)
from netlab.practices._staggered import (
    EXTRA_COLUMNS,
    PROFILE_COLUMNS,
    Imputation,
    imputation,
    twfe_weights,
)

__all__ = [
    "EXTRA_COLUMNS",
    "HETEROGENEITY_COLUMNS",
    "Imputation",
    "MEASURE_PHRASES",
    "PRACTICE_LABELS",
    "PRETREND_ALPHA",
    "PROFILE_COLUMNS",
    "RESULT_COLUMNS",
    "bh_qvalues",
    "evidence_label",
    "gains",
    "heterogeneity",
    "heterogeneity_sentences",
    "imputation",
    "models_for_run",
    "naive_cross_section",
    "other_students",
    "panel",
    "practice_label",
    "pretrend",
    "sentences",
    "staggered_sentences",
    "student_level",
    "student_outcome",
    "twfe_weights",
    "within_school",
]
