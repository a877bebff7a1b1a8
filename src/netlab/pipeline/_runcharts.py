"""Run charts fitted once per run: each report unit's process measures and FAFSA season.

A school (or district) report shows its interim and process measures as run charts, and
its weekly FAFSA completion beside last season's at the same weeks, judged on its pace.
Both are computed here, once per run, for every unit a report is made for (each school,
or each district with its schools) and for the network as a whole (``unit_id`` missing).
The run's small-cell rule is applied before the statistics: the median and the run-chart
rules rest on the points a report may show, so a suppressed point never moves them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netlab import measures, privacy, spc

if TYPE_CHECKING:
    from netlab.pipeline._prepared import Prepared

#: The run-chart columns of :func:`netlab.spc.run_chart`, as stored (missing where a point
#: was not charted: suppressed, or too few shown points).
CHART_TYPES = {
    "phase": "Int64",
    "centre": "float64",
    "useful": "boolean",
    "run_length": "Int64",
    "in_long_run": "boolean",
    "n_useful": "Int64",
    "longest_run": "Int64",
    "crossings": "Int64",
    "longest_run_limit": "Int64",
    "min_crossings": "Int64",
    "run_signal": "boolean",
    "crossing_signal": "boolean",
    "signal": "boolean",
}

_PROCESS = ["unit_id", "measure", "date", "numerator", "denominator", "value", "suppressed"]
_SEASON = [
    "unit_id",
    "season",
    "week",
    "week_of",
    "unreported",
    "as_of",
    "numerator",
    "denominator",
    "rate",
    "units",
    "prior_as_of",
    "prior_numerator",
    "prior_denominator",
    "prior_rate",
    "prior_units",
    "suppressed",
    "gap",
    "change",
]


def report_units(prepared: Prepared) -> list[tuple[str | None, list[str] | None]]:
    """Every unit a report is made for, with its school ids; the network first (None)."""
    ids = sorted(prepared.units["unit_id"].astype(str).unique()) if len(prepared.units) else []
    return [(None, None)] + [(u, prepared.schools_of(u)) for u in ids]


def _typed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The frame's columns in order, the run-chart ones with their stored types."""
    out = frame.reindex(columns=[*columns, *CHART_TYPES])
    out["unit_id"] = out["unit_id"].astype("str").where(out["unit_id"].notna())
    return out.astype(CHART_TYPES).reset_index(drop=True)


def _process_points(cell: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """One measure of one unit: a point per date, and the run chart of the shown points."""
    rates_like = bool(cell["denominator"].notna().any())
    several = int(cell["unit_id"].nunique())
    # one point per date for the whole unit (a district's schools, or the network)
    if rates_like:
        cell = cell.groupby("date", as_index=False)[["numerator", "denominator"]].sum()
        cell["value"] = cell["numerator"] / cell["denominator"].where(cell["denominator"] > 0)
        cell["suppressed"] = privacy.too_small(cell["denominator"], min_cell, missing=False)
    else:
        cell = cell.groupby("date", as_index=False)["value"].sum().assign(suppressed=False)
    cell = cell.sort_values("date")
    shown = privacy.visible(cell)
    if len(shown) >= 2:
        chart = spc.run_chart(shown, x="date", y="value")
        cell = cell.merge(chart.drop(columns=["value"]), on="date", how="left")
    return cell.assign(is_rate=rates_like, schools=several)


def process_charts(
    process: pd.DataFrame, units: list[tuple[str | None, list[str] | None]], *, min_cell: int
) -> pd.DataFrame:
    """Every unit's interim and process measures over time, with their run charts.

    Parameters
    ----------
    process : pandas.DataFrame
        The process table (school_id, date, measure, numerator / denominator or value).
    units : list of (unit_id, school ids)
        From :func:`report_units`; a unit id of None (no school ids) is the network.
    min_cell : int
        The run's minimum cell size: a rate's point resting on fewer students is
        suppressed, and the run chart is computed on the other points only.

    Returns
    -------
    pandas.DataFrame
        One row per unit × measure × date: unit_id (missing for the network), measure,
        date, numerator, denominator, value, suppressed, is_rate (a rate of counts, not a
        value), schools (the unit's schools reporting the measure) and the
        :func:`netlab.spc.run_chart` columns (missing on points not charted: suppressed
        ones, and every point of a measure with fewer than two shown).
    """
    series = measures.process_series(process, unit="school_id")
    parts = []
    for unit_id, schools in units:
        mine = (
            series if schools is None else series.loc[series["unit_id"].isin({unit_id, *schools})]
        )
        for measure, cell in mine.groupby("measure", sort=True):
            points = _process_points(cell, min_cell)
            parts.append(points.assign(unit_id=unit_id, measure=measure))
    columns = [*_PROCESS, "is_rate", "schools"]
    if not parts:
        return _typed(pd.DataFrame(columns=columns), columns)
    return _typed(pd.concat(parts, ignore_index=True), columns)


def _unit_season(
    weekly: pd.DataFrame, season: int, schools: list[str] | None, min_cell: int
) -> pd.DataFrame:
    """One unit's weeks of the season: its snapshots, the shown series and its pace."""
    this = weekly.loc[weekly["season"] == season]
    if schools is not None:
        this = this.loc[this["school_id"].astype(str).isin(schools)]
    missing = (
        (~this["reported"].fillna(False).astype(bool)).groupby(this["week"]).all()
        if "reported" in this.columns
        else pd.Series(dtype=bool)
    )
    dates = pd.to_datetime(this.groupby("week")["as_of"].first())
    weeks = pd.DataFrame({"week": dates.index.to_numpy(), "week_of": dates.to_numpy()})
    weeks["unreported"] = weeks["week"].map(missing).fillna(False).astype(bool)
    series = spc.season_series(weekly, season=season, unit=schools)
    series = series.loc[series["denominator"].notna()]
    series = privacy.flag_small(series, min_cell=min_cell)
    prior_small = privacy.too_small(series["prior_denominator"], min_cell)
    series.loc[prior_small, ["prior_rate", "prior_numerator"]] = np.nan
    shown = privacy.visible(series)
    if not shown.empty and shown["prior_rate"].notna().any():
        pace = spc.season_pace(shown)
        series = series.merge(pace.drop(columns=["rate", "prior_rate"]), on="week", how="left")
    out = weeks.merge(series.drop(columns=["season"]), on="week", how="outer")
    return out.assign(season=season).sort_values("week")


def _by_school(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """A table's rows by school id, split once (so each unit reads only its own rows)."""
    return {str(k): g for k, g in table.groupby(table["school_id"].astype(str), sort=False)}


def _rows_of(
    by_school: dict[str, pd.DataFrame], schools: list[str], like: pd.DataFrame
) -> pd.DataFrame:
    """The rows of some schools (an empty frame like ``like`` when none has any)."""
    found = [by_school[s] for s in schools if s in by_school]
    return pd.concat(found) if found else like.iloc[:0]


def fafsa_season(
    weekly: pd.DataFrame, units: list[tuple[str | None, list[str] | None]], *, min_cell: int
) -> pd.DataFrame:
    """Every unit's weekly FAFSA completion in the latest season, with its pace test.

    Parameters
    ----------
    weekly : pandas.DataFrame
        The fafsa_weekly table.
    units : list of (unit_id, school ids)
        From :func:`report_units`; a unit id of None (no school ids) is the network.
    min_cell : int
        The run's minimum cell size: a week resting on fewer seniors is suppressed (and
        last season's figure beside it blanked), and the pace is tested on the shown
        weeks only.

    Returns
    -------
    pandas.DataFrame
        One row per unit × week of the season: unit_id (missing for the network), season,
        week, week_of (the date of the unit's snapshot), unreported (no school of the unit
        reported that week), the :func:`netlab.spc.season_series` columns (missing for a
        week not reported), suppressed, and the :func:`netlab.spc.season_pace` columns
        (gap, change and the run-chart columns; missing on weeks not tested).
    """
    season = int(weekly["season"].max())
    by_school = _by_school(weekly)
    parts = [
        _unit_season(
            weekly if schools is None else _rows_of(by_school, schools, weekly),
            season,
            schools,
            min_cell,
        ).assign(unit_id=unit_id)
        for unit_id, schools in units
    ]
    return _typed(pd.concat(parts, ignore_index=True), _SEASON)


def models_for_run(prepared: Prepared) -> dict[str, pd.DataFrame]:
    """The run charts of every report's unit: ``process_charts`` and ``fafsa_season``.

    A run without the process table (or without weekly FAFSA snapshots) fits no model
    for it, and the report says so.
    """
    units = report_units(prepared)
    min_cell = int(prepared.params.min_cell)
    out = {}
    process = prepared.tables.get("process")
    if process is not None and not process.empty:
        out["process_charts"] = process_charts(process, units, min_cell=min_cell)
    weekly = prepared.tables.get("fafsa_weekly")
    if weekly is not None and not weekly.empty:
        out["fafsa_season"] = fafsa_season(weekly, units, min_cell=min_cell)
    return out
