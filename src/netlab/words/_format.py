"""How numbers and lists read inside a sentence: percentages, counts, plurals, lists.

The word functions build on these; the report's tables and HTML use the same ones, so a
figure reads alike in a sentence and beside it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

#: Text a user or a file gave, made safe inside HTML.
escape = html.escape


def pct(x: float, digits: int = 0) -> str:
    """A share as a percentage: ``0.375`` → ``"38%"``; a missing value as a dash.

    Parameters
    ----------
    x : float
        The share (0 to 1), or None.
    digits : int
        Digits after the decimal point.

    Returns
    -------
    str
        The share times 100 with ``digits`` decimals and a percent sign ("38%"); "—" when
        ``x`` is None, NaN or infinite.
    """
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:.{digits}f}%"


def points(x: float) -> str:
    """A change in a share as signed percentage points: ``0.031`` → ``"+3.1 points"``.

    Parameters
    ----------
    x : float
        The change in the share (a difference of shares), or None.

    Returns
    -------
    str
        The change times 100 with its sign and one decimal, then "points" ("+3.1 points",
        "-0.4 points"); "—" when ``x`` is None, NaN or infinite.
    """
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:+.1f} points"


def whole(x: Any) -> str:
    """A count as a whole number with thousands separators; a missing value as a dash.

    Parameters
    ----------
    x : number
        The count (rounded), or None or NaN.

    Returns
    -------
    str
        The count rounded to a whole number, with commas between thousands ("1,234"); "—"
        when ``x`` is None or missing.
    """
    return "—" if x is None or pd.isna(x) else f"{int(round(float(x))):,}"


def listing(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c".

    Parameters
    ----------
    items : sequence of str
        The things to list, in order.

    Returns
    -------
    str
        "" when there are none.
    """
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def plural(n: float, word: str, plural: str | None = None) -> str:
    """ "1 school", "3 schools".

    Parameters
    ----------
    n : number
        The count (cut to a whole number).
    word : str
        The word for one.
    plural : str, optional
        The word for several (default: ``word`` + "s").

    Returns
    -------
    str
        The count with commas between thousands, a space, then ``word`` when it is exactly
        1, else the plural ("1 school", "1,200 students").
    """
    n = int(n)
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def capital(text: str) -> str:
    """The text with its first letter in upper case (the rest as it is).

    Parameters
    ----------
    text : str
        A sentence or phrase.

    Returns
    -------
    str
        ``text`` with its first character in upper case and the rest unchanged (an empty
        text stays empty).
    """
    return text[:1].upper() + text[1:]
