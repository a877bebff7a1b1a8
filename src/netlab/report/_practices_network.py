"""The network report's practices section: which practices track with gains (within-unit,
staggered adoption, student level, gains), the forest plot, the model's sentences, and for
whom and under what conditions each differs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from netlab import plots
from netlab.report._html import (
    _E,
    Col,
    Section,
    _capital,
    _draw,
    _note,
    _sentence,
    no_table,
    table,
)
from netlab.report._lookup import Looked, lookup
from netlab.report._notes import analyst_line
from netlab.words import (
    covariance_words,
    for_whom_words,
    not_compared_words,
    practices_caveat_words,
    pretrend_words,
    staggered_words,
)

if TYPE_CHECKING:
    from netlab.report._context import Report


def _no_practices(r: Report, s: Section, missing: str | None) -> Section:
    """Why there is no practices analysis, and what a practices table would add."""
    s.add(missing)
    if r.prepared.tables.get("practices") is None:
        s.add(
            _note(
                f"A practices table (practices.csv: each {r.noun.lower()}, year and practice "
                "in place) in the run's exports adds which practices track with gains, "
                f"the staggered-adoption check and how each differs by {r.noun.lower()} "
                "context and between groups.",
                cls="netlab-caveat",
            )
        )
    return s


def _forest(
    r: Report, within: pd.DataFrame, robust: pd.DataFrame | None, student: pd.DataFrame | None, pr
) -> str:
    """The forest plot of every model's estimates side by side."""
    models = [within] + [m for m in (robust, student) if m is not None and len(m)]
    both = pd.concat([m.loc[:, within.columns.intersection(m.columns)] for m in models])
    both = both.reset_index(drop=True)
    both["label"] = [_capital(pr.practice_label(p)) for p in both["practice"]]
    if "model" in both:
        names = {
            "within": f"within {r.noun.lower()}s",
            "imputation": "staggered adoption",
            "student_level": "student level",
        }
        both["model"] = [names.get(str(m), str(m).replace("_", " ")) for m in both["model"]]
    return _draw(
        plots.forest,
        both,
        tight=True,
        label="label",
        title="Practices and the focal measure",
        alt="Estimated association of each practice with the focal measure, with intervals",
        caption=f"Within-{r.noun.lower()} estimates ({r.noun.lower()} and year fixed effects, "
        f"errors clustered by {r.noun.lower()})"
        + (" beside the staggered-adoption estimates" if robust is not None else "")
        + (" and the student-level sensitivity model" if student is not None else "")
        + ", percentage points with 95% intervals. A filled marker is strong or "
        "suggestive evidence, a hollow one no clear pattern.",
        size=(6.4, max(2.8, 0.45 * within["practice"].nunique() + 1.2)),
    )


def practices_network(r: Report) -> Section:
    """Which practices track with gains: tables, forest plot, sentences and caveats.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("practices")
    look = _practices(r, "practices__within", "The practices analysis", no_table("practices"))
    within = look.frame
    if look.missing or within is None:
        return _no_practices(r, s, look.missing)
    from netlab import practices as pr

    student = _practices(r, "practices__student_level").frame
    robust = _practices(r, "practices__imputation").frame
    s.add(_forest(r, within, robust, student, pr))
    s.add(_said(_worded(r)["within"]))
    w = within.assign(label=[pr.practice_label(p) for p in within["practice"]])
    noun = r.noun.lower()
    s.add(_practice_table(r, w, f"Within {noun}s: each {noun} against itself over time"))
    s.add(_pretrend_line(w))
    s.add(_covariance_note(within, noun))
    for name, caption in (
        ("practices__student_level", "Student-level sensitivity model"),
        ("practices__gains", "Gains model"),
    ):
        extra = _practices(r, name).frame
        if extra is not None and len(extra):
            extra = extra.assign(label=[pr.practice_label(p) for p in extra["practice"]])
            s.add(_practice_table(r, extra, caption))
    s.add(_staggered(r, robust, pr))
    s.add(_for_whom(r, pr))
    s.add(_note(practices_caveat_words(r.noun.lower()), cls="netlab-caveat"))
    return s


def _practices(r: Report, key: str, what: str = "", why: str = "") -> Looked:
    """A practices model: network-wide rows, no student counts of their own."""
    return lookup(r, key, what, group=None, n=None, why=why)


def _practice_table(r: Report, frame: pd.DataFrame, caption: str) -> str:
    cols = [
        Col("label", "Practice"),
        Col("estimate_pp", "Estimate (points)", "num1"),
        Col("ci_low_pp", "from", "num1"),
        Col("ci_high_pp", "to", "num1"),
        Col("q_value", "q (adjusted)", "p"),
        Col("n_schools_ever", f"{r.noun}s with it", "count"),
        Col("n_switchers", "Changed", "count"),
        Col("evidence", "Evidence"),
    ]
    if "covariance" in frame.columns:
        used = frame.loc[frame["estimable"], "covariance"]
        if (used == "CR1").any() and (frame["model"] == "within").all():
            cols.insert(-1, Col("covariance", "Errors"))
    frame = frame.assign(label=[_capital(x) for x in frame["label"]])
    return table(
        frame,
        [c for c in cols if c.key in frame.columns],
        min_cell=r.min_cell,
        band_below=r.band_below,
        caption=caption,
        fold=True,
    )


def _pretrend_line(within: pd.DataFrame) -> str | None:
    """The within-unit pre-trend tests' p values, for analysts (the sentences say it in
    words: "already changing in the years before")."""
    if "pretrend_p" not in within.columns:
        return None
    tested = within[within["pretrend_p"].notna()]
    if tested.empty:
        return None
    said = "; ".join(f"{_E(_capital(row.label))}: p = {row.pretrend_p:.2f}"
                     for row in tested.itertuples())  # fmt: skip
    return analyst_line(f"Pre-trend tests (were adopters already changing before?): {said}.")


def _covariance_note(within: pd.DataFrame, noun: str) -> str | None:
    """Which errors the within-unit fit used; a warning when CR3 fell back to CR1."""
    if "covariance" not in within.columns:
        return None
    used = set(within.loc[within["estimable"], "covariance"]) - {""}
    text = covariance_words(used, noun)
    if text is None:
        return None
    warn = "" if used == {"CR3"} else " netlab-covariance-warning"
    return _note(text, cls="netlab-caveat" + warn)


def _staggered_table(r: Report, frame: pd.DataFrame) -> str:
    """Each practice's staggered-adoption estimate, adopters, pre-trend and TWFE weights."""
    noun = r.noun.lower()
    cols = [
        Col("label", "Practice"),
        Col("estimate_pp", "Estimate (points)", "num1"),
        Col("ci_low_pp", "from", "num1"),
        Col("ci_high_pp", "to", "num1"),
        Col("n_switchers", "Adopted", "count"),
        Col("n_always_treated", "Left out (had it from the start)", "count"),
        Col("before", "Before adopting"),
        Col(
            "negative", f"{noun.capitalize()}-years a simple before-and-after fit counts backwards"
        ),
        Col("evidence", "Evidence"),
    ]
    return table(
        frame,
        cols,
        min_cell=r.min_cell,
        band_below=r.band_below,
        caption=f"Staggered adoption: each adopter against {noun}s that had not adopted yet "
        "(imputation estimator of Borusyak, Jaravel &amp; Spiess), percentage points",
    )


def _event_profile(r: Report, frame: pd.DataFrame, pr) -> str:
    """The estimates by years since adoption, for the practices estimated ("" when none)."""
    from netlab import plots
    from netlab.report._html import _figure

    profile = _practices(r, "practices__imputation_profile").frame
    shown = frame.loc[frame["estimable"], "practice"]
    if profile is None or not len(profile) or not len(shown):
        return ""
    prof = profile.loc[profile["practice"].isin(shown)]
    prof = prof.assign(label=[_capital(pr.practice_label(p)) for p in prof["practice"]])
    if not len(prof):
        return ""
    plots.apply_style()
    return _figure(
        plots.event_profile(prof, label="label"),
        alt="Estimate of each practice by years since adoption, with intervals",
        caption="By years since adoption: grey points are the years just before "
        "(they should sit near zero), blue points the years from adoption on; "
        "percentage points with 95% intervals.",
    )


def _staggered(r: Report, robust: pd.DataFrame | None, pr) -> str | None:
    """The staggered-adoption block: sentences, table, profile figure and a plain note."""
    if robust is None or robust.empty:
        return None
    noun = r.noun.lower()
    parts = [f"<h3>When {noun}s adopted in different years</h3>"]
    parts.append(_said(_worded(r)["staggered"]) or "")
    frame = robust.assign(
        label=[_capital(pr.practice_label(p)) for p in robust["practice"]],
        negative=[
            f"{int(n):,} of {int(t):,}" if t else "—"
            for n, t in zip(robust["twfe_negative"], robust["twfe_treated"], strict=True)
        ],
        before=[pretrend_words(v) for v in robust["pretrend_p"]],
    )
    parts.append(_staggered_table(r, frame))
    tests = "; ".join(
        f"{_E(row.label)}: pre-trend p = {row.pretrend_p:.2f}"
        for row in frame.itertuples()
        if pd.notna(row.pretrend_p)
    )
    if tests:
        parts.append(
            analyst_line(
                f"{tests}. The last column counts {noun}-years given negative weight by "
                "two-way fixed effects (TWFE)."
            )
        )
    parts.append(_event_profile(r, frame, pr))
    parts.append(_note(staggered_words(noun), cls="netlab-caveat"))
    return "".join(parts)


def _for_whom(r: Report, pr) -> str | None:
    """For whom, under what conditions: sentences where the evidence holds, and the table."""
    hetero = _practices(r, "practices__heterogeneity").frame
    if hetero is None:
        return None
    noun = r.noun.lower()
    parts = ["<h3>For whom, under what conditions</h3>"]
    parts.append(_said(_worded(r)["heterogeneity"]) or "")
    made = hetero.loc[hetero["estimable"]]
    missing = not_compared_words(
        by_context=bool((hetero["modifier"] != "focal").any()),
        by_group=bool((hetero["modifier"] == "focal").any()),
        noun=noun,
    )
    if missing:
        parts.append(_note(missing, cls="netlab-caveat"))
    if made.empty:
        return "".join(parts)
    words = {
        "share_low_income": f"{noun}s with more vs. fewer low-income students (median split)",
        "size": f"larger vs. smaller {noun}s (median split)",
        "focal": "focal vs. other students",
    }
    frame = made.sort_values(["q_value", "modifier", "practice"]).assign(
        label=lambda d: [_capital(pr.practice_label(p)) for p in d["practice"]],
        compared=lambda d: [words.get(m, m) for m in d["modifier"]],
    )
    cols = [
        Col("label", "Practice"),
        Col("compared", "First group vs. second"),
        Col("estimate_a_pp", "First (points)", "num1"),
        Col("estimate_b_pp", "Second (points)", "num1"),
        Col("estimate_pp", "Difference", "num1"),
        Col("ci_low_pp", "from", "num1"),
        Col("ci_high_pp", "to", "num1"),
        Col("q_value", "q (adjusted)", "p"),
        Col("evidence", "Evidence"),
    ]
    parts.append(
        table(
            frame,
            cols,
            min_cell=r.min_cell,
            band_below=r.band_below,
            caption=f"How each practice's association differs: within-{noun} estimates for "
            "the first and second group named, and their difference (percentage points)",
            fold=True,
        )
    )
    parts.append(_note(for_whom_words(noun, r.params.min_switchers), cls="netlab-caveat"))
    return "".join(parts)


def _worded(r: Report) -> dict[str, list[str]]:
    """The practice models' sentences, worded now from the fitted numbers."""
    from netlab import practices as pr

    fitted = {k: r.model(f"practices__{k}") for k in ("within", "imputation", "heterogeneity")}
    return pr.practice_sentences(r.prepared, {k: v for k, v in fitted.items() if v is not None})


def _said(sentences: list[str]) -> str | None:
    """Sentences as the report's block of sentences (None when there are none)."""
    if not sentences:
        return None
    return (
        '<div class="netlab-sentences">'
        + "".join(_sentence(_E(str(t))) for t in sentences)
        + "</div>"
    )
