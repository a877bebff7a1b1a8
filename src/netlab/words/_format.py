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
    """A share as a percentage: ``0.375`` → ``"38%"``; a missing value as a dash."""
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:.{digits}f}%"


def points(x: float) -> str:
    """A change in a share as signed percentage points: ``0.031`` → ``"+3.1 points"``."""
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:+.1f} points"


def whole(x: Any) -> str:
    """A count as a whole number with thousands separators; a missing value as a dash."""
    return "—" if x is None or pd.isna(x) else f"{int(round(float(x))):,}"


def listing(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def plural(n: float, word: str, plural: str | None = None) -> str:
    """ "1 school", "3 schools"."""
    n = int(n)
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def capital(text: str) -> str:
    """The text with its first letter in upper case (the rest as it is)."""
    return text[:1].upper() + text[1:]
