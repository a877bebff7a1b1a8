"""What the explorer shows of a view's frame: its figure, its table and a CSV download."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import pandas as pd

from netlab import cells, privacy
from netlab.checks import check_argument
from netlab.widgets._views import VIEWS

_SIZE = (6.4, 3.8)
_DPI = 80


# --------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------


def draw_view(
    frame: pd.DataFrame,
    ax: Any,
    *,
    view: str,
    highlight: str | None = None,
    label_units: bool = False,
    title: str | None = None,
    limits: pd.DataFrame | None = None,
) -> Any:
    """Draw a :func:`view_frame` on ``ax`` with :mod:`netlab.plots` (suppressed rows omitted).

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`view_frame`.
    ax : matplotlib Axes
    view : str
        The view the frame is for.
    highlight : str, optional
        Label of the unit to emphasise.
    label_units : bool
        Write unit labels on the figure.
    title : str, optional
    limits : pandas.DataFrame, optional
        Funnel limits (:func:`netlab.variation.funnel_limits`); computed when None.

    Returns
    -------
    matplotlib Axes
    """
    from netlab import plots

    check_argument("view", list(VIEWS), view)
    shown = privacy.visible(frame)
    if "unit" in shown.columns:
        shown = shown.assign(unit_id=shown["unit"])
    if view == "funnel":
        return plots.funnel(
            shown, limits, ax=ax, highlight=highlight, label_units=label_units, title=title
        )
    if view == "caterpillar":
        return plots.caterpillar(
            shown, ax=ax, highlight=highlight, label_units=label_units, title=title
        )
    if view == "constellation":
        return plots.constellation(shown, ax=ax, title=title)
    if view == "equity_gaps":
        return plots.equity_gaps(
            shown, ax=ax, highlight=highlight, label_units=label_units, title=title
        )
    out = plots.run_chart(shown, ax=ax, x="year", y="rate", title=title)
    out.set_xticks(sorted(shown["year"].astype(int).unique()))
    return out


def _png(draw: Any, *, long_ticks: bool = False) -> tuple[Any, bytes]:
    """Draw on a fresh single-axes figure in the netlab style; return it and its PNG."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    from netlab import plots

    # A Figure outside pyplot: nothing to close, nothing shown twice by the inline backend.
    with mpl.rc_context():
        plots.apply_style()
        # The standard box: a tight one draws the figure twice.
        mpl.rcParams["savefig.bbox"] = "standard"
        # Margins in inches: long rotated unit names need room below the axes.
        bottom = 2.1 if long_ticks else 0.55
        height = _SIZE[1] + bottom - 0.55
        fig = Figure(figsize=(_SIZE[0], height), dpi=_DPI)
        ax = fig.subplots()
        draw(ax)
        fig.subplots_adjust(left=0.14, right=0.97, bottom=bottom / height, top=1 - 0.62 / height)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=_DPI)
    return fig, buf.getvalue()


# --------------------------------------------------------------------------------------
# The table and the download
# --------------------------------------------------------------------------------------

# column: (header, format, column of students it rests on)
_COLUMNS = {
    "unit": ("Unit", "text", None),
    "unit_id": ("Id", "text", None),
    "year": ("Year", "text", None),
    "numerator": ("Yes", "count", "denominator"),
    "denominator": ("Students", "count", "denominator"),
    "rate": ("Rate", "rate1", "denominator"),
    "lower": ("99.8% low", "rate1", "denominator"),
    "upper": ("99.8% high", "rate1", "denominator"),
    "flag": ("Outside 99.8%", "text", "denominator"),
    "estimate": ("Estimate", "rate1", "denominator"),
    "low": ("95% low", "rate1", "denominator"),
    "high": ("95% high", "rate1", "denominator"),
    "network_rate": ("Network", "rate1", "denominator"),
    "median": ("Median school", "rate1", "denominator"),
    "q25": ("25th pct", "rate1", "denominator"),
    "q75": ("75th pct", "rate1", "denominator"),
    "tau": ("Spread (τ)", "rate1", "denominator"),
    "n_units": ("Schools", "count", None),
    "focal_denominator": ("Group students", "count", "n_min"),
    "focal_rate": ("Group", "rate1", "n_min"),
    "ref_denominator": ("Other students", "count", "n_min"),
    "ref_rate": ("Others", "rate1", "n_min"),
    "gap_pp": ("Gap (points)", "num1", "n_min"),
    "low_pp": ("from", "num1", "n_min"),
    "high_pp": ("to", "num1", "n_min"),
    "centre": ("Median", "rate1", None),
    "signal": ("Signal", "text", None),
}


def table_html(frame: pd.DataFrame, *, min_cell: int, caption: str = "") -> str:
    """The view's frame as a report table (suppressed values shown as the marker).

    Parameters
    ----------
    frame : DataFrame
        The view's frame.
    min_cell : int
        The fewest students a shown figure may rest on.
    caption : str, optional
        The table's caption.

    Returns
    -------
    str
        The view's frame as a report table (suppressed values shown as the marker).
    """
    from netlab import report

    cols = []
    for key in frame.columns:
        if key in _COLUMNS:
            header, fmt, n = _COLUMNS[key]
            n = n if n in frame.columns else None
            if key == "unit_id" and "unit" in frame.columns:
                continue
            cols.append(report.Col(key, header, fmt, n=n))
    return _TABLE_CSS + report.table(frame, cols, min_cell=min_cell, caption=html.escape(caption))


# JupyterLab does not load the report template's stylesheet; a few rules keep tables legible.
_TABLE_CSS = (
    "<style>.netlab-explorer .netlab-table{border-collapse:collapse;font-size:12px}"
    ".netlab-explorer .netlab-table th,.netlab-explorer .netlab-table td{padding:2px 10px}"
    ".netlab-explorer .netlab-table caption{text-align:left;font-weight:bold}"
    ".netlab-explorer .netlab-num{text-align:right}"
    ".netlab-explorer .netlab-suppressed{color:#888;text-align:center}</style>"
)


def download_link(frame: pd.DataFrame, filename: str, *, text: str = "Download CSV") -> str:
    """An HTML link that saves ``frame`` as a CSV file (a ``data:`` URL, no server needed).

    Parameters
    ----------
    frame : pandas.DataFrame
    filename : str
    text : str

    Returns
    -------
    str
    """
    data = base64.b64encode(cells.to_csv(frame).encode("utf-8")).decode("ascii")
    return (
        f'<a class="netlab-download jupyter-button mod-primary" download="{html.escape(filename)}"'
        f' href="data:text/csv;base64,{data}" style="padding: 4px 12px; text-decoration: none;'
        f' line-height: 28px;">{html.escape(text)}</a>'
    )


def _error_html(err: Exception) -> str:
    hint = getattr(err, "hint", None)
    text = html.escape(getattr(err, "message", str(err)))
    text += f" <i>What to do:</i> {html.escape(hint)}" if hint else ""
    return f'<div class="netlab-error" style="color:#a00;">{text}</div>'
