"""The funnel plot: each unit's focal rate against the network's limits, with the unit's
own place in words on a school's report (peers unnamed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
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
    _suppressed_note,
    _who,
    table,
    unavailable,
)
from netlab.report._lookup import lookup
from netlab.report._notes import analyst_line
from netlab.words import (
    funnel_hidden_words,
    funnel_position_words,
    overdispersion_words,
)

if TYPE_CHECKING:
    from netlab.report._context import Report


def funnel_position(r: Report) -> Section:
    """The unit's place in the network's funnel for its measure (peers unnamed).

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    return funnel(r, highlight=r.unit_id)


def _funnel_caption(r: Report, f: pd.DataFrame, label: str, year: int) -> str:
    """What the funnel shows: each point, the limits, exactness and how units are named."""
    return (
        f"{_E(label)}, {_E(_who(r, 'focal'))}, {year}: each point is a "
        f"{r.noun.lower()}; the lines are the 95% and 99.8% limits around the network "
        "rate."
        + (
            " The limits are exact binomial ones, so a small "
            f"{r.noun.lower()} is not flagged by chance more often than the limits say."
            if "exact" in f and f["exact"].any()
            else ""
        )
        + (
            ""
            if r.names_peers
            else f" {r.noun}s are shown by letter."
            if r.unit_id is None
            else f" Other {r.noun.lower()}s are not named."
        )
    )


def _spread(r: Report, f: pd.DataFrame) -> list[str]:
    """The overdispersion in words, and the analyst's line with its figures."""
    phi = float(f["phi"].iloc[0]) if "phi" in f.columns else np.nan
    tau2 = float(f["tau2"].iloc[0]) if "tau2" in f.columns else np.nan
    spread = overdispersion_words(
        phi=phi, tau=np.sqrt(tau2) if tau2 >= 0 else np.nan, noun=r.noun.lower()
    )
    if not spread:
        return []
    method = str(f["method"].iloc[0]) if "method" in f.columns else ""
    return [
        _sentence(spread),
        analyst_line(
            f"Overdispersion φ = {phi:.2f}, between-{r.noun.lower()} variance τ² = "
            f"{tau2:.4f}" + (f" ({_E(method)} model)" if method else "")
        ),
    ]


def _own_point(r: Report, f: pd.DataFrame, highlight: str, *, short: str, year: int) -> str:
    """The highlighted unit's place in the funnel, in a sentence."""
    mine = f.loc[f["unit_id"].astype(str) == str(highlight)]
    if mine.empty:
        return unavailable(f"{r.unit_name}'s point")
    if bool(mine["suppressed"].iloc[0]):
        return _suppressed_note(r, f"{r.unit_name}'s point")
    m = mine.iloc[0]
    return _sentence(
        funnel_position_words(
            short=short,
            year=year,
            rate=m.rate,
            n=m.denominator,
            who=_who(r, "focal"),
            where=r.unit_name,
            network_rate=float(f["target"].iloc[0]) if "target" in f.columns else np.nan,
            flag=m.get("flag"),
        ),
        m.denominator,
    )


def _outside_limits(r: Report, f: pd.DataFrame, shown: pd.DataFrame, year: int) -> str:
    """The units outside the outer limits, as a table (or a sentence when none is)."""
    flagged = (
        shown.loc[shown["flag"].isin(["above", "below"])] if "flag" in shown else shown.iloc[:0]
    )
    if not len(flagged):
        return _sentence(f"No {r.noun.lower()} lies outside the outer (99.8%) limits in {year}.")
    return table(
        flagged.sort_values("rate", ascending=False),
        [
            Col("label", r.noun),
            Col("denominator", "Students", "n", n="denominator"),
            Col("rate", "Rate", "rate", n="denominator"),
            Col("flag", "Outside the 99.8% limits"),
        ],
        min_cell=r.min_cell,
        band_below=r.band_below,
        caption=f"{r.noun}s outside the outer limits ({len(flagged)} of {len(f)})",
        fold=8,
    )


def funnel(r: Report, *, highlight: str | None = None) -> Section:
    """Funnel plot of the focal measure for the focal group in the latest year.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).
    highlight : str or None, optional
        A unit to mark on the plot; the report's own unit when None.

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("funnel")
    measure = r.measure
    label = _measure_label(r, measure)
    short = _measure_label(r, measure, short=True)
    # The network rate is shown: one hidden unit could be recovered from the others.
    look = lookup(r, "variation__funnel", "The funnel plot", measure=measure, hide_by=["year"])
    limits = lookup(r, "variation__funnel_limits", "The funnel plot", measure=measure, n=None)
    if not (look.fitted and limits.fitted):
        return s.add(unavailable("The funnel plot"))
    if look.missing:
        return s.add(look.missing)
    f, shown, lim = look.frame, look.shown, limits.frame
    if f is None or shown is None or lim is None:  # fitted and not missing: never None
        return s.add(unavailable("The funnel plot"))
    year = int(f["year"].max())
    hidden = int(f["suppressed"].sum())
    s.add(
        _draw(
            plots.funnel,
            shown.assign(unit_id=shown["label"]),
            lim,
            highlight=r.unit_name if highlight is not None else None,
            label_units=False,
            title=f"{short}, {year}",
            alt=f"Funnel plot of {label} for {_who(r, 'focal')}, {year}",
            caption=_funnel_caption(r, f, label, year),
            n_min=shown["denominator"].min() if len(shown) else None,
            size=(6.4, 4.0),
        )
    )
    for part in _spread(r, f):
        s.add(part)
    if hidden:
        s.add(
            _note(
                funnel_hidden_words(hidden, r.noun.lower(), r.min_cell),
                cls="netlab-suppressed-note",
            )
        )
    if highlight is not None:
        return s.add(_own_point(r, f, highlight, short=short, year=year))
    return s.add(_outside_limits(r, f, shown, year))
