"""The network at a glance: one row per unit for the index, and the network report's first
screen (where results vary most, whether the aim is on track, how many more students, which
schools to learn from).

The per-unit frame reads only what the run already fitted (funnel, equity gaps, bright
spots, traction stages, live-case pairs) and the rates table; every figure follows the same
suppression as the sections that show it in full.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netlab import livecase, privacy
from netlab.report._aim import aim_facts, aim_status_sentence
from netlab.report._html import _E, Section, _phrase, _who, unavailable
from netlab.report._lookup import lookup
from netlab.report._notes import year_notes
from netlab.words import (
    how_many_more_words,
    learn_from_words,
    no_status_words,
    spread_card_words,
    stage_of_teams,
)

if TYPE_CHECKING:
    from netlab.report._context import Report

__all__ = ["network_glance", "unit_glance"]


def _teams_of(r: Report) -> dict[str, list[str]]:
    """Each unit's teams (school ids): the unit itself, or a district's schools."""
    ids = r.prepared.units["unit_id"].astype(str)
    schools = r.prepared.tables.get("schools")
    if r.params.unit != "district" or schools is None or "district" not in schools:
        return {u: [u] for u in ids}
    by = schools.groupby(schools["district"].astype(str))["school_id"].agg(
        lambda s: s.astype(str).tolist()
    )
    return {u: by.get(u, []) for u in ids}


def _stages(r: Report) -> dict[str, str]:
    """Each unit's latest traction stage ("spread"; for a district, its teams' spread)."""
    look = lookup(r, "traction__stages", "Stages of traction", group=None, latest=True, n=None)
    if look.missing:
        return {}
    latest = look.rows[0]
    if "stage" not in latest:
        return {}
    stage = dict(zip(latest["school_id"].astype(str), latest["stage"].astype(str), strict=True))
    out = {}
    for unit, teams in _teams_of(r).items():
        found = [stage[t] for t in teams if t in stage]
        if found:
            out[unit] = stage_of_teams(found, len(teams))
    return out


def unit_glance(r: Report) -> pd.DataFrame:
    """One row per unit: how it is doing on the focal measure for the focal group.

    Parameters
    ----------
    r : Report
        A network report over the prepared run.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``year``, ``focal_rate`` and ``focal_n`` (latest year; missing when
        suppressed), ``change_pp`` since the aim's baseline year, ``gap_pp`` with
        ``gap_low_pp`` and ``gap_high_pp`` (focal minus other students, latest year),
        ``funnel`` ("above", "within", "below" the 99.8% limits), ``bright_spot`` (bool),
        ``stage`` (latest traction stage), ``hosts`` and ``visits`` (live-case partners'
        unit ids), in the units' order.
    """
    measure = r.params.focal_measure
    units = r.prepared.units["unit_id"].astype(str).tolist()
    out = pd.DataFrame({"unit_id": units})
    look = lookup(r, "variation__funnel", "", measure=measure, latest=True, hide_by=["year"])
    year = None
    if not look.missing:
        f = look.rows[0]
        year = int(f["year"].max())
        f = f.assign(unit_id=f["unit_id"].astype(str)).set_index("unit_id")
        shown = ~f["suppressed"]
        out["focal_rate"] = out["unit_id"].map(f["rate"].where(shown))
        out["focal_n"] = out["unit_id"].map(f["denominator"].where(shown))
        out["funnel"] = out["unit_id"].map(f["flag"].where(shown)) if "flag" in f else np.nan
    else:
        out["focal_rate"] = out["focal_n"] = out["funnel"] = np.nan
    out["year"] = year
    out["change_pp"] = out["unit_id"].map(_change(r, measure, year))
    look = lookup(
        r,
        "variation__equity_gaps",
        "",
        measure=measure,
        latest=True,
        n=("focal_denominator", "ref_denominator"),
    )
    if not look.missing:
        g = look.rows[1]
        g = g.assign(unit_id=g["unit_id"].astype(str)).set_index("unit_id")
        for col, key in (
            ("gap_pp", "gap_pp"),
            ("gap_low_pp", "low_pp"),
            ("gap_high_pp", "high_pp"),
        ):
            out[col] = out["unit_id"].map(g[key])
    else:
        out["gap_pp"] = out["gap_low_pp"] = out["gap_high_pp"] = np.nan
    b = lookup(r, "variation__bright_spots", "", measure=measure, n=None).frame
    spots = set(b["unit_id"].astype(str)) if b is not None else set()
    out["bright_spot"] = out["unit_id"].isin(spots)
    out["stage"] = out["unit_id"].map(_stages(r))
    pairs = shown_pairs(r)
    hosts = pairs.groupby("host")["visitor"].agg(list) if len(pairs) else pd.Series(dtype=object)
    visits = pairs.groupby("visitor")["host"].agg(list) if len(pairs) else pd.Series(dtype=object)
    out["hosts"] = [hosts.get(u, []) for u in out["unit_id"]]
    out["visits"] = [visits.get(u, []) for u in out["unit_id"]]
    return out


def _change(r: Report, measure: str, year: int | None) -> pd.Series:
    """Each unit's change (pp) from the aim's baseline year to ``year``, both shown."""
    rates = r.prepared.rates
    base_year = r.params.aim.baseline_year
    if year is None or year == base_year:
        return pd.Series(dtype=float)
    rows = rates.loc[
        (rates["measure"] == measure)
        & (rates["group"] == "focal")
        & rates["year"].isin([base_year, year])
    ]
    rows = rows.groupby(["unit_id", "year"], as_index=False)[["numerator", "denominator"]].sum()
    rows = privacy.visible(privacy.flag_small(rows, min_cell=r.min_cell))
    rate = rows.assign(rate=rows["numerator"] / rows["denominator"]).pivot_table(
        index="unit_id", columns="year", values="rate"
    )
    if base_year not in rate.columns or year not in rate.columns:
        return pd.Series(dtype=float)
    change = 100 * (rate[year] - rate[base_year])
    return change.set_axis(change.index.astype(str))


def shown_pairs(r: Report) -> pd.DataFrame:
    """The live-case pairs a report may show (:func:`netlab.livecase.shown_pairs`)."""
    return livecase.shown_pairs(r.model("livecase__pairs"), min_cell=r.min_cell)


# --------------------------------------------------------------------------------------
# The network report's first screen
# --------------------------------------------------------------------------------------


def _card(question: str, answer: str, cls: str = "") -> str:
    return (
        f'<div class="netlab-card {cls}"><h3 class="netlab-card-q">{_E(question)}</h3>'
        f"{answer}</div>"
    )


def _aim_cards(r: Report, facts: dict[str, Any] | None) -> list[str]:
    """On track? and how many more students? (the latter only when it can be said)."""
    if facts is None or facts["latest"] is None:
        return [_card("On track?", unavailable("The aim's status"))]
    status = aim_status_sentence(r, facts)
    latest = facts["latest"]
    if status is None:
        status = no_status_words(
            phrase=facts["phrase"],
            who=facts["who"],
            rate=latest.rate,
            year=latest.year,
            baseline_year=r.params.aim.baseline_year,
        )
    cards = [
        _card(
            "On track?",
            f'<p class="netlab-sentence netlab-aim-status" '
            f'data-n-min="{int(facts["n_min"])}">{status}</p>',
            "netlab-card-aim",
        )
    ]
    more = how_many_more_words(
        phrase=facts["phrase"],
        people=facts["people"],
        more=facts["more"],
        year=latest.year,
        baseline_year=r.params.aim.baseline_year,
        count=latest.numerator,
        base_count=facts["base"].numerator if facts["base"] is not None else None,
        to_target=facts["to_target"],
        target=r.params.aim.target,
    )
    if more:
        cards.append(
            _card(
                "How many more students?",
                f'<p class="netlab-sentence" data-n-min="{int(facts["n_min"])}">{more}</p>',
            )
        )
    return cards


def _spread_card(r: Report) -> str:
    """Where does the network vary most? The measure with the widest spread between units."""
    spread = lookup(r, "variation__spread", "The spread", n=None).frame
    if spread is None or not len(spread):
        return _card("Where does the network vary most?", unavailable("The spread"))
    top = spread.iloc[0]
    sd = float(top["tau"]) if "tau" in spread and pd.notna(top["tau"]) else None
    text = spread_card_words(
        phrase=_phrase(r, str(top["measure"])),
        who=_who(r, "focal"),
        noun=r.noun.lower(),
        sd=sd,
        network_rate=float(top["network_rate"]) if "network_rate" in spread else None,
    )
    return _card("Where does the network vary most?", f"<p>{text}</p>")


def network_glance(r: Report) -> Section:
    """The first screen of the network report: four questions a hub asks, answered.

    On track or not (the aim's status), how many more students (against the baseline, and
    to reach the target this year), where the network varies most (the measure with the
    widest spread between units), and which units to learn from (bright spots and live-case
    hosts).

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("glance")
    facts = aim_facts(r)
    cards = _aim_cards(r, facts)
    cards.append(_spread_card(r))
    cards.append(_card(f"Which {r.noun.lower()}s to learn from?", _learn_from(r)))
    if facts is not None and facts["latest"] is not None:
        note = year_notes(r, [r.params.aim.baseline_year, facts["latest"].year])
        if note:
            s.add(note)
    s.add('<div class="netlab-glance">' + "".join(cards) + "</div>")
    return s


def _learn_from(r: Report) -> str:
    noun = r.noun.lower()
    b = lookup(r, "variation__bright_spots", "", measure=r.params.focal_measure, n=None).frame
    pairs = shown_pairs(r)
    ids: list[str] = []
    if b is not None and len(b):
        b = b.sort_values("estimate", ascending=False) if "estimate" in b else b
        ids = list(dict.fromkeys(b["unit_id"].astype(str)))
    hosts = list(dict.fromkeys(pairs["host"])) if len(pairs) else []
    said = learn_from_words(
        noun=noun,
        phrase=_phrase(r, r.params.focal_measure),
        spots=[r.label(u) for u in ids] if b is not None else None,
        hosts=[r.label(u) for u in hosts],
        pairs=len(pairs),
        hosts_are_spots=set(hosts) == set(ids),
    )
    if said is None:
        return unavailable("Bright spots and live cases")
    return "<p>" + said + "</p>"
