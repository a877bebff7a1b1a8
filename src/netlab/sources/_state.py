"""A state's school files, read as described by its YAML mapping, and the cell readers.

Private to :mod:`netlab.sources`, which re-exports :func:`load_source_spec`,
:func:`read_state_table`, :func:`read_state_files` and :class:`StateFiles`. The cell and
sheet helpers here (reading any workbook or CSV as raw cells, finding a header row by
content, parsing count cells with suppression markers) serve the Federal Student Aid
reader in :mod:`netlab.sources._fsa` as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netlab import paths, yamlfile
from netlab.exceptions import InputError
from netlab.sources._describe import build_ids
from netlab.sources._header_match import _find_header, _matches
from netlab.sources._sheets import _read_sheets, _text, _text_series

# Cell, sheet and header-row helpers live in _sheets and _header_match; the FSA reader
# imports them from here.
__all__ = ["_find_header", "_matches", "_read_sheets", "_text", "_text_series"]


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


def _school_code(value: Any) -> str:
    """A school code as text; a numeric 11-digit code regains the leading zero of NCES ids."""
    if isinstance(value, (int, float)) and not (isinstance(value, float) and np.isnan(value)):
        code = str(int(value))
        return code.zfill(12) if len(code) == 11 else code
    return _text(value)


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
    try:
        return yamlfile.load(p.read_text(encoding="utf-8"))
    except yamlfile.YAMLError as err:
        raise InputError(
            f"{p.name} is not valid YAML: {str(err).splitlines()[0]}",
            file=str(p),
            hint="Fix the YAML as docs/public-sources.md describes it.",
        ) from None


def _year(spec: Mapping[str, Any], title: str, filename: str) -> int | None:
    """Graduating (spring) year of a file's school year, from its title or its name."""
    ys = spec.get("year", {})
    for text, key in ((title, "title"), (filename, "file")):
        if key in ys and (m := re.search(ys[key], text, re.IGNORECASE)):
            start = int(m.group("start"))
            return (start if start > 99 else 2000 + start) + 1
    return None


def _state_ids(district: pd.Series, school: pd.Series, spec: Mapping[str, Any]) -> pd.Series:
    sid = spec["school_id"]
    return build_ids(
        {"district": district.map(_text), "school": school.map(_text)},
        sid["format"],
        slug=False,
        upper=True,
        widths={"district": sid.get("district_width", 0), "school": sid.get("school_width", 0)},
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
            cache[f] = _read_sheets(f, engine)
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
        # The county a public school list carries, to choose a network by (params select:).
        county=_text_series(xw["county"]) if "county" in xw else None,
    )[["school_id", "state_school_id", "school_name", "district", "county"]]


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
