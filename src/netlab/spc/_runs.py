"""Run charts: the median as centre line and the Anhøj rules, for any series or a yearly measure.

Points exactly on the centre are not useful and are left out of the tests. Baselines can be
frozen after ``k`` points and phases restart the calculation at change dates; the other
charts (``_shewhart``, ``_season``) add their limits to a frame and call the same tests.

References: Anhøj & Olesen (2014), Anhøj (2015).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from netlab.checks import check_columns

#: What to do when a frame passed here lacks a column.
_COLUMNS_HINT = "Name the columns with the keyword arguments (x=, y=, n=)."


def anhoj_limits(n: int) -> tuple[int, int]:
    """Anhøj's limits for a run chart with ``n`` useful points.

    Parameters
    ----------
    n : int
        Number of useful points (points not on the median).

    Returns
    -------
    tuple of int
        ``(longest_run_limit, min_crossings)``: a run longer than the first, or fewer
        crossings than the second, signals non-random variation. The limit is
        ``round(log2(n)) + 3``; the minimum is the 5th percentile of Binomial(n - 1, 0.5)
        (the smallest k with P(X <= k) >= 0.05, R's ``qbinom(0.05, n - 1, 0.5)``).

    Examples
    --------
    >>> anhoj_limits(20)
    (7, 6)
    """
    if n < 1:
        return 0, 0
    longest = int(round(np.log2(n))) + 3
    crossings = int(stats.binom.ppf(0.05, n - 1, 0.5)) if n > 1 else 0
    return longest, crossings


def _phases(x: pd.Series, phases: Sequence[Any] | None) -> np.ndarray:
    """Phase number (1, 2, ...) of each point; a phase starts at each change point."""
    phase = np.ones(len(x), dtype=int)
    for change in sorted(phases or []):
        phase += (x >= change).to_numpy()
    return phase


def _baseline_mask(phase: np.ndarray, baseline: int | None) -> np.ndarray:
    """Points used to compute the centre and limits: the first ``baseline`` of each phase."""
    if baseline is None:
        return np.ones(len(phase), dtype=bool)
    order = pd.Series(phase).groupby(phase).cumcount().to_numpy()
    return order < baseline


def _runs(y: np.ndarray, centre: np.ndarray) -> dict[str, Any]:
    """Anhøj tests of one phase: side of each point, runs and crossings over useful points."""
    side = np.sign(y - centre)
    useful = side != 0
    s = side[useful]
    n = len(s)
    run_id = np.zeros(len(y), dtype=int) - 1
    run_len = np.zeros(len(y), dtype=int)
    if n:
        starts = np.r_[True, s[1:] != s[:-1]]
        ids = np.cumsum(starts) - 1
        lengths = np.bincount(ids)
        run_id[useful] = ids
        run_len[useful] = lengths[ids]
        longest = int(lengths.max())
        crossings = int(starts.sum() - 1)
    else:
        longest = crossings = 0
    lim_run, lim_cross = anhoj_limits(n)
    run_signal = n > 0 and longest > lim_run
    crossing_signal = n > 1 and crossings < lim_cross
    return {
        "useful": useful,
        "run_length": run_len,
        "in_long_run": useful & (run_len > lim_run),
        "n_useful": n,
        "longest_run": longest,
        "crossings": crossings,
        "longest_run_limit": lim_run,
        "min_crossings": lim_cross,
        "run_signal": bool(run_signal),
        "crossing_signal": bool(crossing_signal),
    }


def _prepare(
    data: pd.DataFrame, columns: Sequence[str], x: str, phases: Sequence[Any] | None
) -> pd.DataFrame:
    check_columns(data, columns, what="chart data", hint=_COLUMNS_HINT)
    out = data[list(dict.fromkeys(columns))].copy()
    out = out.dropna(subset=[c for c in columns if c != x]).sort_values(x)
    out = out.reset_index(drop=True)
    out["phase"] = _phases(out[x], phases)
    return out


def _add_runs(out: pd.DataFrame, y: str) -> pd.DataFrame:
    per_phase = []
    for _, idx in out.groupby("phase").groups.items():
        rows = out.loc[idx]
        res = _runs(rows[y].to_numpy(dtype=float), rows["centre"].to_numpy(dtype=float))
        part = pd.DataFrame({k: v for k, v in res.items() if np.ndim(v) == 1}, index=rows.index)
        for k, v in res.items():
            if np.ndim(v) == 0:
                part[k] = v
        per_phase.append(part)
    runs = pd.concat(per_phase).loc[out.index]
    out = pd.concat([out, runs], axis=1)
    out["signal"] = out["run_signal"] | out["crossing_signal"]
    if "outside_limits" in out:
        out["signal"] |= out["outside_limits"]
    return out


def run_chart(
    data: pd.DataFrame,
    *,
    x: str = "x",
    y: str = "y",
    baseline: int | None = None,
    phases: Sequence[Any] | None = None,
    centre: float | None = None,
) -> pd.DataFrame:
    """Run chart with the median as centre and the Anhøj rules.

    Points exactly on the median are not useful and are left out of both tests. A signal is
    an unusually long run (longest run of points on one side > ``round(log2(n)) + 3``) or too
    few crossings (< the 5th percentile of Binomial(n - 1, 0.5)), n = useful points.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per point; rows with a missing ``y`` (a week not reported) are dropped.
    x, y : str
        Columns of the time axis (date, period or number) and the value.
    baseline : int, optional
        Freeze the median after the first ``baseline`` points of each phase; the tests still
        run over every point of the phase, against the frozen median.
    phases : sequence, optional
        Change points (values of ``x``): a new phase, with its own median, starts at each.
    centre : float, optional
        A fixed centre instead of the median (e.g. 0 for differences from a comparison,
        where "no difference" is the line a random series crosses half the time).

    Returns
    -------
    pandas.DataFrame
        x, y (original names), phase, centre, useful, run_length, in_long_run, n_useful,
        longest_run, crossings, longest_run_limit, min_crossings, run_signal,
        crossing_signal, signal (the per-phase tests repeated on each of the phase's points).
    """
    out = _prepare(data, [x, y], x, phases)
    if centre is not None:
        out["centre"] = float(centre)
        return _add_runs(out, y)
    base = _baseline_mask(out["phase"].to_numpy(), baseline)
    med = out[base].groupby("phase")[y].median()
    out["centre"] = out["phase"].map(med).astype(float)
    return _add_runs(out, y)


def yearly_run_chart(
    rates: pd.DataFrame,
    *,
    measure: str,
    group: str = "focal",
    unit_id: str | None = None,
    unit: str = "unit_id",
    baseline: int | None = None,
    phases: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Run chart of a yearly measure, for one unit or the whole network.

    With few years the Anhøj tests rarely signal (they need about ten points); the chart
    still shows the median and the points.

    Parameters
    ----------
    rates : pandas.DataFrame
        The long rates table.
    measure, group : str
        Measure and group.
    unit_id : str, optional
        One unit; the network (pooled over units) when None.
    unit : str
        Unit column.
    baseline, phases
        As for :func:`run_chart` (phases are years).

    Returns
    -------
    pandas.DataFrame
        year, numerator, denominator, rate and the :func:`run_chart` columns.
    """
    check_columns(
        rates,
        [unit, "year", "group", "measure", "numerator", "denominator"],
        what="rates",
        hint=_COLUMNS_HINT,
    )
    rows = rates[(rates["measure"] == measure) & (rates["group"] == group)]
    if unit_id is not None:
        rows = rows[rows[unit] == unit_id]
    rows = rows[rows["numerator"].notna()]  # a censored count is unknown, not zero
    tot = rows.groupby("year", as_index=False)[["numerator", "denominator"]].sum()
    tot = tot[tot["denominator"] > 0]
    tot["rate"] = tot["numerator"] / tot["denominator"]
    return run_chart(tot, x="year", y="rate", baseline=baseline, phases=phases).merge(
        tot[["year", "numerator", "denominator"]], on="year"
    )
