"""Equity gaps: the focal group against a reference within each unit, and their trend.

Public names are re-exported by :mod:`netlab.variation`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from netlab._funnel import _RATE_COLUMNS, _require, _z
from netlab.exceptions import MeasureError
from netlab.intervals import newcombe_diff

# --------------------------------------------------------------------------- equity gaps


def equity_gaps(
    rates: pd.DataFrame,
    *,
    measure: str,
    focal: str = "focal",
    reference: str = "rest",
    years: Sequence[int] | None = None,
    unit: str = "unit_id",
    level: float = 0.95,
) -> pd.DataFrame:
    """Gap between the focal group and a reference within each unit and year.

    Parameters
    ----------
    rates : pandas.DataFrame
        The long rates table.
    measure : str
        Measure.
    focal : str
        Focal group.
    reference : str
        ``"rest"`` (the unit's students outside the focal group: "all" minus focal counts)
        or any group name (e.g. ``"all"`` or ``"white"``).
    years : sequence of int, optional
        Years to keep; all when None.
    unit : str
        Unit column.
    level : float
        Interval level (Newcombe's hybrid score interval, method 10).

    Returns
    -------
    pandas.DataFrame
        unit_id, year, measure, focal_numerator, focal_denominator, focal_rate,
        ref_numerator, ref_denominator, ref_rate, gap_pp (focal minus reference, points),
        low_pp, high_pp, reference.
    """
    _require(rates, (unit, *_RATE_COLUMNS), "rates")
    rows = rates[rates["measure"] == measure]
    if years is not None:
        rows = rows[rows["year"].isin(list(years))]
    keys = [unit, "year"]
    f = rows[rows["group"] == focal].set_index(keys)[["numerator", "denominator"]]
    ref_group = "all" if reference == "rest" else reference
    r = rows[rows["group"] == ref_group].set_index(keys)[["numerator", "denominator"]]
    if f.empty or r.empty:
        raise MeasureError(
            f"No rows for groups {focal!r} and {ref_group!r} of measure {measure!r}.",
            table="rates",
        )
    both = f.merge(r, left_index=True, right_index=True, suffixes=("_f", "_r")).astype(float)
    if reference == "rest":
        both["numerator_r"] -= both["numerator_f"]
        both["denominator_r"] -= both["denominator_f"]
    both = both[(both["denominator_f"] > 0) & (both["denominator_r"] > 0)].dropna()
    d, lo, hi = newcombe_diff(
        both["numerator_f"],
        both["denominator_f"],
        both["numerator_r"],
        both["denominator_r"],
        level=level,
    )
    out = pd.DataFrame(
        {
            "unit_id": both.index.get_level_values(0),
            "year": both.index.get_level_values(1).astype(int),
            "measure": measure,
            "focal_numerator": both["numerator_f"].to_numpy(),
            "focal_denominator": both["denominator_f"].to_numpy(),
            "focal_rate": (both["numerator_f"] / both["denominator_f"]).to_numpy(),
            "ref_numerator": both["numerator_r"].to_numpy(),
            "ref_denominator": both["denominator_r"].to_numpy(),
            "ref_rate": (both["numerator_r"] / both["denominator_r"]).to_numpy(),
            "gap_pp": 100 * d,
            "low_pp": 100 * lo,
            "high_pp": 100 * hi,
            "reference": reference,
        }
    )
    return out.sort_values(["unit_id", "year"]).reset_index(drop=True)


def equity_trend(gaps: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Trend of each unit's equity gap over years (weighted least squares).

    Each year's gap is weighted by the inverse of its variance (from the interval width);
    the slope is in percentage points per year and needs at least three years.

    Parameters
    ----------
    gaps : pandas.DataFrame
        Output of :func:`equity_gaps`.
    level : float
        Interval level of the slope.

    Returns
    -------
    pandas.DataFrame
        unit_id, measure, first_year, last_year, n_years, first_gap_pp, last_gap_pp,
        slope_pp_per_year, slope_low, slope_high, direction ("narrowing", "widening",
        "no clear change"; narrowing means the gap moves toward zero).
    """
    z = _z(level)
    g = gaps.sort_values(["unit_id", "measure", "year"])
    se = ((g["high_pp"] - g["low_pp"]) / (2 * _z(0.95))).clip(lower=1e-6)
    x = g["year"].astype(float)
    w = 1 / se**2
    d = pd.DataFrame(
        {
            "unit_id": g["unit_id"],
            "measure": g["measure"],
            "w": w,
            "wx": w * x,
            "wy": w * g["gap_pp"],
            "wxx": w * x * x,
            "wxy": w * x * g["gap_pp"],
        }
    )
    keys = ["unit_id", "measure"]
    sums = d.groupby(keys, sort=True).sum()
    by = g.groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "first_year": by["year"].first().astype(int),
            "last_year": by["year"].last().astype(int),
            "n_years": by["year"].size(),
            "first_gap_pp": by["gap_pp"].first(),
            "last_gap_pp": by["gap_pp"].last(),
        }
    )
    sxx = sums["wxx"] - sums["wx"] ** 2 / sums["w"]
    sxy = sums["wxy"] - sums["wx"] * sums["wy"] / sums["w"]
    ok = (out["n_years"] >= 3) & (sxx > 0)
    slope = (sxy / sxx).where(ok)
    half = z * np.sqrt(1 / sxx.where(ok))
    out["slope_pp_per_year"] = slope
    out["slope_low"] = slope - half
    out["slope_high"] = slope + half
    mean_gap = sums["wy"] / sums["w"]
    clear = (out["slope_low"] > 0) | (out["slope_high"] < 0)
    toward_zero = np.sign(slope) != np.sign(mean_gap)
    out["direction"] = np.where(
        clear, np.where(toward_zero, "narrowing", "widening"), "no clear change"
    )
    return out.reset_index()
