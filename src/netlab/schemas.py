"""The data contract: one pandera model per table, for the processed (clean) stage.

Each model lists a table's columns, their types and the rules their values follow.
Models coerce types and are validated lazily, so every failure comes back at once.
Code names columns through the models (``Students.grad_year`` is ``"grad_year"``).

``schools`` plus one of ``students`` or ``counts`` is required; the other tables are
optional and each switches on its report sections. Columns typed ``Optional`` may be
absent; a column with ``nullable=True`` may hold missing values.

Row numbers in problem tables count data rows as in the file: 1 is the first row under
the header.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors
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

PROBLEM_COLUMNS = [
    *("file", "table", "column", "rows", "values", "rule", "what_to_do", "severity"),
    "n_rows",  # how many rows the problem touches (``rows`` lists at most MAX_ROWS_LISTED)
]
# Problem tables keep at most this many row numbers per problem; the exclusions log keeps all.
MAX_ROWS_LISTED = 1000
_SHARE = {"nullable": True, "ge": 0, "le": 1}


class _Model(pa.DataFrameModel):
    class Config:
        coerce = True
        strict = False


class Schools(_Model):
    """One row per school: its id, district, the year its team joined, and its context."""

    school_id: Series[str] = pa.Field(nullable=False, unique=True)
    school_name: Series[str] = pa.Field(nullable=True)
    district: Series[str] | None = pa.Field(nullable=True)
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
    """Return ``{column: required}`` for ``table``, declared extra columns included."""
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

    Examples
    --------
    >>> column_kinds("practices")
    {'school_id': 'str', 'year': 'int', 'practice': 'str', 'level': 'int'}
    """
    return {name: _kind(col.dtype) for name, col in schema_for(table).columns.items()}


def known_tables(extra_columns: Mapping[str, Mapping[str, str]] | None = None) -> list[str]:
    """Return the tables netlab knows: the built-in ones and those declared by the run."""
    return list(TABLES) + [t for t in (extra_columns or {}) if t not in TABLES]


def problem(
    *,
    table: str | None,
    rule: str,
    what_to_do: str,
    severity: str = "error",
    file: str | None = None,
    column: str | None = None,
    rows: Iterable[int] | None = None,
    values: Iterable[Any] | None = None,
) -> dict[str, Any]:
    """Return one problem record (a row of a problems frame)."""
    listed = [int(r) for r in rows] if rows is not None else []
    return {
        "file": file,
        "table": table,
        "column": column,
        "rows": listed[:MAX_ROWS_LISTED],
        "values": [str(v) for v in values][:5] if values is not None else [],
        "rule": rule,
        "what_to_do": what_to_do,
        "severity": severity,
        "n_rows": len(listed),
    }


def problems_frame(records: Sequence[Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """Return a problems frame (columns :data:`PROBLEM_COLUMNS`) from problem records."""
    frame = pd.DataFrame(list(records or []), columns=PROBLEM_COLUMNS)
    return frame.astype({"rows": object, "values": object})


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """Return the closest candidate to a misspelled ``name``, or ``None``."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return close[0] if close else None


def failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate ``frame`` lazily and return one row per failing value.

    Returns
    -------
    pandas.DataFrame
        Columns ``context`` (``"Column"``, or ``"DataFrameSchema"`` for a rule across
        columns), ``column``, ``check``, ``index`` (the frame's index label, missing for a
        failure of the whole column) and ``value``. Empty when the frame is valid.
    """
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as err:
        cases = err.failure_cases
        out = pd.DataFrame(
            {
                "context": cases["schema_context"].astype(str),
                "column": cases["column"].astype(object),
                "check": cases["check"].astype(str),
                "index": cases["index"],
                "value": cases["failure_case"],
            }
        )
        # A column that cannot be coerced also fails every later check with a TypeError.
        coerce_failed = set(out.loc[out["check"].str.startswith("coerce_dtype"), "column"])
        noise = out["column"].isin(coerce_failed) & ~out["check"].str.startswith("coerce_dtype")
        noise |= out["value"].astype(str).str.contains("TypeError", regex=False)
        return out[~noise].reset_index(drop=True)
    return pd.DataFrame(columns=["context", "column", "check", "index", "value"])


_CHECK_TEXT = (
    (r"^coerce_dtype\('?(\w+)", "values must be of type {0}"),
    (r"^dtype\('?(\w+)", "values must be of type {0}"),
    (r"^not_nullable", "must not be blank"),
    (r"^field_uniqueness|^unique", "values must be unique"),
    (r"^greater_than_or_equal_to\((.*)\)$", "must be at least {0}"),
    (r"^less_than_or_equal_to\((.*)\)$", "must be at most {0}"),
    (r"^greater_than\((.*)\)$", "must be more than {0}"),
    (r"^less_than\((.*)\)$", "must be less than {0}"),
    (r"^isin\((.*)\)$", "must be one of {0}"),
    (r"^in_range\((.*)\)$", "must be in the range {0}"),
)
_TYPE_WORDS = {
    "int64": "whole number",
    "Int64": "whole number",
    "float64": "number",
    "boolean": "yes/no flag",
    "bool": "yes/no flag",
    "datetime64": "date",
    "str": "text",
    "string": "text",
}


def rule_text(check: str) -> str:
    """Turn a pandera check name into words a person can act on."""
    for pattern, text in _CHECK_TEXT:
        m = re.match(pattern, check)
        if m:
            args = [_TYPE_WORDS.get(g, g) for g in m.groups()]
            return text.format(*args)
    return check


def _what_to_do(check: str, column: str | None) -> str:
    if check.startswith("not_nullable"):
        return f"Fill in {column} for these rows, or remove the rows from the export."
    if "unique" in check:
        return f"Keep one row per {column}; remove or merge the repeated rows."
    if check.startswith(("coerce_dtype", "dtype")):
        return f"Correct these {column} values in the export (see the type in the rule)."
    return f"Correct these {column} values in the export, or remove the rows."


def describe_failures(
    cases: pd.DataFrame, *, table: str, file: str | None = None, severity: str = "error"
) -> pd.DataFrame:
    """Turn :func:`failures` output into a problems frame, one row per column and rule."""
    records = []
    if len(cases) == 0:
        return problems_frame()
    across = cases["context"].eq("DataFrameSchema")
    # A rule across columns fails once per row; report it once, naming the columns it reads.
    wide = cases[across]
    wide = wide[[str(c) in chk for c, chk in zip(wide["column"], wide["check"], strict=True)]]
    if len(wide):
        pairs = wide["column"].astype(str) + "=" + wide["value"].astype(str)
        # Values are shown for a few rows only, so this loop stays short.
        shown = set(pd.unique(wide["index"])[:5])
        joined = {
            key: ", ".join(part)
            for key, part in pairs[wide["index"].isin(shown)].groupby(
                [wide["check"], wide["index"]], sort=False
            )
        }
        wide = wide[["check", "index"]].drop_duplicates()
        wide["value"] = [joined.get(k) for k in zip(wide["check"], wide["index"], strict=True)]
        wide["column"] = wide["check"].map(
            lambda chk: ", ".join(c for c in cases["column"].dropna().unique() if str(c) in chk)
        )
    cases = pd.concat([cases[~across], wide], ignore_index=True)
    cases = cases.assign(column=cases["column"].fillna(""))
    for (column, check), part in cases.groupby(["column", "check"], sort=False):
        idx = pd.to_numeric(part["index"], errors="coerce").dropna().astype(np.int64)
        values = pd.unique(part["value"].dropna().astype(str))[:5]
        records.append(
            problem(
                file=file,
                table=table,
                column=column or None,
                rows=np.sort(idx.to_numpy()) + 1,
                values=values,
                rule=rule_text(check),
                what_to_do=_what_to_do(check, column or "the columns"),
                severity=severity,
            )
        )
    return problems_frame(records)


def validate_frame(
    table: str,
    frame: pd.DataFrame,
    *,
    file: str | None = None,
    extra_columns: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Validate one table against its model and list every problem at once.

    Parameters
    ----------
    table : str
        Table name (``"students"``, ``"schools"``, ...).
    frame : pandas.DataFrame
        The table, with processed column names. Its index is read as 0-based data row
        positions in the file (row 1 is the first row under the header).
    file : str, optional
        File name to show in the problems.
    extra_columns : mapping, optional
        ``params.extra_columns``; declared columns are typed and kept.

    Returns
    -------
    pandas.DataFrame
        Columns file, table, column, rows (1-based data rows), values (a few offending
        values), rule, what_to_do, severity (``"error"`` or ``"warning"``). Unknown tables
        and unknown columns are listed as warnings. Empty when the table is valid.

    Examples
    --------
    >>> frame = pd.DataFrame({"unitid": ["1", "2"], "name": ["A", "B"],
    ...                       "level": ["4-year", "3-year"], "grad_rate": [0.5, 0.7]})
    >>> validate_frame("institutions", frame)["rule"].tolist()
    ["must be one of ['4-year', '2-year']"]
    """
    if table not in known_tables(extra_columns):
        hint = suggest(table, known_tables(extra_columns))
        return problems_frame(
            [
                problem(
                    file=file,
                    table=table,
                    rule=f"unknown table {table!r}; it was not used"
                    + (f" (did you mean {hint!r}?)" if hint else ""),
                    what_to_do=(f"Rename the file to {hint}.<ext>" if hint else "Remove the file")
                    + f", or declare the table in the params' extra_columns. Known tables: "
                    f"{', '.join(known_tables(extra_columns))}.",
                    severity="warning",
                )
            ]
        )
    schema = schema_for(table, extra_columns)
    cols = columns_of(table, extra_columns)
    records = []
    unknown = [c for c in frame.columns if c not in cols]
    missing = [c for c, req in cols.items() if req and c not in frame.columns]
    for col in missing:
        hint = suggest(col, unknown)
        records.append(
            problem(
                file=file,
                table=table,
                column=col,
                rule=f"required column {col!r} is missing"
                + (f" (is {hint!r} meant to be {col!r}?)" if hint else ""),
                what_to_do=f"Add the column {col!r} to the export"
                + (f", or rename {hint!r} to {col!r}." if hint else "."),
            )
        )
    for col in unknown:
        hint = suggest(str(col), cols)
        records.append(
            problem(
                file=file,
                table=table,
                column=str(col),
                rule=f"unknown column {col!r}; it was not used"
                + (f" (did you mean {hint!r}?)" if hint else ""),
                what_to_do=f"Rename it to {hint!r}."
                if hint
                else f"Remove it, or declare it in the params' extra_columns.{table}.",
                severity="warning",
            )
        )
    known = frame[[c for c in frame.columns if c in cols]]
    if missing:
        # Check the columns that are there; the missing ones are reported above.
        schema = schema.remove_columns(missing)
    cases = failures(schema, known)
    cases = cases[~cases["check"].str.startswith("column_in_dataframe")]
    found = describe_failures(cases, table=table, file=file)
    return pd.concat([problems_frame(records), found], ignore_index=True)


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

    Examples
    --------
    >>> canonical_name(" Student ID# ")
    'student_id'
    >>> canonical_name("% Low-Income")
    'pct_low_income'
    """
    text = str(name).replace("\ufeff", "").strip().lower().replace("%", " pct ")
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")
