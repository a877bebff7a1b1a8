"""Students of a synthetic network: demographics, the pipeline simulation and its tables.

Private to :mod:`netlab.synth`. Everything here works on numpy arrays of one row per
student; the tables (students, counts, weekly FAFSA, expected rates) are built last.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from netlab.synth._common import (
    _FOCAL_RACE,
    _INSTITUTIONS,
    GRAD_RATE_THRESHOLD,
    GROUPS,
    RACES,
    _take,
)

_EL_P = np.array([0.03, 0.14, 0.05, 0.10, 0.05, 0.02, 0.02, 0.03])
_FG_SHIFT = np.array([0.05, 0.15, 0.10, 0.0, 0.05, -0.05, 0.0, 0.0])
_GPA_SHIFT = np.array([-0.05, 0.0, 0.0, 0.25, 0.0, 0.10, 0.05, 0.0])
_BASE_SHIFT = np.array([0.0, 0.0, 0.0, 0.06, 0.0, 0.02, 0.01, 0.0])
_UNDOC_P = np.array([0.002, 0.05, 0.01, 0.02, 0.01, 0.001, 0.002, 0.01])


def _season_days(year: int) -> tuple[np.datetime64, int, int]:
    """Season start (1 October), the launch day offset and the 2 March deadline offset."""
    start = np.datetime64(f"{year - 1}-10-01")
    deadline = int((np.datetime64(f"{year}-03-02") - start).astype(int))
    # the 2024-25 and 2025-26 FAFSA forms opened late (31 Dec 2023; 21 Nov 2024)
    launch = {2024: f"{year - 1}-12-31", 2025: f"{year - 1}-11-21"}.get(year)
    offset = int((np.datetime64(launch) - start).astype(int)) if launch else 0
    return start, offset, deadline


_N_WEEKS = 22  # snapshots on days 6, 13, ..., 146 after 1 October, then 2 March


def _week_of(day: np.ndarray) -> np.ndarray:
    """Index of the first weekly snapshot on or after ``day`` (days since 1 October)."""
    return np.where(day > 146, _N_WEEKS - 1, np.maximum(0, np.ceil((day - 6) / 7))).astype(int)


def _choose(rng: np.random.Generator, options: np.ndarray, weights: np.ndarray, n: int):
    return rng.choice(options, size=n, p=weights / weights.sum()) if n else options[:0]


def _draw_demographics(
    rng: np.random.Generator, race_shares: np.ndarray, p_li: np.ndarray, n_st: np.ndarray
) -> dict[str, np.ndarray]:
    """Students of each school-year cell: race from the school's shares, then the rest."""
    n_years = n_st.shape[1]
    cell = np.repeat(np.arange(n_st.size), n_st.reshape(-1))
    s = cell // n_years
    n = len(cell)
    cum = np.cumsum(race_shares, axis=1)
    cum = cum / cum[:, -1:]
    race = np.minimum((rng.random(n)[:, None] > cum[s]).sum(axis=1), len(RACES) - 1)
    li = rng.random(n) < p_li[s, race]
    el = rng.random(n) < _EL_P[race] * np.where(li, 1.3, 0.6)
    fg = rng.random(n) < np.clip(0.12 + 0.35 * li + _FG_SHIFT[race], 0.02, 0.95)
    gender = np.searchsorted([0.505, 0.99], rng.random(n))
    gpa = np.clip(
        rng.normal(3.0 - 0.2 * li - 0.15 * fg - 0.1 * el + _GPA_SHIFT[race], 0.6), 0.8, 4.4
    ).round(2)
    gpa[rng.random(n) < 0.015] = np.nan
    return {
        "cell": cell,
        "s": s,
        "t": cell % n_years,
        "race": race,
        "low_income": li,
        "english_learner": el,
        "first_gen": fg,
        "gender": gender,
        "gpa": gpa,
        "focal": _FOCAL_RACE[race] | li,
    }


def _outcome_probabilities(
    demo: dict[str, np.ndarray],
    add_l: np.ndarray,
    add_f: np.ndarray,
    *,
    bright_cell: np.ndarray,
    bright_effect: float,
    case_mix: float,
    focal_add: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each senior's probability of both outcomes (and the unclipped one of the first)."""
    cell, race, li, el, fg, focal = (
        demo[k] for k in ("cell", "race", "low_income", "english_learner", "first_gen", "focal")
    )
    g = np.clip(np.nan_to_num(demo["gpa"], nan=2.9) - 3.0, -1.2, 1.0)
    # enrolled where likely to graduate: additive on the probability scale
    base_l = 0.28 + case_mix * (0.10 * g - 0.05 * li - 0.03 * fg - 0.02 * el + _BASE_SHIFT[race])
    raw_l = base_l + add_l[cell] + bright_effect * (focal & bright_cell[cell])
    if focal_add is not None:
        raw_l = raw_l + focal_add[cell] * focal
    p_l = np.clip(raw_l, 0.01, 0.99)
    p_f = np.clip(0.58 + case_mix * (0.08 * g - 0.03 * el + 0.02 * li) + add_f[cell], 0.01, 0.99)
    return p_l, p_f, raw_l


_P_CC = 0.35  # community college among those not enrolled at a 4-year college


def _ladder(rng: np.random.Generator, p_l: np.ndarray) -> dict[str, np.ndarray]:
    """Place each senior on the pipeline ladder with one uniform, best outcome first."""
    n = len(p_l)
    t2 = np.minimum(p_l + 0.07, 0.995)  # ... or enrolled at another 4-year college
    t3 = np.minimum(t2 + 0.06, 0.996)  # ... or admitted and intending, not enrolled at one
    t4 = np.minimum(t3 + 0.08, 0.997)  # ... or admitted
    t5 = np.minimum(t4 + 0.10, 0.998)  # ... or applied
    u1 = rng.random(n)
    enr4 = u1 < t2
    cc = ~enr4 & (rng.random(n) < _P_CC)
    return {
        "u1": u1,
        "t2": t2,
        "t5": t5,
        "likely": u1 < p_l,
        "enr4": enr4,
        "intent": u1 < t3,
        "admitted": u1 < t4,
        "applied": u1 < t5,
        "cc": cc,
        "enrolled": enr4 | cc,
    }


def _aid(
    rng: np.random.Generator, demo: dict[str, np.ndarray], u1: np.ndarray, p_f: np.ndarray
) -> dict[str, np.ndarray]:
    """FAFSA / Dream Act with exact marginal ``p_f``, tied to the ladder through a shared uniform."""
    n, gpa, li = len(u1), demo["gpa"], demo["low_income"]
    u2 = np.where(rng.random(n) < 0.6, u1, rng.random(n))
    aid = u2 < p_f
    undocumented = rng.random(n) < _UNDOC_P[demo["race"]]
    elig = np.where(~np.isnan(gpa), np.nan_to_num(gpa) >= 2.0, False)
    q_cal = np.where(li, 0.85, 0.30)
    return {
        "aid": aid,
        "fafsa": aid & ~undocumented,
        "dream": aid & undocumented,
        "elig": elig,
        "q_cal": q_cal,
        "cal": aid & elig & (rng.random(n) < q_cal),
    }


def _colleges_attended(
    rng: np.random.Generator, gpa: np.ndarray, ladder: dict[str, np.ndarray]
) -> np.ndarray:
    """Index of each senior's college in the institutions list (-1 for none)."""
    inst = _INSTITUTIONS
    level4 = np.array([i[2] == "4-year" for i in inst])
    rate = np.array([i[3] for i in inst])
    uc = np.array([i[1].startswith("University of California") for i in inst])
    likely, enr4, cc = ladder["likely"], ladder["enr4"], ladder["cc"]
    where = np.full(len(gpa), -1)
    hi = ~np.isnan(gpa) & (np.nan_to_num(gpa) >= 3.5)
    good = np.flatnonzero(level4 & (rate >= GRAD_RATE_THRESHOLD))
    for mask, w in ((likely & hi, 1 + 3 * uc[good]), (likely & ~hi, 1 + 0.2 * uc[good])):
        where[mask] = _choose(rng, good, w.astype(float), int(mask.sum()))
    low = np.flatnonzero(level4 & (rate < GRAD_RATE_THRESHOLD))
    mask = enr4 & ~likely
    where[mask] = _choose(rng, low, np.ones(len(low)), int(mask.sum()))
    two = np.flatnonzero(~level4)
    where[cc] = _choose(rng, two, np.ones(len(two)), int(cc.sum()))
    return where


def _season_timing(
    rng: np.random.Generator, years: np.ndarray, t: np.ndarray, aid: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Completion and submission days within each season, and each season's first day."""
    n_years, n = len(years), len(t)
    fafsa = aid["fafsa"]
    start = np.empty(n_years, "datetime64[D]")
    launch, deadline = np.empty(n_years, int), np.empty(n_years, int)
    for j, y in enumerate(years):
        start[j], launch[j], deadline[j] = _season_days(int(y))
    lo, hi_day = launch[t], deadline[t]
    z = rng.random(n)
    day = np.where(
        z < 0.35,
        lo + rng.exponential(20, n),
        np.where(z < 0.8, rng.uniform(lo, hi_day), hi_day - rng.exponential(8, n)),
    )
    day = np.clip(np.floor(day), lo, hi_day).astype(int)
    sub = np.where(fafsa, np.maximum(day - np.floor(rng.exponential(4, n)), lo), -1).astype(int)
    late_sub = ~aid["aid"] & (rng.random(n) < 0.12)
    sub = np.where(late_sub, np.floor(rng.uniform(lo, hi_day)).astype(int), sub)
    return np.where(fafsa, day, -1), sub, start


def _simulate_students(
    rng: np.random.Generator,
    race_shares: np.ndarray,
    p_li: np.ndarray,
    n_st: np.ndarray,
    years: np.ndarray,
    add_l: np.ndarray,
    add_f: np.ndarray,
    bright_cell: np.ndarray,
    bright_effect: float,
    case_mix: float,
    focal_add: np.ndarray | None = None,
) -> dict[str, Any]:
    """Draw every senior of every school-year as numpy arrays (no frame is built here).

    ``focal_add`` (per school-year cell) is added to focal students' probability of
    enrolling where likely to graduate, on top of ``add_l``.
    """
    demo = _draw_demographics(rng, race_shares, p_li, n_st)
    p_l, p_f, raw_l = _outcome_probabilities(
        demo,
        add_l,
        add_f,
        bright_cell=bright_cell,
        bright_effect=bright_effect,
        case_mix=case_mix,
        focal_add=focal_add,
    )
    ladder = _ladder(rng, p_l)
    aid = _aid(rng, demo, ladder["u1"], p_f)
    where = _colleges_attended(rng, demo["gpa"], ladder)
    day, sub, start = _season_timing(rng, years, demo["t"], aid)
    t2 = ladder["t2"]
    expected = {
        "enrolled_likely_grad": p_l,
        "fafsa_complete": p_f,
        "enrolled_4yr": t2,
        "applied_4yr": ladder["t5"],
        "enrolled_any": t2 + _P_CC * (1 - t2),
        "cal_grant": p_f * aid["elig"] * aid["q_cal"],
    }
    chosen = ("applied", "admitted", "intent", "enrolled", "enr4", "likely")
    return {
        **demo,
        "u1": ladder["u1"],
        "raw_l": raw_l,
        "fafsa": aid["fafsa"],
        "dream": aid["dream"],
        "cal": aid["cal"],
        **{k: ladder[k] for k in chosen},
        "inst": where,
        "unitids": np.array([i[0] for i in _INSTITUTIONS], dtype=object),
        "fafsa_day": day,
        "submit_day": sub,
        "season_start": start,
        "expected": expected,
    }


def _students_table(sim: dict[str, np.ndarray], school_ids: np.ndarray, years: np.ndarray):
    n = len(sim["cell"])
    rng_ids = 2_000_000_000 + np.arange(n) * 7 + (sim["cell"] % 7)
    day = sim["fafsa_day"]
    dates = sim["season_start"][sim["t"]] + np.maximum(day, 0).astype("timedelta64[D]")
    has_inst = sim["inst"] >= 0
    unitid = _take([*sim["unitids"], None], np.where(has_inst, sim["inst"], len(sim["unitids"])))
    level = _take(["4-year", "2-year", None], np.where(has_inst, np.where(sim["enr4"], 0, 1), 2))
    return pd.DataFrame(
        {
            "student_id": pd.array(rng_ids.astype(str), dtype="str"),
            "school_id": _take(school_ids, sim["s"]),
            "grad_year": years[sim["t"]],
            "race_ethnicity": _take(RACES, sim["race"]),
            "low_income": sim["low_income"],
            "english_learner": sim["english_learner"],
            "first_gen": sim["first_gen"],
            "gender": _take(["F", "M", "X"], sim["gender"]),
            "gpa": sim["gpa"],
            "fafsa_complete": sim["fafsa"],
            "fafsa_date": pd.Series(np.where(day >= 0, dates, np.datetime64("NaT"))).astype(
                "datetime64[ns]"
            ),
            "dream_act_complete": sim["dream"],
            "cal_grant": sim["cal"],
            "applied_4yr": sim["applied"],
            "admitted_4yr": sim["admitted"],
            "intent_4yr": sim["intent"],
            "enrolled": sim["enrolled"],
            "enrolled_unitid": unitid,
            "enrolled_level": level,
        }
    )


def _builtin_flags(sim: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, Any]]:
    """Measure -> (numerator flag, denominator flag or None for every student)."""
    intending = sim["admitted"] & sim["intent"]
    return {
        "fafsa_complete": (sim["fafsa"] | sim["dream"], None),
        "cal_grant": (sim["cal"], None),
        "applied_4yr": (sim["applied"], None),
        "enrolled_any": (sim["enrolled"], None),
        "enrolled_4yr": (sim["enr4"], None),
        "enrolled_likely_grad": (sim["likely"], None),
        "summer_melt": (intending & ~sim["enrolled"], intending),
    }


_N_STRATA = len(RACES) * 8


def _group_matrix() -> np.ndarray:
    """Strata (race x low-income x first-gen x English learner) by GROUPS membership."""
    code = np.arange(_N_STRATA)
    race, li, fg, el = code // 8, (code // 4) % 2 == 1, (code // 2) % 2 == 1, code % 2 == 1
    columns = [np.ones(_N_STRATA, bool)] + [race == r for r in range(7)]
    columns += [li, fg, el, _FOCAL_RACE[race] | li]
    return np.column_stack(columns).astype(float)


def _counts_table(
    sim: dict[str, np.ndarray],
    school_ids: np.ndarray,
    years: np.ndarray,
    flags: dict[str, tuple[np.ndarray, Any]],
) -> pd.DataFrame:
    """School x year x group x measure counts (no student rows are built).

    Students are tallied by cell and stratum with ``numpy.bincount``; every group is a sum
    of strata, so the groups of one cell always add up.
    """
    n_cells = len(school_ids) * len(years)
    stratum = sim["race"] * 8 + sim["low_income"] * 4 + sim["first_gen"] * 2
    key = sim["cell"] * _N_STRATA + stratum + sim["english_learner"]
    size = n_cells * _N_STRATA
    groups = _group_matrix()

    def tally(flag: np.ndarray | None) -> np.ndarray:
        counts = np.bincount(key if flag is None else key[flag], minlength=size)
        return (counts.reshape(n_cells, _N_STRATA) @ groups).round().astype(np.int64)

    total = tally(None)
    names = list(flags)
    num = np.stack([tally(f) for f, _ in flags.values()], axis=-1)  # cell x group x measure
    den = np.stack([total if d is None else tally(d) for _, d in flags.values()], axis=-1)
    n_g, n_m = len(GROUPS), len(names)
    cells = np.repeat(np.arange(n_cells), n_g * n_m)
    return pd.DataFrame(
        {
            "school_id": _take(school_ids, cells // len(years)),
            "year": years[cells % len(years)],
            "group": _take(GROUPS, np.tile(np.repeat(np.arange(n_g), n_m), n_cells)),
            "measure": _take(names, np.tile(np.arange(n_m), n_g * n_cells)),
            "numerator": num.reshape(-1),
            "denominator": den.reshape(-1),
        }
    )


def _weekly_table(
    sim: dict[str, np.ndarray], school_ids: np.ndarray, years: np.ndarray, n_st: np.ndarray
):
    n_cells = n_st.size
    counts = {}
    for name in ("fafsa_day", "submit_day"):
        day = sim[name]
        has = day >= 0
        key = sim["cell"][has] * _N_WEEKS + _week_of(day[has])
        hist = np.bincount(key, minlength=n_cells * _N_WEEKS).reshape(n_cells, _N_WEEKS)
        counts[name] = np.cumsum(hist, axis=1).reshape(-1)
    n_years = len(years)
    cells = np.repeat(np.arange(n_cells), _N_WEEKS)
    t = cells % n_years
    week = np.tile(np.arange(_N_WEEKS), n_cells)
    offsets = np.where(week == _N_WEEKS - 1, -1, 6 + 7 * week)
    start = np.array([_season_days(int(y))[0] for y in years])
    deadline = np.array([_season_days(int(y))[2] for y in years])
    offsets = np.where(offsets < 0, deadline[t], offsets)
    n_rows = len(cells)
    return pd.DataFrame(
        {
            "school_id": _take(school_ids, cells // n_years),
            "season": years[t],
            "as_of": pd.Series(start[t] + offsets.astype("timedelta64[D]")).astype(
                "datetime64[ns]"
            ),
            "week": week,
            "seniors": pd.array(n_st.reshape(-1)[cells], dtype="Int64"),
            "submitted": pd.array(counts["submit_day"], dtype="Int64"),
            "completed": pd.array(counts["fafsa_day"], dtype="Int64"),
            "submitted_suppressed": np.zeros(n_rows, bool),
            "completed_suppressed": np.zeros(n_rows, bool),
            "reported": np.ones(n_rows, bool),
        }
    )


def _expected_rates(sim, school_ids: np.ndarray, years: np.ndarray) -> pd.DataFrame:
    """Mean student probability per school, year, group ("all", "focal") and measure."""
    n_cells = len(school_ids) * len(years)
    key = sim["cell"] * 2 + sim["focal"]
    size = 2 * n_cells
    count = np.bincount(key, minlength=size).reshape(n_cells, 2)
    names = list(sim["expected"])
    p = np.empty((n_cells, 2, len(names)))
    with np.errstate(invalid="ignore", divide="ignore"):
        for k, name in enumerate(names):
            w = np.bincount(key, weights=sim["expected"][name], minlength=size).reshape(-1, 2)
            p[:, 0, k] = w.sum(axis=1) / count.sum(axis=1)
            p[:, 1, k] = w[:, 1] / count[:, 1]
    cells = np.repeat(np.arange(n_cells), 2 * len(names))
    return pd.DataFrame(
        {
            "school_id": _take(school_ids, cells // len(years)),
            "year": years[cells % len(years)],
            "group": _take(["all", "focal"], np.tile(np.repeat([0, 1], len(names)), n_cells)),
            "measure": _take(names, np.tile(np.arange(len(names)), 2 * n_cells)),
            "p": p.reshape(-1),
        }
    )
