"""The rates a report rests on, and the results on every measure that school and network
reports share: counts and rate per year for one unit, and the focal group's table of
every measure by year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netlab import privacy, reasons
from netlab.report._html import (
    _E,
    Col,
    Section,
    _capital,
    _measure_label,
    _sentence,
    _suppressed_note,
    _who,
    table,
    unavailable,
)

if TYPE_CHECKING:
    from netlab.report._context import Report


# --------------------------------------------------------------------------------------
# Shared computations on the rates table (computation only; drawing is in netlab.plots)
# --------------------------------------------------------------------------------------


def _rates(r: Report, *, measure: str, group: str) -> pd.DataFrame:
    rates = r.prepared.rates
    return rates.loc[(rates["measure"] == measure) & (rates["group"] == group)]


def yearly(r: Report, *, measure: str, group: str, unit_id: str | None) -> pd.DataFrame:
    """Counts and rate per year for one unit (or the network, pooled), suppression applied.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).
    measure : str
        The measure; the report's focal measure when None.
    group : str
        The student group; the report's focal group when None.
    unit_id : str or None
        The unit; the network, pooled, when None.

    Returns
    -------
    DataFrame
        Counts and rate per year for one unit (or the network, pooled), suppression applied.
    """
    rows = _rates(r, measure=measure, group=group)
    if unit_id is not None:
        rows = rows.loc[rows["unit_id"].astype(str) == str(unit_id)]
    out = rows.groupby("year", as_index=False)[["numerator", "denominator"]].sum()
    out["rate"] = np.where(
        out["denominator"] > 0,
        out["numerator"] / out["denominator"].where(out["denominator"] > 0),
        np.nan,
    )
    return privacy.suppress(out, min_cell=r.min_cell).sort_values("year").reset_index(drop=True)


def _provisional(r: Report, group: str) -> pd.DataFrame:
    """The report unit's "so far" figures (measures that allow one), summed like the rates."""
    pending = getattr(r.prepared, "pending", None)
    if pending is None or pending.empty or "status" not in pending.columns:
        return pd.DataFrame(columns=["measure", "year", "numerator", "denominator"])
    rows = pending.loc[(pending["status"] == "provisional") & (pending["group"] == group)]
    if r.unit_id is not None:
        rows = rows.loc[rows["unit_id"].astype(str) == str(r.unit_id)]
    return rows.groupby(["measure", "year"], as_index=False)[["numerator", "denominator"]].sum()


def _final_when(r: Report, row: Any) -> str:
    """When a class's figure on this measure is final (its window), said after its rule."""
    when = getattr(row, "final_when", None)
    if not isinstance(when, str) or not when:
        return ""
    return f" A class's figure is final on {_E(when)}; until then it is not shown."


def _year_cell(
    r: Report, cell: pd.DataFrame, sofar: pd.DataFrame, measure: str, year: int, key: str
) -> dict[str, Any]:
    """One measure-year cell of a results table: its rate, students, status and reason."""
    out: dict[str, Any] = {f"r{key}": np.nan, f"n{key}": np.nan, f"why{key}": None}
    out |= {f"until{key}": None, f"s{key}": "final"}
    hit = cell.loc[cell["year"] == year]
    if len(hit):
        first = hit.iloc[0]
        out[f"n{key}"] = first["denominator"]
        if bool(first["suppressed"]):
            out[f"why{key}"] = first.get(privacy.WHY) or reasons.Reason.SMALL
        else:
            out[f"r{key}"] = first["rate"]
        return out
    until = r.open_until(measure, year)
    got = sofar.loc[(sofar["measure"] == measure) & (sofar["year"] == year)]
    if (
        until is not None
        and len(got)
        and not privacy.too_small(got["denominator"].iloc[0], r.min_cell)
    ):
        den = got["denominator"].iloc[0]
        return out | {f"r{key}": got["numerator"].iloc[0] / den, f"n{key}": den,
                      f"s{key}": "provisional"}  # fmt: skip
    if until is not None:
        return out | {f"why{key}": reasons.Reason.OPEN, f"until{key}": until}
    return out | {f"why{key}": reasons.Reason.NOT_IN_DATA}


# --------------------------------------------------------------------------------------
# Sections shared by school and network reports
# --------------------------------------------------------------------------------------


def _results_row(
    r: Report,
    measure: str,
    *,
    unit_tot: pd.DataFrame,
    sofar: pd.DataFrame,
    net: pd.DataFrame,
    years: list,
    latest: Any,
) -> dict[str, Any]:
    """One measure's rate each year, and the network's latest rate beside it."""
    cell = unit_tot.loc[unit_tot["measure"] == measure]
    row: dict[str, Any] = {"measure": _measure_label(r, measure, short=True)}
    for y in years:
        row |= _year_cell(r, cell, sofar, measure, y, f"{y}")
    nhit = net.loc[(net["measure"] == measure) & (net["year"] == latest)]
    row["network"] = nhit["network_rate"].iloc[0] if len(nhit) else np.nan
    row["n_network"] = nhit["denominator"].iloc[0] if len(nhit) else np.nan
    until = r.open_until(measure, latest) if latest is not None else None
    row["why_network"] = (
        None if len(nhit) else (reasons.Reason.OPEN if until else reasons.Reason.NOT_IN_DATA)
    )
    row["until_network"] = until
    return row


def _results_columns(r: Report, years: list, latest: Any) -> list[Col]:
    """The measure, one column per year, and the network's latest year on a unit's report."""
    cols = [Col("measure", "Measure")]
    cols += [
        Col(f"r{y}", str(y), "rate", n=f"n{y}", why=f"why{y}", until=f"until{y}", status=f"s{y}")
        for y in years
    ]
    if r.unit_id is not None:
        cols.append(
            Col(
                "network",
                f"Network {latest}",
                "rate",
                n="n_network",
                why="why_network",
                until="until_network",
            )
        )
    return cols


def _definitions(r: Report, shown: set) -> str:
    """How each rate shown is counted, folded ("" when the measures do not say)."""
    m = r.prepared.measures
    if m is None or not len(m) or "denominator_label" not in m.columns:
        return ""
    items = "".join(
        f"<li>{_E(str(row.label))}: of {_E(str(row.denominator_label))}."
        + _final_when(r, row)
        + "</li>"
        for row in m.itertuples()
        if isinstance(row.denominator_label, str) and row.measure in shown
    )
    if not items:
        return ""
    return (
        f'<details class="netlab-definitions netlab-paper-folded"><summary>'
        "How each rate is counted"
        f"</summary><ul>{items}</ul></details>"
    )


def measure_results(r: Report) -> Section:
    """The unit's focal-group results on every measure over the years, with the network.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("measures")
    rates = r.prepared.rates
    group = "focal"
    rows = rates.loc[rates["group"] == group]
    if rows.empty:
        return s.add(unavailable("Results for the focal group"))
    mine = rows.loc[rows["unit_id"].astype(str) == str(r.unit_id)] if r.unit_id else rows
    unit_tot = mine.groupby(["measure", "year"], as_index=False)[
        ["numerator", "denominator"]
    ].sum()
    unit_tot = privacy.suppress(
        unit_tot.assign(
            rate=unit_tot["numerator"] / unit_tot["denominator"].where(unit_tot["denominator"] > 0)
        ),
        min_cell=r.min_cell,
    )
    net = rows.groupby(["measure", "year"], as_index=False)[["numerator", "denominator"]].sum()
    net = net.assign(
        network_rate=net["numerator"] / net["denominator"].where(net["denominator"] > 0)
    )
    years = sorted(unit_tot["year"].unique())[-5:]
    latest = years[-1] if years else None
    sofar = _provisional(r, group)
    wide = [
        _results_row(
            r, measure, unit_tot=unit_tot, sofar=sofar, net=net, years=years, latest=latest
        )
        for measure in dict.fromkeys([*unit_tot["measure"], *sofar["measure"]])
    ]
    where = r.unit_name if r.unit_id else "the network"
    s.add(
        _sentence(
            f"Every measure for {_E(_who(r, group))} at {_E(where)}, by graduating class"
            + (", with the whole network's latest rate for context." if r.unit_id else "."),
            cls="netlab-lede",
        )
    )
    s.add(
        table(
            pd.DataFrame(wide),
            _results_columns(r, years, latest),
            min_cell=r.min_cell,
            band_below=r.band_below,
            caption=f"{_E(_capital(_who(r, group)))}: rate by year",
        )
    )
    if (unit_tot["suppressed"]).any():
        s.add(_suppressed_note(r, "A measure-year"))
    return s.add(_definitions(r, set(unit_tot["measure"])))
