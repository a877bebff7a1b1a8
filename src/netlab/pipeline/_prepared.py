"""The prepared run: what every report rests on, and its summary for the terminal.

A :class:`Prepared` holds one run's clean tables, the long-form rates, the units, the
quality log and exclusions, and the fitted models, as :func:`netlab.prepare` makes them and
:func:`netlab.load` reads them back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from netlab.params import RunParams
from netlab.pipeline._models import model_frame


@dataclass
class Prepared:
    """A prepared run: clean tables, rates, units, quality log and fitted models.

    ``rates`` holds the final figures at the run's date ``as_of`` (its ``status`` column
    says "final"); ``pending`` holds the classes whose measurement window is still open
    at that date (``status`` "open", no numerator or rate; or "provisional", a "so far"
    figure over all the class's students), with the day each becomes final (``final_on``).
    """

    run: str
    params: RunParams
    tables: dict[str, pd.DataFrame]
    rates: pd.DataFrame
    units: pd.DataFrame
    quality: pd.DataFrame
    exclusions: pd.DataFrame
    measures: pd.DataFrame
    has_students: bool
    models: dict[str, pd.DataFrame] = field(default_factory=dict)
    input_hash: str = ""
    notes: list[str] = field(default_factory=list)
    created: str = ""
    # How exports became tables: "joins" (every join counted), "college_codes" (NSC codes).
    sources: dict[str, pd.DataFrame] = field(default_factory=dict)
    # The run's date: what is final is judged at it ("data as of ...").
    as_of: dt.date | None = None
    # The rates rows not final at ``as_of`` (status open or provisional): kept apart from
    # ``rates``, which every model and funnel reads, so only final figures reach them.
    pending: pd.DataFrame = field(default_factory=pd.DataFrame)

    def model(self, name: str) -> pd.DataFrame | None:
        """A fitted model frame (``"variation__funnel"``), or None when not fitted.

        Raises :class:`~netlab.pipeline.UnknownModelError` for a name no model declares.
        """
        return model_frame(self, name)

    def schools_of(self, unit: object) -> list[str]:
        """The school ids of a unit: itself, or a district's schools (``params.unit``)."""
        schools = self.tables.get("schools")
        if self.params.unit == "district" and schools is not None:
            chosen = schools["district"].astype(str) == str(unit)
            return schools.loc[chosen, "school_id"].astype(str).tolist()
        return [str(unit)]


def summary(prepared: Prepared) -> str:
    """A short plain-text summary of a prepared run, for the terminal.

    Parameters
    ----------
    prepared : Prepared
        The prepared run (from :func:`netlab.prepare` or :func:`netlab.load`).

    Returns
    -------
    str
        A short plain-text summary of a prepared run, for the terminal.
    """
    lines = [f"Run {prepared.run!r}: {prepared.params.network} — {prepared.params.term}".rstrip()]
    q = prepared.quality
    for row in q.itertuples(index=False):
        lines.append(
            f"  {row.table:<13} {row.rows_in:>9,} rows in  {row.rows_kept:>9,} kept  "
            f"{row.rows_excluded:>7,} excluded"
        )
    r = prepared.rates
    lines.append(
        f"  rates: {len(r):,} cells, {r['unit_id'].nunique()} {prepared.params.unit}s, "
        f"{r['measure'].nunique()} measures, {r['group'].nunique()} groups, "
        f"years {int(r['year'].min())}–{int(r['year'].max())}"
        if len(r)
        else "  rates: none"
    )
    if prepared.models:
        lines.append(f"  models: {len(prepared.models)} frames fitted")
    if prepared.as_of is not None:
        open_ = prepared.pending
        waiting = (
            f"; {len(open_):,} cells not final yet (their measurement windows are open)"
            if len(open_)
            else ""
        )
        lines.append(f"  data as of {prepared.as_of.isoformat()}{waiting}")
    for note in prepared.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)
