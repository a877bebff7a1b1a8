"""An export's values: mapped through its description, then typed by role.

Values outside a description's map, and values not understood as their role's type
(years such as ``2025-26``, dates in the description's formats, flags, numbers), are one
warning each and left blank.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from netlab.clean import BLANK, factorize_values, parse_column, spread_back
from netlab.sources._kinds import ReadExport
from netlab.sources._sheets import _text


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
    mapped: list[Any] = []
    bad_u: list[bool] = []
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
    bad = np.array(bad_u, dtype=bool)
    if bad.any():
        rows = out.frame["_row"].to_numpy()[spread_back(bad, codes, False)]
        shown = [str(u) for u in uniques[bad]]
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
    years: list[int | None] = []
    bad: list[bool] = []
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
