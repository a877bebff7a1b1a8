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
    _list,
    _measure_label,
    _note,
    _pct,
    _phrase,
    _plural,
    _sentence,
    _who,
    no_table,
    table,
)
from netlab.report._lookup import Looked, lookup

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
            f"The network varies most on <strong>{_E(_phrase(r, top.measure))}</strong> for "
            f"{_who(r, 'focal')}"
            + (
                f": {noun}s' rates typically sit about {100 * float(top[sd]):.0f} percentage "
                "points from the network rate"
                if sd and pd.notna(top[sd])
                else ""
            )
            + f". Where {noun}s differ most, there is most to learn from each other."
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
            f"From {int(first.year)} to {int(last.year)} the network rate went from "
            f"{_pct(first.network_rate)} to {_pct(last.network_rate)}, and the middle half of "
            f"{r.noun.lower()}s went from spanning {_pct(first.iqr, 1)} to {_pct(last.iqr, 1)}.",
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


def _share(r: Report) -> str:
    share = float(r.params.bright_spots.share)
    return "tenth" if abs(share - 0.1) < 1e-9 else f"{share:.0%}"


def _prob(spots: pd.DataFrame) -> str:
    p = spots["probability"].iloc[0] if "probability" in spots else 0.8
    return f"{float(p):.0%}"


def _margin_words(spots: pd.DataFrame) -> str:
    margin = float(spots["margin"].iloc[0]) if "margin" in spots else 0.0
    return f" by more than {100 * margin:g} points" if margin > 0 else ""


def bright_spots(r: Report) -> Section:
    """Units credibly better than the network, with their evidence."""
    s = Section("bright")
    measure = r.params.focal_measure
    look = lookup(r, "variation__bright_spots", "Bright spots", measure=measure)
    if not look.fitted:
        return s.add(look.missing)
    spots = look.frame
    if look.missing:
        return s.add(
            _sentence(
                f"No {r.noun.lower()} is a bright spot on {_E(_phrase(r, measure))} for "
                f"{_who(r, 'focal')}: none is clearly among the network's best "
                f"{_share(r)} of {r.noun.lower()}s, year after year."
            )
        )
    first, last = int(spots["first_year"].min()), int(spots["last_year"].max())
    n = len(spots)
    s.add(
        _sentence(
            f"{_capital(_plural(n, r.noun.lower()))} "
            + ("is a bright spot" if n == 1 else "are bright spots")
            + f" on {_E(_phrase(r, measure))} for {_who(r, 'focal')}: pooling {first}–{last}, "
            + ("it" if n == 1 else "each")
            + f" is at least {_prob(spots)} likely to be among the network's best {_share(r)} "
            f"of {r.noun.lower()}s, "
            + ("its" if n == 1 else "each one’s")
            + " estimate (pulled toward the network in proportion to how little data it has) "
            "is above the network rate"
            + _margin_words(spots)
            + " with 95% confidence, and it was better than the network in most single years "
            "too: "
            + _list([_E(x) for x in spots.sort_values("estimate", ascending=False)["label"]])
            + ". A bright spot is a place to learn from; its results track with what it does "
            "and whom it serves, and do not by themselves show why."
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
                Col("p_top", f"Chance among the best {_share(r)}", "rate"),
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
    s.add(
        _note(
            f"These estimates compare each {r.noun.lower()} with itself over time; a practice that "
            "tracks with gains may travel with other changes. Read them as leads to test "
            "(PDSA cycles, live cases), not as proof of cause. The q-values adjust for "
            "testing several practices at once.",
            cls="netlab-caveat",
        )
    )
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
    if not used:
        return None
    if used == {"CR3"}:
        return _note(
            f"Intervals within {noun}s use CR3 errors: each {noun} is left out in turn, which "
            f"keeps 95% intervals honest with a few dozen {noun}s.",
            cls="netlab-caveat",
        )
    return _note(
        f"The CR3 errors (each {noun} left out in turn) could not be computed for this fit: "
        f"leaving one {noun} out left the model unidentified (a practice or a year that only "
        f"that {noun} had), or the installed statsmodels lacks CR3. The intervals marked CR1 use ordinary cluster-robust errors, "
        f"which run narrow with a few dozen {noun}s: read them as wider than shown.",
        cls="netlab-caveat netlab-covariance-warning",
    )


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
    parts.append(
        _note(
            f"The within-{noun} estimate also compares {noun}s that adopted late with {noun}s "
            "that adopted earlier; when a practice's effect grows over the years, those "
            f"comparisons pull the estimate toward zero (the {noun}-years with negative "
            f"weight). The staggered-adoption estimate compares each adopter only with its "
            f"own years before and with {noun}s that had not adopted yet, so {noun}s that had "
            "the practice in every year are left out. Its pre-trend test asks whether "
            "adopters were already moving before they adopted."
            + (
                " A district counts as adopting in the first year any of its schools has the "
                "practice."
                if noun == "district"
                else ""
            ),
            cls="netlab-caveat",
        )
    )
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
    missing = []
    if not (hetero["modifier"] != "focal").any():
        missing.append(
            f"by context, as the {noun}s file gives no share of low-income students or size"
        )
    if not (hetero["modifier"] == "focal").any():
        missing.append("focal against other students, as the rates have no all-students group")
    if missing:
        parts.append(_note("Not compared: " + "; ".join(missing) + ".", cls="netlab-caveat"))
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
    parts.append(
        _note(
            f"Each comparison splits the {noun}s (or the students) in two and asks whether "
            "the practice tracks with a different change in each. With many comparisons some "
            "differences appear by chance, so q-values count every comparison in the table, "
            f"a comparison needs at least {int(r.params.min_switchers)} {noun}s that switched "
            "on each side, and only strong differences are put into words.",
            cls="netlab-caveat",
        )
    )
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
