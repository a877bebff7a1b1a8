"""Since last term, on the page: the network's first screen, a school's report, the
index's column, and the revisions a new pull made (in the data-quality section).

Everything here reads the history through :mod:`netlab.pipeline` and says it through
:mod:`netlab.words`; a run whose network has no earlier term shows nothing.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from netlab import pipeline
from netlab.report._context import Report
from netlab.report._html import Col, Section, _measure_label, _phrase, _who, table
from netlab.words import (
    network_since_words,
    revision_words,
    unit_since_words,
)

_E = html.escape


def _snapshot(prepared) -> tuple[str, dt.date]:
    return pipeline.network_of(prepared.params), pipeline.run_date(prepared)


def since_frame(prepared) -> pd.DataFrame:
    """Each unit now and last term on the run's focal measure for its focal group.

    Parameters
    ----------
    prepared : Prepared
        The prepared run (:func:`netlab.pipeline.prepare`).

    Returns
    -------
    pandas.DataFrame
        :func:`netlab.pipeline.since_last_term`'s rows; empty when there is no history.
    """
    network, as_of = _snapshot(prepared)
    if not pipeline.history_file().exists():
        return pd.DataFrame()
    return pipeline.since_last_term(
        network, measure=prepared.params.focal_measure, group="focal", as_of=as_of
    )


def revised(prepared) -> pd.DataFrame:
    """The figures of earlier classes this run's pull changed (both values, both dates)."""
    network, as_of = _snapshot(prepared)
    if not pipeline.history_file().exists():
        return pd.DataFrame()
    return pipeline.revisions(network, as_of=as_of)


def since_last_term(r: Report) -> Section:
    """What moved since last term: the network's counts, or this school's own change.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("since")
    frame = since_frame(r.prepared)
    if frame.empty:
        return s
    s.add(
        '<h3 class="netlab-since-title">Since last term</h3>'
    )  # a box above the contents' sections
    if r.unit_id is None:
        for text in network_since_words(frame, noun=r.noun.lower(), min_cell=r.min_cell):
            s.add(f'<p class="netlab-since">{_E(text)}</p>')
    else:
        own = frame[frame["unit_id"].astype(str) == str(r.unit_id)]
        if len(own):
            text = unit_since_words(
                own.iloc[0].to_dict(),
                phrase=_phrase(r, r.params.focal_measure),
                who=_who(r, "focal"),
                min_cell=r.min_cell,
            )
            s.add(f'<p class="netlab-since">{_E(text)}</p>')
    n = len(_revisions_for(r))
    if n:
        s.add(f'<p class="netlab-since">{_E(_revision_sentence(r))} See Data quality.</p>')
    return s


def _revisions_for(r: Report) -> pd.DataFrame:
    rev = revised(r.prepared)
    if rev.empty:
        return rev
    if r.unit_id is not None:
        rev = rev[
            rev["unit_id"].astype(str).isin(r.prepared.schools_of(r.unit_id) + [str(r.unit_id)])
        ]
    return rev[rev["group"] == "all"]


def _revision_sentence(r: Report) -> str:
    rev = _revisions_for(r)
    term = str(rev["previous_term"].iloc[0]) if len(rev) else "the term before"
    return revision_words(len(rev), previous_term=term, classes=rev["year"].tolist())


def revisions_table(r: Report) -> str | None:
    """The data-quality section's list of revised figures (all students), or None."""
    rev = _revisions_for(r)
    if rev.empty:
        return None
    if r.unit_id is None:  # the network: one row per measure and class, summed over units
        rev = (
            rev.groupby(["measure", "year", "previous_as_of", "as_of"], as_index=False)[
                ["previous_numerator", "previous_denominator", "numerator", "denominator"]
            ]
            .sum()
            .assign(units=rev.groupby(["measure", "year"]).size().to_numpy())
        )
    rev = rev.assign(
        measure=[_measure_label(r, m) for m in rev["measure"]],
        previous_rate=rev["previous_numerator"] / rev["previous_denominator"],
        rate=rev["numerator"] / rev["denominator"],
        previous_as_of=rev["previous_as_of"].astype(str),
        as_of=rev["as_of"].astype(str),
        year=rev["year"].astype(int).astype(str),
    )
    if "units" in rev:
        rev["units"] = rev["units"].astype(int).astype(str)
    cols = [
        Col("measure", "Measure"),
        Col("year", "Class"),
        Col("previous_rate", "Before", "rate", n="previous_denominator"),
        Col("previous_as_of", "Data as of (before)"),
        Col("rate", "Now", "rate", n="denominator"),
        Col("as_of", "Data as of (now)"),
    ]
    if "units" in rev:
        cols.insert(2, Col("units", f"{r.noun}s revised"))
    return f'<p class="netlab-revisions">{_E(_revision_sentence(r))}</p>' + table(
        rev, cols, min_cell=r.min_cell, caption="Revised by the new data", fold=len(rev) > 8
    )
