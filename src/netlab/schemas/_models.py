"""The pandera models, one per table of the processed stage, and the registry of tables.

:data:`TABLES` maps each table to its model, :data:`ROW_KEYS` says what one row stands
for, :func:`schema_for` adds the run's declared extra columns to a model's schema, and
:func:`column_kinds` reads the kinds measures and conditions speak of off the models.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

YEAR_MIN, YEAR_MAX = 1990, 2100
RACE_CATEGORIES = (
    "Black",
    "Latinx",
    "Indigenous",
    "Asian",
    "Pacific Islander",
    "White",
    "Multiracial",
    "Unknown",
)
GENDERS = ("F", "M", "X")
LEVELS = ("4-year", "2-year", "less-than-2-year")
CONTROLS = ("public", "private nonprofit", "private for-profit", "private")
DECISIONS = ("adopt", "adapt", "abandon")

#: The field of a share of students: missing allowed, else from 0 to 1 (mixed values:
#: typed Any so each unpacks into its own keyword of pa.Field).
_SHARE: dict[str, Any] = {"nullable": True, "ge": 0, "le": 1}


class _Model(pa.DataFrameModel):
    class Config:
        coerce = True
        strict = False


class Schools(_Model):
    """One row per school: its id, district, the year its team joined, and its context."""

    school_id: Series[str] = pa.Field(nullable=False, unique=True)
    school_name: Series[str] = pa.Field(nullable=True)
    district: Series[str] | None = pa.Field(nullable=True)
    # Where the school is: a run may choose its network by any of these (params `select:`).
    county: Series[str] | None = pa.Field(nullable=True)
    city: Series[str] | None = pa.Field(nullable=True)
    state: Series[str] | None = pa.Field(nullable=True)
    region: Series[str] | None = pa.Field(nullable=True)
    cohort: Series[pd.Int64Dtype] | None = pa.Field(nullable=True, ge=YEAR_MIN, le=YEAR_MAX)
    enrollment: Series[pd.Int64Dtype] | None = pa.Field(nullable=True, ge=0)
    seniors: Series[pd.Int64Dtype] | None = pa.Field(nullable=True, ge=0)
    share_low_income: Series[float] | None = pa.Field(**_SHARE)
    share_black: Series[float] | None = pa.Field(**_SHARE)
    share_latinx: Series[float] | None = pa.Field(**_SHARE)
    share_indigenous: Series[float] | None = pa.Field(**_SHARE)
    share_asian: Series[float] | None = pa.Field(**_SHARE)
    share_white: Series[float] | None = pa.Field(**_SHARE)
    share_focal: Series[float] | None = pa.Field(**_SHARE)


class Students(_Model):
    """One row per graduating senior per year (the student-record grain)."""

    student_key: Series[str] = pa.Field(nullable=False)
    school_id: Series[str] = pa.Field(nullable=False)
    grad_year: Series[int] = pa.Field(ge=YEAR_MIN, le=YEAR_MAX)
    race_ethnicity: Series[str] | None = pa.Field(isin=list(RACE_CATEGORIES))
    low_income: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    english_learner: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    first_gen: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    gender: Series[str] | None = pa.Field(nullable=True, isin=list(GENDERS))
    gpa: Series[float] | None = pa.Field(nullable=True, ge=0, le=5)
    fafsa_complete: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    fafsa_date: Series[pa.DateTime] | None = pa.Field(nullable=True)
    dream_act_complete: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    cal_grant: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    applied_4yr: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    admitted_4yr: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    intent_4yr: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    enrolled: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    enrolled_unitid: Series[str] | None = pa.Field(nullable=True)
    enrolled_level: Series[str] | None = pa.Field(nullable=True, isin=list(LEVELS))
    enrolled_control: Series[str] | None = pa.Field(nullable=True, isin=list(CONTROLS))
    enrolled_year1: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    persisted: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    completed_6yr: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    completed_certificate: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    admitted_grad_rate: Series[float] | None = pa.Field(nullable=True, ge=0, le=1)
    enrolled_grad_rate: Series[float] | None = pa.Field(nullable=True, ge=0, le=1)


class Counts(_Model):
    """School-level counts: one row per school x year x group x measure."""

    school_id: Series[str] = pa.Field(nullable=False)
    year: Series[int] = pa.Field(ge=YEAR_MIN, le=YEAR_MAX)
    group: Series[str] = pa.Field(nullable=False)
    measure: Series[str] = pa.Field(nullable=False)
    numerator: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)
    denominator: Series[int] = pa.Field(ge=0)
    numerator_suppressed: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)

    @pa.dataframe_check(error="numerator must not exceed denominator")
    @classmethod
    def numerator_within_denominator(cls, df: pd.DataFrame) -> Series[bool]:
        """The numerator counts students among the denominator's."""
        num = pd.to_numeric(df["numerator"], errors="coerce")
        den = pd.to_numeric(df["denominator"], errors="coerce")
        return ~(num > den).fillna(False).astype(bool)


class Institutions(_Model):
    """Colleges students enroll in, with their graduation rates."""

    unitid: Series[str] = pa.Field(nullable=False, unique=True)
    name: Series[str] = pa.Field(nullable=True)
    level: Series[str] = pa.Field(nullable=True, isin=list(LEVELS))
    grad_rate: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    state: Series[str] | None = pa.Field(nullable=True)
    control: Series[str] | None = pa.Field(nullable=True, isin=list(CONTROLS))
    opeid: Series[str] | None = pa.Field(nullable=True)
    grad_rate_pell: Series[float] | None = pa.Field(nullable=True, ge=0, le=1)
    grad_rate_year: Series[pd.Int64Dtype] | None = pa.Field(nullable=True)
    award_rate_6yr: Series[float] | None = pa.Field(nullable=True, ge=0, le=1)


class Practices(_Model):
    """Practice inventory: how far each practice is in place per school and year."""

    school_id: Series[str] = pa.Field(nullable=False)
    year: Series[int] = pa.Field(ge=YEAR_MIN, le=YEAR_MAX)
    practice: Series[str] = pa.Field(nullable=False)
    level: Series[int] = pa.Field(ge=0, le=3)


class FafsaWeekly(_Model):
    """Weekly FAFSA submissions and completions per school and season."""

    school_id: Series[str] = pa.Field(nullable=False)
    season: Series[int] = pa.Field(ge=YEAR_MIN, le=YEAR_MAX)
    as_of: Series[pa.DateTime] = pa.Field(nullable=False)
    week: Series[int] = pa.Field(ge=0)
    seniors: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)
    submitted: Series[pd.Int64Dtype] | None = pa.Field(nullable=True, ge=0)
    completed: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)
    submitted_suppressed: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    completed_suppressed: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)
    reported: Series[pd.BooleanDtype] | None = pa.Field(nullable=True)


class Traction(_Model):
    """Traction rubric scores (1 to 4) per team and year."""

    school_id: Series[str] = pa.Field(nullable=False)
    year: Series[int] = pa.Field(ge=YEAR_MIN, le=YEAR_MAX)
    spread: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, le=4)
    depth: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, le=4)
    ownership: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, le=4)
    sustainability: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, le=4)


class Pdsa(_Model):
    """Plan-do-study-act cycles run by each team."""

    school_id: Series[str] = pa.Field(nullable=False)
    cycle_id: Series[str] = pa.Field(nullable=False)
    driver: Series[str] | None = pa.Field(nullable=True)
    change_idea: Series[str] | None = pa.Field(nullable=True)
    start_date: Series[pa.DateTime] | None = pa.Field(nullable=True)
    end_date: Series[pa.DateTime] | None = pa.Field(nullable=True)
    prediction: Series[str] | None = pa.Field(nullable=True)
    result: Series[str] | None = pa.Field(nullable=True)
    decision: Series[str] | None = pa.Field(nullable=True, isin=list(DECISIONS))


class Survey(_Model):
    """Network survey responses (Likert items scored 1 to 5)."""

    respondent_id: Series[str] = pa.Field(nullable=False)
    school_id: Series[str] = pa.Field(nullable=False)
    term: Series[str] = pa.Field(nullable=True)
    date: Series[pa.DateTime] | None = pa.Field(nullable=True)
    role: Series[str] | None = pa.Field(nullable=True)
    connected: Series[pd.Int64Dtype] | None = pa.Field(nullable=True, ge=1, le=5)
    voice: Series[pd.Int64Dtype] | None = pa.Field(nullable=True, ge=1, le=5)
    implementing: Series[pd.Int64Dtype] | None = pa.Field(nullable=True, ge=1, le=5)


class Process(_Model):
    """Interim and process measures over time (weekly or monthly)."""

    school_id: Series[str] = pa.Field(nullable=False)
    date: Series[pa.DateTime] = pa.Field(nullable=False)
    measure: Series[str] = pa.Field(nullable=False)
    numerator: Series[float] | None = pa.Field(nullable=True, ge=0)
    denominator: Series[float] | None = pa.Field(nullable=True, ge=0)
    value: Series[float] | None = pa.Field(nullable=True)


TABLES: dict[str, type[_Model]] = {
    "schools": Schools,
    "students": Students,
    "counts": Counts,
    "institutions": Institutions,
    "practices": Practices,
    "fafsa_weekly": FafsaWeekly,
    "traction": Traction,
    "pdsa": Pdsa,
    "survey": Survey,
    "process": Process,
}
REQUIRED_TABLES = ("schools",)
# What one row stands for: cleaning keeps one row per key.
ROW_KEYS: dict[str, list[str]] = {
    "schools": ["school_id"],
    "students": ["student_key", "grad_year"],
    "counts": ["school_id", "year", "group", "measure"],
    "institutions": ["unitid"],
    "practices": ["school_id", "year", "practice"],
    "fafsa_weekly": ["school_id", "season", "as_of"],
    "traction": ["school_id", "year"],
    "pdsa": ["school_id", "cycle_id"],
    "survey": ["respondent_id", "term"],
    "process": ["school_id", "date", "measure"],
}
GRAIN_TABLES = ("students", "counts")

# Types a run may declare for extra columns (params.extra_columns), as pandera dtypes.
EXTRA_TYPES: dict[str, Any] = {
    "int": pd.Int64Dtype(),
    "float": float,
    "bool": pd.BooleanDtype(),
    "str": str,
    "date": "datetime64[ns]",
}


def schema_for(
    table: str, extra_columns: Mapping[str, Mapping[str, str]] | None = None
) -> pa.DataFrameSchema:
    """Return the pandera schema of ``table`` with the run's declared extra columns.

    Parameters
    ----------
    table : str
        A table name from :data:`TABLES`, or a table the run declares in ``extra_columns``.
    extra_columns : mapping, optional
        ``params.extra_columns``: ``{table: {column: type}}`` with types from
        :data:`EXTRA_TYPES`.

    Returns
    -------
    pandera.DataFrameSchema
        The table's schema (types coerced, extra columns allowed), the run's extra columns
        added as optional and nullable; a table netlab does not know gets a schema of its
        extra columns alone.
    """
    extra = dict((extra_columns or {}).get(table, {}))
    if table in TABLES:
        schema = TABLES[table].to_schema()
    elif extra:
        schema = pa.DataFrameSchema({}, coerce=True, strict=False, name=table)
    else:
        raise KeyError(f"Unknown table {table!r}; netlab knows {sorted(TABLES)}.")
    added = {
        col: pa.Column(EXTRA_TYPES[typ], nullable=True, required=False, coerce=True)
        for col, typ in extra.items()
        if col not in schema.columns
    }
    return schema.add_columns(added) if added else schema


def columns_of(table: str, extra_columns: Mapping[str, Mapping[str, str]] | None = None) -> dict:
    """Return ``{column: required}`` for ``table``, declared extra columns included.

    Parameters
    ----------
    table : str
        The contract table's name.
    extra_columns : Mapping[str, Mapping[str, str]] or None, optional
        The run's declared extra columns, ``{table: {column: kind}}``.

    Returns
    -------
    dict
        ``{column: required}`` for ``table``, declared extra columns included.
    """
    schema = schema_for(table, extra_columns)
    return {name: bool(col.required) for name, col in schema.columns.items()}


def _kind(dtype: Any) -> str:
    """A column's kind as conditions and measures speak of it: str, int, float, bool, date."""
    name = str(dtype).lower()
    if name.startswith("string") or name in ("str", "object"):
        return "str"
    if name.startswith(("int", "uint")):
        return "int"
    if name.startswith("float"):
        return "float"
    if name.startswith("bool"):
        return "bool"
    if name.startswith("datetime") or name == "date":
        return "date"
    return name


def column_kinds(table: str) -> dict[str, str]:
    """``{column: kind}`` of a table's processed columns, read off its pandera model.

    The one place column kinds are written down is the schema; measures and conditions
    read them from here.

    Parameters
    ----------
    table : str
        The contract table's name.

    Returns
    -------
    dict[str, str]
        Column name → ``str``, ``int``, ``float``, ``bool`` or ``date``, for every column
        the processed table may hold.

    Examples
    --------
    >>> column_kinds("practices")
    {'school_id': 'str', 'year': 'int', 'practice': 'str', 'level': 'int'}
    """
    return {name: _kind(col.dtype) for name, col in schema_for(table).columns.items()}


def known_tables(extra_columns: Mapping[str, Mapping[str, str]] | None = None) -> list[str]:
    """Return the tables netlab knows: the built-in ones and those declared by the run.

    Parameters
    ----------
    extra_columns : Mapping[str, Mapping[str, str]] or None, optional
        The run's declared extra columns, ``{table: {column: kind}}``.

    Returns
    -------
    list[str]
        The tables netlab knows: the built-in ones and those declared by the run.
    """
    return list(TABLES) + [t for t in (extra_columns or {}) if t not in TABLES]
