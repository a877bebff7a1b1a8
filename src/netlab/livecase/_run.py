"""The live-case models of a run: the pairs and the context the matching used, computed once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from netlab import measures, variation
from netlab.livecase._match import context_used, match

if TYPE_CHECKING:
    from netlab.pipeline import Prepared

__all__ = ["models_for_run"]


def _by_unit(table: pd.DataFrame | None, prepared: Prepared, unit: str) -> pd.DataFrame | None:
    """A team table (keyed by ``school_id``) keyed by the run's unit instead.

    In a district run each district's PDSA cycles are its schools' cycles together, and its
    ownership each year is the mean of its schools' scores.
    """
    schools = prepared.tables.get("schools")
    if unit != "district" or table is None or schools is None or "district" not in schools:
        return table
    to = dict(zip(schools["school_id"].astype(str), schools["district"].astype(str), strict=True))
    school = table["school_id"].astype(str)
    out = table.assign(school_id=school.map(to))
    if "cycle_id" in out.columns:  # a cycle is its school's: ids may repeat across schools
        out["cycle_id"] = school + ":" + table["cycle_id"].astype(str)
    out = out.dropna(subset=["school_id"])
    if "ownership" in out.columns and "year" in out.columns:
        out = out.groupby(["school_id", "year"], as_index=False)["ownership"].mean()
    return out


def models_for_run(prepared: Prepared) -> dict[str, pd.DataFrame]:
    """Live-case pairs for the run, computed once.

    Hosts are the bright spots on ``params.focal_measure`` for the focal group, from
    ``netlab.variation.bright_spots``; the settings come from ``params.livecase``.

    Parameters
    ----------
    prepared : netlab.pipeline.Prepared

    Returns
    -------
    dict of str to DataFrame
        ``{"pairs": match(...), "context": context_used(units)}`` (what the matching had
        to go on), or ``{}`` when bright spots cannot be computed.
    """
    params = prepared.params
    measure = params.focal_measure
    rates = prepared.rates
    if rates is None or rates.empty or measure not in set(rates["measure"]):
        return {}
    direction = measures.direction(measure, prepared.measures)
    # Reuse the run's bright spots when the variation models are already fitted.
    spots = (getattr(prepared, "models", None) or {}).get("variation__bright_spots")
    if spots is not None and {"unit_id", "measure", "group"} <= set(spots.columns):
        spots = spots.loc[(spots["measure"] == measure) & (spots["group"] == "focal")]
    else:
        spots = variation.bright_spots(
            rates,
            measure=measure,
            group="focal",
            direction=direction,
            **variation.bright_spot_settings(params),
        )
    lc = params.livecase
    pairs = match(
        rates,
        prepared.units,
        bright_spots=spots,
        measure=measure,
        group="focal",
        direction=direction,
        pdsa=_by_unit(prepared.tables.get("pdsa"), prepared, params.unit),
        traction=_by_unit(prepared.tables.get("traction"), prepared, params.unit),
        weights=(lc.weight_focal, lc.weight_low_income, lc.weight_size),
        same_district_bonus=lc.same_district_bonus,
        min_gap_pp=lc.min_gap_pp,
        max_visitors=lc.max_visitors,
        min_cell=params.min_cell,
    )
    return {"pairs": pairs, "context": context_used(prepared.units)}
