"""Words for "since last term": a unit's change and moves, the network's, revisions.

Pure functions from a row (or a small frame) of :func:`netlab.pipeline.since_last_term`
to short text, tested on hand-made rows. A rate change is said only when both terms' rates
rest on at least ``min_cell`` students.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from netlab import privacy

_PLACE = {"above": "above the limits", "below": "below the limits", "within": "within the limits"}


def _get(row: Any, name: str) -> Any:
    value = row.get(name) if isinstance(row, dict) else getattr(row, name, None)
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def change_shown(row: Any, min_cell: int) -> bool:
    """True when both terms' rates rest on at least ``min_cell`` students.

    Parameters
    ----------
    row : dict or Series
        One unit's row of :func:`netlab.pipeline.since_last_term`.
    min_cell : int
        The run's minimum cell size: no figure rests on fewer students.

    Returns
    -------
    bool
        True when the row has this term's and last term's denominators and neither is under
        ``min_cell``, so the change between them may be shown; False when either is missing
        or under it.
    """
    now, then = _get(row, "denominator"), _get(row, "previous_denominator")
    return (
        now is not None
        and then is not None
        and not privacy.too_small(now, min_cell)
        and not privacy.too_small(then, min_cell)
    )


def moves(row: Any) -> list[str]:
    """The unit's moves between terms: funnel place, bright spot, traction stage.

    Parameters
    ----------
    row : dict or Series
        One unit's row of :func:`netlab.pipeline.since_last_term`.

    Returns
    -------
    list of str
        One phrase per move ("now a bright spot"); empty when it did not move.
    """
    out = []
    place, before = _get(row, "funnel"), _get(row, "previous_funnel")
    if place and before and place != before:
        verb = "moved" if place != "within" else "back"
        out.append(f"{verb} {_PLACE.get(place, place)} (was {_PLACE.get(before, before)})")
    bright, was = bool(_get(row, "bright_spot")), bool(_get(row, "previous_bright_spot"))
    if bright and not was:
        out.append("now a bright spot")
    elif was and not bright:
        out.append("no longer a bright spot")
    stage, previous = _get(row, "stage"), _get(row, "previous_stage")
    if stage and previous and stage != previous:
        out.append(f"traction stage {previous} → {stage}")
    return out


def since_cell(row: Any, min_cell: int) -> str:
    """The index's "since last term" cell: "+2.1 points; now a bright spot".

    Parameters
    ----------
    row : dict or Series
        One unit's row of :func:`netlab.pipeline.since_last_term`.
    min_cell : int
        The run's minimum cell size: no figure rests on fewer students.

    Returns
    -------
    str
        The change in signed points where it may be shown (else why it is not), then the
        unit's moves ("now a bright spot"), joined by "; "; "no change in place" when there
        is neither.
    """
    parts = []
    change = _get(row, "change")
    if change is not None and change_shown(row, min_cell):
        parts.append(f"{100 * change:+.1f} points")
    elif change is not None:  # hidden, and said why: not "no change"
        parts.append(f"change not shown (fewer than {min_cell} students in a term)")
    parts += moves(row)
    return "; ".join(parts) if parts else "no change in place"


def unit_since_words(row: Any, *, phrase: str, who: str, min_cell: int) -> str:
    """A school's report: what changed for it since last term, in one or two sentences.

    Parameters
    ----------
    row : dict or Series
        One unit's row of :func:`netlab.pipeline.since_last_term`.
    phrase : str
        The focal measure as said in a sentence.
    who : str
        The focal group as said in a sentence.
    min_cell : int
        The run's minimum cell size: no figure rests on fewer students.

    Returns
    -------
    str
        One sentence with the rate then and now and each class and term, or saying why the
        two cannot be compared; then, when the unit moved (funnel place, bright spot,
        traction stage), a second sentence naming the moves.
    """
    term, before = _get(row, "term"), _get(row, "previous_term")
    year, was_year = _get(row, "year"), _get(row, "previous_year")
    head = f"Since last term ({before})"
    if _get(row, "change") is not None and change_shown(row, min_cell):
        text = (
            f"{head}, {phrase} for {who} went from {100 * row['previous_rate']:.0f}% "
            f"(class of {int(was_year)}) to {100 * row['rate']:.0f}% (class of {int(year)}, "
            f"{term})."
        )
    else:
        text = (
            f"{head}, {phrase} for {who} cannot be compared: one of the two figures rests "
            f"on fewer than {min_cell} students or is not shown."
        )
    moved = moves(row)
    return text + (" " + "; ".join(moved).capitalize() + "." if moved else "")


def network_since_words(frame: pd.DataFrame, *, noun: str, min_cell: int) -> list[str]:
    """The network report's first screen: how many units rose, fell and moved.

    Parameters
    ----------
    frame : pandas.DataFrame
        :func:`netlab.pipeline.since_last_term`, one row per unit.
    noun : str
        The unit noun in lower case.
    min_cell : int
        The run's minimum cell size: no figure rests on fewer students.

    Returns
    -------
    list of str
        Sentences: the rises and falls, then the moves; empty when ``frame`` is.
    """
    if frame.empty:
        return []
    first = frame.iloc[0]
    shown = frame[[change_shown(r, min_cell) for r in frame.to_dict("records")]]
    up = int((shown["change"] > 0).sum())
    down = int((shown["change"] < 0).sum())
    out = [
        f"Since last term ({first['previous_term']}): {up} {noun}s' latest class did better "
        f"than the class before, {down} did worse (of {len(shown)} with enough students in "
        "both)."
    ]
    counts: dict[str, int] = {}
    for row in frame.to_dict("records"):
        for move in moves(row):
            key = move.split(" (was")[0]
            counts[key] = counts.get(key, 0) + 1
    if counts:
        out.append(
            "Moves: "
            + "; ".join(
                f"{n} {noun}{'s' if n != 1 else ''}: {k}" for k, n in sorted(counts.items())
            )
            + "."  # fmt: skip
        )
    return out


def revision_words(n: int, *, previous_term: str, classes: list[int]) -> str:
    """One sentence saying how many figures a new pull revised.

    Parameters
    ----------
    n : int
        How many figures of earlier classes the pull changed.
    previous_term : str
        Last term's name.
    classes : list of int
        The class years of the figures changed.

    Returns
    -------
    str
        One sentence: that no figure of an earlier class changed since last term, or how
        many did and for which classes, and that each is listed with both values and their
        dates.
    """
    if n == 0:
        return f"No figure of an earlier class changed since last term ({previous_term})."
    years = ", ".join(str(y) for y in sorted(set(classes)))
    return (
        f"The new data revised {n} figure{'s' if n != 1 else ''} of earlier classes "
        f"(class of {years}) since last term ({previous_term}): each is listed with both "
        "values and their dates."
    )
