"""The report context: one report being built, over one prepared run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from netlab.measures import AT_GRADUATION, Window
from netlab.pipeline import model_frame

if TYPE_CHECKING:
    from netlab.params import RunParams
    from netlab.pipeline import Prepared

__all__ = ["Report"]


@dataclass
class Report:
    """One report being built: the prepared run, whose report it is, how units are shown."""

    prepared: Prepared
    kind: str
    unit_id: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    cohorts: list[int] | None = None
    partner: str | None = None  # a live-case brief: the visiting unit (the host is unit_id)

    @property
    def params(self) -> RunParams:
        return self.prepared.params

    @property
    def min_cell(self) -> int:
        return int(self.params.min_cell)

    @property
    def band_below(self) -> int:
        """Below this many students a 0% or 100% is shown banded (``params.band_limit``)."""
        limit = getattr(self.params, "band_limit", None)
        return int(limit) if limit is not None else 2 * self.min_cell

    @property
    def as_of(self) -> dt.date | None:
        """The run's date: figures are final, provisional or open at it."""
        return getattr(self.prepared, "as_of", None)

    def window(self, measure: str) -> Window:
        """The measure's measurement window, as the prepared run recorded it."""
        m = self.prepared.measures
        if m is not None and len(m) and "window_years" in m.columns:
            hit = m.loc[m["measure"] == measure]
            if len(hit):
                row = hit.iloc[0]
                return Window(
                    int(row["window_years"]),
                    int(row["window_month"]),
                    int(row["window_day"]),
                    provisional=bool(row["provisional"]),
                )
        return AT_GRADUATION

    def open_until(self, measure: str, year: int) -> dt.date | None:
        """The day the class of ``year`` becomes final on ``measure``, if it is not yet
        final at the run's date (None when it is, or the run has no date)."""
        if self.as_of is None:
            return None
        closes = self.window(measure).closes(int(year))
        return closes if self.as_of < closes else None

    @property
    def noun(self) -> str:
        """The unit noun: School or District."""
        return "District" if self.params.unit == "district" else "School"

    names: dict[str, str] = field(default_factory=dict)  # every unit's own name

    @property
    def names_peers(self) -> bool:
        """True when units other than the report's own may be named.

        One rule, the network's choice (``name_peers`` in the run's parameters): when the
        network has agreed to name its members to each other, the network, traction and
        school reports name every unit; otherwise each shows other units by letter (the
        network report names none). A live-case brief names its two units only. The
        index, the hub staff's own page, always names them (it does not use this rule).
        """
        return self.kind != "livecase" and bool(self.params.name_peers)

    @property
    def unit_name(self) -> str:
        return self.labels.get(str(self.unit_id), str(self.unit_id))

    @property
    def measure(self) -> str:
        """The measure the report leads with: the team's own indicator, else the focal one."""
        if self.unit_id is not None and self.unit_id in self.params.team_measures:
            return self.params.team_measures[self.unit_id]
        return self.params.focal_measure

    def model(self, name: str) -> pd.DataFrame | None:
        """A fitted model frame of the run (``"variation__funnel"``), or None.

        None means the model is declared but this run did not fit it (no student
        records, too few schools…); a name no model declares is an error.
        """
        frame = model_frame(self.prepared, name)
        return frame if frame is not None and len(frame.columns) else None

    def label(self, unit_id: Any) -> str:
        return self.labels.get(str(unit_id), f"{self.noun} ?")
