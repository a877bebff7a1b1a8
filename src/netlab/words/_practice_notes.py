"""What the practices analyses say, in words: the notes beside their tables.

Which errors the within-unit fit used, what the staggered-adoption check compares, what
the for-whom comparisons leave out, and what a strong context difference means for a
unit like this one. Each function takes plain values and returns the sentence as the
report prints it.
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "covariance_words",
    "for_whom_words",
    "like_this_one_words",
    "not_compared_words",
    "practices_caveat_words",
    "pretrend_words",
    "school_covariance_words",
    "staggered_words",
]


def covariance_words(used: set[str], noun: str) -> str | None:
    """Which errors the within-unit intervals use; a warning when CR3 fell back to CR1.

    Parameters
    ----------
    used : set of str
        The covariance kinds the estimable practices used ("CR3", "CR1").
    noun : str
        The unit noun in lower case.

    Returns
    -------
    str or None
        None when no estimable practice names its errors.
    """
    used = set(used) - {""}
    if not used:
        return None
    if used == {"CR3"}:
        return (
            f"Intervals within {noun}s leave each {noun} out in turn, which keeps 95% "
            f"intervals honest with a few dozen {noun}s."
        )
    return (
        f"The leave-one-out errors (each {noun} left out in turn) could not be computed for "
        "this fit: "
        f"leaving one {noun} out left the model unidentified (a practice or a year that only "
        f"that {noun} had), or the installed statsmodels lacks them. The intervals marked "
        "CR1 use ordinary cluster-robust errors, "
        f"which run narrow with a few dozen {noun}s: read them as wider than shown."
    )


def school_covariance_words() -> str:
    """The school report's warning beside network-wide intervals marked CR1.

    Returns
    -------
    str
        One sentence, the same every time: the intervals marked CR1 use ordinary
        cluster-robust errors, which run narrow with a few dozen schools.
    """
    return (
        "The network-wide intervals marked CR1 use ordinary cluster-robust errors "
        "because the leave-one-out errors could not be computed; they run "
        "narrow with a few dozen schools."
    )


def practices_caveat_words(noun: str) -> str:
    """How to read the within-unit estimates: leads to test, not proof of cause.

    Parameters
    ----------
    noun : str
        The unit noun in lower case.

    Returns
    -------
    str
        Three sentences: each unit is compared with itself over time, so the estimates are
        leads to test (PDSA cycles, live cases), not proof of cause; the q-values allow for
        testing several practices at once.
    """
    return (
        f"These estimates compare each {noun} with itself over time; a practice that "
        "tracks with gains may travel with other changes. Read them as leads to test "
        "(PDSA cycles, live cases), not as proof of cause. The q-values adjust for "
        "testing several practices at once."
    )


def staggered_words(noun: str) -> str:
    """What the staggered-adoption check compares, and why it differs from within-unit.

    Parameters
    ----------
    noun : str
        The unit noun in lower case ("district" adds how a district adopts).

    Returns
    -------
    str
        A paragraph of plain sentences: why the within-unit estimate can understate a
        growing effect, what the staggered-adoption estimate compares instead, what its
        pre-trend test asks and, for districts, when a district counts as adopting.
    """
    return (
        f"The within-{noun} estimate also compares {noun}s that adopted late with {noun}s "
        "that adopted earlier; when a practice's effect grows over the years, those "
        f"comparisons pull the estimate toward zero (the {noun}-years with negative "
        f"weight). The staggered-adoption estimate compares each adopter only with its "
        f"own years before and with {noun}s that had not adopted yet, so {noun}s that had "
        "the practice in every year are left out. Its pre-trend test asks whether "
        "adopters were already moving before they adopted."
        + (
            " A district counts as adopting in the first year any of its schools has the practice."
            if noun == "district"
            else ""
        )
    )


def not_compared_words(*, by_context: bool, by_group: bool, noun: str) -> str | None:
    """What the for-whom comparisons could not compare, and why.

    Parameters
    ----------
    by_context : bool
        Whether any comparison splits units by context (low-income share, size).
    by_group : bool
        Whether any comparison sets focal against other students.
    noun : str
        The unit noun in lower case.

    Returns
    -------
    str or None
        None when both kinds were compared.
    """
    missing = []
    if not by_context:
        missing.append(
            f"by context, as the {noun}s file gives no share of low-income students or size"
        )
    if not by_group:
        missing.append("focal against other students, as the rates have no all-students group")
    return "Not compared: " + "; ".join(missing) + "." if missing else None


def for_whom_words(noun: str, min_switchers: int) -> str:
    """How to read the for-whom comparisons: chance, q-values, switchers on each side.

    Parameters
    ----------
    noun : str
        The unit noun in lower case.
    min_switchers : int
        The fewest units that switched the practice a comparison needs on each side.

    Returns
    -------
    str
        Two sentences: each comparison splits the units (or students) in two; with many
        comparisons some differences come by chance, so q-values count every comparison,
        each side needs ``min_switchers`` units that switched, and only strong differences
        are worded.
    """
    return (
        f"Each comparison splits the {noun}s (or the students) in two and asks whether "
        "the practice tracks with a different change in each. With many comparisons some "
        "differences appear by chance, so q-values count every comparison in the table, "
        f"a comparison needs at least {int(min_switchers)} {noun}s that switched "
        "on each side, and only strong differences are put into words."
    )


def like_this_one_words(
    *,
    noun: str,
    modifier: str,
    above: bool,
    practice: str,
    estimate: float,
    low: float,
    high: float,
    phrase: str,
) -> str | None:
    """A strong context difference, said for the units on this unit's side of the split.

    Parameters
    ----------
    noun : str
        The unit noun in lower case.
    modifier : str
        The context split: "share_low_income" or "size" (anything else: None).
    above : bool
        Whether this unit is above the split's median.
    practice : str
        The practice's label.
    estimate, low, high : float
        The estimate for units on this side and its 95% interval (percentage points).
    phrase : str
        What the focal students do ("enrolled in college").

    Returns
    -------
    str or None
        Two sentences: how many points more (or fewer) focal students the practice tracked
        with in units on this unit's side of the split, with the 95% interval, and that this
        is not proof it would work the same here; None for a split other than low-income
        share or size.
    """
    if modifier == "share_low_income":
        like = f"with {'more' if above else 'fewer'} low-income students than the median"
    elif modifier == "size":
        like = f"in the {'larger' if above else 'smaller'} half of the network by size"
    else:
        return None
    return (
        f"In {noun}s like this one ({like}), {practice} tracked "
        f"with {abs(estimate):.1f} points {'more' if estimate >= 0 else 'fewer'} focal students who "
        f"{phrase} (95% interval {low:+.1f} to {high:+.1f}), clearly different from the "
        f"other {noun}s. It tracks with the practice; it does not prove the practice "
        "would work the same here."
    )


def pretrend_words(p: float) -> str:
    """Whether adopters were already changing before they adopted, in words.

    Parameters
    ----------
    p : float
        The pre-trend test's p value (missing: not tested).

    Returns
    -------
    str
        "steady before" when p is 0.05 or more, "already changing (read with care)" below
        it, "not tested" when p is missing.

    Examples
    --------
    >>> pretrend_words(0.62), pretrend_words(0.01)
    ('steady before', 'already changing (read with care)')
    """
    if p is None or pd.isna(p):
        return "not tested"
    return "already changing (read with care)" if float(p) < 0.05 else "steady before"
