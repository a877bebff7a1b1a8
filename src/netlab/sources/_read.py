"""Read one export through its description: fields by role, values mapped and typed.

The reader finds the header row (the first row, the row holding the description's
``header`` markers, or none), matches headers to roles, maps values, types them, builds a
school id when the file has none, and turns a wide file into long rows. Everything it
could not use comes back as one problem record each (file, column, rows, what to write in
the YAML), and every row it drops is an exclusion, so rows in = rows kept + rows excluded.

CSV files are read with pyarrow, only the columns a description uses, as text: a state's
StudentTracker file of millions of rows reads in seconds, and codes keep their zeros.
"""

from __future__ import annotations

import csv
import io as _io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from netlab import schemas
from netlab.clean import BLANK, factorize_values, parse_column, race_label, spread_back
from netlab.exceptions import InputError
from netlab.sources._describe import (
    _EXCEL,
    Description,
    _read_sheets,
    _text,
    build_ids,
    contract_aliases,
    header_matches,
    plan_headers,
    sniff_delimiter,
)

# What each kind of export can hold: role -> type, and the roles it must have.
# Contract tables (schools, counts, institutions, ...) take their columns from the schema.
_STUDENT_PASS = {
    c: "text" for c in schemas.columns_of("students") if c not in ("student_key", "school_id")
}
KINDS: dict[str, dict[str, Any]] = {
    "roster": {
        "fields": {
            **_STUDENT_PASS,
            "student_id": "id",
            "local_id": "id",
            "school_id": "id",
            "school_name": "text",
            "district": "text",
            "grad_year": "year",
            "grade": "int",
            "race_ethnicity": "text",
            "hispanic": "bool",
            **{f"race_{i}": "text" for i in range(1, 6)},
        },
        "required": ["student_id", "grad_year"],
    },
    "studenttracker": {
        "fields": {
            "student_id": "id",
            "record_found": "bool",
            "search_date": "date",
            "hs_grad_date": "date",
            "college_code": "text",
            "college_name": "text",
            "college_state": "text",
            "level": "text",
            "control": "text",
            "enrollment_begin": "date",
            "enrollment_end": "date",
            "enrollment_status": "text",
            "graduated": "bool",
            "graduation_date": "date",
            "degree_title": "text",
            "college_sequence": "int",
        },
        "required": ["student_id", "record_found", "college_code", "enrollment_begin"],
    },
    "applications": {
        "fields": {
            "student_id": "id",
            "unitid": "id",
            "college_name": "text",
            "ceeb": "text",
            "app_type": "text",
            "result": "text",
            "attending": "bool",
            "level": "text",
            "control": "text",
        },
        "required": ["student_id", "result"],
    },
    "aid": {
        "fields": {
            "student_id": "id",
            "app_type": "text",
            "submitted_date": "date",
            "completed_date": "date",
            "completed": "bool",
            "cal_grant": "bool",
        },
        "required": ["student_id"],
    },
    "college_codes": {
        "fields": {"college_code": "text", "unitid": "id", "note": "text"},
        "required": ["college_code", "unitid"],
    },
    "ipeds_institutions": {
        "fields": {
            "unitid": "id",
            "name": "text",
            "city": "text",
            "state": "text",
            "opeid": "text",
            "sector": "int",
            "level": "int",
            "control": "int",
        },
        "required": ["unitid", "name", "opeid", "level", "control"],
    },
    "ipeds_grad_rates": {
        "fields": {
            "unitid": "id",
            "year": "year",
            "grad_rate": "float",
            "grad_rate_pell": "float",
        },
        "required": ["unitid", "grad_rate"],
    },
    "ipeds_outcomes": {
        "fields": {"unitid": "id", "award_rate_6yr": "float", "cohort_6yr": "int"},
        "required": ["unitid", "award_rate_6yr"],
    },
}
_COUNT_PARTS = {"numerator", "denominator"}


def kind_fields(kind: str) -> tuple[dict[str, str], list[str]]:
    """Roles (-> type) a kind of export can hold, and those it requires."""
    if kind in KINDS:
        return dict(KINDS[kind]["fields"]), list(KINDS[kind]["required"])
    if kind in schemas.TABLES:
        cols = schemas.columns_of(kind)
        if "student_key" in cols:
            cols = {"student_id": cols.pop("student_key"), **cols}
        cols.pop("enrolled_grad_rate", None)
        return {c: "text" for c in cols}, [c for c, req in cols.items() if req]
    raise InputError(
        f"{kind!r} is not a kind of export netlab reads.",
        hint=f"Use one of {sorted([*KINDS, *schemas.TABLES])}.",
    )


@dataclass
class ReadExport:
    """One export as read through its description.

    Attributes
    ----------
    path : Path
        The file.
    description : Description
    frame : DataFrame
        One column per role found (typed for export kinds, text for contract tables),
        plus ``_row``: the data row in the file (1 = the first row after the header).
    rows_in : int
        Data rows in the file.
    exclusions : list of DataFrame
        Rows set aside (table, file, row, reason, column, value).
    problems : list of dict
        Problem records (see :func:`netlab.schemas.problem`).
    notes : list of str
        How the file was read.
    """

    path: Path
    description: Description
    frame: pd.DataFrame
    rows_in: int = 0
    exclusions: list[pd.DataFrame] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def stage(self) -> str:
        """The quality log's name for this file (a contract table's name is kept for the
        table it becomes: ``counts (as exported)`` is the file, ``counts`` the table)."""
        kind = self.description.kind
        return f"{kind} (as exported)" if kind in schemas.TABLES else kind

    def exclude(self, mask: np.ndarray | pd.Series, reason: str, *, column: str | None = None,
                values: pd.Series | None = None) -> None:  # fmt: skip
        """Set aside the rows under ``mask`` with their reason."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        rows = self.frame["_row"].to_numpy()[mask]
        vals = values[mask].astype(object).where(values[mask].notna(), None).to_numpy() if (
            values is not None) else np.full(int(mask.sum()), None, dtype=object)  # fmt: skip
        self.exclusions.append(
            pd.DataFrame(
                {
                    "table": self.stage,
                    "file": self.file,
                    "row": rows.astype(np.int64),
                    "reason": reason,
                    "column": column,
                    "value": [None if v is None else str(v) for v in vals],
                }
            )
        )
        self.frame = self.frame[~mask].reset_index(drop=True)

    @property
    def excluded(self) -> int:
        return int(sum(len(e) for e in self.exclusions))

    def problem(self, **kwargs: Any) -> None:
        self.problems.append(schemas.problem(file=self.file, table=self.stage, **kwargs))


def isin_text(values: pd.Series, among: Any) -> np.ndarray:
    """``values.isin(among)`` for text, vectorized in Arrow (pandas loops for Arrow strings)."""
    right_values = among if isinstance(among, pd.Series | pd.Index) else pd.Series(list(among))
    left = pa.array(pd.Series(values).astype("str"))
    right = pa.array(pd.Series(right_values).astype("str")).cast(left.type)
    return pc.is_in(left, value_set=right).to_numpy(zero_copy_only=False).astype(bool)


# --------------------------------------------------------------------------- cells
def _encoding(path: Path, desc: Description, sample: bytes) -> tuple[str, str | None]:
    if desc.spec.encoding:
        return desc.spec.encoding, None
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", None
    try:
        # A sample may end inside a character: leave its last bytes out of the test.
        sample[:-4].decode("utf-8")
        return "utf-8", None
    except UnicodeDecodeError:
        return "cp1252", "not UTF-8: read as Windows-1252 (Latin-1)"


def _header_row(lines: list[list[str]], desc: Description, path: Path) -> int | None:
    """Position of the header among the first lines (None: the file has no header)."""
    spec = desc.spec.header
    if isinstance(spec, str) and spec.lower() in ("none", "no", "false"):
        return None
    markers = [spec] if isinstance(spec, str) else list(spec or [])
    for pos, cells in enumerate(lines):
        cells = [_text(c) for c in cells]
        if not any(cells):
            continue
        if not markers or all(any(header_matches(c, m) for c in cells) for m in markers):
            return pos
    raise InputError(
        f"{path.name}: no row among the first {len(lines)} holds the header markers {markers}.",
        file=path.name,
        hint=f"Check the file, or fix `header:` in {desc.where_for(path)}.",
    )


def _csv_cells(path: Path, desc: Description, notes: list[str]):
    """(header cells, body as a dict position -> text array, rows skipped) of a CSV file."""
    with path.open("rb") as fh:
        sample = fh.read(1 << 16)
    encoding, note = _encoding(path, desc, sample)
    text = sample.decode(encoding, errors="replace")
    delimiter = desc.spec.delimiter or sniff_delimiter(text)
    lines = list(csv.reader(_io.StringIO(text), delimiter=delimiter))[:60]
    pos = _header_row(lines, desc, path)
    header = [] if pos is None else [_text(c) for c in lines[pos]]
    width = max(len(header), max((len(x) for x in lines), default=0))
    if pos is None:
        header = [""] * width
    # Lines above the header (titles, blank lines) and the header itself are skipped.
    skip = 0 if pos is None else pos + 1
    return header, encoding, note, delimiter, skip


def _read_csv_columns(path, header, wanted, encoding, delimiter, skip, notes):
    bad: list[str] = []

    def invalid(row: Any) -> str:
        bad.append(row.text[:40] if row.text else "")
        return "skip"

    names = [f"c{i}" for i in range(len(header))]
    keep = [names[i] for i in sorted(set(wanted))]

    def read(enc: str) -> pa.Table:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding=enc, skip_rows=skip, column_names=names, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in keep},
                include_columns=keep,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )

    try:
        table = read(encoding)
    except pa.ArrowInvalid as err:
        if "UTF8" not in str(err) or encoding == "cp1252":
            raise InputError(
                f"{path.name} cannot be read as CSV: {str(err).splitlines()[0]}",
                file=path.name,
                hint="Export the file again as CSV, or fix `delimiter:` in its description.",
            ) from None
        bad.clear()
        table = read("cp1252")
        notes.append("not UTF-8: read as Windows-1252 (Latin-1)")
    cols = {int(n[1:]): table.column(n) for n in keep}
    return cols, table.num_rows, bad


def _excel_cells(path: Path, desc: Description):
    sheets = _read_sheets(path)
    if desc.spec.sheet:
        if desc.spec.sheet not in sheets:
            raise InputError(
                f"{path.name} has no sheet {desc.spec.sheet!r} (it has {list(sheets)}).",
                file=path.name,
                hint=f"Fix `sheet:` in {desc.where_for(path)}.",
            )
        sheets = {desc.spec.sheet: sheets[desc.spec.sheet]}
    for name, frame in sheets.items():
        lines = [[_text(v) for v in frame.iloc[r].tolist()] for r in range(min(60, len(frame)))]
        try:
            pos = _header_row(lines, desc, path)
        except InputError:
            continue
        start = 0 if pos is None else pos + 1
        header = [""] * frame.shape[1] if pos is None else lines[pos]
        body = frame.iloc[start:]
        body = body[body.notna().any(axis=1).to_numpy()]
        return header, name, body
    raise InputError(
        f"{path.name}: no sheet holds the header the description expects.",
        file=path.name,
        hint=f"Check the file, or fix `header:` / `sheet:` in {desc.where_for(path)}.",
    )


def _as_text(values: Any) -> pd.Series:
    """Text cells (None where blank) from an Arrow column or a column of Excel cells."""
    if isinstance(values, pa.ChunkedArray):
        # Blank cells are already null (read with null_values [""]); trim only when needed,
        # since a copy of a state-sized column is hundreds of megabytes.
        padded = pc.or_(pc.starts_with(values, " "), pc.ends_with(values, " "))
        if pc.any(padded).as_py():
            values = pc.utf8_trim_whitespace(values)
            values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
        return pd.Series(pd.array(values, dtype="str"))
    series = pd.Series(values).reset_index(drop=True)
    codes, uniques = factorize_values(series)
    texts = np.array([_text(u) or None for u in uniques] + [None], dtype=object)
    return pd.Series(texts[np.where(codes < 0, len(uniques), codes)], dtype="str")


# --------------------------------------------------------------------------- wide years
def _years_layout(header: list[str], pattern: str) -> tuple[list[str], dict[int, int | None]]:
    """Base headers (the year cut out) and each column's year (None: not a year column)."""
    base, years = [], {}
    rx = re.compile(pattern, re.IGNORECASE)
    for i, h in enumerate(header):
        m = rx.search(h) if h else None
        if m and "year" in m.groupdict():
            years[i] = int(m.group("year"))
            cut = (h[: m.start()] + " " + h[m.end() :]).strip(" _-:")
            base.append(cut)
        else:
            years[i] = None
            base.append(h)
    return base, years


# --------------------------------------------------------------------------- values
def _map_key(key: Any) -> list[str]:
    if isinstance(key, bool):
        return ["yes", "true", "on"] if key else ["no", "false", "off"]
    return [str(key).strip().casefold()]


def _apply_map(
    out: ReadExport, role: str, values: pd.Series, mapping: Mapping[Any, Any]
) -> pd.Series:
    """Values through a description's map; those outside it are one warning, left blank."""
    table = {}
    for key, value in mapping.items():
        for k in _map_key(key):
            table[k] = value
    other = table.pop("*", _MISSING)
    codes, uniques = factorize_values(values)
    keys = [str(u).strip().casefold() for u in uniques]
    mapped, bad_u = [], []
    for k in keys:
        if k in table:
            mapped.append(table[k])
            bad_u.append(False)
        elif k in BLANK:
            mapped.append(None)
            bad_u.append(False)
        elif other is not _MISSING:
            mapped.append(other)
            bad_u.append(False)
        else:
            mapped.append(None)
            bad_u.append(True)
    bad_u = np.array(bad_u, dtype=bool)
    if bad_u.any():
        rows = out.frame["_row"].to_numpy()[spread_back(bad_u, codes, False)]
        shown = [str(u) for u in uniques[bad_u]]
        example = ", ".join(f"'{v}': <meaning>" for v in shown[:3])
        out.problem(
            column=out.headers.get(role, role),
            rows=rows,
            values=shown,
            rule=f"{len(rows):,} value(s) of {role} are not in the description's map "
            f"({sorted(set(map(str, mapping)))[:8]}); left blank",
            what_to_do=f"Add them under `values: {role}:` in {out.description.where_for(out.path)}, "
            f"e.g. {{{example}}}.",
            severity="warning",
        )
    result = np.array([*[_plain(m) for m in mapped], None], dtype=object)
    return pd.Series(result[np.where(codes < 0, len(uniques), codes)], index=values.index)


_MISSING = object()


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


_YEAR = re.compile(r"^\D*((?:19|20)\d\d)(?:\s*[-/–]\s*(\d{2,4}))?\D*$")


def _parse_year(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Graduating (spring) years: ``2026``, ``Class of 2026``, ``2025-26``, ``2025-2026``."""
    codes, uniques = factorize_values(series)
    years, bad = [], []
    for u in uniques:
        text = _text(u)
        m = _YEAR.match(text)
        if not text or text.casefold() in BLANK:
            years.append(None)
            bad.append(False)
        elif m is None:
            years.append(None)
            bad.append(True)
        else:
            years.append(int(m.group(1)) + (1 if m.group(2) else 0))
            bad.append(False)
    arr = pd.array([*years, None], dtype="Int64")
    out = pd.Series(arr.take(np.where(codes < 0, len(uniques), codes)), index=series.index)
    return out, spread_back(np.array(bad, dtype=bool), codes, False)


_TYPE_WORDS = {
    "id": "a code",
    "bool": "a yes/no flag",
    "int": "a whole number",
    "float": "a number",
    "date": "a date (YYYYMMDD, 2024-08-15, 8/15/2024 or an Excel date)",
    "year": "a year (2026, 2025-26)",
    "race": "a race/ethnicity label",
}


def _typed(out: ReadExport, role: str, values: pd.Series, kind: str) -> pd.Series:
    if kind in ("text", "code"):
        return values.astype("str")
    if kind == "year":
        parsed, bad = _parse_year(values)
    elif kind == "date" and role in out.description.spec.dates:
        parsed, bad = _dates(values, out.description.spec.dates[role])
    else:
        parsed, bad = parse_column(values.rename(role), {"int": "Int"}.get(kind, kind))
    if bad.any():
        rows = out.frame["_row"].to_numpy()[bad]
        shown = pd.unique(values[bad].astype(str))[:5]
        out.problem(
            column=out.headers.get(role, role),
            rows=rows,
            values=shown,
            rule=f"{len(rows):,} value(s) of {role} not understood as "
            f"{_TYPE_WORDS.get(kind, kind)}; left blank",
            what_to_do=f"Correct them in the file, or say how to read them in "
            f"{out.description.where_for(out.path)} (`values:` or `dates:`).",
            severity="warning",
        )
    return parsed


def _dates(values: pd.Series, formats: str | list[str]) -> tuple[pd.Series, np.ndarray]:
    formats = [formats] if isinstance(formats, str) else list(formats)
    codes, uniques = factorize_values(values)
    text = pd.Series(uniques, dtype=object).map(_text)
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = parsed.isna()
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    bad_u = (parsed.isna() & ~text.str.casefold().isin(BLANK)).to_numpy()
    arr = np.append(parsed.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    out = pd.Series(arr[np.where(codes < 0, len(uniques), codes)], index=values.index)
    return out, spread_back(bad_u, codes, False)


# --------------------------------------------------------------------------- the reader
def read_export(path: str | Path, desc: Description, *, typed: bool = True) -> ReadExport:
    """Read one file through its description.

    Parameters
    ----------
    path : str or Path
        The file (CSV or text with any delimiter, or an Excel workbook).
    desc : Description
        What the file holds (:func:`netlab.sources._describe.load_description`).
    typed : bool
        Type each role (export kinds); contract tables are left as text for
        :mod:`netlab.clean`, which types them itself.

    Returns
    -------
    ReadExport
        Errors (a required field the header lacks, an ambiguous header) are problem
        records with severity ``error``; the frame is then empty.
    """
    path = Path(path)
    fields, required = kind_fields(desc.kind)
    spec = desc.spec
    out = ReadExport(path=path, description=desc, frame=pd.DataFrame({"_row": []}))
    if spec.school_id is not None:
        required = [r for r in required if r != "school_id"]
    if spec.wide is not None and spec.wide.measures:
        required = [r for r in required if r not in ("measure", "numerator", "denominator",
                                                     "group")]  # fmt: skip
    if spec.wide is not None and spec.wide.years:
        required = [r for r in required if r != "year"]  # the headers hold the years
    roles = {r: desc.patterns(r) for r in spec.columns}
    extra = set(_roles_named(spec)) - set(fields) - set(roles)
    for role in sorted(extra):
        roles[role] = [role]
    defaults = contract_aliases(_target(desc.kind), [r for r in fields if r not in roles])
    defaults.update({r: [r] for r in fields if r not in roles and r not in defaults})
    defaults = {r: v for r, v in defaults.items() if r not in spec.defaults}

    if path.suffix.lower() in _EXCEL:
        header, sheet, body = _excel_cells(path, desc)
        cells = {i: body.iloc[:, i] for i in range(body.shape[1])}
        n_rows, bad_rows = len(body), []
        out.notes.append(f"read sheet {sheet!r}")
    else:
        header, encoding, note, delimiter, skip = _csv_cells(path, desc, out.notes)
        if note:
            out.notes.append(note)
        cells, n_rows, bad_rows = None, 0, []
    years = None
    match_header = header
    if spec.wide is not None and spec.wide.years:
        match_header, years = _years_layout(header, spec.wide.years)
        if not any(y is not None for y in years.values()):
            out.problem(
                column=None,
                rule=f"no header holds a year matching {spec.wide.years!r}",
                what_to_do=f"Fix `wide: years:` in {desc.where_for(path)}.",
            )
            return out
    plan = _plan(out, match_header, roles, required, defaults, years)
    if plan is None:
        return out
    wanted = [i for cols in plan.values() for i in cols]
    if cells is None:
        arrays, n_rows, bad_rows = _read_csv_columns(
            path, header, wanted, encoding, delimiter, skip, out.notes
        )
        cells = arrays
    out.rows_in = n_rows + len(bad_rows)
    frame = _frame(plan, cells, n_rows, years)
    out.frame = frame
    if bad_rows:
        out.exclusions.append(
            pd.DataFrame(
                {"table": out.stage, "file": path.name, "row": pd.array([pd.NA] * len(bad_rows),
                 dtype="Int64"), "reason": "row has a different number of fields than the header",
                 "column": None, "value": None}
            )
        )  # fmt: skip
        out.problem(
            rule=f"{len(bad_rows):,} row(s) have a different number of fields than the header; "
            "they were not read",
            what_to_do="Export the file again (a delimiter inside an unquoted value splits a row).",
            severity="warning",
        )
    for role, value in spec.defaults.items():
        if role not in out.frame.columns:
            out.frame[role] = _plain(value)
    for role, mapping in spec.values.items():
        if role in out.frame.columns and mapping:
            out.frame[role] = _apply_map(out, role, out.frame[role], mapping)
    if typed:
        for role, kind in {**fields, **spec.types}.items():
            if role in out.frame.columns:
                out.frame[role] = _typed(out, role, out.frame[role], kind)
    elif spec.types:
        for role, kind in spec.types.items():
            if role in out.frame.columns and kind == "year":
                out.frame[role] = _typed(out, role, out.frame[role], kind)
    if spec.school_id is not None and "school_id" not in out.frame.columns:
        _school_ids(out)
    _note_unused(out, header, plan)
    return out


def _target(kind: str) -> str:
    return "students" if kind == "roster" else kind


def _roles_named(spec) -> list[str]:
    """Roles a description uses beyond its kind's fields (ids built from them, wide measures)."""
    names = []
    if spec.school_id is not None:
        names += re.findall(r"{(\w+)}", spec.school_id.format)
    if spec.wide is not None:
        for parts in spec.wide.measures.values():
            names += [parts] if isinstance(parts, str) else list(parts)
        if spec.wide.denominator:
            names.append(spec.wide.denominator)
    return names


def _plan(out, header, roles, required, defaults, years) -> dict[str, list[int]] | None:
    """Role -> header positions (several for a wide file's per-year columns), or None."""
    desc = out.description
    # A wide file's per-year columns share a base header: match on the distinct bases.
    bases: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        # A file without a header: its columns are named by position ("column 3").
        bases.setdefault(h or f"column {i + 1}", []).append(i)
    distinct = list(bases)
    plan = plan_headers(distinct, roles, required=required, defaults=defaults)
    for role, heads in plan.ambiguous.items():
        out.problem(
            column=", ".join(heads),
            rule=f"the headers {heads} all fit {role}; netlab cannot tell which one it is",
            what_to_do=f"Write the one meant under `columns: {role}:` in {desc.where_for(out.path)} "
            f"(e.g. `{role}: ['{heads[0]}']`).",
        )
    shown = [h for h in distinct if h]
    for role in plan.missing:
        near = schemas.suggest(role, [schemas.canonical_name(h) for h in shown])
        near_header = next((h for h in shown if schemas.canonical_name(h) == near), None)
        out.problem(
            column=role,
            rule=f"no column for the required field {role!r}; the header has "
            f"{shown[:12]}{' ...' if len(shown) > 12 else ''}",
            what_to_do=f"Name its header under `columns:` in {desc.where_for(out.path)}: "
            f"`{role}: ['{near_header or '<header in the file>'}']`.",
        )
    if plan.ambiguous or plan.missing:
        out.frame = pd.DataFrame({"_row": []})
        return None
    for role, idx in plan.columns.items():
        out.headers[role] = distinct[idx]
    return {role: bases[distinct[idx]] for role, idx in plan.columns.items()}


def _frame(plan, cells, n_rows, years) -> pd.DataFrame:
    if years is None or not any(len(v) > 1 or years[v[0]] is not None for v in plan.values()):
        # Each column leaves the Arrow table as it becomes text, so two copies never pile up.
        frame = pd.DataFrame({role: _as_text(cells.pop(cols[0])) for role, cols in plan.items()})
        frame["_row"] = np.arange(1, n_rows + 1)
        return frame
    # One block of rows per year: fixed columns repeat, a year's columns fill the roles.
    all_years = sorted({y for y in years.values() if y is not None})
    text = {i: _as_text(cells[i]) for cols in plan.values() for i in cols}
    blocks = []
    for year in all_years:
        block = {}
        for role, cols in plan.items():
            fixed = [i for i in cols if years[i] is None]
            mine = [i for i in cols if years[i] == year]
            pick = mine or fixed
            block[role] = text[pick[0]] if pick else pd.Series([None] * n_rows, dtype="str")
        block = pd.DataFrame(block)
        block["year"] = str(year)
        block["_row"] = np.arange(1, n_rows + 1)
        blocks.append(block)
    return pd.concat(blocks, ignore_index=True)


def _school_ids(out: ReadExport) -> None:
    sid = out.description.spec.school_id
    names = re.findall(r"{(\w+)}", sid.format)
    lacking = [n for n in names if n not in out.frame.columns]
    if lacking:
        out.problem(
            column=", ".join(lacking),
            rule=f"the school id is built from {names}, but the file has no {lacking}",
            what_to_do=f"Name those columns under `columns:` in {out.description.where_for(out.path)}.",
        )
        return
    out.frame["school_id"] = build_ids(
        {n: out.frame[n] for n in names}, sid.format, slug=sid.slug, widths=sid.widths
    )
    out.notes.append(f"school ids built as {sid.format!r}")


def _note_unused(out: ReadExport, header: list[str], plan: dict[str, list[int]]) -> None:
    used = {i for cols in plan.values() for i in cols}
    unused = [h for i, h in enumerate(header) if i not in used and h]
    idents = [h for h in unused if schemas.IDENTIFIER_PATTERN.search(schemas.canonical_name(h))]
    if idents:
        out.notes.append(f"direct identifiers not read: {', '.join(idents[:8])}")
    rest = [h for h in unused if h not in idents]
    if rest:
        more = f" (+{len(rest) - 10} more)" if len(rest) > 10 else ""
        out.notes.append(f"columns not used: {', '.join(rest[:10])}{more}")


def race_from_codes(
    hispanic: pd.Series | None, codes: list[pd.Series], names: Mapping[str, str]
) -> pd.Series:
    """One race/ethnicity per student from a Hispanic flag and up to five race codes.

    CALPADS' rule: a Hispanic flag of yes makes the student Latinx whatever the codes;
    otherwise one category; several codes that are all Asian (Filipino included, since
    netlab's Asian category holds Filipino students) give Asian; all Pacific Islander give
    Pacific Islander; any other mix gives Multiracial; no code gives Unknown.

    Parameters
    ----------
    hispanic : Series of boolean or None
    codes : list of Series
        The race code columns (text).
    names : mapping
        Code -> category (``600: Black``; ``400: Asian``, Filipino), from the description;
        a label netlab does not know counts as no code.
    """
    index = codes[0].index if codes else hispanic.index
    label = {}
    for k, v in names.items():
        got = race_label(v)
        label[str(k).strip()] = got if isinstance(got, str) else "Unknown"
    cats = sorted(set(label.values()) - {"Unknown"})
    number = {c: i for i, c in enumerate(cats)}
    # Each code column as a category number (-1: no code); then one pass over the rows.
    nums = np.full((len(index), max(len(codes), 1)), -1, dtype=np.int64)
    for j, col in enumerate(codes):
        mapped = col.astype("str").str.strip().map(label).map(number)
        nums[:, j] = mapped.fillna(-1).to_numpy(dtype=np.int64)
    seen = nums >= 0
    first = np.where(seen.any(axis=1), nums[np.arange(len(index)), seen.argmax(axis=1)], -1)
    differs = (seen & (nums != first[:, None])).any(axis=1)
    names_arr = np.array([*cats, "Unknown"], dtype=object)
    race = pd.Series(
        np.where(differs, "Multiracial", names_arr[np.where(first >= 0, first, len(cats))]),
        index=index,
    )
    if hispanic is not None:
        race = race.mask(hispanic.fillna(False).astype(bool).to_numpy(), "Latinx")
    return race.astype("str")
