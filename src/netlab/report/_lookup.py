"""The one shape of a section's data: look up, filter, suppress, label.

Every section that shows a fitted model does the same first steps: read the model by
its key, keep the report's measure and group (and unit, and the latest year), flag the
rows resting on too few students, and name the units as the report may name them.
:func:`lookup` does them once; a section then only says and draws. "Not available" is
said only when the data are absent: the model was not fitted, or holds no rows for
this measure and group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from netlab import privacy
from netlab.report._html import _phrase, unavailable

if TYPE_CHECKING:
    from netlab.report._context import Report

__all__ = ["Looked", "lookup"]


@dataclass
class Looked:
    """A section's rows: all of them (``frame``, with ``suppressed`` and ``label``), the
    ones that may be shown (``shown``), or why there are none (``missing``, HTML)."""

    frame: pd.DataFrame | None = None
    shown: pd.DataFrame | None = None
    missing: str | None = None


def lookup(
    r: Report,
    key: str,
    what: str,
    *,
    measure: str | None = None,
    group: str | None = "focal",
    unit: bool = False,
    latest: bool = False,
    n: str = "denominator",
    why: str = "",
) -> Looked:
    """Read a model frame and take the report's rows of it.

    Parameters
    ----------
    r : Report
    key : str
        The model (``"variation__shrunken"``).
    what : str
        What the section shows, for "not available" (``"The caterpillar plot"``).
    measure : str, optional
        Keep this measure (and say "… of <phrase>" when it has no rows).
    group : str or None
        Keep this group (None: every group).
    unit : bool
        Keep the report's own unit only (school and district reports).
    latest : bool
        Keep the latest year only.
    n : str
        The column of students each row rests on (for the small-cell rule).
    why : str
        Why the model may be absent, said beside "not available".

    Returns
    -------
    Looked
    """
    frame = r.model(key)
    if frame is None:
        return Looked(missing=unavailable(what, why))
    if measure is not None:
        frame = frame.loc[frame["measure"] == measure]
    if group is not None and "group" in frame.columns:
        frame = frame.loc[frame["group"] == group]
    if unit and r.unit_id is not None:
        frame = frame.loc[frame["unit_id"].astype(str) == str(r.unit_id)]
    if frame.empty:
        named = f"{what} of {_phrase(r, measure)}" if measure is not None else what
        return Looked(missing=unavailable(named, why))
    if latest:
        frame = frame.loc[frame["year"] == frame["year"].max()]
    frame = privacy.flag_small(frame.copy(), n=n, min_cell=r.min_cell)
    if "unit_id" in frame.columns:
        frame["label"] = [r.label(u) for u in frame["unit_id"]]
    return Looked(frame=frame, shown=privacy.visible(frame))
