"""Plain-language words for the practice models: practice and measure phrases, evidence
labels and one sentence per result.

The sentences say "tracks with", never "causes". Re-exported by :mod:`netlab.practices`,
whose docstring states the evidence-label rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from netlab import paths, yamlfile
from netlab.checks import check_argument, check_columns

#: Practice names as the words after "Schools that started ..." (``data/practices.yaml``);
#: others fall back to 'using the practice “<name with spaces>”'.
PRACTICE_LABELS: dict[str, str] = yamlfile.load(
    (paths.PACKAGE_DATA / "practices.yaml").read_text(encoding="utf-8")
)

#: Built-in measures as the verb phrase after "students who ..." (``phrase`` in
#: ``data/measures.yaml``).
MEASURE_PHRASES: dict[str, str] = {
    name: str(defn["phrase"])
    for name, defn in (
        yamlfile.load((paths.PACKAGE_DATA / "measures.yaml").read_text(encoding="utf-8")) or {}
    ).items()
    if isinstance(defn, dict) and defn.get("phrase")
}


def practice_label(practice: str) -> str:
    """A practice name as words that follow "Schools that started ...".

    Parameters
    ----------
    practice : str
        The practice's column name.

    Returns
    -------
    str
        The practice's own words where netlab knows it ("holding a senior application day"),
        else its name with spaces for underscores, quoted ("using the practice “college
        fair”").

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


def _pp(value: float) -> str:
    text = f"{value:.1f}"
    return text.replace("-", "\u2212") if not text.startswith("-0.0") else "0.0"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _one_sentence(
    row: Any,
    measure_label: str,
    group_label: str,
    unit_label: str,
    direction: str,
    n_tested: int = 1,
) -> str:
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
    start = _estimate_words(row, label, measure_label, group_label, unit_label)
    text = _evidence_words(row, start, direction, n_tested, unit_label)
    if bool(row.pretrend_flag):  # the test's p value is in the analysts' line
        text += (
            f" Caution: {unit_label}s that started it were already changing in the years "
            "before they did, so part of this difference may have happened anyway."
        )
    return text


def _estimate_words(
    row: Any, label: str, measure_label: str, group_label: str, unit_label: str
) -> str:
    """The estimate with its interval, as the row's model reads it (no full stop)."""
    units = f"{unit_label}s"
    est, lo, hi = float(row.estimate_pp), float(row.ci_low_pp), float(row.ci_high_pp)
    more = "more" if est >= 0 else "fewer"
    interval = f"95% interval {_pp(lo)} to {_pp(hi)}"
    switched = _plural(int(row.n_switchers), unit_label)
    if row.model == "gains":
        return (
            f"{units.capitalize()} that adopted {label} during these years gained, on average, "
            f"{_pp(abs(est))} points {more} of their {group_label} who {measure_label} than "
            f"{units} that did not ({interval}; {switched} adopted it)"
        )
    if row.model == "student_level":
        return (
            f"Comparing similar students, {label} tracked with {_pp(abs(est))} points {more} "
            f"{group_label} who {measure_label} ({interval})"
        )
    if row.model == "imputation":
        start = (
            f"Compared with {units} that had not started it yet, {units} that started "
            f"{label} saw, on average, {_pp(abs(est))} points {more} of their {group_label} "
            f"{measure_label} in the years after ({interval}; {switched} adopted it"
        )
        dropped = int(getattr(row, "n_always_treated", 0) or 0)
        if dropped:
            start += (
                f"; {_plural(dropped, unit_label)} that had it from the first year "
                f"{'is' if dropped == 1 else 'are'} left out"
            )
        return start + ")"
    if row.model == "naive_cross_section":
        return (
            f"In a single year, {units} {label} had {_pp(abs(est))} points {more} "
            f"{group_label} who {measure_label} than other {units} ({interval}), a comparison "
            "that mixes the practice with everything else that differs between them"
        )
    return (
        f"{units.capitalize()} that started {label} saw, on average, {_pp(abs(est))} points "
        f"{more} of their {group_label} {measure_label} ({interval}; {switched} switched)"
    )


def _evidence_words(row: Any, start: str, direction: str, n_tested: int, unit_label: str) -> str:
    """The estimate followed by what its evidence label allows it to say."""
    est, lo, hi = float(row.estimate_pp), float(row.ci_low_pp), float(row.ci_high_pp)
    good = (est > 0) == (direction == "higher")
    what = "gains" if good else ("a decline" if direction == "higher" else "a worsening")
    # The words follow the evidence label (one rule for label and sentence): only a
    # "strong" row is said to track with a change.
    if row.evidence == "strong":
        them = "them" if good else "it"
        return f"{start}. This tracks with {what}; it does not prove the practice caused {them}."
    if row.evidence == "suggestive":
        why = _why_suggestive(row, n_tested, unit_label)
        return (
            f"{start}. This may track with {what}, but the evidence is only suggestive "
            f"({why}), so it could still be chance."
        )
    if lo <= 0 <= hi:
        return (
            f"{start}, but the interval includes no change, so this could be chance. "
            "It does not show that the practice makes a difference either way."
        )
    return (
        f"{start}, but with {n_tested} practices tested at once a difference this size "
        f"could be chance (adjusted q = {float(row.q_value):.2f}). It does not show that "
        "the practice makes a difference either way."
    )


def _why_suggestive(row: Any, n_tested: int, unit_label: str) -> str:
    """Why a row with an interval clear of zero is "suggestive", not "strong"."""
    if bool(getattr(row, "pretrend_flag", False)):
        return "adopters were already changing before they started"
    q = float(row.q_value)
    if q >= 0.05:
        return f"adjusted q = {q:.2f} with {n_tested} practices tested at once"
    return f"only {_plural(int(row.n_switchers), unit_label)} switched"


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
        Each sentence says "tracks with", never "causes", and only for a row labelled
        "strong"; a "suggestive" row "may track with" a change and says why it is only
        suggestive; a "no clear pattern" row says it could be chance (its interval includes
        no change, or its q-value is too high once every practice in the model is counted),
        so a sentence never claims more than its label. Negative estimates, practices that
        cannot be estimated (and why) and pre-trend flags each get their own wording.

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
    tested = (
        results.groupby("model")["estimable"].transform("sum")
        if "model" in results.columns
        else pd.Series(int(results["estimable"].sum()), index=results.index)
    )
    return [
        _one_sentence(row, measure_label, group_label, unit_label, direction, max(int(n), 1))
        for row, n in zip(results.itertuples(index=False), tested, strict=True)
    ]


#: Context modifiers as the words for the two sides: (side a, side b).
MODIFIER_WORDS = {
    "share_low_income": ("with more low-income students", "with fewer"),
    "size": ("in the larger half", "in the smaller half"),
    "focal": ("focal students", "the other students"),
}


def _side(modifier: str, threshold: float, unit_label: str) -> str:
    """The 'a' side of a context comparison, e.g. 'schools with more low-income students'."""
    units = f"{unit_label}s"
    if modifier == "share_low_income":
        cut = f"{100 * threshold:.0f}%" if threshold <= 1 else f"{threshold:.0f}%"
        return f"{units} where more than {cut} of students are low-income (the network's median)"
    if modifier == "size":
        return f"the larger half of {units}"
    return f"{units} above the network's median {modifier.replace('_', ' ')}"


def heterogeneity_sentences(
    table: pd.DataFrame,
    *,
    measure_label: str,
    group_label: str,
    unit_label: str = "school",
    direction: str = "higher",
) -> list[str]:
    """Plain sentences for the differences the evidence supports, and one line otherwise.

    Only rows labelled "strong" get a sentence (each side's association and the
    difference with its interval); when none is, one sentence says how many comparisons
    were made and that none held, so the network-wide estimates are the guide. Suggestive
    rows are counted, not described.

    Parameters
    ----------
    table : DataFrame
        From :func:`netlab.practices.heterogeneity`.
    measure_label, group_label, unit_label, direction
        As for :func:`sentences`.

    Returns
    -------
    list of str
        One sentence per strong difference, plus one counting the suggestive ones when there
        are any; when no difference is strong, one sentence saying how many comparisons were
        made and that none held; empty when ``table`` is None or empty.
    """
    check_argument("direction", ["higher", "lower"], direction)
    if table is None or table.empty:
        return []
    made = table.loc[table["estimable"]]
    strong = made.loc[made["evidence"] == "strong"]
    hints = int((made["evidence"] == "suggestive").sum())
    out = [
        _difference_words(row, measure_label, group_label, unit_label)
        for row in strong.itertuples(index=False)
    ]
    if not out:
        return [_none_held_words(made, hints, unit_label)]
    if hints:
        out.append(
            f"{_plural(hints, 'other comparison').capitalize()} "
            f"{'is' if hints == 1 else 'are'} suggestive only (see the table)."
        )
    return out


def _difference_words(row: Any, measure_label: str, group_label: str, unit_label: str) -> str:
    """A "strong" difference: each side's association and the difference, with its interval."""
    units = f"{unit_label}s"
    label = practice_label(row.practice)
    a, b = float(row.estimate_a_pp), float(row.estimate_b_pp)
    interval = f"95% interval {_pp(float(row.ci_low_pp))} to {_pp(float(row.ci_high_pp))}"
    diff = float(row.estimate_pp)

    def amount(x: float) -> str:
        return f"{_pp(abs(x))} points {'more' if x >= 0 else 'fewer'}"

    if row.modifier == "focal":
        text = (
            f"In the same {units}, {label} tracked with {amount(a)} {group_label} who "
            f"{measure_label}, against {amount(b)} of the other students: a difference "
            f"of {_pp(diff)} points ({interval})."
        )
    else:
        side = _side(row.modifier, float(row.threshold), unit_label)
        text = (
            f"In {side}, {label} tracked with {amount(a)} {group_label} who "
            f"{measure_label}; in the other {units}, {amount(b)}: a difference of "
            f"{_pp(diff)} points ({interval}; "
            f"{int(row.n_switchers_a)} and {int(row.n_switchers_b)} {units} switched)."
        )
    return (
        text + " The difference holds after allowing for every comparison made; it "
        "tracks with the practice and does not prove it works differently there."
    )


def _none_held_words(made: pd.DataFrame, hints: int, unit_label: str) -> str:
    """The one line said when no difference holds (or none could be estimated)."""
    units = f"{unit_label}s"
    if made.empty:
        return (
            f"Too few {units} switched on each side to compare how the practices' "
            "associations differ by context or between groups."
        )
    extra = (
        f" ({_plural(hints, 'comparison')} {'is' if hints == 1 else 'are'} suggestive "
        "only, see the table)"
        if hints
        else ""
    )
    kinds = [
        k
        for k, made_k in (
            (f"by {units}' context", (made["modifier"] != "focal").any()),
            ("between focal and other students", (made["modifier"] == "focal").any()),
        )
        if made_k
    ]
    return (
        f"None of the {len(made)} comparisons of how a practice's association differs "
        f"({' and '.join(kinds)}) holds once every comparison is counted{extra}, so the "
        f"network-wide estimates are the best guide for every kind of {unit_label}."
    )


def staggered_sentences(
    within: pd.DataFrame, imputation: pd.DataFrame, *, unit_label: str = "school"
) -> list[str]:
    """Where the staggered-adoption estimate and the within-unit estimate tell apart.

    One sentence per practice whose evidence label differs between the two, or whose
    estimates differ by more than 2 points and by more than half the within estimate
    (unless neither shows a clear pattern); otherwise one sentence saying they agree. Always says how many unit-years carry
    negative weight in the within estimate.

    Parameters
    ----------
    within : DataFrame
        The within-unit results (:func:`within_school`).
    imputation : DataFrame
        The staggered-adoption results (:func:`imputation`).
    unit_label : str, optional
        What a unit is called in sentences (``"schools"``).

    Returns
    -------
    list[str]
        The sentences, one per practice where the two tell apart.
    """
    if imputation is None or imputation.empty or within is None or within.empty:
        return []
    units = f"{unit_label}s"
    w = within.set_index("practice")
    out = []
    neg = int(imputation["twfe_negative"].sum())
    total = int(imputation["twfe_treated"].sum())
    for row in imputation.itertuples(index=False):
        if row.practice not in w.index or not row.estimable:
            continue
        other = w.loc[row.practice]
        if not bool(other["estimable"]):
            continue
        a, b = float(row.estimate_pp), float(other["estimate_pp"])
        differ = abs(a - b) > max(2.0, 0.5 * abs(b))
        neither = {row.evidence, other["evidence"]} <= {"no clear pattern"}
        if (row.evidence != other["evidence"] or differ) and not neither:
            hint = (
                f"the within-{unit_label} figure may understate it"
                if abs(a) > abs(b)
                else f"read the within-{unit_label} figure with caution"
            )
            out.append(
                f"For {practice_label(row.practice)}, comparing adopters only with {units} "
                f"that had not started yet gives {_pp(a)} points ({row.evidence}) instead of "
                f"{_pp(b)} within {units} ({other['evidence']}): {hint}."
            )
    k = int((imputation["twfe_treated"] > 0).sum())
    lead = (
        f"Across {_plural(k, 'practice')}, {neg} of the {total} {unit_label}-years with the practice "
        f"in place carry negative weight in the within-{unit_label} estimates: when effects "
        "grow over the years since adoption, those estimates can understate them."
        if total
        else ""
    )
    if not out:
        out.append(
            "The staggered-adoption estimates agree with the within-"
            f"{unit_label} estimates: no practice changes its evidence label."
        )
    return [t for t in [lead, *out] if t]
