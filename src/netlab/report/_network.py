"""Report sections of the network report: where results vary, practices, live cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from netlab import plots, privacy
from netlab.report._html import (
    _E,
    Col,
    Section,
    _capital,
    _draw,
    _measure_label,
    _note,
    _phrase,
    _sentence,
    _who,
    no_table,
    table,
)
from netlab.report._lookup import Looked, lookup
from netlab.report._practice_words import (
    covariance_words,
    for_whom_words,
    not_compared_words,
    practices_caveat_words,
    staggered_words,
)
from netlab.report._words import (
    bright_spot_words,
    constellation_words,
    no_bright_spot_words,
    share_words,
    spread_words,
)

if TYPE_CHECKING:
    from netlab.report._context import Report


# --------------------------------------------------------------------------------------
# Network sections
# --------------------------------------------------------------------------------------


def where_varies(r: Report) -> Section:
    """Measures ranked by between-unit spread for the focal group: where to focus."""
    s = Section("spread")
    look = lookup(r, "variation__spread", "The spread ranking", n=None)
    if look.missing:
        return s.add(look.missing)
    f = look.frame
    f["label"] = [_measure_label(r, m) for m in f["measure"]]
    top = f.iloc[0]
    noun = r.noun.lower()
    sd = next((c for c in ("tau", "spread", "sd") if c in f.columns), None)
    s.add(
        _sentence(
            spread_words(
                phrase=_phrase(r, top.measure),
                who=_who(r, "focal"),
                noun=noun,
                sd=top[sd] if sd else None,
            )
        )
    )
    cols = [Col("label", "Measure")]
    for key, head, fmt in (
        ("year", "Year", "text"),
        ("network_rate", "Network rate", "rate"),
        ("tau", f"Between-{r.noun.lower()} SD", "rate1"),
        ("iqr", "Middle half spans", "rate1"),
        ("n_units", f"{r.noun}s", "count"),
    ):
        if key in f.columns:
            cols.append(Col(key, head, fmt))
    s.add(
        table(
            f,
            cols,
            min_cell=r.min_cell,
            caption=f"Measures ranked by spread between {r.noun.lower()}s, {_who(r, 'focal')}",
            fold=True,
        )
    )
    return s


def team_indicators(r: Report) -> Section:
    """Each team's progress on its own indicator, as change from its baseline."""
    s = Section("teams")
    if not r.params.team_measures:
        return s.add(_note("Every team in this run works on the network's focal measure."))
    from netlab import measures

    prog = measures.team_progress(
        r.prepared.rates, r.params, baseline_year=r.params.aim.baseline_year
    )
    prog = prog.copy()
    prog["n_min"] = prog[["baseline_denominator", "latest_denominator"]].min(axis=1)
    prog = privacy.flag_small(prog, n="n_min", min_cell=r.min_cell)
    prog["team"] = [r.label(u) for u in prog["unit_id"]]
    s.add(
        table(
            prog,
            [
                Col("team", r.noun),
                Col("label", "Indicator"),
                Col("baseline_rate", "Baseline", "rate", n="baseline_denominator"),
                Col("latest_rate", "Latest", "rate", n="latest_denominator"),
                Col("change_pp", "Change", "num", n="n_min"),
                Col("change_low_pp", "from", "num", n="n_min"),
                Col("change_high_pp", "to", "num", n="n_min"),
                Col("signal", "Reading"),
            ],
            min_cell=r.min_cell,
            caption="Each team's own indicator: change since the baseline (percentage points, 95% interval)",
            fold=10,
        )
    )
    return s


def constellation(r: Report) -> Section:
    """Is the network becoming a constellation? Network rate and spread over the years."""
    s = Section("constellation")
    measure = r.params.focal_measure
    label = _measure_label(r, measure)
    look = lookup(r, "variation__constellation", "The constellation trend", measure=measure)
    if look.missing:
        return s.add(look.missing)
    c = look.frame.sort_values("year")
    s.add(
        _draw(
            plots.constellation,
            c,
            title=_measure_label(r, measure, short=True),
            alt=f"Network rate and spread between {r.noun.lower()}s of {label}, by year",
            caption=f"{_E(label)}, {_E(_who(r, 'focal'))}: the network rate and the middle half of "
            f"{r.noun.lower()}s' (shrunken) rates each year. A rising floor with a narrowing band is a "
            "constellation; a rising top alone is a few stars.",
            n_min=c["denominator"].min(),
        )
    )
    first, last = c.iloc[0], c.iloc[-1]
    s.add(
        _sentence(
            constellation_words(
                first_year=first.year,
                last_year=last.year,
                rates=(first.network_rate, last.network_rate),
                iqrs=(first.iqr, last.iqr),
                noun=r.noun.lower(),
            ),
            min(first.denominator, last.denominator),
        )
    )
    return s


def caterpillar(r: Report) -> Section:
    """Shrunken unit estimates with intervals, latest year, focal measure."""
    s = Section("caterpillar")
    measure = r.params.focal_measure
    label = _measure_label(r, measure)
    look = lookup(r, "variation__shrunken", "The caterpillar plot", measure=measure, latest=True)
    if look.missing:
        return s.add(look.missing)
    sh, shown = look.frame, look.shown
    s.add(
        _draw(
            plots.caterpillar,
            shown,
            title=f"{_measure_label(r, measure, short=True)}: shrunken {r.noun.lower()} estimates",
            tight=True,
            alt=f"Shrunken estimates of {label} by {r.noun.lower()} with intervals",
            caption=f"{_E(label)}, {_E(_who(r, 'focal'))}, {int(sh['year'].max())}: each "
            f"{r.noun.lower()}'s estimate pulled toward the network in proportion to how little "
            "data it has, with 95% intervals.",
            n_min=shown["denominator"].min() if len(shown) else None,
            size=(6.4, 3.4),
        )
    )
    return s


def _probability(spots: pd.DataFrame) -> float:
    """The least chance of being among the best that the bright-spot rule asked."""
    return float(spots["probability"].iloc[0]) if "probability" in spots else 0.8


def _margin(spots: pd.DataFrame) -> float:
    """How far above the network rate the rule asked a bright spot's estimate to be."""
    return float(spots["margin"].iloc[0]) if "margin" in spots else 0.0


def bright_spots(r: Report) -> Section:
    """Units credibly better than the network, with their evidence."""
    s = Section("bright")
    measure = r.params.focal_measure
    look = lookup(r, "variation__bright_spots", "Bright spots", measure=measure)
    if not look.fitted:
        return s.add(look.missing)
    spots = look.frame
    noun, phrase, who = r.noun.lower(), _phrase(r, measure), _who(r, "focal")
    share = r.params.bright_spots.share
    if look.missing:
        return s.add(
            _sentence(no_bright_spot_words(noun=noun, phrase=phrase, who=who, share=share))
        )
    s.add(
        _sentence(
            bright_spot_words(
                list(spots.sort_values("estimate", ascending=False)["label"]),
                noun=noun,
                phrase=phrase,
                who=who,
                first=int(spots["first_year"].min()),
                last=int(spots["last_year"].max()),
                probability=_probability(spots),
                share=share,
                margin=_margin(spots),
            )
        )
    )
    s.add(
        table(
            spots.sort_values("estimate", ascending=False),
            [
                Col("label", r.noun),
                Col("denominator", "Students (pooled)", "n", n="denominator"),
                Col("rate", "Rate", "rate", n="denominator"),
                Col("estimate", "Estimate", "rate", n="denominator"),
                Col("low", "from", "rate", n="denominator"),
                Col("high", "to", "rate", n="denominator"),
                Col("network_rate", "Network", "rate"),
                Col("p_top", f"Chance among the best {share_words(share)}", "rate"),
                Col("years", "Years better"),
            ],
            min_cell=r.min_cell,
            caption=f"Bright spots on {_E(_phrase(r, measure))} and their evidence",
            fold=True,
        )
    )
    return s


def practices_network(r: Report) -> Section:
    """Which practices track with gains: tables, forest plot, sentences and caveats."""
    s = Section("practices")
    look = _practices(r, "practices__within", "The practices analysis", no_table("practices"))
    within = look.frame
    if look.missing:
        s.add(look.missing)
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
    from netlab import practices as pr

    student = _practices(r, "practices__student_level").frame
    robust = _practices(r, "practices__imputation").frame
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
    s.add(
        _draw(
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
    )
    s.add(_model_sentences(r, "practices__sentences"))
    w = within.assign(label=[pr.practice_label(p) for p in within["practice"]])
    noun = r.noun.lower()
    s.add(_practice_table(r, w, f"Within {noun}s: each {noun} against itself over time"))
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
        Col("estimate_pp", "Estimate (pp)", "num1"),
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
        caption=caption,
        fold=True,
    )


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


def _staggered(r: Report, robust: pd.DataFrame | None, pr) -> str | None:
    """The staggered-adoption block: sentences, table, profile figure and a plain note."""
    if robust is None or robust.empty:
        return None
    from netlab import plots
    from netlab.report._html import _figure

    noun = r.noun.lower()
    parts = [f"<h3>When {noun}s adopted in different years</h3>"]
    parts.append(_model_sentences(r, "practices__staggered_sentences") or "")
    frame = robust.assign(
        label=[_capital(pr.practice_label(p)) for p in robust["practice"]],
        negative=[
            f"{int(n):,} of {int(t):,}" if t else "—"
            for n, t in zip(robust["twfe_negative"], robust["twfe_treated"], strict=True)
        ],
    )
    cols = [
        Col("label", "Practice"),
        Col("estimate_pp", "Estimate (pp)", "num1"),
        Col("ci_low_pp", "from", "num1"),
        Col("ci_high_pp", "to", "num1"),
        Col("n_switchers", "Adopted", "count"),
        Col("n_always_treated", "Left out (had it from the start)", "count"),
        Col("pretrend_p", "Pre-trend p", "p"),
        Col("negative", f"Negative weight within {noun}s ({noun}-years)"),
        Col("evidence", "Evidence"),
    ]
    parts.append(
        table(
            frame,
            cols,
            min_cell=r.min_cell,
            caption=f"Staggered adoption: each adopter against {noun}s that had not adopted yet "
            "(imputation estimator of Borusyak, Jaravel &amp; Spiess), percentage points",
        )
    )
    profile = _practices(r, "practices__imputation_profile").frame
    shown = frame.loc[frame["estimable"], "practice"]
    if profile is not None and len(profile) and len(shown):
        prof = profile.loc[profile["practice"].isin(shown)]
        prof = prof.assign(label=[_capital(pr.practice_label(p)) for p in prof["practice"]])
        if len(prof):
            plots.apply_style()
            parts.append(
                _figure(
                    plots.event_profile(prof, label="label"),
                    alt="Estimate of each practice by years since adoption, with intervals",
                    caption="By years since adoption: grey points are the years just before "
                    "(they should sit near zero), blue points the years from adoption on; "
                    "percentage points with 95% intervals.",
                )
            )
    parts.append(_note(staggered_words(noun), cls="netlab-caveat"))
    return "".join(parts)


def _for_whom(r: Report, pr) -> str | None:
    """For whom, under what conditions: sentences where the evidence holds, and the table."""
    hetero = _practices(r, "practices__heterogeneity").frame
    if hetero is None:
        return None
    noun = r.noun.lower()
    parts = ["<h3>For whom, under what conditions</h3>"]
    parts.append(_model_sentences(r, "practices__heterogeneity_sentences") or "")
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
        Col("estimate_a_pp", "First (pp)", "num1"),
        Col("estimate_b_pp", "Second (pp)", "num1"),
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
            caption=f"How each practice's association differs: within-{noun} estimates for "
            "the first and second group named, and their difference (percentage points)",
            fold=True,
        )
    )
    parts.append(_note(for_whom_words(noun, r.params.min_switchers), cls="netlab-caveat"))
    return "".join(parts)


def _model_sentences(r: Report, name: str) -> str | None:
    """A model frame's ``sentence`` column as the report's block of sentences."""
    said = _practices(r, name).frame
    if said is None or "sentence" not in said or not len(said):
        return None
    return (
        '<div class="netlab-sentences">'
        + "".join(_sentence(_E(str(t))) for t in said["sentence"])
        + "</div>"
    )
