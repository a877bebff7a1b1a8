"""A synthetic network and its planted truth: the records the generators return.

:class:`SynthNetwork` holds the tables (raw-export-like frames) beside a :class:`Truth`,
the record of what was planted; :func:`write` writes both to a folder (the truth as
``_truth.json``), :func:`write_exports` the files a hub would hold for the network, and
:func:`institutions` is the synthetic institutions table every network carries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netlab.params import DEFAULT_MEASURE
from netlab.synth._common import (
    _INSTITUTIONS,
    GRAD_RATE_THRESHOLD,
)
from netlab.synth._exports import write_exports as _write_hub_exports


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
    bright_spot_measure: str = DEFAULT_MEASURE
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
    """The synthetic institutions table (fictional campuses, realistic graduation rates).

    Returns
    -------
    DataFrame
        The synthetic institutions table (fictional campuses, realistic graduation rates).
    """
    frame = pd.DataFrame(_INSTITUTIONS, columns=["unitid", "name", "level", "grad_rate"])
    return frame.astype({"unitid": "str", "name": "str", "level": "str"})
