"""An earlier term of a synthetic network, as the hub held it then.

The demo builds two terms: a spring term whose latest class is the one before, from a
StudentTracker pull of the November before (in which one college had not yet reported
its fall enrollments), and the fall term with the next pull, which has them. That one
college's students are the planted **revision**: their class's enrollment rises between
the two pulls, and nothing else about the class changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd

from netlab.synth._exports import _write, search_date, write_exports

#: The demo's earlier term's latest class (its spring term; the fall term's is the next).
DEMO_EARLIER_CLASS = 2025

#: The college whose fall enrollments the earlier pull lacks (its code in the tracker).
LATE_COLLEGE = "020105-00"

_YEAR_COLUMNS = ("grad_year", "year", "season")
_DATE_COLUMNS = ("start_date", "date", "as_of")


def earlier_term(network, *, through: int):
    """The network with only what was known when class ``through`` was the latest.

    Parameters
    ----------
    network : SynthNetwork
        The full network.
    through : int
        The latest graduating class of the earlier term.

    Returns
    -------
    SynthNetwork
        Its tables cut to classes, years and seasons up to ``through``, and dated rows
        (PDSA cycles, survey waves, FAFSA weeks) up to that class's tracker search date.
    """
    students = network.tables.get("students")
    cut = search_date(students[students["grad_year"] <= through]) if students is not None else None
    tables = {}
    for name, frame in network.tables.items():
        keep = pd.Series(True, index=frame.index)
        for col in _YEAR_COLUMNS:
            if col in frame.columns and pd.api.types.is_numeric_dtype(frame[col]):
                keep &= frame[col] <= through
                break
        for col in _DATE_COLUMNS:
            if cut is not None and col in frame.columns:
                when = pd.to_datetime(frame[col], errors="coerce")
                keep &= when.isna() | (when <= pd.Timestamp(cut))
        tables[name] = frame[keep].reset_index(drop=True)
    return dataclasses.replace(network, tables=tables)


def write_term_exports(
    network, out_dir: str | Path, *, through: int, late_college: str | None = LATE_COLLEGE
) -> list[Path]:
    """Write an earlier term's exports: the later term's files cut back to what was known.

    The files are those of :func:`write_exports` for the whole network, cut to classes up
    to ``through`` and to the StudentTracker search date of that class, so that every
    figure the two terms share is the same, except the planted revision.

    Parameters
    ----------
    network : SynthNetwork
        The full network.
    out_dir : str or Path
        The earlier term's raw folder.
    through : int
        The earlier term's latest class.
    late_college : str, optional
        The tracker code of a college whose enrollments of class ``through``, begun that
        fall, the pull does not hold yet (None: a complete pull).

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(out_dir)
    written = write_exports(network, out)
    earlier = earlier_term(network, through=through)
    cut = search_date(earlier.tables["students"])
    for name, frame in earlier.tables.items():
        path = out / f"{name}.csv"
        # the colleges and schools do not change between terms, and their export carries
        # columns the contract table does not (the college's OPEID, matched to the tracker)
        if path in written and name not in ("institutions", "schools"):
            frame.to_csv(path, index=False, date_format="%Y-%m-%d")
    roster = _cut(out / "roster.csv", lambda f: f["Grad Year"].astype(int) <= through)
    _cut(out / "naviance_applications.csv", lambda f: f["Class Year"].astype(int) <= through)
    _cut(out / "aid_completion.csv", lambda f: f["SSID"].isin(roster["SSID"]))
    old = next(p for p in written if p.name.startswith("StudentTracker_"))
    new = old.with_name(f"StudentTracker_HS_detail_{cut.strftime('%Y%m%d')}.csv")
    _tracker(old, new, through=through, cut=cut, late_college=late_college)
    return [new if p == old else p for p in written]


def _cut(path: Path, keep) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype="string")
    frame = frame[keep(frame).fillna(False)]
    _write(frame, path)
    return frame


def _tracker(old: Path, new: Path, *, through: int, cut: dt.date, late_college: str | None):
    frame = pd.read_csv(old, dtype="string")
    old.unlink()
    day = pd.Timestamp(cut)
    begin = pd.to_datetime(frame["ENROLLMENT_BEGIN"], format="%Y%m%d", errors="coerce")
    grad = pd.to_datetime(frame["GRADUATION_DATE"], format="%Y%m%d", errors="coerce")
    year = frame["HIGH_SCHOOL_GRAD_DATE"].str[:4].astype(int)
    keep = (year <= through) & ~(begin > day).fillna(False) & ~(grad > day).fillna(False)
    if late_college is not None:
        late = (frame["COLLEGE_CODE/BRANCH"] == late_college) & (year == through)
        keep &= ~(late & (begin >= pd.Timestamp(dt.date(through, 7, 1)))).fillna(False)
    searched = frame[year <= through].drop_duplicates("YOUR_UNIQUE_IDENTIFIER")
    frame = frame[keep]
    # a student left with no record reads as searched and not found
    lost = searched[~searched["YOUR_UNIQUE_IDENTIFIER"].isin(frame["YOUR_UNIQUE_IDENTIFIER"])]
    first = list(frame.columns).index("HIGH_SCHOOL_GRAD_DATE") + 1
    lost = lost.copy()
    lost.iloc[:, first:] = pd.NA
    lost["RECORD_FOUND_Y/N"] = "N"
    _write(pd.concat([frame, lost], ignore_index=True), new)
