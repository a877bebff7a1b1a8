"""Plain-language words for the practice models: practice and measure phrases, evidence
labels and one sentence per result.

The sentences say "tracks with", never "causes". Re-exported by :mod:`netlab.practices`,
whose docstring states the evidence-label rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from netlab._checks import check_argument, check_columns

#: Practice names as the words after "Schools that started ..."; others fall back to
#: 'using the practice “<name with spaces>”'.
PRACTICE_LABELS = {
    "fafsa_class_time": "giving seniors class time to complete the FAFSA",
    "one_on_one_advising": "advising every senior one on one",
    "senior_application_day": "holding a senior application day",
    "summer_outreach": "reaching out to students over the summer",
    "college_visits": "taking students on college visits",
    "parent_workshops": "holding workshops for parents",
    "college_career_center": "running a college and career center",
    "fafsa_night": "holding FAFSA completion nights",
    "match_advising": "advising students on college match",
    "summer_nudges": "nudging students over the summer",
    "decision_day": "holding a college decision day",
    "senior_seminar": "running a senior seminar",
}

#: Built-in measures as the verb phrase after "students who ...".
MEASURE_PHRASES = {
    "enrolled_likely_grad": "enroll where they are likely to graduate",
    "enrolled_any": "enroll in college",
    "enrolled_4yr": "enroll at a 4-year college",
    "fafsa_complete": "complete the FAFSA or Dream Act application",
    "cal_grant": "receive a Cal Grant offer",
    "applied_4yr": "apply to a 4-year college",
    "summer_melt": "melt away over the summer",
}


def practice_label(practice: str) -> str:
    """A practice name as words that follow "Schools that started ...".

    Examples
    --------
    >>> practice_label("senior_application_day")
    'holding a senior application day'
    >>> practice_label("college_fair")
    'using the practice “college fair”'
    """
    if practice in PRACTICE_LABELS:
        return PRACTICE_LABELS[practice]
    return f"using the practice “{str(practice).replace('_', ' ')}”"


def evidence_label(
    *, estimable: bool, n_switchers: int, q_value: float, pretrend_flag: bool, min_switchers: int
) -> str:
    """The evidence label of one estimate (the rule is in :mod:`netlab.practices`)."""
    if 0 < n_switchers < min_switchers:
        return "too few switchers to say"
    if not estimable or not np.isfinite(q_value):
        return "not estimable"
    if q_value < 0.05 and n_switchers >= 2 * min_switchers and not pretrend_flag:
        return "strong"
    if q_value < 0.10:
        return "suggestive"
    return "no clear pattern"


def _pp(value: float) -> str:
    text = f"{value:.1f}"
    return text.replace("-", "\u2212") if not text.startswith("-0.0") else "0.0"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _one_sentence(
    row: Any, measure_label: str, group_label: str, unit_label: str, direction: str
) -> str:
    units = f"{unit_label}s"
    label = practice_label(row.practice)
    if row.evidence == "too few switchers to say":
        return (
            f"Only {_plural(int(row.n_switchers), unit_label)} started or stopped {label} in "
            f"these years: too few to say how it tracks with {group_label} who {measure_label}."
        )
    if not row.estimable or not np.isfinite(row.estimate_pp):
        why = row.reason or "the data do not allow it"
        return (
            f"The data cannot say whether {label} tracks with more {group_label} who "
            f"{measure_label}: {why}."
        )
    est, lo, hi = float(row.estimate_pp), float(row.ci_low_pp), float(row.ci_high_pp)
    more = "more" if est >= 0 else "fewer"
    interval = f"95% interval {_pp(lo)} to {_pp(hi)}"
    if row.model == "gains":
        start = (
            f"{units.capitalize()} that adopted {label} during these years gained, on average, "
            f"{_pp(abs(est))} points {more} of their {group_label} who {measure_label} than "
            f"{units} that did not ({interval}; {_plural(int(row.n_switchers), unit_label)} "
            "adopted it)"
        )
    elif row.model == "student_level":
        start = (
            f"Comparing similar students, {label} tracked with {_pp(abs(est))} points {more} "
            f"{group_label} who {measure_label} ({interval})"
        )
    elif row.model == "naive_cross_section":
        start = (
            f"In a single year, {units} {label} had {_pp(abs(est))} points {more} "
            f"{group_label} who {measure_label} than other {units} ({interval}), a comparison "
            "that mixes the practice with everything else that differs between them"
        )
    else:
        start = (
            f"{units.capitalize()} that started {label} saw, on average, {_pp(abs(est))} points "
            f"{more} of their {group_label} {measure_label} ({interval}; "
            f"{_plural(int(row.n_switchers), unit_label)} switched)"
        )
    if lo <= 0 <= hi:
        text = (
            f"{start}, but the interval includes no change, so this could be chance. "
            "It does not show that the practice makes a difference either way."
        )
    elif (est > 0) == (direction == "higher"):
        text = f"{start}. This tracks with gains; it does not prove the practice caused them."
    else:
        worse = "a decline" if direction == "higher" else "a worsening"
        text = f"{start}. This tracks with {worse}; it does not prove the practice caused it."
    if bool(row.pretrend_flag):
        p = float(row.pretrend_p)
        text += (
            f" Caution: {units} that started it were already changing before they did "
            f"(pre-trend test p = {p:.2f}), so part of this difference may have happened anyway."
        )
    return text


def sentences(
    results: pd.DataFrame,
    *,
    measure_label: str,
    group_label: str,
    unit_label: str = "school",
    direction: str = "higher",
) -> list[str]:
    """Plain-language sentences, one per row of a results table.

    Parameters
    ----------
    results : DataFrame
        A results table from :func:`within_school` (or the other models).
    measure_label : str
        The measure as a verb phrase after "students who ...", e.g.
        ``"enroll where they are likely to graduate"`` (see :data:`MEASURE_PHRASES`).
    group_label : str
        The group as a plural noun, e.g. ``"focal students"``.
    unit_label : str
        ``"school"`` or ``"district"``.
    direction : {"higher", "lower"}
        Whether a higher rate is better; for "lower" (summer melt) a rise is not a gain.

    Returns
    -------
    list of str
        Each sentence says "tracks with", never "causes"; intervals that include zero,
        negative estimates, practices that cannot be estimated (and why) and pre-trend
        flags each get their own wording.

    Examples
    --------
    >>> row = dict(model="within", practice="senior_application_day", estimate_pp=4.1,
    ...            ci_low_pp=1.2, ci_high_pp=7.0, n_switchers=9, evidence="strong",
    ...            estimable=True, reason="", pretrend_flag=False, pretrend_p=0.6)
    >>> sentences(pd.DataFrame([row]), measure_label="enroll where they are likely to "
    ...           "graduate", group_label="focal students")[0][:60]
    'Schools that started holding a senior application day saw, o'
    """
    check_argument("direction", ["higher", "lower"], direction)
    check_columns(results, ["practice", "estimate_pp", "estimable", "evidence"], what="results")
    return [
        _one_sentence(row, measure_label, group_label, unit_label, direction)
        for row in results.itertuples(index=False)
    ]
