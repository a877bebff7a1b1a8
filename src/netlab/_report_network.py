"""Report sections of the network report: where results vary, practices, live cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from netlab import privacy
from netlab._report_html import (
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
    unavailable,
)

if TYPE_CHECKING:
    from netlab.report import Report


# --------------------------------------------------------------------------------------
# Network sections
# --------------------------------------------------------------------------------------


def where_varies(r: Report) -> Section:
    """Measures ranked by between-unit spread for the focal group: where to focus."""
    s = Section("spread")
    spread = r.model("variation__spread")
    if spread is None or spread.empty:
        return s.add(unavailable("The spread ranking"))
    f = spread.copy()
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
    c = r.model("variation__constellation")
    measure = r.params.focal_measure
    label = _measure_label(r, measure)
    if c is None:
        return s.add(unavailable("The constellation trend"))
    c = c.loc[(c["measure"] == measure) & (c["group"] == "focal")].sort_values("year")
    if c.empty:
        return s.add(unavailable(f"The constellation trend of {_phrase(r, measure)}"))
    c = privacy.flag_small(c, min_cell=r.min_cell)
    s.add(
        _draw(
            "constellation",
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
    sh = r.model("variation__shrunken")
    measure = r.params.focal_measure
    label = _measure_label(r, measure)
    if sh is None:
        return s.add(unavailable("The caterpillar plot"))
    sh = sh.loc[(sh["measure"] == measure) & (sh["group"] == "focal")]
    if sh.empty:
        return s.add(unavailable(f"The caterpillar plot of {_phrase(r, measure)}"))
    sh = sh.loc[sh["year"] == sh["year"].max()].copy()
    sh = privacy.flag_small(sh, min_cell=r.min_cell)
    sh["label"] = [r.label(u) for u in sh["unit_id"]]
    shown = privacy.visible(sh)
    s.add(
        _draw(
            "caterpillar",
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


def bright_spots(r: Report) -> Section:
    """Units credibly better than the network, with their evidence."""
    s = Section("bright")
    b = r.model("variation__bright_spots")
    measure = r.params.focal_measure
    if b is None:
        return s.add(unavailable("Bright spots"))
    spots = b.loc[(b["measure"] == measure) & (b["group"] == "focal")].copy()
    if spots.empty:
        return s.add(
            _sentence(
                f"No {r.noun.lower()} is a credible bright spot on {_E(_phrase(r, measure))} for "
                f"{_who(r, 'focal')}: none sits above the network by more than chance, year "
                "after year."
            )
        )
    spots = privacy.flag_small(spots, min_cell=r.min_cell)
    spots["label"] = [r.label(u) for u in spots["unit_id"]]
    first, last = int(spots["first_year"].min()), int(spots["last_year"].max())
    n = len(spots)
    s.add(
        _sentence(
            f"{_capital(_plural(n, r.noun.lower()))} {'is a credible bright spot' if n == 1 else 'are credible bright spots'} on "
            f"{_E(_phrase(r, measure))} for {_who(r, 'focal')}: pooling {first}–{last}, "
            f"{'its' if n == 1 else 'each one’s'} estimate (pulled toward the network in "
            "proportion to how little data it has) is above the network rate with 95% "
            "confidence, and it was better in most single years too: "
            + _list([_E(x) for x in spots.sort_values("estimate", ascending=False)["label"]])
            + "."
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
    within = r.model("practices__within")
    if within is None or within.empty:
        return s.add(unavailable("The practices analysis", no_table("practices")))
    from netlab import practices as pr

    student = r.model("practices__student_level")
    models = [within] + ([student] if student is not None and len(student) else [])
    both = pd.concat(models, ignore_index=True)
    both["label"] = [_capital(pr.practice_label(p)) for p in both["practice"]]
    if "model" in both:
        names = {"within": f"within {r.noun.lower()}s", "student_level": "student level"}
        both["model"] = [names.get(str(m), str(m).replace("_", " ")) for m in both["model"]]
    s.add(
        _draw(
            "forest",
            both,
            tight=True,
            label="label",
            title="Practices and the focal measure",
            alt="Estimated association of each practice with the focal measure, with intervals",
            caption=f"Within-{r.noun.lower()} estimates ({r.noun.lower()} and year fixed effects, "
            f"errors clustered by {r.noun.lower()})"
            + (" beside the student-level sensitivity model" if len(models) > 1 else "")
            + ", percentage points with 95% intervals.",
            size=(6.4, max(2.8, 0.45 * within["practice"].nunique() + 1.2)),
        )
    )
    sentences = r.model("practices__sentences")
    if sentences is not None and "sentence" in sentences:
        s.add(
            '<div class="netlab-sentences">'
            + "".join(_sentence(_E(str(t))) for t in sentences["sentence"])
            + "</div>"
        )
    w = within.assign(label=[pr.practice_label(p) for p in within["practice"]])
    noun = r.noun.lower()
    s.add(_practice_table(r, w, f"Within {noun}s: each {noun} against itself over time"))
    for name, caption in (
        ("practices__student_level", "Student-level sensitivity model"),
        ("practices__gains", "Gains model"),
    ):
        extra = r.model(name)
        if extra is not None and len(extra):
            extra = extra.assign(label=[pr.practice_label(p) for p in extra["practice"]])
            s.add(_practice_table(r, extra, caption))
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


def _practice_table(r: Report, frame: pd.DataFrame, caption: str) -> str:
    cols = [
        Col("label", "Practice"),
        Col("estimate_pp", "Estimate (pp)", "num1"),
        Col("ci_low_pp", "from", "num1"),
        Col("ci_high_pp", "to", "num1"),
        Col("q_value", "q (adjusted)", "num"),
        Col("n_schools_ever", f"{r.noun}s with it", "count"),
        Col("n_switchers", "Changed", "count"),
        Col("evidence", "Evidence"),
    ]
    frame = frame.assign(label=[_capital(x) for x in frame["label"]])
    return table(
        frame,
        [c for c in cols if c.key in frame.columns],
        min_cell=r.min_cell,
        caption=caption,
        fold=True,
    )
