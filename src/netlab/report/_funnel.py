"""The funnel plot: each unit's focal rate against the network's limits, with the unit's
own place in words on a school's report (peers unnamed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

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
from netlab.report._words import (
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
            caption=f"{_E(label)}, {_E(_who(r, 'focal'))}, {year}: each point is a "
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
            ),
            n_min=shown["denominator"].min() if len(shown) else None,
            size=(6.4, 4.0),
        )
    )
    phi = float(f["phi"].iloc[0]) if "phi" in f.columns else np.nan
    tau2 = float(f["tau2"].iloc[0]) if "tau2" in f.columns else np.nan
    spread = overdispersion_words(
        phi=phi, tau=np.sqrt(tau2) if tau2 >= 0 else np.nan, noun=r.noun.lower()
    )
    if spread:
        method = str(f["method"].iloc[0]) if "method" in f.columns else ""
        s.add(_sentence(spread))
        s.add(
            analyst_line(
                f"Overdispersion φ = {phi:.2f}, between-{r.noun.lower()} variance τ² = "
                f"{tau2:.4f}" + (f" ({_E(method)} model)" if method else "")
            )
        )
    if hidden:
        s.add(
            _note(
                funnel_hidden_words(hidden, r.noun.lower(), r.min_cell),
                cls="netlab-suppressed-note",
            )
        )
    target = float(f["target"].iloc[0]) if "target" in f.columns else np.nan
    if highlight is not None:
        mine = f.loc[f["unit_id"].astype(str) == str(highlight)]
        if mine.empty:
            s.add(unavailable(f"{r.unit_name}'s point"))
        elif bool(mine["suppressed"].iloc[0]):
            s.add(_suppressed_note(r, f"{r.unit_name}'s point"))
        else:
            m = mine.iloc[0]
            s.add(
                _sentence(
                    funnel_position_words(
                        short=short,
                        year=year,
                        rate=m.rate,
                        n=m.denominator,
                        who=_who(r, "focal"),
                        where=r.unit_name,
                        network_rate=target,
                        flag=m.get("flag"),
                    ),
                    m.denominator,
                )
            )
    else:
        flagged = (
            shown.loc[shown["flag"].isin(["above", "below"])]
            if "flag" in shown
            else shown.iloc[:0]
        )
        s.add(
            table(
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
            if len(flagged)
            else _sentence(f"No {r.noun.lower()} lies outside the outer (99.8%) limits in {year}.")
        )
    return s
