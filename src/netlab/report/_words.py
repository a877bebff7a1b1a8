"""What the results say, in words: the sentences that interpret a section's figures.

Each function takes plain values (or a small frame) and returns the sentence as the
report prints it (HTML, with names escaped); the sections only look up, draw and place
these sentences. Where, for whom, ahead or behind, singular or plural are decided here,
so they can be tested on small hand-made inputs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from netlab.report._html import _E, _capital, _int, _list, _pct, _plural

__all__ = [
    "aim_outlook_words",
    "aim_status_words",
    "bright_spot_words",
    "constellation_words",
    "funnel_hidden_words",
    "funnel_place",
    "funnel_position_words",
    "gap_words",
    "more_students_words",
    "no_bright_spot_words",
    "share_words",
    "spread_words",
    "stage_of_teams",
    "transition_words",
]


# --------------------------------------------------------------------------------------
# The aim
# --------------------------------------------------------------------------------------


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
    """
    if more == 0:
        return f"That is as many {people} as in {baseline_year}."
    verb = "more" if more > 0 else "fewer"
    return f"That is {abs(more):,} {verb} {people} than in {baseline_year}."


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


# --------------------------------------------------------------------------------------
# Where results vary
# --------------------------------------------------------------------------------------


def funnel_place(flag: Any) -> str:
    """Where a point lies on the funnel plot: "above the upper limit", "within the limits".

    Parameters
    ----------
    flag : object
        The funnel's flag for the point ("above", "below", anything else: within).

    Returns
    -------
    str
    """
    return {"above": "above the upper limit", "below": "below the lower limit"}.get(
        str(flag), "within the limits"
    )


def funnel_position_words(
    *,
    short: str,
    year: int,
    rate: float,
    n: float,
    who: str,
    where: str,
    network_rate: float,
    flag: Any,
) -> str:
    """One unit's place in the network's funnel, and whether its difference is unusual.

    Parameters
    ----------
    short : str
        The measure's short label.
    year : int
    rate, n : float
        The unit's rate and the students it rests on.
    who : str
        The group ("Black, Latinx ... students").
    where : str
        The unit's name (escaped here).
    network_rate : float
        The network rate the limits are drawn around.
    flag : object
        The funnel's flag for the unit (see :func:`funnel_place`).

    Returns
    -------
    str
    """
    place = funnel_place(flag)
    return (
        f"{_E(short)}, {year}: {_pct(rate)} of {_int(n)} "
        f"{who} at {_E(where)}, against {_pct(network_rate)} across "
        f"the network: {place} (a difference this size "
        + (
            "is unusual"
            if place != "within the limits"
            else "is within what chance and ordinary variation give"
        )
        + " for a group this size)."
    )


def funnel_hidden_words(hidden: int, noun: str, min_cell: int) -> str:
    """Why some units are not drawn on the funnel plot.

    Parameters
    ----------
    hidden : int
        How many units are not drawn.
    noun : str
        The unit noun in lower case ("school").
    min_cell : int

    Returns
    -------
    str
    """
    return (
        f"{_capital(_plural(hidden, noun))} with fewer than {min_cell} "
        "focal students (or hidden so that such a one cannot be worked out from the "
        "rest) " + ("is" if hidden == 1 else "are") + " not drawn."
    )


def spread_words(*, phrase: str, who: str, noun: str, sd: float | None) -> str:
    """Where the network varies most, and how far units typically sit from its rate.

    Parameters
    ----------
    phrase : str
        The measure with the widest spread, as a phrase (escaped here).
    who : str
        The group.
    noun : str
        The unit noun in lower case.
    sd : float or None
        The between-unit standard deviation (a share); None or NaN: not said.

    Returns
    -------
    str
    """
    return (
        f"The network varies most on <strong>{_E(phrase)}</strong> for {who}"
        + (
            f": {noun}s' rates typically sit about {100 * float(sd):.0f} percentage "
            "points from the network rate"
            if sd is not None and pd.notna(sd)
            else ""
        )
        + f". Where {noun}s differ most, there is most to learn from each other."
    )


def constellation_words(
    *,
    first_year: int,
    last_year: int,
    rates: tuple[float, float],
    iqrs: tuple[float, float],
    noun: str,
) -> str:
    """How the network rate and the spread between units moved over the years.

    Parameters
    ----------
    first_year, last_year : int
    rates : tuple of float
        The network rate in the first and the last year.
    iqrs : tuple of float
        The span of the middle half of units' rates in the first and the last year.
    noun : str
        The unit noun in lower case.

    Returns
    -------
    str
    """
    return (
        f"From {int(first_year)} to {int(last_year)} the network rate went from "
        f"{_pct(rates[0])} to {_pct(rates[1])}, and the middle half of "
        f"{noun}s went from spanning {_pct(iqrs[0], 1)} to {_pct(iqrs[1], 1)}."
    )


def share_words(share: float) -> str:
    """The bright-spot rule's share of units in words: "tenth", or "20%"."""
    return "tenth" if abs(float(share) - 0.1) < 1e-9 else f"{float(share):.0%}"


def no_bright_spot_words(*, noun: str, phrase: str, who: str, share: float) -> str:
    """The sentence said when no unit is a bright spot.

    Parameters
    ----------
    noun : str
        The unit noun in lower case.
    phrase : str
        The measure as a phrase (escaped here).
    who : str
        The group.
    share : float
        The rule's share of best units (0.1: "tenth").

    Returns
    -------
    str
    """
    return (
        f"No {noun} is a bright spot on {_E(phrase)} for "
        f"{who}: none is clearly among the network's best "
        f"{share_words(share)} of {noun}s, year after year."
    )


def bright_spot_words(
    names: list[str],
    *,
    noun: str,
    phrase: str,
    who: str,
    first: int,
    last: int,
    probability: float,
    share: float,
    margin: float = 0.0,
) -> str:
    """The bright spots and the evidence that makes each one.

    Parameters
    ----------
    names : list of str
        The bright spots as the report may name them, best first (escaped here).
    noun : str
        The unit noun in lower case.
    phrase : str
        The measure as a phrase (escaped here).
    who : str
        The group.
    first, last : int
        The years pooled.
    probability : float
        The least chance of being among the best that the rule asks.
    share : float
        The rule's share of best units.
    margin : float
        How far above the network rate the estimate must be (a share; 0: just above).

    Returns
    -------
    str
    """
    n = len(names)
    return (
        f"{_capital(_plural(n, noun))} "
        + ("is a bright spot" if n == 1 else "are bright spots")
        + f" on {_E(phrase)} for {who}: pooling {first}–{last}, "
        + ("it" if n == 1 else "each")
        + f" is at least {float(probability):.0%} likely to be among the network's best "
        f"{share_words(share)} of {noun}s, "
        + ("its" if n == 1 else "each one’s")
        + " estimate (pulled toward the network in proportion to how little data it has) "
        "is above the network rate"
        + (f" by more than {100 * margin:g} points" if margin > 0 else "")
        + " with 95% confidence, and it was better than the network in most single years "
        "too: "
        + _list([_E(x) for x in names])
        + ". A bright spot is a place to learn from; its results track with what it does "
        "and whom it serves, and do not by themselves show why."
    )


def gap_words(gap: float, low: float, high: float) -> str:
    """A gap in percentage points with its interval, kept on one line: "12 pp (3 to 20)".

    Parameters
    ----------
    gap, low, high : float
        The gap and its interval, in percentage points (missing: "—").

    Returns
    -------
    str
    """
    if pd.isna(gap):
        return "—"
    # no-break spaces: the interval stays on one line in a narrow column
    text = f"{gap:.0f}\u00a0pp"
    if pd.notna(low) and pd.notna(high):
        text += f" ({low:.0f}\u00a0to\u00a0{high:.0f})"
    return text


# --------------------------------------------------------------------------------------
# Traction
# --------------------------------------------------------------------------------------


#: The stages of traction, from none to the furthest.
STAGES = ("no traction", "initiation", "spread", "sustainability")


def stage_of_teams(found: list[str], teams: int) -> str:
    """A unit's stage from its teams' stages: the furthest one, and how many reached it.

    Parameters
    ----------
    found : list of str
        The latest stage of each of the unit's teams that has one.
    teams : int
        How many teams the unit has (one: its team's stage as it is).

    Returns
    -------
    str
        "spread", or "spread (2 of 3 teams)".
    """
    if teams == 1:
        return found[0]
    top = max(found, key=lambda s: STAGES.index(s) if s in STAGES else -1)
    return f"{top} ({sum(f == top for f in found)} of {_plural(len(found), 'team')})"


def transition_words(moves: pd.DataFrame) -> str | None:
    """How teams moved between stages, over all pairs of years.

    Parameters
    ----------
    moves : pandas.DataFrame
        ``change`` (e.g. "moved up") and ``teams``, one row per kind of change.

    Returns
    -------
    str or None
        None when no team-year is counted.
    """
    total = moves["teams"].sum()
    if not total:
        return None
    parts = ", ".join(
        f"{int(t)} {c}" for c, t in zip(moves["change"], moves["teams"], strict=True)
    )
    return f"Over all pairs of years, of {int(total)} team-years: {_E(parts)}."
