"""Student-level outcome files joined onto the roster, every join counted.

The StudentTracker, application and aid files join to the roster (the spine) on the
student id their description names (``join_on:``); each join is counted in
:attr:`netlab.sources._exports.SourceInfo.joins` (roster students with and without a row,
file rows with no roster student).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from netlab import schemas
from netlab.sources._kinds import ReadExport
from netlab.sources._nsc import reduce_studenttracker
from netlab.sources._read import isin_text
from netlab.sources._students import aid_outcomes, application_outcomes

# ``info`` is a netlab.sources._exports.SourceInfo (not imported: _exports imports this module).
SourceInfo = Any

JOINED = ("studenttracker", "applications", "aid")


def _join_key(
    kind: str, reads: list[ReadExport], students: pd.DataFrame, info: SourceInfo
) -> str | None:
    """The roster column the files join on (None, with a problem, when the roster lacks it)."""
    key = next((rx.description.spec.join_on for rx in reads if rx.description.spec.join_on),
               "student_id")  # fmt: skip
    if key in students:
        return key
    info.problems.append(
        schemas.problem(
            file=", ".join(rx.file for rx in reads),
            table=kind,
            rule=f"the description joins on {key!r}, which the roster does not have",
            what_to_do="Map that roster column under `columns:` in the roster's "
            "description, or change `join_on:`.",
        )
    )
    return None


def _join_studenttracker(
    students: pd.DataFrame,
    reads: list[ReadExport],
    *,
    key: str,
    inst: pd.DataFrame | None,
    overrides: pd.DataFrame | None,
    info: SourceInfo,
) -> list[pd.DataFrame]:
    """Add the StudentTracker outcomes to ``students`` in place; return the rows set aside."""
    kind, names = "studenttracker", ", ".join(rx.file for rx in reads)
    sp = pd.DataFrame({"join": students[key].astype("str"), "grad_year": students["grad_year"]})
    res = reduce_studenttracker(reads, sp, key=key, institutions=inst, overrides=overrides)
    merged = sp.merge(res.outcomes, on=["join", "grad_year"], how="left")
    for col in res.outcomes.columns.drop(["join", "grad_year"]):
        students[col] = merged[col].to_numpy()
    info.problems.extend(res.problems)
    info.notes.extend(res.notes)
    info.codes = res.codes
    info.searched = res.searched
    extra = res.exclusions
    sent = int(isin_text(sp["join"], res.outcomes["join"]).sum())
    info.join(kind, names, "roster students with a row (found)", res.counts.get("found", 0))
    info.join(kind, names, "roster students not found (Record Found N: counted as not "
              "enrolled; some may be FERPA-blocked)", res.counts.get("not_found", 0))  # fmt: skip
    info.join(kind, names, "roster students not in the file (not sent: outcomes unknown)",
              len(sp) - sent)  # fmt: skip
    info.join(kind, names, "same term in several searches (earlier rows set aside)",
              sum(int(e["reason"].str.startswith("same term").sum()) for e in extra))  # fmt: skip
    return extra


def _join_outcome_file(
    kind: str,
    students: pd.DataFrame,
    reads: list[ReadExport],
    *,
    key: str,
    inst: pd.DataFrame | None,
    rate: str,
    info: SourceInfo,
) -> None:
    """Add the application or aid outcomes to ``students`` in place, counting the join."""
    names = ", ".join(rx.file for rx in reads)
    fn = application_outcomes if kind == "applications" else aid_outcomes
    kwargs: dict[str, Any] = (
        {"institutions": inst, "rate_column": rate} if kind == "applications" else {}
    )
    outcome, probs, notes, counts = fn(reads, students, key=key, **kwargs)
    for col in outcome.columns:
        students[col] = outcome[col].to_numpy()
    info.problems.extend(probs)
    info.notes.extend(notes)
    info.join(kind, names, "roster students with a row", counts["matched"])
    info.join(kind, names, "roster students without one (counted as none)",
              counts["unmatched"] - counts["uncovered"])  # fmt: skip
    if counts["uncovered"]:
        info.join(kind, names, "roster students in schools the file does not cover "
                  "(left unknown)", counts["uncovered"])  # fmt: skip


def join_students(
    spine: pd.DataFrame,
    by_kind: dict[str, list[ReadExport]],
    *,
    inst: pd.DataFrame | None,
    overrides: pd.DataFrame | None,
    rate: str,
    info: SourceInfo,
) -> pd.DataFrame:
    """The outcome files joined onto the spine (left: every roster student stays).

    Parameters
    ----------
    spine : DataFrame
        The roster students (``student_id``, ``grad_year``, ``_file``, ...).
    by_kind : dict of str to list of ReadExport
        The files read, by kind.
    inst, overrides : DataFrame or None
        The institutions table and the college-code overrides.
    rate : str
        The graduation-rate column that says "likely to graduate".
    info : SourceInfo
        Collects the joins, notes, problems and per-file accounting.

    Returns
    -------
    DataFrame
        The spine with each joined file's outcome columns.
    """
    students = spine.copy()
    files = ", ".join(sorted(set(spine["_file"])))
    ids = students["student_id"].astype("str")
    repeated = ids[ids.duplicated(keep=False) & students["student_id"].notna()]
    info.join("roster", files, "roster students", len(students))
    info.join("roster", files, "student ids on more than one roster row", repeated.nunique())
    for kind in JOINED:
        reads = by_kind.get(kind, [])
        key = _join_key(kind, reads, students, info) if reads else None
        if key is None:
            continue
        extra: list[Any] = []
        if kind == "studenttracker":
            extra = _join_studenttracker(
                students, reads, key=key, inst=inst, overrides=overrides, info=info
            )
        else:
            _join_outcome_file(kind, students, reads, key=key, inst=inst, rate=rate, info=info)
        strangers = sum(
            int(e["reason"].str.startswith("no roster student").sum())
            for rx in reads
            for e in rx.exclusions
        )
        names = ", ".join(rx.file for rx in reads)
        info.join(kind, names, "file rows with no roster student (set aside)", strangers)
        for rx in reads:
            info.account(rx, extra)
    return students
