"""Traction in words: a unit's stage from its teams' stages, and how teams moved."""

from __future__ import annotations

import pandas as pd

from netlab.words._format import escape as _E
from netlab.words._format import plural as _plural

__all__ = ["STAGES", "stage_of_teams", "transition_words"]


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
