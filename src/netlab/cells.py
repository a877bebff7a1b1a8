"""Cells are values: text netlab writes to a workbook or a CSV is never read back as a formula.

A school's name, a team's change idea or a measure's label is typed by someone; when it
begins with ``=`` (or ``+``, ``-``, ``@``, a tab or a carriage return) a spreadsheet would
run it as a formula. Following OWASP's guidance on CSV injection
(https://owasp.org/www-community/attacks/CSV_Injection):

- a workbook cell holding text is written with the string data type (:func:`put`), so
  Excel and LibreOffice show it as typed and never evaluate it;
- a CSV cell holding such text gets a leading ``'`` (:func:`csv_text`, :func:`csv_frame`),
  which spreadsheets hide and which stops the evaluation.

Numbers stay numbers: numeric columns, and text that reads as a plain number (``-3.2``,
``+4 pp``, ``45%``), are left as they are.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet evaluate a cell (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+\-−]?\d[\d,]*(\.\d+)?(%| pp)?$")
#: Characters an .xlsx file cannot hold (openpyxl refuses them).
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


def _risky(text: str) -> bool:
    return text.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(text.strip())


def csv_text(value: Any) -> Any:
    """A value as a CSV cell: text a spreadsheet would evaluate gets a leading ``'``.

    Parameters
    ----------
    value : Any
        A cell's value.

    Returns
    -------
    Any
        ``value`` itself, unless it is text that starts like a formula (``=``, ``+``, ``-``,
        ``@``, a tab or a carriage return) and is not a plain number: then the same text
        after a ``'``.

    Examples
    --------
    >>> csv_text('=HYPERLINK("http://x.example","click")')
    '\\'=HYPERLINK("http://x.example","click")'
    >>> csv_text("-3.2"), csv_text(-3.2), csv_text("Escuela")
    ('-3.2', -3.2, 'Escuela')
    """
    if isinstance(value, str) and _risky(value):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are safe as CSV cells.

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
        Numeric columns unchanged; every text cell through :func:`csv_text`.
    """
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(
            out[col]
        ):
            out[col] = out[col].map(csv_text)
    out.columns = [csv_text(c) for c in out.columns]
    return out


def to_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index), every cell a value (see :func:`csv_frame`).

    Lines end in CRLF (RFC 4180), so a cell holding a carriage return is quoted too.

    Parameters
    ----------
    frame : DataFrame
        The table to write.

    Returns
    -------
    str
        The whole table as one text: a header line, then one line per row, each ending in
        CRLF; text a spreadsheet would evaluate starts with ``'``.
    """
    return csv_frame(frame).to_csv(index=False, lineterminator="\r\n")


def put(ws: Any, row: int, column: int, value: Any) -> Any:
    """Write ``value`` to a worksheet cell; text is written as text, never as a formula.

    Parameters
    ----------
    ws : openpyxl.worksheet.worksheet.Worksheet
    row, column : int
        1-based, as openpyxl counts.
    value : Any
        Text, a number, a date or None.

    Returns
    -------
    openpyxl.cell.Cell
        The cell, for its font, fill and number format.
    """
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = _ILLEGAL.sub("", value)
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
    else:
        cell.value = value
    return cell


def append(ws: Any, values: list[Any]) -> None:
    """Write ``values`` as the worksheet's next row, each through :func:`put`.

    Parameters
    ----------
    ws : Any
        The openpyxl worksheet.
    values : list[Any]
        The row's cells, in order.
    """
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for j, value in enumerate(values, start=1):
        put(ws, row, j, value)


def formula_cells(path: Any) -> list[str]:
    """Every cell of a workbook that a spreadsheet would evaluate (``sheet!A1``).

    Parameters
    ----------
    path : path
        An ``.xlsx`` file.

    Returns
    -------
    list of str
        Empty when every cell is a value.
    """
    from openpyxl import load_workbook

    wb = load_workbook(path)
    found = []
    for ws in wb.worksheets:
        for line in ws.iter_rows():
            for cell in line:
                if cell.data_type == "f":
                    found.append(f"{ws.title}!{cell.coordinate}")
    return found
