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
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netlab.checks import check_argument
from netlab.synth._colleges import with_college_outcomes
from netlab.synth._common import (
    _INSTITUTIONS,
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
from netlab.synth._exports import write_exports as _write_hub_exports
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
    _add_district_tables,
    _pdsa_table,
    _survey_table,
    _traction_table,
)


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
    ``process_change_dates`` (school -> week its process change started);
    ``effect_growth``, ``cohort_gradient`` and ``effect_modifiers`` as passed;
    ``practice_att`` (practice -> average realised effect on the focal students of
    adopters, schools that adopted after the first year, in their years with it: what an
    estimator on the focal panel weighted by denominators targets);
    ``practice_effect_profile`` (practice, years_since, effect, students: the same by years
    since adoption) and ``effect_heterogeneity`` (practice, modifier, difference).

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
    effect_growth: float = 0.0
    cohort_gradient: float = 0.0
    effect_modifiers: dict[str, dict[str, float]] = field(default_factory=dict)
    practice_att: dict[str, float] = field(default_factory=dict)
    practice_effect_profile: pd.DataFrame | None = None
    effect_heterogeneity: pd.DataFrame | None = None

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
    # Seeds the draws of the hub-shaped exports (netlab.synth._exports).
    export_seed: int = 0

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write the tables as CSV and the truth as ``_truth.json``; see :func:`write`."""
        return write(self, out_dir)

    def write_exports(self, out_dir: str | Path) -> list[Path]:
        """Write the files a hub would hold for this network; see :func:`write_exports`."""
        return write_exports(self, out_dir)


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


def write_exports(network: SynthNetwork, out_dir: str | Path) -> list[Path]:
    """Write the files a hub would really hold for the network, as a raw folder.

    A student information system roster (CALPADS codes), a StudentTracker detail file in
    the high-school dialect, a Naviance-style application export keyed by the local student
    number (with its description), an aid agency's completion file, ``institutions.csv`` as
    ``netlab import-public ipeds`` writes it, and the hub's own tables (schools, practices,
    FAFSA weeks, traction, PDSA, survey); for the counts grain, an aid agency's wide file by
    school name instead of the student files. Reading the folder back gives the contract
    tables of ``network`` (the round trip the tests check).

    Parameters
    ----------
    network : SynthNetwork
    out_dir : str or pathlib.Path
        Folder to write (created).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    return _write_hub_exports(network, out_dir)


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
    effect_growth: float = 0.0,
    cohort_gradient: float = 0.0,
    effect_modifiers: Mapping[str, Mapping[str, float]] | None = None,
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
    effect_growth : float, default 0.0
        Growth of each practice's effect with exposure, as a share of the effect per year
        since adoption: ``effect * (1 + effect_growth * years_since)`` (0 in the adoption
        year). Two-way fixed effects is biased when effects grow this way.
    cohort_gradient : float, default 0.0
        How much larger each earlier adoption cohort's effect is, as a share of the effect
        per year: ``effect * max(0, 1 + cohort_gradient * (mid - adoption_year))``, where
        ``mid`` is the middle of the years in which schools can switch.
    effect_modifiers : dict, optional
        Planted differences in practice effects (probability points), keyed by
        ``"low_income"`` (extra effect in schools above the network's median share of
        low-income students), ``"size"`` (schools above the median number of seniors) or
        ``"focal"`` (extra effect for focal students), each a dict practice -> extra
        effect. ``Truth.effect_heterogeneity`` lists them, with zeros elsewhere.

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
        effect_growth=effect_growth,
        cohort_gradient=cohort_gradient,
        effect_modifiers=effect_modifiers,
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
    _add_district_tables(network, ctx, choice, grain=grain, team_gain=team_gain, null=null)
    return network
