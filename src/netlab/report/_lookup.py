"""The one shape of a section's data: look up, filter, suppress, label.

Every section that shows a fitted model does the same first steps: read the model by
its key, keep the report's measure and group (and unit, and the latest year), flag the
rows resting on too few students, and name the units as the report may name them.
:func:`lookup` does them once; a section then only says and draws. "Not available" is
said only when the data are absent: the model was not fitted, or holds no rows for
this measure and group. A section reading several models (a funnel and its limits)
looks each one up; :attr:`Looked.fitted` tells "not fitted" from "no rows".
"""

from __future__ import annotations

from collections.abc import Sequence
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
    """A section's rows.

    Attributes
    ----------
    frame : pandas.DataFrame or None
        Every row kept, with ``suppressed`` (when counted) and ``label`` (when the frame
        has units); None when the run did not fit the model.
    shown : pandas.DataFrame or None
        The rows that may be shown.
    missing : str or None
        Why there are no rows (the "not available" HTML), or None when there are.
    """

    frame: pd.DataFrame | None = None
    shown: pd.DataFrame | None = None
    missing: str | None = None

    @property
    def fitted(self) -> bool:
        """True when the run fitted the model (it may still hold no rows here)."""
        return self.frame is not None

    @property
    def rows(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(frame, shown)``, for a section past its ``missing`` check (both are there then).

        Raises ValueError when the run did not fit the model: say ``missing`` instead.
        """
        if self.frame is None or self.shown is None:
            raise ValueError("The model was not fitted: show `missing` instead of rows.")
        return self.frame, self.shown


def lookup(
    r: Report,
    key: str,
    what: str,
    *,
    measure: str | None = None,
    group: str | None = "focal",
    unit: bool = False,
    latest: bool = False,
    n: str | Sequence[str] | None = "denominator",
    hide_by: Sequence[str] | None = None,
    why: str = "",
    empty: str | None = None,
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
        Keep this group, where the frame has groups (None: every group).
    unit : bool
        Keep the report's own unit only (school and district reports).
    latest : bool
        Keep the latest year only.
    n : str, sequence of str, or None
        The column of students each row rests on, for the small-cell rule; several
        columns: the smallest of them, kept as ``n_min``; None: the frame counts no
        students (nothing is flagged).
    hide_by : sequence of str, optional
        Also hide, within blocks of these columns, a row from which a hidden one could be
        worked out (:func:`netlab.privacy.complementary`), for frames whose total is shown.
    why : str
        Why the model may be absent, said beside "not available".
    empty : str, optional
        What to call the section when the model holds no rows here (default
        "<what> of <measure phrase>", or ``what``).

    Returns
    -------
    Looked
        The rows kept and those that may be shown; when there are none, ``missing`` holds
        the "not available" note the section shows instead.
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
        if empty is None:
            empty = f"{what} of {_phrase(r, measure)}" if measure is not None else what
        return Looked(frame=frame, shown=frame, missing=unavailable(empty, why))
    if latest:
        frame = frame.loc[frame["year"] == frame["year"].max()]
    frame = frame.copy()
    if n is not None:
        if not isinstance(n, str):
            frame["n_min"] = frame[list(n)].min(axis=1)
            n = "n_min"
        frame = privacy.flag_small(frame, n=n, min_cell=r.min_cell)
        if hide_by is not None:
            frame = privacy.complementary(frame, by=list(hide_by), n=n)
    if "unit_id" in frame.columns:
        frame["label"] = [r.label(u) for u in frame["unit_id"]]
    return Looked(frame=frame, shown=privacy.visible(frame))
