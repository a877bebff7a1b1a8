"""Why a figure is not shown (or shown banded): one vocabulary from the fitted tables to the page.

A hidden cell carries its :class:`Reason` as a value (a ``reason`` column of the frame a
section shows, or a ``<column>__why`` column beside a wide table's value column), set where
the rule that hides it runs: the small-cell rule and complementary suppression in
:mod:`netlab.privacy`, the measurement windows in :mod:`netlab.measures`. Where a figure is
drawn, :func:`mark` turns the reason into its mark and :func:`legend` into its legend line,
so the same reason reads the same in HTML, workbooks and PDFs, and "<10" is only ever said
of a cell that really rests on fewer than ``min_cell`` students.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "COMPLEMENTARY_MARK",
    "NOT_APPLICABLE_MARK",
    "NOT_IN_DATA_MARK",
    "Reason",
    "band",
    "band_mask",
    "is_mark",
    "legend",
    "mark",
    "said_date",
    "unbanded_cells",
    "unbanded_xlsx",
]


class Reason(enum.StrEnum):
    """Why a figure is not shown as a plain number."""

    SMALL = "small"  # fewer than min_cell students
    COMPLEMENTARY = "complementary"  # hidden so a small group cannot be worked out
    OPEN = "open"  # the class's measurement window is still open at the run's date
    NOT_IN_DATA = "not_in_data"  # this run's data do not hold it
    NOT_APPLICABLE = "not_applicable"  # the figure has no meaning here
    BANDED = "banded"  # a 0% or 100% on a small group, shown as a band


#: The mark of a cell hidden so that a small group cannot be worked out by subtraction.
COMPLEMENTARY_MARK = "†"
#: The mark of a figure this run's data do not hold.
NOT_IN_DATA_MARK = "—"
#: The mark of a figure with no meaning here.
NOT_APPLICABLE_MARK = "n/a"

_BAND_LOW, _BAND_HIGH = "≤5%", "≥95%"
_OPEN = re.compile(r"^open until \d{1,2} [A-Z][a-z]{2} \d{4}$")
_SMALL = re.compile(r"^<\s?\d+$")


def said_date(day: dt.date | str | None) -> str:
    """A date as pages say it: ``14 Aug 2027``.

    Parameters
    ----------
    day : date or str or None
        A date, or its ISO text; None gives an empty text.

    Returns
    -------
    str
        The day, the month's short name and the year (``14 Aug 2027``); "" for a missing
        date.
    """
    if day is None or (not isinstance(day, str) and pd.isna(day)):
        return ""
    when = pd.Timestamp(day).date()
    return f"{when.day} {when:%b %Y}"


def mark(
    reason: Reason | str,
    *,
    min_cell: int,
    until: dt.date | str | None = None,
    rate: float | None = None,
) -> str:
    """The text a hidden (or banded) cell shows, as plain text (escape it for HTML).

    Parameters
    ----------
    reason : Reason or str
        Why the figure is not shown.
    min_cell : int
        The run's smallest cell ("<10").
    until : date, optional
        When an open window closes.
    rate : float, optional
        The banded rate (0 or 1).

    Returns
    -------
    str
        ``<10`` for a small cell, ``open until 14 Aug 2027`` (or ``not yet``) for an open
        window, ``≤5%``/``≥95%`` for a banded rate, else the mark of a complementary,
        not-applicable or not-in-data cell.

    Examples
    --------
    >>> mark("small", min_cell=10), mark("open", min_cell=10, until="2027-08-14")
    ('<10', 'open until 14 Aug 2027')
    """
    reason = Reason(reason)
    if reason is Reason.SMALL:
        return f"<{min_cell}"
    if reason is Reason.COMPLEMENTARY:
        return COMPLEMENTARY_MARK
    if reason is Reason.OPEN:
        return f"open until {said_date(until)}" if until is not None else "not yet"
    if reason is Reason.BANDED:
        return _BAND_HIGH if rate is not None and rate >= 0.5 else _BAND_LOW
    if reason is Reason.NOT_APPLICABLE:
        return NOT_APPLICABLE_MARK
    return NOT_IN_DATA_MARK


def legend(reason: Reason | str, *, min_cell: int, band_below: int | None = None) -> str:
    """The legend line of a reason (plain text), the same on every page and workbook.

    Parameters
    ----------
    reason : Reason or str
        The reason a cell is hidden, or its name.
    min_cell : int
        The run's small-cell limit.
    band_below : int or None, optional
        The run's band limit; twice ``min_cell`` when None.

    Returns
    -------
    str
        One line such as ``<10: fewer than 10 students, not shown.``: the mark, then what it
        means in the run's numbers.

    Examples
    --------
    >>> legend("small", min_cell=10)
    '<10: fewer than 10 students, not shown.'
    """
    reason = Reason(reason)
    below = band_below if band_below is not None else 2 * min_cell
    return {
        Reason.SMALL: f"<{min_cell}: fewer than {min_cell} students, not shown.",
        Reason.COMPLEMENTARY: f"{COMPLEMENTARY_MARK}: hidden so that a smaller group beside "
        "it cannot be worked out from the totals.",
        Reason.OPEN: "Open until a date (the date is in the cell): the class's figure is not "
        "final until then, so it is not shown yet.",
        Reason.NOT_IN_DATA: f"{NOT_IN_DATA_MARK}: not in this run's data.",
        Reason.NOT_APPLICABLE: f"{NOT_APPLICABLE_MARK}: does not apply here.",
        Reason.BANDED: f"{_BAND_LOW} / {_BAND_HIGH}: a rate of 0% or 100% for a group of fewer "
        f"than {below} students, shown as a band so no student's answer can be read from it.",
    }[reason]


def band_mask(rate: Any, n: Any, *, below: int) -> np.ndarray:
    """True where a rate of exactly 0 or 1 rests on fewer than ``below`` students.

    Parameters
    ----------
    rate : Any
        The rate (0 to 1).
    n : Any
        The students the rate rests on.
    below : int
        A 0% or 100% on fewer students than this is shown banded (``params.band_limit``).

    Returns
    -------
    ndarray
        A boolean array, one flag per rate (``rate`` and ``n`` flattened); a missing rate or
        count is never banded.
    """
    rate = np.asarray(pd.to_numeric(pd.Series(np.ravel(rate)), errors="coerce"), dtype=float)
    n = np.asarray(pd.to_numeric(pd.Series(np.ravel(n)), errors="coerce"), dtype=float)
    with np.errstate(invalid="ignore"):
        return ((rate == 0) | (rate == 1)) & (n < below)


def band(rate: float, n: float, *, below: int) -> str | None:
    """The band a rate is shown as ("≤5%", "≥95%"), or None when it is shown as it is.

    Parameters
    ----------
    rate : float
        The rate (0 to 1).
    n : float
        The students the rate rests on.
    below : int
        A 0% or 100% on fewer students than this is shown banded (``params.band_limit``).

    Returns
    -------
    str or None
        ``≥95%`` for a 100% (or ``≤5%`` for a 0%) on fewer than ``below`` students; None for
        any other rate, shown as it is.

    Examples
    --------
    >>> band(1.0, 12, below=20), band(1.0, 25, below=20), band(0.4, 12, below=20)
    ('≥95%', None, None)
    """
    if bool(band_mask([rate], [n], below=below)[0]):
        return _BAND_HIGH if rate >= 0.5 else _BAND_LOW
    return None


def is_mark(text: str) -> bool:
    """True when ``text`` is one of the marks a hidden cell may show (for the scans).

    Parameters
    ----------
    text : str
        A cell's text.

    Returns
    -------
    bool
        Whether a scan may let the cell through without a student count: a blank, ``*``,
        ``<10``, ``open until …``, ``not yet`` or another hidden cell's mark.
    """
    text = text.strip()
    return (
        text in ("", "*", COMPLEMENTARY_MARK, NOT_IN_DATA_MARK, NOT_APPLICABLE_MARK, "not yet")
        or bool(_SMALL.match(text))
        or bool(_OPEN.match(text))
    )


_CELL_N = re.compile(r"<td\b([^>]*\bdata-n=\"([^\"]*)\"[^>]*)>(.*?)</td>", re.S)
_EXTREME = re.compile(r"^(0|100)(\.0+)?%$")
_TAG = re.compile(r"<[^>]+>")


def unbanded_cells(text: str, *, below: int) -> list[str]:
    """Value cells of a page that show 0% or 100% on fewer than ``below`` students
    (each shown value carries its own ``data-n``): the banding check of the privacy scan.

    Parameters
    ----------
    text : str
        A page's HTML.
    below : int
        A 0% or 100% on fewer students than this is shown banded (``params.band_limit``).

    Returns
    -------
    list[str]
        One problem per such cell ("a rate of 100% rests on 12 students (< 20): band it");
        empty when there is none.
    """
    problems = []
    for _, n, inner in _CELL_N.findall(text):
        shown = _TAG.sub("", inner).strip()
        if _EXTREME.match(shown) and bool(band_mask([1.0], [n], below=below)[0]):
            problems.append(f"a rate of {shown} rests on {n} students (< {below}): band it")
    return problems


def unbanded_xlsx(ws: Any, row: int, counts: str, *, below: int) -> list[str]:
    """The same check on one workbook row: ``counts`` is "column:students,..." of its cells.

    Parameters
    ----------
    ws : Any
        The openpyxl worksheet.
    row : int
        The worksheet row, from 1.
    counts : str
        ``"column:students,..."``: the students each cell of the row rests on.
    below : int
        A 0% or 100% on fewer students than this is shown banded (``params.band_limit``).

    Returns
    -------
    list[str]
        The cells that show 0% or 100% on too few students.
    """
    problems = []
    for part in [p for p in counts.split(",") if ":" in p]:
        col, k = (int(float(x)) for x in part.split(":"))
        cell = ws.cell(row=row, column=col)
        extreme = cell.value in (0, 1) and "%" in str(cell.number_format)
        if (extreme or _EXTREME.match(str(cell.value or ""))) and k < below:
            problems.append(
                f"{ws.title} row {row}: a rate of 0% or 100% rests on {k} students "
                f"(< {below}): band it"
            )
    return problems
