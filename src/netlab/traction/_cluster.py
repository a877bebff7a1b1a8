"""Means and differences of means whose observations come in clusters (staff within teams).

Responses from one team share its culture, its leader and its year, so they are not
independent: an interval that counts 1,100 responses from 30 teams as 1,100 independent
draws is far too narrow. These helpers use the cluster-robust (CR1) sandwich variance of a
regression on an intercept (and a 0/1 period indicator), with Student's t on ``G - 1``
degrees of freedom, as statsmodels' ``OLS(...).fit(cov_type="cluster")`` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats


def _sandwich(x: np.ndarray, resid: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, int]:
    """CR1 covariance of OLS coefficients, and the number of clusters."""
    codes, uniq = pd.factorize(groups)
    g = len(uniq)
    n, k = x.shape
    bread = np.linalg.inv(x.T @ x)
    scores = np.zeros((g, k))
    np.add.at(scores, codes, x * resid[:, None])
    meat = scores.T @ scores
    factor = g / (g - 1) * (n - 1) / (n - k) if g > 1 and n > k else np.nan
    return factor * bread @ meat @ bread, g


def mean_interval(values: Any, groups: Any, level: float = 0.95) -> tuple[float, float, float]:
    """Mean with a cluster-robust interval.

    Parameters
    ----------
    values : array-like
        Observations; missing ones are dropped.
    groups : array-like
        Cluster of each observation (e.g. the team's school id).
    level : float
        Interval level.

    Returns
    -------
    (mean, low, high) : floats
        NaN bounds with fewer than two clusters.
    """
    y = np.asarray(values, dtype=float)
    grp = np.asarray(groups, dtype=object)
    ok = ~np.isnan(y)
    y, grp = y[ok], grp[ok]
    if len(y) == 0:
        return np.nan, np.nan, np.nan
    mean = float(y.mean())
    if len(y) < 2 or len(set(grp)) < 2:
        return mean, np.nan, np.nan
    cov, g = _sandwich(np.ones((len(y), 1)), y - mean, grp)
    half = stats.t.ppf(0.5 + level / 2, g - 1) * np.sqrt(cov[0, 0])
    return mean, mean - half, mean + half


def difference_interval(
    before: Any, after: Any, groups_before: Any, groups_after: Any, level: float = 0.95
) -> tuple[float, float, float]:
    """Difference of means (after minus before) with a cluster-robust interval.

    The two periods share clusters (the same teams answer before and after), so this is the
    coefficient of a 0/1 "after" indicator in a regression with clustered errors.

    Returns
    -------
    (difference, low, high) : floats
        NaN bounds with fewer than two clusters or an empty period.
    """
    a, b = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if len(a) == 0 or len(b) == 0:
        return np.nan, np.nan, np.nan
    diff = float(b.mean() - a.mean())
    y = np.concatenate([a, b])
    post = np.r_[np.zeros(len(a)), np.ones(len(b))]
    grp = np.concatenate([np.asarray(groups_before, object), np.asarray(groups_after, object)])
    if len(set(grp)) < 2 or len(y) < 3:
        return diff, np.nan, np.nan
    x = np.column_stack([np.ones(len(y)), post])
    resid = y - np.where(post == 1, b.mean(), a.mean())
    cov, g = _sandwich(x, resid, grp)
    half = stats.t.ppf(0.5 + level / 2, g - 1) * np.sqrt(cov[1, 1])
    return diff, diff - half, diff + half
