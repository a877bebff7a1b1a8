"""Where results vary, in words: where a unit sits in the funnel, how far units differ
beyond chance, whether the network is becoming a constellation.

Each function takes plain values (or a small frame) and returns the sentence as the
report prints it (HTML, with names escaped); the sections only look up, draw and place
these sentences. Where, for whom, ahead or behind, singular or plural are decided here,
so they can be tested on small hand-made inputs.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from netlab.words._format import capital as _capital
from netlab.words._format import escape as _E
from netlab.words._format import pct as _pct
from netlab.words._format import plural as _plural
from netlab.words._format import whole as _int

__all__ = [
    "adjustment_note",
    "constellation_words",
    "funnel_hidden_words",
    "funnel_outside_words",
    "funnel_place",
    "funnel_position_words",
    "overdispersion_words",
    "spread_words",
]


# --------------------------------------------------------------------------------------
# Where results vary
# --------------------------------------------------------------------------------------


def funnel_outside_words(places: pd.Series, noun: str) -> str:
    """Which units sit outside the funnel's limits, counted, for the note under the index.

    Parameters
    ----------
    places : pandas.Series
        Each unit's place: ``"above"``, ``"below"``, ``"within"`` (or missing).
    noun : str
        The unit noun in lower case.

    Returns
    -------
    str
        One or two sentences.
    """
    above, below = int((places == "above").sum()), int((places == "below").sum())
    if not above and not below:
        return (
            f"Every {noun} with a figure is within the 99.8% limits around the network rate, "
            f"so the table has no column for a {noun} outside them."
        )
    sides = [f"{n} above" for n in (above,) if n] + [f"{n} below" for n in (below,) if n]
    return (
        f"{noun.capitalize()}s outside the 99.8% limits around the network rate: "
        f"{' and '.join(sides)}. The funnel column names them and is blank for a {noun} "
        "within the limits."
    )


def funnel_place(flag: Any) -> str:
    """Where a point lies on the funnel plot: "above the upper limit", "within the limits".

    Parameters
    ----------
    flag : object
        The funnel's flag for the point ("above", "below", anything else: within).

    Returns
    -------
    str
        "above the upper limit" for ``"above"``, "below the lower limit" for ``"below"``,
        else "within the limits", as said after a unit's rate.
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
        One sentence, escaped: the unit's rate for the group and the students it rests on,
        against the network rate, where it lies on the funnel, and whether a difference that
        size is unusual or within ordinary variation.
    """
    place = funnel_place(flag)
    return (
        f"{_E(short)}, {year}: {_pct(rate)} of {_int(n)} "
        f"{_E('students' if who == 'all students' else who)} at {_E(where)}, against {_pct(network_rate)} across "
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
        One sentence: how many units have fewer than ``min_cell`` focal students (or are
        hidden so that one of those cannot be worked out) and so are not drawn.
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
        Two sentences of HTML: the measure the network varies most on, in bold, and, when
        ``sd`` is known, how many percentage points units' rates typically sit from the
        network rate; then that there is most to learn where units differ most.
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
    floors: tuple[float, float] | None = None,
) -> str:
    """How the network rate and the band of its units moved, and what that makes it.

    The band is the middle half of units' rates; its width is said in points. A band that
    narrows while its floor rises is the network becoming a constellation (most units
    improving); a band that widens while its top pulls away is a few stars.

    Parameters
    ----------
    first_year, last_year : int
    rates : tuple of float
        The network rate in the first and the last year.
    iqrs : tuple of float
        The width of the middle half of units' rates in the first and the last year.
    noun : str
        The unit noun in lower case.
    floors : tuple of float, optional
        The bottom of that band (the lower quartile) in the first and the last year.

    Returns
    -------
    str
        Two sentences: the network rate in the first and the last year; then the width of
        the middle half of units' rates in each, and what the change makes the network
        (moving together, a constellation, or a few stars pulling away).

    Examples
    --------
    >>> constellation_words(first_year=2019, last_year=2026, rates=(0.2, 0.3),
    ...     iqrs=(0.099, 0.062), noun="school", floors=(0.15, 0.27))  # doctest: +NORMALIZE_WHITESPACE
    'From 2019 to 2026 the network rate went from 20% to 30%. The middle half of schools
    sat in a band 9.9 points wide in 2019 and 6.2 points wide in 2026: narrower, with its
    floor up 12 points, so the network is moving toward a constellation, most schools
    improving together.'
    """
    w0, w1 = 100 * float(iqrs[0]), 100 * float(iqrs[1])
    head = (
        f"From {int(first_year)} to {int(last_year)} the network rate went from "
        f"{_pct(rates[0])} to {_pct(rates[1])}. The middle half of {noun}s sat in a band "
        f"{w0:.1f} points wide in {int(first_year)} and {w1:.1f} points wide in "
        f"{int(last_year)}"
    )
    change = w1 - w0
    floor = None if floors is None else 100 * (float(floors[1]) - float(floors[0]))
    if abs(change) < 1.0:
        tail = (
            f": about as wide, the {noun}s moving together rather than drawing apart"
            if floor is None or floor >= 0
            else f": about as wide, with its floor down {abs(floor):.0f} points"
        )
    elif change < 0:
        tail = (
            f": narrower, with its floor up {floor:.0f} points, so the network is moving "
            f"toward a constellation, most {noun}s improving together"
            if floor is not None and floor > 0
            else f": narrower, {noun}s drawing closer together"
        )
    else:
        tail = (
            f": wider, so the network is widening around a few stars, some {noun}s pulling "
            "away from the rest"
            if floor is None or floor < change
            else f": wider, though its floor rose {floor:.0f} points too"
        )
    return head + tail + "."


def overdispersion_words(*, phi: float, tau: float, noun: str) -> str:
    """How much more units differ than chance alone would make them, in points.

    Parameters
    ----------
    phi : float
        The funnel's overdispersion factor (1: no more spread than chance).
    tau : float
        The between-unit standard deviation beyond chance (a share).
    noun : str
        The unit noun in lower case.

    Returns
    -------
    str
        Empty when the numbers are missing.

    Examples
    --------
    >>> overdispersion_words(phi=6.57, tau=0.068, noun="school")
    'Schools differ about 7 points more than chance alone would make them, given their sizes.'
    >>> overdispersion_words(phi=0.9, tau=0.0, noun="school")
    'Schools differ no more than chance alone would make them, given their sizes.'
    """
    if phi is None or pd.isna(phi):
        return ""
    if float(phi) <= 1.0 or tau is None or pd.isna(tau) or 100 * float(tau) < 0.5:
        return (
            f"{_capital(noun)}s differ no more than chance alone would make them, given "
            "their sizes."
        )
    return (
        f"{_capital(noun)}s differ about {100 * float(tau):.0f} points more than chance alone "
        "would make them, given their sizes."
    )


def adjustment_note(has_students: bool) -> str:
    """Plain-language note on whether school comparisons are adjusted for case mix.

    Parameters
    ----------
    has_students : bool
        Whether the run has student records.

    Returns
    -------
    str
        A sentence a report can print beside funnels and bright spots.
    """
    if has_students:
        return (
            "Observed/expected ratios are adjusted for the mix of students each school serves "
            "(low-income, race/ethnicity, English learner, first-generation and GPA where "
            "recorded), using one model fitted across the whole network. Rates, funnels and "
            "shrunken estimates are not adjusted."
        )
    return (
        "These figures are unadjusted: this run has school-level counts only, so differences "
        "between schools may partly reflect the students they serve rather than their practice."
    )
