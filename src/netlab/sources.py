"""Readers for named public files: FAFSA completion by high school and a state's school files.

Federal Student Aid publishes, every week of the FAFSA season, a workbook per state of
applications submitted and completed by high school. States publish grade-12 membership,
lunch status and race/ethnicity by school, each in their own layout. This module reads
the federal workbook for any state, reads a state's files as described by a small YAML
mapping (``netlab/data/sources/<state>.yaml``; see ``docs/public-sources.md``), and
writes the contract's ``schools``, ``counts`` and ``fafsa_weekly`` tables plus a quality
log that accounts for every school in the federal file.

The completion rate of a school is estimated, as national FAFSA trackers do, as
completions over the state's grade-12 membership of the same school year (for the 2024
season, the 2024-25 FAFSA: grade 12 of 2023-24, the class of 2024). Federal counts are
first-time applicants aged 18 or under, so the estimate is an approximation.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from netlab import paths
from netlab._checks import check_argument
from netlab.exceptions import InputError

__all__ = [
    "FsaColumn",
    "FsaSnapshot",
    "ImportResult",
    "MEASURES",
    "fafsa_decreases",
    "fafsa_weekly",
    "import_public",
    "load_source_spec",
    "read_fsa_workbook",
    "read_state_files",
    "read_state_table",
]

#: Share of schools with a suppressed value above which a snapshot's column is not a measurement.
NOT_REPORTED_SHARE = 0.9
#: Nominal start of a FAFSA season (1 October of the year before the seniors graduate).
SEASON_START = (10, 1)
#: The counts measures written by :func:`import_public`, in the params' ``measures`` schema.
MEASURES: dict[str, dict[str, str]] = {
    "fafsa_submitted": {
        "label": "FAFSA submitted (federal count / grade-12 membership)",
        "table": "counts",
        "denominator_label": "grade-12 membership",
        "direction": "higher",
        "kind": "interim",
    },
    "fafsa_complete": {
        "label": "FAFSA completed (federal count / grade-12 membership)",
        "table": "counts",
        "denominator_label": "grade-12 membership",
        "direction": "higher",
        "kind": "outcome",
    },
}

_EXCEL = {".xls", ".xlsx", ".xlsm", ".xlsb", ".ods"}
_FSA_HEADER = (r"^school code$", r"submitted")
_WEEKLY_COLUMNS = [
    "school_id",
    "season",
    "as_of",
    "week",
    "seniors",
    "submitted",
    "completed",
    "submitted_suppressed",
    "completed_suppressed",
    "reported",
]


# --------------------------------------------------------------------------- cells and sheets
def _text(value: Any) -> str:
    """A cell as text: blank for missing, ``12`` for 12.0, whitespace collapsed."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _text_series(values: pd.Series) -> pd.Series:
    return pd.Series([_text(v) for v in values], index=values.index, dtype=object)


def _read_sheets(path: Path, engine: str | None = "calamine") -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook (or the one table of a CSV) as raw cells, no header."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"No file at {path}.", file=str(path))
    try:
        if suffix == ".csv":
            for encoding in ("utf-8-sig", "latin-1"):
                try:
                    frame = pd.read_csv(
                        path,
                        header=None,
                        dtype=str,
                        keep_default_na=False,
                        skip_blank_lines=False,
                        encoding=encoding,
                    )
                    break
                except UnicodeDecodeError:
                    continue
            return {path.stem: frame.replace("", np.nan)}
        if suffix in _EXCEL:
            # No default NA strings: "n/a" in a count cell must be seen, not read as blank.
            sheets = pd.read_excel(
                path,
                sheet_name=None,
                header=None,
                dtype=object,
                engine=engine,
                keep_default_na=False,
                na_values=[],
            )
            return {k: v.replace("", np.nan) for k, v in sheets.items()}
    except Exception as err:  # each Excel engine raises its own error types
        if isinstance(err, InputError):
            raise
        raise InputError(
            f"{path.name} cannot be read as a workbook or CSV file ({err}).",
            file=str(path),
            hint="Check that the file is the published spreadsheet, not a web page or a copy "
            "saved in another format.",
        ) from None
    raise InputError(
        f"{path.name} is neither a spreadsheet (.xls, .xlsx) nor a CSV file.", file=str(path)
    )


def _matches(cells: Sequence[str], pattern: str) -> int | None:
    """Position of the first cell that ``pattern`` matches (case-insensitive), or None."""
    rx = re.compile(pattern, re.IGNORECASE)
    return next((i for i, c in enumerate(cells) if c and rx.search(c)), None)


def _find_header(
    sheets: Mapping[str, pd.DataFrame], markers: Sequence[str], *, scan: int = 60
) -> tuple[str, int, list[str]] | None:
    """First (sheet, row position, header cells) whose row matches every marker."""
    for name, frame in sheets.items():
        for pos in range(min(scan, len(frame))):
            cells = [_text(v) for v in frame.iloc[pos].tolist()]
            if all(_matches(cells, m) is not None for m in markers):
                return name, pos, cells
    return None


def _counts(values: pd.Series, markers: Iterable[str]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse count cells: (values as Float64, suppressed flags, cells that are not counts)."""
    text = _text_series(values)
    markers = {m.strip() for m in markers}
    suppressed = text.isin(markers) | text.str.fullmatch(r"<\s*\d+")
    number = pd.to_numeric(text.where(~suppressed & (text != "")), errors="coerce")
    bad = (text != "") & ~suppressed & number.isna()
    return number.astype("Float64"), suppressed.astype(bool), bad


def _bad_cells(path: Path, column: str, bad: pd.Series, rows: pd.Series, values: pd.Series):
    if bad.any():
        shown = sorted(set(_text_series(values[bad]).tolist()))[:5]
        raise InputError(
            f"{path.name}: column {column!r} holds values that are neither counts nor a "
            f"suppression marker: {shown}.",
            file=str(path),
            column=column,
            rows=rows[bad].astype(int).tolist(),
            hint="Check that the file is the published one and unedited.",
        )


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


def _school_code(value: Any) -> str:
    """A school code as text; a numeric 11-digit code regains the leading zero of NCES ids."""
    if isinstance(value, (int, float)) and not (isinstance(value, float) and np.isnan(value)):
        code = str(int(value))
        return code.zfill(12) if len(code) == 11 else code
    return _text(value)


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
    frame = sheets[name]
    code_at = _matches(header, _FSA_HEADER[0])
    count_at = [i for i, c in enumerate(header) if re.search(r"submitted|complete", c, re.I)]
    first = min(count_at)
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
    cycles, dates = _fill_right(cycle_row, first), _fill_right(date_row, first)
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
    as_of = max(c.through for _, c in specs if c.period == "current")

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
    out = out[keep].reset_index(drop=True)
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


# --------------------------------------------------------------------------- state files
def load_source_spec(state: str | Path) -> dict[str, Any]:
    """The mapping that describes a state's files.

    Parameters
    ----------
    state : str or Path
        A state's name as shipped (``"florida"``) or a path to a YAML file in the same
        format (see ``docs/public-sources.md``).

    Returns
    -------
    dict
    """
    p = Path(state)
    if p.suffix.lower() not in {".yaml", ".yml"}:
        p = paths.PACKAGE_DATA / "sources" / f"{str(state).lower()}.yaml"
    if not p.is_file():
        shipped = sorted(x.stem for x in (paths.PACKAGE_DATA / "sources").glob("*.yaml"))
        raise InputError(
            f"No description of {state!r}'s public files.",
            file=str(p),
            hint=f"Use one of {shipped} or give the path of a YAML file written as in "
            "docs/public-sources.md.",
        )
    return yaml.safe_load(p.read_text(encoding="utf-8"))


def _year(spec: Mapping[str, Any], title: str, filename: str) -> int | None:
    """Graduating (spring) year of a file's school year, from its title or its name."""
    ys = spec.get("year", {})
    for text, key in ((title, "title"), (filename, "file")):
        if key in ys and (m := re.search(ys[key], text, re.IGNORECASE)):
            start = int(m.group("start"))
            return (start if start > 99 else 2000 + start) + 1
    return None


def _pad(value: Any, width: int) -> str:
    text = _text(value).upper()
    return text.zfill(width) if text.isdigit() else text


def _state_ids(district: pd.Series, school: pd.Series, spec: Mapping[str, Any]) -> pd.Series:
    sid = spec["school_id"]
    return pd.Series(
        [
            sid["format"].format(
                district=_pad(d, sid.get("district_width", 0)),
                school=_pad(s, sid.get("school_width", 0)),
            )
            for d, s in zip(district, school, strict=True)
        ],
        index=district.index,
        dtype=object,
    )


def read_state_table(
    path: str | Path,
    table: Mapping[str, Any],
    *,
    spec: Mapping[str, Any] | None = None,
    engine: str | None = "calamine",
    sheets: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Read one table of a state's file as described by a YAML mapping.

    Parameters
    ----------
    path : str or Path
        The file.
    table : mapping
        ``header`` (patterns that together identify the header row and so the sheet) and
        ``columns`` (role -> pattern for the column's header).
    spec : mapping, optional
        The state's whole description (for the ``year`` patterns).
    engine : str, optional
        pandas Excel engine.
    sheets : mapping, optional
        The file's sheets if already read.

    Returns
    -------
    pandas.DataFrame
        One column per role, raw cells; plus ``file``, ``sheet``, ``row`` (the sheet's
        row number) and ``year`` (graduating year of the file's school year, or NA).
    """
    path = Path(path)
    sheets = sheets if sheets is not None else _read_sheets(path, engine)
    found = _find_header(sheets, table["header"])
    if found is None:
        raise InputError(
            f"{path.name}: no sheet has a header row matching {list(table['header'])}.",
            file=str(path),
            hint="Check that the file is the one the state's description names, or update "
            "the description's header patterns.",
        )
    name, pos, header = found
    frame = sheets[name]
    cols = {}
    for role, pattern in table["columns"].items():
        at = _matches(header, pattern)
        if at is None:
            raise InputError(
                f"{path.name}, sheet {name!r}: no column for {role!r} (pattern {pattern!r}); "
                f"the header has {[h for h in header if h]}.",
                file=str(path),
                column=role,
            )
        cols[role] = at
    body = frame.iloc[pos + 1 :, list(cols.values())]
    body.columns = list(cols)
    out = body.reset_index(drop=True)
    out["row"] = np.arange(pos + 2, pos + 2 + len(out))
    out = out[body.notna().any(axis=1).to_numpy()].reset_index(drop=True)
    title = " ".join(_text(v) for r in range(pos) for v in frame.iloc[r].tolist())
    out["file"], out["sheet"] = path.name, name
    out["year"] = _year(spec or {}, title, path.name)
    return out


def _files(source_dir: Path, patterns: str | Sequence[str]) -> list[Path]:
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    found = sorted({p for pat in patterns for p in source_dir.glob(pat) if p.is_file()})
    return [p for p in found if not p.name.startswith(("~$", "."))]


@dataclass
class StateFiles:
    """A state's school files, read: one tidy frame each, keyed by ``state_school_id``."""

    crosswalk: pd.DataFrame
    membership: pd.DataFrame
    lunch: pd.DataFrame
    race: pd.DataFrame


def _table_frames(source_dir: Path, spec, key: str, engine, cache) -> pd.DataFrame:
    table = spec[key]
    files = _files(source_dir, table["files"])
    if not files:
        raise InputError(
            f"No {key} file in {source_dir} (looked for {table['files']}).",
            file=str(source_dir),
            hint="Put the state's files in the folder, or fix the description's patterns.",
        )
    frames = []
    for f in files:
        if f not in cache:
            cache[f] = _read_sheets(f, _engine_for(f, engine))
        frame = read_state_table(f, table, spec=spec, sheets=cache[f])
        if key != "crosswalk" and frame["year"].isna().all():
            raise InputError(
                f"{f.name}: cannot tell which school year the {key} file is for.",
                file=str(f),
                hint="Add or fix the description's `year` patterns (title rows or file name).",
            )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _with_ids(frame: pd.DataFrame, spec) -> pd.DataFrame:
    keep = frame["school_number"].notna() & frame["district_number"].notna()
    frame = frame[keep].copy()
    frame["state_school_id"] = _state_ids(frame["district_number"], frame["school_number"], spec)
    return frame


def _numbers(frame: pd.DataFrame, role: str, markers, *, path_col: str = "file") -> tuple:
    values, suppressed, bad = _counts(frame[role], markers)
    if bad.any():
        raise InputError(
            f"{frame.loc[bad, path_col].iloc[0]}: column {role!r} holds values that are "
            f"neither numbers nor a suppression marker: "
            f"{sorted(set(_text_series(frame.loc[bad, role])))[:5]}.",
            file=str(frame.loc[bad, path_col].iloc[0]),
            column=role,
            rows=frame.loc[bad, "row"].tolist(),
        )
    return values, suppressed


def read_state_files(
    state: str | Path, source_dir: str | Path, *, engine: str | None = "calamine"
) -> StateFiles:
    """Read a state's crosswalk, membership, lunch and race files.

    Parameters
    ----------
    state : str or Path
        See :func:`load_source_spec`.
    source_dir : str or Path
        Folder holding the files, as the description's patterns expect.
    engine : str, optional
        pandas Excel engine.

    Returns
    -------
    StateFiles
        ``crosswalk``: school_id (federal, text), state_school_id, school_name, district.
        ``membership``: state_school_id, year, district, school_name, seniors (Int64),
        seniors_suppressed, enrollment (Int64). ``lunch``: state_school_id, year, students,
        share_low_income. ``race``: state_school_id, year, share_<group> for each race
        column and share_focal, among the grade's students; a suppressed cell (fewer than
        10) is counted at 5, the middle of 1 to 9.
    """
    spec = load_source_spec(state)
    source_dir = Path(source_dir)
    for key in ("crosswalk", "membership"):
        if key not in spec:
            raise InputError(
                f"The description of {state!r} has no `{key}` section.",
                hint="See docs/public-sources.md for the sections a state needs.",
            )
    cache: dict[Path, dict[str, pd.DataFrame]] = {}

    def table(key: str) -> pd.DataFrame | None:
        return _table_frames(source_dir, spec, key, engine, cache) if key in spec else None

    return StateFiles(
        crosswalk=_crosswalk(table("crosswalk"), spec),
        membership=_membership(table("membership"), table("enrollment"), spec),
        lunch=_lunch(table("lunch"), spec),
        race=_race(table("race"), spec),
    )


def _crosswalk(xw: pd.DataFrame, spec) -> pd.DataFrame:
    rx = re.compile(spec["crosswalk"]["state_id"], re.IGNORECASE)
    parts = _text_series(xw["state_id"]).str.extract(rx)
    return xw.assign(
        school_id=[_school_code(v) for v in xw["nces_id"]],
        state_school_id=_state_ids(parts["district"], parts["school"], spec).where(
            parts["district"].notna()
        ),
        school_name=_text_series(xw["school_name"]),
        district=_text_series(xw["district"]),
    )[["school_id", "state_school_id", "school_name", "district"]]


def _membership(mem: pd.DataFrame, enr: pd.DataFrame | None, spec) -> pd.DataFrame:
    markers = spec.get("suppressed", ["*"])
    mem = _with_ids(mem, spec)
    mem["seniors"], mem["seniors_suppressed"] = _numbers(mem, "seniors", markers)
    if enr is not None:
        enr = _with_ids(enr, spec)
        enr["enrollment"], _ = _numbers(enr, "enrollment", markers)
        enr = enr[["state_school_id", "year", "enrollment"]]
        mem = mem.merge(enr, on=["state_school_id", "year"], how="left")
    else:
        mem["enrollment"] = np.nan
    columns = ["state_school_id", "year", "district", "school_name", "seniors"]
    return mem.assign(
        district=_text_series(mem["district"]),
        school_name=_text_series(mem["school_name"]),
        seniors=mem["seniors"].round().astype("Int64"),
        enrollment=pd.to_numeric(mem["enrollment"]).round().astype("Int64"),
    )[[*columns, "seniors_suppressed", "enrollment", "file"]]


def _lunch(lunch: pd.DataFrame | None, spec) -> pd.DataFrame:
    columns = ["state_school_id", "year", "students", "share_low_income"]
    if lunch is None:
        return pd.DataFrame(columns=columns)
    markers = spec.get("suppressed", ["*"])
    lunch = _with_ids(lunch, spec)
    none = pd.Series(np.nan, index=lunch.index, dtype="Float64")
    num = {
        r: _numbers(lunch, r, markers)[0] if r in lunch else none
        for r in ("students", "free", "reduced", "rate")
    }
    own = (num["free"] + num["reduced"]) / num["students"].where(num["students"] > 0)
    return lunch.assign(
        students=num["students"].round().astype("Int64"),
        share_low_income=num["rate"].fillna(own).clip(0, 1).astype(float),
    )[columns]


def _race(race: pd.DataFrame | None, spec) -> pd.DataFrame:
    if race is None:
        return pd.DataFrame(columns=["state_school_id", "year", "share_focal"])
    rs, markers = spec["race"], spec.get("suppressed", ["*"])
    grade = _text_series(race["grade"]).str.lstrip("0") == str(rs["grade"]).lstrip("0")
    race = _with_ids(race[grade], spec)
    ids = {"district_number", "school_number", "grade"}
    groups = [r for r in rs["columns"] if r not in ids]
    parsed = {g: _numbers(race, g, markers) for g in groups}
    counts = pd.DataFrame({g: v for g, (v, _) in parsed.items()}, index=race.index)
    sup = pd.DataFrame({g: s for g, (_, s) in parsed.items()}, index=race.index)
    # A suppressed cell is a small count, not zero: take the middle of its range.
    counts = counts.mask(sup, float(rs.get("suppressed_value", 5))).fillna(0.0).astype(float)
    total = counts.sum(axis=1).where(lambda t: t > 0)
    shares = counts.div(total, axis=0).add_prefix("share_")
    shares["share_focal"] = counts[list(rs.get("focal", []))].sum(axis=1) / total
    race = pd.concat([race[["state_school_id", "year"]], shares], axis=1)
    return race.groupby(["state_school_id", "year"], as_index=False).first()


# --------------------------------------------------------------------------- import
@dataclass
class ImportResult:
    """What :func:`import_public` wrote.

    Attributes
    ----------
    out_dir : Path
        The raw folder written.
    files : dict
        Table name -> CSV path.
    season : int
        The season imported (its seniors' graduating year).
    as_of : datetime.date
        The latest snapshot's date (the counts' date).
    membership_year : int
        School year (spring) of the grade-12 membership used as denominator.
    schools, counts, fafsa_weekly, quality_log : DataFrame
        The tables written.
    decreases : DataFrame
        Falls in cumulative counts (:func:`fafsa_decreases`).
    state_files : StateFiles
        The state's files as read (:func:`read_state_files`).
    """

    out_dir: Path
    files: dict[str, Path]
    season: int
    as_of: dt.date
    membership_year: int
    schools: pd.DataFrame
    counts: pd.DataFrame
    fafsa_weekly: pd.DataFrame
    quality_log: pd.DataFrame
    decreases: pd.DataFrame
    state_files: StateFiles

    @property
    def summary(self) -> pd.DataFrame:
        """Schools in, kept and excluded (one row), then one row per exclusion reason."""
        q = self.quality_log
        head = pd.DataFrame(
            {
                "what": ["schools in FAFSA files", "kept", "excluded"],
                "schools": [len(q), int(q["kept"].sum()), int((~q["kept"]).sum())],
            }
        )
        by = q.loc[~q["kept"], "reason"].value_counts().rename_axis("what")
        return pd.concat([head, by.rename("schools").reset_index()], ignore_index=True)


def _fsa_files(source_dir: Path, spec) -> list[Path]:
    files = _files(source_dir, spec.get("fsa", {}).get("files", ["*.xls", "*.xlsx", "*.csv"]))
    if not files:
        raise InputError(
            f"No FAFSA-by-high-school workbook in {source_dir}.",
            file=str(source_dir),
            hint="Download the state's weekly workbooks from Federal Student Aid's FAFSA "
            "data center into the folder.",
        )
    return files


def _exclusions(latest: pd.DataFrame, state: StateFiles, season: int) -> pd.DataFrame:
    """One row per school of the season's files: kept, or the first reason it is not."""
    xw = state.crosswalk.rename(
        columns={"school_name": "school_name_nces", "district": "district_nces"}
    )
    mem = state.membership[state.membership["year"] == season].rename(
        columns={"school_name": "school_name_state", "district": "district_state"}
    )
    q = latest.merge(xw, on="school_id", how="left")
    q = q.merge(mem.drop(columns=["year", "file"]), on="state_school_id", how="left")
    reason = pd.Series("", index=q.index, dtype=object)
    detail = pd.Series("", index=q.index, dtype=object)

    def mark(mask, why, text):
        new = mask & (reason == "")
        reason[new] = why
        detail[new] = text[new] if isinstance(text, pd.Series) else text

    mark(~q["in_latest"], "not in the latest snapshot", "")
    private = ~q["school_id"].str.fullmatch(r"\d{12}")
    mark(
        q["state_school_id"].isna(),
        "no crosswalk row",
        pd.Series(
            np.where(private, "private-school code", "public id not in the crosswalk"),
            index=q.index,
        ),
    )
    mark(
        q["district_state"].isna(),
        "no membership",
        "no grade-12 membership row for "
        + q["state_school_id"].fillna("")
        + f" in {season - 1}-{season % 100:02d}",
    )
    mark(
        q["seniors_suppressed"].fillna(False).astype(bool),
        "suppressed grade-12 membership",
        "grade 12 shown as * (fewer than 10)",
    )
    mark(q["seniors"].fillna(0) == 0, "zero grade-12 membership", "")
    over = q["completed"].astype("Float64").gt(q["seniors"].astype("Float64")).fillna(False)
    mark(
        over.astype(bool),
        "more completions than seniors",
        q["completed"].astype("string").fillna("")
        + " completions, "
        + q["seniors"].astype("string").fillna("")
        + " seniors",
    )
    q["kept"] = reason == ""
    q["reason"], q["detail"] = reason, detail
    return q


def _counts_table(rows: pd.DataFrame, year: int) -> pd.DataFrame:
    out = []
    for measure, col in (("fafsa_submitted", "submitted"), ("fafsa_complete", "completed")):
        out.append(
            pd.DataFrame(
                {
                    "school_id": rows["school_id"],
                    "year": year,
                    "group": "all",
                    "measure": measure,
                    "numerator": rows[col].astype("Int64"),
                    "denominator": rows["seniors"].astype("Int64"),
                    "numerator_suppressed": rows[f"{col}_suppressed"].astype(bool),
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def import_public(
    state: str | Path,
    source_dir: str | Path,
    out_dir: str | Path,
    *,
    season: int | None = None,
    engine: str | None = "calamine",
) -> ImportResult:
    """Import a state's public FAFSA and school files into a raw folder.

    Writes ``schools.csv``, ``counts.csv`` (measures ``fafsa_submitted`` and
    ``fafsa_complete``, group ``all``: the public files have no student groups; numerator
    from the latest snapshot, denominator the state's grade-12 membership of the season's
    school year), ``fafsa_weekly.csv`` and ``_import_log.csv`` (every school of the
    federal files, kept or excluded with its reason). Prior-season counts (same date a
    year earlier, over the prior year's grade-12 membership) are added where that
    membership is known.

    Parameters
    ----------
    state : str or Path
        ``"florida"`` or a path to a state description (see :func:`load_source_spec`).
    source_dir : str or Path
        Folder of the published files.
    out_dir : str or Path
        Raw folder to write (created if missing).
    season : int, optional
        Season to import (the seniors' graduating year, 2024 for the 2024-25 FAFSA);
        default: the latest in the files.
    engine : str, optional
        pandas Excel engine.

    Returns
    -------
    ImportResult
    """
    check_argument("engine", ["calamine", "xlrd", "openpyxl", None], engine)
    spec, source_dir, out_dir = load_source_spec(state), Path(source_dir), Path(out_dir)
    snaps = [
        read_fsa_workbook(p, engine=_engine_for(p, engine)) for p in _fsa_files(source_dir, spec)
    ]
    season = season if season is not None else max(s.season for s in snaps)
    snaps = sorted((s for s in snaps if s.season == season), key=lambda s: s.as_of)
    if not snaps:
        raise InputError(f"No FAFSA snapshot of the {season} season in {source_dir}.")
    files = read_state_files(state, source_dir, engine=engine)
    mem = files.membership.rename(columns={"year": "season"})
    seniors = mem.loc[~mem["seniors_suppressed"], ["state_school_id", "season", "seniors"]]
    xw_seniors = files.crosswalk.merge(seniors, on="state_school_id")[
        ["school_id", "season", "seniors"]
    ]
    weekly = fafsa_weekly(snaps, seniors=xw_seniors)
    latest_date = pd.Timestamp(snaps[-1].as_of)

    # One row per school of the season's files; the latest snapshot's counts.
    cur = weekly[weekly["season"] == season].drop(columns=["seniors"])
    codes = pd.DataFrame({"school_id": sorted(cur["school_id"].unique())})
    latest = cur[cur["as_of"] == latest_date]
    base = codes.merge(latest, on="school_id", how="left")
    base["in_latest"] = base["as_of"].notna()
    # A school's name as the latest file gives it first.
    names = pd.concat([s.data for s in reversed(snaps)]).drop_duplicates("school_code")
    names = names.rename(columns={"school_code": "school_id", "name": "fafsa_name"})
    rows_latest = snaps[-1].data["school_code"].value_counts().rename("file_rows")
    base = base.merge(names[["school_id", "fafsa_name", "city"]], on="school_id", how="left")
    base = base.merge(rows_latest, left_on="school_id", right_index=True, how="left")
    q = _exclusions(base, files, season)

    kept = q[q["kept"]].copy()
    lunch = files.lunch[files.lunch["year"] == season]
    race = files.race[files.race["year"] == season]
    schools = kept.merge(lunch, on="state_school_id", how="left").merge(
        race.drop(columns=["year"]), on="state_school_id", how="left"
    )
    share_cols = [c for c in race.columns if c.startswith("share_")]
    schools = pd.DataFrame(
        {
            "school_id": schools["school_id"],
            "school_name": schools["school_name_nces"].fillna(schools["fafsa_name"]),
            "district": schools["district_state"].fillna(schools["district_nces"]),
            "cohort": season,
            "enrollment": schools["enrollment"].fillna(schools["students"]).astype("Int64"),
            "seniors": schools["seniors"].astype("Int64"),
            "share_low_income": schools["share_low_income"],
            **{c: schools[c] for c in share_cols},
        }
    )

    # Prior season at the same date, over the prior year's grade-12 membership.
    prior = weekly[(weekly["season"] == season - 1)]
    prior = prior[prior["as_of"] == prior["as_of"].max()] if len(prior) else prior
    prior = prior[
        prior["school_id"].isin(kept["school_id"]) & prior["seniors"].gt(0).fillna(False)
    ]
    prior_ok = prior["completed"].astype("Float64").le(prior["seniors"].astype("Float64"))
    prior_ok = prior_ok.fillna(True).astype(bool) | prior["completed_suppressed"]
    counts = pd.concat(
        [_counts_table(kept, season), _counts_table(prior[prior_ok], season - 1)],
        ignore_index=True,
    )
    weekly_out = weekly[weekly["school_id"].isin(kept["school_id"])].reset_index(drop=True)
    weekly_out["as_of"] = weekly_out["as_of"].dt.date

    decreases = fafsa_decreases(weekly)
    notes = _notes(q, snaps[-1], decreases, prior, prior_ok, season)
    quality = q.assign(
        note=q["school_id"].map(notes).fillna(""),
        district_state=q["district_state"].fillna(q["district_nces"]),
    )
    quality = quality.rename(columns={"fafsa_name": "school_name_fafsa"})[
        [
            "school_id",
            "school_name_fafsa",
            "city",
            "file_rows",
            "state_school_id",
            "district_state",
            "seniors",
            "completed",
            "completed_suppressed",
            "kept",
            "reason",
            "detail",
            "note",
        ]
    ].rename(columns={"district_state": "district", "file_rows": "rows_in_latest_file"})
    quality["rows_in_latest_file"] = quality["rows_in_latest_file"].fillna(0).astype(int)
    quality.insert(0, "file", Path(snaps[-1].file).name)

    out_dir.mkdir(parents=True, exist_ok=True)
    tables = {
        "schools": schools,
        "counts": counts,
        "fafsa_weekly": weekly_out,
        "_import_log": quality,
    }
    written = {}
    for name, frame in tables.items():
        written[name] = out_dir / f"{name}.csv"
        frame.to_csv(written[name], index=False)
    return ImportResult(
        out_dir=out_dir,
        files=written,
        season=season,
        as_of=snaps[-1].as_of,
        membership_year=season,
        schools=schools,
        counts=counts,
        fafsa_weekly=weekly_out,
        quality_log=quality,
        decreases=decreases,
        state_files=files,
    )


def _engine_for(path: Path, engine: str | None) -> str | None:
    """The engine to use for one file (xlrd reads only .xls, openpyxl only .xlsx)."""
    if engine in ("xlrd", "openpyxl"):
        return "xlrd" if path.suffix.lower() == ".xls" else "openpyxl"
    return engine


def _notes(q, latest: FsaSnapshot, decreases, prior, prior_ok, season) -> pd.Series:
    """Secondary remarks per school (the school is kept or excluded for another reason)."""
    notes: dict[str, list[str]] = {}
    n_rows = latest.data["school_code"].value_counts()
    for code, n in n_rows[n_rows > 1].items():
        notes.setdefault(code, []).append(f"{n} rows in the FAFSA file combined (summed)")
    for (code, measure), d in decreases.groupby(["school_id", "measure"]):
        notes.setdefault(code, []).append(f"{measure} count went down {len(d)} time(s)")
    over_prior, in_prior = set(prior.loc[~prior_ok, "school_id"]), set(prior["school_id"])
    for code in q.loc[q["kept"], "school_id"]:
        if code in over_prior:
            why = "more completions than seniors"
        elif code not in in_prior:
            why = f"no usable grade-12 membership for {season - 1} or no count in the file"
        else:
            continue
        notes.setdefault(code, []).append(f"{season - 1} counts left out: {why}")
    over = q["submitted"].astype("Float64").gt(q["seniors"].astype("Float64")).fillna(False)
    for code in q.loc[over.astype(bool), "school_id"]:
        notes.setdefault(code, []).append("more submissions than seniors")
    return pd.Series({k: "; ".join(v) for k, v in notes.items()}, dtype=object)
