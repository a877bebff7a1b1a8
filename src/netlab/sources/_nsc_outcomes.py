"""The steps from StudentTracker detail rows to one set of outcomes per student.

Helpers of :func:`netlab.sources._nsc.reduce_studenttracker` (its docstring gives the NSC
definitions): the measurement windows each row overlaps, the latest search per student, the
awards within six years and the first college.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_LEVEL_RANK = {"4-year": 0, "2-year": 1, "less-than-2-year": 2}


def _day(values: pd.Series) -> np.ndarray:
    """Dates as numpy days (NaT where missing)."""
    return values.astype("datetime64[ns]").to_numpy().astype("datetime64[D]")


def _on(year: np.ndarray, month: int, day: int) -> np.ndarray:
    """The date month/day of each year (vectorized)."""
    months = (year.astype(np.int64) - 1970) * 12 + (month - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]") + (day - 1)


def _award_kinds(titles: pd.Series, awards: dict[str, list[str]]) -> np.ndarray:
    """The award kind (certificate, associate, ...) each degree title matches ("unknown" else)."""
    codes, uniques = pd.factorize(titles.fillna(""))
    kinds = []
    for t in uniques:
        kind = "unknown"
        for name, patterns in awards.items():
            if any(re.search(p, t, re.IGNORECASE) for p in patterns):
                kind = name
                break
        kinds.append(kind if t else "unknown")
    return np.asarray(kinds, dtype=object)[codes]


def _enrolment_windows(rows: pd.DataFrame, year: np.ndarray) -> dict[str, np.ndarray]:
    """Which window of its class each row's enrolment overlaps (fall, first year, second fall)."""
    begin, end = _day(rows["enrollment_begin"]), _day(rows["enrollment_end"])
    end = np.where(np.isnat(end), begin, end)
    found = rows["record_found"].fillna(True).astype(bool).to_numpy()
    enrol = found & ~np.isnat(begin)
    fall_start, fall_census = _on(year, 8, 15), _on(year, 10, 31)
    year1_end = _on(year + 1, 8, 14)
    second_fall_start, second_fall_census = _on(year + 1, 8, 15), _on(year + 1, 10, 31)
    with np.errstate(invalid="ignore"):
        return {
            "begin": begin,
            "found": found,
            "in_fall": enrol & (begin <= fall_census) & (end >= fall_start),
            "in_year1": enrol & (begin <= year1_end) & (end >= fall_start),
            "in_second_fall": enrol & (begin <= second_fall_census) & (end >= second_fall_start),
            "after": enrol & (end >= fall_start),
        }


def _any_per_student(mask: np.ndarray, g: np.ndarray, n: int) -> np.ndarray:
    """Whether any of each student's rows is flagged (``g`` numbers the students 0..n-1)."""
    return np.bincount(g[mask], minlength=n) > 0


def _latest_search(rows: pd.DataFrame, g: np.ndarray, n: int) -> np.ndarray:
    """Each student's latest search date (NaT when no row says)."""
    row_searched = rows["_searched"].to_numpy().astype("datetime64[D]")
    ok = ~np.isnat(row_searched)
    # NaT sorts away from the maximum as the smallest int.
    latest = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(latest, g[ok], row_searched[ok].astype(np.int64))
    return np.where(latest == np.iinfo(np.int64).min, np.datetime64("NaT", "D"),
                    latest.astype("datetime64[D]"))  # fmt: skip


def _known(
    flag: np.ndarray, searched: np.ndarray, window_end: np.ndarray
) -> pd.arrays.BooleanArray:
    """True when seen; False only once the window is over at the latest search (blank before)."""
    with np.errstate(invalid="ignore"):
        done = ~np.isnat(searched) & (searched >= window_end)
    return pd.arrays.BooleanArray(flag, ~(flag | done))


def _only_old(flag: np.ndarray, searched: np.ndarray, window_end: np.ndarray) -> pd.array:
    """A six-year figure only for classes that have had six years (blank otherwise)."""
    with np.errstate(invalid="ignore"):
        old = ~np.isnat(searched) & (searched >= window_end)
    return pd.arrays.BooleanArray(flag & old, ~old)


def _six_year_awards(
    rows: pd.DataFrame,
    year: np.ndarray,
    found: np.ndarray,
    awards: dict[str, list[str]],
) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows with a degree and with a certificate within six years; titles not recognised."""
    grad = (rows["graduated"].fillna(False).astype(bool).to_numpy() if "graduated" in rows
            else np.zeros(len(rows), bool))  # fmt: skip
    gdate = _day(rows["graduation_date"]) if "graduation_date" in rows else np.full(
        len(rows), np.datetime64("NaT"), "datetime64[D]")  # fmt: skip
    titles = rows["degree_title"] if "degree_title" in rows else pd.Series("", index=rows.index)
    award = np.full(len(rows), "", dtype=object)
    award[grad] = _award_kinds(titles[grad].astype("string"), awards)
    with np.errstate(invalid="ignore"):
        within = found & grad & ~np.isnat(gdate) & (gdate <= _on(year + 6, 8, 14))
    cert = within & (award == "certificate")
    degree = within & ~(award == "certificate")
    return degree, cert, int((grad & (award == "unknown")).sum())


def _row_levels(rows: pd.DataFrame) -> pd.Series:
    """Each row's college level (missing when the files do not say)."""
    if "level" in rows:
        return rows["level"].astype("string")
    return pd.Series(pd.NA, index=rows.index)


def _first_rows(
    rows: pd.DataFrame, g: np.ndarray, n: int, windows: dict[str, np.ndarray]
) -> np.ndarray:
    """Each student's first-college row: the fall college (4-year first), else the earliest after."""
    in_fall, begin = windows["in_fall"], windows["begin"]
    rank = _row_levels(rows).map(_LEVEL_RANK).fillna(3).to_numpy(dtype=np.int64)
    seq = (rows["college_sequence"].astype("Float64").fillna(99).to_numpy(dtype=float)
           if "college_sequence" in rows else np.zeros(len(rows)))  # fmt: skip
    cand = np.flatnonzero(windows["after"])
    order = np.lexsort(
        (
            seq[cand],
            begin[cand].astype(np.int64),
            np.where(in_fall[cand], rank[cand], 0),
            (~in_fall[cand]).astype(np.int8),
            g[cand],
        )
    )
    picked = cand[order]
    firsts = picked[np.unique(g[picked], return_index=True)[1]]
    first = np.full(n, -1)
    first[g[firsts]] = firsts
    return first


def _first_college(
    rows: pd.DataFrame,
    first: np.ndarray,
    code_unitid: pd.Series,
    institutions: pd.DataFrame | None,
) -> dict[str, pd.api.extensions.ExtensionArray]:
    """UnitID, level and control of each student's first college (blank without one)."""
    n = len(first)
    has = first >= 0
    at = np.where(has, first, 0)
    college = rows["college_code"].iloc[at].astype("str").reset_index(drop=True)
    college = college.where(has)
    unitid = college.map(code_unitid).where(has)
    lvl = _row_levels(rows).iloc[at].to_numpy(dtype=object)
    control = (rows["control"].iloc[at].astype("string").to_numpy(dtype=object) if "control" in rows
               else np.full(n, None, object))  # fmt: skip
    if institutions is not None and "control" in institutions:
        ipeds_control = unitid.map(institutions.drop_duplicates("unitid").set_index("unitid")
                                   ["control"])  # fmt: skip
        control = ipeds_control.where(ipeds_control.notna(), pd.Series(control)).to_numpy()
    return {
        "enrolled_unitid": pd.array(unitid.to_numpy(), dtype="str"),
        "enrolled_level": pd.array(np.where(has, lvl, None), dtype="str"),
        "enrolled_control": pd.array(np.where(has, control, None), dtype="str"),  # type: ignore[arg-type]
    }
