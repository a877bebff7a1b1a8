"""What the aim's figures say, in words: whether it is on track, how many more students
count than in the baseline year, and the range its present pace may reach by its date.

Each function takes plain values and returns the sentence as the report prints it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from netlab.words._format import capital as _capital
from netlab.words._format import escape as _E
from netlab.words._format import pct as _pct

__all__ = [
    "aim_outlook_words",
    "aim_status_words",
    "how_many_more_words",
    "more_students_words",
    "no_status_words",
    "to_target_words",
]


def aim_status_words(
    *,
    target: float,
    by: date,
    rate: float,
    year: int,
    expected: float,
    base_rate: float,
    baseline_year: int,
    where: str,
    status: str,
) -> str:
    """Whether the aim is on track, in one sentence.

    Parameters
    ----------
    target : float
        The aim's target rate.
    by : datetime.date
        When the target is to be met.
    rate, year : float, int
        The latest rate shown and its year.
    expected : float
        The rate a straight path from the baseline to the target gives for ``year``.
    base_rate, baseline_year : float, int
        The baseline rate and its year.
    where : str
        The unit's name (escaped here), or "the network".
    status : str
        "met", "not met", "on track" or "not yet on track".

    Returns
    -------
    str
        Two sentences of HTML: the aim (target and date), then the latest rate against
        the straight path's and the baseline's, ending in ``status`` in bold.
    """
    return (
        f"The aim is {_pct(target)} by {by:%B %Y}. At {_pct(rate)} in "
        f"{int(year)}, against about {_pct(expected)} on a straight path from "
        f"the baseline ({_pct(base_rate)} in {baseline_year}), "
        f"{_E(where)} is <strong>{status}</strong>."
    )


def more_students_words(more: int, people: str, baseline_year: int) -> str:
    """How many more (or fewer) students count than in the baseline year.

    Parameters
    ----------
    more : int
        This year's count minus the baseline year's.
    people : str
        Who is counted, as it reads after a number ("students").
    baseline_year : int

    Returns
    -------
    str
        One sentence, ``people`` escaped: "That is 40 more students than in 2021." (or
        "fewer", or "as many ... as" when the counts are equal).
    """
    if more == 0:
        return f"That is as many {_E(people)} as in {baseline_year}."
    verb = "more" if more > 0 else "fewer"
    return f"That is {abs(more):,} {verb} {_E(people)} than in {baseline_year}."


def aim_outlook_words(
    outlook: dict[str, Any],
    *,
    by: date,
    baseline_year: int,
    target: float | None,
    direction: str = "higher",
) -> str:
    """The range the rate may reach by the aim's date at its present pace, in words.

    Parameters
    ----------
    outlook : dict
        What :func:`netlab.measures.aim_outlook` returns (``reason``, ``projected``,
        ``n_years``, ``pace_pp``, ``first_year``, ``low``, ``high``, ``level``).
    by : datetime.date
        The aim's date.
    baseline_year : int
    target : float or None
        The target rate to set against the range (None: say nothing of a target).
    direction : str
        "higher" when a higher rate is better, else "lower".

    Returns
    -------
    str
        Empty once the aim's year has been reached.
    """
    o = outlook
    if o["reason"] == "the aim's year has been reached":
        return ""
    if np.isnan(o["projected"]):
        return (
            f"A range for {by:%B %Y} needs at least four years of results since "
            f"{baseline_year}; there are {o['n_years']}."
        )
    pace = o["pace_pp"]
    trend = (
        f"{'up' if pace >= 0 else 'down'} about {abs(pace):.1f} points a year since "
        f"{o['first_year']}"
    )
    text = (
        f"At this pace ({trend}), the rate is likely to be between {_pct(o['low'])} and "
        f"{_pct(o['high'])} by {by:%B %Y} ({o['level']:.0%} range from the trend so far; "
        "it follows the pace, so a change in practice or in the students changes it)."
    )
    if target is not None:
        sign = 1 if direction == "higher" else -1
        if sign * (target - (o["high"] if sign > 0 else o["low"])) > 0:
            text += f" The target of {_pct(target)} lies beyond that range: at this pace it would not be met."
        elif sign * ((o["low"] if sign > 0 else o["high"]) - target) >= 0:
            text += f" The whole range clears the target of {_pct(target)}."
        else:
            text += f" The target of {_pct(target)} lies within that range."
    return text


def to_target_words(gap: int, people: str) -> str:
    """How many more of this year's students would count at the target rate.

    Parameters
    ----------
    gap : int
        More students this year would need to count to meet the target rate.
    people : str
        Who is counted, as it reads after a number.

    Returns
    -------
    str
        Begins with a space: it follows the status sentence.
    """
    return f" At the target rate, about {gap:,} more of this year's {_E(people)} would count."


def no_status_words(*, phrase: str, who: str, rate: float, year: int, baseline_year: int) -> str:
    """The latest figure, where the baseline year has none to compare it with.

    Parameters
    ----------
    phrase : str
        The aim's measure as a phrase (escaped here).
    who : str
        The group.
    rate, year : float, int
        The latest rate shown and its year.
    baseline_year : int

    Returns
    -------
    str
        One sentence, escaped: the group's latest rate and its year, and that the aim's
        status is not worked out because the baseline year has no figure.
    """
    return (
        f"{_capital(_E(phrase))} for {_E(who)}: {_pct(rate)} in "
        f"{int(year)}; the baseline year {baseline_year} has no "
        "figure to compare with, so the aim's status is not computed."
    )


def how_many_more_words(
    *,
    phrase: str,
    people: str,
    more: int | None,
    year: int,
    baseline_year: int,
    count: float,
    base_count: float | None,
    to_target: int | None,
    target: float,
) -> str | None:
    """How many more students count than in the baseline year, and how many more the
    target would take this year.

    Parameters
    ----------
    phrase : str
        The aim's measure as a phrase (escaped here).
    people : str
        Who is counted, as it reads after a number.
    more : int or None
        This year's count minus the baseline year's (None: no baseline shown).
    year, baseline_year : int
    count, base_count : float
        This year's and the baseline year's counts.
    to_target : int or None
        More students this year would need to count to meet the target (0: it is met;
        None: not computed).
    target : float
        The target rate.

    Returns
    -------
    str or None
        None when there is nothing to say.
    """
    said = []
    if more is not None:
        verb = "more" if more >= 0 else "fewer"
        said.append(
            f"{_E(_capital(phrase))}: {abs(more):,} {verb} "
            f"{_E(people)} in {int(year)} than in the baseline year "
            f"{baseline_year} ({int(count):,} against "
            f"{int(base_count):,})."  # type: ignore[arg-type]
        )
    if to_target:
        said.append(
            f"About {to_target:,} more this year would reach the target rate of {_pct(target)}."
        )
    elif to_target == 0:
        said.append(f"This year's rate meets the target of {_pct(target)}.")
    return _capital(" ".join(said)) if said else None
