"""Intervals for proportions and their differences, used wherever a gap is shown.

Wilson's score interval for one proportion, and Newcombe's (1998) hybrid score interval
(method 10) for the difference of two independent proportions, which behaves well for
small groups and rates near 0 or 1 where the Wald interval does not.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np

__all__ = ["newcombe_diff", "wilson"]


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def _out(*arrays: np.ndarray) -> tuple[Any, ...]:
    if np.ndim(arrays[0]) == 0:
        return tuple(float(a) for a in arrays)
    return arrays


def wilson(x: Any, n: Any, *, level: float = 0.95) -> tuple[Any, Any]:
    """Wilson score interval for a proportion ``x / n`` (no continuity correction).

    Parameters
    ----------
    x, n : int or array-like
        Successes and trials; ``n == 0`` gives NaN.
    level : float
        Confidence level.

    Returns
    -------
    (low, high) : floats or arrays

    Examples
    --------
    >>> [round(v, 4) for v in wilson(81, 263)]
    [0.2553, 0.3662]
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    z = _z(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        centre = (2 * x + z**2) / (2 * (n + z**2))
        half = z * np.sqrt(z**2 + 4 * n * p * (1 - p)) / (2 * (n + z**2))
        low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return _out(low, high)


def newcombe_diff(x1: Any, n1: Any, x2: Any, n2: Any, *, level: float = 0.95) -> tuple[Any, ...]:
    """Difference ``x1/n1 - x2/n2`` with Newcombe's hybrid score interval (method 10).

    Newcombe (1998), "Interval estimation for the difference between independent
    proportions", Statistics in Medicine 17:873: the Wilson intervals of each proportion
    combined.

    Parameters
    ----------
    x1, n1, x2, n2 : int or array-like
        Successes and trials of the two groups.
    level : float
        Confidence level.

    Returns
    -------
    (diff, low, high) : floats or arrays
        The difference of proportions (not points) and its interval.

    Examples
    --------
    >>> [round(v, 4) for v in newcombe_diff(56, 70, 48, 80)]
    [0.2, 0.0524, 0.3339]
    """
    l1, u1 = wilson(x1, n1, level=level)
    l2, u2 = wilson(x2, n2, level=level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1 = np.asarray(x1, dtype=float) / np.asarray(n1, dtype=float)
        p2 = np.asarray(x2, dtype=float) / np.asarray(n2, dtype=float)
        d = p1 - p2
        low = d - np.sqrt((p1 - np.asarray(l1)) ** 2 + (np.asarray(u2) - p2) ** 2)
        high = d + np.sqrt((np.asarray(u1) - p1) ** 2 + (p2 - np.asarray(l2)) ** 2)
    return _out(d, low, high)
