"""The colleges of a synthetic network, and each senior's path through them.

:func:`institutions_table` lists the fictional colleges with the columns an IPEDS import
writes. :func:`college_outcomes` draws, for every synthetic senior, what the National
Student Clearinghouse would later report (a start in the spring, persistence to a second
fall, transfers, degrees and certificates) and which colleges admitted the student;
:func:`with_college_outcomes` adds the results to the students table (``enrolled_year1``,
``persisted``, ``completed_6yr``, ...), so they are the truth that the hub-shaped files of
:mod:`netlab.synth._exports` encode.

Every draw uses its own generator, seeded from the network's, so the contract tables that
other analyses rely on are the same draws as without these columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netlab.synth._common import _INSTITUTIONS

__all__ = ["SEARCH_DAY", "college_outcomes", "institutions_table", "with_college_outcomes"]

SEARCH_DAY = (11, 15)  # the StudentTracker search: 15 November of the latest class's year


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed), 13, stream]))


def institutions_table() -> pd.DataFrame:
    """The synthetic colleges with the columns an IPEDS import writes (OPEID, control)."""
    unitid = np.array([i[0] for i in _INSTITUTIONS])
    name = np.array([i[1] for i in _INSTITUTIONS])
    public = np.array([n.startswith(("University of California", "California State",
                       "Cascade", "Mesa State", "Great Basin", "Rio Grande")) or "College" in n
                       and i[2] == "2-year" for n, i in zip(name, _INSTITUTIONS, strict=True)])  # fmt: skip
    profit = np.array([("Westline" in n) or ("Career" in n) for n in name])
    control = np.where(
        public, "public", np.where(profit, "private for-profit", "private nonprofit")
    )
    opeid = [f"{int(u) - 880000:06d}00" for u in unitid]
    state = np.where(np.char.find(name.astype(str), "State University") >= 0, "NV", "CA")
    state = np.where(np.isin(unitid, ["900401", "900402", "900403", "900404"]), state, "CA")
    return pd.DataFrame(
        {
            "unitid": unitid,
            "name": name,
            "state": state,
            "level": [i[2] for i in _INSTITUTIONS],
            "control": control,
            "opeid": opeid,
            "grad_rate": [i[3] for i in _INSTITUTIONS],
        }
    )


# --------------------------------------------------------------------------- the truth
def _on(year: np.ndarray, month: int, day: int) -> np.ndarray:
    months = (np.asarray(year, dtype=np.int64) - 1970) * 12 + (month - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]") + (day - 1)


def _term(year: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Begin and end dates of term ``j`` after graduating in ``year`` (0 = that fall)."""
    fall = j % 2 == 0
    y = year + (j + 1) // 2
    begin = np.where(fall, _on(y, 8, 20), _on(y, 1, 10))
    end = np.where(fall, _on(y, 12, 15), _on(y, 5, 15))
    return begin, end


def _first_college(
    rng: np.random.Generator,
    students: pd.DataFrame,
    u: np.ndarray,
    *,
    year: np.ndarray,
    search: np.datetime64,
) -> dict[str, np.ndarray]:
    """The first college: a fall start, a spring start at a 2-year college, and persistence."""
    inst = institutions_table()
    n = len(students)
    uid_index = {v: i for i, v in enumerate(inst["unitid"])}
    four = (inst["level"] == "4-year").to_numpy()
    rate = inst["grad_rate"].to_numpy()
    fall = students["enrolled"].to_numpy(dtype=bool)
    first = students["enrolled_unitid"].map(uid_index).fillna(-1).to_numpy(dtype=np.int64)
    first = np.where(fall, first, -1)
    two_year = np.flatnonzero(~four)
    late = ~fall & (u[:, 0] < 0.10) & (_on(year + 1, 1, 10) <= search)
    first = np.where(late, two_year[rng.integers(0, len(two_year), n)], first)
    year1 = fall | late
    is_four = np.where(first >= 0, four[np.maximum(first, 0)], False)
    first_rate = rate[np.maximum(first, 0)]
    p_persist = np.where(is_four, 0.5 + 0.45 * first_rate, np.where(late, 0.45, 0.55))
    persisted = year1 & (u[:, 1] < p_persist)
    # Terms at the first college: j = 0 the fall after graduating, 1 the spring, ...
    j0 = np.where(late, 1, 0)
    return {
        "first": first,
        "late": late,
        "year1": year1,
        "is_four": is_four,
        "first_rate": first_rate,
        "persisted": persisted,
        "j0": j0,
        "j_last": np.where(year1, np.where(u[:, 2] < 0.75, 1, j0), -1),
    }


def _first_awards(u: np.ndarray, path: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The award at the first college (bachelor, associate, certificate or "") and its term."""
    n = len(u)
    persisted, is_four = path["persisted"], path["is_four"]
    award = np.full(n, "", dtype=object)
    award_j = np.full(n, -1)
    bachelor = persisted & is_four & (u[:, 3] < np.minimum(0.95, 1.1 * path["first_rate"]))
    n_years = np.where(u[:, 4] < 0.6, 4, np.where(u[:, 4] < 0.9, 5, 6))
    award[bachelor] = "bachelor"
    award_j[bachelor] = 2 * n_years[bachelor] - 1
    assoc = persisted & ~is_four & (u[:, 3] < 0.30)
    award[assoc] = "associate"
    award_j[assoc] = np.where(u[assoc, 4] < 0.6, 3, 5)
    cert = persisted & ~is_four & ~assoc & (u[:, 3] < 0.40)
    award[cert] = "certificate"
    award_j[cert] = 3
    return award, award_j


def _later_terms(
    rng: np.random.Generator, u: np.ndarray, path: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """How long each stays, and the transfers to a 4-year college in the third fall."""
    n = len(u)
    inst = institutions_table()
    four = (inst["level"] == "4-year").to_numpy()
    good_four = np.flatnonzero(four & (inst["grad_rate"].to_numpy() >= 0.55))
    persisted, is_four = path["persisted"], path["is_four"]
    award, award_j = _first_awards(u, path)
    stay = 2 + np.minimum(rng.geometric(0.3, n), 9)
    j_last = np.where(persisted, np.where(award_j >= 0, award_j, stay), path["j_last"])
    # Some who persist at a 2-year college transfer to a 4-year one in their third fall.
    transfer_to = good_four[rng.integers(0, len(good_four), n)]
    transfer = persisted & ~is_four & (u[:, 5] < 0.2)
    transfer_bach = transfer & (u[:, 6] < 0.5)
    award_t_j = np.where(transfer_bach, np.where(u[:, 7] < 0.6, 7, 9), -1)
    return {
        "award_first": award,
        "award_first_j": award_j,
        "j_last": np.where(transfer & (award_j < 0), 3, j_last),
        "transfer": np.where(transfer, transfer_to, -1),
        "transfer_bach": transfer_bach,
        "award_transfer_j": award_t_j,
        "j_end": np.where(
            transfer, np.where(transfer_bach, award_t_j, 4 + np.minimum(stay, 5)), -1
        ),
    }


def _contract_columns(
    path: dict[str, np.ndarray], year: np.ndarray, search: np.datetime64
) -> dict[str, np.ndarray]:
    """The contract columns as the data would show them by the search date (-1 = not known)."""
    award, award_j, award_t_j = (
        path["award_first"],
        path["award_first_j"],
        path["award_transfer_j"],
    )
    six_end = _on(year + 6, 8, 14)
    degree_day = np.where(award_j >= 0, _term(year, np.maximum(award_j, 0))[1] + 5, six_end + 1)
    t_day = np.where(award_t_j >= 0, _term(year, np.maximum(award_t_j, 0))[1] + 5, six_end + 1)
    degree = ((award == "bachelor") | (award == "associate")) & (degree_day <= six_end)
    degree |= path["transfer_bach"] & (t_day <= six_end)
    certificate = (award == "certificate") & (degree_day <= six_end)
    old6 = six_end <= search
    y1_known = _on(year + 1, 8, 14) <= search
    p_known = _on(year + 1, 10, 31) <= search
    return {
        "enrolled_year1": np.where(path["year1"], 1, np.where(y1_known, 0, -1)),
        "persisted_obs": np.where(p_known, path["persisted"].astype(int), -1),
        "completed_6yr": np.where(old6, degree.astype(int), -1),
        "completed_certificate": np.where(old6, certificate.astype(int), -1),
    }


def college_outcomes(students: pd.DataFrame, seed: int) -> dict[str, np.ndarray]:
    """Every senior's college path after high school (arrays aligned with ``students``).

    Keys: ``first`` (institution index of the first college, -1 none), ``late`` (first
    enrolled in the spring), ``year1``, ``persisted`` (drawn, whether or not the data
    reach the second fall), ``j_last`` (last term at the first college, -1 none),
    ``transfer`` (institution index of a later 4-year college, -1 none), ``j_end`` (last
    term there), ``award_first`` / ``award_first_j`` (``associate``, ``certificate``,
    ``bachelor`` or "" at the first college, and the term it ended), ``award_transfer_j``
    (bachelor's at the transfer college), ``dual`` (a college course before graduating),
    ``search`` (the search date), and the contract columns ``enrolled_year1``,
    ``persisted_obs``, ``completed_6yr``, ``completed_certificate`` (``-1`` = not known).
    """
    rng = _rng(seed, 1)
    n = len(students)
    year = students["grad_year"].to_numpy(dtype=np.int64)
    search = _on(np.array([year.max()]), *SEARCH_DAY)[0] if n else np.datetime64("2026-11-15")
    u = rng.random((n, 8))
    path = _first_college(rng, students, u, year=year, search=search)
    path = {**path, **_later_terms(rng, u, path)}
    dual = rng.random(n) < 0.03
    keys = ("first", "late", "year1", "persisted", "j0", "j_last", "award_first", "award_first_j")
    return {
        **{k: path[k] for k in keys},
        "transfer": path["transfer"],
        "j_end": path["j_end"],
        "award_transfer_j": path["award_transfer_j"],
        "dual": dual,
        "search": np.array([search]),
        **_contract_columns(path, year, search),
    }


def _application_results(
    rng: np.random.Generator, first: np.ndarray, admitted: np.ndarray, intent: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each application's result and whether the student is attending, from one uniform."""
    r = rng.random(len(first))
    result = np.where(
        admitted,
        np.where(first, "accepted", np.select([r < 0.45, r < 0.8, r < 0.92],
                                              ["accepted", "denied", "waitlisted"], "deferred")),
        np.where(first, np.where(r < 0.7, "denied", "waitlisted"),
                 np.select([r < 0.55, r < 0.8, r < 0.9], ["denied", "waitlisted", "deferred"],
                           "incomplete")),
    )  # fmt: skip
    attending = np.where(first & intent, "yes",
                         np.where(result == "accepted", "no", np.where(r < 0.5, "unknown", "NULL")))  # fmt: skip
    return result, attending


def _best_admitted_rate(
    n: int, student: np.ndarray, college: np.ndarray, result: np.ndarray
) -> np.ndarray:
    """Each student's highest graduation rate among the colleges that accepted them."""
    rate = institutions_table()["grad_rate"].to_numpy()
    accepted = result == "accepted"
    best = pd.Series(np.where(accepted, rate[college], np.nan)).groupby(student).max()
    admitted_rate = np.full(n, np.nan)
    admitted_rate[best.index.to_numpy()] = best.to_numpy()
    return admitted_rate


def _applications(students: pd.DataFrame, seed: int) -> dict[str, np.ndarray]:
    """One row per student x college (index arrays), consistent with the contract's flags."""
    rng = _rng(seed, 2)
    inst = institutions_table()
    four = np.flatnonzero((inst["level"] == "4-year").to_numpy())
    two = np.flatnonzero((inst["level"] == "2-year").to_numpy())
    uid_index = {u: i for i, u in enumerate(inst["unitid"])}
    applied = students["applied_4yr"].to_numpy(dtype=bool)
    enrolled = students["enrolled"].to_numpy(dtype=bool)
    level = students["enrolled_level"].astype("string").fillna("").to_numpy()
    enrolled_at = students["enrolled_unitid"].map(uid_index).fillna(-1).to_numpy(dtype=np.int64)
    n = len(students)
    k = np.where(applied, 1 + rng.binomial(6, 0.35, n), 0)
    student = np.repeat(np.arange(n), k)
    slot = np.arange(len(student)) - np.repeat(np.cumsum(k) - k, k)
    college = four[rng.integers(0, len(four), len(student))]
    enr4 = enrolled & (level == "4-year")
    at0 = (slot == 0) & enr4[student]
    college = np.where(at0, enrolled_at[student], college)
    result, attending = _application_results(
        rng,
        slot == 0,
        students["admitted_4yr"].to_numpy(dtype=bool)[student],
        students["intent_4yr"].to_numpy(dtype=bool)[student],
    )
    # A college listed twice for one student keeps its first row.
    pair = student.astype(np.int64) * 1000 + college
    keep = ~pd.Series(pair).duplicated().to_numpy()
    student, college, result, attending = (x[keep] for x in (student, college, result, attending))
    app_type = np.where(rng.random(len(student)) < 0.75, "RD",
                        np.where(rng.random(len(student)) < 0.6, "EA", "ED"))  # fmt: skip
    # Community colleges: those who enrolled at one, and some others.
    cc_enrolled = enrolled & (level == "2-year")
    cc = cc_enrolled | (rng.random(n) < 0.15)
    cc_student = np.flatnonzero(cc)
    cc_college = np.where(cc_enrolled[cc_student], enrolled_at[cc_student],
                          two[rng.integers(0, len(two), len(cc_student))])  # fmt: skip
    return {
        "student": np.concatenate([student, cc_student]),
        "college": np.concatenate([college, cc_college]),
        "result": np.concatenate([result, np.full(len(cc_student), "accepted", dtype=object)]),
        "attending": np.concatenate(
            [attending, np.where(cc_enrolled[cc_student], "yes", "no").astype(object)]
        ),
        "type": np.concatenate([app_type, np.full(len(cc_student), "ROLL", dtype=object)]),
        "admitted_grad_rate": _best_admitted_rate(n, student, college, result),
    }


def with_college_outcomes(students: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The students table with the columns the StudentTracker and application files give."""
    if len(students) == 0:
        return students
    co = college_outcomes(students, seed)
    inst = institutions_table()
    out = students.copy()
    has = co["first"] >= 0
    at = np.maximum(co["first"], 0)
    # A spring start's first college is the spring college (blank before: no fall college).
    uid = np.where(has, inst["unitid"].to_numpy()[at], None)
    out["enrolled_unitid"] = pd.array(uid, dtype="str")
    out["enrolled_level"] = pd.array(
        np.where(has, inst["level"].to_numpy()[at], None), dtype="str"
    )
    out["enrolled_control"] = pd.array(np.where(has, inst["control"].to_numpy()[at], None),
                                       dtype="str")  # fmt: skip
    for col, key in (("enrolled_year1", "enrolled_year1"), ("persisted", "persisted_obs"),
                     ("completed_6yr", "completed_6yr"),
                     ("completed_certificate", "completed_certificate")):  # fmt: skip
        v = co[key]
        out[col] = pd.arrays.BooleanArray(v == 1, v < 0)
    out["admitted_grad_rate"] = _applications(students, seed)["admitted_grad_rate"]
    return out
