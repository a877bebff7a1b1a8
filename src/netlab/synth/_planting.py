"""The planted outcome of a synthetic network: school effects, practices and the additive terms.

Steps of :func:`netlab.synth._draw._build`, each drawing from the network's one generator in
the order the draw has always used (so a seed gives the same network): the school effects and
bright-spot hosts, the practice adoption and its effect cells, the year trends and noise, a
pre-trend, the look-alike visitors, the district teams' gain, the bright spots' first years and
the students themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from netlab.synth._common import CONSTANT_PRACTICE, TEAM_MEASURES
from netlab.synth._effects import _check_modifiers, _effect_cells, _focal_extras
from netlab.synth._schools import (
    _draw_adoption,
    _draw_schools,
    _finish_schools,
    _level_visitors,
    _li_probs,
    _plant_lookalikes,
)
from netlab.synth._students import _simulate_students


@dataclass(frozen=True)
class Knobs:
    """The settings of one draw (see :func:`netlab.synth.generate` for each one's meaning)."""

    practice_effects: Mapping[str, float] | None
    fafsa_effects: Mapping[str, float] | None
    school_sd: float
    school_year_sd: float
    n_bright_spots: int
    bright_spot_effect: float
    n_lookalikes: int
    confounded: bool
    pretrend: str | None
    null: bool
    seniors_mean: float
    constant_practice: bool
    case_mix: bool | None
    district_sizes: np.ndarray | None = None
    team_choice: np.ndarray | None = None
    team_gain: float = 0.0
    effect_growth: float = 0.0
    cohort_gradient: float = 0.0
    effect_modifiers: Mapping[str, Mapping[str, float]] | None = None


def _draw_school_effects(
    rng: np.random.Generator, sch: dict[str, np.ndarray], knobs: Knobs
) -> tuple[np.ndarray, np.ndarray, dict[int, list[int]]]:
    """Draw each school's effect, the bright-spot hosts among the upper half and their look-alikes."""
    n_schools = len(sch["race"])
    sd = knobs.school_sd
    school_eff = rng.normal(0, sd, n_schools) if sd > 0 else np.zeros(n_schools)
    hosts = np.array([], int)
    pairs: dict[int, list[int]] = {}
    if knobs.n_bright_spots > 0:
        upper = np.argsort(school_eff)[n_schools // 2 :]
        hosts = rng.choice(upper, size=knobs.n_bright_spots, replace=False)
        if knobs.n_lookalikes > 0:
            pairs = _plant_lookalikes(rng, sch, school_eff, hosts, knobs.n_lookalikes)
    return school_eff, hosts, pairs


def _standardised(values: np.ndarray) -> np.ndarray:
    """Centre and scale ``values`` to unit spread (zeros when they do not vary)."""
    sd = values.std()
    return (values - values.mean()) / sd if sd > 0 else np.zeros(len(values))


def _draw_practices(
    rng: np.random.Generator,
    schools: pd.DataFrame,
    yrs: np.ndarray,
    z: np.ndarray,
    effects: Mapping[str, float],
    knobs: Knobs,
) -> dict[str, Any]:
    """Draw adoption years and the planted practice effect of each school-year cell."""
    names = list(effects)
    variable = [p for p in names if p != CONSTANT_PRACTICE]
    cohort = schools["cohort"].to_numpy()
    adopt = _draw_adoption(rng, z, cohort, yrs, len(variable), knobs.confounded)
    if knobs.constant_practice:
        adopt = np.column_stack([adopt, np.full(len(schools), float(yrs[0]))])
        names = [*variable, CONSTANT_PRACTICE]
    in_place = yrs[None, :, None] >= adopt[:, None, :]  # school x year x practice
    eff_l = np.array([effects[p] for p in names])
    modifiers = _check_modifiers(knobs.effect_modifiers, names)
    growth, gradient = float(knobs.effect_growth), float(knobs.cohort_gradient)
    cells = _effect_cells(
        eff_l,
        adopt,
        yrs,
        growth=growth,
        cohort_gradient=gradient,
        schools=schools,
        modifiers=modifiers,
        names=names,
    )
    constant = not (growth or gradient or any(modifiers.values()))
    planted = in_place @ eff_l if constant else np.einsum("itk,itk->it", in_place, cells)
    return {
        "names": names,
        "adopt": adopt,
        "in_place": in_place,
        "modifiers": modifiers,
        "cells": cells,
        "focal_extra": _focal_extras(modifiers, names),
        "planted": planted,
    }


def _trend_and_noise(
    rng: np.random.Generator,
    yrs: np.ndarray,
    school_eff: np.ndarray,
    practice: dict[str, Any],
    eff_f: np.ndarray,
    knobs: Knobs,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw the year trends and school-year noise; return both additive terms and the year effects."""
    n_schools, n_years, y0 = len(school_eff), len(yrs), int(yrs[0])
    sd = knobs.school_year_sd
    year_l = 0.008 * (yrs - y0) + rng.normal(0, 0.01, n_years)
    year_f = 0.012 * (yrs - y0) + rng.normal(0, 0.01, n_years)
    noise_l = rng.normal(0, sd, (n_schools, n_years)) if sd else 0.0
    noise_f = rng.normal(0, sd, (n_schools, n_years)) if sd else 0.0
    school_f = 0.6 * school_eff + (rng.normal(0, 0.03, n_schools) if not knobs.null else 0.0)
    add_l = year_l[None, :] + school_eff[:, None] + noise_l + practice["planted"]
    add_f = year_f[None, :] + school_f[:, None] + noise_f + practice["in_place"] @ eff_f
    return add_l, add_f, year_l


def _with_pretrend(
    add_l: np.ndarray, yrs: np.ndarray, practice: dict[str, Any], pretrend: str | None
) -> tuple[np.ndarray, float]:
    """Lower the years before adoption of the ``pretrend`` practice so adopters were rising already."""
    if pretrend is None:
        return add_l, 0.0
    slope = 0.025
    when = practice["adopt"][:, practice["names"].index(pretrend)][:, None]
    rising = np.isfinite(when) & (when > int(yrs[0])) & (yrs[None, :] < when)
    return add_l - np.where(rising, slope * (when - yrs[None, :]), 0.0), slope


def _outcome_terms(
    rng: np.random.Generator,
    yrs: np.ndarray,
    sch: dict[str, np.ndarray],
    school_eff: np.ndarray,
    practice: dict[str, Any],
    *,
    eff_f: np.ndarray,
    pairs: dict[int, list[int]],
    cohort: np.ndarray,
    knobs: Knobs,
) -> dict[str, Any]:
    """The additive terms of both outcomes, with the visitors' shifted school effects and team gains."""
    add_l, add_f, year_l = _trend_and_noise(rng, yrs, school_eff, practice, eff_f, knobs)
    add_l, slope = _with_pretrend(add_l, yrs, practice, knobs.pretrend)
    if pairs:
        shift = _level_visitors(add_l, pairs, yrs >= yrs[-min(len(yrs), 3)])
        school_eff = school_eff + shift
        add_l = add_l + shift[:, None]
        add_f = add_f + 0.6 * shift[:, None]
    gain = np.zeros((len(school_eff), len(yrs)))
    if knobs.team_choice is not None:
        gain = knobs.team_gain * np.clip(yrs[None, :] - cohort[:, None], 0, None)
        chosen = np.asarray(TEAM_MEASURES)[knobs.team_choice[sch["district"]]]
        add_l = add_l + gain * (chosen == "enrolled_likely_grad")[:, None]
        add_f = add_f + gain * (chosen == "fafsa_complete")[:, None]
    return {
        "add_l": add_l,
        "add_f": add_f,
        "year_l": year_l,
        "slope": slope,
        "school_eff": school_eff,
        "gain": gain,
    }


def _bright_cells(
    rng: np.random.Generator, hosts: np.ndarray, ids: np.ndarray, yrs: np.ndarray
) -> tuple[dict[str, int], np.ndarray]:
    """Draw each bright spot's first year; mark its school-year cells from then on."""
    n_years = len(yrs)
    start_year = {}
    bright_cell = np.zeros((len(ids), n_years), bool)
    for h in hosts:
        first = int(yrs[-min(n_years, 3 + int(rng.random() < 0.5 and n_years > 3))])
        start_year[ids[h]] = first
        bright_cell[h] = yrs >= first
    return start_year, bright_cell


def _draw_students(
    rng: np.random.Generator,
    sch: dict[str, np.ndarray],
    seniors: np.ndarray,
    yrs: np.ndarray,
    *,
    outcome: dict[str, Any],
    bright_cell: np.ndarray,
    practice: dict[str, Any],
    bright_spot_effect: float,
    case_mix: float,
) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """Draw the seniors of each school-year and simulate them; return them, their counts and LI odds."""
    n_schools, n_years = len(seniors), len(yrs)
    n_st = rng.poisson(seniors[:, None] * np.exp(rng.normal(0, 0.04, (n_schools, n_years))))
    p_li = _li_probs(sch["race"], sch["share_li"])
    focal_extra = practice["focal_extra"]
    in_place = practice["in_place"]
    sim = _simulate_students(
        rng,
        sch["race"],
        p_li,
        n_st,
        yrs,
        outcome["add_l"].reshape(-1),
        outcome["add_f"].reshape(-1),
        bright_cell.reshape(-1),
        bright_spot_effect,
        case_mix,
        in_place.reshape(n_schools * n_years, -1) @ focal_extra if focal_extra.any() else None,
    )
    return sim, n_st, p_li


def _plant_network(
    rng: np.random.Generator,
    n_schools: int,
    yrs: np.ndarray,
    knobs: Knobs,
    *,
    effects: Mapping[str, float],
    fafsa_eff: Mapping[str, float],
) -> dict[str, Any]:
    """Draw the schools and everything planted on them, before any student is drawn."""
    sch = _draw_schools(rng, n_schools, yrs, knobs.seniors_mean, knobs.district_sizes)
    school_eff, hosts, pairs = _draw_school_effects(rng, sch, knobs)
    schools = _finish_schools(rng, sch)
    ids = schools["school_id"].to_numpy(dtype=object)
    cohort = schools["cohort"].to_numpy()
    z = _standardised(school_eff)
    practice = _draw_practices(rng, schools, yrs, z, effects, knobs)
    eff_f = np.array([fafsa_eff[p] for p in practice["names"]])
    outcome = _outcome_terms(
        rng, yrs, sch, school_eff, practice, eff_f=eff_f, pairs=pairs, cohort=cohort, knobs=knobs
    )
    start_year, bright_cell = _bright_cells(rng, hosts, ids, yrs)
    keen = np.zeros(n_schools, bool)
    keen[[v for vs in pairs.values() for v in vs]] = True
    return {
        "sch": sch,
        "schools": schools,
        "ids": ids,
        "cohort": cohort,
        "z": z,
        "hosts": hosts,
        "pairs": pairs,
        "keen": keen,
        "practice": practice,
        "outcome": outcome,
        "start_year": start_year,
        "bright_cell": bright_cell,
    }
