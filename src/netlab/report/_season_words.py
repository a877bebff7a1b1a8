"""What the FAFSA season says, in words: where completion stands, the weeks not reported,
and what the pace test finds.

Each function takes plain values (or the small frame of the pace test) and returns the
words as the report prints them; ``fafsa_season`` only looks up, draws and places them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from netlab.report._html import _capital, _list, _pct, _plural

__all__ = ["day_words", "pace_words", "season_status_words", "unreported_caption_words"]

#: A gap to last season at the same week this large (a share) is said in words.
UNLIKE_LAST = 0.05


def day_words(value: object) -> str:
    """A date as people write it: "8 March 2024"."""
    t = pd.Timestamp(value)
    return f"{t.day} {t:%B %Y}"


def unreported_caption_words(skipped: int) -> str:
    """The caption's note on weekly snapshots that were not measurements ("" if none).

    Parameters
    ----------
    skipped : int
        How many weeks of the season no school of the unit reported.
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
        run = pace.loc[pace["in_long_run"].fillna(False).astype(bool)]
        ahead = bool(run["change"].mean() > 0)
        return (
            f"For {int(pace['longest_run'].max())} compared weeks in a row, "
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
