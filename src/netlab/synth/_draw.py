"""One draw of a seeded synthetic improvement network, with its planted truth.

:func:`_build`, behind :func:`netlab.synth.generate` and :func:`netlab.synth.generate_districts`,
draws a network of Southern California-like public high schools (all names fictional) with
every table of the data contract, and returns the **planted truth** beside them, so tests
and benchmarks can check the analyses against what was put in.

How the outcome is planted
--------------------------
For each senior, the probability of enrolling where likely to graduate (a 4-year college
whose graduation rate is at or above 0.6) is additive on the probability scale::

    p = clip(base(student) + year trend + school effect + school-year noise
             + sum of practice effects in place (level > 0, a 0/1 indicator)
             + bright-spot effect (focal students, bright-spot schools, recent years),
             0.01, 0.99)

so a school-year panel with school and year fixed effects recovers the practice effects in
percentage points (up to the small attenuation that clipping causes; see
``Truth.practice_effects_realized``). Effects can instead grow with the years since adoption, differ by
adoption cohort, by school context or for focal students (``effect_growth``,
``cohort_gradient``, ``effect_modifiers``; the formula is in :mod:`netlab.synth._effects`);
then ``Truth.practice_att`` holds the average effect on adopters that a staggered-adoption
estimator should recover, and two-way fixed effects need not. FAFSA / Dream Act completion is planted the same way
with its own practice effects (``Truth.fafsa_effects``). The rest of the pipeline is drawn
from one uniform number per student on a ladder (enrolled where likely to graduate, enrolled
at another 4-year college, admitted and intending but not enrolled, admitted, applied, did
not apply), so it is consistent with the outcome: every student enrolled where likely to
graduate applied, was admitted and intended to enroll. Community-college enrolment is drawn
among the rest.

Both grains come from the same student draws: ``grain="counts"`` aggregates them with
``numpy.bincount`` and never builds student rows, so it is fast and its groups add up
(the Black, Latinx, ... numerators sum to the "all" numerator).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from netlab.checks import check_argument
from netlab.synth._colleges import with_college_outcomes
from netlab.synth._common import GRAD_RATE_THRESHOLD
from netlab.synth._effects import (
    _adopter_truth,
    _heterogeneity_truth,
    _realized_effects,
)
from netlab.synth._network import SynthNetwork, Truth, institutions
from netlab.synth._planting import (
    Knobs,
    _draw_students,
    _plant_network,
)
from netlab.synth._schools import (
    _adoption_frame,
    _effects,
    _practices_table,
)
from netlab.synth._students import (
    _builtin_flags,
    _counts_table,
    _expected_rates,
    _students_table,
    _weekly_table,
)
from netlab.synth._teams import (
    _SURVEY_EFFECT,
    _pdsa_table,
    _survey_table,
    _traction_table,
)


def _check_years(years: Iterable[int]) -> np.ndarray:
    arr = np.array(sorted({int(y) for y in years}), dtype=int)
    if len(arr) == 0:
        raise ValueError("`years` must name at least one graduating year.")
    return arr


def _check_build(n_schools: int, knobs: Knobs) -> Knobs:
    """Check the sizes; a null network has no bright spots, look-alikes or school spread."""
    if n_schools < 1:
        raise ValueError(f"`n_schools` must be at least 1, but {n_schools!r} was passed.")
    if knobs.null:
        knobs = dataclasses.replace(
            knobs, n_bright_spots=0, n_lookalikes=0, school_sd=0.0, school_year_sd=0.0
        )
    n_bright, n_look = knobs.n_bright_spots, knobs.n_lookalikes
    if n_bright * (1 + n_look) > max(n_schools - 2, 0):
        raise ValueError(
            f"{n_bright} bright spots with {n_look} look-alikes each need more than "
            f"{n_schools} schools; lower `n_bright_spots` or `n_lookalikes`."
        )
    return knobs


def _draw_tables(
    rng: np.random.Generator,
    schools: pd.DataFrame,
    sim: dict[str, Any],
    yrs: np.ndarray,
    *,
    grain: str,
    practice: dict[str, Any],
    n_st: np.ndarray,
    z: np.ndarray,
    keen: np.ndarray,
    export_seed: int,
) -> tuple[dict[str, pd.DataFrame], np.ndarray, dt.date]:
    """Draw every table of the data contract; return them with the traction stages and spotlight date."""
    ids = schools["school_id"].to_numpy(dtype=object)
    cohort = schools["cohort"].to_numpy()
    traction, stage = _traction_table(rng, ids, cohort, yrs, z, keen)
    spotlight = dt.date(int(yrs[-1]) - 1, 1, 15)
    tables: dict[str, pd.DataFrame] = {"schools": schools}
    if grain == "students":
        tables["students"] = with_college_outcomes(_students_table(sim, ids, yrs), export_seed)
    else:
        tables["counts"] = _counts_table(sim, ids, yrs, _builtin_flags(sim))
    tables["institutions"] = institutions()
    adopt, names = practice["adopt"], practice["names"]
    tables["practices"] = _practices_table(rng, schools["school_id"], yrs, adopt, names)
    tables["fafsa_weekly"] = _weekly_table(sim, ids, yrs, n_st)
    tables["traction"] = traction
    tables["pdsa"] = _pdsa_table(rng, ids, traction, stage, {ids[v] for v in np.flatnonzero(keen)})
    tables["survey"] = _survey_table(rng, ids, yrs, spotlight)
    return tables, stage, spotlight


_STAGE_NAMES = np.array(["none", "initiation", "spread", "sustainability"])


def _truth(
    knobs: Knobs,
    *,
    seed: int | None,
    planted: tuple[dict[str, float], dict[str, float]],
    ids: np.ndarray,
    yrs: np.ndarray,
    spots: tuple[np.ndarray, dict[int, list[int]], dict[str, int]],
    sim: dict[str, Any],
    practice: dict[str, Any],
    outcome: dict[str, Any],
    drawn: tuple[np.ndarray, dt.date],
) -> Truth:
    """Collect the planted truth beside the tables."""
    effects, fafsa_eff = planted
    hosts, pairs, start_year = spots
    stage, spotlight = drawn
    names, modifiers = practice["names"], practice["modifiers"]
    cells, focal_extra = practice["cells"], practice["focal_extra"]
    in_place, adopt = practice["in_place"], practice["adopt"]
    realized = _realized_effects(sim, in_place, cells, focal_extra, names)
    att, profile = _adopter_truth(sim, in_place, cells, focal_extra, adopt, yrs, names)
    shares = pd.Series(_STAGE_NAMES[stage]).value_counts(normalize=True)
    school_eff = outcome["school_eff"]
    return Truth(
        practice_effects=effects,
        bright_spots=[str(ids[h]) for h in hosts],
        lookalikes={str(ids[h]): [str(ids[v]) for v in vs] for h, vs in pairs.items()},
        school_effects=pd.Series(school_eff, index=pd.Index(ids, name="school_id"), name="effect"),
        tau=float(knobs.school_sd),
        school_year_rates=_expected_rates(sim, ids, yrs),
        pretrend_practices=[knobs.pretrend] if knobs.pretrend else [],
        confounded=bool(knobs.confounded),
        grad_rate_threshold=GRAD_RATE_THRESHOLD,
        seed=seed,
        null=bool(knobs.null),
        fafsa_effects=fafsa_eff,
        practice_effects_realized=realized,
        adoption=_adoption_frame(ids, names, adopt, int(yrs[0])),
        bright_spot_effect=float(knobs.bright_spot_effect) if len(hosts) else 0.0,
        bright_spot_start=start_year,
        tau_realized=float(school_eff.std(ddof=1)) if len(ids) > 1 else 0.0,
        school_year_sd=float(knobs.school_year_sd),
        year_effects={int(y): float(v) for y, v in zip(yrs, outcome["year_l"], strict=True)},
        pretrend_slope=outcome["slope"],
        spotlight_date=spotlight,
        survey_effects=dict(_SURVEY_EFFECT),
        traction_shares={str(k): float(shares.get(k, 0.0)) for k in _STAGE_NAMES},
        effect_growth=float(knobs.effect_growth),
        cohort_gradient=float(knobs.cohort_gradient),
        effect_modifiers=modifiers,
        practice_att=att,
        practice_effect_profile=profile,
        effect_heterogeneity=_heterogeneity_truth(modifiers, names),
    )


def _build(
    n_schools: int, years: Iterable[int], seed: int | None, *, grain: str, **knobs: Any
) -> tuple[SynthNetwork, dict[str, Any]]:
    """Draw one network and its truth; ``knobs`` are the fields of :class:`Knobs`.

    Returns the network and the draw's context (the simulated students, the schools' draws,
    the generator) that the district tables are drawn from.
    """
    check_argument("grain", ["students", "counts"], grain)
    yrs = _check_years(years)
    k = _check_build(n_schools, Knobs(**knobs))
    cm = float(not k.null if k.case_mix is None else k.case_mix)
    effects, fafsa_eff = _effects(
        k.practice_effects,
        k.fafsa_effects,
        pretrend=k.pretrend,
        null=k.null,
        constant_practice=k.constant_practice,
    )
    rng = np.random.default_rng(seed)
    # The exports' own draws come from a seed of their own, so the tables stay the same draws.
    export_seed = int(np.random.SeedSequence(seed).generate_state(1)[0])
    w = _plant_network(rng, n_schools, yrs, k, effects=effects, fafsa_eff=fafsa_eff)
    sim, n_st, p_li = _draw_students(
        rng,
        w["sch"],
        w["schools"]["seniors"].to_numpy(),
        yrs,
        outcome=w["outcome"],
        bright_cell=w["bright_cell"],
        practice=w["practice"],
        bright_spot_effect=k.bright_spot_effect,
        case_mix=cm,
    )
    tables, stage, spotlight = _draw_tables(
        rng,
        w["schools"],
        sim,
        yrs,
        grain=grain,
        practice=w["practice"],
        n_st=n_st,
        z=w["z"],
        keen=w["keen"],
        export_seed=export_seed,
    )
    truth = _truth(
        k,
        seed=seed,
        planted=(effects, fafsa_eff),
        ids=w["ids"],
        yrs=yrs,
        spots=(w["hosts"], w["pairs"], w["start_year"]),
        sim=sim,
        practice=w["practice"],
        outcome=w["outcome"],
        drawn=(stage, spotlight),
    )
    context = {
        "sim": sim, "sch": w["sch"], "ids": w["ids"], "years": yrs, "n_st": n_st, "p_li": p_li,
        "school_eff": w["outcome"]["school_eff"], "gain": w["outcome"]["gain"],
        "cohort": w["cohort"], "case_mix": cm, "rng": rng,
    }  # fmt: skip
    return SynthNetwork(tables=tables, truth=truth, export_seed=export_seed), context
