"""Values whose meaning depends on the table: suppressed counts, school codes, percents.

Public files' suppressed counts ("<5", "*") become missing with a flag; school codes
that lost their leading zeros are padded back to the schools table's width; shares and
graduation rates given as percents are divided by 100.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from netlab.clean._values import _parse_bool, factorize_values, spread_back

if TYPE_CHECKING:
    from netlab.clean._log import Context, Log


_SUPPRESSED = re.compile(r"^\s*(<\s*=?\s*\d+|n\s*<\s*\d+|\*+|†|suppressed)\s*$", re.IGNORECASE)
_SHARE_COLUMNS = frozenset(
    {f"share_{g}" for g in ("low_income", "black", "latinx", "indigenous", "asian", "white")}
    | {"share_focal", "grad_rate", "grad_rate_pell", "award_rate_6yr", "admitted_grad_rate"}
)


def suppressed_counts(
    frame: pd.DataFrame, column: str, flag: str, file: str, log: Log
) -> pd.DataFrame:
    """Turn public files' suppressed counts ("<5", "*") into missing values with a flag."""
    if column not in frame.columns or pd.api.types.is_numeric_dtype(frame[column].dtype):
        return frame
    codes, uniques = factorize_values(frame[column])
    is_sup = np.array([bool(_SUPPRESSED.match(str(u))) for u in uniques], dtype=bool)
    if not is_sup.any():
        return frame
    rows = spread_back(is_sup, codes, False)
    log.notes.append(
        f"{file}: {int(rows.sum()):,} suppressed {column} value(s) "
        f"({', '.join(map(str, uniques[is_sup][:3]))}) read as missing, flagged in {flag}"
    )
    out = frame.assign(**{column: frame[column].where(~rows)})
    old = out[flag] if flag in out.columns else None
    flag_values = pd.Series(rows, index=out.index)
    if old is not None:
        parsed, _ = _parse_bool(old)
        flag_values = parsed.fillna(False).astype(bool) | flag_values
    return out.assign(**{flag: flag_values.astype("boolean")})


def restore_school_codes(frame: pd.DataFrame, table: str, file: str, ctx: Context) -> pd.DataFrame:
    """Restore leading zeros to school codes that lost them, where the schools show the width."""
    if "school_id" not in frame.columns or not ctx.school_ids or not ctx.school_width:
        return frame
    width, known = ctx.school_width, ctx.school_ids
    codes, uniques = factorize_values(frame["school_id"])
    fixed = np.array(
        [
            u.zfill(width)
            if (u not in known and u.isdigit() and len(u) < width and u.zfill(width) in known)
            else u
            for u in uniques
        ],
        dtype=object,
    )
    changed = fixed != uniques
    if not changed.any():
        return frame
    rows = spread_back(changed, codes, False)
    example = f"{uniques[changed][0]} -> {fixed[changed][0]}"
    ctx.log.notes.append(
        f"{file}: leading zeros restored to {int(rows.sum()):,} school_id value(s) "
        f"(e.g. {example}; schools use {width} digits)"
    )
    ctx.log.problem(
        file=file,
        table=table,
        column="school_id",
        rows=frame.index[rows] + 1,
        values=uniques[changed][:5],
        rule=f"school codes lost their leading zeros (schools use {width} digits); "
        f"restored ({example})",
        what_to_do="Nothing to do; to keep codes intact, export them as text.",
        severity="warning",
    )
    labels = pa.array(list(fixed) + [None], type=pa.string())
    take = np.where(codes < 0, len(uniques), codes)
    ids = pd.Series(labels.take(pa.array(take)).to_pandas(), index=frame.index, dtype="str")
    return frame.assign(school_id=ids)


def school_code_width(schools: pd.DataFrame, file: str, ctx: Context) -> pd.DataFrame:
    ids = schools["school_id"].dropna()
    digits = ids[ids.str.fullmatch(r"\d+").fillna(False).astype(bool)]
    if len(ids) and len(digits) == len(ids):
        width = int(digits.str.len().max())
        short = digits.str.len() < width
        # Only long fixed-width codes (CDS 14, NCES 12) are padded; short ids may vary.
        if width >= 8 and short.any() and digits.str.len().min() >= width - 2:
            ctx.log.notes.append(
                f"{file}: {int(short.sum())} school_id value(s) padded to {width} digits "
                "with leading zeros (the others have that width)"
            )
            padded = schools["school_id"].where(
                schools["school_id"].str.len().fillna(width) >= width,
                schools["school_id"].str.zfill(width),
            )
            schools = schools.assign(school_id=padded)
        ctx.school_width = width
    ctx.school_ids = set(schools["school_id"].dropna())
    return schools


def percent_shares(frame: pd.DataFrame, file: str, ctx: Context) -> pd.DataFrame:
    out = frame
    for col in _SHARE_COLUMNS.intersection(frame.columns):
        values = frame[col]
        top = values.max()
        if pd.notna(top) and 1 < top <= 100:
            out = out.assign(**{col: values / 100})
            ctx.log.notes.append(f"{file}: {col} read as percentages and divided by 100")
    return out
