"""Duplicates: one row per key, exact copies and conflicting rows set aside with their reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.util import hash_pandas_object

from netlab import schemas
from netlab.clean._log import Context, _without


def _candidates(frame: pd.DataFrame, table: str) -> tuple[pd.DataFrame, list[str], str, str]:
    """Rows sharing a key with another row, the key, and how messages name it."""
    keys = schemas.ROW_KEYS[table]
    if table == "students":
        # A cheap first pass on the id hash alone; the (id, year) check runs on the few.
        keys = ["_h", "grad_year"]
        first_pass = pd.Series(frame["_h"].to_numpy()).duplicated(keep=False).to_numpy()
        sub = frame[first_pass]
        label, column = "student_id and grad_year", "student_key"
    else:
        sub = frame
        label, column = " and ".join(keys), ", ".join(keys)
    return sub[sub.duplicated(subset=keys, keep=False)], keys, label, column


def _exact_copies(
    frame: pd.DataFrame, sub: pd.DataFrame, *, table: str, file: str, column: str, ctx: Context
) -> pd.Index:
    """Log the rows that copy an earlier row in every column read; return their index."""
    content = sub.drop(columns=[c for c in ("student_key",) if c in sub.columns])
    row_hash = hash_pandas_object(content, index=False).to_numpy()
    first = pd.Series(sub.index, index=sub.index).groupby(row_hash).transform("first")
    exact = first.to_numpy() != sub.index.to_numpy()
    exact_rows = sub.index[exact]
    if len(exact_rows):
        kept = (first[exact] + 1).astype(str)
        ctx.log.exclude(
            frame,
            exact_rows,
            table=table,
            file=file,
            # Rows may differ in columns netlab does not read: say which ones agree.
            reason="exact duplicate of an earlier row in the columns netlab reads ("
            + ", ".join(c for c in content.columns if not str(c).startswith("_"))
            + ")",
            column=column,
            values="duplicate of row " + kept,
            what_to_do=f"Remove the repeated rows from {file} (nothing was lost).",
            drop=False,
            rule="duplicate",
        )
        ctx.log.exclusions[-1]["reason"] = "exact duplicate of row " + kept.to_numpy()
    return exact_rows


def _conflicting(
    frame: pd.DataFrame,
    sub: pd.DataFrame,
    keys: list[str],
    *,
    table: str,
    file: str,
    label: str,
    column: str,
    ctx: Context,
) -> pd.Index:
    """Log all but the most complete (then latest) row of each key; return their index."""
    group = sub.groupby(keys, dropna=False).ngroup()
    multi = group.duplicated(keep=False)
    sub, group = sub[multi], group[multi]
    if not len(sub):
        return pd.Index([], dtype=np.int64)
    filled = sub.drop(columns=[c for c in ("_h", "student_key") if c in sub]).notna().sum(axis=1)
    order = pd.DataFrame({"g": group, "filled": filled, "pos": np.arange(len(sub))})
    order = order.sort_values(["g", "filled", "pos"])
    keep = order.groupby("g").tail(1)
    kept_row = pd.Series(keep.index.to_numpy(), index=keep["g"].to_numpy())
    losers = order.index.difference(keep.index)
    kept = pd.Series(kept_row.reindex(group[losers].to_numpy()).to_numpy() + 1, index=losers)
    reason = f"conflicting duplicate (same {label}, different values)"
    ctx.log.exclude(
        frame,
        losers,
        table=table,
        file=file,
        reason=reason,
        column=column,
        values="kept row " + kept.astype(str),
        what_to_do=f"Keep one row per {label} in {file}; netlab kept the row with the "
        "most filled-in values (the later row on ties).",
        drop=False,
        rule="conflicting duplicate",
    )
    ctx.log.exclusions[-1]["reason"] = f"{reason}, kept row " + kept.astype(str).to_numpy()
    return losers


def _dedupe(frame: pd.DataFrame, table: str, file: str, ctx: Context) -> pd.DataFrame:
    """One row per key (see :data:`netlab.schemas.ROW_KEYS`): drop exact copies; of
    conflicting rows keep the most complete, ties going to the later row (the newer record)."""
    if not schemas.ROW_KEYS.get(table) or len(frame) == 0:
        return frame
    sub, keys, label, column = _candidates(frame, table)
    if len(sub) == 0:
        return frame
    exact_rows = _exact_copies(frame, sub, table=table, file=file, column=column, ctx=ctx)
    losers = _conflicting(
        frame,
        sub.drop(index=exact_rows),
        keys,
        table=table,
        file=file,
        label=label,
        column=column,
        ctx=ctx,
    )
    return _without(frame, exact_rows.append(losers))
