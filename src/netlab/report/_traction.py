"""Report sections of the traction report: stages, transitions, outcomes, PDSA, survey."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from netlab import plots
from netlab.report._html import (
    _E,
    Col,
    Section,
    _draw,
    _measure_label,
    _note,
    _sentence,
    no_table,
    table,
    unavailable,
)
from netlab.report._lookup import Looked, lookup
from netlab.words import survey_covariance_words, transition_words

if TYPE_CHECKING:
    from netlab.report._context import Report


# --------------------------------------------------------------------------------------
# Traction sections
# --------------------------------------------------------------------------------------


def _teams(r: Report, key: str, what: str = "", why: str = "") -> Looked:
    """A traction model: rows on teams and staff, counting no students of their own."""
    return lookup(r, key, what, group=None, n=None, why=why)


def _cohort_filter(r: Report, frame: pd.DataFrame) -> pd.DataFrame:
    if r.cohorts and "cohort" in frame.columns:
        return frame.loc[frame["cohort"].isin(r.cohorts)]
    return frame


def traction_stages(r: Report) -> Section:
    """Shares of teams at each stage, by cohort and year.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("stages")
    look = _teams(r, "traction__shares", "Stages of traction", no_table("traction"))
    if not look.fitted:
        return s.add(look.missing)
    shares = _cohort_filter(r, look.frame)
    s.add(
        _draw(
            plots.stage_shares,
            shares,
            tight=True,
            alt="Share of teams at each stage of traction by cohort and year",
            caption="Stages, from the rubric's four dimensions (Coburn 2003): no traction; "
            "initiation (ownership and depth); spread (initiation plus spread beyond the "
            "team); sustainability (all four).",
            size=(7.0, 3.8),
        )
    )
    net = _teams(r, "traction__shares_network").frame
    if net is not None and len(net):
        wide = net.pivot_table(index="year", columns="stage", values="share", observed=True)
        teams = net.groupby("year")["total"].first()
        wide = wide.reset_index().assign(teams=lambda d: d["year"].map(teams))
        wide["year"] = wide["year"].astype(int)
        cols = [Col("year", "Year"), Col("teams", "Teams", "count")]
        cols += [Col(c, str(c).capitalize(), "rate") for c in wide.columns[1:-1]]
        s.add(
            table(
                wide,
                cols,
                min_cell=r.min_cell,
                band_below=r.band_below,
                caption="Share of teams at each stage",
            )
        )
    return s


def traction_transitions(r: Report) -> Section:
    """Year-to-year transitions between stages, and time to reach each stage.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("transitions")
    look = _teams(r, "traction__transitions", "Transitions between stages")
    if look.missing:
        return s.add(look.missing)
    tr = look.rows[0]
    s.add(
        _draw(
            plots.transitions,
            tr,
            tight=True,
            alt="Transitions between stages from one year to the next",
            caption="Each row: the teams at a stage one year, and where they were the next.",
            size=(5.6, 4.0),
        )
    )
    said = transition_words(tr.groupby("change", as_index=False)["teams"].sum())
    if said:
        s.add(_sentence(said))
    reach = _teams(r, "traction__reach_curve").frame
    if reach is not None and len(reach):
        s.add(
            table(
                reach,
                [
                    Col("stage", "Stage"),
                    Col("years", "Years since joining", "count"),
                    Col("at_risk", "Teams followed", "count"),
                    Col("reached", "Reached it", "count"),
                    Col("share_reached", "Share reached (cumulative)", "rate"),
                    Col("share_low", "from", "rate"),
                    Col("share_high", "to", "rate"),
                ],
                min_cell=r.min_cell,
                band_below=r.band_below,
                caption="How long teams take to reach each stage (the share with its 95% "
                "interval; teams not there yet count as still on their way, not as never)",
            )
        )
    return s


def traction_outcomes(r: Report) -> Section:
    """The focal measure's change for teams at each stage, with intervals and the caveat.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("outcomes")
    look = lookup(
        r,
        "traction__stage_outcomes",
        "Traction against outcomes",
        group=None,
        n=("students_baseline", "students_end"),
    )
    if look.missing:
        return s.add(look.missing)
    label = _measure_label(r, r.params.focal_measure)
    out, shown = look.rows
    if shown.empty or not (out["teams"] > 0).any():
        return s.add(
            unavailable(
                "Traction against outcomes",
                "no stage has enough teams and students with outcomes to show",
            )
        )
    s.add(
        _draw(
            plots.stage_outcomes,
            shown,
            tight=True,
            label=label,
            alt=f"Change in {label} by stage of traction",
            caption=f"Change in {_E(label.lower())} for focal students from the baseline year, "
            "by each team's latest stage, percentage points with 95% intervals.",
            n_min=shown["n_min"].min() if len(shown) else None,
        )
    )
    s.add(
        table(
            out,
            [
                Col("stage", "Stage"),
                Col("teams", "Teams", "count"),
                Col("students_end", "Students (latest)", "n", n="students_end"),
                Col("mean_change_pp", "Mean change (points)", "num1", n="n_min"),
                Col("ci_low_pp", "from", "num1", n="n_min"),
                Col("ci_high_pp", "to", "num1", n="n_min"),
            ],
            min_cell=r.min_cell,
            band_below=r.band_below,
            caption=f"{_E(label)}: change by stage",
        )
    )
    from netlab import traction as tr

    caveat = getattr(
        tr,
        "STAGE_OUTCOME_CAVEAT",
        "Teams at later stages may differ in other ways; this is association, not cause.",
    )
    s.add(_note(_E(caveat), cls="netlab-caveat"))
    return s


def traction_pdsa(r: Report) -> Section:
    """PDSA activity across teams, by term.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("pdsa")
    look = _teams(r, "traction__pdsa_activity", "PDSA activity", no_table("pdsa"))
    if look.missing:
        return s.add(look.missing)
    act = look.rows[0]
    counts = [c for c in ("cycles", "adopt", "adapt", "abandon", "pending") if c in act.columns]
    by_term = act.groupby("term", as_index=False)[counts].sum()
    teams = act.loc[act["cycles"] > 0].groupby("term")["school_id"].nunique()
    by_term["teams"] = by_term["term"].map(teams).fillna(0)
    from netlab.traction import term_key

    by_term = by_term.sort_values("term", key=lambda t: t.map(term_key), kind="stable")
    cols = [Col("term", "Term"), Col("teams", "Teams testing", "count")]
    cols += [Col(c, c.capitalize(), "count") for c in counts]
    s.add(
        table(
            by_term,
            cols,
            min_cell=r.min_cell,
            band_below=r.band_below,
            caption="PDSA cycles by term, all teams",
        )
    )
    return s


def traction_survey(r: Report) -> Section:
    """Network-survey trends before and after the spotlight date.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("survey")
    look = _teams(r, "traction__survey_trends", "Network-survey trends", no_table("survey"))
    if look.missing:
        return s.add(look.missing)
    from netlab.traction import survey_label

    trends = look.rows[0].assign(item=lambda f: f["item"].map(survey_label))
    date = r.params.traction.spotlight_date
    s.add(
        _draw(
            plots.survey_trends,
            trends,
            tight=True,
            date=date,
            alt="Network survey means by term with the spotlight date marked",
            caption="Mean agreement (1–5) with 95% intervals clustered by team: feeling "
            "connected to other "
            "teams, having a voice, implementing ideas from others"
            + (f"; the line marks {date:%d %B %Y}." if date else "."),
            size=(7.0, 3.6),
        )
    )
    change = _teams(r, "traction__survey_change").frame
    if change is not None and len(change):
        s.add(
            table(
                change.assign(item=change["item"].map(survey_label)),
                [
                    Col("item", "Item"),
                    Col("n_before", "Responses before", "count"),
                    Col("mean_before", "Mean before", "num"),
                    Col("n_after", "Responses after", "count"),
                    Col("mean_after", "Mean after", "num"),
                    Col("difference", "Difference", "num"),
                    Col("ci_low", "from", "num"),
                    Col("ci_high", "to", "num"),
                ],
                min_cell=r.min_cell,
                band_below=r.band_below,
                caption="Before and after the date (staff responses; the 95% intervals "
                "are clustered by team, because colleagues' answers move together)",
            )
        )
    used = [
        (item, kind)
        for frame in (trends, change)
        if frame is not None and "covariance" in frame
        for item, kind in zip(frame["item"], frame["covariance"].fillna(""), strict=True)
    ]
    words = survey_covariance_words(used)
    if words:
        s.add(_note(_E(words)))
    return s
