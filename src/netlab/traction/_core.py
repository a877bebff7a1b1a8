"""Traction: is the improvement work taking hold across teams and cohorts?

Coburn (2003) describes four dimensions of scale: *spread* (the work is taken up beyond the
team), *depth* (beliefs, norms and practice shift), *ownership* (the work moves from the
hub to the school and its teachers) and *sustainability* (it persists). Evaluators score
each dimension per team and year on a rubric from 1 to 4.

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

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from netlab import privacy
from netlab.checks import check_argument, check_columns
from netlab.traction import _cluster

#: The four rubric dimensions (Coburn 2003), in the order the stages use them.
DIMENSIONS = ("ownership", "depth", "spread", "sustainability")
#: Stages in order; ``stage_level`` is the position in this tuple.
STAGES = ("no traction", "initiation", "spread", "sustainability")
#: Survey items about the network (Likert 1 to 5).
SURVEY_ITEMS = ("connected", "voice", "implementing")
DECISIONS = ("adopt", "adapt", "abandon")

#: The caveat that goes beside every table or chart of stages against outcomes.
STAGE_OUTCOME_CAVEAT = (
    "These changes describe teams at each stage; they do not show that reaching a stage "
    "causes better outcomes. Teams choose how they work, rubric scores are judgements, and "
    "a school's rate moves from year to year with its seniors. Read the intervals: with few "
    "teams at a stage, they are wide."
)

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


def reach_curve(time_to_stage: pd.DataFrame) -> pd.DataFrame:
    """Share of teams that have reached each stage by years since joining (Kaplan–Meier).

    Teams not there yet count as censored, so a young cohort does not drag the share down.

    Parameters
    ----------
    time_to_stage : DataFrame
        Output of :func:`time_to_stage`.

    Returns
    -------
    DataFrame
        ``stage``, ``years`` (0, 1, ...), ``at_risk`` (teams followed that long and not yet
        there), ``reached`` (teams first reaching the stage after that many years) and
        ``share_reached`` (1 minus the Kaplan–Meier survival).
    """
    rows = []
    for stage, sub in time_to_stage.groupby("stage", observed=True):
        years = sub["years"].astype(float).to_numpy()
        events = sub["reached"].astype(bool).to_numpy()
        ok = ~np.isnan(years)
        years, events = years[ok], events[ok]
        surv = 1.0
        for t in range(int(years.max()) + 1 if len(years) else 0):
            at_risk = int((years >= t).sum())
            reached = int(((years == t) & events).sum())
            if at_risk:
                surv *= 1 - reached / at_risk
            rows.append((stage, t, at_risk, reached, 1 - surv))
    out = pd.DataFrame(rows, columns=["stage", "years", "at_risk", "reached", "share_reached"])
    out["stage"] = out["stage"].astype(_STAGE_DTYPE)
    return out


def _t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    if n < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def stage_outcomes(
    stages: pd.DataFrame,
    rates: pd.DataFrame,
    *,
    measure: str,
    group: str = "focal",
    stage_year: int | None = None,
    baseline_year: int | None = None,
    end_year: int | None = None,
    min_cell: int = 10,
) -> pd.DataFrame:
    """The focal measure's change for teams at each stage, with 95% intervals.

    Each team's change is its rate in ``end_year`` minus its rate in ``baseline_year``, in
    percentage points; the teams are grouped by their stage in ``stage_year``. The interval
    is a t interval over the teams' changes (it reflects how much teams differ, not only
    sampling noise). Read it with :data:`STAGE_OUTCOME_CAVEAT` (also in ``.attrs``).

    Parameters
    ----------
    stages : DataFrame
        Output of :func:`stages`; ``school_id`` is matched to the rates' ``unit_id``.
    rates : DataFrame
        The long rates table (``unit_id``, ``year``, ``group``, ``measure``,
        ``numerator``, ``denominator``, ``rate``).
    measure : str
        The measure (usually ``params.focal_measure``).
    group : str, default "focal"
    stage_year : int, optional
        Year whose stage groups the teams; default the latest year in ``stages``.
    baseline_year, end_year : int, optional
        Default the earliest and latest years of the measure in ``rates``.
    min_cell : int, default 10
        A team enters only if both of its rates rest on at least this many students; a
        stage's row is ``suppressed`` when it holds a single team (its change would be that
        team's own figure).

    Returns
    -------
    DataFrame
        One row per stage: ``stage``, ``teams``, ``students_baseline``, ``students_end``,
        ``baseline_year``, ``end_year``, ``stage_year``, ``mean_change_pp``, ``ci_low_pp``,
        ``ci_high_pp``, ``suppressed``.
    """
    check_columns(rates, ["unit_id", "year", "group", "measure", "numerator", "denominator"])
    sub = rates.loc[(rates["measure"] == measure) & (rates["group"] == group)]
    columns = [
        "stage", "teams", "students_baseline", "students_end", "baseline_year", "end_year",
        "stage_year", "mean_change_pp", "ci_low_pp", "ci_high_pp", "suppressed",
    ]  # fmt: skip
    if sub.empty or stages.empty:
        out = pd.DataFrame(columns=columns)
        out.attrs["caveat"] = STAGE_OUTCOME_CAVEAT
        return out
    baseline_year = int(sub["year"].min()) if baseline_year is None else int(baseline_year)
    end_year = int(sub["year"].max()) if end_year is None else int(end_year)
    stage_year = int(stages["year"].max()) if stage_year is None else int(stage_year)

    def at(year: int) -> pd.DataFrame:
        one = sub.loc[sub["year"] == year, ["unit_id", "numerator", "denominator"]]
        one = one.groupby("unit_id", as_index=False)[["numerator", "denominator"]].sum()
        return one.loc[~privacy.too_small(one["denominator"], min_cell)]

    both = at(baseline_year).merge(at(end_year), on="unit_id", suffixes=("_0", "_1"))
    both["change_pp"] = 100 * (
        both["numerator_1"] / both["denominator_1"] - both["numerator_0"] / both["denominator_0"]
    )
    teams = stages.loc[(stages["year"] == stage_year) & stages["stage"].notna()]
    teams = teams[[_TEAM, "stage"]].rename(columns={_TEAM: "unit_id"})
    joined = teams.merge(both, on="unit_id", how="inner")
    rows = []
    for stage in STAGES:
        part = joined.loc[joined["stage"] == stage]
        mean, low, high = _t_interval(part["change_pp"].to_numpy(dtype=float))
        rows.append(
            {
                "stage": stage,
                "teams": len(part),
                "students_baseline": int(part["denominator_0"].sum()),
                "students_end": int(part["denominator_1"].sum()),
                "baseline_year": baseline_year,
                "end_year": end_year,
                "stage_year": stage_year,
                "mean_change_pp": mean,
                "ci_low_pp": low,
                "ci_high_pp": high,
                "suppressed": len(part) == 1,
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    out["stage"] = out["stage"].astype(_STAGE_DTYPE)
    out.attrs["caveat"] = STAGE_OUTCOME_CAVEAT
    return out


def term_of(dates: pd.Series) -> pd.Series:
    """Name the school term of each date: August to December is ``"<year>-fall"``,
    January to July ``"<year>-spring"`` (the survey table's spelling, e.g. ``"2025-fall"``).
    """
    d = pd.to_datetime(dates, errors="coerce")
    season = np.where(d.dt.month >= 8, "fall", "spring")
    out = d.dt.year.astype("Int64").astype(str) + "-" + pd.Series(season, index=d.index)
    return out.where(d.notna())


def _school_year(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates, errors="coerce")
    return (d.dt.year + (d.dt.month >= 8).astype(int)).astype("Int64")


def pdsa_activity(pdsa: pd.DataFrame, *, by: str = "term") -> pd.DataFrame:
    """PDSA activity per team and term: cycles run, drivers covered, decisions.

    Parameters
    ----------
    pdsa : DataFrame
        The pdsa table: ``school_id``, ``cycle_id``, ``driver``, ``start_date``,
        ``decision`` (``"adopt"``, ``"adapt"``, ``"abandon"`` or missing while a cycle runs).
    by : {"term", "school_year"}, default "term"
        ``"term"``: the term a cycle started in (see :func:`term_of`); ``"school_year"``:
        the school year it started in, named by its spring (August 2025 to July 2026 is 2026).

    Returns
    -------
    DataFrame
        ``school_id``, the ``by`` column, ``cycles`` (distinct cycles started), ``drivers``
        (distinct drivers they addressed), ``adopt``, ``adapt``, ``abandon`` and ``pending``
        (cycles without a decision yet).
    """
    check_argument("by", ["term", "school_year"], by)
    check_columns(pdsa, [_TEAM, "cycle_id", "driver", "start_date", "decision"], what="pdsa")
    frame = pdsa[[_TEAM, "cycle_id", "driver", "start_date", "decision"]].copy()
    frame[_TEAM] = frame[_TEAM].astype(str)
    frame[by] = term_of(frame["start_date"]) if by == "term" else _school_year(frame["start_date"])
    decision = frame["decision"].astype("string").str.strip().str.lower()
    frame["decision"] = decision.where(decision.isin(DECISIONS), "pending")
    cycles = frame.drop_duplicates([_TEAM, "cycle_id"])
    keys = [_TEAM, by]
    out = cycles.groupby(keys, dropna=False).agg(
        cycles=("cycle_id", "nunique"), drivers=("driver", "nunique")
    )
    decisions = pd.crosstab([cycles[_TEAM], cycles[by]], cycles["decision"])
    decisions = decisions.reindex(columns=[*DECISIONS, "pending"], fill_value=0)
    out = out.join(decisions).fillna(0).reset_index()
    for c in ["cycles", "drivers", *DECISIONS, "pending"]:
        out[c] = out[c].astype(int)
    return out.sort_values(keys, ignore_index=True)


def _survey_long(survey: pd.DataFrame, date: dt.date | None) -> pd.DataFrame:
    items = [c for c in SURVEY_ITEMS if c in survey.columns]
    check_columns(survey, ["respondent_id", "date"], what="survey")
    cols = ["respondent_id", "date", *items] + (["term"] * ("term" in survey))
    frame = survey[cols].copy()
    # responses cluster in teams (one per school); without the school, each respondent alone
    frame["team"] = (
        survey["school_id"].astype(str) if "school_id" in survey else survey["respondent_id"]
    )
    frame["date"] = pd.to_datetime(frame["date"], errors="coerce")
    if "term" not in frame:
        frame["term"] = term_of(frame["date"])
    if date is None:
        frame["period"] = "all"
    else:
        cut = pd.Timestamp(date)
        frame["period"] = np.where(frame["date"] < cut, "before", "after")
        frame.loc[frame["date"].isna(), "period"] = pd.NA
    long = frame.melt(
        id_vars=["respondent_id", "team", "date", "term", "period"],
        value_vars=items,
        var_name="item",
        value_name="score",
    )
    long["score"] = pd.to_numeric(long["score"], errors="coerce")
    return long.dropna(subset=["score", "period"])


def _summarise(long: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    rows = []
    for key, part in long.groupby(keys, sort=True):
        mean, low, high = _cluster.mean_interval(part["score"], part["team"])
        rows.append(
            (*key, part["date"].min(), len(part), mean, low, high),
        )
    return pd.DataFrame(rows, columns=[*keys, "first_date", "n", "mean", "ci_low", "ci_high"])


def survey_trends(survey: pd.DataFrame, *, date: dt.date | None = None) -> pd.DataFrame:
    """Means of the network survey items per term, split before and after a date.

    Parameters
    ----------
    survey : DataFrame
        The survey table: ``respondent_id``, ``date``, ``term`` (optional, else derived
        from the date) and the Likert items ``connected``, ``voice``, ``implementing``.
    date : date, optional
        The date that splits the periods (``params.traction.spotlight_date``, e.g. the start
        of spotlight sessions). Responses dated before it are ``"before"``, on or after it
        ``"after"``; a term that straddles the date gives two rows. Without a date every
        row is ``"all"``.

    Returns
    -------
    DataFrame
        ``item``, ``term``, ``period``, ``first_date``, ``n`` (responses), ``mean``,
        ``ci_low``, ``ci_high`` (95% interval clustered by team: respondents of one school
        are not independent, so the interval counts teams, with t on teams - 1 degrees of
        freedom), sorted by item and date.
    """
    long = _survey_long(survey, date)
    out = _summarise(long, ["item", "term", "period"])
    return out.sort_values(["item", "first_date"], ignore_index=True)


def survey_change(survey: pd.DataFrame, *, date: dt.date | None) -> pd.DataFrame:
    """Each survey item's mean before and after a date, and the difference, clustered by team.

    Staff responses come from a few dozen teams (one per school), and responses of one team
    move together, so the interval of the difference is cluster-robust by team (CR1, t on
    teams - 1 degrees of freedom; see :mod:`netlab.traction._cluster`), not one that counts every
    response as independent.

    Parameters
    ----------
    survey : DataFrame
        As for :func:`survey_trends` (``school_id`` names each respondent's team).
    date : date or None
        The date that splits the periods; ``None`` gives an empty frame.

    Returns
    -------
    DataFrame
        ``item``, ``n_before``, ``mean_before``, ``n_after``, ``mean_after``,
        ``difference`` (after minus before, in Likert points), ``ci_low``, ``ci_high``,
        ``teams`` (clusters behind the interval).
    """
    columns = [
        "item", "n_before", "mean_before", "n_after", "mean_after", "difference", "ci_low",
        "ci_high", "teams",
    ]  # fmt: skip
    if date is None:
        return pd.DataFrame(columns=columns)
    long = _survey_long(survey, date)
    rows = []
    for item in [i for i in SURVEY_ITEMS if i in set(long["item"])]:
        a = long.loc[(long["item"] == item) & (long["period"] == "before")]
        b = long.loc[(long["item"] == item) & (long["period"] == "after")]
        diff, low, high = _cluster.difference_interval(
            a["score"], b["score"], a["team"], b["team"]
        )
        rows.append(
            (
                item,
                len(a),
                a["score"].mean() if len(a) else np.nan,
                len(b),
                b["score"].mean() if len(b) else np.nan,
                diff,
                low,
                high,
                pd.concat([a["team"], b["team"]]).nunique(),
            )
        )
    return pd.DataFrame(rows, columns=columns)


def models_for_run(prepared: Any) -> dict[str, pd.DataFrame]:
    """Everything the traction report shows, computed once per run.

    Parameters
    ----------
    prepared : netlab.pipeline.Prepared

    Returns
    -------
    dict of str to DataFrame
        Empty when the run has no traction table; else ``stages``, ``shares``,
        ``shares_network`` (by year only), ``transitions``, ``time_to_stage``,
        ``reach_curve``, ``stage_outcomes``, and, when their tables are present,
        ``pdsa_activity``, ``survey_trends`` and ``survey_change``.
    """
    tables = prepared.tables
    traction = tables.get("traction")
    if traction is None or traction.empty:
        return {}
    params = prepared.params
    cohorts = tables.get("schools")
    if cohorts is None or "cohort" not in cohorts.columns:
        cohorts = prepared.units
    st = stages(traction, threshold=params.traction.threshold)
    out = {
        "stages": st,
        "shares": stage_shares(st, cohorts),
        "shares_network": stage_shares(st, cohorts, by=("year",)),
        "transitions": transitions(st),
        "time_to_stage": time_to_stage(st, cohorts),
    }
    out["reach_curve"] = reach_curve(out["time_to_stage"])
    rates = prepared.rates
    if params.unit != "school":
        # Teams are schools; when the run's unit is the district, relate each team's stage
        # to its own school's results.
        from netlab import measures

        rates = measures.compute_rates(tables, params.model_copy(update={"unit": "school"}))
    outcomes = stage_outcomes(st, rates, measure=params.focal_measure, min_cell=params.min_cell)
    outcomes.attrs = {}  # the caveat is STAGE_OUTCOME_CAVEAT; parquet need not carry it
    out["stage_outcomes"] = outcomes
    pdsa = tables.get("pdsa")
    if pdsa is not None and not pdsa.empty:
        out["pdsa_activity"] = pdsa_activity(pdsa)
    survey = tables.get("survey")
    if survey is not None and not survey.empty:
        out["survey_trends"] = survey_trends(survey, date=params.traction.spotlight_date)
        out["survey_change"] = survey_change(survey, date=params.traction.spotlight_date)
    return out
