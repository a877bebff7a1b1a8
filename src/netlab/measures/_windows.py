"""When a class's figure is final: each measure's measurement window, and the run's date.

A :class:`Window` is the rule "the figure of the class graduating in year Y is final on
<day> <month> of Y + <years>" (the National Student Clearinghouse's definitions: fall
enrollment on 31 October of Y, enrolled within a year on 14 August of Y + 1, persistence on
31 October of Y + 1, six-year completion on 14 August of Y + 6; FAFSA completion at the
season's end, 30 June of Y; what is known at graduation, 15 June of Y). It is built once per
measure from ``measures.yaml`` (or the run's own ``measures:``) and used by the rates, the
words and the page alike. :func:`apply_windows` gives every row of the rates table its
status at the run's date (``as_of``): final, provisional (a "so far" figure over all the
class's students, where the measure asks for it) or open (no rate at all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from netlab.exceptions import MeasureError

__all__ = ["AT_GRADUATION", "STATUSES", "Window", "apply_windows", "final_mask", "split_rates"]

#: A figure's status at the run's date.
STATUSES = ("final", "provisional", "open")


@dataclass(frozen=True)
class Window:
    """A measure's measurement window: the class of year Y is final on ``day`` ``month``
    of Y + ``years``, from that day on.

    Parameters
    ----------
    years : int
        Years after the graduation year (0 to 10).
    month, day : int
        The day the window closes.
    provisional : bool
        While the window is open, show a "so far" figure over all the class's students
        (marked provisional) instead of nothing.

    Examples
    --------
    >>> w = Window(1, 8, 14)
    >>> w.closes(2026), w.is_final(2026, dt.date(2027, 8, 13)), w.is_final(2026, dt.date(2027, 8, 14))
    (datetime.date(2027, 8, 14), False, True)
    """

    years: int = 0
    month: int = 6
    day: int = 15
    provisional: bool = False

    def __post_init__(self) -> None:
        if not 0 <= int(self.years) <= 10:
            raise MeasureError(
                f"Window: years={self.years!r} must be between 0 and 10 (years after "
                "graduation when the figure is final)."
            )
        try:
            dt.date(2001, int(self.month), int(self.day))  # 2001: no 29 February
        except (TypeError, ValueError):
            raise MeasureError(
                f"Window: month={self.month!r}, day={self.day!r} is not a day of the year "
                "(a date such as month: 8, day: 14)."
            ) from None

    def closes(self, year: int) -> dt.date:
        """The day the class of ``year``'s figure becomes final."""
        return dt.date(int(year) + int(self.years), int(self.month), int(self.day))

    def is_final(self, year: int, as_of: dt.date) -> bool:
        """True when the class of ``year`` is final at ``as_of`` (on the closing day or later)."""
        return as_of >= self.closes(year)

    def status(self, year: int, as_of: dt.date) -> str:
        """``"final"``, ``"provisional"`` or ``"open"`` for the class of ``year`` at ``as_of``."""
        if self.is_final(year, as_of):
            return "final"
        return "provisional" if self.provisional else "open"

    def describe(self) -> str:
        """The window in words: ``"14 August of the year after graduation"``."""
        day = f"{int(self.day)} {dt.date(2001, int(self.month), 1):%B}"
        after = {0: "of the graduation year", 1: "of the year after graduation"}.get(
            int(self.years), f"{int(self.years)} years after graduation"
        )
        return f"{day} {after}"


#: Figures known at graduation (applied, admitted, intent): final on 15 June of the year.
AT_GRADUATION = Window()


def apply_windows(
    rates: pd.DataFrame,
    windows: Mapping[str, Window],
    as_of: dt.date,
    *,
    sofar: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Give every row of the rates table its status and closing day at the run's date.

    Parameters
    ----------
    rates : pandas.DataFrame
        The rates table (unit_id, year, group, measure, numerator, denominator, rate).
    windows : mapping of measure to Window
        Each measure's window (a measure missing here is known at graduation).
    as_of : datetime.date
        The run's date.
    sofar : pandas.DataFrame, optional
        "So far" counts over every student of the class (``measures.sofar_rates``) for
        the measures that allow a provisional figure; a provisional row without one is open.

    Returns
    -------
    pandas.DataFrame
        A copy with ``status`` (final / provisional / open), ``final_on`` (the closing day)
        and ``reason`` ("open" where not final, else missing). An open row's numerator and
        rate are missing: no figure is given before its window closes.
    """
    out = rates.copy()
    years = out["year"].to_numpy(dtype=np.int64)
    final_on = np.empty(len(out), dtype="datetime64[D]")
    provisional = np.zeros(len(out), dtype=bool)
    for measure, idx in out.groupby("measure", sort=False).indices.items():
        w = windows.get(str(measure), AT_GRADUATION)
        closes = {y: np.datetime64(w.closes(y), "D") for y in np.unique(years[idx])}
        final_on[idx] = [closes[y] for y in years[idx]]
        provisional[idx] = w.provisional
    final = final_on <= np.datetime64(as_of, "D")
    keys = ["unit_id", "year", "group", "measure"]
    if provisional.any() and sofar is not None and len(sofar):
        # a provisional figure is the so-far count over every student of the class
        hit = out[keys].merge(
            sofar[[*keys, "numerator", "denominator"]], on=keys, how="left", validate="m:1"
        )
        has = hit["denominator"].notna().to_numpy() & provisional & ~final
        out["numerator"] = out["numerator"].astype(float)
        out.loc[has, "numerator"] = hit.loc[has, "numerator"].to_numpy(dtype=float)
        out.loc[has, "denominator"] = hit.loc[has, "denominator"].to_numpy(dtype=np.int64)
        out.loc[has, "rate"] = out.loc[has, "numerator"] / out.loc[has, "denominator"]
        provisional = has
    else:
        provisional = np.zeros(len(out), dtype=bool)
    status = np.where(final, "final", np.where(provisional, "provisional", "open"))
    out["status"] = pd.array(status, dtype="str")
    out["final_on"] = final_on.astype("datetime64[s]")
    reason = np.full(len(out), "open", dtype=object)
    reason[final] = None  # a final figure needs no reason
    out["reason"] = pd.array(reason, dtype="str")
    closed = status != "open"
    if not closed.all():
        num = out["numerator"].astype(float).where(closed)
        out["numerator"] = num
        out["rate"] = out["rate"].where(closed)
    return out


def split_rates(rates: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The final rows (what every model and funnel reads) and the others (open, provisional).

    Parameters
    ----------
    rates : DataFrame
        The rates table, with its ``status`` column.

    Returns
    -------
    tuple[DataFrame, DataFrame]
        ``(final, others)``: the rows whose status is final, indexed afresh (numerators
        whole numbers when none is missing), and the open and provisional rows. Without a
        ``status`` column every row is final and the others are empty.
    """
    if "status" not in rates.columns:
        return rates, rates.iloc[:0].assign(status=pd.Series(dtype="str"))
    final = (rates["status"] == "final").to_numpy()
    kept = rates.loc[final].reset_index(drop=True)
    if not kept["numerator"].isna().any():
        kept["numerator"] = kept["numerator"].astype(np.int64)
    return kept, rates.loc[~final].reset_index(drop=True)


def windows_of(measures: Iterable[Any]) -> dict[str, Window]:
    """Each registry measure's window (``Measure.window``)."""
    return {m.name: getattr(m, "window", AT_GRADUATION) for m in measures}


def final_mask(frame: pd.DataFrame, measure: Any, as_of: dt.date | None) -> np.ndarray:
    """Rows of a student-level table whose class is final on ``measure`` at ``as_of``.

    For the models that read student records rather than the rates table (case mix,
    student-level practice models): a class whose window is open is left out of them as
    it is left out of the rates. Every row is final when the run has no date.

    Parameters
    ----------
    frame : DataFrame
        A student-level table with the class's columns.
    measure : Any
        The measure (its window says when a class is final).
    as_of : date or None
        The run's date.

    Returns
    -------
    ndarray
        A boolean array, one flag per row of ``frame``: True where the row's class is final
        (a row with no year is not).
    """
    if as_of is None or frame.empty:
        return np.ones(len(frame), dtype=bool)
    window = getattr(measure, "window", AT_GRADUATION)
    column = getattr(measure, "year_column", None) or "grad_year"
    years = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(years)
    final = np.zeros(len(frame), dtype=bool)
    for y in np.unique(years[ok]).astype(int):
        final[years == y] = window.is_final(int(y), as_of)
    return final
