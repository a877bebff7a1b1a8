"""Parse and normalize raw values: ids, flags, numbers, dates and the category labels.

Each parser reads a raw column (text as read, or already typed) and returns the typed
column with a mask of the non-blank values it did not understand; distinct values are
parsed once. Values whose meaning depends on the table (suppressed counts, school codes
that lost their leading zeros, shares given as percents) are fixed in
:mod:`netlab.clean._table_values`. The rules are listed under "Values" and "School
codes" in :mod:`netlab.clean`, which re-exports :func:`parse_column`, :func:`race_label` and
:func:`group_label`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from netlab import schemas

_TRUE = frozenset({"y", "yes", "1", "true", "t", "1.0"})
_FALSE = frozenset({"n", "no", "0", "false", "f", "0.0"})
BLANK = frozenset({"", "na", "n/a", "nan", "null", "none", "unknown", "-", ".", "#n/a", "nat"})
ID_COLUMNS = frozenset(
    {"school_id", "student_id", "unitid", "enrolled_unitid", "respondent_id", "cycle_id", "opeid"}
)
_UNIQUE_IDS = frozenset({"student_id", "student_key", "respondent_id"})
# A value that is present but not understood (None means blank).
_MISSING = object()


def factorize_values(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 for missing) and distinct values, so each value is parsed once.

    Parameters
    ----------
    series : Series
        The column to factorize.

    Returns
    -------
    tuple[ndarray, ndarray]
        The codes (-1 for missing) and the distinct values.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def spread_back(values: np.ndarray, codes: np.ndarray, missing: Any) -> np.ndarray:
    """Put per-distinct-value results back on the rows (code -1 gets ``missing``).

    Parameters
    ----------
    values : ndarray
        One result per distinct value.
    codes : ndarray
        Each row's code, from :func:`factorize_values`.
    missing : Any
        What a row of code -1 (a missing value) gets.

    Returns
    -------
    ndarray
        One result per row.
    """
    filled = np.empty(len(values) + 1, dtype=values.dtype)
    filled[:-1] = values
    filled[-1] = missing
    return filled[codes]


def _as_text(value: Any) -> str:
    return str(value).strip()


def _text_result(series: pd.Series, func: Callable[[Any], Any]) -> tuple[pd.Series, np.ndarray]:
    """Map distinct values through ``func`` (None = missing, _MISSING = not understood)."""
    codes, uniques = factorize_values(series)
    mapped = [func(u) for u in uniques]
    bad_u = np.array([m is _MISSING for m in mapped], dtype=bool)
    labels = pa.array([None if (m is None or m is _MISSING) else m for m in mapped] + [None])
    take = np.where(codes < 0, len(uniques), codes)
    out = pd.Series(labels.take(pa.array(take)).to_pandas(), index=series.index, dtype="str")
    bad = (
        np.zeros(len(series), dtype=bool)
        if len(uniques) == 0
        else spread_back(bad_u, codes, False)
    )
    return out, bad


def _id_value(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else str(value)
    text = _as_text(value)
    if text.lower() in BLANK:
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
    text = text.mask(text.str.lower().isin(BLANK))
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

    Parameters
    ----------
    value : Any
        A race/ethnicity label as the file gives it.

    Returns
    -------
    Any
        The category, or the value itself when no category fits.
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
    if text in BLANK or text.startswith(("declin", "prefer")):
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
    if text in BLANK:
        return None
    if "less than" in text or "<2" in text or "< 2" in text or text == "l":
        return "less-than-2-year"
    if re.search(r"4|four|bachelor|universit", text):
        return "4-year"
    if re.search(r"2|two|communit|junior|associate|\bcc\b", text):
        return "2-year"
    return _MISSING


def _control_value(value: Any) -> Any:
    text = re.sub(r"[^a-z]+", " ", _as_text(value).lower()).strip()
    if text in BLANK:
        return None
    if text.startswith("public"):
        return "public"
    if "profit" in text and ("not" in text or "non" in text):
        return "private nonprofit"
    if "profit" in text:
        return "private for-profit"
    if text.startswith("private") or text.startswith("independent"):
        return "private"
    return _MISSING


def _decision_value(value: Any) -> Any:
    text = _as_text(value).lower()
    if text in BLANK:
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

    Parameters
    ----------
    value : Any
        A student-group label as the counts file gives it.

    Returns
    -------
    Any
        netlab's group name, or the label itself when none fits.

    Examples
    --------
    >>> [group_label(v) for v in ["All Students", "Hispanic or Latino", "Foster Youth"]]
    ['all', 'latinx', 'foster_youth']
    """
    text = re.sub(r"[^a-z0-9]+", " ", str(value).lower()).strip()
    if text in BLANK:
        return None
    for words, label in _GROUP_WORDS:
        if text in words:
            return label
    race = race_label(text) if len(text) > 2 else _MISSING
    if isinstance(race, str) and race != "Unknown":  # a category, not the sentinel
        return race.lower().replace(" ", "_")
    return schemas.canonical_name(text)


def _measure_name(value: Any) -> Any:
    text = schemas.canonical_name(value)
    return text or None


def _parse_bool(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean"), np.zeros(len(series), dtype=bool)
    codes, uniques = factorize_values(series)
    state = np.empty(len(uniques), dtype=np.int8)
    for i, u in enumerate(uniques):
        if isinstance(u, bool | np.bool_):
            state[i] = int(u)
            continue
        text = _as_text(u).lower()
        state[i] = 1 if text in _TRUE else 0 if text in _FALSE else -1 if text in BLANK else -2
    rows = spread_back(state, codes, -1)
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
        codes, uniques = factorize_values(series)
        text = pd.Series(uniques, dtype=object).map(_as_text)
        cleaned = text.str.replace(r"(?<=\d),(?=\d{3}\b)", "", regex=True).str.rstrip("%")
        cleaned = cleaned.str.lstrip("$").str.strip()
        parsed = pd.to_numeric(cleaned, errors="coerce").astype("float64").to_numpy()
        blank = text.str.lower().isin(BLANK).to_numpy()
        bad_u = np.isnan(parsed) & ~blank
        values = pd.Series(spread_back(parsed, codes, np.nan), index=series.index)
        bad = spread_back(bad_u, codes, False)
    if whole:
        fractional = values.notna().to_numpy() & (values.fillna(0) % 1 != 0).to_numpy()
        bad = bad | fractional
        values = values.where(~fractional).astype("Int64")
    return values, bad


def _parse_date(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
        return out.astype("datetime64[ns]"), np.zeros(len(series), dtype=bool)
    codes, uniques = factorize_values(series)
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
    blank = text.str.lower().isin(BLANK)
    bad_u = (parsed.isna() & ~blank).to_numpy()
    values = parsed.astype("datetime64[ns]").to_numpy()
    out = pd.Series(spread_back(values, codes, np.datetime64("NaT", "ns")), index=series.index)
    return out, spread_back(bad_u, codes, False)


def column_kind(table: str, column: str, dtype: Any) -> str:
    if column in ID_COLUMNS:
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
    if column in ("enrolled_control", "control"):
        return "control"
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


KIND_WORDS = {
    "id": "a code",
    "race": "a race/ethnicity label",
    "gender": "F, M or X",
    "level": "4-year, 2-year or less-than-2-year",
    "control": "public, private nonprofit or private for-profit",
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
        "control": _control_value,
        "decision": _decision_value,
        "group": group_label,
        "measure": _measure_name,
    }[kind]
    out, bad = _text_result(series, func)
    if kind == "race":
        out = out.fillna("Unknown")
    return out, bad
