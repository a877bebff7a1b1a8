"""Federal Student Aid FAFSA-by-high-school workbooks: snapshots, weekly table, decreases.

Private to :mod:`netlab.sources`, which re-exports :func:`read_fsa_workbook`,
:func:`fafsa_weekly`, :func:`fafsa_decreases`, :class:`FsaSnapshot` and :class:`FsaColumn`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from netlab.exceptions import InputError
from netlab.schemas import columns_of
from netlab.sources._state import (
    _bad_cells,
    _counts,
    _find_header,
    _matches,
    _read_sheets,
    _school_code,
    _text,
    _text_series,
)

#: Share of schools with a suppressed value above which a snapshot's column is not a measurement.
NOT_REPORTED_SHARE = 0.9
#: Nominal start of a FAFSA season (1 October of the year before the seniors graduate).
SEASON_START = (10, 1)

_FSA_HEADER = (r"^school code$", r"submitted")
# The contract's column order for the weekly table (netlab.schemas.FafsaWeekly).
_WEEKLY_COLUMNS = list(columns_of("fafsa_weekly"))


# --------------------------------------------------------------------------- federal workbook
@dataclass(frozen=True)
class FsaColumn:
    """One count column of a Federal Student Aid workbook.

    Attributes
    ----------
    column : str
        Its name in :attr:`FsaSnapshot.data` (``"<period>_<measure>"``).
    measure : str
        ``"submitted"`` or ``"completed"``.
    cycle : int
        First year of the FAFSA cycle (2024 for the 2024-25 cycle): the seniors' season.
    through : datetime.date
        Last day the count covers (a month-only label means its last day).
    period : str
        ``"current"`` (this cycle through the snapshot date), ``"prior"`` (last cycle
        through the same date a year earlier), or ``"prior_<month>"`` for the last
        cycle through the end of a month (``"prior_june"``, ``"prior_december"``).
    label : str
        The header text as published.
    """

    column: str
    measure: str
    cycle: int
    through: dt.date
    period: str
    label: str


@dataclass(frozen=True)
class FsaSnapshot:
    """One weekly FAFSA-by-high-school workbook, read.

    Attributes
    ----------
    file : str
        The file read.
    sheet : str
        The sheet holding the school-level table.
    header_row : int
        Row number of the header in the sheet, as a spreadsheet shows it (1 = first).
    state : str
        The state's postal code, from the ``State`` column.
    season : int
        The current cycle's first year (the seniors' graduating year).
    as_of : datetime.date
        The current cycle's "through" date, read from the rows above the header.
    columns : tuple of FsaColumn
        What each count column holds.
    data : pandas.DataFrame
        One row per row of the file: ``school_code`` (text), ``name``, ``city``,
        ``state``, ``row`` (the file's row number), and per count column a nullable
        integer column plus ``<column>_suppressed`` (True where the file says ``<5``:
        a count from 1 to 4, kept as missing, never zero).
    """

    file: str
    sheet: str
    header_row: int
    state: str
    season: int
    as_of: dt.date
    columns: tuple[FsaColumn, ...]
    data: pd.DataFrame = field(repr=False)

    @property
    def periods(self) -> list[str]:
        """The periods present, in file order."""
        return list(dict.fromkeys(c.period for c in self.columns))

    def long(self, periods: Sequence[str] | None = None) -> pd.DataFrame:
        """The counts in long form.

        Parameters
        ----------
        periods : sequence of str, optional
            Keep only these periods (default: all).

        Returns
        -------
        pandas.DataFrame
            school_code, row, period, cycle, through, measure, value, suppressed.
        """
        parts = [
            pd.DataFrame(
                {
                    "school_code": self.data["school_code"],
                    "row": self.data["row"],
                    "period": c.period,
                    "cycle": c.cycle,
                    "through": c.through,
                    "measure": c.measure,
                    "value": self.data[c.column],
                    "suppressed": self.data[f"{c.column}_suppressed"],
                }
            )
            for c in self.columns
            if periods is None or c.period in periods
        ]
        return pd.concat(parts, ignore_index=True)


_CYCLE = re.compile(r"(\d{4})\s*/\s*(\d{4})\s*cycle", re.IGNORECASE)
_THROUGH = re.compile(r"through\s+([a-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})", re.IGNORECASE)


def _month(name: str) -> int:
    for fmt in ("%B", "%b"):
        try:
            return dt.datetime.strptime(name[:3] if fmt == "%b" else name, fmt).month
        except ValueError:
            continue
    raise ValueError(name)


def _through(text: str) -> tuple[dt.date, bool] | None:
    """Parse "Through March 8, 2024" (day given) or "Through June 2023" (month end)."""
    m = _THROUGH.search(text)
    if not m:
        return None
    month, year = _month(m.group(1)), int(m.group(3))
    if m.group(2):
        return dt.date(year, month, int(m.group(2))), True
    return dt.date(year, month, calendar.monthrange(year, month)[1]), False


def _fill_right(cells: list[str], start: int) -> list[str]:
    """Carry each label rightwards over blank cells (labels of merged cells)."""
    out, last = list(cells), ""
    for i in range(start, len(out)):
        last = out[i] or last
        out[i] = last
    return out


def _header_sheet(
    path: Path, engine: str | None, sheet: str | None
) -> tuple[str, int, list[str], pd.DataFrame]:
    """The sheet holding the school-level header: its name, header row, header and cells."""
    sheets = _read_sheets(path, engine)
    if sheet is not None:
        sheets = {k: v for k, v in sheets.items() if k == sheet}
    found = _find_header(sheets, _FSA_HEADER)
    if found is None:
        raise InputError(
            f"{path.name} is not a Federal Student Aid FAFSA-by-high-school file: no sheet has "
            "a header row with 'School Code' and 'Applications Submitted' columns.",
            file=str(path),
            hint="Give the weekly 'FAFSA submissions by high school' workbook of a state.",
        )
    name, pos, header = found
    return name, pos, header, sheets[name]


def _cycles_and_dates(
    path: Path, frame: pd.DataFrame, pos: int, first: int
) -> tuple[list[str], list[str]]:
    """The cycle and "through" date above each column (merged labels carried rightwards)."""
    above = [[_text(v) for v in frame.iloc[r].tolist()] for r in range(pos)]
    cycle_row = next((r for r in reversed(above) if any(_CYCLE.search(c) for c in r)), None)
    date_row = next((r for r in reversed(above) if any(_through(c) for c in r)), None)
    if cycle_row is None or date_row is None:
        raise InputError(
            f"{path.name}: the rows above the header do not name each column's cycle "
            "('2024/ 2025 Cycle') and date ('Through April 26, 2024').",
            file=str(path),
            rows=[pos + 1],
        )
    return _fill_right(cycle_row, first), _fill_right(date_row, first)


def _count_columns(
    path: Path, header: list[str], count_at: list[int], cycles: list[str], dates: list[str]
) -> tuple[int, list[tuple[int, FsaColumn]]]:
    """The current cycle and each count column's measure, cycle, date and period."""
    current = max(int(m.group(1)) for c in cycles if (m := _CYCLE.search(c)))
    specs: list[tuple[int, FsaColumn]] = []
    for i in count_at:
        measure = "submitted" if re.search("submitted", header[i], re.I) else "completed"
        cyc, thr = _CYCLE.search(cycles[i]), _through(dates[i])
        if cyc is None or thr is None:
            raise InputError(
                f"{path.name}: column {header[i]!r} has no cycle or 'through' date above it.",
                file=str(path),
                column=header[i],
            )
        cycle, (through, has_day) = int(cyc.group(1)), thr
        base = {0: "current", 1: "prior"}.get(current - cycle, f"cycle{cycle}")
        period = base if has_day else f"{base}_{calendar.month_name[through.month].lower()}"
        specs.append(
            (i, FsaColumn(f"{period}_{measure}", measure, cycle, through, period, header[i]))
        )
    return current, specs


def _school_rows(
    path: Path,
    frame: pd.DataFrame,
    pos: int,
    header: list[str],
    specs: list[tuple[int, FsaColumn]],
) -> pd.DataFrame:
    """One row per school below the header: code, name, city, state and each count."""
    code_at = _matches(header, _FSA_HEADER[0])
    body = frame.iloc[pos + 1 :]
    out = pd.DataFrame(
        {
            "school_code": [_school_code(v) for v in body.iloc[:, code_at]],
            "row": np.arange(pos + 2, pos + 2 + len(body)),
        },
        index=body.index,
    )
    for role in ("name", "city", "state"):
        at = _matches(header, rf"^{role}$")
        out[role] = _text_series(body.iloc[:, at]) if at is not None else ""
    for i, col in specs:
        values, suppressed, bad = _counts(body.iloc[:, i], ["<5"])
        _bad_cells(path, col.label, bad, out["row"], body.iloc[:, i])
        out[col.column] = values.round().astype("Int64")
        out[f"{col.column}_suppressed"] = suppressed.to_numpy()
    # Rows with no school code (notes, blank lines) are not schools.
    has_counts = out[[c.column for _, c in specs]].notna().any(axis=1)
    keep = (out["school_code"] != "") & ~(out["school_code"].str.contains(" ") & ~has_counts)
    return out[keep].reset_index(drop=True)


def read_fsa_workbook(
    path: str | Path, *, engine: str | None = "calamine", sheet: str | None = None
) -> FsaSnapshot:
    """Read one Federal Student Aid FAFSA-by-high-school workbook (any state).

    The header row is found by content (``School Code`` and ``Applications Submitted``
    columns), not at a fixed offset; each count column's cycle and "through" date are read
    from the rows above it. The same workbook saved as CSV reads the same.

    Parameters
    ----------
    path : str or Path
        The ``.xls``/``.xlsx`` workbook or a CSV export of its school-level sheet.
    engine : str, optional
        pandas Excel engine (``"calamine"``; None for pandas' default).
    sheet : str, optional
        Sheet to read; by default the first sheet holding the school-level header.

    Returns
    -------
    FsaSnapshot

    Raises
    ------
    InputError
        Naming the file, when it is not a workbook of this kind or holds unreadable counts.
    """
    path = Path(path)
    name, pos, header, frame = _header_sheet(path, engine, sheet)
    count_at = [i for i, c in enumerate(header) if re.search(r"submitted|complete", c, re.I)]
    cycles, dates = _cycles_and_dates(path, frame, pos, min(count_at))
    current, specs = _count_columns(path, header, count_at, cycles, dates)
    as_of = max(c.through for _, c in specs if c.period == "current")
    out = _school_rows(path, frame, pos, header, specs)
    state = out["state"].mode().iloc[0] if (out["state"] != "").any() else ""
    return FsaSnapshot(
        file=str(path),
        sheet=name,
        header_row=pos + 1,
        state=state,
        season=current,
        as_of=as_of,
        columns=tuple(c for _, c in specs),
        data=out,
    )


# --------------------------------------------------------------------------- weekly table
def _season_week(season: int, as_of: dt.date, start: tuple[int, int] = SEASON_START) -> int:
    return (as_of - dt.date(season - 1, *start)).days // 7


def _combined(snapshot: FsaSnapshot, periods: Sequence[str]) -> pd.DataFrame:
    """Long counts of ``periods`` with rows sharing a school code combined into one.

    A school listed on several rows (campuses, programmes) gets the sum of its rows. When
    some rows say ``<5`` and others give a count, each ``<5`` row adds 1, its least
    possible value (the sum is then a lower bound, off by at most 3 per such row); when
    every row says ``<5`` the school's count stays suppressed.
    """
    long = snapshot.long(periods)
    keys = ["school_code", "period", "cycle", "through", "measure"]
    g = long.assign(known=long["value"].notna()).groupby(keys, sort=False)
    agg = g.agg(
        total=("value", "sum"),
        n_known=("known", "sum"),
        n_suppressed=("suppressed", "sum"),
        parts=("row", "size"),
    ).reset_index()
    value = (agg["total"] + agg["n_suppressed"]).astype("Float64")
    agg["value"] = value.where(agg["n_known"] > 0).round().astype("Int64")
    agg["suppressed"] = (agg["n_known"] == 0) & (agg["n_suppressed"] > 0)
    return agg.drop(columns=["total", "n_known"])


def fafsa_weekly(
    snapshots: Iterable[FsaSnapshot],
    *,
    seniors: pd.DataFrame | None = None,
    not_reported_share: float = NOT_REPORTED_SHARE,
    season_start: tuple[int, int] = SEASON_START,
) -> pd.DataFrame:
    """Several weekly snapshots as the contract's ``fafsa_weekly`` table.

    Each snapshot gives rows of its own season at its date and rows of the prior season
    at the same date a year earlier (``prior`` columns). A snapshot in which a column is
    suppressed for more than ``not_reported_share`` of the schools is not a measurement:
    its rows get ``reported=False`` (the counts stay, flagged, for the record).

    Parameters
    ----------
    snapshots : iterable of FsaSnapshot
        From :func:`read_fsa_workbook`.
    seniors : DataFrame, optional
        Grade-12 membership: ``school_id``, ``seniors`` and optionally ``season``.
    not_reported_share : float
        Share of suppressed schools above which a snapshot's column is not reported.
    season_start : (month, day)
        Nominal season start; ``week`` counts whole weeks from it in the season's
        autumn. Prior-season rows take the week of the snapshot they come from, so the
        two seasons line up week by week.

    Returns
    -------
    pandas.DataFrame
        school_id, season, as_of (datetime64, midnight), week, seniors, submitted,
        completed (nullable integers), submitted_suppressed, completed_suppressed, reported.
        One row per school, season and date at which the school is listed.
    """
    frames = []
    for snap in snapshots:
        long = _combined(snap, ["current", "prior"])
        long["week"] = _season_week(snap.season, snap.as_of, season_start)
        frames.append(long)
    if not frames:
        return pd.DataFrame(columns=_WEEKLY_COLUMNS)
    long = pd.concat(frames, ignore_index=True)
    long = long.rename(columns={"school_code": "school_id", "cycle": "season"})
    long["as_of"] = pd.to_datetime(long["through"])
    long = long.drop_duplicates(["school_id", "season", "as_of", "measure"], keep="last")
    share = long.groupby(["season", "as_of", "measure"])["suppressed"].transform("mean")
    long["col_reported"] = share <= not_reported_share
    wide = long.pivot(
        index=["school_id", "season", "as_of", "week"],
        columns="measure",
        values=["value", "suppressed", "col_reported"],
    )
    out = pd.DataFrame(index=wide.index)
    for m in ("submitted", "completed"):
        out[m] = wide[("value", m)].astype("Int64") if ("value", m) in wide else pd.NA
        out[f"{m}_suppressed"] = wide[("suppressed", m)].fillna(False).astype(bool)
    rep = wide["col_reported"].astype("boolean").fillna(True)
    out["reported"] = rep.all(axis=1).astype(bool)
    out = out.reset_index()
    if seniors is not None:
        keys = ["school_id", "season"] if "season" in seniors else ["school_id"]
        known = seniors[[*keys, "seniors"]].drop_duplicates(keys, keep="last")
        out = out.merge(known, on=keys, how="left")
    else:
        out["seniors"] = pd.NA
    out["seniors"] = out["seniors"].astype("Int64")
    out["school_id"] = out["school_id"].astype(str)
    out["season"] = out["season"].astype(int)
    out["week"] = out["week"].astype(int)
    out = out.sort_values(["school_id", "season", "as_of"], ignore_index=True)
    return out[_WEEKLY_COLUMNS]


def fafsa_decreases(weekly: pd.DataFrame) -> pd.DataFrame:
    """Schools whose cumulative count goes down from one snapshot to the next.

    A ``<5`` is taken as 1 to 4, so a fall is certain only when the later value's largest
    possibility is below the earlier value's smallest.

    Parameters
    ----------
    weekly : DataFrame
        A ``fafsa_weekly`` table.

    Returns
    -------
    pandas.DataFrame
        school_id, season, measure, as_of_before, as_of, before, after (text, ``<5``
        where suppressed): one row per fall.
    """
    rows = []
    for m in ("submitted", "completed"):
        d = weekly.sort_values(["school_id", "season", "as_of"])
        sup = d[f"{m}_suppressed"].astype(bool)
        lo = d[m].astype("Float64").where(~sup, 1.0)
        hi = d[m].astype("Float64").where(~sup, 4.0)
        g = d.groupby(["school_id", "season"], sort=False)
        prev_lo = lo.groupby([d["school_id"], d["season"]]).shift()
        fell = (hi < prev_lo).fillna(False).astype(bool)
        if not fell.any():
            continue
        shown = d[m].astype("string").where(~sup, "<5")
        prev = pd.DataFrame(
            {
                "as_of": g["as_of"].shift(),
                "shown": shown.groupby([d["school_id"], d["season"]]).shift(),
            }
        )
        rows.append(
            pd.DataFrame(
                {
                    "school_id": d.loc[fell, "school_id"],
                    "season": d.loc[fell, "season"],
                    "measure": m,
                    "as_of_before": prev.loc[fell, "as_of"],
                    "as_of": d.loc[fell, "as_of"],
                    "before": prev.loc[fell, "shown"],
                    "after": shown[fell],
                }
            )
        )
    cols = ["school_id", "season", "measure", "as_of_before", "as_of", "before", "after"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)
