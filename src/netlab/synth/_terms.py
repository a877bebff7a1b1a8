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
    """Write an earlier term's exports; the pull lacks ``late_college``'s newest fall.

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
    written = write_exports(earlier_term(network, through=through), out_dir)
    tracker = [p for p in written if p.name.startswith("StudentTracker_")]
    if late_college is not None and tracker:
        _drop_late(tracker[0], late_college, through)
    return written


def _drop_late(path: Path, college: str, year: int) -> None:
    frame = pd.read_csv(path, dtype="string")
    begin = pd.to_datetime(frame["ENROLLMENT_BEGIN"], format="%Y%m%d", errors="coerce")
    late = (
        (frame["COLLEGE_CODE/BRANCH"] == college)
        & frame["HIGH_SCHOOL_GRAD_DATE"].str.startswith(str(year))
        & (begin >= pd.Timestamp(dt.date(year, 7, 1)))
    )
    # A student left with no record reads as searched and not found (not enrolled).
    _write(frame[~late.fillna(False)], path)
