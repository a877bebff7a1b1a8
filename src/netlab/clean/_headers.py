"""Raw headers to contract columns: canonical spelling, aliases, misspellings, identifiers.

See the "Headers" and "Direct identifiers" rules in :mod:`netlab.clean`, which
re-exports :func:`header_map`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from netlab import schemas

if TYPE_CHECKING:
    from netlab.clean._log import Log

# Columns of a table the run declares only through params.extra_columns, when present.
COMMON_COLUMNS = {"school_id": "str", "grad_year": "int", "year": "int", "date": "date"}


def _table_columns(table: str, extra: Mapping[str, Mapping[str, str]]) -> dict[str, bool]:
    """Raw-stage columns of ``table`` and whether each is required."""
    if table in schemas.TABLES:
        cols = schemas.columns_of(table, extra)
    else:
        cols = {c: False for c in COMMON_COLUMNS}
        cols.update({c: False for c in extra.get(table, {})})
    if "student_key" in cols or table not in schemas.TABLES:
        # Raw exports carry student_id; a pre-pseudonymized student_key is also accepted.
        cols = {"student_id": cols.pop("student_key", False), **cols, "student_key": False}
    cols.pop("enrolled_grad_rate", None)
    return cols


def header_map(
    table: str, columns: list[str], *, extra_columns: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, Any]:
    """Decide what each raw header of ``table`` becomes.

    Parameters
    ----------
    table : str
        Table name.
    columns : list of str
        Headers as read.
    extra_columns : mapping, optional
        ``params.extra_columns``.

    Returns
    -------
    dict
        ``rename`` {raw: column}, ``renamed`` [(raw, column)] (spelling changed),
        ``identifiers`` [raw] (dropped), ``unknown`` [(raw, suggestion or None)],
        ``repeated`` [(raw, column)] (a second header for a column already found),
        ``missing`` [(column, suggestion or None)] (required columns not found).

    Examples
    --------
    >>> header_map("students", ["Student ID", "Grad Year", "FRL"])["rename"]
    {'Student ID': 'student_id', 'Grad Year': 'grad_year', 'FRL': 'low_income'}
    """
    extra = dict(extra_columns or {})
    cols = _table_columns(table, extra)
    declared = {schemas.canonical_name(c): c for c in cols}
    aliases = {v: t for t, vs in schemas.ALIASES.items() if t in cols for v in vs}
    aliases.update({v: t for v, t in schemas.TABLE_ALIASES.get(table, {}).items() if t in cols})
    out: dict[str, Any] = {
        "rename": {},
        "renamed": [],
        "identifiers": [],
        "unknown": [],
        "repeated": [],
        "missing": [],
    }
    taken: set[str] = set()
    pending = []
    for raw in columns:
        canon = schemas.canonical_name(raw)
        target = declared.get(canon) or aliases.get(canon)
        if target is None:
            pending.append((raw, canon))
            continue
        if target in taken:
            out["repeated"].append((raw, target))
            continue
        taken.add(target)
        out["rename"][raw] = target
        if raw != target:
            out["renamed"].append((raw, target))
    free = [c for c in cols if c not in taken]
    for raw, canon in pending:
        if schemas.IDENTIFIER_PATTERN.search(canon):
            out["identifiers"].append(raw)
        else:
            out["unknown"].append((raw, schemas.suggest(canon, free)))
    unknown_canon = {schemas.canonical_name(r): r for r, _ in out["unknown"]}
    for col, required in cols.items():
        if required and col not in taken:
            if col == "student_id" and "student_key" in taken:
                continue
            near = schemas.suggest(col, list(unknown_canon))
            out["missing"].append((col, unknown_canon.get(near) if near else None))
    return out


def report_headers(table: str, file: str, plan: dict[str, Any], log: Log) -> None:
    """Note each renamed header and report identifiers, unknown, repeated and missing ones."""
    for raw, target in plan["renamed"]:
        log.notes.append(f"{file}: column {raw!r} read as {target}")
    for raw in plan["identifiers"]:
        log.problem(
            file=file,
            table=table,
            column=raw,
            rule=f"column {raw!r} looks like a direct identifier (names, birth dates, "
            "addresses, contacts); it was dropped and is not carried into any output",
            what_to_do="Leave direct identifiers out of the exports netlab reads.",
            severity="warning",
        )
        log.notes.append(f"{file}: direct identifier column {raw!r} dropped")
    hinted = {hint for _, hint in plan["missing"] if hint}
    for raw, hint in plan["unknown"]:
        if raw in hinted:
            continue  # reported below, as the misspelling of a required column
        log.problem(
            file=file,
            table=table,
            column=raw,
            rule=f"unknown column {raw!r}; it was not used"
            + (f" (did you mean {hint!r}?)" if hint else ""),
            what_to_do=f"Rename it to {hint!r} in the export."
            if hint
            else f"Remove it, or declare it in the params under extra_columns: {table}: "
            f"{{{schemas.canonical_name(raw)}: <type>}} to use it.",
            severity="warning",
        )
    for raw, target in plan["repeated"]:
        log.problem(
            file=file,
            table=table,
            column=raw,
            rule=f"column {raw!r} is a second column for {target}; only the first was used",
            what_to_do="Keep one column per field in the export.",
            severity="warning",
        )
    for col, hint in plan["missing"]:
        log.problem(
            file=file,
            table=table,
            column=col,
            rule=f"required column {col!r} is missing"
            + (f"; {hint!r} looks like a misspelling of it" if hint else ""),
            what_to_do=f"Rename {hint!r} to {col!r} in the export."
            if hint
            else f"Add the column {col!r} to {file}.",
        )
