"""The spread of a measure across units: the constellation (how wide the band of shrunken
rates is, year by year) and the ranking of measures by how much units differ on them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from netlab.variation._funnel import _cell, _years
from netlab.variation._shrinkage import _shrink_binary, shrunken


def constellation(
    rates: pd.DataFrame,
    *,
    measure: str,
    group: str = "focal",
    unit: str = "unit_id",
    shrunk: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per year: the network rate and the spread between units for one measure and group.

    Parameters
    ----------
    rates : DataFrame
        The long rates table (unit_id, year, group, measure, numerator, denominator, rate).
    measure : str
        The measure's name.
    group : str, optional
        The student group's name.
    unit : str, optional
        The column of the unit ids.
    shrunk : DataFrame or None, optional
        Shrunken estimates (:func:`shrunken`), for the spread between units; computed when None.

    Returns
    -------
    pandas.DataFrame
        year, measure, group, network_rate, tau (between-unit SD of true rates, rate scale),
        tau_low, tau_high, q25, median, q75, iqr (of the shrunken estimates), n_units,
        numerator, denominator.
    """
    if shrunk is None:
        shrunk = shrunken(rates, measure=measure, group=group, unit=unit)
    else:
        shrunk = shrunk[(shrunk["measure"] == measure) & (shrunk["group"] == group)]
    rows = []
    for year, cell in shrunk.groupby("year", sort=True):
        q25, med, q75 = np.quantile(cell["estimate"], [0.25, 0.5, 0.75])
        first = cell.iloc[0]
        rows.append(
            {
                "year": int(year),
                "measure": measure,
                "group": group,
                "network_rate": first["network_rate"],
                "tau": first["tau"],
                "tau_low": first["tau_low"],
                "tau_high": first["tau_high"],
                "q25": q25,
                "median": med,
                "q75": q75,
                "iqr": q75 - q25,
                "n_units": len(cell),
                "numerator": cell["numerator"].sum(),
                "denominator": cell["denominator"].sum(),
            }
        )
    return pd.DataFrame(rows)


def spread_ranking(
    rates: pd.DataFrame,
    *,
    group: str = "focal",
    year: int | None = None,
    measures: Sequence[str] | None = None,
    unit: str = "unit_id",
    shrunk: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Measures ranked by between-unit spread for a group: where the network varies most.

    Parameters
    ----------
    rates : pandas.DataFrame
        The long rates table.
    group : str
        Group.
    year : int, optional
        Year; each measure's latest year when None.
    measures : sequence of str, optional
        Measures to rank; all in ``rates`` when None.
    unit : str
        Unit column.
    shrunk : pandas.DataFrame, optional
        Precomputed :func:`shrunken` output covering these measures and years.

    Returns
    -------
    pandas.DataFrame
        rank (1 = most spread), measure, year, tau, tau_low, tau_high (between-unit SD of true
        rates), iqr (of shrunken estimates), network_rate, n_units; sorted by rank.
    """
    if measures is None:
        measures = sorted(rates.loc[rates["group"] == group, "measure"].unique())
    rows = []
    for m in measures:
        yrs = _years(rates, m, group)
        if not yrs:
            continue
        y = yrs[-1] if year is None else year
        if shrunk is not None:
            cell = shrunk[(shrunk["measure"] == m) & (shrunk["group"] == group)]
            cell = cell[cell["year"] == y]
        else:
            cell = pd.DataFrame()
        if cell.empty:
            if not (rates["year"] == y).any():
                continue
            cell = _shrink_binary(_cell(rates, measure=m, group=group, year=y, unit=unit), 0.95)
        if cell.empty:
            continue
        q25, q75 = np.quantile(cell["estimate"], [0.25, 0.75])
        first = cell.iloc[0]
        rows.append(
            {
                "measure": m,
                "year": int(y),
                "tau": first["tau"],
                "tau_low": first["tau_low"],
                "tau_high": first["tau_high"],
                "iqr": q75 - q25,
                "network_rate": first["network_rate"],
                "n_units": len(cell),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "measure",
            "year",
            "tau",
            "tau_low",
            "tau_high",
            "iqr",
            "network_rate",
            "n_units",
        ],
    )
    out = out.sort_values("tau", ascending=False).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


# --------------------------------------------------------------------------- for a run
