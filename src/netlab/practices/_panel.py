"""The practices panel: one row per unit and year, its rate beside the practices in place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from netlab.checks import check_columns
from netlab.exceptions import InputError
from netlab.params import DEFAULT_MEASURE

__all__ = ["panel"]

#: The rate columns of a panel row (everything else is a practice or its level).
_BASE_COLUMNS = ("rate", "numerator", "denominator")


def _school_to_unit(units: Any, unit: str) -> pd.Series | None:
    """A Series school_id -> unit id from a frame, a mapping or a Series (None: identity)."""
    if units is None:
        return None
    if isinstance(units, pd.DataFrame):
        if "school_id" not in units.columns:
            return None  # a units frame of schools only: the school is the unit
        check_columns(units, ["school_id", unit], what="units frame")
        return units.drop_duplicates("school_id").set_index("school_id")[unit].astype(str)
    if isinstance(units, pd.Series):
        return units.astype(str).set_axis(units.index.astype(str))
    if isinstance(units, Mapping):
        return pd.Series({str(k): str(v) for k, v in units.items()}, dtype=str)
    raise TypeError(
        "`units` must be a DataFrame with school_id and the unit column, or a mapping."
    )


def panel(
    rates: pd.DataFrame,
    practices: pd.DataFrame,
    *,
    measure: str = DEFAULT_MEASURE,
    group: str = "focal",
    unit: str = "unit_id",
    units: Any = None,
) -> pd.DataFrame:
    """The unit-year panel of one measure for one group, with the practices in place.

    Parameters
    ----------
    rates : DataFrame
        The long rates table (``unit``, year, group, measure, numerator, denominator, rate).
    practices : DataFrame
        school_id, year, practice, level (0 = not in place).
    measure, group : str
        Which rate to model.
    unit : str
        The unit column of ``rates``.
    units : DataFrame, Series or mapping, optional
        school_id -> unit id, for units that hold several schools (districts). Then each
        practice column is the share of the unit's schools that have it in place and its
        level column the mean level. Without it the school is the unit.

    Returns
    -------
    DataFrame
        One row per unit-year: ``unit``, year, rate, numerator, denominator, then for each
        practice ``<practice>`` (1.0 in place, i.e. level > 0; or the share for a district)
        and ``<practice>__level``. A unit-year with no practices rows at all is left out
        (unknown, not "none"); a practice missing for a unit-year that lists others is 0.
        ``attrs["practices"]`` lists the practice columns.
    """
    check_columns(
        rates, [unit, "year", "group", "measure", "numerator", "denominator"], what="rates"
    )
    check_columns(practices, ["school_id", "year", "practice", "level"], what="practices table")
    sel = rates.loc[(rates["measure"] == measure) & (rates["group"] == group)]
    if sel.empty:
        raise InputError(
            f"The rates hold no rows for measure {measure!r} and group {group!r}.",
            table="rates",
            hint="Pick a measure and group that the run computes.",
        )
    out = sel[[unit, "year", "numerator", "denominator"]].copy()
    out[unit] = out[unit].astype(str)
    out["year"] = out["year"].astype(int)
    den = out["denominator"].astype(float)
    out["rate"] = np.where(den > 0, out["numerator"] / den.where(den > 0), np.nan)

    pr = practices[["school_id", "year", "practice", "level"]].copy()
    pr["school_id"] = pr["school_id"].astype(str)
    pr["year"] = pr["year"].astype(int)
    pr["level"] = pd.to_numeric(pr["level"]).astype(float)
    pr["in_place"] = (pr["level"] > 0).astype(float)
    mapping = _school_to_unit(units, unit)
    pr[unit] = pr["school_id"] if mapping is None else pr["school_id"].map(mapping)
    pr = pr.dropna(subset=[unit])
    # A school-year lists its practices; an unlisted practice that year is not in place.
    wide_in = pr.pivot_table(
        index=["school_id", unit, "year"], columns="practice", values="in_place", aggfunc="max"
    ).fillna(0.0)
    wide_lv = pr.pivot_table(
        index=["school_id", unit, "year"], columns="practice", values="level", aggfunc="max"
    ).fillna(0.0)
    names = [str(c) for c in wide_in.columns]
    by_unit_in = wide_in.groupby(level=[unit, "year"]).mean()
    by_unit_lv = wide_lv.groupby(level=[unit, "year"]).mean()
    by_unit_lv.columns = [f"{c}__level" for c in by_unit_lv.columns]
    wide = pd.concat([by_unit_in, by_unit_lv], axis=1).reset_index()
    wide.columns = [str(c) for c in wide.columns]
    result = out.merge(wide, on=[unit, "year"], how="inner")
    cols = [unit, "year", *_BASE_COLUMNS]
    cols += [c for n in names for c in (n, f"{n}__level")]
    result = result[cols].sort_values([unit, "year"]).reset_index(drop=True)
    result.attrs["practices"] = names
    return result


# --------------------------------------------------------------------- within-school
