"""Equity gaps: focal students against the rest, with intervals, for each unit (or one
unit over the years)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlab import plots
from netlab.report._html import (
    _E,
    Col,
    Section,
    _draw,
    _measure_label,
    _phrase,
    _suppressed_note,
    table,
)
from netlab.report._lookup import lookup

if TYPE_CHECKING:
    from netlab.report._context import Report


def equity_gaps(r: Report) -> Section:
    """Gaps between focal students and the rest, with intervals.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("equity")
    measure = r.measure
    label = _measure_label(r, measure)
    look = lookup(
        r,
        "variation__equity_gaps",
        "Equity gaps",
        measure=measure,
        unit=True,
        latest=r.unit_id is None,
        n=("focal_denominator", "ref_denominator"),
        why=""
        if r.prepared.has_students
        else "not available from public files (they carry no student groups)",
        empty=f"Equity gaps on {_phrase(r, measure)}",
    )
    if look.missing:
        return s.add(look.missing)
    g, shown = look.rows
    s.add(
        _draw(
            plots.equity_gaps,
            shown.assign(unit_id=shown["label"]),
            highlight=r.unit_name if r.unit_id is not None else None,
            label_units=False,  # the table below names them; names under the axis crowd it
            title=f"{_measure_label(r, measure, short=True)}: focal students minus the rest",
            tight=r.unit_id is None,
            alt=f"Gap in {label} between focal students and the rest",
            caption=f"{_E(label)}: focal students minus the rest, percentage points, "
            "with 95% intervals.",
            n_min=shown["n_min"].min() if len(shown) else None,
        )
        if len(shown)
        else _suppressed_note(r, "The gap")
    )
    cols = [Col("label", r.noun)] if r.unit_id is None else [Col("year", "Year")]
    cols += [
        Col("focal_denominator", "Focal students", "n", n="focal_denominator"),
        Col("focal_rate", "Focal", "rate", n="focal_denominator"),
        Col("ref_denominator", "Other students", "n", n="ref_denominator"),
        Col("ref_rate", "Others", "rate", n="ref_denominator"),
        Col("gap_pp", "Gap (points)", "num1", n="n_min"),
        Col("low_pp", "from", "num1", n="n_min"),
        Col("high_pp", "to", "num1", n="n_min"),
    ]
    order = g.sort_values("gap_pp") if r.unit_id is None else g.sort_values("year")
    s.add(
        table(
            order,
            [c for c in cols if c.key in g.columns or c.key == "label"],
            min_cell=r.min_cell,
            band_below=r.band_below,
            caption=f"{_E(label)}: equity gap (focal minus other students)",
            fold=8 if r.unit_id is None else False,
        )
    )
    if g["suppressed"].any():
        s.add(_suppressed_note(r, "A gap"))
    return s
