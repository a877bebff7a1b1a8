"""The files a hub holds, for a synthetic network: roster, StudentTracker, applications, aid.

The writers turn the tables (students with their college outcomes, drawn in
:mod:`netlab.synth._colleges`) into the layouts netlab's built-in descriptions read
(``netlab/data/sources``): a student information system roster with CALPADS codes, a
StudentTracker detail file in the high-school dialect, a Naviance-style application export
keyed by the local student number (with the hub's own description beside it), a state aid
agency's completion file, and, for the counts grain, a wide aid-agency file by school name
with no school code.

Every draw uses its own generator, seeded from the network's, so the contract tables that
other analyses rely on are the same draws as without these files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from netlab.synth._colleges import (
    SEARCH_DAY,
    _applications,
    _on,
    _rng,
    _term,
    college_outcomes,
    institutions_table,
)

_FIRST = np.array(["ALEX", "JORDAN", "MARIA", "JOSE", "AALIYAH", "KEVIN", "MAI", "DIEGO",
                   "SOFIA", "DAVID", "IMANI", "LUIS", "ANA", "JAMAL", "LEILANI", "NOAH"])  # fmt: skip
_LAST = np.array(["GARCIA", "NGUYEN", "JOHNSON", "LOPEZ", "KIM", "WILLIAMS", "HERNANDEZ",
                  "BROWN", "TRAN", "DAVIS", "MARTINEZ", "LEE", "SMITH", "REYES", "PATEL"])  # fmt: skip
_RACE_CODES = {
    "Black": ["600"],
    "Indigenous": ["100"],
    "Asian": ["201", "203", "204", "205", "208", "400"],
    "Pacific Islander": ["301", "302", "303"],
    "White": ["700"],
}


# --------------------------------------------------------------------------- writers
def _write(frame: pd.DataFrame, path: Path, *, encoding: str = "utf-8") -> Path:
    table = pa.Table.from_pandas(frame.astype("string"), preserve_index=False)
    if encoding == "utf-8":
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
    else:
        frame.to_csv(path, index=False, encoding=encoding)
    return path


def _ymd(days: np.ndarray) -> np.ndarray:
    text = np.datetime_as_string(days.astype("datetime64[D]"), unit="D")
    return np.char.replace(text, "-", "")


def _locals(n: int) -> np.ndarray:
    return np.char.zfill(np.arange(1, n + 1).astype(str), 8)


def roster_frame(students: pd.DataFrame, schools: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A student information system roster with CALPADS codes (one row per senior)."""
    rng = _rng(seed, 3)
    n = len(students)
    race = students["race_ethnicity"].astype("string").fillna("Unknown").to_numpy()
    hisp = race == "Latinx"
    code1 = np.full(n, None, dtype=object)
    code2 = np.full(n, None, dtype=object)
    for label, codes in _RACE_CODES.items():
        mine = np.flatnonzero(race == label)
        code1[mine] = np.asarray(codes, dtype=object)[rng.integers(0, len(codes), len(mine))]
        if label == "Asian":  # some list two Asian codes (Filipino with another): still Asian
            two = mine[rng.random(len(mine)) < 0.2]
            code2[two] = np.where(code1[two] == "400", "201", "400")
    latinx = np.flatnonzero(hisp)
    code1[latinx] = np.where(rng.random(len(latinx)) < 0.7, "700", "100")
    multi = np.flatnonzero(race == "Multiracial")
    pairs = np.array(
        [["600", "700"], ["400", "700"], ["201", "600"], ["100", "700"]], dtype=object
    )
    pick = pairs[rng.integers(0, len(pairs), len(multi))]
    code1[multi], code2[multi] = pick[:, 0], pick[:, 1]
    el = students["english_learner"].astype("boolean")
    el_code = np.where(el.fillna(False), "EL", np.where(rng.random(n) < 0.7, "EO",
                       np.where(rng.random(n) < 0.5, "IFEP", "RFEP")))  # fmt: skip
    el_code = np.where(el.isna(), "TBD", el_code)
    li = students["low_income"].astype("boolean")
    meal = np.where(li.fillna(False), np.where(rng.random(n) < 0.8, "F", "R"), "N")
    meal = np.where(li.isna(), _BLANK, meal)
    fg = students["first_gen"].astype("boolean")
    ped = np.where(
        fg.fillna(False), rng.choice(["12", "13", "14"], n), rng.choice(["10", "11"], n)
    )
    ped = np.where(fg.isna(), "15", ped)
    names = schools.set_index("school_id")["school_name"]
    gpa = students["gpa"].astype(float)
    return pd.DataFrame(
        {
            "Student Number": _locals(n),
            "SSID": students["student_id"].astype("str").to_numpy(),
            "Last Name": _LAST[rng.integers(0, len(_LAST), n)],
            "First Name": _FIRST[rng.integers(0, len(_FIRST), n)],
            "School Code": students["school_id"].astype("str").to_numpy(),
            "School Name": students["school_id"].map(names).to_numpy(),
            "Grade": "12",
            "Grad Year": students["grad_year"].astype(str).to_numpy(),
            "Gender": students["gender"].astype("string").to_numpy(),
            "Hispanic Indicator": np.where(hisp, "Y", "N"),
            "Race Code 1": code1,
            "Race Code 2": code2,
            "EL Status": el_code,
            "Meal Code": meal,
            "Parent Education": ped,
            "Cumulative GPA": np.where(gpa.isna(), _BLANK, gpa.round(2).astype(str)),
        }
    )


def _enrolment_segments(co: dict[str, Any]) -> tuple[np.ndarray, ...]:
    """Student, college, first and last term index and sequence of each enrolment spell."""
    idx = np.flatnonzero(co["first"] >= 0)
    t = np.flatnonzero(co["transfer"] >= 0)
    return (
        np.concatenate([idx, t]),
        np.concatenate([co["first"][idx], co["transfer"][t]]),
        np.concatenate([co["j0"][idx], np.full(len(t), 4)]),
        np.concatenate([co["j_last"][idx], co["j_end"][t]]),
        np.concatenate([np.ones(len(idx), int), np.full(len(t), 2)]),
    )


def _term_rows(
    co: dict[str, Any], year: np.ndarray, search: np.datetime64
) -> tuple[np.ndarray, ...]:
    """One row per student, college and term enrolled, up to the search date."""
    s_student, s_college, s_j0, s_j1, s_seq = _enrolment_segments(co)
    k = np.maximum(s_j1 - s_j0 + 1, 0)
    r_student = np.repeat(s_student, k)
    r_college = np.repeat(s_college, k)
    r_seq = np.repeat(s_seq, k)
    r_first = np.zeros(len(r_student), bool)
    r_first[np.cumsum(k)[k > 0] - k[k > 0]] = True
    r_j = np.repeat(s_j0, k) + (np.arange(len(r_student)) - np.repeat(np.cumsum(k) - k, k))
    begin, end = _term(year[r_student], r_j)
    live = begin <= search
    return tuple(x[live] for x in (r_student, r_college, r_seq, r_first, begin, end))


_DEGREE_TITLES = {
    "bachelor": ("BACHELOR OF ARTS", "BACHELOR OF SCIENCE"),
    "associate": ("ASSOCIATE IN ARTS", "ASSOCIATE IN SCIENCE"),
    "certificate": ("CERTIFICATE OF ACHIEVEMENT", "CERTIFICATE"),
}


def _degree_rows(
    co: dict[str, Any], year: np.ndarray, search: np.datetime64, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """Degrees at the first college and a bachelor's after a transfer, up to the search date."""
    a = np.flatnonzero((co["award_first_j"] >= 0) & (co["first"] >= 0))
    a_day = _term(year[a], co["award_first_j"][a])[1] + 5
    tb = np.flatnonzero(co["award_transfer_j"] >= 0)
    tb_day = _term(year[tb], co["award_transfer_j"][tb])[1] + 5
    a_title = np.array([_DEGREE_TITLES[w][i] for w, i in zip(co["award_first"][a],
                        rng.integers(0, 2, len(a)), strict=True)], dtype=object)  # fmt: skip
    g_student = np.concatenate([a, tb])
    g_college = np.concatenate([co["first"][a], co["transfer"][tb]])
    g_day = np.concatenate([a_day, tb_day])
    g_title = np.concatenate([a_title, np.full(len(tb), "BACHELOR OF ARTS", dtype=object)])
    g_live = g_day <= search
    return tuple(x[g_live] for x in (g_student, g_college, g_day, g_title))


def _block(inst: pd.DataFrame, student, college, begin, end, status, grad, gdate, title, seq,
           found) -> dict[str, np.ndarray]:  # fmt: skip
    """The detail columns of one kind of row (terms, dual enrolment, degrees, not found)."""
    m = len(student)
    blank = np.full(m, None, dtype=object)
    col = inst.iloc[np.maximum(college, 0)] if m else inst.iloc[:0]
    # Two campuses report under a branch code IPEDS does not list: the main campus maps.
    branch = np.where(col["unitid"].isin(["900201", "900501"]), "01", col["opeid"].str[6:])
    code = col["opeid"].str[:6] + "-" + branch
    return {
        "student": student,
        "found": np.full(m, "Y" if found else "N", dtype=object),
        "code": code.to_numpy() if found else blank,
        "name": col["name"].str.upper().to_numpy() if found else blank,
        "state": col["state"].to_numpy() if found else blank,
        "level": col["level"].to_numpy() if found else blank,
        "control": np.where(col["control"] == "public", "Public", "Private") if found
        else blank,
        "begin": begin, "end": end, "status": status, "grad": grad, "gdate": gdate,
        "title": title, "seq": seq, "order": np.zeros(m) if found else np.ones(m),
    }  # fmt: skip


def _none(n: int) -> np.ndarray:
    """``n`` blank cells."""
    return np.full(n, None, dtype=object)


#: A blank cell as an array, the form numpy's typing accepts in ``np.where`` (None is
#: what lands in the cells, as with a bare None).
_BLANK = np.array(None, dtype=object)


def _detail_columns(
    co: dict[str, Any], year: np.ndarray, search: np.datetime64, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Every detail row's columns, sorted by student with the found rows first."""
    inst = institutions_table()
    r_student, r_college, r_seq, r_first, begin, end = _term_rows(co, year, search)
    is_four = (inst["level"].to_numpy() == "4-year")[r_college]
    status = np.where(rng.random(len(r_student)) < np.where(is_four, 0.9, 0.55), "F",
                      np.where(rng.random(len(r_student)) < 0.5, "H", "Q"))  # fmt: skip
    # Dual enrollment before graduating: a spring course at a community college.
    dual = np.flatnonzero(co["dual"])
    two = np.flatnonzero(inst["level"].to_numpy() == "2-year")
    d_college = two[rng.integers(0, len(two), len(dual))]
    g_student, g_college, g_day, g_title = _degree_rows(co, year, search, rng)
    seen = np.concatenate([r_student, dual, g_student])
    nobody = np.flatnonzero(~np.isin(np.arange(len(year)), seen))
    nr, nd, ng, nn = len(r_student), len(dual), len(g_student), len(nobody)
    blocks = [
        _block(inst, r_student, r_college, _ymd(begin), _ymd(end), status, np.full(nr, "N"),
               _none(nr), _none(nr), np.where(r_first, r_seq.astype(str), _BLANK), True),
        _block(inst, dual, d_college, _ymd(_on(year[dual], 1, 12)), _ymd(_on(year[dual], 5, 20)),
               np.full(nd, "L"), np.full(nd, "N"), _none(nd), _none(nd), _none(nd), True),
        _block(inst, g_student, g_college, _none(ng), _none(ng), _none(ng), np.full(ng, "Y"),
               _ymd(g_day), g_title, _none(ng), True),
        _block(inst, nobody, np.full(nn, -1), _none(nn), _none(nn), _none(nn), _none(nn),
               _none(nn), _none(nn), _none(nn), False),
    ]  # fmt: skip
    cols = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    order = np.lexsort((cols["order"], cols["student"]))
    return {k: v[order] for k, v in cols.items()}


def studenttracker_frame(students: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A StudentTracker for High Schools detail file (upper-case dialect) for the seniors."""
    co = college_outcomes(students, seed)
    rng = _rng(seed, 4)
    n = len(students)
    year = students["grad_year"].to_numpy(dtype=np.int64)
    cols = _detail_columns(co, year, co["search"][0], rng)
    st = cols["student"]
    # The first row of each college for a student carries its sequence; the others blank.
    schools_ceeb = {
        s: f"05{i + 1001:04d}" for i, s in enumerate(sorted(students["school_id"].unique()))
    }
    sid = students["student_id"].astype("str").to_numpy()
    first_names = _FIRST[rng.integers(0, len(_FIRST), n)]
    last_names = _LAST[rng.integers(0, len(_LAST), n)]
    return pd.DataFrame(
        {
            "YOUR_UNIQUE_IDENTIFIER": np.char.add(sid[st].astype(str), "_"),
            "FIRST_NAME": first_names[st],
            "MIDDLE_NAME": None,
            "LAST_NAME": last_names[st],
            "NAME_SUFFIX": None,
            "REQUESTER_RETURN_FIELD": None,
            "RECORD_FOUND_Y/N": cols["found"],
            "HIGH_SCHOOL_CODE": students["school_id"].map(schools_ceeb).to_numpy()[st],
            "HIGH_SCHOOL_GRAD_DATE": _ymd(_on(year[st], 6, 5)),
            "COLLEGE_CODE/BRANCH": cols["code"],
            "COLLEGE_NAME": cols["name"],
            "COLLEGE_STATE": cols["state"],
            "2-YEAR/4-YEAR": cols["level"],
            "PUBLIC/PRIVATE": cols["control"],
            "ENROLLMENT_BEGIN": cols["begin"],
            "ENROLLMENT_END": cols["end"],
            "ENROLLMENT_STATUS": cols["status"],
            "GRADUATED": cols["grad"],
            "GRADUATION_DATE": cols["gdate"],
            "DEGREE_TITLE": cols["title"],
            "MAJOR": None,
            "COLLEGE_SEQUENCE": cols["seq"],
            "PROGRAM_CODE": None,
        }
    )


def applications_frame(students: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A Naviance-style application export keyed by the local student number."""
    ap = _applications(students, seed)
    inst = institutions_table()
    st, col = ap["student"], ap["college"]
    order = np.lexsort((col, st))
    st, col = st[order], col[order]
    return pd.DataFrame(
        {
            "Student ID": _locals(len(students))[st],
            "Class Year": students["grad_year"].astype(str).to_numpy()[st],
            "Last Name": _LAST[st % len(_LAST)],
            "College": inst["name"].to_numpy()[col],
            "NCES": inst["unitid"].to_numpy()[col],
            "CEEB": np.char.zfill((4000 + col).astype(str), 4),
            "Type": ap["type"][order],
            "Result": ap["result"][order],
            "Attending": ap["attending"][order],
            "Level": inst["level"].to_numpy()[col],
        }
    )


def aid_frame(students: pd.DataFrame, seed: int) -> pd.DataFrame:
    """An aid agency's student completion file: FAFSA and Dream Act rows, Cal Grant status."""
    rng = _rng(seed, 5)
    fafsa = students["fafsa_complete"].to_numpy(dtype=bool)
    dream = students["dream_act_complete"].to_numpy(dtype=bool)
    cal = students["cal_grant"].to_numpy(dtype=bool)
    year = students["grad_year"].to_numpy(dtype=np.int64)
    n = len(students)
    date = students["fafsa_date"].to_numpy().astype("datetime64[D]")
    season = _on(year - 1, 10, 1)
    dream_day = season + rng.integers(10, 150, n)
    started = ~fafsa & ~dream & (rng.random(n) < 0.1)
    rows = np.flatnonzero(fafsa | dream | started)
    done = np.where(fafsa, date, np.where(dream, dream_day, np.datetime64("NaT", "D")))[rows]
    submitted = np.where(np.isnat(done), season[rows] + rng.integers(5, 140, len(rows)),
                         done - rng.integers(0, 10, len(rows)))  # fmt: skip

    def us(days: np.ndarray) -> np.ndarray:
        ok = ~np.isnat(days)
        text = pd.Series(days).dt.strftime("%m/%d/%Y").to_numpy()
        return np.where(ok, text, _BLANK)

    status = np.where(cal[rows], "Offered", np.where(rng.random(len(rows)) < 0.7, "Not Offered",
                      "Pending"))  # fmt: skip
    return pd.DataFrame(
        {
            "SSID": students["student_id"].astype("str").to_numpy()[rows],
            "Last Name": _LAST[rows % len(_LAST)],
            "Application Type": np.where(dream[rows], "CADAA", "FAFSA"),
            "Submitted Date": us(submitted),
            "Completed Date": us(done),
            "Cal Grant Status": status,
        }
    )


def county_frame(counts: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """The aid agency's public counts by school: one wide row per school and year, by name."""
    c = counts[counts["group"] == "all"]
    wide = c.pivot_table(index=["school_id", "year"], columns="measure",
                         values=["numerator", "denominator"], aggfunc="first")  # fmt: skip
    s = schools.set_index("school_id")
    idx = wide.index.to_frame(index=False)
    num = wide["numerator"]
    seniors = wide["denominator"]["fafsa_complete"].to_numpy()
    complete = num["fafsa_complete"].to_numpy()
    rng = _rng(7, 6)
    dream = np.minimum(complete, np.round(complete * rng.uniform(0.0, 0.06, len(complete))))
    out = pd.DataFrame(
        {
            "County": "Southland",
            "District": idx["school_id"].map(s["district"]).to_numpy(),
            "School": idx["school_id"].map(s["school_name"]).to_numpy(),
            "Academic Year": [f"{y - 1}-{y % 100:02d}" for y in idx["year"]],
            "12th Grade Enrollment": seniors.astype(int),
            "FAFSA Submitted": np.minimum(
                seniors - dream, complete - dream + np.round(0.08 * seniors)
            ).astype(int),
            "FAFSA Completed": (complete - dream).astype(int),
            "CADAA Submitted": dream.astype(int),
            "CADAA Completed": dream.astype(int),
            "Cal Grant Awards": num["cal_grant"].fillna(0).to_numpy().astype(int),
        }
    )
    return out


_APPLICATIONS_YAML = """\
# The hub's own description of its application export: the built-in Naviance/SCOIR layout,
# keyed by the local student number (the roster's Student Number), not the state id.
format: applications
join_on: local_id
"""


def write_exports(network, out_dir: str | Path) -> list[Path]:
    """Write the hub-shaped files of a synthetic network to ``out_dir`` (a raw folder).

    Students grain: ``roster.csv``, ``StudentTracker_HS_detail_<date>.csv``,
    ``naviance_applications.csv`` with ``naviance_applications.yaml``,
    ``aid_completion.csv``, ``institutions.csv`` (as ``netlab import-public ipeds``
    writes it), plus the hub's own tables as they are (schools, practices, FAFSA weeks,
    traction, PDSA cycles, survey). Counts grain: ``fafsa_cadaa_by_school.csv`` (wide, by
    school name, no code) beside the schools and the other tables.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t = network.tables
    seed = network.export_seed
    written = []
    for name in ("schools", "practices", "fafsa_weekly", "traction", "pdsa", "survey", "process"):
        if name in t:
            path = out / f"{name}.csv"
            t[name].to_csv(path, index=False, date_format="%Y-%m-%d")
            written.append(path)
    if "students" in t:
        s = t["students"]
        written.append(_write(roster_frame(s, t["schools"], seed), out / "roster.csv"))
        stamp = search_date(s).strftime("%Y%m%d")
        written.append(
            _write(studenttracker_frame(s, seed), out / f"StudentTracker_HS_detail_{stamp}.csv")
        )
        written.append(_write(applications_frame(s, seed), out / "naviance_applications.csv"))
        yml = out / "naviance_applications.yaml"
        yml.write_text(_APPLICATIONS_YAML, encoding="utf-8")
        written.append(yml)
        written.append(_write(aid_frame(s, seed), out / "aid_completion.csv"))
        written.append(_write(institutions_table(), out / "institutions.csv"))
    if "counts" in t:
        written.append(
            _write(county_frame(t["counts"], t["schools"]), out / "fafsa_cadaa_by_school.csv")
        )
    return written


def search_date(students: pd.DataFrame) -> dt.date:
    """The StudentTracker search date the exports use (15 November of the latest class)."""
    y = int(students["grad_year"].max())
    return dt.date(y, *SEARCH_DAY)
