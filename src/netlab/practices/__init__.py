"""Which practices track with gains: within-school, gains and student-level models.

The face of the package: import from here, not from its private modules.
"""

from netlab.practices._between import (
    gains,
    naive_cross_section,
)
from netlab.practices._hetero import (
    HETEROGENEITY_COLUMNS,
    heterogeneity,
    other_students,
)
from netlab.practices._logit import (
    student_level,
)
from netlab.practices._panel import (
    panel,
)
from netlab.practices._run import (
    measure_words,
    models_for_run,
    practice_sentences,
    student_outcome,
)
from netlab.practices._staggered import (
    EXTRA_COLUMNS,
    PROFILE_COLUMNS,
    Imputation,
    imputation,
    twfe_weights,
)
from netlab.practices._stats import (
    RESULT_COLUMNS,
    bh_qvalues,
    evidence_label,
)
from netlab.practices._within import (
    PRETREND_ALPHA,
    pretrend,
    within_school,
)
from netlab.words import (
    MEASURE_PHRASES,
    PRACTICE_LABELS,
    heterogeneity_sentences,
    practice_label,
    staggered_sentences,
)
from netlab.words import practice_sentences as sentences

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
    "measure_words",
    "models_for_run",
    "naive_cross_section",
    "other_students",
    "panel",
    "practice_label",
    "practice_sentences",
    "pretrend",
    "sentences",
    "staggered_sentences",
    "student_level",
    "student_outcome",
    "twfe_weights",
    "within_school",
]
