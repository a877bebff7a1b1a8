"""The generators of synthetic networks: a network of schools, a state, a network of districts.

Each is one call of the draw in :mod:`netlab.synth._draw` (whose docstring says how the
outcome is planted); :func:`generate_districts` then adds the district tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from netlab.synth._colleges import SEARCH_DAY
from netlab.synth._draw import _build
from netlab.synth._network import SynthNetwork
from netlab.synth._teams import _add_district_tables


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
    return _dated(network)


def state_scale(seed: int | None = 0, *, grain: str = "students") -> SynthNetwork:
    """A state-sized network: 1,300 schools, graduating years 2021-2026, ~2 million seniors.

    Parameters
    ----------
    seed : int or None, optional
        The seed of the random draws.
    grain : str, optional
        The draw's grain (what one simulated row stands for).

    Returns
    -------
    SynthNetwork
        A state-sized network: 1,300 schools, graduating years 2021-2026, ~2 million seniors.
    """
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
    return _dated(network)


def _dated(network: Any) -> Any:
    """Say of every table the date it is as of: the StudentTracker search of its exports
    (15 November of the latest class's year), since its outcomes are drawn through that fall.
    ``netlab.prepare_frames`` takes it as the run's date when the params give none."""
    years = [
        int(pd.to_numeric(t[c], errors="coerce").max())
        for t in network.tables.values()
        for c in ("grad_year", "year")
        if c in t.columns and pd.to_numeric(t[c], errors="coerce").notna().any()
    ]
    if years:
        as_of = dt.date(max(years), *SEARCH_DAY)
        for table in network.tables.values():
            table.attrs["as_of"] = as_of
    return network
