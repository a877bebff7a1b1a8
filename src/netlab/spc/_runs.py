"""Statistical process control: run charts (Anhøj rules), p, Laney p' and I charts, Pareto.

Every chart function takes a tidy frame with one row per point and returns it with the centre
line, limits and each signal named in its own column, so a plot only draws and a sentence
only reads. Baselines can be frozen after ``k`` points and phases restart the calculation at
change dates.

References: Anhøj & Olesen (2014), Anhøj (2015) for the run-chart rules; Montgomery for
Shewhart charts; Laney (2002) for p'.
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

__all__ = [
    "anhoj_limits",
    "i_chart",
    "laney_p_chart",
    "p_chart",
    "pareto",
    "run_chart",
    "season_series",
    "yearly_run_chart",
]


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


def _p_limits(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    n: str,
    baseline: int | None,
    phases: Sequence[Any] | None,
    laney: bool,
) -> pd.DataFrame:
    out = _prepare(data, [x, y, n], x, phases)
    out = out[out[n] > 0].reset_index(drop=True)
    out["p"] = out[y] / out[n]
    base = _baseline_mask(out["phase"].to_numpy(), baseline)
    sums = out[base].groupby("phase")[[y, n]].sum()
    pbar = out["phase"].map(sums[y] / sums[n]).astype(float)
    sigma = np.sqrt(pbar * (1 - pbar) / out[n])
    factor = pd.Series(1.0, index=out.index)
    if laney:
        zscore = (out["p"] - pbar) / sigma
        mr = zscore.groupby(out["phase"]).diff().abs()
        sigma_z = mr[base].groupby(out["phase"][base]).mean() / 1.128
        factor = out["phase"].map(sigma_z).astype(float)
        out["sigma_z"] = factor
    out["centre"] = pbar
    out["lcl"] = np.clip(pbar - 3 * sigma * factor, 0, 1)
    out["ucl"] = np.clip(pbar + 3 * sigma * factor, 0, 1)
    out["outside_limits"] = (out["p"] > out["ucl"]) | (out["p"] < out["lcl"])
    return _add_runs(out, "p")


def p_chart(
    data: pd.DataFrame,
    *,
    x: str = "x",
    y: str = "numerator",
    n: str = "denominator",
    baseline: int | None = None,
    phases: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Shewhart p chart: centre p̄ = Σy/Σn, limits p̄ ± 3√(p̄(1 − p̄)/nᵢ) clipped to [0, 1].

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subgroup.
    x, y, n : str
        Time column, count of events, subgroup size.
    baseline, phases
        As for :func:`run_chart` (p̄ from the baseline points of each phase).

    Returns
    -------
    pandas.DataFrame
        x, y, n, phase, p, centre, lcl, ucl, outside_limits, the Anhøj columns computed
        around the centre line (see :func:`run_chart`), and signal (any of them).
    """
    return _p_limits(data, x=x, y=y, n=n, baseline=baseline, phases=phases, laney=False)


def laney_p_chart(
    data: pd.DataFrame,
    *,
    x: str = "x",
    y: str = "numerator",
    n: str = "denominator",
    baseline: int | None = None,
    phases: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Laney p′ chart: p-chart limits widened by the between-subgroup variation σ_z.

    zᵢ = (pᵢ − p̄)/σᵢ with σᵢ = √(p̄(1 − p̄)/nᵢ); σ_z = mean moving range of z / 1.128;
    limits p̄ ± 3·σᵢ·σ_z, clipped to [0, 1]. Use it when subgroups are large and a plain
    p chart flags nearly every point.

    Returns
    -------
    pandas.DataFrame
        As :func:`p_chart`, plus sigma_z.
    """
    return _p_limits(data, x=x, y=y, n=n, baseline=baseline, phases=phases, laney=True)


def i_chart(
    data: pd.DataFrame,
    *,
    x: str = "x",
    y: str = "y",
    baseline: int | None = None,
    phases: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Individuals (XmR) chart: centre the mean, limits mean ± 2.66·(mean moving range).

    Returns
    -------
    pandas.DataFrame
        x, y, phase, moving_range, centre, lcl, ucl, outside_limits, the Anhøj columns around
        the centre line, and signal.
    """
    out = _prepare(data, [x, y], x, phases)
    out["moving_range"] = out[y].groupby(out["phase"]).diff().abs()
    base = _baseline_mask(out["phase"].to_numpy(), baseline)
    mean = out[base].groupby("phase")[y].mean()
    mr = out[base].groupby("phase")["moving_range"].mean()
    out["centre"] = out["phase"].map(mean).astype(float)
    spread = 2.66 * out["phase"].map(mr).astype(float)
    out["lcl"] = out["centre"] - spread
    out["ucl"] = out["centre"] + spread
    out["outside_limits"] = (out[y] > out["ucl"]) | (out[y] < out["lcl"])
    return _add_runs(out, y)


def pareto(frame: pd.DataFrame, *, category: str, value: str) -> pd.DataFrame:
    """Categories sorted by value, with their share and cumulative share.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to total by ``category``.
    category, value : str
        Category and value columns.

    Returns
    -------
    pandas.DataFrame
        rank, category (original name), value (original name), share, cumulative_share.
    """
    check_columns(frame, [category, value], what="pareto data", hint=_COLUMNS_HINT)
    out = frame.groupby(category, as_index=False, sort=False)[value].sum()
    out = out.sort_values([value, category], ascending=[False, True]).reset_index(drop=True)
    total = out[value].sum()
    out["share"] = out[value] / total if total else np.nan
    out["cumulative_share"] = out["share"].cumsum()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def _season_totals(rows: pd.DataFrame, numerator: str) -> pd.DataFrame:
    ok = rows["reported"].fillna(False).astype(bool)
    ok &= rows[numerator].notna() & rows["seniors"].notna() & (rows["seniors"] > 0)
    flag = f"{numerator}_suppressed"
    if flag in rows:
        ok &= ~rows[flag].fillna(False).astype(bool)
    rows = rows[ok]
    out = rows.groupby("week", as_index=False).agg(
        as_of=("as_of", "max"),
        numerator=(numerator, "sum"),
        denominator=("seniors", "sum"),
        units=("school_id", "nunique"),
    )
    out["rate"] = out["numerator"] / out["denominator"]
    return out


def season_series(
    fafsa_weekly: pd.DataFrame,
    *,
    season: int,
    unit: str | Sequence[str] | None = None,
    numerator: str = "completed",
) -> pd.DataFrame:
    """Cumulative FAFSA completion rate by week of a season, beside the prior season.

    Weeks whose snapshot is not a measurement (``reported`` False) and suppressed counts are
    skipped, never read as a rate near zero. For several schools (or the network, ``unit``
    None) the rate is the sum of completions over the sum of seniors of the schools reporting
    that week.

    Parameters
    ----------
    fafsa_weekly : pandas.DataFrame
        The fafsa_weekly table (school_id, season, as_of, week, seniors, submitted,
        completed, *_suppressed, reported).
    season : int
        The seniors' graduating year of the season to show.
    unit : str or sequence of str, optional
        One school_id, several, or None for the whole network.
    numerator : {"completed", "submitted"}
        Which count to chart.

    Returns
    -------
    pandas.DataFrame
        week, as_of, numerator, denominator, rate, units (schools reporting), season, and
        prior_as_of, prior_numerator, prior_denominator, prior_rate for the same week of the
        prior season (missing when not reported).
    """
    check_columns(
        fafsa_weekly,
        ["school_id", "season", "week", "as_of", "seniors", numerator],
        what="fafsa",
        hint=_COLUMNS_HINT,
    )
    rows = fafsa_weekly
    if "reported" not in rows:
        rows = rows.assign(reported=True)
    if unit is not None:
        units = [unit] if isinstance(unit, str) else list(unit)
        rows = rows[rows["school_id"].isin(units)]
    now = _season_totals(rows[rows["season"] == season], numerator)
    prior = _season_totals(rows[rows["season"] == season - 1], numerator)
    prior = prior.rename(
        columns={
            "as_of": "prior_as_of",
            "numerator": "prior_numerator",
            "denominator": "prior_denominator",
            "rate": "prior_rate",
            "units": "prior_units",
        }
    )
    out = now.merge(prior, on="week", how="left")
    out.insert(0, "season", season)
    return out.sort_values("week").reset_index(drop=True)


def season_pace(series: pd.DataFrame) -> pd.DataFrame:
    """This season's pace against last season's at the same weeks, with the Anhøj rules.

    A cumulative completion curve only rises, so a run chart of it always "signals": its
    points are not independent. What can vary freely from week to week is the pace: the
    seniors who completed this week. Here each reported week's **change** is this season's
    new completions minus last season's over the same weeks (as a share of seniors, in
    points): the week-to-week change of the gap between the two cumulative curves. Seasons
    share their calendar (deadlines, holidays), so the seasonal shape cancels and, if this
    season runs like the last, the changes fall either side of 0 at random. The run-chart
    rules are applied to them around 0: a long run above 0 means that week after week more
    seniors completed than at the same time last season (the season is pulling ahead),
    below 0 that it is falling behind; too few crossings, that the pace differs for long
    stretches. Weeks missing in either season are skipped (a change then spans the weeks
    between two reported ones).

    Parameters
    ----------
    series : pandas.DataFrame
        Output of :func:`season_series` (week, rate, prior_rate).

    Returns
    -------
    pandas.DataFrame
        One row per week with both seasons reported: week, rate, prior_rate, gap (this
        season minus last, rate), change (the gap's change since the previous such week,
        rate; missing for the first) and the :func:`run_chart` columns of ``change`` around
        0 (the first week is not tested). Empty when no week has both seasons.
    """
    check_columns(series, ["week", "rate", "prior_rate"], what="season series", hint=_COLUMNS_HINT)
    both = series.loc[series["rate"].notna() & series["prior_rate"].notna()]
    both = both.sort_values("week")[["week", "rate", "prior_rate"]].reset_index(drop=True)
    both["gap"] = both["rate"] - both["prior_rate"]
    both["change"] = both["gap"].diff()
    tested = both.dropna(subset=["change"])
    if tested.empty:
        return both.iloc[:0]
    chart = run_chart(tested, x="week", y="change", centre=0.0)
    return both.merge(chart.drop(columns=["change"]), on="week", how="left")


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
