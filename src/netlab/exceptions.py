"""Errors that carry their context and say what to do next.

Expected user mistakes (a bad file, a bad parameter, a bad measure definition) raise a
subclass of :class:`NetlabError`; the command line prints its message, without a
traceback, and exits non-zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas only for the annotation: the command line starts without it
    import pandas as pd


class NetlabError(Exception):
    """Base class for expected, explainable failures.

    Parameters
    ----------
    message : str
        What went wrong, in plain words.
    file, table, column : str, optional
        Where it went wrong.
    rows : sequence of int, optional
        Row numbers as a person sees them in the file (1 = first data row).
    hint : str, optional
        What to do next.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        table: str | None = None,
        column: str | None = None,
        rows: Sequence[int] | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.table = table
        self.column = column
        self.rows = list(rows) if rows is not None else None
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = []
        where = ", ".join(
            f"{k} {v!r}"
            for k, v in (("file", self.file), ("table", self.table), ("column", self.column))
            if v
        )
        if where:
            parts.append(f"[{where}]")
        parts.append(self.message)
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:10])
            more = f" and {len(self.rows) - 10} more" if len(self.rows) > 10 else ""
            parts.append(f"(rows {shown}{more})")
        text = " ".join(parts)
        if self.hint:
            text += f"\n  What to do: {self.hint}"
        return text


class InputError(NetlabError):
    """A raw file cannot be read or understood."""


class ColumnsError(InputError, KeyError):
    """A frame passed to netlab lacks columns it needs (a ``KeyError`` too)."""


class SchemaError(NetlabError):
    """One or more tables break the data contract.

    Parameters
    ----------
    problems : pandas.DataFrame
        One row per problem: file, table, column, rows, values, rule, what_to_do, severity.
    """

    def __init__(self, problems: pd.DataFrame, message: str | None = None) -> None:
        self.problems = problems
        n = int((problems["severity"] == "error").sum()) if len(problems) else 0
        super().__init__(
            message or f"{n} problem(s) break the data contract; see the table above.",
            hint="Fix the export (or the params' extra_columns) and run again.",
        )


class ParamsError(NetlabError):
    """A run's parameters are missing, unknown or invalid."""


class MeasureError(NetlabError):
    """A measure or group definition cannot be used."""


class BuildError(NetlabError):
    """One or more reports failed to render."""
