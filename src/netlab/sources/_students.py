"""Student-level exports: the roster (the spine), application and aid files, reduced per student.

The roster gives one row per senior: the state id (pseudonymized later, once, by
:mod:`netlab.clean`), the local number other systems may carry, the school, the class and
the student's groups. An application tracker's rows (student x college) become
``applied_4yr``, ``admitted_4yr``, ``intent_4yr`` and ``admitted_grad_rate`` (the best
graduation rate among the 4-year colleges that admitted the student); an aid agency's rows
(student x application) become ``fafsa_complete``, ``dream_act_complete``, ``fafsa_date``
and ``cal_grant``. A roster student with no row in such a file has none of these; a school
none of whose students has a row is taken as not covered by the file (blank, with a warning).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from netlab import schemas
from netlab.sources._export_values import _typed
from netlab.sources._kinds import ReadExport
from netlab.sources._read import isin_text, race_from_codes

_RACE_CODES = [f"race_{i}" for i in range(1, 6)]


def roster_students(rx: ReadExport) -> pd.DataFrame:
    """The roster as the students table: contract columns (text) plus the join fields.

    Rows outside grade 12 (when the roster has a grade) are set aside with their reason.
    """
    f = rx.frame
    for role, kind in (("student_id", "id"), ("local_id", "id"), ("grade", "int"),
                       ("hispanic", "bool")):  # fmt: skip
        if role in f:
            f[role] = _typed(rx, role, f[role], kind)
    if "grad_year" in f and not pd.api.types.is_integer_dtype(f["grad_year"].dtype):
        f["grad_year"] = _typed(rx, "grad_year", f["grad_year"], "year")
    if "grade" in f:
        grade = f["grade"]
        rx.exclude(
            (grade.notna() & (grade != 12)).to_numpy(),
            "not in grade 12",
            column=rx.headers.get("grade"),
            values=grade.astype("string"),
        )
        f = rx.frame
    codes = [f[c] for c in _RACE_CODES if c in f]
    if "race_ethnicity" not in f and (codes or "hispanic" in f):
        names = rx.description.spec.race_codes
        if codes and not names:
            rx.problem(
                column=rx.headers.get("race_1"),
                rule="the roster has race codes but its description maps none to categories",
                what_to_do=f"Add `race_codes:` (code: category) to {rx.description.where_for(rx.path)}.",
            )
        f["race_ethnicity"] = race_from_codes(f.get("hispanic"), codes, names)
        unknown, at = set(), np.zeros(len(f), dtype=bool)
        for c in codes:
            vals = c.astype("str").str.strip()
            odd = (c.notna() & ~vals.isin([str(k) for k in names])).to_numpy(dtype=bool)
            unknown |= set(vals[odd])
            at |= odd
        if unknown and names:
            rx.problem(
                column=rx.headers.get("race_1"),
                rows=f["_row"].to_numpy()[at],
                values=sorted(unknown),
                rule="race code(s) not in the description's race_codes; counted as no code",
                what_to_do=f"Add them under `race_codes:` in {rx.description.where_for(rx.path)}.",
                severity="warning",
            )
    drop = ["hispanic", "grade", *_RACE_CODES, "school_name", "district"]
    out = f.drop(columns=[c for c in drop if c in f]).copy()
    out["grad_year"] = out["grad_year"].astype("Int64")
    return out.reset_index(drop=True)


def _school_coverage(spine: pd.DataFrame, matched: pd.Series, what: str, file: str,
                     table: str, problems: list) -> pd.Series:  # fmt: skip
    """Roster students whose school has no row at all in the file (taken as not covered)."""
    if "school_id" not in spine:
        return pd.Series(False, index=spine.index)
    any_row = matched.groupby(spine["school_id"]).transform("any")
    uncovered = ~any_row.fillna(False).astype(bool)
    schools = sorted(spine.loc[uncovered, "school_id"].dropna().astype(str).unique())
    if schools:
        problems.append(
            schemas.problem(
                file=file,
                table=table,
                values=schools,
                rule=f"no student of {len(schools)} school(s) has a row in {file}; their "
                f"{what} are left blank (unknown), not counted as no",
                what_to_do=f"Check that {file} covers every school of the roster.",
                severity="warning",
            )
        )
    return uncovered


def _join_ids(rx: ReadExport, spine: pd.DataFrame, key: str) -> None:
    """Exclude rows with a blank id or one the roster does not hold."""
    f = rx.frame
    ids = f["student_id"].astype("str").str.strip().str.rstrip("_")
    f["student_id"] = ids.where(ids != "")
    rx.exclude(f["student_id"].isna().to_numpy(), "student identifier is blank",
               column=rx.headers.get("student_id"))  # fmt: skip
    known = pd.Index(spine[key].dropna().astype("str").unique())
    rx.exclude(
        ~isin_text(rx.frame["student_id"], known),
        f"no roster student with this identifier (joined on {key})",
        column=rx.headers.get("student_id"),
    )


def _exact_duplicates(rx: ReadExport) -> None:
    cols = [c for c in rx.frame.columns if c != "_row"]
    dup = rx.frame.duplicated(subset=cols, keep="first").to_numpy()
    rx.exclude(dup, "exact duplicate of an earlier row")


def _application_levels(
    rows: pd.DataFrame,
    inst: pd.DataFrame | None,
    files: str,
    problems: list[dict[str, Any]],
) -> pd.Series:
    """Each application's college level: the file's, else the institutions table's."""
    level = rows["level"] if "level" in rows else pd.Series(None, index=rows.index, dtype="str")
    if inst is not None and "unitid" in rows:
        level = level.fillna(rows["unitid"].map(inst["level"]))
    unknown = level.isna()
    if unknown.any():
        shown = rows.loc[unknown, "college_name"] if "college_name" in rows else rows.loc[
            unknown, "unitid"]  # fmt: skip
        problems.append(
            schemas.problem(
                file=files,
                table="applications",
                column="level",
                values=pd.unique(shown.dropna().astype(str))[:5],
                rule=f"{int(unknown.sum()):,} application(s) to colleges of unknown level "
                "(no level in the file, UnitID not in the institutions table); not counted "
                "as 4-year",
                what_to_do="Add the colleges' UnitIDs (NCES) to the export, or the colleges "
                "to the institutions table.",
                severity="warning",
            )
        )
    return level


def _per_applicant(
    rows: pd.DataFrame, level: pd.Series, inst: pd.DataFrame | None, rate_column: str
) -> pd.DataFrame:
    """Per student id in the files: applied, admitted, intending (4-year) and the best rate."""
    four = (level == "4-year").to_numpy()
    result = rows["result"].astype("string")
    applied = four & (result != "incomplete").fillna(True).to_numpy()
    admitted = four & (result == "admitted").fillna(False).to_numpy()
    attending = (rows["attending"].fillna(False).astype(bool).to_numpy() if "attending" in rows
                 else np.zeros(len(rows), bool))  # fmt: skip
    rate = pd.Series(np.nan, index=rows.index)
    if inst is not None and "unitid" in rows and rate_column in inst:
        rate = rows["unitid"].map(inst[rate_column]).astype(float)
    sid = rows["student_id"].astype("str").to_numpy()
    return pd.DataFrame(
        {
            "applied_4yr": pd.Series(applied).groupby(sid).any(),
            "admitted_4yr": pd.Series(admitted).groupby(sid).any(),
            "intent_4yr": pd.Series(four & attending).groupby(sid).any(),
            "admitted_grad_rate": rate.where(admitted).groupby(sid).max(),
        }
    )


def application_outcomes(
    reads: list[ReadExport],
    spine: pd.DataFrame,
    *,
    key: str,
    institutions: pd.DataFrame | None,
    rate_column: str = "grad_rate",
) -> tuple[pd.DataFrame, list[dict[str, Any]], list[str], dict[str, int]]:
    """Per roster student: applied to, admitted to and intending a 4-year college.

    Returns
    -------
    (DataFrame, problems, notes, counts)
        The frame has the spine's index and columns ``applied_4yr``, ``admitted_4yr``,
        ``intent_4yr`` (boolean) and ``admitted_grad_rate`` (float). An application counts
        unless its result is ``incomplete``; a college's level comes from the file, else
        from the institutions table.
    """
    problems: list[dict[str, Any]] = []
    notes: list[str] = []
    for rx in reads:
        _join_ids(rx, spine, key)
        _exact_duplicates(rx)
    rows = pd.concat([rx.frame for rx in reads], ignore_index=True)
    inst = None if institutions is None else institutions.drop_duplicates("unitid").set_index(
        "unitid")  # fmt: skip
    files = ", ".join(rx.file for rx in reads)
    level = _application_levels(rows, inst, files, problems)
    per = _per_applicant(rows, level, inst, rate_column)
    ids = spine[key].astype("str")
    matched = pd.Series(isin_text(ids, per.index), index=ids.index)
    out = pd.DataFrame(index=spine.index)
    flags = ("applied_4yr", "admitted_4yr", "intent_4yr")
    for col in flags:
        out[col] = pd.array(ids.map(per[col]).fillna(False).to_numpy(dtype=bool), dtype="boolean")
    out["admitted_grad_rate"] = ids.map(per["admitted_grad_rate"]).astype(float)
    uncovered = _school_coverage(spine, matched, "applications", files, "applications", problems)
    for col in flags:
        out.loc[uncovered.to_numpy(), col] = pd.NA
    counts = {
        "rows_used": len(rows),
        "matched": int(matched.sum()),
        "unmatched": int((~matched).sum()),
        "uncovered": int(uncovered.sum()),
    }
    return out, problems, notes, counts


def aid_outcomes(
    reads: list[ReadExport], spine: pd.DataFrame, *, key: str
) -> tuple[pd.DataFrame, list[dict[str, Any]], list[str], dict[str, int]]:
    """Per roster student: FAFSA / Dream Act completed (and when), Cal Grant offered.

    A row is completed when it has a completed date (or its ``completed`` flag says so);
    a row without an application type counts as a FAFSA.
    """
    problems: list[dict[str, Any]] = []
    for rx in reads:
        _join_ids(rx, spine, key)
        _exact_duplicates(rx)
    rows = pd.concat([rx.frame for rx in reads], ignore_index=True)
    kind = (rows["app_type"].astype("string").fillna("fafsa") if "app_type" in rows
            else pd.Series("fafsa", index=rows.index))  # fmt: skip
    done = rows["completed_date"].notna() if "completed_date" in rows else pd.Series(
        False, index=rows.index)  # fmt: skip
    if "completed" in rows:
        done = done | rows["completed"].fillna(False).astype(bool)
    done = done.to_numpy()
    fafsa = done & (kind == "fafsa").to_numpy()
    dream = done & (kind == "cadaa").to_numpy()
    cal = (rows["cal_grant"].fillna(False).astype(bool).to_numpy() if "cal_grant" in rows
           else np.zeros(len(rows), bool))  # fmt: skip
    sid = rows["student_id"].astype("str").to_numpy()
    date = (rows["completed_date"] if "completed_date" in rows else pd.Series(pd.NaT,
            index=rows.index)).where(fafsa)  # fmt: skip
    per = pd.DataFrame(
        {
            "fafsa_complete": pd.Series(fafsa).groupby(sid).any(),
            "dream_act_complete": pd.Series(dream).groupby(sid).any(),
            "cal_grant": pd.Series(cal).groupby(sid).any(),
            "fafsa_date": pd.Series(date.to_numpy()).groupby(sid).min(),
        }
    )
    ids = spine[key].astype("str")
    matched = pd.Series(isin_text(ids, per.index), index=ids.index)
    out = pd.DataFrame(index=spine.index)
    for col in ("fafsa_complete", "dream_act_complete", "cal_grant"):
        out[col] = pd.array(ids.map(per[col]).fillna(False).to_numpy(dtype=bool), dtype="boolean")
    out["fafsa_date"] = ids.map(per["fafsa_date"]).astype("datetime64[ns]")
    files = ", ".join(rx.file for rx in reads)
    uncovered = _school_coverage(spine, matched, "aid applications", files, "aid", problems)
    for col in ("fafsa_complete", "dream_act_complete", "cal_grant"):
        out.loc[uncovered.to_numpy(), col] = pd.NA
    counts = {
        "rows_used": len(rows),
        "matched": int(matched.sum()),
        "unmatched": int((~matched).sum()),
        "uncovered": int(uncovered.sum()),
    }
    return out, problems, [], counts
