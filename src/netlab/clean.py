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
    become missing with a ``*_suppressed`` flag.
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

import os
import re
import secrets
import shutil
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.util import hash_array, hash_pandas_object

from netlab import io as nio
from netlab import paths, schemas
from netlab.exceptions import SchemaError

EXCLUSION_COLUMNS = ["table", "file", "row", "reason", "column", "value"]
QUALITY_COLUMNS = ["table", "file", "rows_in", "rows_kept", "rows_excluded"]

_TRUE = frozenset({"y", "yes", "1", "true", "t", "1.0"})
_FALSE = frozenset({"n", "no", "0", "false", "f", "0.0"})
_BLANK = frozenset({"", "na", "n/a", "nan", "null", "none", "unknown", "-", ".", "#n/a", "nat"})
_SUPPRESSED = re.compile(r"^\s*(<\s*=?\s*\d+|n\s*<\s*\d+|\*+|†|suppressed)\s*$", re.IGNORECASE)
_ID_COLUMNS = frozenset(
    {"school_id", "student_id", "unitid", "enrolled_unitid", "respondent_id", "cycle_id"}
)
_UNIQUE_IDS = frozenset({"student_id", "student_key", "respondent_id"})
# Columns of a table the run declares only through params.extra_columns, when present.
_COMMON_COLUMNS = {"school_id": "str", "grad_year": "int", "year": "int", "date": "date"}
_SHARE_COLUMNS = frozenset(
    {f"share_{g}" for g in ("low_income", "black", "latinx", "indigenous", "asian", "white")}
    | {"share_focal", "grad_rate"}
)
# Tables whose rows are single measurements: a bad value voids the row.
_EXCLUDE_ON_BAD_VALUE = frozenset({"counts", "practices", "process"})
_ORDER = ("schools", "institutions")
_MISSING = object()


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


def _without(frame: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """``frame`` without the rows labelled ``index`` (a mask is faster than drop by label)."""
    return frame[~frame.index.isin(index)] if len(index) else frame


@dataclass
class _Log:
    problems: list[dict[str, Any]] = field(default_factory=list)
    exclusions: list[pd.DataFrame] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(self, **kwargs: Any) -> None:
        self.problems.append(schemas.problem(**kwargs))

    def exclude(
        self,
        frame: pd.DataFrame,
        index: pd.Index | np.ndarray,
        *,
        table: str,
        file: str,
        reason: str,
        column: str | None,
        values: Any,
        what_to_do: str,
        report: bool = True,
        drop: bool = True,
    ) -> pd.DataFrame:
        """Log ``index`` rows of ``frame`` as excluded and return the frame without them."""
        index = pd.Index(index)
        if len(index) == 0:
            return frame
        result = _without(frame, index) if drop else frame
        rows = np.asarray(index, dtype=np.int64) + 1
        vals = values if values is not None else pd.Series(pd.NA, index=index)
        vals = pd.Series(vals, index=index).astype(object).where(lambda s: s.notna(), None)
        self.exclusions.append(
            pd.DataFrame(
                {
                    "table": table,
                    "file": file,
                    "row": rows,
                    "reason": reason,
                    "column": column,
                    "value": vals.astype(str).where(vals.notna(), None).to_numpy(),
                }
            )
        )
        if not report:
            return result
        shown = pd.unique(vals.dropna().astype(str))[:5]
        self.problem(
            file=file,
            table=table,
            column=column,
            rows=np.sort(rows),
            values=shown,
            rule=f"{reason}: {len(rows):,} row(s) excluded",
            what_to_do=what_to_do,
            severity="warning",
        )
        return result


# --- Keys and pseudonyms ------------------------------------------------------------------


def pseudonym_key(key: str | None = None) -> str:
    """Return the 16-character key that pseudonymizes student ids.

    Parameters
    ----------
    key : str, optional
        A key to use instead of the local key file. A key that is not 16 characters long is
        stretched or shortened to 16 by hashing it.

    Returns
    -------
    str
        The key. When ``key`` is None it is read from :func:`netlab.paths.key_file`, which
        is created (random, readable by its owner only) when missing.
    """
    if key is None:
        path = paths.key_file()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(8))
            os.chmod(path, 0o600)
        key = path.read_text(encoding="utf-8").strip()
    if len(key.encode("utf-8")) != 16:
        import hashlib

        key = hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()
    return key


_HEX = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), dtype=np.uint16)


def _hex16(hashes: np.ndarray) -> pd.Series:
    """Format uint64 hashes as 16 lower-case hex characters, without a Python loop."""
    n = len(hashes)
    digits = _HEX[hashes.astype(">u8").view(np.uint8).reshape(n, 8)]
    fixed = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(16), n, [None, pa.py_buffer(np.ascontiguousarray(digits))]
    )
    return pd.Series(fixed.cast(pa.string()).to_pandas(), dtype="str")


def _hash_ids(ids: pd.Series, key: str) -> np.ndarray:
    """Keyed SipHash of each id as uint64 (object array: much faster than Arrow's path)."""
    text = ids.astype("str").to_numpy(dtype=object, na_value=None)
    return hash_array(text, hash_key=key, categorize=False)


def pseudonymize(ids: pd.Series, *, key: str) -> pd.Series:
    """Replace identifiers with a keyed hash: the same id and key give the same result.

    Parameters
    ----------
    ids : pandas.Series
        Identifiers as text; missing ids stay missing.
    key : str
        16-character key (see :func:`pseudonym_key`).

    Returns
    -------
    pandas.Series
        16 hex characters per id, same index as ``ids``.

    Examples
    --------
    >>> pseudonymize(pd.Series(["123", "123", "124"]), key="0123456789abcdef").nunique()
    2
    """
    out = _hex16(_hash_ids(ids, key))
    out.index = ids.index
    return out.where(ids.notna())


# --- Headers --------------------------------------------------------------------------------


def _table_columns(table: str, extra: Mapping[str, Mapping[str, str]]) -> dict[str, bool]:
    """Raw-stage columns of ``table`` and whether each is required."""
    if table in schemas.TABLES:
        cols = schemas.columns_of(table, extra)
    else:
        cols = {c: False for c in _COMMON_COLUMNS}
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


# --- Values ---------------------------------------------------------------------------------


def _distinct(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 for missing) and distinct values, so each value is parsed once."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def _spread(values: np.ndarray, codes: np.ndarray, missing: Any) -> np.ndarray:
    """Put per-distinct-value results back on the rows (code -1 gets ``missing``)."""
    filled = np.empty(len(values) + 1, dtype=values.dtype)
    filled[:-1] = values
    filled[-1] = missing
    return filled[codes]


def _as_text(value: Any) -> str:
    return str(value).strip()


def _text_result(series: pd.Series, func: Callable[[Any], Any]) -> tuple[pd.Series, np.ndarray]:
    """Map distinct values through ``func`` (None = missing, _MISSING = not understood)."""
    codes, uniques = _distinct(series)
    mapped = [func(u) for u in uniques]
    bad_u = np.array([m is _MISSING for m in mapped], dtype=bool)
    labels = pa.array([None if (m is None or m is _MISSING) else m for m in mapped] + [None])
    take = np.where(codes < 0, len(uniques), codes)
    out = pd.Series(labels.take(pa.array(take)).to_pandas(), index=series.index, dtype="str")
    bad = np.zeros(len(series), dtype=bool) if len(uniques) == 0 else _spread(bad_u, codes, False)
    return out, bad


def _id_value(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else str(value)
    text = _as_text(value)
    if text.lower() in _BLANK:
        return None
    if re.fullmatch(r"\d+\.0+", text):
        return text.split(".")[0]
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        number = float(text)
        return str(int(number)) if number.is_integer() and number < 2**53 else text
    return text


def _parse_ids(series: pd.Series, *, distinct: bool = True) -> tuple[pd.Series, np.ndarray]:
    """Codes as text, vectorized: a state's two million student ids take well under a second.

    ``distinct=False`` skips finding distinct values first, for ids that are mostly unique.
    """
    if distinct:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        text = pd.Series(uniques, dtype="str").str.strip()
    else:
        text = series.astype("str").str.strip().reset_index(drop=True)
    text = text.mask(text.str.lower().isin(_BLANK))
    # Excel turns codes into floats: "123.0", or "1.2345e+13" for long ones.
    dotted = text.str.contains(".", regex=False).fillna(False).astype(bool)
    if dotted.any():
        text[dotted] = text[dotted].str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    sci = text.str.contains(r"^\d(?:\.\d+)?[eE]\+?\d+$", regex=True).fillna(False).astype(bool)
    if sci.any():
        text[sci] = text[sci].map(_id_value)
    values = text.array.take(codes, allow_fill=True) if distinct else text.array
    out = pd.Series(values, index=series.index, dtype="str")
    return out, np.zeros(len(series), dtype=bool)


def _text_value(value: Any) -> Any:
    text = _as_text(value)
    return None if text == "" else text


def race_label(value: Any) -> Any:
    """Map one race/ethnicity label to the category set (see the module docstring).

    Returns ``"Unknown"`` for blank, declined or other labels, and the sentinel for labels
    not recognised (also counted as Unknown, and listed in a warning).
    """
    text = re.sub(r"[^a-z0-9]+", " ", str(value).lower()).strip()
    if text in {"", "na", "n a", "nan", "none", "null"} or text.startswith(
        ("declin", "unknown", "not reported", "not stated", "prefer not", "other", "refus")
    ):
        return "Unknown"
    short = {
        "h": "Latinx", "l": "Latinx", "b": "Black", "aa": "Black", "i": "Indigenous",
        "ai": "Indigenous", "aian": "Indigenous", "na": "Indigenous", "a": "Asian",
        "f": "Asian", "p": "Pacific Islander", "pi": "Pacific Islander",
        "nhpi": "Pacific Islander", "w": "White", "m": "Multiracial", "t": "Multiracial",
        "mr": "Multiracial",
    }  # fmt: skip
    if text in short:
        return short[text]
    rules = (
        (("two or more", "multi", "2 or more", "mixed", "biracial"), "Multiracial"),
        (("hispanic", "latin"), "Latinx"),
        (("black", "african"), "Black"),
        (("american indian", "alaska", "native american", "indigenous", "first nation"),
         "Indigenous"),
        (("hawaiian", "pacific", "samoan", "guamanian", "tongan"), "Pacific Islander"),
        (("asian", "filipin", "chinese", "japanese", "korean", "vietnamese", "indian"),
         "Asian"),
        (("white", "caucasian"), "White"),
    )  # fmt: skip
    for words, label in rules:
        if any(w in text for w in words):
            return label
    return _MISSING


def _gender_value(value: Any) -> Any:
    text = _as_text(value).lower()
    if text in _BLANK or text.startswith(("declin", "prefer")):
        return None
    if text in {"f", "female", "girl", "woman", "w"}:
        return "F"
    if text in {"m", "male", "boy", "man"}:
        return "M"
    if text in {"x", "non binary", "non-binary", "nonbinary", "nb", "other", "gender x"}:
        return "X"
    return _MISSING


def _level_value(value: Any) -> Any:
    text = _as_text(value).lower()
    if text in _BLANK:
        return None
    if "less than" in text or "<2" in text or "< 2" in text:
        return _MISSING
    if re.search(r"4|four|bachelor|universit", text):
        return "4-year"
    if re.search(r"2|two|communit|junior|associate|\bcc\b", text):
        return "2-year"
    return _MISSING


def _decision_value(value: Any) -> Any:
    text = _as_text(value).lower()
    if text in _BLANK:
        return None
    for word in schemas.DECISIONS:
        if text.startswith(word):
            return word
    return _MISSING


_GROUP_WORDS = (
    (("all", "all students", "total", "schoolwide", "school wide", "everyone"), "all"),
    (("low income", "socioeconomically disadvantaged", "economically disadvantaged", "frl",
      "frpl", "frpm", "low ses", "sed"), "low_income"),
    (("english learner", "english learners", "el", "ell", "els", "english language learner",
      "english language learners", "lep"), "english_learner"),
    (("first gen", "first generation", "first generation college"), "first_gen"),
    (("focal", "focal group"), "focal"),
)  # fmt: skip


def group_label(value: Any) -> Any:
    """Map a counts file's student-group label to netlab's group names.

    Examples
    --------
    >>> [group_label(v) for v in ["All Students", "Hispanic or Latino", "Foster Youth"]]
    ['all', 'latinx', 'foster_youth']
    """
    text = re.sub(r"[^a-z0-9]+", " ", str(value).lower()).strip()
    if text in _BLANK:
        return None
    for words, label in _GROUP_WORDS:
        if text in words:
            return label
    race = race_label(text) if len(text) > 2 else _MISSING
    if race is not _MISSING and race != "Unknown":
        return race.lower().replace(" ", "_")
    return schemas.canonical_name(text)


def _measure_name(value: Any) -> Any:
    text = schemas.canonical_name(value)
    return text or None


def _parse_bool(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean"), np.zeros(len(series), dtype=bool)
    codes, uniques = _distinct(series)
    state = np.empty(len(uniques), dtype=np.int8)
    for i, u in enumerate(uniques):
        if isinstance(u, bool | np.bool_):
            state[i] = int(u)
            continue
        text = _as_text(u).lower()
        state[i] = 1 if text in _TRUE else 0 if text in _FALSE else -1 if text in _BLANK else -2
    rows = _spread(state, codes, -1)
    out = pd.Series(
        pd.arrays.BooleanArray(rows == 1, rows < 0), index=series.index, dtype="boolean"
    )
    return out, rows == -2


def _parse_number(series: pd.Series, *, whole: bool) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    ):
        values = series.astype("float64")
        bad = np.zeros(len(series), dtype=bool)
    else:
        codes, uniques = _distinct(series)
        text = pd.Series(uniques, dtype=object).map(_as_text)
        cleaned = text.str.replace(r"(?<=\d),(?=\d{3}\b)", "", regex=True).str.rstrip("%")
        cleaned = cleaned.str.lstrip("$").str.strip()
        parsed = pd.to_numeric(cleaned, errors="coerce").astype("float64").to_numpy()
        blank = text.str.lower().isin(_BLANK).to_numpy()
        bad_u = np.isnan(parsed) & ~blank
        values = pd.Series(_spread(parsed, codes, np.nan), index=series.index)
        bad = _spread(bad_u, codes, False)
    if whole:
        fractional = values.notna().to_numpy() & (values.fillna(0) % 1 != 0).to_numpy()
        bad = bad | fractional
        values = values.where(~fractional).astype("Int64")
    return values, bad


def _parse_date(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
        return out.astype("datetime64[ns]"), np.zeros(len(series), dtype=bool)
    codes, uniques = _distinct(series)
    text = pd.Series(uniques, dtype=object).map(_as_text)
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    for fmt in ("%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d", "%m-%d-%Y"):
        todo = parsed.isna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    serial = pd.to_numeric(text, errors="coerce")
    # Excel stores dates as days since 1899-12-30; 20000-80000 covers 1954-2119.
    is_serial = parsed.isna() & serial.between(20000, 80000)
    if is_serial.any():
        parsed[is_serial] = pd.to_datetime(
            serial[is_serial], unit="D", origin="1899-12-30"
        ).dt.floor("D")
    blank = text.str.lower().isin(_BLANK)
    bad_u = (parsed.isna() & ~blank).to_numpy()
    values = parsed.astype("datetime64[ns]").to_numpy()
    out = pd.Series(_spread(values, codes, np.datetime64("NaT", "ns")), index=series.index)
    return out, _spread(bad_u, codes, False)


def _kind(table: str, column: str, dtype: Any) -> str:
    if column in _ID_COLUMNS:
        return "id"
    special = {
        "race_ethnicity": "race",
        "gender": "gender",
        "enrolled_level": "level",
        "decision": "decision",
    }
    if column in special:
        return special[column]
    if column == "level" and table == "institutions":
        return "level"
    if column == "group" and table == "counts":
        return "group"
    if column == "measure" and table in ("counts", "process"):
        return "measure"
    text = str(dtype)
    if text.startswith("datetime"):
        return "date"
    if text == "boolean" or text == "bool":
        return "bool"
    if text == "int64":
        return "int"
    if text == "Int64":
        return "Int"
    if text.startswith("float"):
        return "float"
    return "text"


_KIND_WORDS = {
    "id": "a code",
    "race": "a race/ethnicity label",
    "gender": "F, M or X",
    "level": "4-year or 2-year",
    "decision": "adopt, adapt or abandon",
    "group": "a student group",
    "measure": "a measure name",
    "bool": "a yes/no flag (Y/N, Yes/No, 1/0, TRUE/FALSE)",
    "int": "a whole number",
    "Int": "a whole number",
    "float": "a number",
    "date": "a date (2024-01-15, 1/15/2024 or an Excel date)",
    "text": "text",
}


def parse_column(series: pd.Series, kind: str) -> tuple[pd.Series, np.ndarray]:
    """Parse one raw column as ``kind``; return the typed column and a not-understood mask.

    Parameters
    ----------
    series : pandas.Series
        Raw values (text as read, or already typed from Parquet or memory).
    kind : str
        One of ``id``, ``text``, ``race``, ``gender``, ``level``, ``decision``, ``bool``,
        ``int``, ``Int``, ``float``, ``date``.

    Returns
    -------
    (pandas.Series, numpy.ndarray)
        Typed values (missing where blank or not understood) and a boolean mask of rows
        whose non-blank value was not understood.

    Examples
    --------
    >>> parse_column(pd.Series(["Y", "no", "", "maybe"]), "bool")[0].tolist()
    [True, False, <NA>, <NA>]
    """
    if kind == "bool":
        return _parse_bool(series)
    if kind in ("int", "Int", "float"):
        return _parse_number(series, whole=kind != "float")
    if kind == "date":
        return _parse_date(series)
    if kind == "id" and not pd.api.types.is_numeric_dtype(series.dtype):
        return _parse_ids(series, distinct=series.name not in _UNIQUE_IDS)
    func = {
        "id": _id_value,
        "text": _text_value,
        "race": race_label,
        "gender": _gender_value,
        "level": _level_value,
        "decision": _decision_value,
        "group": group_label,
        "measure": _measure_name,
    }[kind]
    out, bad = _text_result(series, func)
    if kind == "race":
        out = out.fillna("Unknown")
    return out, bad


# --- One table ------------------------------------------------------------------------------


@dataclass
class _Context:
    params: Any
    extra: dict[str, dict[str, str]]
    key: str
    log: _Log
    school_ids: set[str] | None = None
    school_width: int | None = None
    institutions: pd.DataFrame | None = None


def _schema(table: str, ctx: _Context):
    if table in schemas.TABLES or table in ctx.extra:
        return schemas.schema_for(table, ctx.extra)
    return None


def _kinds(table: str, columns: list[str], ctx: _Context) -> dict[str, str]:
    schema = _schema(table, ctx)
    declared = {**_COMMON_COLUMNS, **ctx.extra.get(table, {})}
    kinds = {}
    for col in columns:
        if col in ("student_id", "student_key"):
            kinds[col] = "id"
        elif schema is not None and col in schema.columns:
            kinds[col] = _kind(table, col, schema.columns[col].dtype)
        else:
            typ = declared.get(col, "str")
            kinds[col] = {"str": "text", "int": "Int"}.get(typ, typ)
            if col in _ID_COLUMNS:
                kinds[col] = "id"
    return kinds


def _report_headers(table: str, file: str, plan: dict[str, Any], log: _Log) -> None:
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


def _suppressed(frame: pd.DataFrame, column: str, flag: str, file: str, log: _Log) -> pd.DataFrame:
    """Turn public files' suppressed counts ("<5", "*") into missing values with a flag."""
    if column not in frame.columns or pd.api.types.is_numeric_dtype(frame[column].dtype):
        return frame
    codes, uniques = _distinct(frame[column])
    is_sup = np.array([bool(_SUPPRESSED.match(str(u))) for u in uniques], dtype=bool)
    if not is_sup.any():
        return frame
    rows = _spread(is_sup, codes, False)
    log.notes.append(
        f"{file}: {int(rows.sum()):,} suppressed {column} value(s) "
        f"({', '.join(map(str, uniques[is_sup][:3]))}) read as missing, flagged in {flag}"
    )
    out = frame.assign(**{column: frame[column].where(~rows)})
    old = out[flag] if flag in out.columns else None
    flag_values = pd.Series(rows, index=out.index)
    if old is not None:
        parsed, _ = _parse_bool(old)
        flag_values = parsed.fillna(False).astype(bool) | flag_values
    return out.assign(**{flag: flag_values.astype("boolean")})


def _type_columns(table: str, file: str, frame: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
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
                rule=f"{len(rows):,} value(s) not understood as {_KIND_WORDS[kind]}; {what}",
                what_to_do=f"Correct these {col} values in the export.",
                severity="warning",
            )
        typed[col] = values
    return pd.DataFrame(typed, index=frame.index)


def _school_codes(frame: pd.DataFrame, table: str, file: str, ctx: _Context) -> pd.DataFrame:
    """Restore leading zeros to school codes that lost them, where the schools show the width."""
    if "school_id" not in frame.columns or not ctx.school_ids or not ctx.school_width:
        return frame
    width, known = ctx.school_width, ctx.school_ids
    codes, uniques = _distinct(frame["school_id"])
    fixed = np.array(
        [
            u.zfill(width)
            if (u not in known and u.isdigit() and len(u) < width and u.zfill(width) in known)
            else u
            for u in uniques
        ],
        dtype=object,
    )
    changed = fixed != uniques
    if not changed.any():
        return frame
    rows = _spread(changed, codes, False)
    example = f"{uniques[changed][0]} -> {fixed[changed][0]}"
    ctx.log.notes.append(
        f"{file}: leading zeros restored to {int(rows.sum()):,} school_id value(s) "
        f"(e.g. {example}; schools use {width} digits)"
    )
    ctx.log.problem(
        file=file,
        table=table,
        column="school_id",
        rows=frame.index[rows] + 1,
        values=uniques[changed][:5],
        rule=f"school codes lost their leading zeros (schools use {width} digits); "
        f"restored ({example})",
        what_to_do="Nothing to do; to keep codes intact, export them as text.",
        severity="warning",
    )
    labels = pa.array(list(fixed) + [None], type=pa.string())
    take = np.where(codes < 0, len(uniques), codes)
    ids = pd.Series(labels.take(pa.array(take)).to_pandas(), index=frame.index, dtype="str")
    return frame.assign(school_id=ids)


def _set_school_width(schools: pd.DataFrame, file: str, ctx: _Context) -> pd.DataFrame:
    ids = schools["school_id"].dropna()
    digits = ids[ids.str.fullmatch(r"\d+").fillna(False).astype(bool)]
    if len(ids) and len(digits) == len(ids):
        width = int(digits.str.len().max())
        short = digits.str.len() < width
        # Only long fixed-width codes (CDS 14, NCES 12) are padded; short ids may vary.
        if width >= 8 and short.any() and digits.str.len().min() >= width - 2:
            ctx.log.notes.append(
                f"{file}: {int(short.sum())} school_id value(s) padded to {width} digits "
                "with leading zeros (the others have that width)"
            )
            padded = schools["school_id"].where(
                schools["school_id"].str.len().fillna(width) >= width,
                schools["school_id"].str.zfill(width),
            )
            schools = schools.assign(school_id=padded)
        ctx.school_width = width
    ctx.school_ids = set(schools["school_id"].dropna())
    return schools


def _percent_shares(frame: pd.DataFrame, file: str, ctx: _Context) -> pd.DataFrame:
    out = frame
    for col in _SHARE_COLUMNS.intersection(frame.columns):
        values = frame[col]
        top = values.max()
        if pd.notna(top) and 1 < top <= 100:
            out = out.assign(**{col: values / 100})
            ctx.log.notes.append(f"{file}: {col} read as percentages and divided by 100")
    return out


def _key_columns(table: str, ctx: _Context) -> set[str]:
    """Columns that may not be blank: a row without one cannot be used."""
    schema = _schema(table, ctx)
    keys = {"student_id", "student_key"}
    if schema is not None:
        keys |= {c for c, col in schema.columns.items() if not col.nullable}
    # A race/ethnicity label that is blank or not understood counts as Unknown.
    return keys - {"race_ethnicity"}


def _blank_keys(
    table: str, file: str, frame: pd.DataFrame, raw: pd.DataFrame, ctx: _Context
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
            column=name,
            values=values,
            what_to_do=f"Fill in {name} in these rows of {file} (or leave the rows out).",
        )
    return frame


def _row_rules(
    table: str, file: str, frame: pd.DataFrame, raw: pd.DataFrame, ctx: _Context
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
        else:
            values = raw[col].reindex(index) if col in raw.columns else None
            blank = check.startswith("not_nullable")
            reason = f"{col} is blank or not understood" if blank else f"{col} {rule}"
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
        )
    return frame


def _dedupe(frame: pd.DataFrame, table: str, file: str, ctx: _Context) -> pd.DataFrame:
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
        )
        ctx.log.exclusions[-1]["reason"] = f"{reason}, kept row " + kept.astype(str).to_numpy()
    return _without(frame, exact_rows.append(losers))


def _join_institutions(frame: pd.DataFrame, file: str, ctx: _Context) -> pd.DataFrame:
    rates = pd.Series(np.nan, index=frame.index, dtype="float64")
    if ctx.institutions is None or "enrolled_unitid" not in frame.columns:
        missing = "institutions table" if ctx.institutions is None else "enrolled_unitid column"
        ctx.log.notes.append(
            f"{file}: no {missing}, so enrolled_grad_rate is unknown (missing) for everyone"
        )
        return frame.assign(enrolled_grad_rate=rates)
    inst = ctx.institutions.set_index("unitid")
    codes, uniques = _distinct(frame["enrolled_unitid"])
    found = pd.Index(uniques).isin(inst.index)
    rate_u = inst["grad_rate"].reindex(uniques).to_numpy(dtype="float64")
    rates = pd.Series(_spread(rate_u, codes, np.nan), index=frame.index)
    if "enrolled" in frame.columns:
        rates = rates.where(frame["enrolled"].fillna(False).astype(bool))
    out = frame.assign(enrolled_grad_rate=rates)
    unknown = _spread(~found, codes, False)
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
        level = pd.Series(_spread(level_u, codes, None), index=frame.index, dtype="str")
        fill = out["enrolled_level"].isna() & level.notna()
        if fill.any():
            out = out.assign(enrolled_level=out["enrolled_level"].fillna(level))
            ctx.log.notes.append(
                f"{file}: enrolled_level filled in from institutions for {int(fill.sum()):,} row(s)"
            )
    return out


def _finish(table: str, frame: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
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


def _clean_one(raw: nio.RawTable, ctx: _Context) -> pd.DataFrame | None:
    table, file, log = raw.name, raw.path.name, ctx.log
    for note in raw.notes:
        log.notes.append(f"{file}: {note}")
    frame = raw.frame.reset_index(drop=True)
    plan = header_map(table, list(map(str, frame.columns)), extra_columns=ctx.extra)
    _report_headers(table, file, plan, log)
    if plan["missing"]:
        return None
    frame = frame[list(plan["rename"])].rename(columns=plan["rename"])
    raw_named = frame
    if table == "counts":
        frame = _suppressed(frame, "numerator", "numerator_suppressed", file, log)
    if table == "fafsa_weekly":
        for col in ("submitted", "completed"):
            frame = _suppressed(frame, col, f"{col}_suppressed", file, log)
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
        frame = _set_school_width(frame, file, ctx)
    elif "school_id" in frame.columns:
        frame = _school_codes(frame, table, file, ctx)
        if ctx.school_ids is not None:
            outside = frame["school_id"].notna() & ~frame["school_id"].isin(ctx.school_ids)
            frame = log.exclude(
                frame,
                frame.index[outside.to_numpy()],
                table=table,
                file=file,
                reason="school_id not in the schools table",
                column="school_id",
                values=frame.loc[outside, "school_id"],
                what_to_do="Add these schools to schools, or check their codes.",
            )
    frame = _percent_shares(frame, file, ctx)
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


def _required_tables(raw: Mapping[str, nio.RawTable], log: _Log) -> None:
    for options in (schemas.REQUIRED_TABLES, schemas.GRAIN_TABLES):
        if not set(options).intersection(raw):
            log.problem(
                table=options[0],
                rule=f"no {' or '.join(options)} table among the inputs",
                what_to_do=f"Add {' or '.join(o + '.csv' for o in options)} "
                "(or .xlsx / .parquet) to the raw folder.",
            )


def clean_tables(
    raw: Mapping[str, nio.RawTable], params: Any, *, key: str | None = None
) -> CleanResult:
    """Clean and type every table, pseudonymize students, and log what was set aside.

    Parameters
    ----------
    raw : mapping of str to RawTable
        Tables as read by :func:`netlab.io.read_raw` (or :func:`netlab.io.raw_tables`).
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
    log = _Log()
    extra = {t: dict(c) for t, c in (getattr(params, "extra_columns", None) or {}).items()}
    ctx = _Context(params=params, extra=extra, key=pseudonym_key(key), log=log)
    _required_tables(raw, log)
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
    exclusions = _frame_of(log.exclusions, EXCLUSION_COLUMNS)
    counts = exclusions.groupby("table").size() if len(exclusions) else pd.Series(dtype=int)
    quality_frame = pd.DataFrame(quality, columns=["table", "file", "rows_in", "rows_kept"])
    quality_frame["rows_excluded"] = (
        quality_frame["table"].map(counts).fillna(0).astype("int64").to_numpy()
    )
    bad = quality_frame["rows_in"] != quality_frame["rows_kept"] + quality_frame["rows_excluded"]
    if bad.any():  # a bug, never a user mistake: every row must be accounted for
        raise RuntimeError(f"Rows unaccounted for:\n{quality_frame[bad]}")
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
    )


def validate_dir(directory: str | Path, params: Any = None) -> pd.DataFrame:
    """Read, normalize and check a folder of exports; write nothing.

    Parameters
    ----------
    directory : str or Path
        The raw folder.
    params : RunParams, optional
        The run's parameters (for declared extra columns and tables).

    Returns
    -------
    pandas.DataFrame
        Every problem found (errors and warnings), as in
        :func:`netlab.schemas.validate_frame`. Empty when all is well.
    """
    tables, file_problems = nio.scan(directory, params=params)
    if params is None:
        from netlab.params import from_dict

        params = from_dict({"run": "validate", "raw_dir": str(directory)})
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
        ].isin({p["table"] for p in file_problems if p["rule"].startswith("no ")})
        problems = problems[~drop]
    out = pd.concat([found, problems], ignore_index=True)
    order = out["severity"].map({"error": 0, "warning": 1})
    return out.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def _rows_text(rows: Any, limit: int = 8) -> str:
    rows = list(rows) if rows is not None else []
    if not rows:
        return ""
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" (+{len(rows) - limit} more)" if len(rows) > limit else "")


def _cell(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def format_problems(problems: pd.DataFrame, *, width: int | None = None) -> str:
    """Render a problems frame as a fixed-width table a person can read.

    Parameters
    ----------
    problems : pandas.DataFrame
        As returned by :func:`validate_dir` or :func:`netlab.schemas.validate_frame`.
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
            _rows_text(rec.get("rows")),
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


__all__ = [
    "CleanResult",
    "clean_tables",
    "format_problems",
    "group_label",
    "header_map",
    "parse_column",
    "pseudonym_key",
    "pseudonymize",
    "race_label",
    "validate_dir",
]
