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

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from netlab import schemas
from netlab._ipeds import code_summary, map_college_codes, opeid8
from netlab._read_export import ReadExport, _typed, isin_text, kind_fields

_DATE_ROLES = ("search_date", "hs_grad_date", "enrollment_begin", "enrollment_end",
               "graduation_date")  # fmt: skip
_LEVEL_RANK = {"4-year": 0, "2-year": 1, "less-than-2-year": 2}
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


# --------------------------------------------------------------------------- per file
def _excel_signs(rx: ReadExport) -> list[str]:
    """What betrays a file re-saved in Excel: dates as numbers, codes without their zeros."""
    f, signs = rx.frame, []
    for role in _DATE_ROLES:
        if role not in f:
            continue
        text = f[role].dropna().astype("str")
        serial = text[text.str.fullmatch(r"\d{5}(\.0+)?")]
        slashed = text[text.str.contains("/", regex=False)]
        for found, what in ((serial, "numbers"), (slashed, "month/day/year text")):
            if len(found):
                signs.append(
                    f"{rx.headers.get(role, role)} dates became {what} (e.g. {found.iloc[0]})"
                )
    if "college_code" in f:
        code = f["college_code"].dropna().astype("str")
        short = code[code.str.fullmatch(r"\d{1,5}-\d{1,2}")]
        if len(short):
            signs.append(
                f"{rx.headers.get('college_code', 'college_code')} codes lost their leading "
                f"zeros (e.g. {short.iloc[0]})"
            )
    return signs


def _search_dates(rx: ReadExport, notes: list[str]) -> pd.Series:
    """Each row's search date: its own column, else the file name's date, else the latest."""
    f = rx.frame
    if "search_date" in f and f["search_date"].notna().any():
        return f["search_date"]
    pattern = rx.description.spec.search_date
    if pattern and (m := re.search(pattern, rx.file)):
        found = pd.to_datetime(m.group("date"), format="%Y%m%d", errors="coerce")
        if pd.notna(found):
            notes.append(f"{rx.file}: search date {found.date()} (from the file name)")
            return pd.Series(found, index=f.index, dtype="datetime64[ns]")
    latest = pd.concat(
        [f[r] for r in ("enrollment_begin", "enrollment_end", "graduation_date") if r in f]
    ).max()
    notes.append(
        f"{rx.file}: no search date in the file or its name; the latest date in it "
        f"({pd.Timestamp(latest).date() if pd.notna(latest) else 'none'}) is taken as the search date"
    )
    return pd.Series(latest, index=f.index, dtype="datetime64[ns]")


def _prepare_file(rx: ReadExport, spine_ids: pd.Index, key: str, out: NscResult) -> pd.DataFrame:
    """One file's rows typed, with the roster's blanks and strangers set aside."""
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
    stranger = ~isin_text(rx.frame["student_id"], spine_ids)
    rx.exclude(
        stranger,
        f"no roster student with this identifier (joined on {key})",
        column=rx.headers.get("student_id"),
    )
    frame = rx.frame.copy()
    frame["_searched"] = _search_dates(rx, out.notes)
    frame["_file"] = rx.file
    if "college_sequence" in frame:
        # Filled on a college's first row only: carry it down within the student.
        seq = frame["college_sequence"].astype("Float64")
        frame["college_sequence"] = seq.groupby(frame["student_id"]).ffill()
    return frame


# --------------------------------------------------------------------------- across files
def _excluded(frame: pd.DataFrame, mask: np.ndarray, reason: pd.Series | str) -> pd.DataFrame:
    part = frame.loc[mask]
    return pd.DataFrame(
        {
            "table": "studenttracker",
            "file": part["_file"].to_numpy(),
            "row": part["_row"].to_numpy(dtype=np.int64),
            "reason": reason[mask].to_numpy() if isinstance(reason, pd.Series) else reason,
            "column": None,
            "value": None,
        }
    )


def _dedupe(rows: pd.DataFrame, out: NscResult) -> pd.DataFrame:
    """The same term (student, college, begin) or award once: the latest search's row."""
    found = rows["record_found"].fillna(True).astype(bool).to_numpy()
    grad = rows["graduated"].fillna(False).astype(bool).to_numpy() if "graduated" in rows else (
        np.zeros(len(rows), bool))  # fmt: skip
    begin = rows["enrollment_begin"].astype("datetime64[ns]").to_numpy()
    gdate = (rows["graduation_date"].astype("datetime64[ns]").to_numpy() if "graduation_date"
             in rows else np.full(len(rows), np.datetime64("NaT"), "datetime64[ns]"))  # fmt: skip
    kind = np.where(~found, 0, np.where(grad, 2, 1))
    title = rows["degree_title"] if "degree_title" in rows else pd.Series(None, index=rows.index)
    # A term is (student, college, begin); an award (student, college, date, title).
    key = pd.DataFrame(
        {
            "g": rows["_g"].to_numpy(),
            "kind": kind,
            "code": rows["_code8"].to_numpy(dtype=object),
            "when": np.where(kind == 2, gdate, begin),
            "title": np.where(kind == 2, title.to_numpy(dtype=object), None),
        },
        index=rows.index,
    )
    order = rows.sort_values(["_searched"], ascending=False, kind="stable").index
    group = key.loc[order].groupby(list(key.columns), dropna=False, sort=False).ngroup()
    dup = group.duplicated(keep="first").to_numpy()
    dup_rows = order[dup]
    if len(dup_rows):
        kept_date = pd.Series(rows.loc[order[~dup], "_searched"].to_numpy(),
                              index=group[~dup].to_numpy())  # fmt: skip
        mine = rows.loc[dup_rows, "_searched"]
        theirs = pd.Series(group[dup].map(kept_date).to_numpy(), index=dup_rows)
        same = (mine == theirs).to_numpy()
        reason = pd.Series(
            np.where(
                same,
                "repeated row (same student, college and term in the same search)",
                "same term in an earlier search; the row searched "
                + theirs.dt.strftime("%Y-%m-%d").fillna("later").to_numpy()
                + " was kept",
            ),
            index=dup_rows,
        )
        mask = rows.index.isin(dup_rows)
        out.exclusions.append(_excluded(rows, mask, reason.reindex(rows.index)))
        rows = rows.loc[~mask]
    # A student found in one search and not in another: the found rows tell.
    found = rows["record_found"].fillna(True).astype(bool)
    has_found = found.groupby(rows["_g"]).transform("any")
    lone = (~found & has_found).to_numpy()
    if lone.any():
        out.exclusions.append(
            _excluded(rows, lone, "not found in one search but found in another")
        )
        rows = rows.loc[~lone]
    return rows


def _day(values: pd.Series) -> np.ndarray:
    return values.astype("datetime64[ns]").to_numpy().astype("datetime64[D]")


def _on(year: np.ndarray, month: int, day: int) -> np.ndarray:
    """The date month/day of each year (vectorized)."""
    months = (year.astype(np.int64) - 1970) * 12 + (month - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]") + (day - 1)


def _award_kinds(titles: pd.Series, awards: dict[str, list[str]]) -> pd.Series:
    codes, uniques = pd.factorize(titles.fillna(""))
    kinds = []
    for t in uniques:
        kind = "unknown"
        for name, patterns in awards.items():
            if any(re.search(p, t, re.IGNORECASE) for p in patterns):
                kind = name
                break
        kinds.append(kind if t else "unknown")
    return pd.Series(np.asarray(kinds, dtype=object)[codes], index=titles.index)


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
        The roster: ``join`` (the id the files carry) and ``grad_year``; one row per
        student and class.
    key : str
        The roster field the files' identifiers match (for messages).
    institutions, overrides : DataFrame, optional
        For college codes -> UnitIDs (see :func:`netlab._ipeds.map_college_codes`).

    Returns
    -------
    NscResult
        ``outcomes``: join, grad_year and :data:`OUTCOMES`, one row per spine row with a
        file row (roster students not sent are absent); ``codes``: every college code seen
        with its UnitID and how it was found.
    """
    out = NscResult(outcomes=pd.DataFrame(), codes=pd.DataFrame())
    spine = spine.dropna(subset=["join", "grad_year"]).drop_duplicates(["join", "grad_year"])
    ids = pd.Index(spine["join"].astype("str").unique())
    frames = [_prepare_file(rx, ids, key, out) for rx in reads]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    out.counts["rows_in"] = int(sum(rx.rows_in for rx in reads))
    if len(rows) == 0:
        out.outcomes = pd.DataFrame(columns=["join", "grad_year", *OUTCOMES])
        return out
    rows = rows.merge(
        spine[["join", "grad_year"]].rename(columns={"join": "student_id"}),
        on="student_id",
        how="inner",
    )
    rows["_g"] = pd.MultiIndex.from_arrays([rows["student_id"], rows["grad_year"]]).factorize()[0]
    rows["_code8"] = opeid8(rows["college_code"].fillna(""))
    rows = _dedupe(rows, out)
    out.counts["rows_used"] = len(rows)

    g_codes, g_uniques = pd.factorize(rows["_g"])
    n = len(g_uniques)
    g = g_codes
    year = rows["grad_year"].to_numpy(dtype=np.int64)
    begin, end = _day(rows["enrollment_begin"]), _day(rows["enrollment_end"])
    end = np.where(np.isnat(end), begin, end)
    found = rows["record_found"].fillna(True).astype(bool).to_numpy()
    grad = (rows["graduated"].fillna(False).astype(bool).to_numpy() if "graduated" in rows
            else np.zeros(len(rows), bool))  # fmt: skip
    enrol = found & ~np.isnat(begin)
    fall0, fall1 = _on(year, 8, 15), _on(year, 10, 31)
    y1_end = _on(year + 1, 8, 14)
    f2_0, f2_1 = _on(year + 1, 8, 15), _on(year + 1, 10, 31)
    six_end = _on(year + 6, 8, 14)
    with np.errstate(invalid="ignore"):
        in_fall = enrol & (begin <= fall1) & (end >= fall0)
        in_y1 = enrol & (begin <= y1_end) & (end >= fall0)
        in_f2 = enrol & (begin <= f2_1) & (end >= f2_0)
        after = enrol & (end >= fall0)

    def anyof(mask: np.ndarray) -> np.ndarray:
        return np.bincount(g[mask], minlength=n) > 0

    searched = pd.Series(_day(rows["_searched"])).groupby(g).max().reindex(range(n)).to_numpy()
    first_year = pd.Series(year).groupby(g).first().reindex(range(n)).to_numpy()

    def known(flag: np.ndarray, window_end: np.ndarray) -> pd.arrays.BooleanArray:
        # True when seen; False only once the window is over at the latest search.
        with np.errstate(invalid="ignore"):
            done = ~np.isnat(searched) & (searched >= window_end)
        return pd.arrays.BooleanArray(flag, ~(flag | done))

    enrolled = anyof(in_fall)
    year1 = anyof(in_y1)
    persisted = year1 & anyof(in_f2)

    # Awards within six years; certificates apart from degrees.
    gdate = _day(rows["graduation_date"]) if "graduation_date" in rows else np.full(
        len(rows), np.datetime64("NaT"), "datetime64[D]")  # fmt: skip
    titles = rows["degree_title"] if "degree_title" in rows else pd.Series("", index=rows.index)
    award = _award_kinds(titles.astype("string"), rx_awards(reads))
    with np.errstate(invalid="ignore"):
        within = found & grad & ~np.isnat(gdate) & (gdate <= six_end)
    cert = within & (award == "certificate").to_numpy()
    degree = within & ~(award == "certificate").to_numpy()
    blank_titles = int((grad & (award == "unknown").to_numpy()).sum())
    if blank_titles:
        out.notes.append(
            f"StudentTracker: {blank_titles:,} degree row(s) with a blank or unrecognised "
            "title are counted as degrees (not certificates)"
        )

    # The first college: the fall college (4-year first), else the earliest after high school.
    level = (
        rows["level"].astype("string") if "level" in rows else pd.Series(pd.NA, index=rows.index)
    )
    rank = level.map(_LEVEL_RANK).fillna(3).to_numpy(dtype=np.int64)
    seq = (rows["college_sequence"].astype("Float64").fillna(99).to_numpy(dtype=float)
           if "college_sequence" in rows else np.zeros(len(rows)))  # fmt: skip
    cand = np.flatnonzero(after)
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

    codes = map_college_codes(rows["college_code"], institutions, overrides)
    code_unitid = codes.set_index("college_code")["unitid"]
    has = first >= 0
    at = np.where(has, first, 0)
    college = rows["college_code"].astype("string").to_numpy()[at]
    unitid = pd.Series(college).map(code_unitid).where(has)
    lvl = level.to_numpy()[at]
    control = (rows["control"].astype("string").to_numpy()[at] if "control" in rows
               else np.full(n, None, object))  # fmt: skip
    if institutions is not None and "control" in institutions:
        ipeds_control = unitid.map(institutions.drop_duplicates("unitid").set_index("unitid")
                                   ["control"])  # fmt: skip
        control = ipeds_control.where(ipeds_control.notna(), pd.Series(control)).to_numpy()

    # One row per student group: its id from any of its rows.
    at_first = np.unique(g, return_index=True)[1]
    student = rows["student_id"].to_numpy(dtype=object)[at_first]
    out.outcomes = pd.DataFrame(
        {
            "join": student,
            "grad_year": first_year,
            "enrolled": known(enrolled, _on(first_year, 10, 31)),
            "enrolled_year1": known(year1, _on(first_year + 1, 8, 14)),
            "enrolled_unitid": pd.array(unitid.to_numpy(), dtype="str"),
            "enrolled_level": pd.array(np.where(has, lvl, None), dtype="str"),
            "enrolled_control": pd.array(np.where(has, control, None), dtype="str"),
            "persisted": known(persisted, _on(first_year + 1, 10, 31)),
            "completed_6yr": _only_old(anyof(degree), searched, _on(first_year + 6, 8, 14)),
            "completed_certificate": _only_old(anyof(cert), searched, _on(first_year + 6, 8, 14)),
        }
    )
    _code_report(rows, codes, first, out)
    out.counts.update(
        students=n,
        found=int(anyof(found).sum()),
        not_found=int((~anyof(found)).sum()),
    )
    return out


def _only_old(flag: np.ndarray, searched: np.ndarray, window_end: np.ndarray) -> pd.array:
    """A six-year figure only for classes that have had six years (blank otherwise)."""
    with np.errstate(invalid="ignore"):
        old = ~np.isnat(searched) & (searched >= window_end)
    return pd.arrays.BooleanArray(flag & old, ~old)


def rx_awards(reads: list[ReadExport]) -> dict[str, list[str]]:
    for rx in reads:
        if rx.description.spec.awards:
            return dict(rx.description.spec.awards)
    return {}


def _code_report(rows: pd.DataFrame, codes: pd.DataFrame, first: np.ndarray, out: NscResult):
    """Every college code with its name, UnitID and students; unmapped ones as a warning."""
    names = rows.groupby("college_code")["college_name"].agg(
        lambda s: s.mode().iloc[0] if s.notna().any() else None
    ) if "college_name" in rows else pd.Series(dtype=object)  # fmt: skip
    students = rows.groupby("college_code")["_g"].nunique()
    firsts = rows.iloc[first[first >= 0]].groupby("college_code").size()
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
                file=", ".join(sorted(set(rows["_file"]))),
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
