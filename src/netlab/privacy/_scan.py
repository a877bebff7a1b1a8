"""Checking what a build wrote: a rendered page, its workbook and its PDF.

Report tables, figures and sentences carry the smallest number of students they rest on
(``data-n`` / ``data-n-min``), and a workbook lists each table row's count on a hidden sheet
(:data:`COUNTS_SHEET`); the scans read those back and say what breaks the small-cell rule,
and whether a student key or another unit's name appears.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from netlab.privacy._suppress import too_small
from netlab.reasons import is_mark, unbanded_cells, unbanded_xlsx

#: The hidden sheet of a report's workbook that holds each table's counts (for the scan).
COUNTS_SHEET = "netlab-counts"

_ATTR_N = re.compile(r'data-n(?:-min)?="([^"]*)"')
_ROW = re.compile(r"<tr\b([^>]*)>(.*?)</tr>", re.S)
_VALUE_CELL = re.compile(r'<td\b[^>]*class="[^"]*netlab-value[^"]*"[^>]*>(.*?)</td>', re.S)
_TABLE = re.compile(r'<table\b[^>]*class="[^"]*netlab-table[^"]*"[^>]*>(.*?)</table>', re.S)
_TAG = re.compile(r"<[^>]+>")


def _text(fragment: str) -> str:
    import html

    return html.unescape(_TAG.sub(" ", fragment)).replace("\xa0", " ").strip()


def scan_html(
    text: str,
    *,
    min_cell: int,
    student_keys: Iterable[str] = (),
    forbidden_names: Iterable[str] = (),
    band_below: int | None = None,
    own_names: Iterable[str] = (),
) -> list[str]:
    """Check a rendered report; return the problems found (empty when clean).

    Checks that every ``data-n`` / ``data-n-min`` is at least ``min_cell``; that every
    row of a netlab table either carries such a count or shows only the marks of hidden
    cells (:func:`netlab.reasons.is_mark`) in its value cells; that no value cell shows
    0% or 100% on fewer than ``band_below`` students (default twice ``min_cell``: such a
    rate is shown banded, "≤5%"/"≥95%"); that no student key appears; and that none of
    ``forbidden_names``
    (other schools' names, in a school report with peers unnamed) appears, as given or as
    reports show it (a name in capitals in title case), anywhere but inside one of
    ``own_names`` (a peer "Central High" within the report's own "North Central High").

    Parameters
    ----------
    text : str
        The HTML page.
    min_cell : int
        The run's smallest cell.
    student_keys : iterable of str
        Keys of the processed students table.
    forbidden_names : iterable of str
        Names that must not appear.
    band_below : int, optional
        A 0% or 100% on fewer students must be banded.
    own_names : iterable of str
        The names the report may show (its own unit's, a brief's two teams'). A forbidden
        name found only within them is not a problem; found anywhere else, it is.

    Returns
    -------
    list of str
        The problems found, one sentence each; empty when the report is clean.
    """
    problems = []
    for raw in _ATTR_N.findall(text):
        try:
            value = float(raw)
        except ValueError:
            problems.append(f"unreadable student count data-n={raw!r}")
            continue
        if too_small(value, min_cell, missing=False):
            problems.append(f"a figure rests on {raw} students (< {min_cell})")
    for table in _TABLE.findall(text):
        body = table.split("<tbody", 1)[-1]
        for attrs, cells in _ROW.findall(body):
            if "data-n" in attrs:
                continue
            shown = [_text(c) for c in _VALUE_CELL.findall(cells)]
            leaked = [v for v in shown if not is_mark(v)]
            if leaked:
                problems.append(f"table row without a student count shows {leaked}")
    problems += unbanded_cells(text, below=band_below or 2 * min_cell)
    return problems + _scan_text(text, student_keys, forbidden_names, own_names)


def _names_to_check(forbidden_names: Iterable[str]) -> list[str]:
    """Each name as given and as reports show it (capitals in title case)."""
    from netlab.names import display_name

    out: list[str] = []
    for name in forbidden_names:
        name = str(name) if name else ""
        out += [n for n in dict.fromkeys([name, display_name(name)]) if n]
    return out


def scan_xlsx(
    path: Any,
    *,
    min_cell: int,
    student_keys: Iterable[str] = (),
    forbidden_names: Iterable[str] = (),
    band_below: int | None = None,
    own_names: Iterable[str] = (),
) -> list[str]:
    """Check a report's workbook as :func:`scan_html` checks its page.

    Every row the workbook's hidden count sheet lists must rest on at least ``min_cell``
    students, or show only the marks of hidden cells in its value cells; no value cell
    may hold 0% or 100% on fewer than ``band_below`` students (the sheet's per-cell
    counts); no student key and none of ``forbidden_names`` may appear in any cell, and no
    cell may be a formula.

    Parameters
    ----------
    path : path
        The ``.xlsx`` written beside a report.
    min_cell, student_keys, forbidden_names, band_below, own_names
        As for :func:`scan_html`.

    Returns
    -------
    list of str
        The problems found, one sentence each; empty when the workbook is clean.
    """
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=False)
    problems = []
    if COUNTS_SHEET not in wb.sheetnames:
        problems.append(f"no {COUNTS_SHEET} sheet: the rows' student counts cannot be checked")
    else:
        below = band_below if band_below is not None else 2 * min_cell
        for line in wb[COUNTS_SHEET].iter_rows(min_row=2, values_only=True):
            sheet, row, n, cols = line[:4]
            ws = wb[sheet]
            each = str(line[4] or "") if len(line) > 4 else ""
            problems += unbanded_xlsx(ws, row, each, below=below)
            if n is not None:
                if too_small(n, min_cell, missing=False):
                    problems.append(f"{sheet} row {row} rests on {n} students (< {min_cell})")
                continue
            for col in [int(c) for c in str(cols or "").split(",") if c]:
                value = ws.cell(row=row, column=col).value
                shown = "" if value is None else str(value)
                if not is_mark(shown):
                    problems.append(f"{sheet} row {row} without a student count shows {shown!r}")
    text = "\n".join(
        str(v)
        for ws in wb.worksheets
        if ws.title != COUNTS_SHEET
        for r in ws.iter_rows(values_only=True)
        for v in r
        if v is not None
    )
    formulas = [
        f"{ws.title}!{c.coordinate}"
        for ws in wb.worksheets
        for r in ws.iter_rows()
        for c in r
        if c.data_type == "f"
    ]
    if formulas:  # a typed name must never run in a reader's spreadsheet
        problems.append(f"formula cells (text must be values): {', '.join(formulas[:5])}")
    return problems + _scan_text(text, student_keys, forbidden_names, own_names)


def scan_pdf(
    path: Any,
    *,
    student_keys: Iterable[str] = (),
    forbidden_names: Iterable[str] = (),
    own_names: Iterable[str] = (),
) -> list[str]:
    """Check a report's PDF: no student key and none of ``forbidden_names`` in its text.

    The PDF prints the report's checked HTML, so its figures' counts were checked there;
    this reads the printed text itself (needs the ``pypdf`` package).

    Parameters
    ----------
    path : path or file
        The ``.pdf`` printed beside a report.
    student_keys : iterable of str
        Keys of the processed students table (keys under six characters are not looked
        for: they would match ordinary words and numbers).
    forbidden_names : iterable of str
        Names that must not appear, as for :func:`scan_html`; a name split over two lines
        of the PDF is still found.
    own_names : iterable of str
        The names the report may show, as for :func:`scan_html`.

    Returns
    -------
    list of str
        The problems found, one sentence each; empty when the PDF is clean.
    """
    try:
        from pypdf import PdfReader
    except ImportError as err:  # pragma: no cover - a test dependency
        raise ImportError("Scanning PDFs needs pypdf: pip install pypdf") from err
    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    # a line break in the PDF's text may split a name: compare with spaces squeezed
    return _scan_text(" ".join(text.split()), student_keys, forbidden_names, own_names)


def _spans(text: str, name: str) -> list[tuple[int, int]]:
    """Where a name stands as words of its own in the text (start, end).

    A hyphen may have a line break beside it (a PDF's text breaks a line after one).
    """
    if name.split("-", 1)[0] not in text:
        return []
    pattern = r"\s*-\s*".join(re.escape(part) for part in name.split("-"))
    return [m.span() for m in re.finditer(rf"(?<!\w){pattern}(?!\w)", text)]


def _scan_text(
    text: str,
    student_keys: Iterable[str],
    forbidden_names: Iterable[str],
    own_names: Iterable[str] = (),
) -> list[str]:
    problems = []
    keys = {str(k) for k in student_keys if k is not None and len(str(k)) >= 6}
    if keys:
        hits = sorted(set(re.findall(r"[A-Za-z0-9_-]{6,}", text)) & keys)
        if hits:
            problems.append(f"{len(hits)} student key(s) appear, e.g. {hits[0]}")
    # A peer's name found inside the report's own name is the report naming itself; found
    # anywhere else, it names the peer. Spans rather than a copy with the own name blanked
    # out: blanking "Central High" would also hide a peer called "North Central High".
    own = [span for name in _names_to_check(own_names) for span in _spans(text, name)]
    for name in _names_to_check(forbidden_names):
        found = _spans(text, name)
        if any(not any(a <= start and end <= b for a, b in own) for start, end in found):
            problems.append(f"another unit's name appears: {name!r}")
    return problems
