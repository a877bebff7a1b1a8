"""Stages of traction: each team-year's stage, the shares, moves and time to each stage.

Is the improvement work taking hold across teams and cohorts? Coburn (2003) describes four
dimensions of scale: *spread* (the work is taken up beyond the team), *depth* (beliefs,
norms and practice shift), *ownership* (the work moves from the hub to the school and its
teachers) and *sustainability* (it persists). Evaluators score each dimension per team and
year on a rubric from 1 to 4.

A study of two California improvement hubs saw the dimensions arrive in a sequence, which
this module uses to give each team and year one **stage**:

=================  =========================================================================
stage              rule (each score compared with ``threshold``, "≥ t" means at or above)
=================  =========================================================================
no traction        not initiation
initiation         ownership ≥ t and depth ≥ t
spread             initiation and spread ≥ t
sustainability     spread (the stage) and sustainability ≥ t, so all four ≥ t
=================  =========================================================================

A stage counts only when every earlier stage holds. Scores that arrive out of sequence do
not lift a team: spread ≥ t without ownership or depth is *no traction*; sustainability ≥ t
with initiation but not spread is *initiation*. Such rows are flagged ``out_of_sequence``.
A missing score leaves the stage unknown (missing) only when it matters: a team with
ownership below the threshold is *no traction* whatever its other scores.

Everything here describes; nothing here shows that a stage causes a change in outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from netlab.checks import check_argument, check_columns

__all__ = [
    "DIMENSIONS",
    "STAGES",
    "reach_curve",
    "stage_shares",
    "stages",
    "time_to_stage",
    "transitions",
]

#: The four rubric dimensions (Coburn 2003), in the order the stages use them.
DIMENSIONS = ("ownership", "depth", "spread", "sustainability")
#: Stages in order; ``stage_level`` is the position in this tuple.
STAGES = ("no traction", "initiation", "spread", "sustainability")

_STAGE_DTYPE = pd.CategoricalDtype(list(STAGES), ordered=True)
_TEAM = "school_id"


def _stage_categorical(values: Any) -> pd.Categorical:
    return pd.Categorical(values, categories=list(STAGES), ordered=True)


def _at_least(scores: pd.Series, threshold: float) -> pd.Series:
    # Kleene logic: a missing score gives <NA>, which stays unknown unless a known
    # False elsewhere decides the stage.
    values = pd.to_numeric(scores, errors="coerce").astype("Float64")
    return (values >= threshold).astype("boolean")


def stages(traction: pd.DataFrame, *, threshold: float = 3.0) -> pd.DataFrame:
    """Give each team and year its stage of traction.

    Parameters
    ----------
    traction : DataFrame
        The traction table: ``school_id`` (the team), ``year``, ``spread``, ``depth``,
        ``ownership``, ``sustainability`` (rubric scores, 1 to 4).
    threshold : float, default 3.0
        Score at or above which a dimension counts (``params.traction.threshold``).

    Returns
    -------
    DataFrame
        One row per team and year, sorted: ``school_id``, ``year``, the four scores,
        ``stage`` (ordered categorical over :data:`STAGES`; missing when a missing score
        leaves it undecided), ``stage_level`` (0 to 3, nullable) and ``out_of_sequence``
        (True when a dimension is at or above the threshold but does not count because an
        earlier stage does not hold).

    Notes
    -----
    The rules are in the module docstring: initiation needs ownership and depth; spread
    needs initiation and spread; sustainability needs all four.

    Examples
    --------
    >>> rows = pd.DataFrame({"school_id": ["A", "B"], "year": [2025, 2025],
    ...     "ownership": [3, 2], "depth": [3, 4], "spread": [2, 4], "sustainability": [4, 4]})
    >>> stages(rows)["stage"].tolist()
    ['initiation', 'no traction']
    """
    check_columns(traction, [_TEAM, "year", *DIMENSIONS], what="traction table")
    out = traction[[_TEAM, "year", *DIMENSIONS]].copy()
    out[_TEAM] = out[_TEAM].astype(str)
    met = {d: _at_least(out[d], threshold) for d in DIMENSIONS}
    initiation = met["ownership"] & met["depth"]
    spread = initiation & met["spread"]
    sustained = spread & met["sustainability"]

    level = pd.Series(pd.NA, index=out.index, dtype="Int64")
    level[initiation.eq(False).fillna(False).astype(bool)] = 0
    level[(initiation & ~met["spread"]).fillna(False).astype(bool)] = 1
    level[(spread & ~met["sustainability"]).fillna(False).astype(bool)] = 2
    level[sustained.fillna(False).astype(bool)] = 3

    stage_names = np.array(STAGES, dtype=object)
    known = level.notna().to_numpy()
    labels = np.full(len(out), None, dtype=object)
    labels[known] = stage_names[level[known].to_numpy(dtype=int)]
    out["stage"] = _stage_categorical(labels)
    out["stage_level"] = level

    # A dimension past the threshold that the sequence does not count.
    counted = pd.DataFrame(
        {
            "ownership": True,
            "depth": True,
            "spread": initiation.fillna(True),
            "sustainability": spread.fillna(True),
        },
        index=out.index,
    )
    beyond = pd.DataFrame({d: met[d].fillna(False) for d in DIMENSIONS}, index=out.index)
    not_counted = ~counted.astype(bool)
    out["out_of_sequence"] = (beyond.astype(bool) & not_counted).any(axis=1)
    return out.sort_values([_TEAM, "year"], ignore_index=True)


def _cohorts(units_or_schools: pd.DataFrame) -> pd.DataFrame:
    """Team id -> cohort from a ``schools`` table (school_id) or a ``units`` frame (unit_id)."""
    key = _TEAM if _TEAM in units_or_schools.columns else "unit_id"
    check_columns(units_or_schools, [key, "cohort"], what="schools (or units) frame")
    out = units_or_schools[[key, "cohort"]].rename(columns={key: _TEAM})
    out[_TEAM] = out[_TEAM].astype(str)
    out["cohort"] = pd.to_numeric(out["cohort"], errors="coerce").astype("Int64")
    return out.drop_duplicates(_TEAM)


def stage_shares(
    stages: pd.DataFrame,
    units_or_schools: pd.DataFrame,
    *,
    by: Sequence[str] = ("cohort", "year"),
) -> pd.DataFrame:
    """Shares of teams in each stage, by cohort (the year a team joined) and year.

    Parameters
    ----------
    stages : DataFrame
        Output of :func:`stages`.
    units_or_schools : DataFrame
        The ``schools`` table (``school_id``, ``cohort``) or the ``units`` frame
        (``unit_id``, ``cohort``).
    by : sequence of str, default ("cohort", "year")
        Columns to group by; any of ``"cohort"`` and ``"year"`` (``("year",)`` gives the
        whole network per year).

    Returns
    -------
    DataFrame
        One row per group and stage (all four stages, zeros included): the ``by`` columns,
        ``stage``, ``teams`` (teams in the stage), ``total`` (teams with a known stage in
        the group) and ``share`` (``teams / total``). Teams whose stage is unknown are left
        out of both.
    """
    by = [by] if isinstance(by, str) else list(by)
    for b in by:
        check_argument("by", ["cohort", "year"], b)
    frame = stages.loc[stages["stage"].notna(), [_TEAM, "year", "stage"]]
    if "cohort" in by:
        frame = frame.merge(_cohorts(units_or_schools), on=_TEAM, how="left")
    counts = (
        frame.groupby([*by, "stage"], observed=False, dropna=False)
        .size()
        .rename("teams")
        .reset_index()
    )
    # Keep only groups that hold at least one team (observed=False crosses every level).
    counts["total"] = counts.groupby(by, dropna=False)["teams"].transform("sum")
    counts = counts.loc[counts["total"] > 0].copy()
    counts["stage"] = counts["stage"].astype(_STAGE_DTYPE)
    counts["teams"] = counts["teams"].astype(int)
    counts["total"] = counts["total"].astype(int)
    counts["share"] = counts["teams"] / counts["total"]
    return counts.sort_values([*by, "stage"], ignore_index=True)


def transitions(stages: pd.DataFrame, *, pooled: bool = False) -> pd.DataFrame:
    """Year-to-year transitions between stages: who moved up, stayed, slipped.

    Parameters
    ----------
    stages : DataFrame
        Output of :func:`stages`.
    pooled : bool, default False
        If True, add up every pair of consecutive years into one matrix
        (``from_year`` and ``to_year`` are then missing).

    Returns
    -------
    DataFrame
        One row per pair of consecutive years and pair of stages (all 16, zeros included):
        ``from_year``, ``to_year``, ``from_stage``, ``to_stage``, ``teams``, ``row_total``
        (teams in ``from_stage`` observed in both years), ``share`` (``teams / row_total``)
        and ``change`` (``"moved up"``, ``"stayed"`` or ``"slipped"``). Summed over a
        year pair, ``teams`` is the number of teams with a known stage in both years.
    """
    frame = stages.loc[stages["stage"].notna(), [_TEAM, "year", "stage"]].copy()
    nxt = frame.assign(year=frame["year"] - 1).rename(columns={"stage": "to_stage"})
    pairs = frame.rename(columns={"stage": "from_stage"}).merge(nxt, on=[_TEAM, "year"])
    pairs = pairs.rename(columns={"year": "from_year"})
    pairs["to_year"] = pairs["from_year"] + 1
    grid = pd.MultiIndex.from_product([STAGES, STAGES], names=["from_stage", "to_stage"])
    year_pairs = (
        [(pd.NA, pd.NA)]
        if pooled
        else sorted({(int(a), int(a) + 1) for a in pairs["from_year"].unique()})
    )
    parts = []
    for from_year, to_year in year_pairs:
        sub = pairs if pooled else pairs.loc[pairs["from_year"] == from_year]
        counts = (
            sub.groupby(
                [sub["from_stage"].astype(str), sub["to_stage"].astype(str)], observed=True
            )
            .size()
            .reindex(grid, fill_value=0)
            .rename("teams")
            .reset_index()
        )
        counts.insert(0, "to_year", to_year)
        counts.insert(0, "from_year", from_year)
        parts.append(counts)
    columns = ["from_year", "to_year", "from_stage", "to_stage", "teams"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    out["from_year"] = out["from_year"].astype("Int64")
    out["to_year"] = out["to_year"].astype("Int64")
    out["teams"] = out["teams"].astype(int)
    out["row_total"] = (
        out.groupby(["from_year", "to_year", "from_stage"], dropna=False)["teams"]
        .transform("sum")
        .astype(int)
    )
    out["share"] = out["teams"] / out["row_total"].where(out["row_total"] > 0)
    rank = {s: i for i, s in enumerate(STAGES)}
    step = out["to_stage"].map(rank).astype(int) - out["from_stage"].map(rank).astype(int)
    out["change"] = np.select([step > 0, step < 0], ["moved up", "slipped"], "stayed")
    out["from_stage"] = out["from_stage"].astype(_STAGE_DTYPE)
    out["to_stage"] = out["to_stage"].astype(_STAGE_DTYPE)
    return out


def time_to_stage(stages: pd.DataFrame, cohorts: pd.DataFrame) -> pd.DataFrame:
    """Years from joining the network to first reaching each stage.

    Parameters
    ----------
    stages : DataFrame
        Output of :func:`stages`.
    cohorts : DataFrame
        The ``schools`` table or ``units`` frame, with ``cohort`` (the year the team joined).

    Returns
    -------
    DataFrame
        One row per team and stage (initiation, spread, sustainability): ``school_id``,
        ``cohort``, ``stage``, ``reached`` (bool), ``year_reached`` (first year at this
        stage or beyond; missing if not reached), ``years`` (``year_reached - cohort`` if
        reached, else the years followed, ``last year observed - cohort``) and
        ``censored`` (True for teams not there yet: they may still reach it). Reaching a
        later stage counts as reaching the earlier ones. Teams without a cohort, and rubric
        rows from before a team joined, are left out.
    """
    frame = stages.loc[stages["stage"].notna(), [_TEAM, "year", "stage_level"]]
    frame = frame.merge(_cohorts(cohorts), on=_TEAM, how="inner")
    # Rubric rows from before a team joined say nothing about its time to a stage.
    frame = frame.loc[frame["cohort"].notna() & (frame["year"] >= frame["cohort"])]
    last = frame.groupby(_TEAM)["year"].max()
    cohort = frame.groupby(_TEAM)["cohort"].first()
    parts = []
    for level, name in enumerate(STAGES[1:], start=1):
        first = frame.loc[frame["stage_level"] >= level].groupby(_TEAM)["year"].min()
        part = pd.DataFrame({"cohort": cohort, "last_year": last})
        part["year_reached"] = first.reindex(part.index).astype("Int64")
        part["reached"] = part["year_reached"].notna()
        end = part["year_reached"].fillna(part["last_year"]).astype("Int64")
        part["years"] = (end - part["cohort"]).astype("Int64")
        part["censored"] = ~part["reached"]
        part["stage"] = name
        parts.append(part.reset_index().rename(columns={"index": _TEAM}))
    columns = [_TEAM, "cohort", "stage", "reached", "year_reached", "years", "censored"]
    if not parts or not len(frame):
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)[columns]
    out["stage"] = out["stage"].astype(_STAGE_DTYPE)
    return out.sort_values([_TEAM, "stage"], ignore_index=True)


def reach_curve(time_to_stage: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Share of teams that have reached each stage by years since joining (Kaplan–Meier).

    Teams not there yet count as censored, so a young cohort does not drag the share down.
    The curve and its interval are scipy's (:func:`scipy.stats.ecdf` on right-censored
    data; the log-log interval of Kalbfleisch and Prentice, from Greenwood's variance).

    Parameters
    ----------
    time_to_stage : DataFrame
        Output of :func:`time_to_stage`.
    level : float
        Level of the interval.

    Returns
    -------
    DataFrame
        ``stage``, ``years`` (0, 1, ...), ``at_risk`` (teams followed that long and not yet
        there), ``reached`` (teams first reaching the stage after that many years),
        ``share_reached`` (1 minus the Kaplan–Meier survival) and ``share_low``,
        ``share_high`` (its interval; NaN where the log-log interval is undefined: before
        any team reached the stage, or once every team followed has).
    """
    rows: list[tuple[Any, ...]] = []
    for stage, sub in time_to_stage.groupby("stage", observed=True):
        years = sub["years"].astype(float).to_numpy()
        events = sub["reached"].astype(bool).to_numpy()
        ok = ~np.isnan(years)
        years, events = years[ok], events[ok]
        if not len(years):
            continue
        t = np.arange(int(years.max()) + 1)
        at_risk = (years[None, :] >= t[:, None]).sum(axis=1)
        reached = ((years[None, :] == t[:, None]) & events[None, :]).sum(axis=1)
        share, low, high = _km_share(years, events, t, level)
        rows += zip([stage] * len(t), t, at_risk, reached, share, low, high, strict=True)
    columns = ["stage", "years", "at_risk", "reached", "share_reached", "share_low", "share_high"]
    out = pd.DataFrame(rows, columns=columns)
    out["stage"] = out["stage"].astype(_STAGE_DTYPE)
    return out


def _km_share(years: np.ndarray, events: np.ndarray, t: np.ndarray, level: float):
    """1 - Kaplan–Meier survival at ``t``, and its log-log interval (scipy)."""
    import warnings

    from scipy import stats

    if not events.any():
        return np.zeros(len(t)), np.full(len(t), np.nan), np.full(len(t), np.nan)
    fit = stats.ecdf(stats.CensoredData(uncensored=years[events], right=years[~events]))
    surv = fit.sf.evaluate(t)
    with warnings.catch_warnings():
        # scipy warns where the log-log interval is undefined (survival 0 or 1): NaN there
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = fit.sf.confidence_interval(level, method="log-log")
        s_low, s_high = ci.low.evaluate(t), ci.high.evaluate(t)
    undefined = (surv >= 1) | (surv <= 0)
    low = np.where(undefined, np.nan, 1 - s_high)
    high = np.where(undefined, np.nan, 1 - s_low)
    return 1 - surv, low, high
