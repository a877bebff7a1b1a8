"""The rates a report rests on, and the results on every measure that school and network
reports share: counts and rate per year for one unit, and the focal group's table of
every measure by year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netlab import privacy
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
    """Counts and rate per year for one unit (or the network, pooled), suppression applied."""
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


# --------------------------------------------------------------------------------------
# Sections shared by school and network reports
# --------------------------------------------------------------------------------------


def measure_results(r: Report) -> Section:
    """The unit's focal-group results on every measure over the years, with the network."""
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
    wide = []
    for measure, cell in unit_tot.groupby("measure", sort=False):
        row: dict[str, Any] = {"measure": _measure_label(r, measure, short=True)}
        for y in years:
            hit = cell.loc[cell["year"] == y]
            row[f"r{y}"] = hit["rate"].iloc[0] if len(hit) else np.nan
            row[f"n{y}"] = (
                hit["denominator"].iloc[0] if len(hit) and not hit["suppressed"].iloc[0] else 0
            )
        nhit = net.loc[(net["measure"] == measure) & (net["year"] == latest)]
        row["network"] = nhit["network_rate"].iloc[0] if len(nhit) else np.nan
        row["n_network"] = nhit["denominator"].iloc[0] if len(nhit) else 0
        wide.append(row)
    frame = pd.DataFrame(wide)
    cols = [Col("measure", "Measure")]
    cols += [Col(f"r{y}", str(y), "rate", n=f"n{y}") for y in years]
    if r.unit_id is not None:
        cols.append(Col("network", f"Network {latest}", "rate", n="n_network"))
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
            frame,
            cols,
            min_cell=r.min_cell,
            caption=f"{_E(_capital(_who(r, group)))}: rate by year",
        )
    )
    if (unit_tot["suppressed"]).any():
        s.add(_suppressed_note(r, "A measure-year"))
    m = r.prepared.measures
    if m is not None and len(m) and "denominator_label" in m.columns:
        items = "".join(
            f"<li>{_E(str(row.label))}: of {_E(str(row.denominator_label))}.</li>"
            for row in m.itertuples()
            if isinstance(row.denominator_label, str) and row.measure in set(unit_tot["measure"])
        )
        if items:
            s.add(
                f'<details class="netlab-definitions"><summary>How each rate is counted'
                f"</summary><ul>{items}</ul></details>"
            )
    return s
