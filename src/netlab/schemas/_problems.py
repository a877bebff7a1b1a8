"""Problems: one record per broken rule, and validating a table against its model.

A problem names the file, table, column, rows and values it concerns, the rule broken and
what to do. Row numbers count data rows as in the file: 1 is the first row under the
header.
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

from netlab.schemas._models import columns_of, known_tables, schema_for

PROBLEM_COLUMNS = [
    *("file", "table", "column", "rows", "values", "rule", "what_to_do", "severity"),
    "n_rows",  # how many rows the problem touches (``rows`` lists at most MAX_ROWS_LISTED)
]
# Problem tables keep at most this many row numbers per problem; the exclusions log keeps all.
MAX_ROWS_LISTED = 1000


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
    """Return one problem record (a row of a problems frame).

    Parameters
    ----------
    table : str or None
        The contract table's name.
    rule : str
        The rule broken, in words.
    what_to_do : str
        What the person should do about it.
    severity : str, optional
        ``"error"`` or ``"warning"``.
    file : str or None, optional
        The file the rows came from, if any.
    column : str or None, optional
        The column, if one.
    rows : Iterable[int] or None, optional
        The rows, numbered as the file shows them, if known.
    values : Iterable[Any] or None, optional
        Examples of the offending values.

    Returns
    -------
    dict[str, Any]
        One problem record (a row of a problems frame).
    """
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
    """Return a problems frame (columns :data:`PROBLEM_COLUMNS`) from problem records.

    Parameters
    ----------
    records : Sequence[Mapping[str, Any]] or None, optional
        Problem records from :func:`problem`; none gives an empty frame.

    Returns
    -------
    DataFrame
        A problems frame (columns :data:`PROBLEM_COLUMNS`) from problem records.
    """
    frame = pd.DataFrame(list(records or []), columns=PROBLEM_COLUMNS)
    return frame.astype({"rows": object, "values": object})


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """Return the closest candidate to a misspelled ``name``, or ``None``.

    Parameters
    ----------
    name : str
        The name as written.
    candidates : Iterable[str]
        The names it may have meant.

    Returns
    -------
    str or None
        The closest candidate to a misspelled ``name``, or ``None``.
    """
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return close[0] if close else None


def failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate ``frame`` lazily and return one row per failing value.

    Parameters
    ----------
    schema : DataFrameSchema
        The pandera schema.
    frame : DataFrame
        The table to validate.

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
    """Turn a pandera check name into words a person can act on.

    Parameters
    ----------
    check : str
        The pandera check's name (``"isin"``, ``"not_nullable"``…).

    Returns
    -------
    str
        The rule in words.
    """
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
    """Turn :func:`failures` output into a problems frame, one row per column and rule.

    Parameters
    ----------
    cases : DataFrame
        The failure cases, from :func:`failures`.
    table : str
        The contract table's name.
    file : str or None, optional
        The file the rows came from, if any.
    severity : str, optional
        ``"error"`` or ``"warning"``.

    Returns
    -------
    DataFrame
        A problems frame (columns :data:`PROBLEM_COLUMNS`).
    """
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


def _unknown_table(
    table: str, file: str | None, extra_columns: Mapping[str, Mapping[str, str]] | None
) -> dict[str, Any]:
    """The warning for a table netlab does not know, naming the nearest known one."""
    known = known_tables(extra_columns)
    hint = suggest(table, known)
    return problem(
        file=file,
        table=table,
        rule=f"unknown table {table!r}; it was not used"
        + (f" (did you mean {hint!r}?)" if hint else ""),
        what_to_do=(f"Rename the file to {hint}.<ext>" if hint else "Remove the file")
        + f", or declare the table in the params' extra_columns. Known tables: "
        f"{', '.join(known)}.",
        severity="warning",
    )


def _column_problems(
    table: str, present: list[Any], cols: Mapping[str, bool], file: str | None
) -> list[dict[str, Any]]:
    """Required columns missing (errors) and unknown columns (warnings), each with a hint."""
    records = []
    unknown = [c for c in present if c not in cols]
    missing = [c for c, req in cols.items() if req and c not in present]
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
    return records


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
        return problems_frame([_unknown_table(table, file, extra_columns)])
    schema = schema_for(table, extra_columns)
    cols = columns_of(table, extra_columns)
    missing = [c for c, req in cols.items() if req and c not in frame.columns]
    records = _column_problems(table, list(frame.columns), cols, file)
    known = frame[[c for c in frame.columns if c in cols]]
    if missing:
        # Check the columns that are there; the missing ones are reported above.
        schema = schema.remove_columns(missing)
    cases = failures(schema, known)
    cases = cases[~cases["check"].str.startswith("column_in_dataframe")]
    found = describe_failures(cases, table=table, file=file)
    return pd.concat([problems_frame(records), found], ignore_index=True)
