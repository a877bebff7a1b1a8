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

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import special

_U, _W = hermegauss(24)
_W = _W / _W.sum()
_NEAR = np.abs(_U) <= 6  # nodes that matter for the count window


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


def binomial_mixture_cdf(n: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CDF over a window of counts for each unit, averaged over the mixture nodes.

    Parameters
    ----------
    n : array of shape (m,)
        Trials per unit (may be non-integer on a drawing grid).
    theta : array of shape (m, K) or (m, 1)
        Event probability at each of the K quadrature nodes of :func:`mixture_nodes`, or
        one column when there is no over-dispersion.

    Returns
    -------
    (lo, cdf) : arrays of shape (m,) and (m, W)
        ``cdf[i, j] = P(X_i <= lo[i] + j)``; the window holds essentially all the mass.
    """
    n = np.asarray(n, dtype=float)
    weights = _W if theta.shape[1] == len(_W) else np.ones(1)
    near = theta[:, _NEAR] if theta.shape[1] == len(_W) else theta
    mean, sd = n[:, None] * near, np.sqrt(n[:, None] * near * (1 - near))
    top = np.floor(n)
    lo = np.clip(np.floor((mean - 8 * sd).min(axis=1)) - 1, 0, top)
    hi = np.clip(np.ceil((mean + 8 * sd).max(axis=1)) + 1, 0, top)
    width = int((hi - lo).max()) + 1 if len(n) else 1
    r = np.minimum(lo[:, None] + np.arange(width)[None, :], top[:, None])
    cdf = np.zeros((len(n), width))
    for k, w in enumerate(weights):
        cdf += w * _binomial_cdf(n[:, None], theta[:, k][:, None], r)
    return lo, cdf


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


def quantile_limits(
    lo: np.ndarray, cdf: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Interpolated lower and upper count limits and the integer flag thresholds.

    Parameters
    ----------
    lo : array of shape (m,)
        First count of each unit's window.
    cdf : array of shape (m, W)
        CDF over the window (see :func:`binomial_mixture_cdf`).
    level : float
        Two-sided coverage, e.g. 0.95.

    Returns
    -------
    (lower, upper, r_low, r_high) : arrays of shape (m,)
        Drawn limits in counts, and the thresholds: a count below ``r_low`` is "below",
        one above ``r_high`` is "above".
    """
    alpha = (1 - level) / 2
    m, width = cdf.shape
    rows = np.arange(m)
    prev = np.concatenate([np.zeros((m, 1)), cdf[:, :-1]], axis=1)
    j_lo = np.minimum(np.argmax(cdf >= alpha - 1e-12, axis=1), width - 1)
    f, fp = cdf[rows, j_lo], prev[rows, j_lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(f > fp, (f - alpha) / (f - fp), 0.0)
    lower = lo + j_lo - np.clip(b, 0, 1)
    above = cdf > 1 - alpha + 1e-12
    j_hi = np.where(above.any(axis=1), np.argmax(above, axis=1), width - 1)
    f, fp = cdf[rows, j_hi], prev[rows, j_hi]
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(f > fp, (1 - fp - alpha) / (f - fp), 0.0)
    upper = lo + j_hi + np.clip(a, 0, 1)
    return lower, upper, lo + j_lo, lo + j_hi
