"""Where a date falls in the school calendar: its term ("2025-fall") and its school year."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["term_key", "term_of"]


def term_of(dates: pd.Series) -> pd.Series:
    """Name the school term of each date: August to December is ``"<year>-fall"``,
    January to July ``"<year>-spring"`` (the survey table's spelling, e.g. ``"2025-fall"``).

    Parameters
    ----------
    dates : Series
        The dates.

    Returns
    -------
    Series
        Each date's term (``"2024-fall"``, ``"2025-spring"``).
    """
    d = pd.to_datetime(dates, errors="coerce")
    season = np.where(d.dt.month >= 8, "fall", "spring")
    out = d.dt.year.astype("Int64").astype(str) + "-" + pd.Series(season, index=d.index)
    return out.where(d.notna())


def term_key(term: object) -> tuple:
    """A sort key that puts terms in date order: "2019-spring" before "2019-fall".

    Terms not spelled ``"<year>-spring"`` or ``"<year>-fall"`` sort after, by their text.

    Parameters
    ----------
    term : object
        A term (``"2019-fall"``).

    Returns
    -------
    tuple
        A sort key that puts terms in date order: "2019-spring" before "2019-fall".

    Examples
    --------
    >>> sorted(["2020-spring", "2019-fall", "2019-spring"], key=term_key)
    ['2019-spring', '2019-fall', '2020-spring']
    """
    year, _, season = str(term).partition("-")
    order = {"spring": 0, "summer": 1, "fall": 2}
    if year.isdigit() and season.lower() in order:
        return (0, int(year), order[season.lower()], "")
    return (1, 0, 0, str(term))


def _school_year(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates, errors="coerce")
    return (d.dt.year + (d.dt.month >= 8).astype(int)).astype("Int64")
