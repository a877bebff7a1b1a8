"""What the results say, in words: where a unit sits, where the network varies, who is a
bright spot, how teams move between stages of traction.

Each function takes plain values (or a small frame) and returns the sentence as the
report prints it (HTML, with names escaped); the sections only look up, draw and place
these sentences. Where, for whom, ahead or behind, singular or plural are decided here,
so they can be tested on small hand-made inputs.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from netlab.report._html import _E, _capital, _int, _list, _pct, _plural

__all__ = [
    "bright_spot_words",
    "constellation_words",
    "funnel_hidden_words",
    "funnel_place",
    "funnel_position_words",
    "gap_words",
    "no_bright_spot_words",
    "share_words",
    "spread_words",
    "stage_of_teams",
    "transition_words",
]


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
        f"{_E(who)} at {_E(where)}, against {_pct(network_rate)} across "
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
        f"The network varies most on <strong>{_E(phrase)}</strong> for {_E(who)}"
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
        f"{_E(who)}: none is clearly among the network's best "
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
        + f" on {_E(phrase)} for {_E(who)}: pooling {first}–{last}, "
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
