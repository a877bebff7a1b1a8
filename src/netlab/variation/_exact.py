"""Exact count limits for funnels where the normal approximation fails.

With few students, or a rate near 0 or 1, limits of the form ``target +- z s`` flag far
more often than their nominal level (0 of 10 at a network rate of 10% is "below" in about
a third of null draws). Exact limits are the count quantiles of the null distribution of a
unit's count: Binomial(n, target) for a proportion, the Poisson-binomial sum of the
students' expected probabilities for an observed/expected ratio. Over-dispersion is carried
on the funnel's own scale: the true value is a normal mixture around the target with the
extra SD the funnel estimated (additive: tau; multiplicative: ``s sqrt(phi - 1)``), and the
count distribution is averaged over that mixture (Gauss-Hermite quadrature).

A unit is flagged "below" when its count is under the lower quantile and "above" when it is
over the upper one, so under the null each side flags with probability at most its nominal
share. Drawn limits interpolate between neighbouring counts (Spiegelhalter 2005, appendix) so
that a flagged point always lies strictly outside its drawn limit and an unflagged one never
does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import special

_U, _W = hermegauss(24)
_W = _W / _W.sum()
_KEEP = _W > 1e-10  # the outermost nodes carry no weight worth computing


def mixture_nodes() -> tuple[np.ndarray, np.ndarray]:
    """Standard normal quadrature nodes and weights (24 points)."""
    return _U, _W


def _binomial_cdf(n: np.ndarray, theta: np.ndarray, r: np.ndarray) -> np.ndarray:
    """P(X <= r) for X ~ Binomial(n, theta), n real (incomplete-beta form), r integer."""
    top = np.floor(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = special.betainc(np.maximum(n - r, 1e-12), r + 1.0, 1.0 - theta)
    f = np.where(r >= top, 1.0, f)
    return np.where(r < 0, 0.0, f)


Dist = tuple[Callable[[np.ndarray], np.ndarray], np.ndarray]
"""A count distribution per unit: its CDF at integer counts (one per unit) and top count."""


def binomial_mixture(n: np.ndarray, theta: np.ndarray) -> Dist:
    """Binomial(n, theta) per unit, averaged over the quadrature nodes of the mixture.

    Parameters
    ----------
    n : array of shape (m,)
        Trials per unit (may be non-integer on a drawing grid).
    theta : array of shape (m, K) or (m, 1)
        Event probability at each of the K quadrature nodes of :func:`mixture_nodes`, or
        one column when there is no over-dispersion.

    Returns
    -------
    (cdf, top)
        ``cdf(r)`` gives ``P(X_i <= r_i)`` for integer counts ``r`` (one per unit); ``top``
        is each unit's largest count.
    """
    n = np.asarray(n, dtype=float)
    full = theta.shape[1] == len(_W)
    weights = _W[_KEEP] if full else np.ones(1)
    theta = theta[:, _KEEP] if full else theta

    def cdf(r: np.ndarray) -> np.ndarray:
        return _binomial_cdf(n[:, None], theta, np.asarray(r, float)[:, None]) @ weights

    return cdf, np.floor(n)


def table_dist(cdf: np.ndarray) -> Dist:
    """One unit's count distribution from its CDF over 0 .. n (e.g. a Poisson-binomial)."""
    table = np.asarray(cdf, dtype=float)

    def at(r: np.ndarray) -> np.ndarray:
        r = np.asarray(r, dtype=float)
        return np.where(r < 0, 0.0, table[np.clip(r, 0, len(table) - 1).astype(int)])

    return at, np.array([len(table) - 1.0])


def poisson_binomial_cdf(p: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """CDF of a sum of independent Bernoulli(min(p_i * scale_k, 1)), averaged over k.

    Parameters
    ----------
    p : array of shape (n,)
        The students' expected probabilities.
    scale : array of shape (K,)
        Multipliers of the probabilities at the quadrature nodes of :func:`mixture_nodes`
        (the true O/E ratio), or one value when there is no over-dispersion.

    Returns
    -------
    array of shape (n + 1,)
        ``P(O <= r)`` for r = 0 .. n.
    """
    pk = np.clip(np.asarray(p, dtype=float)[None, :] * np.asarray(scale)[:, None], 0, 1)
    pmf = np.zeros((len(scale), len(p) + 1))
    pmf[:, 0] = 1.0
    for i in range(len(p)):  # one student at a time: O(n^2), only for small units
        q = pk[:, i][:, None]
        pmf[:, 1 : i + 2] = pmf[:, 1 : i + 2] * (1 - q) + pmf[:, : i + 1] * q
        pmf[:, 0] *= 1 - q[:, 0]
    weights = _W if len(scale) == len(_W) else np.ones(1)
    return np.clip(np.cumsum(weights @ pmf), 0, 1)


def _first(cdf: Callable, top: np.ndarray, q: float, strict: bool) -> np.ndarray:
    """Smallest integer r in [0, top] with cdf(r) >= q (> q when strict), by bisection."""
    lo, hi = np.full(len(top), -1.0), top.astype(float).copy()  # cdf(top) = 1 always holds
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2)
        f = cdf(np.maximum(mid, 0))
        ok = (f > q) if strict else (f >= q)
        ok &= mid >= 0
        hi, lo = np.where(ok, mid, hi), np.where(ok, lo, mid)
    return hi


def quantile_limits(
    dist: Dist, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Interpolated lower and upper count limits and the integer flag thresholds.

    Parameters
    ----------
    dist : (cdf, top)
        From :func:`binomial_mixture` or :func:`table_dist`.
    level : float
        Two-sided coverage, e.g. 0.95.

    Returns
    -------
    (lower, upper, r_low, r_high) : arrays of shape (m,)
        Drawn limits in counts, and the thresholds: a count below ``r_low`` is "below",
        one above ``r_high`` is "above".
    """
    cdf, top = dist
    alpha = (1 - level) / 2

    def pair(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        prev = np.where(r >= 1, cdf(np.maximum(r - 1, 0)), 0.0)
        return cdf(r), prev

    r_low = _first(cdf, top, alpha - 1e-12, strict=False)
    f, fp = pair(r_low)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(f > fp, (f - alpha) / (f - fp), 0.0)
    lower = r_low - np.clip(b, 0, 1)
    r_high = _first(cdf, top, 1 - alpha + 1e-12, strict=True)
    f, fp = pair(r_high)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(f > fp, (1 - fp - alpha) / (f - fp), 0.0)
    upper = r_high + np.clip(a, 0, 1)
    return lower, upper, r_low, r_high
