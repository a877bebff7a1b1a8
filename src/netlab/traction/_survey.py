"""The staff survey: item means per term, and their change after a date, clustered by team."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from netlab import paths, yamlfile
from netlab.checks import check_columns
from netlab.traction._cluster import difference_interval, mean_interval
from netlab.traction._terms import term_of

__all__ = ["SURVEY_ITEMS", "survey_change", "survey_label", "survey_trends"]

#: Survey items about the network (Likert 1 to 5).
SURVEY_ITEMS = ("connected", "voice", "implementing")

#: How a report names each item (``data/survey.yaml``).
SURVEY_LABELS: dict[str, str] = yamlfile.load(
    (paths.PACKAGE_DATA / "survey.yaml").read_text(encoding="utf-8")
)


def survey_label(item: str) -> str:
    """A survey item as a report names it: "voice" → "Having a voice in the network".

    Parameters
    ----------
    item : str
        The survey item's name.

    Returns
    -------
    str
        A survey item as a report names it: "voice" → "Having a voice in the network".
    """
    return SURVEY_LABELS.get(str(item), str(item).replace("_", " ").capitalize())


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
        mean, low, high, kind = mean_interval(part["score"], part["team"])
        rows.append(
            (*key, part["date"].min(), len(part), mean, low, high, kind),
        )
    columns = [*keys, "first_date", "n", "mean", "ci_low", "ci_high", "covariance"]
    return pd.DataFrame(rows, columns=columns)


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
        freedom), ``covariance`` (``"CR3"``, or ``"CR1"`` when the jackknife could not be
        computed), sorted by item and date.
    """
    long = _survey_long(survey, date)
    out = _summarise(long, ["item", "term", "period"])
    return out.sort_values(["item", "first_date"], ignore_index=True)


def survey_change(survey: pd.DataFrame, *, date: dt.date | None) -> pd.DataFrame:
    """Each survey item's mean before and after a date, and the difference, clustered by team.

    Staff responses come from a few dozen teams (one per school), and responses of one team
    move together, so the interval of the difference is cluster-robust by team (CR3, the
    leave-one-team-out jackknife, with t on teams - 1 degrees of freedom; CR1 when one team
    alone answered in a period; see :mod:`netlab.traction._cluster`), not one that counts
    every response as independent.

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
        ``teams`` (clusters behind the interval), ``covariance`` (as for
        :func:`survey_trends`).
    """
    columns = [
        "item", "n_before", "mean_before", "n_after", "mean_after", "difference", "ci_low",
        "ci_high", "teams", "covariance",
    ]  # fmt: skip
    if date is None:
        return pd.DataFrame(columns=columns)
    long = _survey_long(survey, date)
    rows = []
    for item in [i for i in SURVEY_ITEMS if i in set(long["item"])]:
        a = long.loc[(long["item"] == item) & (long["period"] == "before")]
        b = long.loc[(long["item"] == item) & (long["period"] == "after")]
        diff, low, high, kind = difference_interval(a["score"], b["score"], a["team"], b["team"])
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
                kind,
            )
        )
    return pd.DataFrame(rows, columns=columns)
