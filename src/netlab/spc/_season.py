"""The FAFSA season: cumulative completion by week beside the prior season, and its pace.

A cumulative curve only rises, so it is charted as it is and its week-to-week pace against
last season's is what the run-chart rules test (:func:`season_pace`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from netlab.checks import check_columns
from netlab.spc._runs import _COLUMNS_HINT, run_chart


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
        rate; missing for the first) and the :func:`netlab.spc.run_chart` columns of
        ``change`` around 0 (the first week is not tested). Empty when no week has both seasons.
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
