"""Building blocks of report HTML: sections, tables, figures, notes and wording.

Every fragment follows the conventions :func:`netlab.privacy.scan_html` checks: table rows
carry ``data-n``, suppressed values show as ``*``, figures and sentences ``data-n-min``.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netlab import measures, privacy, reasons, words
from netlab.names import in_sentence
from netlab.report._paper import paper_rows

if TYPE_CHECKING:
    from netlab.report._context import Report

_E = html.escape
# How numbers, plurals and lists read: one home (netlab.words), shared by every section.
_pct, _pp, _int = words.pct, words.points, words.whole
_list, _plural, _capital = words.listing, words.plural, words.capital


# --------------------------------------------------------------------------------------
# HTML building blocks
# --------------------------------------------------------------------------------------


class Section:
    """A block of report HTML; displays itself in a notebook."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parts: list[str] = []

    def add(self, fragment: str | None) -> Section:
        if fragment:
            self.parts.append(fragment)
        return self

    def html(self) -> str:
        return (
            f'<div class="netlab-section" data-section="{_E(self.name)}">\n'
            + "\n".join(self.parts)
            + "\n</div>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html(), "text/plain": f"[netlab section: {self.name}]"}


def _note(text: str, *, cls: str = "") -> str:
    return f'<p class="netlab-note {cls}">{text}</p>'


def unavailable(what: str, why: str = "") -> str:
    """The plain note shown where an analysis is not in the run (never a figure).

    Parameters
    ----------
    what : str
        What is missing, as its heading would name it ("The practice inventory").
    why : str
        Why, in a few words ("no practices table"); a reason that already starts with
        "not available" is said as it is.

    Returns
    -------
    str
        A ``netlab-unavailable`` note: "<what>: not available in this run (<why>)."

    Examples
    --------
    >>> unavailable("PDSA", "no rows")
    '<p class="netlab-note netlab-unavailable">PDSA: not available in this run (no rows).</p>'
    """
    if why.startswith("not available"):
        return _note(f"{_E(what)}: {_E(why)}.", cls="netlab-unavailable")
    reason = f" ({_E(why)})" if why else ""
    return _note(f"{_E(what)}: not available in this run{reason}.", cls="netlab-unavailable")


def _suppressed_note(r: Report, what: str) -> str:
    return _note(
        f"{_E(what)} rests on fewer than {r.min_cell} students and is not shown "
        f"(<span class='netlab-marker netlab-why-small'>&lt;{r.min_cell}</span>).",
        cls="netlab-suppressed-note",
    )


def _sentence(text: str, n_min: float | None = None, *, cls: str = "netlab-sentence") -> str:
    attr = f' data-n-min="{int(n_min)}"' if n_min is not None else ""
    return f'<p class="{cls}"{attr}>{text}</p>'


def _figure(
    fig: Any, *, alt: str, caption: str = "", n_min: float | None = None, tight: bool = False
) -> str:
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    # A tight bounding box draws the figure twice; single-axes figures with short tick
    # labels fit the standard margins, so only figures with long labels pay for it, and
    # those with a legend (beside the plot, outside the axes).
    tight = tight or any(a.get_legend() is not None for a in fig.axes)
    with mpl.rc_context({"savefig.bbox": "tight" if tight else "standard"}):
        fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    attr = f' data-n-min="{int(n_min)}"' if n_min is not None else ""
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return (
        f'<figure class="netlab-figure"{attr}><img src="data:image/png;base64,{data}" '
        f'alt="{_E(alt)}">{cap}</figure>'
    )


def _new_axes(size: tuple[float, float] = (6.4, 3.6)) -> Any:
    import matplotlib.pyplot as plt

    from netlab import plots

    plots.apply_style()
    fig, ax = plt.subplots(figsize=size)
    return fig, ax


def _draw(
    fn: Callable[..., Any],
    *args: Any,
    alt: str,
    caption: str = "",
    n_min: float | None = None,
    **kw: Any,
) -> str:
    """Draw with a :mod:`netlab.plots` function on a new figure and embed it as a PNG.

    ``fn`` is the function itself (``plots.funnel``): a misspelt name fails at import,
    not as a figure missing from the report.
    """
    tight = kw.pop("tight", False)
    fig, ax = _new_axes(kw.pop("size", (6.4, 3.6)))
    out = fn(*args, ax=ax, **kw)
    fig = out if hasattr(out, "savefig") else ax.figure
    if not tight:
        fig.subplots_adjust(left=0.11, right=0.97, bottom=0.14, top=0.88)
    return _figure(fig, alt=alt, caption=caption, n_min=n_min, tight=tight)


@dataclass
class Col:
    """One column of a report table: source column, header, format, and student count."""

    key: str
    header: str
    fmt: str = "text"  # text | html | rate | rate1 | pp | count | n | num | num1
    n: str | None = None  # column of students the value rests on (None: not a student count)
    why: str | None = None  # column of each cell's Reason when it is not shown (None: none)
    until: str | None = None  # column of the day an open window closes (for its mark)
    status: str | None = None  # column of each cell's status ("provisional": a so-far figure)


_TEXT = ("text", "html")


def _fmt(value: Any, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "—"
    if fmt == "rate":
        return _pct(float(value))
    if fmt == "rate1":
        return _pct(float(value), 1)
    if fmt == "pp":
        return _pp(float(value))
    if fmt in ("count", "n"):
        return _int(value)
    if fmt == "num":
        return f"{float(value):.2f}"
    if fmt == "p":  # a p- or q-value: below 0.01 is said so, not rounded to 0.00
        return "&lt;0.01" if float(value) < 0.01 else f"{float(value):.2f}"
    if fmt == "num1":
        return f"{float(value):+.1f}"
    if fmt == "html":  # a fragment the report made itself (a link), shown as it is
        return str(value)
    return _E(str(value))


def _value_cell(
    row: pd.Series, c: Col, *, whole: bool, derived: bool, min_cell: int, below: int
) -> tuple[str, float | None]:
    """One value cell, and the students it rests on (None when it is hidden).

    Hidden: the mark of its reason. Shown: the value, banded ("≤5%") on too few students,
    or marked "so far" when provisional.
    """
    n = pd.to_numeric(row.get(c.n), errors="coerce")
    why = _cell_reason(row, c, n, whole=whole, min_cell=min_cell)
    if why is None and derived and c.fmt in _DERIVED:
        why = reasons.Reason.COMPLEMENTARY
    if why is not None:
        until = row.get(c.until) if c.until else None
        return hidden_cell(why, min_cell=min_cell, until=until), None
    value = row.get(c.key)
    banded = c.fmt in ("rate", "rate1") and reasons.band(_float(value), float(n), below=below)
    if banded:
        return (
            f'<td class="netlab-value netlab-num netlab-banded netlab-why-banded" '
            f'data-why="banded" data-n="{int(n)}">{_E(banded)}</td>'
        ), float(n)
    if c.status and row.get(c.status) == "provisional":
        return (
            f'<td class="netlab-value netlab-num netlab-provisional" data-n="{int(n)}" '
            f'data-status="provisional">{_fmt(value, c.fmt)} '
            f'<span class="netlab-sofar">so far</span></td>'
        ), float(n)
    return (
        f'<td class="netlab-value netlab-num" data-n="{int(n)}">{_fmt(value, c.fmt)}</td>'
    ), float(n)


def table(
    frame: pd.DataFrame,
    columns: Sequence[Col],
    *,
    min_cell: int,
    caption: str = "",
    highlight: Any = None,
    suppressed: str = "suppressed",
    fold: bool | int = False,
    band_below: int | None = None,
    paper: bool = True,
) -> str:
    """Render a frame as a report table with privacy markers.

    Value columns (those with ``n``) show the mark of the reason they are hidden
    (:mod:`netlab.reasons`): the cell's own reason (``Col.why``), else the row's
    (``privacy.WHY``, when the row is flagged ``suppressed``), else "<min_cell" for a cell
    that rests on fewer students. A rate of 0% or 100% on fewer than ``band_below``
    students shows as "≤5%"/"≥95%". Each row carries ``data-n``, the fewest students its
    shown values rest on, and each shown value its own ``data-n``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to show.
    columns : sequence of Col
        What to show.
    min_cell : int
        The run's smallest cell.
    caption : str
        Table caption (HTML allowed).
    highlight : boolean array-like, optional
        Rows to emphasise (the report's own unit).
    suppressed : str
        Column flagging whole rows as suppressed.
    fold : bool or int
        Fold the table under its caption (a native ``<details>``, printed open): always
        when True, or when it has more rows than the number given.
    band_below : int, optional
        Band a 0% or 100% on fewer students (default twice ``min_cell``).
    paper : bool
        A folded table prints in full (True) or as its caption only (False; see
        :func:`fold`).

    Returns
    -------
    str
        The table's HTML, each row carrying the fewest students its values rest on
        (``data-n``) and each hidden cell its mark; folded under its caption when asked.
    """
    head = "".join(
        f'<th class="{"netlab-num" if c.fmt not in _TEXT else ""}">{_E(c.header)}</th>'
        for c in columns
    )
    marks = (
        np.asarray(highlight, dtype=bool) if highlight is not None else np.zeros(len(frame), bool)
    )
    rows: list[tuple[bool, str]] = []  # (the report's own unit?, the row after "<tr")
    below = int(band_below) if band_below is not None else 2 * int(min_cell)
    # Object rows keep each column's own type (iterrows would turn a year into 2019.0).
    for i, (_, row) in enumerate(frame.astype(object).iterrows()):
        whole = bool(row.get(suppressed, False)) if suppressed in frame.columns else False
        shown_n: list[float] = []
        any_value = False
        cells = []
        # a difference beside a banded rate would give the rate away: it is hidden too
        derived = _banded_row(row, columns, min_cell=min_cell, below=below, whole=whole)
        for c in columns:
            if c.n is None:
                cls = "netlab-stat netlab-num" if c.fmt not in _TEXT else ""
                cells.append(f'<td class="{cls}">{_fmt(row.get(c.key), c.fmt)}</td>')
                continue
            any_value = True
            cell, n = _value_cell(
                row, c, whole=whole, derived=derived, min_cell=min_cell, below=below
            )
            cells.append(cell)
            if n is not None:
                shown_n.append(n)
        attrs = ""
        if any_value:
            attrs = f' data-n="{int(min(shown_n))}"' if shown_n else ' data-suppressed="true"'
        rows.append((bool(marks[i]), f"{attrs}>{''.join(cells)}</tr>"))
    folded = fold is True or (fold is not False and len(rows) > int(fold))
    lines, rest, more = paper_rows(rows, folded=folded)
    cap = f"<caption>{caption}</caption>" if caption and not folded else ""
    out = (
        f'<table class="netlab-table{" netlab-table-short" if len(lines) - more <= 16 else ""}" '
        f'data-min-cell="{min_cell}">{cap}<thead><tr>{head}</tr>'
        f"</thead><tbody>{''.join(lines)}</tbody></table>{rest}"
    )
    if folded:
        what = caption or "Table"
        n = len(lines)
        out = _details(f"{what} ({n} row{'' if n == 1 else 's'})", out, paper=paper)
    return out


#: Formats of figures derived from rates beside them (differences, gaps).
_DERIVED = ("pp", "num1")


def _banded_row(
    row: pd.Series, columns: Sequence[Col], *, min_cell: int, below: int, whole: bool
) -> bool:
    """True when a rate of the row is shown banded (so its differences are hidden)."""
    if whole:
        return False
    for c in columns:
        if c.n is None or c.fmt not in ("rate", "rate1"):
            continue
        n = pd.to_numeric(row.get(c.n), errors="coerce")
        if _cell_reason(row, c, n, whole=False, min_cell=min_cell) is None and reasons.band(
            _float(row.get(c.key)), float(n), below=below
        ):
            return True
    return False


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _cell_reason(
    row: pd.Series, c: Col, n: Any, *, whole: bool, min_cell: int
) -> reasons.Reason | None:
    """Why a value cell is not shown, or None when it is: one rule for every table."""
    given = row.get(c.why) if c.why else None
    if given is not None and not pd.isna(given):
        why: reasons.Reason | None = reasons.Reason(given)
        # "<10" is said only of a cell that really rests on fewer students
        if why is reasons.Reason.SMALL and not privacy.too_small(n, min_cell, missing=False):
            why = reasons.Reason.COMPLEMENTARY if whole else None
        if why is not None:
            return why
    small = privacy.too_small(n, min_cell, missing=False)
    if whole:
        own = row.get(privacy.WHY)
        if (
            own is not None
            and not pd.isna(own)
            and reasons.Reason(own) is not reasons.Reason.SMALL
        ):
            return reasons.Reason(own)
        if small:
            return reasons.Reason.SMALL
        return reasons.Reason.COMPLEMENTARY if not pd.isna(n) else reasons.Reason.NOT_IN_DATA
    if small:
        return reasons.Reason.SMALL
    if pd.isna(n):
        value = row.get(c.key)
        return reasons.Reason.NOT_IN_DATA if value is None or pd.isna(value) else (
            reasons.Reason.SMALL)  # fmt: skip
    return None


def hidden_cell(why: reasons.Reason | str, *, min_cell: int, until: Any = None) -> str:
    """The ``<td>`` of a value not shown: its reason's mark, class and ``data-why``."""
    why = reasons.Reason(why)
    text = _E(reasons.mark(why, min_cell=min_cell, until=until))
    return (
        f'<td class="netlab-value netlab-suppressed netlab-why-{why.value}" '
        f'data-why="{why.value}">{text}</td>'
    )


# --------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------


def _measure_label(r: Report, measure: str, *, short: bool = False) -> str:
    """A measure's label (for tables and headings), or its short label (sentences, axes)."""
    return measures.measure_label(measure, r.prepared.measures, short=short)


def _phrase(r: Report, measure: str) -> str:
    """A measure as it reads inside a sentence: its short label, in lower case if ordinary."""
    return in_sentence(_measure_label(r, measure, short=True))


#: How the contract's tables are named on a page.
TABLE_NAMES = {
    "schools": "Schools",
    "students": "Student records",
    "counts": "School-level counts",
    "institutions": "Colleges (IPEDS)",
    "practices": "Practice inventory",
    "fafsa_weekly": "Weekly FAFSA counts",
    "traction": "Traction rubric",
    "pdsa": "PDSA cycles",
    "survey": "Network survey",
    "process": "Process measures",
    # the exports a hub holds, as read through their descriptions
    "roster": "Roster",
    "studenttracker": "StudentTracker (NSC)",
    "applications": "Applications",
    "aid": "Aid completion",
    "college_codes": "College codes",
    "ipeds_grad_rates": "IPEDS graduation rates",
    "ipeds_institutions": "IPEDS institutions",
    "ipeds_outcomes": "IPEDS outcome measures",
}


def table_name(name: str) -> str:
    """A contract table's name on a page ("pdsa" → "PDSA cycles")."""
    return TABLE_NAMES.get(str(name), _capital(str(name).replace("_", " ")))


def no_table(name: str) -> str:
    """Why a section is not shown: "no PDSA cycles in the data"."""
    return f"no {in_sentence(table_name(name))} in the data"


def fold(summary: str, body: str, *, open_: bool = False, paper: bool = True) -> str:
    """Long detail that folds (native ``<details>``) on screen and prints in full.

    With ``paper=False`` the detail is for the screen only: paper shows its summary line,
    saying that the detail is in the HTML report (a school's printed report need not carry
    the network's file-by-file tables).
    """
    flag = " open" if open_ else ""
    cls = "netlab-fold" if paper else "netlab-fold netlab-paper-folded"
    return (
        f'<details class="{cls}"{flag}><summary>{summary}</summary>'
        f'<div class="netlab-fold-body">{body}</div></details>'
    )


_details = fold  # for functions whose own parameter is called ``fold``


def _direction(r: Report, measure: str) -> str:
    return measures.direction(measure, r.prepared.measures)


def _group_label(r: Report, group: str) -> str:
    focal = r.params.focal_group
    if group == "focal" and not isinstance(focal, str):
        return focal.label
    if group in r.params.groups:
        return r.params.groups[group].label
    groups = measures.builtin_groups()
    key = focal if group == "focal" and isinstance(focal, str) and focal in groups else group
    return groups[key].label if key in groups else group.replace("_", " ")


def _who(r: Report, group: str) -> str:
    """ "Black, Latinx, Indigenous or low-income students", or "all students"."""
    label = "All students" if group == "all" else _group_label(r, group)
    if label.lower() in ("all", "all students", "students"):
        return "all students"
    label = in_sentence(label)
    return label if label.lower().endswith("students") else f"{label} students"
