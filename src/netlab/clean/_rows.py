"""One table's rows against the contract: typed columns, blank keys and value rules.

Each column is parsed as its kind (a value not understood is left blank, with a warning);
a row whose key is blank or not understood is excluded; a value breaking a rule of the
schema is blanked, or its row excluded when the column is a key or the row is a single
measurement (counts, practices, process).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from netlab import schemas
from netlab.clean._headers import COMMON_COLUMNS
from netlab.clean._log import Context
from netlab.clean._values import ID_COLUMNS, KIND_WORDS, column_kind, parse_column

# Tables whose rows are single measurements: a bad value voids the row.
_EXCLUDE_ON_BAD_VALUE = frozenset({"counts", "practices", "process"})


def _schema(table: str, ctx: Context):
    if table in schemas.TABLES or table in ctx.extra:
        return schemas.schema_for(table, ctx.extra)
    return None


def _kinds(table: str, columns: list[str], ctx: Context) -> dict[str, str]:
    schema = _schema(table, ctx)
    declared = {**COMMON_COLUMNS, **ctx.extra.get(table, {})}
    kinds = {}
    for col in columns:
        if col in ("student_id", "student_key"):
            kinds[col] = "id"
        elif schema is not None and col in schema.columns:
            kinds[col] = column_kind(table, col, schema.columns[col].dtype)
        else:
            typ = declared.get(col, "str")
            kinds[col] = {"str": "text", "int": "Int"}.get(typ, typ)
            if col in ID_COLUMNS:
                kinds[col] = "id"
    return kinds


def _type_columns(table: str, file: str, frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    kinds = _kinds(table, list(frame.columns), ctx)
    keys = _key_columns(table, ctx)
    typed = {}
    for col, kind in kinds.items():
        values, bad = parse_column(frame[col], kind)
        # A key that is not understood excludes its row; that exclusion is the message.
        if bad.any() and col not in keys:
            rows = np.flatnonzero(bad)
            raw_values = pd.unique(frame[col].iloc[rows].astype(str))
            what = "race_ethnicity was counted as Unknown" if kind == "race" else "left blank"
            ctx.log.problem(
                file=file,
                table=table,
                column=col,
                rows=frame.index[rows] + 1,
                values=raw_values,
                rule=f"{len(rows):,} value(s) not understood as {KIND_WORDS[kind]}; {what}",
                what_to_do=f"Correct these {col} values in the export.",
                severity="warning",
            )
        typed[col] = values
    return pd.DataFrame(typed, index=frame.index)


def _key_columns(table: str, ctx: Context) -> set[str]:
    """Columns that may not be blank: a row without one cannot be used."""
    schema = _schema(table, ctx)
    keys = {"student_id", "student_key"}
    if schema is not None:
        keys |= {c for c, col in schema.columns.items() if not col.nullable}
    # A race/ethnicity label that is blank or not understood counts as Unknown.
    return keys - {"race_ethnicity"}


def _blank_keys(
    table: str, file: str, frame: pd.DataFrame, raw: pd.DataFrame, ctx: Context
) -> pd.DataFrame:
    """Exclude rows whose key columns are blank or were not understood."""
    for col in [c for c in frame.columns if c in _key_columns(table, ctx)]:
        blank = frame[col].isna().to_numpy()
        if not blank.any():
            continue
        name = "student_id" if col == "student_key" else col
        index = frame.index[blank]
        # Raw student ids are never copied into any log.
        values = raw[col].reindex(index) if col in raw.columns and name != "student_id" else None
        frame = ctx.log.exclude(
            frame,
            index,
            table=table,
            file=file,
            reason=f"{name} is blank or not understood",
            rule=f"{name} blank",
            column=name,
            values=values,
            what_to_do=f"Fill in {name} in these rows of {file} (or leave the rows out).",
        )
    return frame


def _blank_bad_values(
    frame: pd.DataFrame,
    part: pd.DataFrame,
    index: pd.Index,
    *,
    col: str,
    rule: str,
    where: tuple[str, str],
    ctx: Context,
) -> pd.DataFrame:
    """Blank a nullable column's bad values (the rows stay), with a warning."""
    table, file = where
    frame = frame.assign(**{col: frame[col].mask(frame.index.isin(index))})
    ctx.log.problem(
        file=file,
        table=table,
        column=col,
        rows=np.sort(index.to_numpy()) + 1,
        values=pd.unique(part["value"].astype(str))[:5],
        rule=f"{col} {rule}; {len(index):,} value(s) left blank",
        what_to_do=f"Correct these {col} values in the export.",
        severity="warning",
    )
    return frame


def _exclusion_words(
    frame: pd.DataFrame,
    raw: pd.DataFrame,
    index: pd.Index,
    *,
    check: str,
    col: str | None,
    rule: str,
) -> tuple[Any, str, str | None, str]:
    """The values shown, reason, column and rule name of rows excluded by one check."""
    if col is None:  # a check across columns
        cols = [c for c in frame.columns if c in check]
        part_frame = frame.loc[index, cols].astype(str)
        values = None
        for c in cols:
            text = c + "=" + part_frame[c]
            values = text if values is None else values + ", " + text
        return values, check, ", ".join(cols) or None, check.split("(")[0]
    values = raw[col].reindex(index) if col in raw.columns else None
    blank = check.startswith("not_nullable")
    reason = f"{col} is blank or not understood" if blank else f"{col} {rule}"
    short = f"{col} blank" if blank else f"{col} {check.split('(')[0]}"
    return values, reason, col, short


def _row_rules(
    table: str, file: str, frame: pd.DataFrame, raw: pd.DataFrame, ctx: Context
) -> pd.DataFrame:
    """Apply the schema's value rules: exclude rows with bad keys, blank other bad values."""
    schema = _schema(table, ctx)
    if schema is None or len(frame) == 0:
        return frame
    schema = schema.remove_columns([c for c in schema.columns if c not in frame.columns])
    cases = schemas.failures(schema, frame)
    # Repeated keys are resolved by _dedupe, which keeps one of the rows.
    cases = cases[cases["index"].notna() & ~cases["check"].str.contains("unique")]
    if len(cases) == 0:
        return frame
    void_row = table in _EXCLUDE_ON_BAD_VALUE
    excluded: set = set()
    for (context, column, check), part in cases.groupby(
        ["context", "column", "check"], sort=False, dropna=False
    ):
        index = pd.Index(pd.unique(part["index"].astype(np.int64)))
        across = context == "DataFrameSchema"
        col = None if across else column
        nullable = (not across) and schema.columns[col].nullable
        rule = schemas.rule_text(check)
        if nullable and not void_row and col is not None:
            frame = _blank_bad_values(
                frame, part, index, col=col, rule=rule, where=(table, file), ctx=ctx
            )
            continue
        index = index.difference(pd.Index(list(excluded)))
        values, reason, col_name, short = _exclusion_words(
            frame, raw, index, check=check, col=col, rule=rule
        )
        excluded.update(index)
        frame = ctx.log.exclude(
            frame,
            index,
            table=table,
            file=file,
            reason=reason,
            column=col_name,
            values=values,
            what_to_do=f"Correct {col_name} in these rows of {file}, or leave them out.",
            rule=short,
        )
    return frame
