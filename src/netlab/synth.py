"""A seeded synthetic improvement network with planted truth.

:func:`generate` draws a network of Southern California-like public high schools (all names
fictional) with every table of the data contract, and returns the **planted truth** beside
them, so tests and benchmarks can check the analyses against what was put in.

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
``Truth.practice_effects_realized``). FAFSA / Dream Act completion is planted the same way
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
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netlab._checks import check_argument
from netlab.schemas import RACE_CATEGORIES

RACES = RACE_CATEGORIES  # the contract's documented set, in the same order
_FOCAL_RACE = np.array([True, True, True, False, False, False, False, False])
GROUPS = (
    "all",
    "black",
    "latinx",
    "indigenous",
    "asian",
    "pacific_islander",
    "white",
    "multiracial",
    "low_income",
    "first_gen",
    "english_learner",
    "focal",
)
MEASURES = (
    "fafsa_complete",
    "cal_grant",
    "applied_4yr",
    "enrolled_any",
    "enrolled_4yr",
    "enrolled_likely_grad",
    "summer_melt",
)
PRACTICES = (
    "fafsa_class_time",
    "one_on_one_advising",
    "senior_application_day",
    "summer_outreach",
    "college_visits",
    "parent_workshops",
)
CONSTANT_PRACTICE = "college_career_center"
#: Planted effects on enrolled_likely_grad, in probability points (0.05 = 5 points).
DEFAULT_PRACTICE_EFFECTS = {
    "fafsa_class_time": 0.05,
    "one_on_one_advising": 0.06,
    "senior_application_day": 0.0,
    "summer_outreach": 0.05,
    "college_visits": 0.0,
    "parent_workshops": -0.04,
}
#: Planted effects on FAFSA / Dream Act completion, in probability points.
DEFAULT_FAFSA_EFFECTS = {"fafsa_class_time": 0.08}
GRAD_RATE_THRESHOLD = 0.6
TEAM_MEASURES = ("ninth_on_track", "ag_complete", "fafsa_complete", "enrolled_likely_grad")

# (unitid, name, level, grad_rate): fictional campuses with realistic graduation rates.
_INSTITUTIONS = (
    ("900101", "University of California, Palomar", "4-year", 0.92),
    ("900102", "University of California, Santa Rosalia", "4-year", 0.88),
    ("900103", "University of California, Laguna Verde", "4-year", 0.86),
    ("900104", "University of California, Mesa Alta", "4-year", 0.84),
    ("900105", "University of California, Bahia", "4-year", 0.83),
    ("900106", "University of California, Coastal", "4-year", 0.81),
    ("900107", "University of California, Inland Valley", "4-year", 0.76),
    ("900108", "University of California, Cajon", "4-year", 0.72),
    ("900109", "University of California, Sequoia", "4-year", 0.70),
    ("900201", "California State University, Harbor", "4-year", 0.73),
    ("900202", "California State University, Mission Hills", "4-year", 0.68),
    ("900203", "California State University, Channel", "4-year", 0.66),
    ("900204", "California State University, Citrus", "4-year", 0.64),
    ("900205", "California State University, Foothill", "4-year", 0.62),
    ("900206", "California State University, Arroyo", "4-year", 0.57),
    ("900207", "California State University, Desert Sands", "4-year", 0.55),
    ("900208", "California State University, Sunset Bay", "4-year", 0.52),
    ("900209", "California State University, Imperial", "4-year", 0.50),
    ("900210", "California State University, Ridgecrest", "4-year", 0.48),
    ("900211", "California State University, Salton", "4-year", 0.45),
    ("900212", "California State University, Dominguez Vista", "4-year", 0.44),
    ("900301", "Pacific Crest University", "4-year", 0.90),
    ("900302", "Loyola Vista University", "4-year", 0.84),
    ("900303", "Mission Bay College", "4-year", 0.78),
    ("900304", "Sierra Pacific University", "4-year", 0.63),
    ("900305", "Golden Coast Christian University", "4-year", 0.58),
    ("900306", "Westline Institute of Technology", "4-year", 0.25),
    ("900307", "Coastal Career University", "4-year", 0.30),
    ("900401", "Cascade State University", "4-year", 0.71),
    ("900402", "Mesa State University", "4-year", 0.66),
    ("900403", "Great Basin State University", "4-year", 0.54),
    ("900404", "Rio Grande State University", "4-year", 0.49),
    ("900501", "Arroyo Seco Community College", "2-year", 0.32),
    ("900502", "Palomar Valley College", "2-year", 0.28),
    ("900503", "Harbor City College", "2-year", 0.24),
    ("900504", "Inland Valley College", "2-year", 0.30),
    ("900505", "Citrus Grove College", "2-year", 0.35),
    ("900506", "Mission Canyon College", "2-year", 0.33),
    ("900507", "Desert Palms College", "2-year", 0.22),
    ("900508", "Channel Islands Community College", "2-year", 0.27),
    ("900509", "Sierra Foothill College", "2-year", 0.31),
    ("900510", "Coast Line Community College", "2-year", 0.26),
    ("900511", "Rio Vista College", "2-year", 0.29),
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
_EL_P = np.array([0.03, 0.14, 0.05, 0.10, 0.05, 0.02, 0.02, 0.03])
_FG_SHIFT = np.array([0.05, 0.15, 0.10, 0.0, 0.05, -0.05, 0.0, 0.0])
_GPA_SHIFT = np.array([-0.05, 0.0, 0.0, 0.25, 0.0, 0.10, 0.05, 0.0])
_BASE_SHIFT = np.array([0.0, 0.0, 0.0, 0.06, 0.0, 0.02, 0.01, 0.0])
_UNDOC_P = np.array([0.002, 0.05, 0.01, 0.02, 0.01, 0.001, 0.002, 0.01])
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


@dataclass
class Truth:
    """What was planted in a synthetic network.

    Attributes
    ----------
    practice_effects : dict
        Practice -> effect on enrolled_likely_grad in probability points (0.05 = 5 points),
        applied when the practice's level is above 0 (a 0/1 indicator).
    bright_spots : list of str
        Schools with an extra effect for focal students on the focal measure from
        ``bright_spot_start[school]`` to the last year (at least the last 3 years).
    lookalikes : dict
        Host (a bright spot) -> planted visiting schools: same district, near-identical context,
        clearly lower focal rate but not the lowest, with PDSA activity and ownership.
    school_effects : pandas.Series
        school_id -> school effect on the probability scale (both outcomes share it).
    tau : float
        Between-school standard deviation of the school effects drawn (probability scale);
        0 for a null network. ``tau_realized`` is the SD of the effects after planting.
    school_year_rates : pandas.DataFrame
        school_id, year, group ("all", "focal"), measure, p: the expected rate of that
        school-year-group, the mean of its students' probabilities.
    pretrend_practices : list of str
        Practices with zero true effect whose adopters were already rising before adoption.
    confounded : bool
        Whether schools with higher school effects adopt more practices.
    grad_rate_threshold : float
        Graduation rate at or above which an institution counts as "likely to graduate".
    seed : int or None
        Seed of the draw.

    The other attributes: ``null``; ``fafsa_effects`` (practice -> effect on FAFSA / Dream
    Act completion); ``practice_effects_realized`` (the mean change in the treated students'
    clipped probabilities, slightly smaller than the nominal effect); ``adoption``
    (school_id, practice, adoption_year, from_start; adoption_year missing = never);
    ``bright_spot_effect``, ``bright_spot_start`` (school -> first year) and
    ``bright_spot_measure``; ``tau_realized``; ``school_year_sd`` (SD of independent
    school-year noise, overdispersion over time); ``year_effects`` (network trend plus
    yearly shocks); ``pretrend_slope`` (points a year before adoption); ``spotlight_date``
    and ``survey_effects`` (latent Likert shift after it; rounding to 1..5 blurs it
    slightly); ``traction_shares`` (share of team-years at each stage with threshold 3);
    for :func:`generate_districts`: ``team_measures`` (district -> its own indicator),
    ``team_gain`` (points a year since joining, on that indicator) and
    ``process_change_dates`` (school -> week its process change started).

    Note that a school's expected rate differs from the network's by more than its
    school effect: the practices it has in place, its students (case mix), school-year
    noise and, for bright spots, the planted effect all add to it. ``school_year_rates``
    holds the whole expected rate; ``generate(practice_effects={}, case_mix=False,
    school_year_sd=0)`` leaves only the school effects.
    """

    practice_effects: dict[str, float]
    bright_spots: list[str]
    lookalikes: dict[str, list[str]]
    school_effects: pd.Series
    tau: float
    school_year_rates: pd.DataFrame
    pretrend_practices: list[str] = field(default_factory=list)
    confounded: bool = False
    grad_rate_threshold: float = GRAD_RATE_THRESHOLD
    seed: int | None = None
    null: bool = False
    fafsa_effects: dict[str, float] = field(default_factory=dict)
    practice_effects_realized: dict[str, float] = field(default_factory=dict)
    adoption: pd.DataFrame | None = None
    bright_spot_effect: float = 0.0
    bright_spot_start: dict[str, int] = field(default_factory=dict)
    bright_spot_measure: str = "enrolled_likely_grad"
    tau_realized: float = 0.0
    school_year_sd: float = 0.0
    year_effects: dict[int, float] = field(default_factory=dict)
    pretrend_slope: float = 0.0
    spotlight_date: dt.date | None = None
    survey_effects: dict[str, float] = field(default_factory=dict)
    traction_shares: dict[str, float] = field(default_factory=dict)
    team_measures: dict[str, str] = field(default_factory=dict)
    team_gain: float = 0.0
    process_change_dates: dict[str, dt.date] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the truth as plain JSON-ready values."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            out[f.name] = _jsonable(getattr(self, f.name))
        return out


@dataclass
class SynthNetwork:
    """A synthetic network: its tables (raw-export-like frames) and its planted truth."""

    tables: dict[str, pd.DataFrame]
    truth: Truth

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write the tables as CSV and the truth as ``_truth.json``; see :func:`write`."""
        return write(self, out_dir)


def _jsonable(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        frame = value.copy()
        for col in frame.columns:
            if pd.api.types.is_float_dtype(frame[col]):
                frame[col] = frame[col].round(5)
        return json.loads(frame.to_json(orient="records", date_format="iso"))
    if isinstance(value, pd.Series):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return round(value, 6)
    return value


def write(network: SynthNetwork, out_dir: str | Path) -> list[Path]:
    """Write a synthetic network to a folder, creating it.

    Parameters
    ----------
    network : SynthNetwork
        What :func:`generate` returned.
    out_dir : str or pathlib.Path
        Folder to write; each table goes to ``<table>.csv`` and the truth to ``_truth.json``
        (for people; analyses never read it).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in network.tables.items():
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False, date_format="%Y-%m-%d")
        written.append(path)
    path = out / "_truth.json"
    path.write_text(json.dumps(network.truth.to_dict(), indent=1))
    written.append(path)
    return written


# --------------------------------------------------------------------------- schools


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


def _take(values: Any, index: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """String column of ``values[index]``, built from the few distinct values (fast)."""
    return pd.array(np.asarray(values, dtype=object), dtype="str").take(np.asarray(index))


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


# --------------------------------------------------------------------------- students


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
) -> dict[str, np.ndarray]:
    """Draw every senior of every school-year as numpy arrays (no frame is built here)."""
    demo = _draw_demographics(rng, race_shares, p_li, n_st)
    cell, race, li, el, fg, gpa, focal = (
        demo[k]
        for k in ("cell", "race", "low_income", "english_learner", "first_gen", "gpa", "focal")
    )
    n, t = len(cell), demo["t"]
    n_years = len(years)
    g = np.clip(np.nan_to_num(gpa, nan=2.9) - 3.0, -1.2, 1.0)

    # enrolled where likely to graduate: additive on the probability scale
    base_l = 0.28 + case_mix * (0.10 * g - 0.05 * li - 0.03 * fg - 0.02 * el + _BASE_SHIFT[race])
    raw_l = base_l + add_l[cell] + bright_effect * (focal & bright_cell[cell])
    p_l = np.clip(raw_l, 0.01, 0.99)
    p_f = np.clip(0.58 + case_mix * (0.08 * g - 0.03 * el + 0.02 * li) + add_f[cell], 0.01, 0.99)

    # one uniform per student places them on the pipeline ladder, best outcome first
    t2 = np.minimum(p_l + 0.07, 0.995)  # ... or enrolled at another 4-year college
    t3 = np.minimum(t2 + 0.06, 0.996)  # ... or admitted and intending, not enrolled at one
    t4 = np.minimum(t3 + 0.08, 0.997)  # ... or admitted
    t5 = np.minimum(t4 + 0.10, 0.998)  # ... or applied
    u1 = rng.random(n)
    likely, enr4 = u1 < p_l, u1 < t2
    intent, admitted, applied = u1 < t3, u1 < t4, u1 < t5
    p_cc = 0.35
    cc = ~enr4 & (rng.random(n) < p_cc)
    enrolled = enr4 | cc

    # FAFSA / Dream Act: exact marginal p_f, tied to the ladder through a shared uniform
    u2 = np.where(rng.random(n) < 0.6, u1, rng.random(n))
    aid = u2 < p_f
    undocumented = rng.random(n) < _UNDOC_P[race]
    fafsa, dream = aid & ~undocumented, aid & undocumented
    has_gpa = ~np.isnan(gpa)
    elig = np.where(has_gpa, np.nan_to_num(gpa) >= 2.0, False)
    q_cal = np.where(li, 0.85, 0.30)
    cal = aid & elig & (rng.random(n) < q_cal)

    inst = _INSTITUTIONS
    unitids = np.array([i[0] for i in inst], dtype=object)
    level4 = np.array([i[2] == "4-year" for i in inst])
    rate = np.array([i[3] for i in inst])
    uc = np.array([i[1].startswith("University of California") for i in inst])
    where = np.full(n, -1)
    hi = has_gpa & (np.nan_to_num(gpa) >= 3.5)
    good = np.flatnonzero(level4 & (rate >= GRAD_RATE_THRESHOLD))
    for mask, w in ((likely & hi, 1 + 3 * uc[good]), (likely & ~hi, 1 + 0.2 * uc[good])):
        where[mask] = _choose(rng, good, w.astype(float), int(mask.sum()))
    low = np.flatnonzero(level4 & (rate < GRAD_RATE_THRESHOLD))
    mask = enr4 & ~likely
    where[mask] = _choose(rng, low, np.ones(len(low)), int(mask.sum()))
    two = np.flatnonzero(~level4)
    where[cc] = _choose(rng, two, np.ones(len(two)), int(cc.sum()))

    # completion and submission days within the season
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
    late_sub = ~aid & (rng.random(n) < 0.12)
    sub = np.where(late_sub, np.floor(rng.uniform(lo, hi_day)).astype(int), sub)
    day = np.where(fafsa, day, -1)

    expected = {
        "enrolled_likely_grad": p_l,
        "fafsa_complete": p_f,
        "enrolled_4yr": t2,
        "applied_4yr": t5,
        "enrolled_any": t2 + p_cc * (1 - t2),
        "cal_grant": p_f * elig * q_cal,
    }
    return {
        **demo,
        "u1": u1,
        "raw_l": raw_l,
        "fafsa": fafsa,
        "dream": dream,
        "cal": cal,
        "applied": applied,
        "admitted": admitted,
        "intent": intent,
        "enrolled": enrolled,
        "enr4": enr4,
        "likely": likely,
        "inst": where,
        "unitids": unitids,
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


# --------------------------------------------------------------------------- team tables


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


def institutions() -> pd.DataFrame:
    """The synthetic institutions table (fictional campuses, realistic graduation rates)."""
    frame = pd.DataFrame(_INSTITUTIONS, columns=["unitid", "name", "level", "grad_rate"])
    return frame.astype({"unitid": "str", "name": "str", "level": "str"})


# --------------------------------------------------------------------------- the network


def _check_years(years: Iterable[int]) -> np.ndarray:
    arr = np.array(sorted({int(y) for y in years}), dtype=int)
    if len(arr) == 0:
        raise ValueError("`years` must name at least one graduating year.")
    return arr


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


def _realized_effects(
    sim: dict[str, Any], in_place: np.ndarray, names: list[str], effects: np.ndarray
) -> dict[str, float]:
    """Mean change in treated students' clipped probabilities that each practice made."""
    placed = in_place[sim["cell"]]
    out = {}
    for k, name in enumerate(names):
        raw = sim["raw_l"][placed[:, k]]
        diff = np.clip(raw, 0.01, 0.99) - np.clip(raw - effects[k], 0.01, 0.99)
        out[name] = float(diff.mean()) if len(diff) else float("nan")
    return out


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
    eff_f = np.array([fafsa_eff[p] for p in names])

    year_l = 0.008 * (yrs - y0) + rng.normal(0, 0.01, n_years)
    year_f = 0.012 * (yrs - y0) + rng.normal(0, 0.01, n_years)
    noise_l = rng.normal(0, school_year_sd, (n_schools, n_years)) if school_year_sd else 0.0
    noise_f = rng.normal(0, school_year_sd, (n_schools, n_years)) if school_year_sd else 0.0
    school_f = 0.6 * school_eff + (rng.normal(0, 0.03, n_schools) if not null else 0.0)
    add_l = year_l[None, :] + school_eff[:, None] + noise_l + in_place @ eff_l
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
    )
    realized = _realized_effects(sim, in_place.reshape(n_schools * n_years, -1), names, eff_l)

    keen = np.zeros(n_schools, bool)
    keen[[v for vs in pairs.values() for v in vs]] = True
    traction, stage = _traction_table(rng, ids, cohort, yrs, z, keen)
    spotlight = dt.date(int(yrs[-1]) - 1, 1, 15)
    tables: dict[str, pd.DataFrame] = {"schools": schools}
    if grain == "students":
        tables["students"] = _students_table(sim, ids, yrs)
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
    return SynthNetwork(tables=tables, truth=truth), context


def generate(
    n_schools: int = 30,
    years: Iterable[int] = range(2019, 2027),
    seed: int | None = 0,
    *,
    grain: str = "students",
    practice_effects: Mapping[str, float] | None = None,
    school_sd: float = 0.06,
    n_bright_spots: int = 3,
    bright_spot_effect: float = 0.12,
    n_lookalikes: int = 2,
    confounded: bool = False,
    pretrend: str | None = None,
    null: bool = False,
    seniors_mean: float = 320,
    constant_practice: bool = False,
    school_year_sd: float = 0.015,
    fafsa_effects: Mapping[str, float] | None = None,
    case_mix: bool | None = None,
) -> SynthNetwork:
    """Draw a synthetic network of high schools with planted truth.

    Parameters
    ----------
    n_schools : int, default 30
        Schools in the network (1,300 for a state; see :func:`state_scale`).
    years : iterable of int, default 2019 to 2026
        Graduating years.
    seed : int or None, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives identical tables.
    grain : {"students", "counts"}, default "students"
        ``"students"``: one row per senior (raw ``student_id``; no ``enrolled_grad_rate``,
        which cleaning adds). ``"counts"``: school x year x group x measure numerators and
        denominators for every built-in measure and group, drawn from the same students
        but without building their rows (fast: about 0.1 s for 30 schools).
    practice_effects : dict, optional
        Practice -> effect on enrolled_likely_grad in probability points, applied when the
        practice is in place (level > 0). Default :data:`DEFAULT_PRACTICE_EFFECTS`
        (three positive, two zero, one negative). Its keys name the practices.
    school_sd : float, default 0.06
        Between-school SD of the school effects (probability scale).
    n_bright_spots : int, default 3
        Schools (drawn from the upper half of school effects) whose focal students get
        ``bright_spot_effect`` more on enrolled_likely_grad in the last 3 or 4 years.
    bright_spot_effect : float, default 0.12
        The planted bright-spot effect, in probability points.
    n_lookalikes : int, default 2
        Visitors planted per bright spot: moved into its district with near-identical
        context (race shares, share low-income, size), a school effect set so that its
        expected rate in the last 3 years (before case mix) sits near the network's 45th
        percentile and at least 2 points below the host's before the host's bright-spot
        effect (so clearly lower, rarely among the lowest), PDSA activity and ownership.
    confounded : bool, default False
        Schools with higher school effects adopt more practices, and earlier.
    pretrend : str, optional
        A practice given zero true effect whose adopters were already rising before they
        adopted it (``Truth.pretrend_slope`` points a year, up to the adoption year).
    null : bool, default False
        No school effects, school-year noise, bright spots, practice effects or case mix:
        every school's expected rates equal the network's each year.
    seniors_mean : float, default 320
        Typical seniors per school (enrollment is about 4.2 times seniors, 800 to 3,200).
    constant_practice : bool, default False
        Add :data:`CONSTANT_PRACTICE`, in place at every school in every year (effect 0;
        it has no within-school change, so no panel model can estimate it).
    school_year_sd : float, default 0.015
        SD of school-year noise added to each school's expected rate (overdispersion over
        time, independent across years).
    fafsa_effects : dict, optional
        Practice -> effect on FAFSA / Dream Act completion; default
        :data:`DEFAULT_FAFSA_EFFECTS`.
    case_mix : bool, optional
        Whether student characteristics (GPA, low income, first generation, English
        learner, race) move the outcome probabilities; default True, False when ``null``.

    Returns
    -------
    SynthNetwork
        ``tables``: schools, students or counts, institutions, practices, fafsa_weekly,
        traction, pdsa, survey; ``truth``: a :class:`Truth`.

    Examples
    --------
    >>> net = generate(n_schools=12, years=range(2022, 2025), seed=1, grain="counts",
    ...                n_bright_spots=1, n_lookalikes=1)
    >>> sorted(net.tables)[:3]
    ['counts', 'fafsa_weekly', 'institutions']
    """
    network, _ = _build(
        n_schools,
        years,
        seed,
        grain=grain,
        practice_effects=practice_effects,
        fafsa_effects=fafsa_effects,
        school_sd=school_sd,
        school_year_sd=school_year_sd,
        n_bright_spots=n_bright_spots,
        bright_spot_effect=bright_spot_effect,
        n_lookalikes=n_lookalikes,
        confounded=confounded,
        pretrend=pretrend,
        null=null,
        seniors_mean=seniors_mean,
        constant_practice=constant_practice,
        case_mix=case_mix,
    )
    return network


def state_scale(seed: int | None = 0, *, grain: str = "students") -> SynthNetwork:
    """A state-sized network: 1,300 schools, graduating years 2021-2026, ~2 million seniors."""
    return generate(
        n_schools=1300,
        years=range(2021, 2027),
        seed=seed,
        grain=grain,
        seniors_mean=250,
        n_bright_spots=20,
    )


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


def generate_districts(
    n_districts: int = 15,
    years: Iterable[int] = range(2019, 2027),
    seed: int | None = 0,
    *,
    grain: str = "students",
    team_gain: float = 0.02,
    school_sd: float = 0.06,
    n_bright_spots: int = 3,
    null: bool = False,
    seniors_mean: float = 320,
) -> SynthNetwork:
    """Draw a network of districts (2-4 high schools each), each with its own indicator.

    Parameters
    ----------
    n_districts : int, default 15
        Districts in the network; each has 2 to 4 schools (the ``district`` column).
    years : iterable of int, default 2019 to 2026
        School years (spring), as for :func:`generate`.
    seed : int or None, default 0
        Seed; the same seed gives identical tables.
    grain : {"students", "counts"}, default "students"
        As for :func:`generate`; counts add the measures ``ninth_on_track`` (denominator:
        ninth graders) and ``ag_complete`` (denominator: seniors).
    team_gain : float, default 0.02
        Planted gain on each district's own indicator, in probability points per year since
        its schools joined (``Truth.team_measures`` names the indicator).
    school_sd, n_bright_spots, null, seniors_mean
        As for :func:`generate` (no look-alikes are planted here).

    Returns
    -------
    SynthNetwork
        The tables of :func:`generate` plus ``process`` (weekly process measures over the
        last season: college_list_complete and ninth_grade_checkins with numerator and
        denominator, counselor_meetings as a value). With ``grain="students"`` the
        ``students`` table holds seniors (``grade`` 12) and ninth graders (``grade`` 9),
        with extra columns ``grade`` (int), ``credits_earned`` (float), ``core_fails``
        (int) and ``ag_complete`` (bool). Ninth graders' ``grad_year`` is the school year
        of their ninth grade (so year-based measures line up) and their college columns are
        False or missing; a measure meant for seniors must say ``grade == 12`` in its
        denominator. Ninth-grade on track: ``grade == 9`` and ``credits_earned >= 5 and
        core_fails == 0``.
    """
    if n_districts < 1:
        raise ValueError(f"`n_districts` must be at least 1, but {n_districts!r} was passed.")
    side = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    sizes = side.integers(2, 5, n_districts)
    choice = side.permutation(np.resize(np.array([0, 1, 2, 0, 3]), n_districts))
    network, ctx = _build(
        int(sizes.sum()),
        years,
        seed,
        grain=grain,
        practice_effects=None,
        fafsa_effects=None,
        school_sd=school_sd,
        school_year_sd=0.015,
        n_bright_spots=n_bright_spots,
        bright_spot_effect=0.12,
        n_lookalikes=0,
        confounded=False,
        pretrend=None,
        null=null,
        seniors_mean=seniors_mean,
        constant_practice=False,
        case_mix=None,
        district_sizes=sizes,
        team_choice=choice,
        team_gain=team_gain,
    )
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
    return network
