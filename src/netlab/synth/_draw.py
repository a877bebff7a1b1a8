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

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from netlab.checks import check_argument
from netlab.synth._colleges import with_college_outcomes
from netlab.synth._common import (
    CONSTANT_PRACTICE,
    GRAD_RATE_THRESHOLD,
    TEAM_MEASURES,
)
from netlab.synth._effects import (
    _adopter_truth,
    _check_modifiers,
    _effect_cells,
    _focal_extras,
    _heterogeneity_truth,
    _realized_effects,
)
from netlab.synth._network import SynthNetwork, Truth, institutions
from netlab.synth._schools import (
    _adoption_frame,
    _draw_adoption,
    _draw_schools,
    _effects,
    _finish_schools,
    _level_visitors,
    _li_probs,
    _plant_lookalikes,
    _practices_table,
)
from netlab.synth._students import (
    _builtin_flags,
    _counts_table,
    _expected_rates,
    _simulate_students,
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


def _build(
    n_schools: int,
    years: Iterable[int],
    seed: int | None,
    *,
    grain: str,
    practice_effects: Mapping[str, float] | None,
    fafsa_effects: Mapping[str, float] | None,
    school_sd: float,
    school_year_sd: float,
    n_bright_spots: int,
    bright_spot_effect: float,
    n_lookalikes: int,
    confounded: bool,
    pretrend: str | None,
    null: bool,
    seniors_mean: float,
    constant_practice: bool,
    case_mix: bool | None,
    district_sizes: np.ndarray | None = None,
    team_choice: np.ndarray | None = None,
    team_gain: float = 0.0,
    effect_growth: float = 0.0,
    cohort_gradient: float = 0.0,
    effect_modifiers: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[SynthNetwork, dict[str, Any]]:
    check_argument("grain", ["students", "counts"], grain)
    yrs = _check_years(years)
    if n_schools < 1:
        raise ValueError(f"`n_schools` must be at least 1, but {n_schools!r} was passed.")
    if null:
        n_bright_spots, n_lookalikes, school_sd, school_year_sd = 0, 0, 0.0, 0.0
    if n_bright_spots * (1 + n_lookalikes) > max(n_schools - 2, 0):
        raise ValueError(
            f"{n_bright_spots} bright spots with {n_lookalikes} look-alikes each need more than "
            f"{n_schools} schools; lower `n_bright_spots` or `n_lookalikes`."
        )
    cm = float(not null if case_mix is None else case_mix)
    effects, fafsa_eff = _effects(
        practice_effects,
        fafsa_effects,
        pretrend=pretrend,
        null=null,
        constant_practice=constant_practice,
    )
    names = list(effects)
    rng = np.random.default_rng(seed)
    # The exports' own draws come from a seed of their own, so the tables stay the same draws.
    export_seed = int(np.random.SeedSequence(seed).generate_state(1)[0])
    n_years, y0 = len(yrs), int(yrs[0])

    sch = _draw_schools(rng, n_schools, yrs, seniors_mean, district_sizes)
    school_eff = rng.normal(0, school_sd, n_schools) if school_sd > 0 else np.zeros(n_schools)
    hosts = np.array([], int)
    pairs: dict[int, list[int]] = {}
    if n_bright_spots > 0:
        upper = np.argsort(school_eff)[n_schools // 2 :]
        hosts = rng.choice(upper, size=n_bright_spots, replace=False)
        if n_lookalikes > 0:
            pairs = _plant_lookalikes(rng, sch, school_eff, hosts, n_lookalikes)
    schools = _finish_schools(rng, sch)
    ids = schools["school_id"].to_numpy(dtype=object)
    cohort = schools["cohort"].to_numpy()
    sd = school_eff.std()
    z = (school_eff - school_eff.mean()) / sd if sd > 0 else np.zeros(n_schools)

    variable = [p for p in names if p != CONSTANT_PRACTICE]
    adopt = _draw_adoption(rng, z, cohort, yrs, len(variable), confounded)
    if constant_practice:
        adopt = np.column_stack([adopt, np.full(n_schools, float(y0))])
        names = [*variable, CONSTANT_PRACTICE]
    in_place = yrs[None, :, None] >= adopt[:, None, :]  # school x year x practice
    eff_l = np.array([effects[p] for p in names])
    modifiers = _check_modifiers(effect_modifiers, names)
    cells = _effect_cells(
        eff_l,
        adopt,
        yrs,
        growth=float(effect_growth),
        cohort_gradient=float(cohort_gradient),
        schools=schools,
        modifiers=modifiers,
        names=names,
    )
    focal_extra = _focal_extras(modifiers, names)
    constant = not (effect_growth or cohort_gradient or any(modifiers.values()))
    planted = in_place @ eff_l if constant else np.einsum("itk,itk->it", in_place, cells)
    eff_f = np.array([fafsa_eff[p] for p in names])

    year_l = 0.008 * (yrs - y0) + rng.normal(0, 0.01, n_years)
    year_f = 0.012 * (yrs - y0) + rng.normal(0, 0.01, n_years)
    noise_l = rng.normal(0, school_year_sd, (n_schools, n_years)) if school_year_sd else 0.0
    noise_f = rng.normal(0, school_year_sd, (n_schools, n_years)) if school_year_sd else 0.0
    school_f = 0.6 * school_eff + (rng.normal(0, 0.03, n_schools) if not null else 0.0)
    add_l = year_l[None, :] + school_eff[:, None] + noise_l + planted
    add_f = year_f[None, :] + school_f[:, None] + noise_f + in_place @ eff_f
    slope = 0.025 if pretrend is not None else 0.0
    if pretrend is not None:
        when = adopt[:, names.index(pretrend)][:, None]
        rising = np.isfinite(when) & (when > y0) & (yrs[None, :] < when)
        add_l = add_l - np.where(rising, slope * (when - yrs[None, :]), 0.0)
    if pairs:
        shift = _level_visitors(add_l, pairs, yrs >= yrs[-min(n_years, 3)])
        school_eff = school_eff + shift
        add_l = add_l + shift[:, None]
        add_f = add_f + 0.6 * shift[:, None]
    gain = np.zeros((n_schools, n_years))
    if team_choice is not None:
        gain = team_gain * np.clip(yrs[None, :] - cohort[:, None], 0, None)
        chosen = np.asarray(TEAM_MEASURES)[team_choice[sch["district"]]]
        add_l = add_l + gain * (chosen == "enrolled_likely_grad")[:, None]
        add_f = add_f + gain * (chosen == "fafsa_complete")[:, None]

    start_year = {}
    bright_cell = np.zeros((n_schools, n_years), bool)
    for h in hosts:
        first = int(yrs[-min(n_years, 3 + int(rng.random() < 0.5 and n_years > 3))])
        start_year[ids[h]] = first
        bright_cell[h] = yrs >= first

    seniors = schools["seniors"].to_numpy()
    n_st = rng.poisson(seniors[:, None] * np.exp(rng.normal(0, 0.04, (n_schools, n_years))))
    p_li = _li_probs(sch["race"], sch["share_li"])
    sim = _simulate_students(
        rng,
        sch["race"],
        p_li,
        n_st,
        yrs,
        add_l.reshape(-1),
        add_f.reshape(-1),
        bright_cell.reshape(-1),
        bright_spot_effect,
        cm,
        in_place.reshape(n_schools * n_years, -1) @ focal_extra if focal_extra.any() else None,
    )
    realized = _realized_effects(sim, in_place, cells, focal_extra, names)
    att, profile = _adopter_truth(sim, in_place, cells, focal_extra, adopt, yrs, names)

    keen = np.zeros(n_schools, bool)
    keen[[v for vs in pairs.values() for v in vs]] = True
    traction, stage = _traction_table(rng, ids, cohort, yrs, z, keen)
    spotlight = dt.date(int(yrs[-1]) - 1, 1, 15)
    tables: dict[str, pd.DataFrame] = {"schools": schools}
    if grain == "students":
        tables["students"] = with_college_outcomes(_students_table(sim, ids, yrs), export_seed)
    else:
        tables["counts"] = _counts_table(sim, ids, yrs, _builtin_flags(sim))
    tables["institutions"] = institutions()
    tables["practices"] = _practices_table(rng, schools["school_id"], yrs, adopt, names)
    tables["fafsa_weekly"] = _weekly_table(sim, ids, yrs, n_st)
    tables["traction"] = traction
    tables["pdsa"] = _pdsa_table(rng, ids, traction, stage, {ids[v] for v in np.flatnonzero(keen)})
    tables["survey"] = _survey_table(rng, ids, yrs, spotlight)

    stage_names = np.array(["none", "initiation", "spread", "sustainability"])
    shares = pd.Series(stage_names[stage]).value_counts(normalize=True)
    truth = Truth(
        practice_effects=effects,
        bright_spots=[str(ids[h]) for h in hosts],
        lookalikes={str(ids[h]): [str(ids[v]) for v in vs] for h, vs in pairs.items()},
        school_effects=pd.Series(school_eff, index=pd.Index(ids, name="school_id"), name="effect"),
        tau=float(school_sd),
        school_year_rates=_expected_rates(sim, ids, yrs),
        pretrend_practices=[pretrend] if pretrend else [],
        confounded=bool(confounded),
        grad_rate_threshold=GRAD_RATE_THRESHOLD,
        seed=seed,
        null=bool(null),
        fafsa_effects=fafsa_eff,
        practice_effects_realized=realized,
        adoption=_adoption_frame(ids, names, adopt, y0),
        bright_spot_effect=float(bright_spot_effect) if len(hosts) else 0.0,
        bright_spot_start=start_year,
        tau_realized=float(school_eff.std(ddof=1)) if n_schools > 1 else 0.0,
        school_year_sd=float(school_year_sd),
        year_effects={int(y): float(v) for y, v in zip(yrs, year_l, strict=True)},
        pretrend_slope=slope,
        spotlight_date=spotlight,
        survey_effects=dict(_SURVEY_EFFECT),
        traction_shares={str(k): float(shares.get(k, 0.0)) for k in stage_names},
        effect_growth=float(effect_growth),
        cohort_gradient=float(cohort_gradient),
        effect_modifiers=modifiers,
        practice_att=att,
        practice_effect_profile=profile,
        effect_heterogeneity=_heterogeneity_truth(modifiers, names),
    )
    context = {
        "sim": sim,
        "sch": sch,
        "ids": ids,
        "years": yrs,
        "n_st": n_st,
        "p_li": p_li,
        "school_eff": school_eff,
        "gain": gain,
        "cohort": cohort,
        "case_mix": cm,
        "rng": rng,
    }
    return SynthNetwork(tables=tables, truth=truth, export_seed=export_seed), context
