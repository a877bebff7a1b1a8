"""Means and differences of means whose observations come in clusters (staff within teams).

Responses from one team share its culture, its leader and its year, so they are not
independent: an interval that counts 1,100 responses from 30 teams as 1,100 independent
draws is far too narrow. These helpers fit a regression on an intercept (and a 0/1 period
indicator) with statsmodels and take its cluster-robust CR3 errors (the leave-one-team-out
jackknife, which holds its coverage with the 20 to 50 teams of a network, where the
ordinary CR1 sandwich runs small), with Student's t on ``G - 1`` degrees of freedom, as the
practices models do. When a leave-one-team-out fit is not identified (one team alone
answered in a period) they fall back to CR1 and say so in the ``covariance`` they return.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: The covariance an interval used: the jackknife, or the ordinary sandwich when the
#: jackknife could not be computed.
CR3, CR1 = "CR3", "CR1"


def _fit(y: np.ndarray, x: np.ndarray, groups: np.ndarray, level: float):
    """OLS with CR3 errors by cluster (CR1 when CR3 cannot be computed): (low, high, kind)."""
    import statsmodels.api as sm

    codes = pd.factorize(pd.Series(groups, dtype=object))[0]
    model = sm.OLS(y, x)
    try:
        with np.errstate(invalid="ignore"):  # a failed jackknife is caught below
            res = model.fit(cov_type="cluster-crv3", cov_kwds={"groups": codes}, use_t=True)
        kind = CR3
    except (ValueError, np.linalg.LinAlgError):
        res = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
        kind = CR1
    with np.errstate(invalid="ignore"):  # the intercept's variance may round below zero
        bounds = np.asarray(res.conf_int(alpha=1 - level))[-1]
    return float(bounds[0]), float(bounds[1]), kind


def mean_interval(
    values: Any, groups: Any, level: float = 0.95
) -> tuple[float, float, float, str]:
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
    (mean, low, high, covariance) : float, float, float, str
        NaN bounds (and covariance "") with fewer than two clusters; ``covariance`` is
        ``"CR3"``, or ``"CR1"`` when the jackknife could not be computed.
    """
    y = np.asarray(values, dtype=float)
    grp = np.asarray(groups, dtype=object)
    ok = ~np.isnan(y)
    y, grp = y[ok], grp[ok]
    if len(y) == 0:
        return np.nan, np.nan, np.nan, ""
    mean = float(y.mean())
    if len(y) < 2 or len(set(grp)) < 2:
        return mean, np.nan, np.nan, ""
    low, high, kind = _fit(y, np.ones((len(y), 1)), grp, level)
    return mean, low, high, kind


def difference_interval(
    before: Any, after: Any, groups_before: Any, groups_after: Any, level: float = 0.95
) -> tuple[float, float, float, str]:
    """Difference of means (after minus before) with a cluster-robust interval.

    The two periods share clusters (the same teams answer before and after), so this is the
    coefficient of a 0/1 "after" indicator in a regression with clustered errors.

    Returns
    -------
    (difference, low, high, covariance) : float, float, float, str
        NaN bounds (and covariance "") with fewer than two clusters or an empty period;
        ``covariance`` as for :func:`mean_interval`.
    """
    a, b = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if len(a) == 0 or len(b) == 0:
        return np.nan, np.nan, np.nan, ""
    diff = float(b.mean() - a.mean())
    y = np.concatenate([a, b])
    post = np.r_[np.zeros(len(a)), np.ones(len(b))]
    grp = np.concatenate([np.asarray(groups_before, object), np.asarray(groups_after, object)])
    if len(set(grp)) < 2 or len(y) < 3:
        return diff, np.nan, np.nan, ""
    low, high, kind = _fit(y, np.column_stack([np.ones(len(y)), post]), grp, level)
    return diff, low, high, kind
