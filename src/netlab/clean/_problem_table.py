"""Problems as a fixed-width table a person can read (the command line's and errors' text)."""

from __future__ import annotations

import shutil
import textwrap
from typing import Any

import numpy as np
import pandas as pd


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
