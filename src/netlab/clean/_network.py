"""The run's network as a rule on the schools table: which schools, and which rows are theirs.

The params choose a network by ``schools:`` (ids), ``districts:`` (names) and ``select:``
(any column of the schools table: ``{county: San Diego}``, a city, a list of values); all
given must hold. The same rule decides which rows of the other tables belong to the
network, so exclusion limits are counted over the network's own rows (a state file of two
thousand schools read for one county is judged on that county's rows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from netlab.params import RunParams


def _folded(values: pd.Series) -> pd.Series:
    return values.astype("str").str.strip().str.casefold()


def selection(params: RunParams | None) -> dict[str, list[str]]:
    """Column -> the values the run chooses (``districts:`` is ``district``)."""
    out = {c: list(v) for c, v in (getattr(params, "select", None) or {}).items()}
    districts = getattr(params, "districts", None)
    if districts:
        out.setdefault("district", []).extend(districts)
    return out


def network_mask(schools: pd.DataFrame, params: RunParams) -> pd.Series | None:
    """Which schools are in the run's network (None: the params choose no subset).

    A column the schools table lacks chooses nothing (the selection step says so); values
    are compared without regard to case or surrounding spaces.

    Parameters
    ----------
    schools : DataFrame
        The schools table.
    params : RunParams
        The run's parameters (its ``districts:`` and ``select:``).

    Returns
    -------
    Series or None
        True for the rows of ``schools`` in the network; None when the params choose no subset.
    """
    chosen = selection(params)
    ids = getattr(params, "schools", None)
    if not chosen and not ids:
        return None
    keep = pd.Series(True, index=schools.index)
    for column, values in chosen.items():
        if column not in schools.columns:
            return pd.Series(False, index=schools.index)
        keep &= _folded(schools[column]).isin({v.strip().casefold() for v in values})
    if ids:
        keep &= schools["school_id"].astype("str").isin(set(ids))
    return keep


def rows_in_network(
    frame: pd.DataFrame, network: set[str], params: RunParams | None, index: Any = None
) -> pd.Series | None:
    """Which rows of a table belong to the network: their school is in it, or their own
    geography columns match the selection. A row no school of the network places (a blank
    or unknown school id) is not the network's: a state file's stray rows elsewhere do not
    count against one county's limit."""
    if "school_id" not in frame.columns:
        return None
    part = frame if index is None else frame.loc[index]
    inside = part["school_id"].astype("str").isin(network)
    chosen = {c: v for c, v in selection(params).items() if c in part.columns}
    if chosen:
        geo = pd.Series(True, index=part.index)
        for column, values in chosen.items():
            geo &= _folded(part[column]).isin({v.strip().casefold() for v in values})
        inside |= geo
    return inside
