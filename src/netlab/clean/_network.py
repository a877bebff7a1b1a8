"""The run's network as a rule on the schools table: which schools, and which rows are theirs.

The params choose a network by ``schools:`` (ids), ``districts:`` (names) and ``select:``
(any column of the schools table: ``{county: San Diego}``, a city, a list of values); all
given must hold. The same rule decides which rows of the other tables belong to the
network (:func:`placement`), so exclusion limits are counted over the network's own rows
and the rows no school places (a state file of two thousand schools read for one county is
judged on that county's rows, and its rows with a blank school id count too).
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


def placement(
    frame: pd.DataFrame, network: set[str], known: set[str] | None, params: Any
) -> pd.Series | None:
    """Where each row of a table belongs: ``"in"`` the run's network, ``"out"`` of it, or
    ``"unplaced"`` (a blank school id, or one the schools table does not hold, that the
    row's own geography columns do not place either).

    A row is the network's when its school is, or when its own geography columns match the
    selection; it is outside when its school is a known school outside the network, or its
    geography is given and does not match. A row nothing places is counted with the
    network's rows in its limits: it may be one of the network's, and a file with many of
    them must not pass because they were left out of both sides of the share.

    Parameters
    ----------
    frame : DataFrame
        A table with a ``school_id`` column (None is returned otherwise).
    network : set of str
        The school ids of the run's network.
    known : set of str or None
        Every school id the schools table holds.
    params : RunParams
        The run's selection (``select:``, ``districts:``).

    Returns
    -------
    Series of str or None
    """
    if "school_id" not in frame.columns:
        return None
    ids = frame["school_id"]
    text = ids.astype("str").str.strip()
    place = pd.Series("unplaced", index=frame.index, dtype=object)
    blank = ids.isna().to_numpy() | (text == "").to_numpy()
    if known is not None:
        place[~blank & text.isin(known).to_numpy()] = "out"
    chosen = {c: v for c, v in selection(params).items() if c in frame.columns}
    if chosen:
        geo_in = pd.Series(True, index=frame.index)
        geo_given = pd.Series(True, index=frame.index)
        for column, values in chosen.items():
            geo_in &= _folded(frame[column]).isin({v.strip().casefold() for v in values})
            geo_given &= frame[column].notna() & (frame[column].astype("str").str.strip() != "")
        place[geo_given & ~geo_in] = "out"
        place[geo_in] = "in"
    place[~blank & text.isin(network).to_numpy()] = "in"
    return place
