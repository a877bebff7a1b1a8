"""A counts file as exported -> long counts rows (a wide file: one measure per value column).

Suppression markers become missing numerators flagged as suppressed; a measure the file
leaves blank for a school-year gives no row, since a blank is not a zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netlab.clean import parse_column
from netlab.sources._kinds import ReadExport

# Where a school is: every one of these a file carries goes on to the schools table, so a
# run can choose its network by any of them (params `select:`).
GEOGRAPHY = ("district", "county", "city", "state", "region")


def _parsed_counts(
    rx: ReadExport,
    role: str,
    markers: set[str],
    cache: dict[str, tuple[pd.Series, pd.Series]],
) -> tuple[pd.Series, pd.Series]:
    """A count column's numbers and suppression flags (each column parsed and reported once)."""
    if role in cache:
        return cache[role]
    f = rx.frame
    text = f[role].astype("str").str.strip()
    sup = text.isin(markers) | text.str.fullmatch(r"<\s*=?\s*\d+").fillna(False)
    val, bad = parse_column(text.where(~sup), "float")
    if bad.any():
        rx.problem(
            column=rx.headers.get(role, role),
            rows=f["_row"].to_numpy()[bad],
            values=pd.unique(text[bad])[:5],
            rule=f"{int(bad.sum()):,} {role} value(s) are neither counts nor a "
            "suppression marker; left blank",
            what_to_do=f"Correct them, or list the marker under `suppressed:` in "
            f"{rx.description.where_for(rx.path)}.",
            severity="warning",
        )
    cache[role] = (val, sup.fillna(False).astype(bool))
    return cache[role]


def _present_roles(rx: ReadExport, measure: str, roles: str | list[str], words: dict) -> list[str]:
    """The columns of a measure the file has (a note names those it uses and those it lacks)."""
    roles = [roles] if isinstance(roles, str) else list(roles)
    present = [r for r in roles if r in rx.frame]
    if len(present) < len(roles):
        # A combined FAFSA/Dream Act column: the part the file lacks is not summed.
        lacking = [r for r in roles if r not in rx.frame]
        used = ", ".join(repr(rx.headers.get(r, r)) for r in present)
        # the measure by its words (a report shows this note), the roles by their keys
        name = words.get("short_label") or words.get("label") or measure
        rx.notes.append(
            f"{name} counts the file's {used} only (it has no {', '.join(lacking)} column)"
            if present
            else f"no {name} (the file has no {', '.join(lacking)} column)"
        )
    return present


def _measure_block(
    f: pd.DataFrame,
    measure: str,
    values: list[tuple[pd.Series, pd.Series]],
    *,
    group: pd.Series,
    den: pd.Series | None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Long rows of one measure (its columns summed) and which rows the file leaves blank."""
    total = sum(v.fillna(0) for v, _ in values)
    blank = np.logical_and.reduce([v.isna().to_numpy() & ~s.to_numpy() for v, s in values])
    suppressed = np.logical_or.reduce([s.to_numpy() for _, s in values])
    block = pd.DataFrame(
        {
            "school_id": f["school_id"],
            "year": f["year"],
            "group": group,
            "measure": measure,
            "numerator": total.where(~suppressed & ~blank),
            "denominator": den if den is not None else np.nan,
            "numerator_suppressed": suppressed,
            "_row": f["_row"],
        }
    )
    for col in ("school_name", *GEOGRAPHY):
        if col in f:
            block[col] = f[col]
    # A measure the file leaves blank for a school-year is not a zero: no row.
    return block[~blank], blank


def _counts(rx: ReadExport) -> pd.DataFrame:
    """Long counts rows from a counts file (wide: one measure per value column)."""
    f = rx.frame
    wide = rx.description.spec.wide
    if wide is None or not wide.measures:
        return f
    markers = set(rx.description.spec.suppressed) | {"*"}
    num: dict[str, tuple[pd.Series, pd.Series]] = {}
    if wide.denominator and wide.denominator not in f:
        rx.problem(
            column=wide.denominator,
            rule=f"the wide block divides by {wide.denominator!r}, but no column of the file "
            "was read as it",
            what_to_do=f"Name its header under `columns: {wide.denominator}:` in "
            f"{rx.description.where_for(rx.path)}.",
        )
        return f.iloc[0:0]
    den, den_sup = (
        _parsed_counts(rx, wide.denominator, markers, num) if wide.denominator else (None, None)
    )
    group = f[wide.group] if wide.group in f else pd.Series(wide.group, index=f.index)
    blocks = []
    no_counts = pd.Series(True, index=f.index)  # rows every measure leaves blank
    for measure, roles in wide.measures.items():
        present = _present_roles(rx, measure, roles, wide.labels.get(measure, {}))
        if not present:
            continue
        values = [_parsed_counts(rx, r, markers, num) for r in present]
        block, blank = _measure_block(f, measure, values, group=group, den=den)
        blocks.append(block)
        no_counts &= blank
    if not blocks:
        rx.problem(
            column=None,
            rule="no column of the file holds any measure of the wide block",
            what_to_do=f"Name the count columns under `columns:` in "
            f"{rx.description.where_for(rx.path)} (e.g. `fafsa_completed: ['<header>']`).",
        )
        return f.iloc[0:0]
    _note_dropped(rx, f, no_counts if den is None else no_counts & den.notna())
    out = pd.concat(blocks, ignore_index=True)
    if den_sup is not None and den_sup.any():
        rx.notes.append(
            f"{int(den_sup.sum()):,} suppressed {wide.denominator} value(s): those rows cannot "
            "be rates and are excluded by the counts table's rules"
        )
    return out


def _note_dropped(rx: ReadExport, f: pd.DataFrame, dropped: pd.Series) -> None:
    """Schools the file lists (with an enrollment) but gives no count for: named in a note,
    since they leave the network's counts."""
    if not dropped.any():
        return
    names = f.loc[dropped, "school_name"] if "school_name" in f else f.loc[dropped, "school_id"]
    shown = ", ".join(pd.unique(names.dropna().astype(str))[:8])
    rx.notes.append(
        f"{int(dropped.sum()):,} school-year row(s) have an enrollment but no count for any "
        f"measure (blank, not zero), so those schools have no rates that year: {shown}"
    )
