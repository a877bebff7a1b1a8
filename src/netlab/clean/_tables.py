"""Turn raw exports into clean, typed tables, keeping a log of every row set aside.

Rules, in the order they run (every change is reported as a note or a problem row):

Headers
    Compared in canonical spelling (lower case, spaces and punctuation as ``_``), then
    matched to the contract's column names or their common aliases
    (:data:`netlab.schemas.ALIASES`: "Student ID"/"SSID" -> student_id, "School Code"/"CDS
    code" -> school_id, "Grad Year"/"cohort year" -> grad_year, "FRL"/"FRPL" -> low_income,
    "Ethnicity"/"race" -> race_ethnicity, "EL"/"ELL" -> english_learner, ...). Each renaming
    is noted. A header close to a known name ("grad_yaer") is reported with the name it
    was probably meant to be; it is never used silently. Columns the run declares in
    ``params.extra_columns[table]`` are typed and kept; other unknown columns are reported
    and left out.
Direct identifiers
    Columns holding names, birth dates, addresses, phone numbers, e-mail addresses or
    social security numbers are dropped before anything else reads them (a warning and a
    note say so). ``student_id`` is replaced by ``student_key``, a keyed hash (SipHash, 16
    hex characters) whose key lives in :func:`netlab.paths.key_file` and is never written
    to any output.
Values
    Yes/no flags: Y/N, Yes/No, 1/0, TRUE/FALSE, T/F in any case; blank, NA, N/A, null and
    unknown are missing. Race/ethnicity labels map to one category set: Hispanic, Latino,
    Latina, Latine, Latinx -> Latinx; Black, African American -> Black; American Indian,
    Alaska Native, Native American, Indigenous -> Indigenous; Asian, Filipino -> Asian;
    Native Hawaiian, Pacific Islander -> Pacific Islander; White -> White; Two or more
    races, Multiracial, Multiethnic -> Multiracial; blank, declined, other and anything
    else -> Unknown (labels not recognised are listed in a warning). Gender: F/female,
    M/male, X/non-binary. College level: 4-year/2-year in their common spellings.
    Dates: ISO (2024-01-15), US (1/15/2024, 1/15/24) and Excel serial numbers (45306).
    Numbers may carry thousands separators; shares and graduation rates given as percents
    (any value above 1) are divided by 100. Public files' suppressed counts ("<5", "*")
    become missing with a ``*suppressed_counts`` flag.
School codes
    Kept as text. Excel's float artefacts ("123.0") are removed. When the schools table
    shows a fixed width of digits (California CDS codes have 14), codes that lost their
    leading zeros in another table are padded back when the padded code is a known school.
Rows
    A row is excluded, with its reason, when a key is blank or not understood
    (school_id, student_id, grad_year, year, ...), its school is not in the schools table,
    a year lies outside 1990-2100, or a count breaks its rules (negative, numerator above
    denominator). A value that breaks a rule in a column that may be blank is blanked
    instead, with a warning (in counts, practices and process, where a row is a single
    measurement, the row is excluded).
Duplicates
    Each table keeps one row per key (:data:`netlab.schemas.ROW_KEYS`: a senior per
    student_id and grad_year, a school per school_id, a count per school, year, group and
    measure, ...). An exact copy of an earlier row is excluded ("exact duplicate of row
    N"). Of conflicting rows (same key, different values) the one with the most filled-in
    values is kept, ties going to the later row in the file (the newer record); the others
    are excluded ("conflicting duplicate (...), kept row N").

Every table's quality row satisfies rows_in = rows_kept + rows_excluded, and the
exclusions table lists each excluded row with its reason.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netlab import schemas
from netlab.clean._duplicates import _dedupe
from netlab.clean._headers import header_map, report_headers
from netlab.clean._institutions import _join_institutions
from netlab.clean._log import Context, Log
from netlab.clean._network import network_mask
from netlab.clean._problem_table import format_problems
from netlab.clean._pseudonym import _hash_ids, _hex16, pseudonym_key
from netlab.clean._raw import JOIN_COLUMNS, RawTable
from netlab.clean._rows import _blank_keys, _row_rules, _schema, _type_columns
from netlab.clean._table_values import (
    percent_shares,
    restore_school_codes,
    school_code_width,
    suppressed_counts,
)
from netlab.exceptions import SchemaError

if TYPE_CHECKING:
    from netlab.params import RunParams

EXCLUSION_COLUMNS = ["table", "file", "row", "reason", "column", "value"]
QUALITY_COLUMNS = ["table", "file", "rows_in", "rows_kept", "rows_excluded"]

_ORDER = ("schools", "institutions")


@dataclass
class CleanResult:
    """Clean tables and the record of how they were made.

    Attributes
    ----------
    tables : dict of str to DataFrame
        Clean, typed tables, columns as in :mod:`netlab.schemas`.
    quality : DataFrame
        table, file, rows_in, rows_kept, rows_excluded (rows_in = kept + excluded).
    exclusions : DataFrame
        table, file, row (1 = first data row in the file), reason, column, value.
    problems : DataFrame
        Problems found (see :func:`netlab.schemas.validate_frame`); warnings only, since
        :func:`clean_tables` raises on errors.
    notes : list of str
        What was changed and why (renamed headers, encodings, padded codes, ...).
    placed : dict
        When the params choose a network: table -> ``outside`` (rows excluded while cleaning
        that belong to schools outside it) and ``unplaced`` (reason -> rows excluded that
        no school places).
    """

    tables: dict[str, pd.DataFrame]
    quality: pd.DataFrame
    exclusions: pd.DataFrame
    problems: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    sources: dict[str, pd.DataFrame] = field(default_factory=dict)
    search_date: Any = None  # the latest StudentTracker search date, when a file gave one
    placed: dict[str, dict[str, Any]] = field(default_factory=dict)


# --- One table ------------------------------------------------------------------------------


def _finish(table: str, frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Order columns as the schema does and cast to its types."""
    schema = _schema(table, ctx)
    frame = frame.drop(columns=[c for c in ("_h", "student_id") if c in frame.columns])
    if schema is None:
        return frame.reset_index(drop=True)
    ids = [c for c in ("student_key", "school_id") if table not in schemas.TABLES]
    order = [c for c in ids if c in frame.columns]
    order += [c for c in schema.columns if c in frame.columns and c not in order]
    order += [c for c in frame.columns if c not in order]
    frame = frame[order]
    casts = {}
    for col in order:
        if col in schema.columns:
            dtype = str(schema.columns[col].dtype)
            if dtype == "int64" and frame[col].notna().all():
                casts[col] = "int64"
            elif dtype.startswith("string") or dtype == "str":
                casts[col] = "str"
    return frame.astype(casts).reset_index(drop=True)


def _clean_one(raw: RawTable, ctx: Context) -> pd.DataFrame | None:
    table, file, log = raw.name, raw.path.name, ctx.log
    for note in raw.notes:
        log.notes.append(f"{file}: {note}")
    frame = raw.frame.reset_index(drop=True)
    plan = header_map(table, list(map(str, frame.columns)), extra_columns=ctx.extra)
    report_headers(table, file, plan, log)
    if plan["missing"]:
        return None
    frame = frame[list(plan["rename"])].rename(columns=plan["rename"])
    raw_named = frame
    if table == "counts":
        frame = suppressed_counts(frame, "numerator", "numerator_suppressed", file, log)
    if table == "fafsa_weekly":
        for col in ("submitted", "completed"):
            frame = suppressed_counts(frame, col, f"{col}_suppressed", file, log)
    frame = _type_columns(table, file, frame, ctx)
    if "student_id" in frame.columns:
        hashed = _hash_ids(frame["student_id"], ctx.key)
        keys = _hex16(hashed).where(frame["student_id"].notna().to_numpy())
        keys.index = frame.index
        # The hash is kept as a number for fast duplicate checks, then dropped.
        frame = frame.drop(columns=["student_id"]).assign(student_key=keys, _h=hashed)
    elif "student_key" in frame.columns:
        frame = frame.assign(_h=_hash_ids(frame["student_key"], ctx.key))
    if table == "schools":
        frame = school_code_width(frame, file, ctx)
    elif "school_id" in frame.columns:
        frame = restore_school_codes(frame, table, file, ctx)
        if ctx.school_ids is not None:
            outside = frame["school_id"].notna() & ~frame["school_id"].isin(ctx.school_ids)
            frame = log.exclude(
                frame,
                frame.index[outside.to_numpy()],
                table=table,
                file=file,
                reason="school_id not in the schools table",
                rule="school_id not in schools",
                column="school_id",
                values=frame.loc[outside, "school_id"],
                what_to_do="Add these schools to schools, or check their codes.",
            )
    frame = percent_shares(frame, file, ctx)
    if table == "fafsa_weekly":
        defaults = {"submitted_suppressed": False, "completed_suppressed": False, "reported": True}
        for col, value in defaults.items():
            if col not in frame.columns:
                frame = frame.assign(**{col: pd.array([value] * len(frame), dtype="boolean")})
    frame = _blank_keys(table, file, frame, raw_named, ctx)
    frame = _row_rules(table, file, frame, raw_named, ctx)
    frame = _dedupe(frame, table, file, ctx)
    if table == "schools":
        ctx.school_ids = set(frame["school_id"])
        mask = network_mask(frame, ctx.params)
        if mask is not None and mask.any():
            ctx.log.network = set(frame.loc[mask, "school_id"].astype("str"))
            ctx.log.known = set(frame["school_id"].astype("str"))
    if table == "students":
        frame = _join_institutions(frame, file, ctx)
    return _finish(table, frame, ctx)


# --- All tables -----------------------------------------------------------------------------


def _frame_of(records: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    parts = [r for r in records if len(r)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.concat(parts, ignore_index=True)[columns]


def _required_tables(raw: Mapping[str, RawTable], log: Log, failed: set[str]) -> None:
    for options in (schemas.REQUIRED_TABLES, schemas.GRAIN_TABLES):
        if not set(options).intersection(raw) and not failed.intersection(options):
            log.problem(
                table=options[0],
                rule=f"no {' or '.join(options)} table among the inputs",
                what_to_do=f"Add {' or '.join(o + '.csv' for o in options)} "
                "(or .xlsx / .parquet) to the raw folder.",
            )


def _set_aside_unknown(name: str, item: RawTable, log: Log, extra: dict[str, Any]) -> None:
    """A table of no known kind: its columns checked, every row set aside as not used."""
    file = item.path.name
    found = schemas.validate_frame(name, item.frame, file=file, extra_columns=extra)
    log.problems.extend(found.to_dict("records"))
    log.exclude(
        item.frame,
        item.frame.index,
        table=name,
        file=file,
        reason="unknown table; not used",
        column=None,
        values=None,
        what_to_do="",
        report=False,  # the unknown-table warning already says it
    )


def _clean_known(name: str, item: RawTable, ctx: Context, log: Log) -> pd.DataFrame | None:
    """Clean one table of a known kind; a required table left empty is a problem."""
    file = item.path.name
    log.rows_in[name] = len(item.frame)
    clean = _clean_one(item, ctx)
    if clean is None:
        return None
    if name == "institutions":
        ctx.institutions = clean
    if len(clean) == 0 and name in (*schemas.REQUIRED_TABLES, *schemas.GRAIN_TABLES):
        log.problem(
            file=file,
            table=name,
            rule=f"{file} has no usable rows",
            what_to_do="Check the export (and the exclusions listed above).",
            severity="error" if name in schemas.REQUIRED_TABLES else "warning",
        )
    return clean


def _quality_frame(quality: list[tuple], exclusions: pd.DataFrame) -> pd.DataFrame:
    """Rows in, kept and excluded per table; every row must be accounted for."""
    counts = exclusions.groupby("table").size() if len(exclusions) else pd.Series(dtype=int)
    quality_frame = pd.DataFrame(quality, columns=["table", "file", "rows_in", "rows_kept"])
    quality_frame["rows_excluded"] = (
        quality_frame["table"].map(counts).fillna(0).astype("int64").to_numpy()
    )
    bad = quality_frame["rows_in"] != quality_frame["rows_kept"] + quality_frame["rows_excluded"]
    if bad.any():  # a bug, never a user mistake: every row must be accounted for
        raise RuntimeError(f"Rows unaccounted for:\n{quality_frame[bad]}")
    return quality_frame


def clean_tables(
    raw: Mapping[str, RawTable], params: RunParams, *, key: str | None = None
) -> CleanResult:
    """Clean and type every table, pseudonymize students, and log what was set aside.

    Parameters
    ----------
    raw : mapping of str to RawTable
        Tables as read by :func:`netlab.sources._io.read_raw` (or :func:`netlab.sources._io.raw_tables`).
    params : RunParams
        The run's parameters (``extra_columns`` declares extra typed columns and tables).
    key : str, optional
        Pseudonymization key; by default the local key file (created when missing).

    Returns
    -------
    CleanResult
        tables, quality, exclusions, problems (warnings) and notes.

    Raises
    ------
    SchemaError
        When a required table or column is missing, listing every problem found.

    Examples
    --------
    >>> result = clean_tables(read_raw(params.raw_path), params)  # doctest: +SKIP
    >>> result.quality  # doctest: +SKIP
    """
    log = Log(params=params)
    extra = {t: dict(c) for t, c in (getattr(params, "extra_columns", None) or {}).items()}
    ctx = Context(params=params, extra=extra, key=pseudonym_key(key), log=log)
    infos = _source_infos(raw)
    _required_tables(raw, log, {t for info in infos for t in info.failed})
    for info in infos:
        log.problems.extend(info.problems)
        log.notes.extend(info.notes)
    known = schemas.known_tables(extra)
    order = [t for t in _ORDER if t in raw] + [t for t in raw if t not in _ORDER]
    tables: dict[str, pd.DataFrame] = {}
    quality = []
    for name in order:
        item = raw[name]
        if name not in known:
            _set_aside_unknown(name, item, log, extra)
            quality.append((name, item.path.name, len(item.frame), 0))
            continue
        clean = _clean_known(name, item, ctx, log)
        if clean is not None:
            tables[name] = clean
            quality.append((name, item.path.name, len(item.frame), len(clean)))
    _file_rows(raw, log)
    exclusions = _frame_of(log.exclusions, EXCLUSION_COLUMNS)
    quality_frame, exclusions = _with_sources(
        _quality_frame(quality, exclusions), exclusions, infos
    )
    problems = schemas.problems_frame(log.problems)
    if (problems["severity"] == "error").any():
        raise SchemaError(
            problems,
            message="The exports break the data contract:\n"
            + format_problems(problems[problems["severity"] == "error"]),
        )
    return CleanResult(
        tables=tables,
        quality=quality_frame[QUALITY_COLUMNS],
        exclusions=exclusions,
        problems=problems,
        notes=log.notes,
        sources=_source_frames(infos),
        search_date=max((i.searched for i in infos if i.searched is not None), default=None),
        placed={
            t: {"outside": log.outside(t), "unplaced": dict(log.unplaced.get(t, {}))}
            for t in log.placed
        },
    )


# --- Tables built from exports (netlab.sources._exports) ---------------------------------------------


def _source_infos(raw: Mapping[str, RawTable]) -> list[Any]:
    """Each distinct record of how exports became tables (one per raw folder)."""
    seen: dict[int, Any] = {}
    for item in raw.values():
        info = getattr(item, "source", None)
        if info is not None:
            seen.setdefault(id(info), info)
    return list(seen.values())


def _file_rows(raw: Mapping[str, RawTable], log: Log) -> None:
    """Rows of a table built from exports point back to the file and row they came from."""
    for name, item in raw.items():
        info = getattr(item, "source", None)
        rows = None if info is None else info.rows.get(name)
        if rows is None:
            continue
        file = item.path.name
        for i, part in enumerate(log.exclusions):
            mine = (part["table"] == name) & (part["file"] == file)
            if not mine.any():
                continue
            at = part.loc[mine, "row"].astype("int64").to_numpy() - 1
            part = part.copy()
            part.loc[mine, "file"] = rows["file"].to_numpy()[at]
            part.loc[mine, "row"] = rows["row"].to_numpy()[at]
            log.exclusions[i] = part
        for p in log.problems:
            if p.get("table") == name and p.get("file") == file and p.get("rows"):
                at = np.asarray(p["rows"], dtype=np.int64) - 1
                ok = (at >= 0) & (at < len(rows))
                p["rows"] = [
                    int(r) for r in pd.unique(rows["row"].to_numpy()[at[ok]]) if pd.notna(r)
                ]


def _with_sources(quality: pd.DataFrame, exclusions: pd.DataFrame, infos: list[Any]):
    """The exports' own rows (each file as exported) added to the quality log."""
    if not infos:
        return quality, exclusions
    rows = [q for info in infos for q in info.quality]
    extra = [e for info in infos for e in info.exclusions if len(e)]
    if extra:
        exclusions = pd.concat(
            [exclusions, _frame_of(extra, EXCLUSION_COLUMNS)], ignore_index=True
        )
    quality = pd.concat([pd.DataFrame(rows, columns=QUALITY_COLUMNS), quality], ignore_index=True)
    bad = quality["rows_in"] != quality["rows_kept"] + quality["rows_excluded"]
    if bad.any():  # a bug, never a user mistake: every row must be accounted for
        raise RuntimeError(f"Rows unaccounted for:\n{quality[bad]}")
    return quality, exclusions


def _source_frames(infos: list[Any]) -> dict[str, pd.DataFrame]:
    if not infos:
        return {}

    joins = pd.concat([i.joins_frame for i in infos], ignore_index=True)
    out = {"joins": joins if len(joins) else pd.DataFrame(columns=JOIN_COLUMNS)}
    codes = [i.codes for i in infos if i.codes is not None]
    if codes:
        out["college_codes"] = pd.concat(codes, ignore_index=True)
    labels = {m: w for i in infos for m, w in getattr(i, "labels", {}).items()}
    if labels:
        out["measure_labels"] = pd.DataFrame(
            [{"measure": m, **w} for m, w in labels.items()]
        ).astype("object")
    return out


def validate_tables(
    tables: Mapping[str, RawTable],
    file_problems: list[dict[str, Any]],
    params: RunParams | None = None,
) -> pd.DataFrame:
    """Normalize and check raw tables already read; write nothing.

    Parameters
    ----------
    tables : mapping of str to RawTable
        As read from a raw folder (:func:`netlab.sources.scan`).
    file_problems : list of dict
        The problems found while reading the files.
    params : RunParams, optional
        The run's parameters (for declared extra columns and tables).

    Returns
    -------
    pandas.DataFrame
        Every problem found (errors and warnings), as in
        :func:`netlab.schemas.validate_frame`. Empty when all is well.
    """
    if params is None:
        from netlab.params import from_dict

        params = from_dict({"run": "validate", "raw_dir": "."})
    try:
        # A throwaway key: validating must not create or read the local key file.
        problems = clean_tables(tables, params, key=secrets.token_hex(8)).problems
    except SchemaError as err:
        problems = err.problems
    found = schemas.problems_frame(file_problems)
    if len(found):
        gone = set(found["table"].dropna())
        drop = problems["rule"].str.startswith("no ") & problems["table"].isin(gone)
        drop |= problems["rule"].str.contains("among the inputs", regex=False) & problems[
            "table"
        ].isin({p["table"] for p in file_problems if p["rule"].startswith("no ")} | gone)
        problems = problems[~drop]
    out = pd.concat([found, problems], ignore_index=True)
    order = out["severity"].map({"error": 0, "warning": 1})
    return out.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
