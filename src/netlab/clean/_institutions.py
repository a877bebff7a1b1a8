"""Students' colleges: each enrolled student's graduation rate and level, from institutions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from netlab.clean._log import Context
from netlab.clean._values import factorize_values, spread_back


def _rate_column(inst: pd.DataFrame, file: str, ctx: Context) -> str:
    """The institutions column the run reads as "likely to graduate" (params.grad_rate_column)."""
    wanted = getattr(ctx.params, "grad_rate_column", "grad_rate")
    if wanted in inst.columns:
        return wanted
    ctx.log.notes.append(
        f"{file}: the institutions table has no {wanted} column; grad_rate was used instead"
    )
    return "grad_rate"


def _join_institutions(frame: pd.DataFrame, file: str, ctx: Context) -> pd.DataFrame:
    rates = pd.Series(np.nan, index=frame.index, dtype="float64")
    if ctx.institutions is None or "enrolled_unitid" not in frame.columns:
        missing = "institutions table" if ctx.institutions is None else "enrolled_unitid column"
        ctx.log.notes.append(
            f"{file}: no {missing}, so enrolled_grad_rate is unknown (missing) for everyone"
        )
        return frame.assign(enrolled_grad_rate=rates)
    inst = ctx.institutions.set_index("unitid")
    codes, uniques = factorize_values(frame["enrolled_unitid"])
    found = pd.Index(uniques).isin(inst.index)
    rate_u = inst[_rate_column(inst, file, ctx)].reindex(uniques).to_numpy(dtype="float64")
    rates = pd.Series(spread_back(rate_u, codes, np.nan), index=frame.index)
    if "enrolled" in frame.columns:
        rates = rates.where(frame["enrolled"].fillna(False).astype(bool))
    out = frame.assign(enrolled_grad_rate=rates)
    unknown = spread_back(~found, codes, False)
    if unknown.any():
        rows = np.flatnonzero(unknown)
        ctx.log.problem(
            file=file,
            table="students",
            column="enrolled_unitid",
            rows=frame.index[rows] + 1,
            values=pd.unique(uniques[~found].astype(str)),
            rule=f"{len(rows):,} enrolled_unitid value(s) not in the institutions table; "
            "their graduation rate is unknown",
            what_to_do="Add these colleges to institutions (with grad_rate), or check the ids.",
            severity="warning",
        )
    if "enrolled_level" in out.columns:
        level_u = inst["level"].reindex(uniques).astype(object).to_numpy()
        level = pd.Series(spread_back(level_u, codes, None), index=frame.index, dtype="str")
        fill = out["enrolled_level"].isna() & level.notna()
        if fill.any():
            out = out.assign(enrolled_level=out["enrolled_level"].fillna(level))
            ctx.log.notes.append(
                f"{file}: enrolled_level filled in from institutions for {int(fill.sum()):,} row(s)"
            )
    return out
