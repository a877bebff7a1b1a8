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

from netlab.schemas._models import (
    CONTROLS,
    DECISIONS,
    EXTRA_TYPES,
    GENDERS,
    GRAIN_TABLES,
    LEVELS,
    RACE_CATEGORIES,
    REQUIRED_TABLES,
    ROW_KEYS,
    TABLES,
    YEAR_MAX,
    YEAR_MIN,
    Counts,
    FafsaWeekly,
    Institutions,
    Pdsa,
    Practices,
    Process,
    Schools,
    Students,
    Survey,
    Traction,
    column_kinds,
    columns_of,
    known_tables,
    schema_for,
)
from netlab.schemas._problems import (
    MAX_ROWS_LISTED,
    PROBLEM_COLUMNS,
    describe_failures,
    failures,
    problem,
    problems_frame,
    rule_text,
    suggest,
    validate_frame,
)
from netlab.schemas._vocabulary import (
    ALIASES,
    IDENTIFIER_PATTERN,
    TABLE_ALIASES,
    canonical_name,
)

__all__ = [
    # the tables and their models
    "TABLES",
    "REQUIRED_TABLES",
    "GRAIN_TABLES",
    "ROW_KEYS",
    "EXTRA_TYPES",
    "Schools",
    "Students",
    "Counts",
    "Institutions",
    "Practices",
    "FafsaWeekly",
    "Traction",
    "Pdsa",
    "Survey",
    "Process",
    "schema_for",
    "columns_of",
    "column_kinds",
    "known_tables",
    # the values the models allow
    "YEAR_MIN",
    "YEAR_MAX",
    "RACE_CATEGORIES",
    "GENDERS",
    "LEVELS",
    "CONTROLS",
    "DECISIONS",
    # problems and validation
    "PROBLEM_COLUMNS",
    "MAX_ROWS_LISTED",
    "problem",
    "problems_frame",
    "suggest",
    "failures",
    "rule_text",
    "describe_failures",
    "validate_frame",
    # how exports spell the columns
    "ALIASES",
    "TABLE_ALIASES",
    "IDENTIFIER_PATTERN",
    "canonical_name",
]
