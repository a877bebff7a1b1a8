"""Data quality: what a report rests on — rows read, kept and excluded per export, how
the exports were joined, the context the schools table lacks, and the unit's own records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from netlab import privacy
from netlab.report._html import (
    _E,
    Col,
    Section,
    _note,
    _suppressed_note,
    fold,
    table,
    table_name,
)

if TYPE_CHECKING:
    from netlab.report._context import Report
from netlab.report._since import revisions_table


def _rows_table(r: Report, q: pd.DataFrame) -> str:
    """Rows read, kept and excluded per export and table."""
    frame = q.loc[q["rows_in"] > 0].copy()
    frame["table"] = frame["table"].map(table_name)
    for col in ("rows_in", "rows_kept", "rows_excluded"):
        frame[col] = frame[col].astype("float64")
    # a handful of excluded rows is itself a small count: say "fewer than N"
    frame["excluded"] = [_small(v, r.min_cell) for v in frame["rows_excluded"]]
    return table(
        frame,
        [
            Col("table", "Table"),
            Col("file", "File"),
            Col("rows_in", "Rows read", "count"),
            Col("rows_kept", "Rows kept", "count"),
            Col("excluded", "Rows excluded"),
        ],
        min_cell=r.min_cell,
        band_below=r.band_below,
        caption=(
            "The network's data this term: each export as the hub holds it, then "
            "each table made from it"
            if (getattr(r.prepared, "sources", None) or {}).get("joins") is not None
            else "The network's data this term"
        )
        + " (every excluded row is listed, with its reason, in the hub's quality log)",
        fold=True,
        paper=r.unit_id is None,  # a school's paper leaves the network's files out
    )


def _reading_notes(r: Report) -> list[str]:
    """The run's reading notes (folded on a unit's report; none naming another unit)."""
    others = [] if r.names_peers else _other_units(r)
    # a run-wide note that names another school stays out of this school's report
    notes = [
        _note(_E(str(n)))
        for n in getattr(r.prepared, "notes", []) or []
        if not any(o in str(n) for o in others)
    ]
    if notes and r.unit_id is not None:  # the network's reading notes: a fold, screen only
        return [fold(f"How the network's exports were read ({len(notes)} notes)",
                     "".join(notes), paper=False)]  # fmt: skip
    return notes


def _own_records(r: Report) -> list[str]:
    """The unit's seniors on record by year (a total that would single out a few hidden)."""
    rates = r.prepared.rates
    mine = rates.loc[rates["unit_id"].astype(str) == str(r.unit_id)]
    base = mine.loc[mine["measure"] == _base_measure(mine, _every_senior(r))]
    per = base.pivot_table(index="year", columns="group", values="denominator", aggfunc="sum")
    if "all" not in per.columns:
        return []
    per = per.reset_index()
    focal = per["focal"] if "focal" in per.columns else per["all"]
    rest = per["all"] - focal
    # All seniors minus the focal students shown elsewhere would give away a small
    # group of other students: hide the total in those years.
    per["suppressed"] = (rest > 0) & privacy.too_small(rest, r.min_cell)
    out = [
        table(
            per,
            [Col("year", "Year"), Col("all", "Seniors on record", "n", n="all")],
            min_cell=r.min_cell,
            band_below=r.band_below,
            caption=f"{_E(r.unit_name)}: records behind this report",
        )
    ]
    if per["suppressed"].any():
        out.append(
            _suppressed_note(
                r,
                "A year's total, which with the focal count would single out a small group,",
            )
        )
    return out


def data_quality(r: Report) -> Section:
    """What the data rests on: rows read, kept and excluded, and the unit's own records.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("quality")
    q = r.prepared.quality
    if q is not None and len(q):
        s.add(_rows_table(r, q))
    _joins(r, s)
    for n in _reading_notes(r):
        s.add(n)
    if not r.prepared.has_students:
        s.add(
            _note(
                "This run has school-level counts only: sections that need student "
                "records (case-mix adjustment, student-level models) are not available."
            )
        )
    if r.unit_id is not None:
        for part in _own_records(r):
            s.add(part)
    s.add(revisions_table(r))
    return s


def seniors_on_record(r: Report, unit_id: str) -> tuple[int, float] | None:
    """A unit's seniors on record in its latest year, as its report's records table counts
    them (the denominator of a measure over every senior): (year, count), or None.

    The live-case brief reads its seniors here too, so a school has one count of seniors.
    """
    rates = r.prepared.rates
    mine = rates.loc[
        (rates["unit_id"].astype(str) == str(unit_id)) & (rates["group"].astype(str) == "all")
    ]
    mine = mine.loc[mine["measure"] == _base_measure(mine, _every_senior(r))]
    if mine.empty:
        return None
    per = mine.groupby("year")["denominator"].sum()
    return int(per.index.max()), float(per.iloc[-1])


def pair_seniors(r: Report, pair: list[str], sizes: list[Any]) -> tuple[str, list[Any]]:
    """Two units' seniors on record in the latest year, as their reports count them (a
    live-case brief's row); the schools file's sizes when the records do not say."""
    found = [f for u in pair if (f := seniors_on_record(r, u)) is not None]
    if len(found) < len(pair) or found[0][0] != found[1][0]:
        return "Seniors", sizes
    counts = [f"fewer than {r.min_cell}" if privacy.too_small(f[1], r.min_cell) else f[1]
              for f in found]  # fmt: skip
    return f"Seniors on record ({found[0][0]})", counts


def record_sizes(r: Report, pairs: pd.DataFrame) -> pd.DataFrame:
    """Live-case pairs whose sizes are the seniors on record each school's report shows."""
    out = pairs.copy()
    for side in ("host", "visitor"):
        found = [seniors_on_record(r, u) for u in out[side]]
        out[f"{side}_size"] = [
            size if f is None else float("nan") if privacy.too_small(f[1], r.min_cell) else f[1]
            for f, size in zip(found, out[f"{side}_size"], strict=True)
        ]  # the schools file's size only where the records do not count seniors
    return out


def _small(value: float, min_cell: int) -> str:
    """A count of records as shown: none, fewer than the minimum cell, or the number."""
    if pd.isna(value) or value == 0:
        return "none"
    return f"fewer than {min_cell}" if privacy.too_small(value, min_cell) else f"{int(value):,}"


def _joins(r: Report, s: Section) -> None:
    """How the exports were joined on the student, the college codes, the schools' context."""
    sources = getattr(r.prepared, "sources", None) or {}
    joins = sources.get("joins")
    if joins is not None and len(joins):
        frame = joins.assign(shown=[_small(v, r.min_cell) for v in joins["count"]])
        frame["source"] = frame["source"].map(table_name)  # "studenttracker" → its label
        s.add(
            table(
                frame,
                [
                    Col("source", "Export"),
                    Col("file", "File"),
                    Col("what", "Joined on the student"),
                    Col("shown", "Count"),
                ],
                min_cell=r.min_cell,
                band_below=r.band_below,
                caption="Every join counted: roster students with and without a row in each "
                "file, and file rows whose student is not on the roster",
                fold=r.unit_id is not None,
                paper=r.unit_id is None,
            )
        )
    codes = sources.get("college_codes")
    lost = codes[codes["unitid"].isna()] if codes is not None else None
    if lost is not None and len(lost):
        # The run's notes say how many codes mapped; this says whom the others concern.
        shown = int(lost["first_college_of"].sum()) if "first_college_of" in lost else 0
        s.add(
            _note(
                f"{len(lost):,} college code(s) in the StudentTracker file map to no IPEDS "
                f"UnitID: the first college of {_small(shown, r.min_cell)} students, whose "
                "college's graduation rate is therefore unknown (they still count as enrolled)."
            )
        )
    lacking = _lacking_context(r)
    if lacking:
        s.add(_note(_E(lacking)))


_CONTEXT_USE = {
    "district": "the district unit and the same-district preference in live cases",
    "cohort": "traction by cohort (the year a team joined)",
    "share_low_income": "live-case matching on the share of low-income students",
    "enrollment": "school size where seniors on record are not known",
}


def _lacking_context(r: Report) -> str:
    """A sentence naming the context columns the schools table lacks and what they feed."""
    schools = r.prepared.tables.get("schools")
    if schools is None:
        return ""
    missing = [c for c in _CONTEXT_USE if c not in schools.columns or schools[c].isna().all()]
    units = r.prepared.units
    if "size" in units.columns and units["size"].notna().all():  # seniors give every size
        missing = [c for c in missing if c != "enrollment"]
    if not missing:
        return ""
    names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " or " + missing[-1]
    uses = "; ".join(f"{c} feeds {_CONTEXT_USE[c]}" for c in missing)
    return (
        f"The schools table has no {names} column, so the analyses that need "
        f"{'it' if len(missing) == 1 else 'them'} use what there is or are not shown ({uses})."
    )


def _other_units(r: Report) -> list[str]:
    """Ids and names of every unit but the report's own."""
    units = r.prepared.units
    mine = units["unit_id"].astype(str) == str(r.unit_id)
    rest = units.loc[~mine]
    names = rest.get("unit_name", rest["unit_id"]).astype(str).tolist()
    return [n for n in [*rest["unit_id"].astype(str).tolist(), *names] if n]


def _every_senior(r: Report) -> list[str]:
    """The measures whose denominator is every senior (``counts_every_senior`` in YAML)."""
    from netlab import measures

    defs = {**measures.builtin_measures(), **(r.params.measures or {})}
    return [name for name, d in defs.items() if d.counts_every_senior]


def _base_measure(rates: pd.DataFrame, every_senior: list[str]) -> str:
    """A measure whose denominator is every senior (for counts of records)."""
    found = set(rates["measure"])
    for m in every_senior:
        if m in found:
            return m
    return sorted(found)[0] if found else ""
