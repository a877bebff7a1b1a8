"""Constants and small helpers shared by :mod:`netlab.synth` and its private modules.

The public names (``RACES``, ``GROUPS``, ``MEASURES``, ...) are re-exported by
:mod:`netlab.synth`; use them from there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from netlab.schemas import RACE_CATEGORIES

RACES = RACE_CATEGORIES  # the contract's documented set, in the same order
_FOCAL_RACE = np.array([True, True, True, False, False, False, False, False])
GROUPS = (
    "all",
    "black",
    "latinx",
    "indigenous",
    "asian",
    "pacific_islander",
    "white",
    "multiracial",
    "low_income",
    "first_gen",
    "english_learner",
    "focal",
)
MEASURES = (
    "fafsa_complete",
    "cal_grant",
    "applied_4yr",
    "enrolled_any",
    "enrolled_4yr",
    "enrolled_likely_grad",
    "summer_melt",
)
PRACTICES = (
    "fafsa_class_time",
    "one_on_one_advising",
    "senior_application_day",
    "summer_outreach",
    "college_visits",
    "parent_workshops",
)
CONSTANT_PRACTICE = "college_career_center"
#: Planted effects on enrolled_likely_grad, in probability points (0.05 = 5 points).
DEFAULT_PRACTICE_EFFECTS = {
    "fafsa_class_time": 0.05,
    "one_on_one_advising": 0.06,
    "senior_application_day": 0.0,
    "summer_outreach": 0.05,
    "college_visits": 0.0,
    "parent_workshops": -0.04,
}
#: Planted effects on FAFSA / Dream Act completion, in probability points.
DEFAULT_FAFSA_EFFECTS = {"fafsa_class_time": 0.08}
GRAD_RATE_THRESHOLD = 0.6
TEAM_MEASURES = ("ninth_on_track", "ag_complete", "fafsa_complete", "enrolled_likely_grad")

# (unitid, name, level, grad_rate): fictional campuses with realistic graduation rates.
_INSTITUTIONS = (
    ("900101", "University of California, Palomar", "4-year", 0.92),
    ("900102", "University of California, Santa Rosalia", "4-year", 0.88),
    ("900103", "University of California, Laguna Verde", "4-year", 0.86),
    ("900104", "University of California, Mesa Alta", "4-year", 0.84),
    ("900105", "University of California, Bahia", "4-year", 0.83),
    ("900106", "University of California, Coastal", "4-year", 0.81),
    ("900107", "University of California, Inland Valley", "4-year", 0.76),
    ("900108", "University of California, Cajon", "4-year", 0.72),
    ("900109", "University of California, Sequoia", "4-year", 0.70),
    ("900201", "California State University, Harbor", "4-year", 0.73),
    ("900202", "California State University, Mission Hills", "4-year", 0.68),
    ("900203", "California State University, Channel", "4-year", 0.66),
    ("900204", "California State University, Citrus", "4-year", 0.64),
    ("900205", "California State University, Foothill", "4-year", 0.62),
    ("900206", "California State University, Arroyo", "4-year", 0.57),
    ("900207", "California State University, Desert Sands", "4-year", 0.55),
    ("900208", "California State University, Sunset Bay", "4-year", 0.52),
    ("900209", "California State University, Imperial", "4-year", 0.50),
    ("900210", "California State University, Ridgecrest", "4-year", 0.48),
    ("900211", "California State University, Salton", "4-year", 0.45),
    ("900212", "California State University, Dominguez Vista", "4-year", 0.44),
    ("900301", "Pacific Crest University", "4-year", 0.90),
    ("900302", "Loyola Vista University", "4-year", 0.84),
    ("900303", "Mission Bay College", "4-year", 0.78),
    ("900304", "Sierra Pacific University", "4-year", 0.63),
    ("900305", "Golden Coast Christian University", "4-year", 0.58),
    ("900306", "Westline Institute of Technology", "4-year", 0.25),
    ("900307", "Coastal Career University", "4-year", 0.30),
    ("900401", "Cascade State University", "4-year", 0.71),
    ("900402", "Mesa State University", "4-year", 0.66),
    ("900403", "Great Basin State University", "4-year", 0.54),
    ("900404", "Rio Grande State University", "4-year", 0.49),
    ("900501", "Arroyo Seco Community College", "2-year", 0.32),
    ("900502", "Palomar Valley College", "2-year", 0.28),
    ("900503", "Harbor City College", "2-year", 0.24),
    ("900504", "Inland Valley College", "2-year", 0.30),
    ("900505", "Citrus Grove College", "2-year", 0.35),
    ("900506", "Mission Canyon College", "2-year", 0.33),
    ("900507", "Desert Palms College", "2-year", 0.22),
    ("900508", "Channel Islands Community College", "2-year", 0.27),
    ("900509", "Sierra Foothill College", "2-year", 0.31),
    ("900510", "Coast Line Community College", "2-year", 0.26),
    ("900511", "Rio Vista College", "2-year", 0.29),
)


def _take(values: Any, index: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """String column of ``values[index]``, built from the few distinct values (fast)."""
    return pd.array(np.asarray(values, dtype=object), dtype="str").take(np.asarray(index))
