"""The workbook sent out beside each report: an Excel file of its tables.

- **Workbook** (``.xlsx``): every table the report shows, read from the rendered report,
  with the same labels and marks of hidden figures. One sheet per section, an "About"
  sheet first. Numbers are numbers (a rate of "45%" is 0.45 shown as a percentage). A
  very hidden sheet holds, for each row, the fewest students its values rest on (as
  ``data-n`` does in the HTML), for :func:`netlab.privacy.scan_xlsx`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from netlab import cells, privacy

__all__ = [
    "COUNTS_SHEET",
    "notebook_tables",
    "workbook_of_notebook",
    "write_workbook",
]

#: The very hidden sheet holding each row's fewest students.
COUNTS_SHEET = privacy.COUNTS_SHEET
META_MIME = "application/vnd.netlab.report+json"


# --------------------------------------------------------------------------------------
# Reading the tables of a rendered report
# --------------------------------------------------------------------------------------


@dataclass
class Table:
    """One report table as shown: caption, header and rows of cell texts."""

    caption: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    values: list[list[bool]] = field(default_factory=list)  # value cells (rest on students)
    counts: list[int | None] = field(default_factory=list)  # data-n of each row
    # data-n of each shown value cell, per row (None where the cell carries none)
    cell_counts: list[list[int | None]] = field(default_factory=list)


class _TableParser(HTMLParser):
    """The ``netlab-table`` tables of an HTML fragment (the report's own markup)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self._table: Table | None = None
        self._depth = 0
        self._cell: list[str] | None = None
        self._where = ""
        self._row: list[str] | None = None
        self._row_values: list[bool] = []
        self._row_n: int | None = None
        self._is_value = False
        self._row_cell_n: list[int | None] = []
        self._cell_n: int | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._depth += 1
            if self._depth == 1 and "netlab-table" in (a.get("class") or ""):
                self._table = Table()
        if self._table is None:
            return
        if tag in ("thead", "tbody"):
            self._where = tag
        elif tag == "caption":
            self._cell = []
        elif tag == "tr":
            self._row, self._row_values, self._row_cell_n = [], [], []
            n = a.get("data-n")
            self._row_n = int(float(n)) if n not in (None, "") else None
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._is_value = "netlab-value" in (a.get("class") or "")
            n = a.get("data-n")
            self._cell_n = int(float(n)) if n not in (None, "") else None
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "table":
            if self._depth == 1 and self._table is not None:
                self.tables.append(self._table)
                self._table = None
            self._depth -= 1
            return
        if self._table is None:
            return
        if tag == "caption" and self._cell is not None:
            self._table.caption = _squash(self._cell)
            self._cell = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(_squash(self._cell))
            self._row_values.append(self._is_value)
            self._row_cell_n.append(self._cell_n)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._where == "thead":
                self._table.header = self._row
            else:
                self._table.rows.append(self._row)
                self._table.values.append(self._row_values)
                self._table.counts.append(self._row_n)
                self._table.cell_counts.append(self._row_cell_n)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _squash(parts: Iterable[str]) -> str:
    return " ".join("".join(parts).split())


def html_tables(fragment: str) -> list[Table]:
    """The report tables of an HTML fragment, in order.

    Parameters
    ----------
    fragment : str
        HTML a report cell displayed; only ``netlab-table`` tables are read.

    Returns
    -------
    list of Table
        Each table's caption, header, cell texts and the students each value rests on.
    """
    parser = _TableParser()
    parser.feed(fragment)
    parser.close()
    return parser.tables


def _heading(source: str) -> str | None:
    for line in source.splitlines():
        if line.startswith("## "):
            return line[3:].strip()
    return None


def notebook_tables(nb: Any) -> tuple[dict, list[tuple[str, list[Table]]]]:
    """The report's facts and its tables by section, from an executed report notebook.

    Parameters
    ----------
    nb : NotebookNode
        The executed report notebook.

    Returns
    -------
    (dict, list of (str, list of Table))
        The header facts (title, network, term, min_cell ...) and, per section heading,
        the tables its cells display, in the report's order.
    """
    meta: dict = {}
    sections: list[tuple[str, list[Table]]] = []
    current = "Report"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            current = _heading(cell.source) or current
            continue
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if META_MIME in data:
                meta = dict(data[META_MIME])
            text = data.get("text/html")
            if not text:
                continue
            text = "".join(text) if isinstance(text, list) else str(text)
            found = html_tables(text)
            if not found:
                continue
            if sections and sections[-1][0] == current:
                sections[-1][1].extend(found)
            else:
                sections.append((current, found))
    return meta, sections


# --------------------------------------------------------------------------------------
# Writing the workbook
# --------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^([+\-−]?)(\d[\d,]*)(\.\d+)?(%| pp| points)?$")


def cell_value(text: str) -> tuple[Any, str | None]:
    """A shown cell as a workbook value and its number format.

    "45%" → (0.45, "0%"); "+3.2 pp" and "+3.2" → (3.2, "+0.0;-0.0;0.0"); "1,234" →
    (1234, "#,##0"); "2024" → (2024, "0"); "—" → (None, None); "*", "<10" and words stay
    text.

    Parameters
    ----------
    text : str
        A table cell's text, as shown.

    Returns
    -------
    (object, str or None)
        The value (a number, None or the text) and its Excel number format (None: none).

    Examples
    --------
    >>> cell_value("45.5%")
    (0.455, '0.0%')
    >>> cell_value("+3.2 pp")
    (3.2, '+0.0;-0.0;0.0')
    """
    t = text.strip()
    if t in ("", "—"):
        return None, None
    m = _NUMBER.match(t)
    if not m:
        return t, None
    sign, whole, frac, unit = m.groups()
    number = float(whole.replace(",", "") + (frac or ""))
    if sign in ("-", "−"):
        number = -number
    places = len(frac) - 1 if frac else 0
    decimals = "0" + ("." + "0" * places if places else "")
    if unit == "%":
        return round(number / 100, places + 2), f"{decimals}%"
    if unit in (" pp", " points") or sign:
        return number, f"+{decimals};-{decimals};{decimals}"
    if frac:
        return number, decimals
    return int(number), "#,##0" if "," in whole or len(whole) != 4 else "0"


_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _BAD_SHEET.sub(" ", name).strip()[:31] or "Section"
    title, k = base, 2
    while title.lower() in taken:
        title = f"{base[: 31 - len(str(k)) - 1]} {k}"
        k += 1
    taken.add(title.lower())
    return title


def _legend_lines(meta: dict, min_cell: int) -> list[tuple[str, Any]]:
    """The About sheet's legend: one line per reason a value may not be shown."""
    legend = meta.get("legend") or [
        ["", f"Values on fewer than {min_cell} students read <{min_cell}."]
    ]
    head = "Values not shown (or shown as a band) read as in the report; each mark says why:"
    return [(head, None), *[(f"  {line}", None) for _, line in legend]]


def write_workbook(
    path: str | os.PathLike, meta: dict, sections: Sequence[tuple[str, Sequence[Table]]]
) -> Path:
    """Write a report's tables to an ``.xlsx`` workbook (atomically).

    Parameters
    ----------
    path : path
        The workbook to write (beside the report's HTML).
    meta : dict
        The report's facts (title, network, term, min_cell, input hash, version).
    sections : sequence of (str, sequence of Table)
        From :func:`notebook_tables`.

    Returns
    -------
    Path
    """
    from openpyxl import Workbook

    wb = Workbook()
    _about_sheet(wb.active, meta)
    counts: list[list[Any]] = [
        ["sheet", "row", "fewest_students", "value_columns", "value_students"]
    ]
    taken = {"about", COUNTS_SHEET}
    for name, tables in sections:
        counts += _section_sheet(wb.create_sheet(_sheet_title(name, taken)), name, tables)
    hidden = wb.create_sheet(COUNTS_SHEET)  # last, and out of sight
    for line in counts:
        cells.append(hidden, line)
    hidden.sheet_state = "veryHidden"
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    wb.save(tmp)
    os.replace(tmp, target)
    return target


def _about_sheet(about: Any, meta: dict) -> None:
    """The workbook's first sheet: the report, its legend, and what it was built from."""
    from openpyxl.styles import Font

    about.title = "About"
    min_cell = int(meta.get("min_cell") or 10)
    lines = [
        (meta.get("title") or "Report", Font(bold=True, size=14)),
        (" · ".join(str(meta[k]) for k in ("network", "term") if meta.get(k)), None),
        (f"Data as of {meta['as_of']}" if meta.get("as_of") else "", None),
        ("", None),
        ("Every table of the report, one sheet per section, with the report's labels.", None),
        *_legend_lines(meta, min_cell),
        ("Patterns in these tables track with results; they do not show what causes them.", None),
        ("", None),
        (f"Inputs (hash): {meta.get('input_hash') or 'unknown'}", None),
        (f"netlab version: {meta.get('netlab_version') or 'unknown'}", None),
        (f"Report rendered: {meta.get('rendered') or 'unknown'}", None),
    ]
    for i, (text, font) in enumerate(lines, start=1):
        cell = cells.put(about, i, 1, text)
        if font is not None:
            cell.font = font
    about.column_dimensions["A"].width = 100


def _section_sheet(ws: Any, name: str, tables: Sequence[Table]) -> list[list[Any]]:
    """One section's tables on its sheet; the rows' student counts for the hidden sheet."""
    from openpyxl.styles import Alignment, Font, PatternFill

    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="E8EEF5")
    cells.put(ws, 1, 1, name).font = Font(bold=True, size=12)
    counts: list[list[Any]] = []
    row = 3
    widths: dict[int, int] = {}
    for t in tables:
        if t.caption:
            cells.put(ws, row, 1, t.caption).font = Font(italic=True, bold=True)
            row += 1
        for j, h in enumerate(t.header, start=1):
            c = cells.put(ws, row, j, h)
            c.font, c.fill = bold, head_fill
            c.alignment = Alignment(wrap_text=True, vertical="top")
            widths[j] = max(widths.get(j, 0), min(len(h), 24))
        row += 1
        per_cell = t.cell_counts or [[] for _ in t.rows]
        for shown, values, n, cell_n in zip(t.rows, t.values, t.counts, per_cell, strict=True):
            for j, text in enumerate(shown, start=1):
                value, fmt = cell_value(text)
                c = cells.put(ws, row, j, value)
                if fmt:
                    c.number_format = fmt
                widths[j] = max(widths.get(j, 0), min(len(text), 48))
            cols = ",".join(str(j) for j, v in enumerate(values, start=1) if v)
            each = ",".join(f"{j}:{k}" for j, k in enumerate(cell_n, start=1) if k is not None)
            if cols or n is not None:
                counts.append([ws.title, row, n, cols, each])
            row += 1
        row += 1
    for j, w in widths.items():
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = max(8, w + 2)
    return counts


def workbook_of_notebook(path: str | os.PathLike, nb: Any) -> Path:
    """Write the workbook of an executed report notebook (the ``xlsx`` output's writer).

    The workbook reads the tables as rendered: same labels, same suppression.

    Parameters
    ----------
    path : path
        The workbook to write (beside the report's HTML).
    nb : NotebookNode
        The executed report notebook.

    Returns
    -------
    Path
        The workbook written.
    """
    return write_workbook(path, *notebook_tables(nb))
