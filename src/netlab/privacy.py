"""Privacy rules for everything a report shows.

- **Small cells**: a count or rate resting on fewer than ``min_cell`` students is
  suppressed (:func:`flag_small`, :func:`suppress`).
- **Complementary suppression**: where the cells of a block add up to a total that is
  shown (focal + rest = all; the schools of a network = the network), one suppressed cell
  could be recovered by subtraction, so a second one is suppressed (:func:`complementary`).
- **Peers unnamed**: a school's report names that school only; the others become
  "School A", "School B", ... unless the run allows naming peers (:func:`peer_labels`).
- **Checkable HTML**: report tables, figures and sentences carry the smallest number of
  students they rest on (``data-n`` / ``data-n-min``) and suppressed values are shown as
  :data:`MARKER`, so :func:`scan_html` can check a rendered report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from netlab.checks import check_columns
from netlab.reasons import Reason, is_mark, unbanded_cells, unbanded_xlsx

#: The hidden sheet of a report's workbook that holds each table's counts (for the scan).
COUNTS_SHEET = "netlab-counts"

__all__ = [
    "MARKER",
    "WHY",
    "complementary",
    "flag_small",
    "too_small",
    "letters",
    "peer_labels",
    "scan_html",
    "scan_pdf",
    "scan_xlsx",
    "suppress",
    "visible",
]

#: What a suppressed value is shown as, in tables and sentences.
MARKER = "*"


def too_small(n: Any, min_cell: int, *, missing: bool = True) -> Any:
    """True where a figure rests on fewer than ``min_cell`` students: the one small-cell rule.

    Parameters
    ----------
    n : scalar, array or Series
        Students each figure rests on.
    min_cell : int
        Smallest number of students a shown figure may rest on.
    missing : bool
        What a missing count is: too small (the default, as nothing shows it is safe).

    Returns
    -------
    bool, or a boolean array / Series shaped like ``n``

    Examples
    --------
    >>> too_small(4, 10), too_small(12, 10)
    (True, False)
    """
    if np.ndim(n) == 0:
        if n is None or pd.isna(n):
            return missing
        return bool(float(n) < min_cell)
    counts = (
        pd.to_numeric(n, errors="coerce")
        if isinstance(n, pd.Series)
        else np.asarray(n, dtype=float)
    )
    isna = pd.isna(counts)
    with np.errstate(invalid="ignore"):
        small = counts < min_cell
    return (small | isna) if missing else (small & ~isna)


def flag_small(
    frame: pd.DataFrame,
    *,
    n: str = "denominator",
    min_cell: int = 10,
    column: str = "suppressed",
) -> pd.DataFrame:
    """Mark rows resting on fewer than ``min_cell`` students.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any frame with a column of student counts.
    n : str
        The column holding the number of students a row rests on (a missing count is
        treated as too small).
    min_cell : int
        Smallest number of students a shown figure may rest on.
    column : str
        Boolean output column; an existing True there stays True.

    Returns
    -------
    pandas.DataFrame
        A copy with ``column`` set.

    Examples
    --------
    >>> flag_small(pd.DataFrame({"denominator": [4, 12]}))["suppressed"].tolist()
    [True, False]
    """
    check_columns(frame, [n], what="frame to suppress")
    out = frame.copy()
    small = np.asarray(too_small(out[n], min_cell), dtype=bool)
    before = out[column].fillna(True).astype(bool) if column in out.columns else False
    out[column] = np.asarray(small | before, dtype=bool)
    out[WHY] = _why(out, np.where(small, Reason.SMALL.value, None))
    return out


#: The column of a flagged frame that says why each hidden row is hidden (a Reason value).
WHY = "why"


def _why(frame: pd.DataFrame, new: np.ndarray) -> np.ndarray:
    """Keep a reason already given; add the new one where there was none."""
    old = frame[WHY].to_numpy(dtype=object) if WHY in frame.columns else np.full(len(frame), None)
    keep = pd.notna(old)
    return np.where(keep, old, new).astype(object)


def complementary(
    frame: pd.DataFrame,
    *,
    by: Sequence[str],
    n: str = "denominator",
    total: tuple[str, Any] | None = None,
    column: str = "suppressed",
) -> pd.DataFrame:
    """Suppress a second cell wherever one suppressed cell could be recovered.

    Each block of rows sharing the values of ``by`` is taken to be the parts of a total
    that is shown (or, with ``total``, the parts *and* that total, as rows of the block).
    A block with exactly one suppressed cell gives it away by subtraction, so the smallest
    other part is suppressed too (the total row itself is never the one chosen, since it
    is what readers need).

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows already flagged (see :func:`flag_small`).
    by : sequence of str
        Columns defining a block, e.g. ``["unit_id", "year", "measure"]`` for the groups
        of one school-year, or ``["year", "group", "measure"]`` for the schools of a
        network.
    n : str
        Column of student counts, used to pick the smallest other part.
    total : (column, value), optional
        Identifies the total row within each block (e.g. ``("group", "all")``).
    column : str
        The boolean suppression column.

    Returns
    -------
    pandas.DataFrame
        A copy with ``column`` updated.

    Examples
    --------
    >>> f = pd.DataFrame({"group": ["focal", "rest", "all"], "denominator": [6, 30, 36]})
    >>> f = flag_small(f)
    >>> complementary(f, by=[], total=("group", "all"))["suppressed"].tolist()
    [True, True, False]
    """
    check_columns(frame, [*by, n, column], what="frame to suppress")
    out = frame.copy()
    is_total = (
        (out[total[0]] == total[1]).to_numpy()
        if total is not None
        else np.zeros(len(out), dtype=bool)
    )
    flags = out[column].to_numpy(dtype=bool).copy()
    counts = pd.to_numeric(out[n], errors="coerce").fillna(np.inf).to_numpy()
    positions = np.arange(len(out))
    groups = out.groupby(list(by), sort=False, dropna=False).indices if by else {(): positions}
    for idx in groups.values():
        idx = np.asarray(idx)
        # One pass per block suffices: after it the block has 0 or 2+ suppressed cells.
        if flags[idx].sum() != 1:
            continue
        candidates = idx[~flags[idx] & ~is_total[idx]]
        if len(candidates) == 0:
            continue
        flags[candidates[np.argmin(counts[candidates])]] = True
    added = flags & ~out[column].to_numpy(dtype=bool)
    out[column] = flags
    out[WHY] = _why(out, np.where(added, Reason.COMPLEMENTARY.value, None))
    return out


def suppress(
    frame: pd.DataFrame,
    *,
    min_cell: int = 10,
    n: str = "denominator",
    values: Iterable[str] = ("numerator", "rate"),
    by: Sequence[str] | None = None,
    total: tuple[str, Any] | None = None,
    column: str = "suppressed",
) -> pd.DataFrame:
    """Flag small cells (and complementary ones), then blank their values.

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame a report will show.
    min_cell : int
        Smallest number of students a shown figure may rest on.
    n : str
        Column of student counts.
    values : iterable of str
        Columns set to missing where suppressed (those present).
    by, total
        Passed to :func:`complementary` when ``by`` is given.
    column : str
        The boolean suppression column.

    Returns
    -------
    pandas.DataFrame
        A copy with ``column`` set and suppressed values missing.
    """
    out = flag_small(frame, n=n, min_cell=min_cell, column=column)
    if by is not None:
        out = complementary(out, by=by, n=n, total=total, column=column)
    mask = out[column].to_numpy(dtype=bool)
    for col in values:
        if col in out.columns and mask.any():
            out[col] = out[col].astype("float64") if out[col].dtype.kind in "iub" else out[col]
            out.loc[mask, col] = np.nan
    return out


def visible(frame: pd.DataFrame, *, column: str = "suppressed") -> pd.DataFrame:
    """The rows a figure may draw: those not suppressed."""
    if column not in frame.columns:
        return frame
    return frame.loc[~frame[column].fillna(True).astype(bool)]


def letters(i: int) -> str:
    """Spreadsheet-style letters: 0 → "A", 25 → "Z", 26 → "AA"."""
    out = ""
    i = int(i) + 1
    while i > 0:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def peer_labels(
    unit_ids: Iterable[str],
    *,
    names: Mapping[str, str] | None = None,
    focal: str | None = None,
    name_peers: bool = False,
    noun: str = "School",
    seed: int = 0,
) -> dict[str, str]:
    """How each unit is shown in a report.

    Parameters
    ----------
    unit_ids : iterable of str
        All units of the run.
    names : mapping, optional
        Unit id to name (the id is used when a name is missing).
    focal : str, optional
        The unit the report is about: always shown by name.
    name_peers : bool
        The run allows naming other units (the network report, or ``params.name_peers``).
    noun : str
        "School" or "District".
    seed : int
        Seed of the letter order. Letters follow a seeded shuffle, not the ids, so a letter
        does not reveal a peer's place in the id order; the same seed gives every report of
        a run the same letters.

    Returns
    -------
    dict
        Unit id to label.

    Examples
    --------
    >>> labels = peer_labels(["S1", "S2", "S3"], names={"S1": "Lincoln"}, focal="S1")
    >>> labels["S1"], sorted(labels[u][:7] for u in ("S2", "S3"))
    ('Lincoln', ['School ', 'School '])
    """
    ids = sorted({str(u) for u in unit_ids})
    names = {str(k): str(v) for k, v in (names or {}).items()}
    if name_peers:
        return {u: names.get(u, u) for u in ids}
    order = np.random.default_rng(seed).permutation(len(ids))
    labels = {ids[j]: f"{noun} {letters(k)}" for k, j in enumerate(order)}
    if focal is not None and str(focal) in labels:
        labels[str(focal)] = names.get(str(focal), str(focal))
    return labels


# --------------------------------------------------------------------------------------
# Checking a rendered report
# --------------------------------------------------------------------------------------

_ATTR_N = re.compile(r'data-n(?:-min)?="([^"]*)"')
_ROW = re.compile(r"<tr\b([^>]*)>(.*?)</tr>", re.S)
_VALUE_CELL = re.compile(r'<td\b[^>]*class="[^"]*netlab-value[^"]*"[^>]*>(.*?)</td>', re.S)
_TABLE = re.compile(r'<table\b[^>]*class="[^"]*netlab-table[^"]*"[^>]*>(.*?)</table>', re.S)
_TAG = re.compile(r"<[^>]+>")
_FEWER = re.compile(r"^<\s?\d+$")  # "<10": fewer than the smallest cell, no count given


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
) -> list[str]:
    """Check a rendered report; return the problems found (empty when clean).

    Checks that every ``data-n`` / ``data-n-min`` is at least ``min_cell``; that every
    row of a netlab table either carries such a count or shows only the marks of hidden
    cells (:func:`netlab.reasons.is_mark`) in its value cells; that no value cell shows
    0% or 100% on fewer than ``band_below`` students (default twice ``min_cell``: such a
    rate is shown banded, "≤5%"/"≥95%"); that no student key appears; and that none of
    ``forbidden_names``
    (other schools' names, in a school report with peers unnamed) appears, as given or as
    reports show it (a name in capitals in title case).

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

    Returns
    -------
    list of str
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
    return problems + _scan_text(text, student_keys, forbidden_names)


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
    min_cell, student_keys, forbidden_names, band_below
        As for :func:`scan_html`.

    Returns
    -------
    list of str
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
    return problems + _scan_text(text, student_keys, forbidden_names)


def scan_pdf(
    path: Any, *, student_keys: Iterable[str] = (), forbidden_names: Iterable[str] = ()
) -> list[str]:
    """Check a report's PDF: no student key and none of ``forbidden_names`` in its text.

    The PDF prints the report's checked HTML, so its figures' counts were checked there;
    this reads the printed text itself (needs the ``pypdf`` package).
    """
    try:
        from pypdf import PdfReader
    except ImportError as err:  # pragma: no cover - a test dependency
        raise ImportError("Scanning PDFs needs pypdf: pip install pypdf") from err
    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    # a line break in the PDF's text may split a name: compare with spaces squeezed
    return _scan_text(" ".join(text.split()), student_keys, forbidden_names)


def _scan_text(
    text: str, student_keys: Iterable[str], forbidden_names: Iterable[str]
) -> list[str]:
    problems = []
    keys = {str(k) for k in student_keys if k is not None and len(str(k)) >= 6}
    if keys:
        hits = sorted(set(re.findall(r"[A-Za-z0-9_-]{6,}", text)) & keys)
        if hits:
            problems.append(f"{len(hits)} student key(s) appear, e.g. {hits[0]}")
    for name in _names_to_check(forbidden_names):
        if name in text and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            problems.append(f"another unit's name appears: {name!r}")
    return problems
