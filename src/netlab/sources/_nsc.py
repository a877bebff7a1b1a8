"""StudentTracker detail files reduced to one set of college outcomes per student.

National Student Clearinghouse definitions (StudentTracker for High Schools): for the class
graduating in year Y,

- **enrolled** (in the fall after high school): any enrollment that overlaps 15 August to
  31 October of Y;
- **enrolled within a year** (``enrolled_year1``): any enrollment that overlaps 15 August of Y
  to 14 August of Y+1;
- **first college** (``enrolled_unitid``, ``enrolled_level``, ``enrolled_control``): for a
  student enrolled in the fall, the fall college (a 4-year one when there are several, then
  the earliest term); otherwise the earliest enrollment after high school;
- **persisted**: enrolled within the first year and again in the second fall (15 August to
  31 October of Y+1), at any college;
- **completed within six years** (``completed_6yr``): an associate's, bachelor's or higher
  degree awarded by 14 August of Y+6; ``completed_certificate`` counts certificates, kept
  apart.

Each figure is left blank for classes that have not had the time: the latest search date
must lie past the end of its window. A student not found (Record Found N) is not enrolled,
as NSC counts it (FERPA-blocked records are among them); a roster student absent from
every file was not sent, and every outcome is blank.

Quirks handled: identifiers come back with a trailing ``_``; ``College Sequence`` is filled
on a college's first row only (filled down); the same term recurs across pulls (the row of
the latest search date is kept, the others are excluded with the reason); a file opened and
re-saved in Excel (dates turned into numbers, codes stripped of their leading zeros) is
named in a warning and read back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from netlab import schemas
from netlab.sources._export_values import _typed
from netlab.sources._ipeds import code_summary, map_college_codes, opeid8
from netlab.sources._kinds import ReadExport, kind_fields
from netlab.sources._nsc_file import _excel_signs, _search_date
from netlab.sources._nsc_outcomes import (
    _any_per_student,
    _day,
    _enrolment_windows,
    _first_college,
    _first_rows,
    _known,
    _latest_search,
    _on,
    _only_old,
    _six_year_awards,
)

OUTCOMES = [
    "enrolled",
    "enrolled_year1",
    "enrolled_unitid",
    "enrolled_level",
    "enrolled_control",
    "persisted",
    "completed_6yr",
    "completed_certificate",
]


@dataclass
class NscResult:
    """Outcomes per (student_id, grad_year) and the record of how they were made."""

    outcomes: pd.DataFrame
    codes: pd.DataFrame
    exclusions: list[pd.DataFrame] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    summary: str = ""
    searched: dt.date | None = None  # the latest search date of the files (the run's date)


# --------------------------------------------------------------------------- per file
_CATEGORIES = {"college_code", "college_name", "level", "control", "degree_title"}
_KEEP = ("record_found", "college_code", "college_name", "level", "control",
         "enrollment_begin", "enrollment_end", "graduated", "graduation_date", "degree_title",
         "college_sequence")  # fmt: skip


def _prepare_file(rx: ReadExport, spine: pd.Index, key: str, out: NscResult, number: int):
    """One file's rows, typed and joined to the roster (blanks and strangers set aside)."""
    signs = _excel_signs(rx)
    if signs:
        out.problems.append(
            schemas.problem(
                file=rx.file,
                table="studenttracker",
                rule=f"{rx.file} looks opened and re-saved in Excel: {'; '.join(signs)}. "
                "netlab read the values back (Excel dates as dates, college codes padded "
                "to six digits)",
                what_to_do="Keep the file as the Clearinghouse sent it (do not open and save "
                "it in Excel), and give netlab that copy.",
                severity="warning",
            )
        )
    fields, _ = kind_fields("studenttracker")
    for role, kind in {**fields, **rx.description.spec.types}.items():
        if role in rx.frame and kind != "text":
            rx.frame[role] = _typed(rx, role, rx.frame[role], kind)
    ids = rx.frame["student_id"].astype("str").str.strip().str.rstrip("_")
    rx.frame["student_id"] = ids.where(ids != "")
    rx.exclude(rx.frame["student_id"].isna(), "student identifier is blank",
               column=rx.headers.get("student_id"))  # fmt: skip
    at = spine.get_indexer(rx.frame["student_id"])
    rx.exclude(
        at < 0,
        f"no roster student with this identifier (joined on {key})",
        column=rx.headers.get("student_id"),
    )
    searched = _search_date(rx, rx.notes)
    f = rx.frame
    # Few distinct values over millions of rows: categories keep a state's file small.
    frame = pd.DataFrame(
        {c: f[c].astype("category") if c in _CATEGORIES else f[c] for c in _KEEP if c in f}
    )
    frame["_g"] = at[at >= 0]
    frame["_row"] = f["_row"].to_numpy()
    frame["_file"] = np.int16(number)
    frame["_searched"] = (searched.to_numpy().astype("datetime64[D]")
                          if isinstance(searched, pd.Series) else searched)  # fmt: skip
    rx.frame = f.iloc[:0]  # the rows live on in ``frame``; the file's own copy is let go
    return frame


# --------------------------------------------------------------------------- across files
def _excluded(rows: pd.DataFrame, mask: np.ndarray, reason: Any, files: list[str]) -> pd.DataFrame:
    part = rows.loc[mask]
    return pd.DataFrame(
        {
            "table": "studenttracker",
            "file": np.asarray(files, dtype=object)[part["_file"].to_numpy(dtype=np.int64)],
            "row": part["_row"].to_numpy(dtype=np.int64),
            "reason": reason[mask] if isinstance(reason, np.ndarray) else reason,
            "column": None,
            "value": None,
        }
    )


def _codes(values: pd.Series | None, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, -1, dtype=np.int64)
    return pd.factorize(values)[0]


def _dedupe(rows: pd.DataFrame, out: NscResult, files: list[str]) -> pd.DataFrame:
    """The same term (student, college, begin) or award once: the latest search's row."""
    n = len(rows)
    found = rows["record_found"].fillna(True).astype(bool).to_numpy()
    grad = rows["graduated"].fillna(False).astype(bool).to_numpy() if "graduated" in rows else (
        np.zeros(n, bool))  # fmt: skip
    kind = np.where(~found, 0, np.where(grad, 2, 1)).astype(np.int8)
    begin = _day(rows["enrollment_begin"]).astype(np.int64)
    gdate = _day(rows["graduation_date"]).astype(np.int64) if "graduation_date" in rows else (
        np.zeros(n, np.int64))  # fmt: skip
    # A term is (student, college, begin); an award (student, college, date, title).
    key = pd.DataFrame(
        {
            "g": rows["_g"].to_numpy(),
            "kind": kind,
            "code": rows["_code8"].to_numpy(),
            "when": np.where(kind == 2, gdate, begin),
            "title": np.where(kind == 2, _codes(rows.get("degree_title"), n), -1),
        }
    )
    searched = rows["_searched"].to_numpy().astype("datetime64[D]")
    order = np.argsort(-searched.astype(np.int64), kind="stable")
    dup_sorted = key.iloc[order].duplicated(keep="first").to_numpy()
    if dup_sorted.any():
        dup = np.zeros(n, bool)
        dup[order[dup_sorted]] = True
        # The date of the row kept for each repeated key.
        firsts = key.iloc[order[~dup_sorted]].assign(_d=searched[order[~dup_sorted]])
        kept = key[dup].merge(firsts, on=list(key.columns), how="left")["_d"].to_numpy()
        mine = searched[dup]
        when = pd.Series(kept).dt.strftime("%Y-%m-%d").fillna("later").to_numpy(dtype=object)
        reason = np.full(n, None, dtype=object)
        reason[dup] = np.where(
            mine == kept.astype("datetime64[D]"),
            "repeated row (same student, college and term in the same search)",
            "same term in an earlier search; the row searched " + when + " was kept",
        )
        out.exclusions.append(_excluded(rows, dup, reason, files))
        rows = rows.loc[~dup]
    # A student found in one search and not in another: the found rows tell.
    found = rows["record_found"].fillna(True).astype(bool).to_numpy()
    g = rows["_g"].to_numpy()
    has_found = np.bincount(g[found], minlength=g.max() + 1 if len(g) else 0) > 0
    lone = ~found & has_found[g]
    if lone.any():
        out.exclusions.append(
            _excluded(rows, lone, "not found in one search but found in another", files)
        )
        rows = rows.loc[~lone]
    return rows


def _gather_rows(
    reads: list[ReadExport], index: pd.Index, key: str, out: NscResult
) -> pd.DataFrame:
    """Every file's rows on the roster, sequences filled down and repeated terms dropped."""
    files = [rx.file for rx in reads]
    out.counts["rows_in"] = int(sum(rx.rows_in for rx in reads))
    frames = [_prepare_file(rx, index, key, out, i) for i, rx in enumerate(reads)]
    rows = pd.concat(frames, ignore_index=True) if len(frames) > 1 else (
        frames[0] if frames else pd.DataFrame())  # fmt: skip
    del frames
    if len(rows) == 0:
        return rows
    code8 = opeid8(rows["college_code"])
    rows["_code8"] = pd.factorize(code8)[0]
    if "college_sequence" in rows:
        # Filled on a college's first row only: carry it down within the student's college.
        college = rows["_g"].to_numpy(dtype=np.int64) * (int(rows["_code8"].max()) + 2) + (
            rows["_code8"].to_numpy(dtype=np.int64) + 1)  # fmt: skip
        rows["college_sequence"] = (
            rows["college_sequence"].astype("Float64").groupby(college).ffill()
        )
    rows = _dedupe(rows, out, files)
    out.counts["rows_used"] = len(rows)
    stamps = rows["_searched"].to_numpy().astype("datetime64[D]")
    if (~np.isnat(stamps)).any():
        out.searched = pd.Timestamp(stamps[~np.isnat(stamps)].max()).date()
    return rows


def _outcomes(
    rows: pd.DataFrame,
    reads: list[ReadExport],
    out: NscResult,
    *,
    index: pd.Index,
    spine_year: np.ndarray,
    codes: pd.DataFrame,
    institutions: pd.DataFrame | None,
) -> np.ndarray:
    """Set ``out.outcomes`` (one row per student with rows); return each one's first-college row."""
    spine_g = rows["_g"].to_numpy()
    present = np.flatnonzero(np.bincount(spine_g, minlength=len(index)) > 0)
    g = np.searchsorted(present, spine_g)  # 0..n-1 over the students with rows
    n = len(present)
    first_year = spine_year[present]
    year = first_year[g]
    win = _enrolment_windows(rows, year)
    searched = _latest_search(rows, g, n)
    year1 = _any_per_student(win["in_year1"], g, n)
    persisted = year1 & _any_per_student(win["in_second_fall"], g, n)
    # Awards within six years; certificates apart from degrees.
    degree, cert, blank_titles = _six_year_awards(rows, year, win["found"], rx_awards(reads))
    if blank_titles:
        out.notes.append(
            f"StudentTracker: {blank_titles:,} degree row(s) with a blank or unrecognised "
            "title are counted as degrees (not certificates)"
        )
    first = _first_rows(rows, g, n, win)
    code_unitid = codes.set_index("college_code")["unitid"]
    six_end = _on(first_year + 6, 8, 14)
    out.outcomes = pd.DataFrame(
        {
            "join": index.to_numpy()[present],
            "grad_year": first_year,
            "enrolled": _known(
                _any_per_student(win["in_fall"], g, n), searched, _on(first_year, 10, 31)
            ),
            "enrolled_year1": _known(year1, searched, _on(first_year + 1, 8, 14)),
            **_first_college(rows, first, code_unitid, institutions),
            "persisted": _known(persisted, searched, _on(first_year + 1, 10, 31)),
            "completed_6yr": _only_old(_any_per_student(degree, g, n), searched, six_end),
            "completed_certificate": _only_old(_any_per_student(cert, g, n), searched, six_end),
        }
    )
    found = _any_per_student(win["found"], g, n)
    out.counts.update(students=n, found=int(found.sum()), not_found=int((~found).sum()))
    return first


def reduce_studenttracker(
    reads: list[ReadExport],
    spine: pd.DataFrame,
    *,
    key: str = "student_id",
    institutions: pd.DataFrame | None = None,
    overrides: pd.DataFrame | None = None,
) -> NscResult:
    """Reduce StudentTracker detail files to outcomes per student (see the module docstring).

    Parameters
    ----------
    reads : list of ReadExport
        The detail files, read as text (``read_export(..., typed=False)``).
    spine : DataFrame
        The roster: ``join`` (the id the files carry) and ``grad_year``. A student listed
        in two classes is joined to the first.
    key : str
        The roster field the files' identifiers match (for messages).
    institutions, overrides : DataFrame, optional
        For college codes -> UnitIDs (see :func:`netlab.sources._ipeds.map_college_codes`).

    Returns
    -------
    NscResult
        ``outcomes``: join, grad_year and :data:`OUTCOMES`, one row per roster student
        with a row in the files (roster students not sent are absent); ``codes``: every
        college code seen with its UnitID and how it was found.
    """
    out = NscResult(outcomes=pd.DataFrame(), codes=pd.DataFrame())
    spine = spine.dropna(subset=["join", "grad_year"]).drop_duplicates("join")
    index = pd.Index(spine["join"].astype("str").to_numpy())
    rows = _gather_rows(reads, index, key, out)
    if len(rows) == 0:
        out.outcomes = pd.DataFrame(columns=["join", "grad_year", *OUTCOMES])
        return out
    codes = map_college_codes(rows["college_code"], institutions, overrides)
    first = _outcomes(
        rows,
        reads,
        out,
        index=index,
        spine_year=spine["grad_year"].to_numpy(dtype=np.int64),
        codes=codes,
        institutions=institutions,
    )
    _code_report(rows, codes, first, out, [rx.file for rx in reads])
    return out


def rx_awards(reads: list[ReadExport]) -> dict[str, list[str]]:
    for rx in reads:
        if rx.description.spec.awards:
            return dict(rx.description.spec.awards)
    return {}


def _code_report(rows: pd.DataFrame, codes: pd.DataFrame, first: np.ndarray, out: NscResult,
                 files: list[str]) -> None:  # fmt: skip
    """Every college code with its name, UnitID and students; unmapped ones as a warning."""
    cat = rows["college_code"].astype("category")
    code_no = cat.cat.codes.to_numpy(dtype=np.int64)
    labels = np.asarray(cat.cat.categories.astype("str"), dtype=object)
    seen = code_no >= 0
    names = pd.Series(dtype=object)
    if "college_name" in rows:
        has_name = seen & rows["college_name"].notna().to_numpy()
        _, at = np.unique(code_no[has_name], return_index=True)
        where = np.flatnonzero(has_name)[at]
        names = pd.Series(rows["college_name"].iloc[where].astype("str").to_numpy(),
                          index=labels[code_no[where]])  # fmt: skip
    g = rows["_g"].to_numpy(dtype=np.int64)
    pairs = np.unique(code_no[seen] * (int(g.max()) + 1) + g[seen])
    per_code = np.bincount(pairs // (int(g.max()) + 1), minlength=len(labels))
    students = pd.Series(per_code, index=labels)
    firsts = pd.Series(labels[code_no[first[first >= 0]]]).value_counts()
    table = codes.assign(
        college_name=codes["college_code"].map(names),
        students=codes["college_code"].map(students).fillna(0).astype(int),
        first_college_of=codes["college_code"].map(firsts).fillna(0).astype(int),
    )
    out.codes = table.sort_values("students", ascending=False).reset_index(drop=True)
    out.notes.append("StudentTracker: " + code_summary(codes))
    lost = table[table["unitid"].isna() & (table["how"] != "not a college code")]
    if len(lost):
        shown = [f"{c} {n}" if isinstance(n, str) else c
                 for c, n in zip(lost["college_code"], lost["college_name"], strict=True)]  # fmt: skip
        out.problems.append(
            schemas.problem(
                file=", ".join(files),
                table="studenttracker",
                column="college_code",
                values=shown,
                rule=f"{len(lost):,} college code(s) map to no IPEDS UnitID ("
                + ", ".join(sorted(set(lost["how"])))
                + f"), first college of {int(lost['first_college_of'].sum()):,} student(s); "
                "they count as enrolled, their graduation rate is unknown",
                what_to_do="Add them to college_codes.csv (college_code, unitid) in the raw "
                "folder, or put IPEDS's files there (netlab import-public ipeds ...).",
                severity="warning",
            )
        )
