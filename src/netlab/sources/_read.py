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

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from netlab import schemas
from netlab.clean import race_label
from netlab.exceptions import InputError
from netlab.sources._cells import (
    _as_text,
    _csv_cells,
    _excel_cells,
    _read_csv_columns,
    _years_layout,
)
from netlab.sources._describe import Description, build_ids
from netlab.sources._export_values import _apply_map, _plain, _typed
from netlab.sources._header_match import contract_aliases, plan_headers
from netlab.sources._kinds import ReadExport, kind_fields
from netlab.sources._sheets import _EXCEL


def isin_text(values: pd.Series, among: Any) -> np.ndarray:
    """``values.isin(among)`` for text, vectorized in Arrow (pandas loops for Arrow strings)."""
    right_values = among if isinstance(among, pd.Series | pd.Index) else pd.Series(list(among))
    left = pa.array(pd.Series(values).astype("str"))
    right = pa.array(pd.Series(right_values).astype("str")).cast(left.type)
    return pc.is_in(left, value_set=right).to_numpy(zero_copy_only=False).astype(bool)


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
    try:
        fields, required = kind_fields(desc.kind)
    except InputError as err:
        raise InputError(
            f"{Path(desc.source).name}: `kind: {desc.kind}`: {err.message}",
            file=desc.source,
            hint=err.hint,
        ) from None
    spec = desc.spec
    out = ReadExport(path=path, description=desc, frame=pd.DataFrame({"_row": []}))
    roles, required, defaults = _roles(desc, fields, required)
    if path.suffix.lower() in _EXCEL:
        header, sheet, body = _excel_cells(path, desc)
        cells = {i: body.iloc[:, i] for i in range(body.shape[1])}
        n_rows = len(body)
        bad_rows: list[str] = []
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
            path, header, wanted, encoding, delimiter, skip, out.notes,
            declared=spec.encoding is not None,
        )  # fmt: skip
        cells = arrays
    out.rows_in = n_rows + len(bad_rows)
    frame = _frame(plan, cells, n_rows, years)
    out.frame = frame
    if bad_rows:
        _bad_rows(out, path, len(bad_rows))
    _values(out, fields, typed=typed)
    if spec.school_id is not None and "school_id" not in out.frame.columns:
        _school_ids(out)
    _note_unused(out, header, plan)
    return out


def _roles(
    desc: Description, fields: Mapping[str, str], required: list[str]
) -> tuple[dict[str, list[str | int]], list[str], dict[str, list[str]]]:
    """The description's roles and header patterns, the required ones, and the defaults.

    A role the file need not hold (a school id built from others, wide measures and years
    in the headers) is not required; a field the description leaves out is matched by the
    contract's own header names.
    """
    spec = desc.spec
    if spec.school_id is not None:
        required = [r for r in required if r != "school_id"]
    if spec.wide is not None and spec.wide.measures:
        required = [r for r in required if r not in ("measure", "numerator", "denominator",
                                                     "group")]  # fmt: skip
    if spec.wide is not None and spec.wide.years:
        required = [r for r in required if r != "year"]  # the headers hold the years
    roles: dict[str, list[str | int]] = {r: desc.patterns(r) for r in spec.columns}
    extra = set(_roles_named(spec)) - set(fields) - set(roles)
    for role in sorted(extra):
        roles[role] = [role]
    defaults = contract_aliases(_target(desc.kind), [r for r in fields if r not in roles])
    defaults.update({r: [r] for r in fields if r not in roles and r not in defaults})
    defaults = {r: v for r, v in defaults.items() if r not in spec.defaults}
    return roles, required, defaults


def _bad_rows(out: ReadExport, path: Path, n: int) -> None:
    """Rows with another number of fields than the header: excluded, and said once."""
    out.exclusions.append(
        pd.DataFrame(
            {"table": out.stage, "file": path.name, "row": pd.array([pd.NA] * n,
             dtype="Int64"), "reason": "row has a different number of fields than the header",
             "column": None, "value": None}
        )
    )  # fmt: skip
    out.problem(
        rule=f"{n:,} row(s) have a different number of fields than the header; they were not read",
        what_to_do="Export the file again (a delimiter inside an unquoted value splits a row).",
        severity="warning",
    )


def _values(out: ReadExport, fields: Mapping[str, str], *, typed: bool) -> None:
    """Fill the description's defaults, map its values, and type each role."""
    spec = out.description.spec
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
    for head, both in plan.shared.items():
        out.problem(
            column=head,
            rule=f"the header {head!r} fits {len(both)} roles ({', '.join(both)}); one column "
            "cannot be two fields",
            what_to_do=f"Under `columns:` in {desc.where_for(out.path)}, name {head!r} for one "
            f"of them only and another header for the rest (e.g. `{both[1]}: ['<other header>']`).",
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
    if plan.ambiguous or plan.missing or plan.shared:
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
    if sid is None:  # read only for a description that builds its ids
        return
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


# Roles that drive a group, a measure or the focal group, with the words of headers that
# look like them: unmapped while such a header goes unread is a warning, never silence.
_DRIVERS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "roster": {
        "race_1": ("the race/ethnicity groups (and a focal group drawn from them)",
                   ("race", "ethnic")),
        "hispanic": ("the Latinx group", ("hispanic", "latin")),
        "low_income": ("the low-income group", ("meal", "lunch", "frl", "frpm", "income",
                                                "econ", "ses", "nslp")),
        "english_learner": ("the English-learner group", ("ell", "english", "lep", "elas")),
        "first_gen": ("the first-generation group", ("parent", "generation", "first")),
    },
}  # fmt: skip


def _warn_unmapped(out: ReadExport, unused: list[str], plan: dict[str, list[int]]) -> None:
    """A role that drives a group left unmapped while a header that looks like it is unread."""
    drivers = _DRIVERS.get(out.description.kind, {})
    if "race_ethnicity" in plan:
        drivers = {r: v for r, v in drivers.items() if r != "race_1"}
    for role, (drives, words) in drivers.items():
        if role in plan:
            continue
        alike = [
            h for h in unused
            if any(w in schemas.canonical_name(h).split("_") or
                   schemas.canonical_name(h).startswith(w) for w in words)
        ]  # fmt: skip
        if not alike:
            continue
        out.problem(
            column=", ".join(alike[:4]),
            rule=f"no column was read as {role}, which drives {drives}, while "
            f"{', '.join(repr(h) for h in alike[:4])} went unread; every student would be "
            "counted as unknown there",
            what_to_do=f"If {alike[0]!r} is it, write `columns: {role}: ['{alike[0]}']` in "
            f"{out.description.where_for(out.path)}.",
            severity="warning",
        )


def _note_unused(out: ReadExport, header: list[str], plan: dict[str, list[int]]) -> None:
    used = {i for cols in plan.values() for i in cols}
    unused = [h for i, h in enumerate(header) if i not in used and h]
    _warn_unmapped(out, unused, plan)
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
    if codes:
        index = codes[0].index
    elif hispanic is not None:
        index = hispanic.index
    else:
        raise ValueError("race_from_codes needs a Hispanic flag or a race code column.")
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
