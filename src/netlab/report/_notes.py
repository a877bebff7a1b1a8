"""Notes beside a report's figures: the run's year notes and the folded lines for analysts."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from netlab.report._context import Report

__all__ = ["analyst_line", "year_notes"]

_E = html.escape


def year_notes(r: Report, years: Any) -> str:
    """The run's notes (``year_notes``) for the years a first screen shows, as one block.

    Parameters
    ----------
    r : Report
    years : iterable of int
        The years the figures beside it are for (missing ones ignored).

    Returns
    -------
    str
        Empty when the run has no note for those years.
    """
    notes = getattr(r.params, "year_notes", None) or {}
    shown = sorted({int(y) for y in years if y is not None and pd.notna(y)})
    said = [f"<strong>{y}:</strong> {_E(notes[y])}" for y in shown if y in notes]
    if not said:
        return ""
    return '<p class="netlab-note netlab-year-note">' + " ".join(said) + "</p>"


def analyst_line(text: str) -> str:
    """The statistics behind a plain sentence, for analysts: folded, on screen only.

    Symbols (φ, τ, p) appear only here; a reader meets the sentence beside it.
    """
    return (
        '<details class="netlab-fold netlab-analyst netlab-paper-folded"><summary>For '
        f'analysts</summary><p class="netlab-analyst-line">{text}</p></details>'
    )
