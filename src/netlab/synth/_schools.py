"""Schools of a synthetic network: context, districts, look-alikes and practice adoption.

Private to :mod:`netlab.synth`, which draws the network in :func:`netlab.synth.generate`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from netlab.checks import check_argument
from netlab.synth._common import (
    _FOCAL_RACE,
    CONSTANT_PRACTICE,
    DEFAULT_FAFSA_EFFECTS,
    DEFAULT_PRACTICE_EFFECTS,
)

_PLACES_A = (
    "Mesa", "Canyon", "Vista", "Palm", "Citrus", "Harbor", "Sycamore", "Jacaranda", "Coyote",
    "Pacific", "Sunset", "Desert", "Mission", "Oak", "Rancho", "Valle", "Laguna", "Sierra",
    "Cabrillo", "Alta", "Costa", "Manzanita", "Bahia", "Ocotillo", "Chaparral", "Agave",
    "Granite", "Mariposa", "Arroyo", "Toyon",
)  # fmt: skip
_PLACES_B = (
    "Verde", "Ridge", "Springs", "Grove", "Hills", "Point", "Valley", "Heights", "Park",
    "Crest", "Bluff", "Landing", "Creek", "del Sol", "del Mar", "Norte", "Linda", "Meadows",
    "Pines", "Rio",
)  # fmt: skip
_SCHOOL_KINDS = ("High School", "Senior High School", "Academy", "Early College High School")
_DISTRICT_KINDS = ("Unified", "Union High", "Joint Unified", "Valley Unified")
_COUNTIES = (19, 30, 33, 36, 37, 56)  # LA, Orange, Riverside, San Bernardino, San Diego, Ventura
# Race/ethnicity prototypes (order of RACES) for the kinds of schools in the region.
_PROTOTYPES = np.array(
    [
        [0.04, 0.82, 0.01, 0.04, 0.005, 0.06, 0.015, 0.01],  # Latinx majority
        [0.30, 0.55, 0.01, 0.03, 0.01, 0.06, 0.03, 0.01],  # large Black share
        [0.03, 0.35, 0.01, 0.40, 0.01, 0.15, 0.04, 0.01],  # large Asian share
        [0.04, 0.40, 0.01, 0.08, 0.005, 0.41, 0.045, 0.01],  # large White share
    ]
)
_PROTOTYPE_P = np.array([0.6, 0.1, 0.15, 0.15])
_LI_MULT = np.array([1.15, 1.15, 1.1, 0.7, 1.0, 0.55, 0.85, 0.9])


def _names(rng: np.random.Generator, n: int, kinds: tuple[str, ...]) -> list[str]:
    combos = [f"{a} {b}" for a in _PLACES_A for b in _PLACES_B]
    picks = rng.permutation(len(combos) * len(kinds))
    names = [f"{combos[i % len(combos)]} {kinds[i // len(combos)]}" for i in picks[:n]]
    # beyond the name space (not reached below ~2,400), number the repeats
    return names + [f"{names[i % len(names)]} {i // len(names) + 1}" for i in range(len(names), n)]


def _district_sizes(rng: np.random.Generator, n_schools: int) -> np.ndarray:
    n_districts = int(rng.integers(6, 9)) if n_schools == 30 else max(1, round(n_schools / 4.3))
    n_districts = min(n_districts, n_schools)
    sizes = np.ones(n_districts, int)
    extra = rng.multinomial(n_schools - n_districts, rng.dirichlet(np.full(n_districts, 2.0)))
    return sizes + extra


def _li_probs(race_shares: np.ndarray, share_li: np.ndarray) -> np.ndarray:
    """Low-income probability per school and race, so the school mean is ``share_li``."""
    scale = race_shares @ _LI_MULT
    return np.clip(share_li[:, None] * _LI_MULT[None, :] / scale[:, None], 0.02, 0.98)


def _draw_schools(
    rng: np.random.Generator,
    n_schools: int,
    years: np.ndarray,
    seniors_mean: float,
    district_sizes: np.ndarray | None,
) -> dict[str, np.ndarray]:
    sizes = _district_sizes(rng, n_schools) if district_sizes is None else district_sizes
    district = np.repeat(np.arange(len(sizes)), sizes)
    kind = rng.choice(len(_PROTOTYPES), size=n_schools, p=_PROTOTYPE_P)
    race = np.vstack([rng.dirichlet(_PROTOTYPES[k] * 60 + 0.05) for k in kind])
    share_li = np.clip(
        0.2 + 0.75 * race[:, :3].sum(axis=1) + rng.normal(0, 0.08, n_schools), 0.3, 0.95
    )
    enrollment = np.clip(
        np.round(np.exp(rng.normal(np.log(seniors_mean * 4.2), 0.35, n_schools))), 800, 3200
    )
    y0, yl = int(years[0]), int(years[-1])
    cohort_years = np.arange(y0, min(y0 + 4, yl) + 1)
    cohort_p = np.array([0.3, 0.25, 0.2, 0.15, 0.1])[: len(cohort_years)]
    cohort = rng.choice(cohort_years, size=n_schools, p=cohort_p / cohort_p.sum())
    return {
        "district": district,
        "race": race,
        "share_li": share_li,
        "enrollment": enrollment,
        "cohort": cohort,
        "n_districts": np.array(len(sizes)),
    }


def _finish_schools(rng: np.random.Generator, sch: dict[str, np.ndarray]) -> pd.DataFrame:
    """Names, CDS-like 14-digit ids and context columns, once districts are final."""
    n = len(sch["district"])
    n_d = int(sch["n_districts"])
    dnames = _names(rng, n_d, _DISTRICT_KINDS)
    county = rng.choice(_COUNTIES, size=n_d)
    dcode = rng.choice(np.arange(60000, 80000), size=n_d, replace=False)
    scode = rng.choice(np.arange(100000, 4000000), size=n, replace=False)
    d = sch["district"]
    ids = [f"{county[d[i]]:02d}{dcode[d[i]]:05d}{scode[i]:07d}" for i in range(n)]
    race, li = sch["race"], sch["share_li"]
    p_li = _li_probs(race, li)
    share_focal = 1 - (race[:, ~_FOCAL_RACE] * (1 - p_li[:, ~_FOCAL_RACE])).sum(axis=1)
    seniors = np.round(sch["enrollment"] / 4.2 * rng.uniform(0.92, 1.08, n)).astype(int)
    return pd.DataFrame(
        {
            "school_id": pd.array(ids, dtype="str"),
            "school_name": pd.array(_names(rng, n, _SCHOOL_KINDS), dtype="str"),
            "district": pd.array([dnames[i] for i in d], dtype="str"),
            "cohort": sch["cohort"].astype(int),
            "enrollment": sch["enrollment"].astype(int),
            "seniors": seniors,
            "share_low_income": li.round(3),
            "share_black": race[:, 0].round(3),
            "share_latinx": race[:, 1].round(3),
            "share_indigenous": race[:, 2].round(3),
            "share_asian": race[:, 3].round(3),
            "share_white": race[:, 5].round(3),
            "share_focal": share_focal.round(3),
        }
    )


def _plant_lookalikes(
    rng: np.random.Generator,
    sch: dict[str, np.ndarray],
    effects: np.ndarray,
    hosts: np.ndarray,
    n_lookalikes: int,
) -> dict[int, list[int]]:
    """Move visitors into each host's district with the host's context and a lower effect.

    The effects set here are provisional: :func:`_level_visitors` moves them once the
    practices in place are known.
    """
    taken = set(hosts.tolist())
    low = float(np.quantile(effects, 0.3))
    pairs: dict[int, list[int]] = {}
    for h in hosts:
        free = np.array([i for i in range(len(effects)) if i not in taken])
        # never the lowest schools: visitors are drawn from the middle of the network
        order = free[np.argsort(effects[free])]
        pool = order[len(order) // 5 :]
        visitors = rng.choice(pool, size=n_lookalikes, replace=False)
        for v in visitors:
            taken.add(int(v))
            sch["district"][v] = sch["district"][h]
            sch["race"][v] = rng.dirichlet(sch["race"][h] * 3000 + 0.01)
            sch["share_li"][v] = np.clip(sch["share_li"][h] + rng.uniform(-0.02, 0.02), 0, 1)
            sch["enrollment"][v] = np.round(sch["enrollment"][h] * rng.uniform(0.94, 1.06))
            effects[v] = min(low, effects[h] - 0.06)
        pairs[int(h)] = [int(v) for v in visitors]
    return pairs


def _level_visitors(
    add_l: np.ndarray, pairs: dict[int, list[int]], recent: np.ndarray, quantile: float = 0.45
) -> np.ndarray:
    """Shift each visitor's school effect so its recent expected rate sits near ``quantile``.

    Returns the shift per school (0 for all but visitors): clearly below its host, never
    among the lowest, whatever practices the visitor happens to have in place.
    """
    level = add_l[:, recent].mean(axis=1)
    target = float(np.quantile(level, quantile))
    shift = np.zeros(len(level))
    for h, visitors in pairs.items():
        for v in visitors:
            shift[v] = min(target, level[h] - 0.02) - level[v]
    return shift


# --------------------------------------------------------------------------- practices


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _draw_adoption(
    rng: np.random.Generator,
    effects_z: np.ndarray,
    cohort: np.ndarray,
    years: np.ndarray,
    n_practices: int,
    confounded: bool,
) -> np.ndarray:
    """Adoption year per school and practice (inf = never; first year = from the start)."""
    n = len(cohort)
    y0, yl = int(years[0]), int(years[-1])
    shift = 1.5 * effects_z if confounded else np.zeros(n)
    p_start = _expit(np.log(0.15 / 0.85) + shift)[:, None]
    p_switch = _expit(np.log(0.65 / 0.35) + shift)[:, None]
    start = rng.random((n, n_practices)) < p_start
    switch = ~start & (rng.random((n, n_practices)) < p_switch)
    lo = np.minimum(np.maximum(cohort, y0 + 1), yl)[:, None]
    year = lo + np.floor(rng.random((n, n_practices)) * (yl - lo + 1))
    adopt = np.where(start, y0, np.where(switch, year, np.inf))
    if len(years) < 2:
        return adopt
    min_switchers = min(int(np.ceil(0.3 * n)), n)
    for k in range(n_practices):
        switchers = np.isfinite(adopt[:, k]) & (adopt[:, k] > y0)
        short = min_switchers - int(switchers.sum())
        if short > 0:
            never = np.flatnonzero(~switchers)
            weight = _expit(shift[never]) if confounded else np.ones(len(never))
            pick = rng.choice(never, size=short, replace=False, p=weight / weight.sum())
            adopt[pick, k] = year[pick, k]
    return adopt


def _practices_table(
    rng: np.random.Generator,
    school_ids: pd.Series,
    years: np.ndarray,
    adopt: np.ndarray,
    names: list[str],
) -> pd.DataFrame:
    n, k = adopt.shape
    t = len(years)
    in_place = years[None, :, None] >= adopt[:, None, :]  # school x year x practice
    first = years[None, :, None] == adopt[:, None, :]
    level = np.where(in_place, np.where(first | (rng.random(in_place.shape) < 0.3), 2, 3), 0)
    return pd.DataFrame(
        {
            "school_id": np.repeat(school_ids.to_numpy(), t * k),
            "year": np.tile(np.repeat(years, k), n),
            "practice": np.tile(np.asarray(names, dtype=object), n * t),
            "level": level.reshape(-1).astype(int),
        }
    ).astype({"school_id": "str", "practice": "str"})


def _effects(
    practice_effects: Mapping[str, float] | None,
    fafsa_effects: Mapping[str, float] | None,
    *,
    pretrend: str | None,
    null: bool,
    constant_practice: bool,
) -> tuple[dict[str, float], dict[str, float]]:
    effects = dict(DEFAULT_PRACTICE_EFFECTS if practice_effects is None else practice_effects)
    if constant_practice:
        effects.setdefault(CONSTANT_PRACTICE, 0.0)
    if pretrend is not None:
        check_argument("pretrend", [p for p in effects if p != CONSTANT_PRACTICE], pretrend)
        effects[pretrend] = 0.0
    fafsa = dict(DEFAULT_FAFSA_EFFECTS if fafsa_effects is None else fafsa_effects)
    fafsa = {p: float(fafsa.get(p, 0.0)) for p in effects}
    if null:
        effects = dict.fromkeys(effects, 0.0)
        fafsa = dict.fromkeys(effects, 0.0)
    return {p: float(v) for p, v in effects.items()}, fafsa


def _adoption_frame(ids: np.ndarray, names: list[str], adopt: np.ndarray, first: int):
    frame = pd.DataFrame(
        {
            "school_id": np.repeat(ids, len(names)),
            "practice": np.tile(np.asarray(names, dtype=object), len(ids)),
            "adoption_year": pd.array(
                np.where(np.isfinite(adopt), adopt, 0).reshape(-1).astype(np.int64),
                dtype="Int64",
            ),
        }
    ).astype({"school_id": "str", "practice": "str"})
    frame.loc[~np.isfinite(adopt.reshape(-1)), "adoption_year"] = pd.NA
    frame["from_start"] = (frame["adoption_year"] == first).fillna(False).astype(bool)
    return frame
