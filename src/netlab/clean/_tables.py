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
import shutil
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.util import hash_pandas_object

from netlab import schemas
from netlab.clean import _limits as _limits
from netlab.clean._headers import COMMON_COLUMNS, header_map, report_headers
from netlab.clean._log import Context, Log
from netlab.clean._pseudonym import _hash_ids, _hex16, pseudonym_key
from netlab.clean._raw import JOIN_COLUMNS, RawTable
from netlab.clean._values import (
    ID_COLUMNS,
    KIND_WORDS,
    column_kind,
    factorize_values,
    parse_column,
    percent_shares,
    restore_school_codes,
    school_code_width,
    spread_back,
    suppressed_counts,
)
from netlab.exceptions import SchemaError

EXCLUSION_COLUMNS = ["table", "file", "row", "reason", "column", "value"]
QUALITY_COLUMNS = ["table", "file", "rows_in", "rows_kept", "rows_excluded"]

# Tables whose rows are single measurements: a bad value voids the row.
_EXCLUDE_ON_BAD_VALUE = frozenset({"counts", "practices", "process"})
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
    """

    tables: dict[str, pd.DataFrame]
    quality: pd.DataFrame
    exclusions: pd.DataFrame
    problems: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    sources: dict[str, pd.DataFrame] = field(default_factory=dict)


def _without(frame: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """``frame`` without the rows labelled ``index`` (a mask is faster than drop by label)."""
    return frame[~frame.index.isin(index)] if len(index) else frame


# --- One table ------------------------------------------------------------------------------


def _schema(table: str, ctx: Context):
    if table in schemas.TABLES or table in ctx.extra:
        return schemas.schema_for(table, ctx.extra)
    return None


def _kinds(table: str, columns: list[str], ctx: Context) -> dict[str, str]:
    schema = _schema(table, ctx)
    declared = {**COMMON_COLUMNS, **ctx.extra.get(table, {})}
    kinds = {}
    for col in columns:
        if col in ("student_id", "student_key"):
            kinds[col] = "id"
        elif schema is not None and col in schema.columns:
            kinds[col] = column_kind(table, col, schema.columns[col].dtype)
        else:
            typ = declared.get(col, "str")
            kinds[col] = {"str": "text", "int": "Int"}.get(typ, typ)
            if col in ID_COLUMNS:
                kinds[col] = "id"
    return kinds


def _type_columns(table: str, file: str, frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    kinds = _kinds(table, list(frame.columns), ctx)
    keys = _key_columns(table, ctx)
    typed = {}
    for col, kind in kinds.items():
        values, bad = parse_column(frame[col], kind)
        # A key that is not understood excludes its row; that exclusion is the message.
        if bad.any() and col not in keys:
            rows = np.flatnonzero(bad)
            raw_values = pd.unique(frame[col].iloc[rows].astype(str))
            what = "race_ethnicity was counted as Unknown" if kind == "race" else "left blank"
            ctx.log.problem(
                file=file,
                table=table,
                column=col,
                rows=frame.index[rows] + 1,
                values=raw_values,
                rule=f"{len(rows):,} value(s) not understood as {KIND_WORDS[kind]}; {what}",
                what_to_do=f"Correct these {col} values in the export.",
                severity="warning",
            )
        typed[col] = values
    return pd.DataFrame(typed, index=frame.index)


def _key_columns(table: str, ctx: Context) -> set[str]:
    """Columns that may not be blank: a row without one cannot be used."""
    schema = _schema(table, ctx)
    keys = {"student_id", "student_key"}
    if schema is not None:
        keys |= {c for c, col in schema.columns.items() if not col.nullable}
    # A race/ethnicity label that is blank or not understood counts as Unknown.
    return keys - {"race_ethnicity"}


def _blank_keys(
    table: str, file: str, frame: pd.DataFrame, raw: pd.DataFrame, ctx: Context
) -> pd.DataFrame:
    """Exclude rows whose key columns are blank or were not understood."""
    for col in [c for c in frame.columns if c in _key_columns(table, ctx)]:
        blank = frame[col].isna().to_numpy()
        if not blank.any():
            continue
        name = "student_id" if col == "student_key" else col
        index = frame.index[blank]
        # Raw student ids are never copied into any log.
        values = raw[col].reindex(index) if col in raw.columns and name != "student_id" else None
        frame = ctx.log.exclude(
            frame,
            index,
            table=table,
            file=file,
            reason=f"{name} is blank or not understood",
            rule=f"{name} blank",
            column=name,
            values=values,
            what_to_do=f"Fill in {name} in these rows of {file} (or leave the rows out).",
        )
    return frame


def _row_rules(
    table: str, file: str, frame: pd.DataFrame, raw: pd.DataFrame, ctx: Context
) -> pd.DataFrame:
    """Apply the schema's value rules: exclude rows with bad keys, blank other bad values."""
    schema = _schema(table, ctx)
    if schema is None or len(frame) == 0:
        return frame
    schema = schema.remove_columns([c for c in schema.columns if c not in frame.columns])
    cases = schemas.failures(schema, frame)
    # Repeated keys are resolved by _dedupe, which keeps one of the rows.
    cases = cases[cases["index"].notna() & ~cases["check"].str.contains("unique")]
    if len(cases) == 0:
        return frame
    void_row = table in _EXCLUDE_ON_BAD_VALUE
    excluded: set = set()
    for (context, column, check), part in cases.groupby(
        ["context", "column", "check"], sort=False, dropna=False
    ):
        index = pd.Index(pd.unique(part["index"].astype(np.int64)))
        across = context == "DataFrameSchema"
        col = None if across else column
        nullable = (not across) and schema.columns[col].nullable
        rule = schemas.rule_text(check)
        if nullable and not void_row:
            frame = frame.assign(**{col: frame[col].mask(frame.index.isin(index))})
            ctx.log.problem(
                file=file,
                table=table,
                column=col,
                rows=np.sort(index.to_numpy()) + 1,
                values=pd.unique(part["value"].astype(str))[:5],
                rule=f"{col} {rule}; {len(index):,} value(s) left blank",
                what_to_do=f"Correct these {col} values in the export.",
                severity="warning",
            )
            continue
        index = index.difference(pd.Index(list(excluded)))
        if across:
            cols = [c for c in frame.columns if c in check]
            part_frame = frame.loc[index, cols].astype(str)
            values = None
            for c in cols:
                text = c + "=" + part_frame[c]
                values = text if values is None else values + ", " + text
            reason, col_name = check, ", ".join(cols) or None
            short = check.split("(")[0]
        else:
            values = raw[col].reindex(index) if col in raw.columns else None
            blank = check.startswith("not_nullable")
            reason = f"{col} is blank or not understood" if blank else f"{col} {rule}"
            short = f"{col} blank" if blank else f"{col} {check.split('(')[0]}"
            col_name = col
        excluded.update(index)
        frame = ctx.log.exclude(
            frame,
            index,
            table=table,
            file=file,
            reason=reason,
            column=col_name,
            values=values,
            what_to_do=f"Correct {col_name} in these rows of {file}, or leave them out.",
            rule=short,
        )
    return frame


def _dedupe(frame: pd.DataFrame, table: str, file: str, ctx: Context) -> pd.DataFrame:
    """One row per key (see :data:`netlab.schemas.ROW_KEYS`): drop exact copies; of
    conflicting rows keep the most complete, ties going to the later row (the newer record)."""
    keys = schemas.ROW_KEYS.get(table)
    if not keys or len(frame) == 0:
        return frame
    if table == "students":
        # A cheap first pass on the id hash alone; the (id, year) check runs on the few.
        keys = ["_h", "grad_year"]
        first_pass = pd.Series(frame["_h"].to_numpy()).duplicated(keep=False).to_numpy()
        sub = frame[first_pass]
        label, column = "student_id and grad_year", "student_key"
    else:
        sub = frame
        label, column = " and ".join(keys), ", ".join(keys)
    sub = sub[sub.duplicated(subset=keys, keep=False)]
    if len(sub) == 0:
        return frame
    content = sub.drop(columns=[c for c in ("student_key",) if c in sub.columns])
    row_hash = hash_pandas_object(content, index=False).to_numpy()
    first = pd.Series(sub.index, index=sub.index).groupby(row_hash).transform("first")
    exact = first.to_numpy() != sub.index.to_numpy()
    exact_rows = sub.index[exact]
    if len(exact_rows):
        kept = (first[exact] + 1).astype(str)
        ctx.log.exclude(
            frame,
            exact_rows,
            table=table,
            file=file,
            reason="exact duplicate of an earlier row",
            column=column,
            values="duplicate of row " + kept,
            what_to_do=f"Remove the repeated rows from {file} (nothing was lost).",
            drop=False,
            rule="duplicate",
        )
        ctx.log.exclusions[-1]["reason"] = "exact duplicate of row " + kept.to_numpy()
    sub = sub.drop(index=exact_rows)
    group = sub.groupby(keys, dropna=False).ngroup()
    multi = group.duplicated(keep=False)
    sub, group = sub[multi], group[multi]
    losers = pd.Index([], dtype=np.int64)
    if len(sub):
        filled = (
            sub.drop(columns=[c for c in ("_h", "student_key") if c in sub]).notna().sum(axis=1)
        )
        order = pd.DataFrame({"g": group, "filled": filled, "pos": np.arange(len(sub))})
        order = order.sort_values(["g", "filled", "pos"])
        keep = order.groupby("g").tail(1)
        kept_row = pd.Series(keep.index.to_numpy(), index=keep["g"].to_numpy())
        losers = order.index.difference(keep.index)
        kept = pd.Series(kept_row.reindex(group[losers].to_numpy()).to_numpy() + 1, index=losers)
        reason = f"conflicting duplicate (same {label}, different values)"
        ctx.log.exclude(
            frame,
            losers,
            table=table,
            file=file,
            reason=reason,
            column=column,
            values="kept row " + kept.astype(str),
            what_to_do=f"Keep one row per {label} in {file}; netlab kept the row with the "
            "most filled-in values (the later row on ties).",
            drop=False,
            rule="conflicting duplicate",
        )
        ctx.log.exclusions[-1]["reason"] = f"{reason}, kept row " + kept.astype(str).to_numpy()
    return _without(frame, exact_rows.append(losers))


def _rate_column(inst: pd.DataFrame, file: str, ctx: Context) -> str:
    """The institutions column the run reads as "likely to graduate" (params.grad_rate_column)."""
    wanted = getattr(ctx.params, "grad_rate_column", "grad_rate")
    if wanted in inst.columns:
        return wanted
    ctx.log.notes.append(
        f"{file}: the institutions table has no {wanted} column; grad_rate was used instead"
    )
    return "grad_rate"


def _join_institutions(frame: pd.DataFrame, file: str, ctx: Context) -> pd.DataFrame:
    rates = pd.Series(np.nan, index=frame.index, dtype="float64")
    if ctx.institutions is None or "enrolled_unitid" not in frame.columns:
        missing = "institutions table" if ctx.institutions is None else "enrolled_unitid column"
        ctx.log.notes.append(
            f"{file}: no {missing}, so enrolled_grad_rate is unknown (missing) for everyone"
        )
        return frame.assign(enrolled_grad_rate=rates)
    inst = ctx.institutions.set_index("unitid")
    codes, uniques = factorize_values(frame["enrolled_unitid"])
    found = pd.Index(uniques).isin(inst.index)
    rate_u = inst[_rate_column(inst, file, ctx)].reindex(uniques).to_numpy(dtype="float64")
    rates = pd.Series(spread_back(rate_u, codes, np.nan), index=frame.index)
    if "enrolled" in frame.columns:
        rates = rates.where(frame["enrolled"].fillna(False).astype(bool))
    out = frame.assign(enrolled_grad_rate=rates)
    unknown = spread_back(~found, codes, False)
    if unknown.any():
        rows = np.flatnonzero(unknown)
        ctx.log.problem(
            file=file,
            table="students",
            column="enrolled_unitid",
            rows=frame.index[rows] + 1,
            values=pd.unique(uniques[~found].astype(str)),
            rule=f"{len(rows):,} enrolled_unitid value(s) not in the institutions table; "
            "their graduation rate is unknown",
            what_to_do="Add these colleges to institutions (with grad_rate), or check the ids.",
            severity="warning",
        )
    if "enrolled_level" in out.columns:
        level_u = inst["level"].reindex(uniques).astype(object).to_numpy()
        level = pd.Series(spread_back(level_u, codes, None), index=frame.index, dtype="str")
        fill = out["enrolled_level"].isna() & level.notna()
        if fill.any():
            out = out.assign(enrolled_level=out["enrolled_level"].fillna(level))
            ctx.log.notes.append(
                f"{file}: enrolled_level filled in from institutions for {int(fill.sum()):,} row(s)"
            )
    return out


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


def clean_tables(
    raw: Mapping[str, RawTable], params: Any, *, key: str | None = None
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
        file = item.path.name
        if name not in known:
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
            quality.append((name, file, len(item.frame), 0))
            continue
        log.rows_in[name] = len(item.frame)
        clean = _clean_one(item, ctx)
        if clean is None:
            continue
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
        tables[name] = clean
        quality.append((name, file, len(item.frame), len(clean)))
    _file_rows(raw, log)
    exclusions = _frame_of(log.exclusions, EXCLUSION_COLUMNS)
    counts = exclusions.groupby("table").size() if len(exclusions) else pd.Series(dtype=int)
    quality_frame = pd.DataFrame(quality, columns=["table", "file", "rows_in", "rows_kept"])
    quality_frame["rows_excluded"] = (
        quality_frame["table"].map(counts).fillna(0).astype("int64").to_numpy()
    )
    bad = quality_frame["rows_in"] != quality_frame["rows_kept"] + quality_frame["rows_excluded"]
    if bad.any():  # a bug, never a user mistake: every row must be accounted for
        raise RuntimeError(f"Rows unaccounted for:\n{quality_frame[bad]}")
    quality_frame, exclusions = _with_sources(quality_frame, exclusions, infos)
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
    return out


def validate_tables(
    tables: Mapping[str, RawTable], file_problems: list[dict[str, Any]], params: Any = None
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


def _rows_text(rows: Any, total: Any = None, limit: int = 8) -> str:
    rows = list(rows) if rows is not None else []
    if not rows:
        return ""
    # The problem keeps the first rows only; its count is the true one.
    known = isinstance(total, int | float | np.number) and not pd.isna(total)
    n = max(int(total), len(rows)) if known else len(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" (+{n - limit:,} more)" if n > limit else "")


def _cell(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def format_problems(problems: pd.DataFrame, *, width: int | None = None) -> str:
    """Render a problems frame as a fixed-width table a person can read.

    Parameters
    ----------
    problems : pandas.DataFrame
        As returned by :func:`netlab.pipeline.validate_dir` or :func:`netlab.schemas.validate_frame`.
    width : int, optional
        Total width of the table in characters; by default the terminal's width (100 to
        200, 160 when it cannot be told).

    Returns
    -------
    str
        One block per problem (severity, file, column, rows, offending values, rule,
        what to do), then a count of errors and warnings.
    """
    if problems is None or len(problems) == 0:
        return "No problems found."
    if width is None:
        width = min(max(shutil.get_terminal_size((160, 24)).columns, 100), 200)
    heads = ["", "file", "column", "rows", "values", "rule", "what to do"]
    share = [7, 16, 16, 16, 18, 0, 0]
    rest = max(width - sum(share) - 3 * (len(share) - 1), 40)
    share[5], share[6] = rest // 2, rest - rest // 2
    lines = [" | ".join(h.ljust(w) for h, w in zip(heads, share, strict=True))]
    lines.append("-+-".join("-" * w for w in share))
    for rec in problems.to_dict("records"):
        cells = [
            str(rec.get("severity") or "").upper(),
            _cell(rec.get("file")) or _cell(rec.get("table")),
            _cell(rec.get("column")),
            _rows_text(rec.get("rows"), rec.get("n_rows")),
            ", ".join(repr(v) for v in (rec.get("values") or [])),
            _cell(rec.get("rule")),
            _cell(rec.get("what_to_do")),
        ]
        wrapped = [
            textwrap.wrap(c, w, break_long_words=True) or [""]
            for c, w in zip(cells, share, strict=True)
        ]
        height = max(len(w) for w in wrapped)
        for i in range(height):
            lines.append(
                " | ".join(
                    (w[i] if i < len(w) else "").ljust(s)
                    for w, s in zip(wrapped, share, strict=True)
                ).rstrip()
            )
        lines.append("")
    n_err = int((problems["severity"] == "error").sum())
    n_warn = int((problems["severity"] == "warning").sum())
    lines.append(f"{n_err} error(s), {n_warn} warning(s).")
    return "\n".join(lines)
