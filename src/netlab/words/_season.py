"""What the FAFSA season says, in words: where completion stands, the weeks not reported,
and what the pace test finds.

Each function takes plain values (or the small frame of the pace test) and returns the
words as the report prints them; ``fafsa_season`` only looks up, draws and places them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from netlab.intervals import newcombe_diff
from netlab.words._format import capital as _capital
from netlab.words._format import listing as _list
from netlab.words._format import pct as _pct
from netlab.words._format import plural as _plural

__all__ = [
    "day_words",
    "late_start_words",
    "pace_words",
    "season_pace_words",
    "season_status_words",
    "unreported_caption_words",
]

#: A gap to last season at the same week this large (a share) is said in words.
UNLIKE_LAST = 0.05


def day_words(value: object) -> str:
    """A date as people write it: "8 March 2024".

    Parameters
    ----------
    value : date-like
        Anything :class:`pandas.Timestamp` reads.

    Returns
    -------
    str
        The day without a leading zero, the month's full name and the year ("8 March 2024").
    """
    t = pd.Timestamp(value)
    return f"{t.day} {t:%B %Y}"


def unreported_caption_words(skipped: int) -> str:
    """The caption's note on weekly snapshots that were not measurements ("" if none).

    Parameters
    ----------
    skipped : int
        How many weeks of the season no school of the unit reported.

    Returns
    -------
    str
        A sentence with a leading space, to follow the caption; "" when none was skipped.
    """
    if not skipped:
        return ""
    return (
        f" {_capital(_plural(skipped, 'weekly snapshot'))} "
        + ("was not a measurement" if skipped == 1 else "were not measurements")
        + " (counts suppressed for nearly every school): shaded, not drawn as zero."
    )


def season_status_words(
    *,
    day: object,
    week: int,
    rate: float,
    prior: float | None,
    not_reported: Mapping[int, object] | None = None,
) -> str:
    """Where the season stands at its last shown week, against last season.

    Parameters
    ----------
    day : date-like
        The date of the last shown week's snapshot.
    week : int
        Its week of the season.
    rate : float
        The share of seniors who had completed a FAFSA by then.
    prior : float or None
        The share at the same week last season (None: not known, or too few seniors).
    not_reported : mapping of int to date-like or None, optional
        The weeks not reported, each with its snapshot's date (None: no date known).

    Returns
    -------
    str
        One or more sentences, ending with a full stop. A gap to last season of at least
        :data:`UNLIKE_LAST` is said as "unlike the last"; unreported weeks are said to be a
        cause outside the schools' work, not a drop in completion.
    """
    text = (
        f"By {day_words(day)} (week {int(week)} of the season), {_pct(rate)} of "
        "seniors had completed a FAFSA"
    )
    if prior is not None and pd.notna(prior):
        text += f", against {_pct(prior)} at the same week last season"
        gap = float(rate) - float(prior)
        if abs(gap) >= UNLIKE_LAST:
            text += (
                f". This season is unlike the last: {abs(100 * gap):.0f} percentage points "
                + ("behind" if gap < 0 else "ahead")
                + " at the same week"
            )
    weeks = sorted((not_reported or {}).items())
    if weeks:
        n = len(weeks)
        days = _list([day_words(d) for _, d in weeks if d is not None])
        text += (
            f". In {'week' if n == 1 else 'weeks'} {_list([str(w) for w, _ in weeks])}"
            + (f" ({days})" if days else "")
            + " the counts were suppressed for nearly every school, so "
            + ("that week is" if n == 1 else "those weeks are")
            + " shaded as not reported: a cause outside the schools' work (a late or "
            "disrupted FAFSA launch shows up this way), not a drop in completion"
        )
    return text + "."


def pace_words(pace: pd.DataFrame | None) -> str:
    """What the pace test says, in plain words.

    Parameters
    ----------
    pace : pandas.DataFrame or None
        The weeks the pace was tested on, with :func:`netlab.spc.season_pace`'s columns
        (``n_useful``, ``run_signal``, ``crossing_signal``, ``in_long_run``, ``change``,
        ``longest_run``); None or empty when there is no earlier season to compare with.

    Returns
    -------
    str
        Fewer than 10 comparable weeks: the rules cannot tell yet. A long run: pulling
        ahead of (or falling behind) last season's pace. Too few crossings: the pace
        differs. Otherwise: no sign that it differs.
    """
    if pace is None or pace.empty:
        return (
            "There is no earlier season at the same weeks to compare this season's pace with "
            "(a cumulative curve always rises, so it is not judged on its own)."
        )
    useful = int(pace["n_useful"].max()) if "n_useful" in pace else 0
    if useful < 10:
        return (
            f"With {_plural(useful, 'week')} that can be compared with last season, the run-chart "
            "rules cannot yet tell a change of pace from ordinary week-to-week variation."
        )
    if bool(pace["run_signal"].any()):
        longest = int(pace["longest_run"].max())
        run = pace.loc[pace["in_long_run"].fillna(False).astype(bool)]
        if "run_length" in run:  # the longest run's weeks (the latest, where two are as long)
            run = run.loc[run["run_length"] == longest]
        ahead = bool(run["change"].iloc[-1] > 0)  # a run's weeks are all on one side
        return (
            f"For {longest} compared weeks in a row, "
            + ("more" if ahead else "fewer")
            + " seniors completed a FAFSA each week than in the same week last season: this "
            "season is "
            + ("pulling ahead of" if ahead else "falling behind")
            + " last season's pace by more than week-to-week chance gives."
        )
    if bool(pace["crossing_signal"].any()):
        return (
            "Week by week, this season's new completions stayed on one side of last season's "
            "for unusually long stretches: the pace differs from last season's by more than "
            "chance gives."
        )
    return (
        "Week by week, this season's new completions run sometimes ahead of and sometimes "
        "behind last season's at the same weeks, as chance gives: no sign that the pace "
        "differs from last season's."
    )


def _standing(row: Mapping, n: int | None, prior_n: int | None) -> tuple[str, int]:
    """Where the season stands at a week, and its side: 1 ahead, -1 behind, 0 level."""
    rate, prior = float(row["rate"]), float(row["prior_rate"])
    gap = rate - prior
    said = f"{_pct(rate)} against {_pct(prior)}"
    if n and prior_n:
        x1, x2 = round(rate * n), round(prior * prior_n)
        _, low, high = newcombe_diff(x1, n, x2, prior_n)
        said += f"; 95% interval of the difference {100 * low:+.0f} to {100 * high:+.0f} points"
        side = 0 if low <= 0 <= high else (1 if gap > 0 else -1)
    else:
        side = 0 if abs(gap) < UNLIKE_LAST else (1 if gap > 0 else -1)
    where = {1: f"{abs(100 * gap):.0f} points ahead of", -1: f"{abs(100 * gap):.0f} points "
             "behind", 0: "not clearly ahead of or behind"}[side]  # fmt: skip
    return (
        f"Where the season stands: by week {int(row['week'])} it is {where} last season at "
        f"the same week ({said})."
    ), side


def late_start_words(pace: pd.DataFrame) -> str:
    """Names a late start of last season ("" when both seasons started alike).

    Parameters
    ----------
    pace : pandas.DataFrame
        :func:`netlab.spc.season_pace` (its ``week``, ``rate`` and ``prior_rate``).

    Returns
    -------
    str
        A sentence with a leading space, to follow the pace words; "" when not late.
    """
    if pace is None or pace.empty:
        return ""
    first = pace.loc[pace["prior_rate"] > 0, "week"]
    ours = pace.loc[pace["rate"] > 0, "week"]
    if first.empty or ours.empty or int(first.min()) <= int(ours.min()) + 1:
        return ""
    return (
        f" Last season started late (its first completions came in week {int(first.min())}, "
        f"this season's in week {int(ours.min())}): the early weeks compare with a season not yet "
        "under way."
    )


def season_pace_words(
    pace: pd.DataFrame | None, *, n: int | None = None, prior_n: int | None = None
) -> str:
    """Two plain statements, as the chart shows them: where the season stands, how it moves.

    Parameters
    ----------
    pace : pandas.DataFrame or None
        :func:`netlab.spc.season_pace` (week, rate, prior_rate, change and the run-chart
        columns of the change).
    n, prior_n : int, optional
        Seniors this season and last; with them the standing carries its interval.

    Returns
    -------
    str
        "Where the season stands: …" (ahead, behind or level with last season at the same
        week, with the interval), then "How it is moving: …" (the weekly pace against last
        season's, read with the run-chart rules, said against the standing: a lead that is
        narrowing, a gap that is closing), and a late start of last season named.
    """
    if pace is None or pace.empty:
        return pace_words(pace)
    stand, side = _standing(pace.iloc[-1], n, prior_n)
    useful = int(pace["n_useful"].max()) if "n_useful" in pace else 0
    if useful < 10 or not bool(pace["run_signal"].fillna(False).any()):
        move = (
            "How it is moving: week by week, new completions run like last season's at the same "
            "weeks (no run-chart signal)"
            if useful >= 10
            else f"How it is moving: with {_plural(useful, 'comparable week')} the run-chart "
            "rules cannot yet tell a change of pace from chance"
        )
        move += {1: ", so the lead holds.", -1: ", so the gap holds.", 0: "."}[side]
        return stand + " " + move + late_start_words(pace)
    # the latest long run tells how the season is moving now (an early run may differ)
    run = pace.loc[pace["in_long_run"].fillna(False).astype(bool), ["week", "change"]]
    faster = bool(run["change"].iloc[-1] > 0)
    # the latest long run's length: the flagged weeks up to its last one
    flags = pace["in_long_run"].fillna(False).astype(bool).to_numpy().copy()
    flags &= np.sign(pace["change"].fillna(0).to_numpy()) == (1 if faster else -1)
    end = int(np.flatnonzero(flags)[-1])
    gaps = np.flatnonzero(~flags[:end])
    weeks = end - (int(gaps[-1]) + 1 if len(gaps) else 0) + 1
    pace_said = (
        f"for {weeks} compared weeks in a row, {'more' if faster else 'fewer'} seniors "
        "completed a FAFSA each week than in the same week last season, "
        f"{'faster' if faster else 'slower'} than last season's pace"
    )
    meaning = {
        (1, True): "the lead is growing",
        (1, False): "still ahead, but the lead is narrowing",
        (-1, True): "still behind, but catching up",
        (-1, False): "the gap is growing",
        (0, True): "no clear lead yet, but gaining on last season",
        (0, False): "no clear gap yet, but losing ground to last season",
    }[(side, faster)]
    return f"{stand} How it is moving: {pace_said}: {meaning}.{late_start_words(pace)}"
