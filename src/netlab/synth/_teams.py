"""Team tables of a synthetic network: traction, PDSA cycles, staff survey and districts.

Private to :mod:`netlab.synth`. The district part (ninth graders, A-G completion, weekly
process measures) is what :func:`netlab.synth.generate_districts` adds to a network.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from netlab.synth._common import RACES, TEAM_MEASURES, _take
from netlab.synth._students import _counts_table, _draw_demographics, _expected_rates

_DRIVERS = {
    "FAFSA and Dream Act completion": (
        "FAFSA work time in senior seminar",
        "Text reminders to families",
        "FAFSA night with bilingual volunteers",
        "Weekly completion tracker",
    ),
    "College knowledge": (
        "College-match lesson in advisory",
        "Alumni panel",
        "College list check-ins",
    ),
    "Application support": (
        "Application day in the library",
        "One-on-one application conferences",
        "Fee-waiver help desk",
    ),
    "Summer transition": (
        "Summer text nudges",
        "Orientation sign-up help",
        "Summer counselor office hours",
    ),
    "Family engagement": (
        "Parent workshop in Spanish",
        "Family college night",
        "Counselor home calls",
    ),
}


def _traction_table(
    rng: np.random.Generator,
    school_ids: np.ndarray,
    cohort: np.ndarray,
    years: np.ndarray,
    effects_z: np.ndarray,
    keen: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Rubric scores per team and year since joining, with stage shares like the field's.

    A latent traction level grows with years in the network (and a little with the school
    effect); cut at its 49th and 85th percentiles it gives ~49% no traction, ~36% initiation
    and ~15% spread, with sustainability only for a few teams of four or more years.
    """
    s_idx, y_idx = np.nonzero(years[None, :] >= cohort[:, None])
    yrs = years[y_idx]
    since = yrs - cohort[s_idx]
    level = 0.5 * effects_z + rng.normal(0, 1, len(cohort)) + 2.0 * keen
    latent = level[s_idx] + 0.6 * since + rng.normal(0, 0.7, len(s_idx))
    cut1, cut2, top = np.quantile(latent, [0.49, 0.85, 0.97]) if len(latent) else (0, 0, 0)
    stage = (latent >= cut1).astype(int) + (latent >= cut2)
    stage = np.where((stage == 2) & (since >= 4) & (latent >= top), 3, stage)
    # planted visitors show a learning stance (ownership, depth) in recent years
    stage = np.where(keen[s_idx] & (yrs >= years[-1] - 2), np.maximum(stage, 1), stage)
    n = len(stage)

    def hi() -> np.ndarray:
        return rng.integers(3, 5, n)

    def lo() -> np.ndarray:
        return rng.integers(1, 3, n)

    own, depth = rng.integers(1, 5, n), rng.integers(1, 5, n)
    both = (own >= 3) & (depth >= 3)
    flip = rng.random(n) < 0.5
    own = np.where((stage == 0) & both & flip, lo(), own)
    depth = np.where((stage == 0) & both & ~flip, lo(), depth)
    own = np.where(stage >= 1, hi(), own)
    depth = np.where(stage >= 1, hi(), depth)
    spread = np.where(stage >= 2, hi(), np.where(rng.random(n) < 0.1, 3, lo()))
    spread = np.where(stage == 1, lo(), spread)
    sustain = np.where(stage == 3, hi(), np.where(stage == 1, rng.integers(1, 4, n), lo()))
    frame = pd.DataFrame(
        {
            "school_id": _take(school_ids, s_idx),
            "year": yrs.astype(int),
            "spread": spread.astype(int),
            "depth": depth.astype(int),
            "ownership": own.astype(int),
            "sustainability": sustain.astype(int),
        }
    )
    return frame, stage


_GOALS = {
    "FAFSA and Dream Act completion": "complete the FAFSA or Dream Act within two weeks",
    "College knowledge": "finish a balanced college list",
    "Application support": "submit at least one 4-year application",
    "Summer transition": "confirm orientation and housing by July",
    "Family engagement": "bring a family member to a college event",
}


def _pdsa_table(
    rng: np.random.Generator,
    school_ids: np.ndarray,
    traction: pd.DataFrame,
    stage: np.ndarray,
    keen_ids: set[str],
) -> pd.DataFrame:
    """PDSA cycles per team and term: more cycles for teams further along."""
    keen = traction["school_id"].isin(keen_ids).to_numpy()
    lam = 0.6 + 1.2 * np.minimum(stage, 2) + 2.0 * keen
    n_cycles = rng.poisson(np.repeat(lam, 2))  # two terms per school year
    team = np.repeat(np.repeat(traction["school_id"].to_numpy(dtype=object), 2), n_cycles)
    year = np.repeat(np.repeat(traction["year"].to_numpy(), 2), n_cycles)
    fall = np.repeat(np.tile([True, False], len(traction)), n_cycles)
    n = len(team)
    term = [f"{y - 1}-fall" if f else f"{y}-spring" for y, f in zip(year, fall, strict=True)]
    seq = np.arange(n) - np.repeat(np.cumsum(n_cycles) - n_cycles, n_cycles) + 1
    pairs = [(d, c) for d, ideas in _DRIVERS.items() for c in ideas]
    pick = rng.integers(0, len(pairs), n)
    term_start = np.where(
        fall,
        (year - 1 - 1970).astype("datetime64[Y]") + np.timedelta64(243, "D"),
        (year - 1970).astype("datetime64[Y]") + np.timedelta64(14, "D"),
    ).astype("datetime64[D]")
    start = term_start + rng.integers(0, 90, n).astype("timedelta64[D]")
    end = start + rng.integers(14, 43, n).astype("timedelta64[D]")
    pred = rng.integers(50, 86, n)
    result = np.clip(np.round(pred + rng.normal(-3, 12, n)), 5, 100).astype(int)
    diff = result - pred
    u = rng.random(n)
    p_adopt = np.where(diff >= 0, 0.65, np.where(diff >= -10, 0.15, 0.05))
    p_adapt = np.where(diff >= 0, 0.30, np.where(diff >= -10, 0.70, 0.40))
    decision = np.where(u < p_adopt, "adopt", np.where(u < p_adopt + p_adapt, "adapt", "abandon"))
    drivers = [pairs[i][0] for i in pick]
    return pd.DataFrame(
        {
            "school_id": pd.array(team, dtype="str"),
            "cycle_id": pd.array(
                [f"{s}-{tm}-{k}" for s, tm, k in zip(team, term, seq, strict=True)], dtype="str"
            ),
            "driver": pd.array(drivers, dtype="str"),
            "change_idea": pd.array([pairs[i][1] for i in pick], dtype="str"),
            "start_date": pd.Series(start).astype("datetime64[ns]"),
            "end_date": pd.Series(end).astype("datetime64[ns]"),
            "prediction": pd.array(
                [
                    f"{p}% of seniors in the test group will {_GOALS[d]}"
                    for p, d in zip(pred, drivers, strict=True)
                ],
                dtype="str",
            ),
            "result": pd.array([f"{r}% did" for r in result], dtype="str"),
            "decision": pd.array(decision, dtype="str"),
        }
    )


_SURVEY_BASE = {"connected": 3.0, "voice": 2.9, "implementing": 2.6}
_SURVEY_EFFECT = {"connected": 0.5, "voice": 0.3, "implementing": 0.6}


def _survey_table(
    rng: np.random.Generator, school_ids: np.ndarray, years: np.ndarray, spotlight: dt.date
) -> pd.DataFrame:
    """Staff survey each fall and spring of the last three school years."""
    terms = [(int(y) - 1, "fall") for y in years[-3:]] + [(int(y), "spring") for y in years[-3:]]
    terms.sort(key=lambda x: (x[0], x[1] == "fall"))
    n_s = len(school_ids)
    size = 3 + rng.poisson(9, (n_s, len(terms)))
    s_idx = np.repeat(np.repeat(np.arange(n_s), len(terms)), size.reshape(-1))
    t_idx = np.repeat(np.tile(np.arange(len(terms)), n_s), size.reshape(-1))
    n = len(s_idx)
    window = np.array(
        [np.datetime64(f"{y}-11-01" if f == "fall" else f"{y}-04-01") for y, f in terms]
    )
    date = window[t_idx] + rng.integers(0, 40, n).astype("timedelta64[D]")
    post = date >= np.datetime64(spotlight)
    school_level = rng.normal(0, 0.3, n_s)[s_idx]
    columns: dict[str, Any] = {
        "respondent_id": pd.array([f"R{i:07d}" for i in range(1, n + 1)], dtype="str"),
        "school_id": _take(school_ids, s_idx),
        "term": pd.array([f"{terms[i][0]}-{terms[i][1]}" for i in t_idx], dtype="str"),
        "date": pd.Series(date).astype("datetime64[ns]"),
        "role": pd.array(
            rng.choice(
                np.array(["teacher", "counselor", "administrator", "staff"], dtype=object),
                size=n,
                p=[0.6, 0.2, 0.1, 0.1],
            ),
            dtype="str",
        ),
    }
    for item, base in _SURVEY_BASE.items():
        latent = base + school_level + _SURVEY_EFFECT[item] * post + rng.normal(0, 0.8, n)
        columns[item] = np.clip(np.round(latent), 1, 5).astype(int)
    return pd.DataFrame(columns)


# --------------------------------------------------------------------------- districts

_NINTH_CREDITS_ON = np.array([5.0, 5.5, 6.0, 6.5, 7.0])


def _ninth_graders(
    rng: np.random.Generator,
    ctx: dict[str, Any],
    gain_on: np.ndarray,
    null: bool,
) -> dict[str, np.ndarray]:
    """Ninth graders per school-year with credits and core-course failures.

    On track (credits_earned >= 5 and core_fails == 0) is planted additively like the
    college outcomes: base + school effect + trend + the team's gain after joining.
    """
    sch, years = ctx["sch"], ctx["years"]
    n_s, n_years = ctx["n_st"].shape
    seniors = ctx["n_st"].mean(axis=1)
    n9 = rng.poisson(seniors[:, None] * 1.15 * np.exp(rng.normal(0, 0.04, (n_s, n_years))))
    demo = _draw_demographics(rng, sch["race"], ctx["p_li"], n9)
    cm = ctx["case_mix"]
    g = np.clip(np.nan_to_num(demo["gpa"], nan=2.9) - 3.0, -1.2, 1.0)
    school9 = 0.5 * ctx["school_eff"] + (0.0 if null else rng.normal(0, 0.04, n_s))
    add = school9[:, None] + 0.005 * (years - years[0])[None, :] + gain_on
    base = 0.70 + cm * (0.12 * g - 0.04 * demo["low_income"] - 0.02 * demo["english_learner"])
    p_on = np.clip(base + add.reshape(-1)[demo["cell"]], 0.02, 0.98)
    n = len(p_on)
    on = rng.random(n) < p_on
    kind = rng.random(n)
    low_credits = np.floor(rng.uniform(1.5, 5.0, n) * 2) / 2
    credits = np.where(on | (kind >= 0.75), rng.choice(_NINTH_CREDITS_ON, n), low_credits)
    fails = np.where(on | ((kind >= 0.5) & (kind < 0.75)), 0, rng.integers(1, 4, n))
    return {**demo, "on_track": on, "credits": credits, "core_fails": fails, "p_on": p_on}


def _ninth_table(nine: dict[str, np.ndarray], school_ids: np.ndarray, years: np.ndarray):
    n = len(nine["cell"])
    false = np.zeros(n, bool)
    return pd.DataFrame(
        {
            "student_id": pd.array(
                (3_000_000_000 + np.arange(n) * 7 + nine["cell"] % 7).astype(str), dtype="str"
            ),
            "school_id": _take(school_ids, nine["s"]),
            "grad_year": years[nine["t"]],
            "race_ethnicity": _take(RACES, nine["race"]),
            "low_income": nine["low_income"],
            "english_learner": nine["english_learner"],
            "first_gen": nine["first_gen"],
            "gender": _take(["F", "M", "X"], nine["gender"]),
            "gpa": nine["gpa"],
            "fafsa_complete": false,
            "fafsa_date": pd.Series(np.full(n, np.datetime64("NaT"), "datetime64[ns]")),
            "dream_act_complete": false,
            "cal_grant": false,
            "applied_4yr": false,
            "admitted_4yr": false,
            "intent_4yr": false,
            "enrolled": false,
            "enrolled_unitid": _take([None], np.zeros(n, int)),
            "enrolled_level": _take([None], np.zeros(n, int)),
            "grade": np.full(n, 9),
            "credits_earned": nine["credits"].astype(float),
            "core_fails": nine["core_fails"].astype(int),
            "ag_complete": false,
        }
    )


def _process_table(
    rng: np.random.Generator, ctx: dict[str, Any], n9_last: np.ndarray
) -> tuple[pd.DataFrame, dict[str, dt.date]]:
    """Weekly process measures over the last season, with a planted change date per school."""
    ids, years = ctx["ids"], ctx["years"]
    n_s = len(ids)
    weeks = 26
    start = np.datetime64(f"{int(years[-1]) - 1}-09-01")
    dates = start + (7 * np.arange(weeks)).astype("timedelta64[D]")
    change_week = rng.integers(8, 17, n_s)
    after = np.arange(weeks)[None, :] >= change_week[:, None]
    seniors = ctx["n_st"][:, -1][:, None]
    final = np.clip(rng.normal(0.72, 0.08, n_s), 0.4, 0.95)[:, None]
    curve = final / (1 + np.exp(-(np.arange(weeks)[None, :] - 12) / 3)) + 0.06 * after
    lists = np.maximum.accumulate(rng.binomial(seniors, np.clip(curve, 0, 1)), axis=1)
    meetings = rng.poisson(seniors / 12 * (1 + 0.3 * after))
    n9 = n9_last[:, None]
    checkins = rng.binomial(np.broadcast_to(n9, (n_s, weeks)), 0.4 + 0.2 * after)
    frames = []
    for measure, num, den, value in (
        ("college_list_complete", lists, np.broadcast_to(seniors, lists.shape), None),
        ("counselor_meetings", None, None, meetings),
        ("ninth_grade_checkins", checkins, np.broadcast_to(n9, checkins.shape), None),
    ):
        numerator = np.full((n_s, weeks), np.nan) if num is None else num.astype(float)
        denominator = np.full((n_s, weeks), np.nan) if den is None else den.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            val = numerator / denominator if value is None else value.astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "school_id": np.repeat(ids, weeks),
                    "date": np.tile(dates, n_s),
                    "measure": measure,
                    "numerator": numerator.reshape(-1),
                    "denominator": denominator.reshape(-1),
                    "value": val.reshape(-1),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True).astype(
        {"school_id": "str", "measure": "str", "date": "datetime64[ns]"}
    )
    changes = {
        str(ids[i]): (dates[change_week[i]]).astype(dt.date) for i in range(n_s)
    }  # the week each school's change started
    return frame, changes


def _add_district_tables(
    network: Any,
    ctx: dict[str, Any],
    choice: np.ndarray,
    *,
    grain: str,
    team_gain: float,
    null: bool,
) -> None:
    """Add seniors' A-G completion, ninth graders and process measures to ``network``.

    ``network`` and its truth are updated in place; ``ctx`` is the context
    :func:`netlab.synth._draw._build` returned with it and ``choice`` the index in
    ``TEAM_MEASURES`` of each district's own indicator.
    """
    rng, sim, ids, yrs = ctx["rng"], ctx["sim"], ctx["ids"], ctx["years"]
    chosen = np.asarray(TEAM_MEASURES)[choice[ctx["sch"]["district"]]]
    gain = ctx["gain"]
    cm = ctx["case_mix"]

    # seniors: A-G completion tied to the same ladder as 4-year applications
    g = np.clip(np.nan_to_num(sim["gpa"], nan=2.9) - 3.0, -1.2, 1.0)
    add_ag = 0.5 * ctx["school_eff"][:, None] + 0.006 * (yrs - yrs[0])[None, :]
    add_ag = add_ag + gain * (chosen == "ag_complete")[:, None]
    base_ag = 0.45 + cm * (0.15 * g - 0.04 * sim["low_income"] - 0.03 * sim["first_gen"])
    p_ag = np.clip(base_ag + add_ag.reshape(-1)[sim["cell"]], 0.01, 0.99)
    n = len(p_ag)
    ag = np.where(rng.random(n) < 0.7, sim["u1"], rng.random(n)) < p_ag
    credits = np.clip(np.round(rng.normal(23.5 + g, 1.5) * 2) / 2, 14, 30)
    fails = rng.poisson(0.2 + 0.8 * (np.nan_to_num(sim["gpa"], nan=2.9) < 2.5))

    nine = _ninth_graders(rng, ctx, gain * (chosen == "ninth_on_track")[:, None], null)
    if grain == "students":
        seniors = network.tables["students"].assign(
            grade=12, credits_earned=credits.astype(float), core_fails=fails, ag_complete=ag
        )
        network.tables["students"] = pd.concat(
            [seniors, _ninth_table(nine, ids, yrs)], ignore_index=True
        )
    else:
        extra = pd.concat(
            [
                _counts_table(nine, ids, yrs, {"ninth_on_track": (nine["on_track"], None)}),
                _counts_table(sim, ids, yrs, {"ag_complete": (ag, None)}),
            ],
            ignore_index=True,
        )
        network.tables["counts"] = pd.concat(
            [network.tables["counts"], extra], ignore_index=True
        ).sort_values(["school_id", "year", "group"], kind="stable", ignore_index=True)
    n9_last = np.bincount(nine["cell"], minlength=ctx["n_st"].size).reshape(-1, len(yrs))[:, -1]
    network.tables["process"], changes = _process_table(rng, ctx, n9_last)

    truth = network.truth
    rates = [
        truth.school_year_rates,
        _expected_rates({**nine, "expected": {"ninth_on_track": nine["p_on"]}}, ids, yrs),
        _expected_rates({**sim, "expected": {"ag_complete": p_ag}}, ids, yrs),
    ]
    truth.school_year_rates = pd.concat(rates, ignore_index=True)
    names = network.tables["schools"]["district"].to_numpy()
    truth.team_measures = {
        str(names[i]): str(chosen[i])
        for i in np.unique(ctx["sch"]["district"], return_index=True)[1]
    }
    truth.team_gain = float(team_gain)
    truth.process_change_dates = changes
