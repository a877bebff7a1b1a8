"""The header vocabulary: how exports spell the contract's columns.

Aliases map the spellings hubs use ("SSID", "School Code", "% FRPM") to the contract's
column names; :data:`IDENTIFIER_PATTERN` names the direct identifiers never read into a
processed table; :func:`canonical_name` is the spelling every header is compared in.
"""

from __future__ import annotations

import re
from typing import Any

# --- Header vocabulary: how exports spell the contract's columns --------------------------
# Spellings are compared after canonical_name(): lower case, every run of spaces or
# punctuation turned into one underscore. An alias only applies in tables that have its
# target column, so "cohort year" means grad_year in students and cohort in schools.
ALIASES: dict[str, tuple[str, ...]] = {
    "student_id": (
        "ssid",
        "student_number",
        "student_no",
        "student_num",
        "studentid",
        "stu_id",
        "sid",
        "local_student_id",
        "statewide_student_id",
        "state_student_id",
        "student_identifier",
        "id_number",
        "pupil_id",
    ),
    "school_id": (
        "school_code",
        "school",
        "cds",
        "cds_code",
        "cdscode",
        "school_number",
        "school_no",
        "sch_id",
        "schoolid",
        "school_cds",
        "ncessch",
        "nces_id",
        "site_id",
        "site_code",
        "school_cds_code",
        "high_school_code",
        "hs_code",
        "team",
        "team_id",
    ),
    "school_name": ("schoolname", "school_nm", "site_name", "high_school", "high_school_name"),
    "district": ("district_name", "lea", "lea_name", "district_nm", "school_district"),
    "grad_year": (
        "graduation_year",
        "cohort_year",
        "class_of",
        "grad_yr",
        "graduating_year",
        "class_year",
        "year_of_graduation",
        "hs_grad_year",
        "graduating_class",
    ),
    "race_ethnicity": (
        "ethnicity",
        "race",
        "raceethnicity",
        "race_eth",
        "ethnicity_race",
        "race_and_ethnicity",
        "reporting_race",
        "ethnic_group",
        "race_ethnic",
        "ethnicity_code",
    ),
    "low_income": (
        "frl",
        "frpl",
        "frlp",
        "frpm",
        "econ_disadv",
        "economically_disadvantaged",
        "lowincome",
        "low_income_status",
        "socioeconomically_disadvantaged",
        "sed",
        "free_reduced_lunch",
        "free_or_reduced_lunch",
        "free_reduced_price_meals",
        "econ_dis",
        "econdis",
        "low_ses",
    ),
    "english_learner": (
        "el",
        "ell",
        "english_language_learner",
        "lep",
        "limited_english_proficient",
        "el_status",
        "english_learner_status",
        "englishlearner",
    ),
    "first_gen": (
        "first_generation",
        "firstgen",
        "first_gen_college",
        "first_generation_college",
        "first_generation_college_student",
        "first_gen_status",
    ),
    "gender": ("sex", "gender_code", "sex_code"),
    "gpa": ("cumulative_gpa", "cum_gpa", "hs_gpa", "grade_point_average", "gpa_cumulative"),
    "fafsa_complete": (
        "fafsa",
        "fafsa_completed",
        "fafsa_completion",
        "completed_fafsa",
        "fafsa_done",
    ),
    "fafsa_date": (
        "fafsa_completion_date",
        "fafsa_completed_date",
        "date_fafsa",
        "fafsa_complete_date",
    ),
    "dream_act_complete": (
        "cadaa",
        "dream_act",
        "cadaa_complete",
        "cadaa_completed",
        "dream_act_completed",
        "ca_dream_act",
        "dream_act_completion",
    ),
    "cal_grant": ("calgrant", "cal_grant_award", "cal_grant_awarded", "cal_grant_offered"),
    "applied_4yr": (
        "applied_four_year",
        "applied_to_4yr",
        "applied_4_year",
        "applied_4year",
        "applied_4_yr",
    ),
    "admitted_4yr": (
        "admitted_four_year",
        "admitted_to_4yr",
        "admitted_4_year",
        "admitted_4year",
        "accepted_4yr",
        "admitted_4_yr",
    ),
    "intent_4yr": (
        "intended_4yr",
        "intends_4yr",
        "intent_four_year",
        "intent_4_year",
        "plans_4yr",
        "intent_4_yr",
        "intended_4_year",
    ),
    "enrolled": (
        "enrolled_fall",
        "fall_enrolled",
        "enrolled_any",
        "college_enrolled",
        "nsc_enrolled",
        "enrolled_college",
        "enrolled_in_college",
        "fall_enrollment",
    ),
    "enrolled_unitid": (
        "unitid",
        "ipeds",
        "ipeds_id",
        "ipeds_unitid",
        "college_unitid",
        "college_id",
        "institution_id",
        "enrolled_ipeds",
        "enrolled_college_id",
    ),
    "enrolled_level": (
        "college_level",
        "level_enrolled",
        "institution_level",
        "college_type",
        "enrolled_type",
        "level",
    ),
    "unitid": ("unit_id", "ipeds_id", "ipeds_unitid", "institution_id", "college_id", "ipeds"),
    "name": ("institution_name", "college_name", "inst_name", "instnm", "institution"),
    "grad_rate": (
        "graduation_rate",
        "gr_rate",
        "completion_rate",
        "grad_rate_150",
        "c150_4",
        "c150",
        "graduation_rate_150",
    ),
    "cohort": (
        "cohort_year",
        "year_joined",
        "join_year",
        "joined",
        "network_cohort",
        "cohort_joined",
    ),
    "enrollment": ("total_enrollment", "enroll", "enrollment_total", "school_enrollment"),
    "seniors": (
        "grade_12_enrollment",
        "grade12",
        "g12",
        "enrollment_12",
        "twelfth_grade",
        "senior_count",
        "gr_12",
        "grade_12",
    ),
    "year": ("school_year", "academic_year", "yr"),
    "group": ("student_group", "subgroup", "reporting_category", "category", "group_name"),
    "measure": ("indicator", "metric", "measure_name"),
    "numerator": ("num", "numer", "count"),
    "denominator": ("denom", "den", "total", "n_total"),
    "numerator_suppressed": ("suppressed", "suppressed_flag", "suppression"),
    "practice": ("practice_name", "strategy"),
    "season": ("fafsa_season",),
    "as_of": ("as_of_date", "snapshot_date", "report_date", "date"),
    "week": ("week_number", "week_no", "wk"),
    "submitted": ("submissions", "applications_submitted", "fafsa_submitted"),
    "completed": ("completions", "applications_completed", "fafsa_completed"),
    "cycle_id": ("cycle", "pdsa_id", "cycle_number", "pdsa_cycle", "cycle_no"),
    "change_idea": ("change", "idea", "change_idea_tested"),
    "driver": ("primary_driver", "secondary_driver"),
    "start_date": ("start", "began", "date_started", "started"),
    "end_date": ("end", "date_ended", "ended"),
    "decision": ("adopt_adapt_abandon", "act", "act_decision"),
    "respondent_id": ("respondent", "response_id", "responseid"),
    "role": ("position", "job_title"),
    "term": ("survey_term", "wave"),
    "date": ("response_date", "recorded_date", "recordeddate"),
    "value": ("score",),
}
for _group in ("low_income", "black", "latinx", "indigenous", "asian", "white", "focal"):
    ALIASES[f"share_{_group}"] = (
        f"pct_{_group}",
        f"percent_{_group}",
        f"{_group}_pct",
        f"{_group}_share",
        f"{_group}_percent",
        f"prop_{_group}",
    )
ALIASES["share_low_income"] += ("pct_frl", "pct_frpm", "frpm_pct", "pct_econ_disadv", "pct_sed")
ALIASES["share_latinx"] += ("pct_hispanic", "percent_hispanic", "pct_latino", "share_hispanic")

# Aliases that only make sense in one table.
TABLE_ALIASES: dict[str, dict[str, str]] = {
    "students": {"year": "grad_year", "cohort": "grad_year", "id": "student_id"},
    "counts": {"grad_year": "year", "class_of": "year", "n": "denominator"},
    "schools": {"name": "school_name", "id": "school_id"},
    "institutions": {"id": "unitid", "level_of_institution": "level", "iclevel_label": "level"},
    "fafsa_weekly": {"grad_year": "season", "class_of": "season"},
}

# Direct identifiers: never read into a processed table.
IDENTIFIER_PATTERN = re.compile(
    r"(^|_)(first|last|middle|given|family|full|legal|preferred|student|parent|guardian)"
    r"_?names?($|_)"
    r"|^(names?|fname|lname|surname|firstname|lastname|studentname|fullname)$"
    r"|birth|(^|_)dob($|_)|bdate"
    r"|address|street|(^|_)addr($|_)|(^|_)zip(_?code)?($|_)|postal"
    r"|phone|mobile|(^|_)cell($|_)"
    r"|e_?mail"
    r"|(^|_)ssn($|_)|social_security"
)


def canonical_name(name: Any) -> str:
    """Return a header in canonical spelling: lower case, punctuation runs as ``_``.

    Parameters
    ----------
    name : Any
        A header as the file spells it.

    Returns
    -------
    str
        A header in canonical spelling: lower case, punctuation runs as ``_``.

    Examples
    --------
    >>> canonical_name(" Student ID# ")
    'student_id'
    >>> canonical_name("% Low-Income")
    'pct_low_income'
    """
    text = str(name).replace("\ufeff", "").strip().lower().replace("%", " pct ")
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")
