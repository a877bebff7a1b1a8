"""Equity gaps: the focal group against a reference within each unit, and their trend.

Public names are re-exported by :mod:`netlab.variation`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from netlab.checks import check_columns
from netlab.exceptions import MeasureError
from netlab.intervals import newcombe_diff
from netlab.variation._funnel import _COLUMNS_HINT, _RATE_COLUMNS, _z

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
        ``"rest"`` (the unit's students outside the focal group: "all" minus focal counts),
        ``"all"`` (every student, the focal ones included) or another group's name (e.g.
        ``"white"``). Against ``"all"`` the two rates share the focal students, so the gap
        is not a difference of independent proportions: it equals ``(n_rest / n_all)`` times
        the gap to the rest, and its interval is Newcombe's interval for the gap to the rest
        scaled by that share. Another named group is taken to share no student with the
        focal group (Newcombe's interval assumes independent groups).
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
        low_pp, high_pp, reference, level.
    """
    check_columns(rates, (unit, *_RATE_COLUMNS), what="rates", hint=_COLUMNS_HINT)
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
    x_ref, n_ref = both["numerator_r"], both["denominator_r"]
    if reference in ("rest", "all"):
        x_ref, n_ref = x_ref - both["numerator_f"], n_ref - both["denominator_f"]
    keep = (both["denominator_f"] > 0) & (n_ref > 0) & both.notna().all(axis=1) & x_ref.notna()
    both, x_ref, n_ref = both[keep], x_ref[keep], n_ref[keep]
    d, lo, hi = newcombe_diff(
        both["numerator_f"], both["denominator_f"], x_ref, n_ref, level=level
    )
    if reference == "rest":
        both = both.assign(numerator_r=x_ref, denominator_r=n_ref)
    elif reference == "all":
        # focal minus all = (n_rest / n_all) x (focal minus rest), exactly
        share = (n_ref / both["denominator_r"]).to_numpy()
        d, lo, hi = d * share, lo * share, hi * share
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
            "level": level,
        }
    )
    return out.sort_values(["unit_id", "year"]).reset_index(drop=True)


def equity_trend(gaps: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Trend of each unit's equity gap over years, with the year-to-year noise counted.

    A unit's gap moves from year to year for two reasons: sampling (each year's interval says
    how much) and real year-to-year variation around its trend (a different class of
    seniors, a counselor who left). Weighting years by sampling variance alone treats the
    second as signal, and the slope's interval comes out too narrow. Here the year-to-year
    variance ``tau2`` is estimated once per measure from every unit's residuals around its
    own line (method of moments, as DerSimonian and Laird do for a meta-regression), each
    year is weighted by ``1 / (se^2 + tau2)``, and the slope's interval uses Student's t on
    the residual degrees of freedom pooled over units. Each year's ``se`` comes from its
    interval and the level the gaps were computed at (their ``level`` column; 0.95 when
    absent). A slope needs at least three years.

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
        "no clear change"; narrowing means the gap moves toward zero), tau_pp (the
        year-to-year SD around the trend, points, per measure), level.
    """
    g = gaps.sort_values(["unit_id", "measure", "year"])
    gap_level = g["level"] if "level" in g else pd.Series(0.95, index=g.index)
    z_gap = gap_level.map(lambda v: _z(float(v)))
    var = (((g["high_pp"] - g["low_pp"]) / (2 * z_gap)).clip(lower=1e-6)) ** 2
    frame = pd.DataFrame(
        {
            "unit_id": g["unit_id"],
            "measure": g["measure"],
            "x": g["year"].astype(float),
            "y": g["gap_pp"].astype(float),
            "v": var,
        }
    )
    keys = ["unit_id", "measure"]
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
    first = _wls_lines(frame.assign(w=1 / frame["v"]), keys)
    ok = (out["n_years"] >= 3) & (first["sxx"] > 0)
    # pooled year-to-year variance per measure: E[Q] = df + tau2 * c for each unit's line
    parts = first[ok].groupby(level="measure")[["q", "df", "c"]].sum()
    tau2 = ((parts["q"] - parts["df"]) / parts["c"]).clip(lower=0.0).astype(float)
    df = parts["df"].astype(float)
    frame["tau2"] = frame["measure"].map(tau2).astype(float).fillna(0.0)
    second = _wls_lines(frame.assign(w=1 / (frame["v"] + frame["tau2"])), keys)
    slope = (second["sxy"] / second["sxx"]).where(ok)
    measures = out.index.get_level_values("measure")
    dof = pd.Series(measures.map(df), index=out.index).astype(float).fillna(1.0).clip(lower=1.0)
    half = stats.t.ppf(0.5 + level / 2, dof) * np.sqrt(1 / second["sxx"].where(ok))
    out["slope_pp_per_year"] = slope
    out["slope_low"] = slope - half
    out["slope_high"] = slope + half
    mean_gap = second["sy"] / second["sw"]
    clear = (out["slope_low"] > 0) | (out["slope_high"] < 0)
    toward_zero = np.sign(slope) != np.sign(mean_gap)
    out["direction"] = np.where(
        clear, np.where(toward_zero, "narrowing", "widening"), "no clear change"
    )
    out["tau_pp"] = np.sqrt(pd.Series(measures.map(tau2), index=out.index).astype(float))
    out["level"] = level
    return out.reset_index()


def _wls_lines(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per-group weighted straight lines: sums, residual Q, its df and the tau2 factor c.

    ``c = sum(w) - trace((X'WX)^-1 X'W^2X)``, so that ``E[Q] = (k - 2) + tau2 c`` when each
    point also varies by ``tau2`` around the line.
    """
    w, x, y = frame["w"], frame["x"], frame["y"]
    sums = (
        pd.DataFrame(
            {
                **dict(zip(keys, (frame[k] for k in keys), strict=True)),
                "sw": w, "sx": w * x, "sy": w * y, "sxx": w * x * x, "sxy": w * x * y,
                "syy": w * y * y, "sw2": w**2, "sw2x": w**2 * x, "sw2xx": w**2 * x * x,
                "k": 1,
            }
        )
        .groupby(keys, sort=True)
        .sum()
    )  # fmt: skip
    sxx = sums["sxx"] - sums["sx"] ** 2 / sums["sw"]
    sxy = sums["sxy"] - sums["sx"] * sums["sy"] / sums["sw"]
    syy = sums["syy"] - sums["sy"] ** 2 / sums["sw"]
    det = sums["sw"] * sums["sxx"] - sums["sx"] ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        trace = (
            sums["sxx"] * sums["sw2"] - 2 * sums["sx"] * sums["sw2x"] + sums["sw"] * sums["sw2xx"]
        ) / det
        q = syy - sxy**2 / sxx
    return pd.DataFrame(
        {
            "sw": sums["sw"],
            "sy": sums["sy"],
            "sxx": sxx,
            "sxy": sxy,
            "q": q.clip(lower=0),
            "df": sums["k"] - 2,
            "c": sums["sw"] - trace,
        }
    )
