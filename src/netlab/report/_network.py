"""Report sections of the network report: where results vary (the spread ranking, the
constellation trend, the caterpillar plot), the bright spots, and each team's own indicator."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from netlab import plots, privacy
from netlab.measures import direction as measure_direction
from netlab.report._html import (
    _E,
    Col,
    Section,
    _draw,
    _measure_label,
    _note,
    _phrase,
    _sentence,
    _who,
    table,
)
from netlab.report._lookup import lookup
from netlab.report._notes import analyst_line
from netlab.variation import BRIGHT_SPOT_YEARS
from netlab.words import (
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
    """Measures ranked by between-unit spread for the focal group: where to focus.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("spread")
    look = lookup(r, "variation__spread", "The spread ranking", n=None)
    if look.missing:
        return s.add(look.missing)
    f = look.rows[0]
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
            band_below=r.band_below,
            caption=f"Measures ranked by spread between {r.noun.lower()}s, {_E(_who(r, 'focal'))}",
            fold=True,
        )
    )
    return s


def team_indicators(r: Report) -> Section:
    """Each team's progress on its own indicator, as change from its baseline.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
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
            band_below=r.band_below,
            caption="Each team's own indicator: change since the baseline (percentage points, 95% interval)",
            fold=10,
        )
    )
    return s


def constellation(r: Report) -> Section:
    """Is the network becoming a constellation? Network rate and spread over the years.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("constellation")
    measure = r.params.focal_measure
    label = _measure_label(r, measure)
    look = lookup(r, "variation__constellation", "The constellation trend", measure=measure)
    if look.missing:
        return s.add(look.missing)
    c = look.rows[0].sort_values("year")
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
                floors=(first.q25, last.q25) if "q25" in c.columns else None,
            ),
            min(first.denominator, last.denominator),
        )
    )
    if "tau" in c.columns:
        s.add(
            analyst_line(
                f"Between-{r.noun.lower()} SD of true rates τ: {first.tau:.1%} "
                f"({int(first.year)}) to {last.tau:.1%} ({int(last.year)})"
            )
        )
    return s


def caterpillar(r: Report) -> Section:
    """Shrunken unit estimates with intervals, latest year, focal measure.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("caterpillar")
    measure = r.params.focal_measure
    label = _measure_label(r, measure)
    look = lookup(r, "variation__shrunken", "The caterpillar plot", measure=measure, latest=True)
    if look.missing:
        return s.add(look.missing)
    sh, shown = look.rows
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
    """Units credibly better than the network, with their evidence.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("bright")
    measure = r.params.focal_measure
    look = lookup(r, "variation__bright_spots", "Bright spots", measure=measure)
    if not look.fitted:
        return s.add(look.missing)
    spots = look.rows[0]
    noun, phrase, who = r.noun.lower(), _phrase(r, measure), _who(r, "focal")
    share = r.params.bright_spots.share
    if look.missing:
        return s.add(
            _sentence(
                no_bright_spot_words(
                    noun=noun, phrase=phrase, who=who, share=share, years=BRIGHT_SPOT_YEARS
                )
            )
        )
    better = measure_direction(measure, r.prepared.measures)
    s.add(
        _sentence(
            bright_spot_words(
                list(spots.sort_values("estimate", ascending=better == "lower")["label"]),
                noun=noun,
                phrase=phrase,
                who=who,
                first=int(spots["first_year"].min()),
                last=int(spots["last_year"].max()),
                probability=_probability(spots),
                share=share,
                margin=_margin(spots),
                years=BRIGHT_SPOT_YEARS,
                direction=better,
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
            band_below=r.band_below,
            caption=f"Bright spots on {_E(_phrase(r, measure))} and their evidence",
            fold=True,
        )
    )
    return s
