"""What one StudentTracker file says of itself: its search date, and signs of a re-save in Excel.

A file opened and saved again in Excel turns dates into numbers and strips college codes
of their leading zeros; the search date comes from the file's column, else its name, else
its latest date.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from netlab.sources._kinds import ReadExport

_DATE_ROLES = ("search_date", "hs_grad_date", "enrollment_begin", "enrollment_end",
               "graduation_date")  # fmt: skip


def _excel_signs(rx: ReadExport) -> list[str]:
    """What betrays a file re-saved in Excel: dates as numbers, codes without their zeros."""
    f, signs = rx.frame, []
    for role in _DATE_ROLES:
        if role not in f:
            continue
        text = pd.Series(f[role].dropna().unique(), dtype="str")  # distinct values only
        serial = text[text.str.fullmatch(r"\d{5}(\.0+)?")]
        slashed = text[text.str.contains("/", regex=False)]
        for found, what in ((serial, "numbers"), (slashed, "month/day/year text")):
            if len(found):
                signs.append(
                    f"{rx.headers.get(role, role)} dates became {what} (e.g. {found.iloc[0]})"
                )
    if "college_code" in f:
        code = pd.Series(f["college_code"].dropna().unique(), dtype="str")
        short = code[code.str.fullmatch(r"\d{1,5}-\d{1,2}")]
        if len(short):
            signs.append(
                f"{rx.headers.get('college_code', 'college_code')} codes lost their leading "
                f"zeros (e.g. {short.iloc[0]})"
            )
    return signs


def _search_date(rx: ReadExport, notes: list[str]) -> pd.Series | np.datetime64:
    """The rows' search date: the file's own column, else the file name's date, else its
    latest date (noted)."""
    f = rx.frame
    if "search_date" in f and f["search_date"].notna().any():
        return f["search_date"]
    pattern = rx.description.spec.search_date
    if pattern and (m := re.search(pattern, rx.file)):
        found = pd.to_datetime(m.group("date"), format="%Y%m%d", errors="coerce")
        if pd.notna(found):
            notes.append(f"search date {found.date()} (from the file name)")
            return np.datetime64(found.date(), "D")
    dates = [
        f[r].max() for r in ("enrollment_begin", "enrollment_end", "graduation_date") if r in f
    ]
    latest = max((d for d in dates if pd.notna(d)), default=pd.NaT)
    notes.append(
        "no search date in the file or its name; the latest date in it "
        f"({pd.Timestamp(latest).date() if pd.notna(latest) else 'none'}) is taken as the "
        "search date"
    )
    return np.datetime64(pd.Timestamp(latest).date(), "D") if pd.notna(latest) else np.datetime64(
        "NaT", "D")  # fmt: skip
