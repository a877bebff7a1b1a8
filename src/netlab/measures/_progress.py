"""Progress over time: proportion intervals, each team's change from baseline, process series.

Public names are re-exported by :mod:`netlab.measures`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from netlab import intervals
from netlab.checks import check_argument, check_columns
from netlab.measures._definitions import Registry, _as_params
from netlab.measures._definitions import registry as _registry
from netlab.params import RunParams

# ------------------------------------------------------------ intervals and progress


_PROGRESS_COLUMNS = [
    "unit_id",
    "measure",
    "label",
    "direction",
    "group",
    "baseline_year",
    "baseline_numerator",
    "baseline_denominator",
    "baseline_rate",
    "latest_year",
    "latest_numerator",
    "latest_denominator",
    "latest_rate",
    "change_pp",
    "change_low_pp",
    "change_high_pp",
    "n",
    "signal",
]


def _baseline_and_latest(
    sel: pd.DataFrame, baseline_year: int, latest_year: int | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A unit's rows of the baseline year and of the latest later year (or ``latest_year``)."""
    base = sel[sel["year"] == baseline_year]
    later = sel[sel["year"] > baseline_year]
    if latest_year is not None:
        later = later[later["year"] == latest_year]
    last = later[later["year"] == later["year"].max()] if len(later) else later
    return base, last


def _change(row: dict[str, Any], alpha: float) -> dict[str, Any]:
    """The change from baseline with its interval, and the signal read with the direction."""
    d, lo, hi = intervals.newcombe_diff(
        row["latest_numerator"],
        row["latest_denominator"],
        row["baseline_numerator"],
        row["baseline_denominator"],
        level=1 - alpha,
    )
    better, worse = (hi < 0, lo > 0) if row["direction"] == "lower" else (lo > 0, hi < 0)
    if np.isnan(d):
        signal = "no data"
    else:
        signal = "better" if better else "worse" if worse else "no clear change"
    return {
        "change_pp": 100 * d,
        "change_low_pp": 100 * lo,
        "change_high_pp": 100 * hi,
        "n": row["baseline_denominator"] + row["latest_denominator"],
        "signal": signal,
    }


def team_progress(
    rates: pd.DataFrame,
    params: RunParams | Mapping[str, Any] | None,
    *,
    baseline_year: int,
    latest_year: int | None = None,
    group: str = "focal",
    alpha: float = 0.05,
    registry: Registry | None = None,
) -> pd.DataFrame:
    """Each team's progress on its own indicator, as change from its baseline.

    Parameters
    ----------
    rates : pandas.DataFrame
        The rates table.
    params : RunParams or mapping
        ``team_measures`` gives a unit its own measure; others use ``focal_measure``.
    baseline_year : int
        The year to measure change from.
    latest_year : int, optional
        The year to measure change to; by default each unit's latest year with data on
        its indicator.
    group : str
        The group (the focal group by default).
    alpha : float
        1 - confidence level of the interval.
    registry : Registry, optional
        For measure labels and directions.

    Returns
    -------
    pandas.DataFrame
        One row per unit: unit_id, measure, label, direction, group, baseline_year,
        baseline_numerator, baseline_denominator, baseline_rate, latest_year,
        latest_numerator, latest_denominator, latest_rate, change_pp, change_low_pp,
        change_high_pp (Newcombe hybrid score interval), n (students behind both rates),
        signal ("better", "worse" or "no clear change", reading the interval with the
        measure's direction).
    """
    params = _as_params(params)
    reg = registry if registry is not None else _registry(params)
    units = sorted(rates["unit_id"].astype(str).unique())
    rows = []
    for unit in units:
        measure = params.team_measures.get(unit, params.focal_measure)
        sel = rates[
            (rates["unit_id"] == unit)
            & (rates["measure"] == measure)
            & (rates["group"] == group)
            & rates["numerator"].notna()
        ]
        base, last = _baseline_and_latest(sel, baseline_year, latest_year)
        row: dict[str, Any] = {
            "unit_id": unit,
            "measure": measure,
            "label": reg.label(measure),
            "direction": reg.direction(measure),
            "group": group,
            "baseline_year": baseline_year,
            "latest_year": int(last["year"].iloc[0]) if len(last) else latest_year,
        }
        for prefix, part in (("baseline", base), ("latest", last)):
            x = float(part["numerator"].sum()) if len(part) else np.nan
            n = float(part["denominator"].sum()) if len(part) else np.nan
            row[f"{prefix}_numerator"], row[f"{prefix}_denominator"] = x, n
            row[f"{prefix}_rate"] = x / n if n and n > 0 else np.nan
        row.update(_change(row, alpha))
        rows.append(row)
    out = pd.DataFrame(rows, columns=_PROGRESS_COLUMNS)
    return out.astype({"baseline_year": "Int64", "latest_year": "Int64"})


def aim_outlook(
    yearly: pd.DataFrame,
    *,
    by_year: int,
    since: int | None = None,
    level: float = 0.95,
    min_years: int = 4,
) -> dict[str, Any]:
    """Where a rate is likely to be by the aim's year if it keeps its present pace.

    A straight line is fitted (ordinary least squares) to the yearly rates from ``since``
    (the aim's baseline year) to the latest year, and carried to ``by_year``. The range is
    the line's prediction interval for that one future year,
    ``fit +- t(k - 2) s sqrt(1 + 1/k + (x0 - mean x)^2 / Sxx)``: it holds the uncertainty of
    the pace itself and the year-to-year ups and downs seen so far (a new class of seniors,
    sampling), clipped to 0-100%. It says what the trend so far implies, not what will
    happen: a change of practice, or of the students, changes the pace.

    Parameters
    ----------
    yearly : pandas.DataFrame
        One row per year: ``year`` and ``rate`` (suppressed or missing years are skipped
        when ``rate`` is NaN or ``suppressed`` is True).
    by_year : int
        The aim's year (the graduating class it names).
    since : int, optional
        First year of the pace; every year when None.
    level : float
        Interval level.
    min_years : int
        Fewest years to fit (with fewer, the pace is too uncertain to give a range).

    Returns
    -------
    dict
        ``projected``, ``low``, ``high`` (rates), ``pace_pp`` (points a year), ``n_years``,
        ``first_year``, ``last_year``, ``by_year``, ``level``; the rates are NaN (and
        ``reason`` says why) when there are too few years or the aim's year has passed.
    """
    rows = yearly.dropna(subset=["rate"])
    if "suppressed" in rows:
        rows = rows.loc[~rows["suppressed"].fillna(False).astype(bool)]
    if since is not None:
        rows = rows.loc[rows["year"] >= since]
    x = rows["year"].to_numpy(dtype=float)
    y = rows["rate"].to_numpy(dtype=float)
    k = len(x)
    out: dict[str, Any] = {
        "projected": np.nan, "low": np.nan, "high": np.nan, "pace_pp": np.nan, "n_years": k,
        "first_year": int(x.min()) if k else None, "last_year": int(x.max()) if k else None,
        "by_year": int(by_year), "level": level, "reason": "",
    }  # fmt: skip
    if k and x.max() >= by_year:
        out["reason"] = "the aim's year has been reached"
        return out
    if k < max(min_years, 3):
        out["reason"] = f"{k} year(s) of results since the baseline; a range needs {min_years}"
        return out
    xm = x.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * xm)
    resid = y - (intercept + slope * x)
    s2 = float((resid**2).sum() / (k - 2))
    fit = intercept + slope * by_year
    half = stats.t.ppf(0.5 + level / 2, k - 2) * np.sqrt(
        s2 * (1 + 1 / k + (by_year - xm) ** 2 / sxx)
    )
    out.update(
        projected=float(np.clip(fit, 0, 1)),
        low=float(np.clip(fit - half, 0, 1)),
        high=float(np.clip(fit + half, 0, 1)),
        pace_pp=100 * slope,
    )
    return out


# -------------------------------------------------------------------- process measures


def process_series(
    process: pd.DataFrame,
    *,
    measure: str | list[str] | None = None,
    unit: str = "school_id",
    freq: str | None = None,
) -> pd.DataFrame:
    """Interim and process measures over time as one tidy series per unit and measure.

    Parameters
    ----------
    process : pandas.DataFrame
        The process table: a unit column, date, measure, and numerator/denominator or value.
    measure : str or list of str, optional
        Keep only these measures.
    unit : str
        The column naming the team.
    freq : {None, "week", "month"}
        None keeps dates as given; "week" / "month" sums numerators and denominators (and
        averages values) within each calendar week (starting Monday) or month, dated by
        its first day.

    Returns
    -------
    pandas.DataFrame
        unit_id, date, measure, value (numerator / denominator where both are given, else
        value), numerator, denominator; sorted by unit, measure and date.
    """
    check_argument("freq", [None, "week", "month"], freq)
    check_columns(process, [unit, "date", "measure"], what="process table")
    frame = pd.DataFrame(
        {
            "unit_id": process[unit].astype("str").to_numpy(),
            "date": pd.to_datetime(process["date"]).to_numpy(),
            "measure": process["measure"].astype("str").to_numpy(),
            "numerator": pd.to_numeric(process.get("numerator"), errors="coerce"),
            "denominator": pd.to_numeric(process.get("denominator"), errors="coerce"),
            "value": pd.to_numeric(process.get("value"), errors="coerce"),
        },
        index=process.index,
    ).reset_index(drop=True)
    if measure is not None:
        wanted = [measure] if isinstance(measure, str) else list(measure)
        frame = frame[frame["measure"].isin(wanted)]
    if freq is not None:
        period = "W-SUN" if freq == "week" else "M"
        frame = frame.assign(date=frame["date"].dt.to_period(period).dt.start_time)
        frame = frame.groupby(["unit_id", "measure", "date"], as_index=False).agg(
            numerator=("numerator", lambda v: v.sum(min_count=1)),
            denominator=("denominator", lambda v: v.sum(min_count=1)),
            value=("value", "mean"),
        )
    ratio = frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)
    has_ratio = frame["numerator"].notna() & frame["denominator"].notna()
    frame = frame.assign(value=ratio.where(has_ratio, frame["value"]))
    out = frame[["unit_id", "date", "measure", "value", "numerator", "denominator"]]
    return out.sort_values(["unit_id", "measure", "date"]).reset_index(drop=True)
