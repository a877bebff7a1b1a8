"""The researcher's workbench: widgets over a prepared run, for JupyterLab.

``netlab.widgets.explore("demo")`` shows controls (run, view, measure, group, years,
school, naming peers) driving one figure, the table behind it and a CSV download of that
table. The explorer only picks data and calls netlab's analyses (:mod:`netlab.variation`,
:mod:`netlab.spc`), privacy rules (:mod:`netlab.privacy`) and drawing (:mod:`netlab.plots`);
:func:`view_frame` is the whole computation, usable without widgets.

Privacy
-------
What the view shows (figure, table and CSV) follows the reports' rules: a value resting on
fewer than ``min_cell`` students is masked, and where the network's rate is shown a second
school is masked so the first cannot be worked out by subtraction. With "Name other
schools" off, other schools are "School A", "School B", ... with the same letters as the
school reports, and only the chosen school is named. Naming them is a choice for the hub's
own analysts, who hold the full data anyway: when the run's ``name_peers`` is false the view
says so in a banner and the CSV's file name ends in ``-hub-only``. The school picker itself
lists every school by name, since choosing one is the analyst's own work, not something
shown to others.
"""

from __future__ import annotations

import base64
import html
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from netlab import paths, privacy
from netlab._checks import check_argument
from netlab.exceptions import MeasureError, NetlabError

__all__ = [
    "VIEWS",
    "Explorer",
    "Selection",
    "available_runs",
    "download_link",
    "draw_view",
    "explore",
    "table_html",
    "unit_labels",
    "view_frame",
]

#: The views, with the label shown in the view picker.
VIEWS = {
    "funnel": "Funnel plot",
    "caterpillar": "Caterpillar (shrunken estimates)",
    "constellation": "Constellation trend",
    "equity_gaps": "Equity gaps",
    "run_chart": "Run chart",
}
_NETWORK = ""  # the school picker's value for "the whole network"
_SIZE = (6.4, 3.8)
_DPI = 80
_CACHE_SIZE = 256  # analyses kept per explorer (each a frame of about one row per unit)


@dataclass(frozen=True)
class Selection:
    """What the explorer shows: one view of one measure and group over a range of years."""

    view: str = "funnel"
    measure: str = "enrolled_likely_grad"
    group: str = "focal"
    years: tuple[int, int] | None = None
    unit: str | None = None
    name_peers: bool = False


def available_runs() -> list[str]:
    """Names of the prepared runs under ``data/processed/`` (those with a manifest).

    Returns
    -------
    list of str
    """
    base = paths.processed_dir()
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / "manifest.json").is_file())


# --------------------------------------------------------------------------------------
# Computation: the frame behind a view
# --------------------------------------------------------------------------------------


def _measure_label(prepared: Any, measure: str) -> str:
    m = prepared.measures
    if m is not None and len(m) and "label" in m.columns:
        hit = m.loc[m["measure"] == measure, "label"]
        if len(hit) and isinstance(hit.iloc[0], str):
            return hit.iloc[0]
    return measure.replace("_", " ")


def _group_label(params: Any, group: str) -> str:
    from netlab import measures

    focal = params.focal_group
    if group == "focal" and not isinstance(focal, str):
        return focal.label
    if group in params.groups:
        return params.groups[group].label
    builtin = measures.builtin_groups()
    key = focal if group == "focal" and isinstance(focal, str) and focal in builtin else group
    return builtin[key].label if key in builtin else group.replace("_", " ")


def _noun(params: Any) -> str:
    return "District" if params.unit == "district" else "School"


def unit_labels(prepared: Any, *, unit: str | None = None, name_peers: bool = False) -> dict:
    """How each unit is shown: as in the reports (:func:`netlab.privacy.peer_labels`).

    Parameters
    ----------
    prepared : netlab.pipeline.Prepared
        The run.
    unit : str, optional
        The chosen unit: always named.
    name_peers : bool
        Name the other units too.

    Returns
    -------
    dict
        Unit id to label.
    """
    units = prepared.units
    ids = units["unit_id"].astype(str).tolist()
    names = units["unit_name"] if "unit_name" in units.columns else units["unit_id"]
    return privacy.peer_labels(
        ids,
        names=dict(zip(ids, names.astype(str), strict=True)),
        focal=unit,
        name_peers=name_peers,
        noun=_noun(prepared.params),
        seed=int(prepared.params.seed),
    )


def _years_of(rates: pd.DataFrame, measure: str, group: str) -> list[int]:
    rows = rates.loc[
        (rates["measure"] == measure) & (rates["group"] == group) & (rates["denominator"] > 0)
    ]
    return sorted(int(y) for y in rows["year"].unique())


def _in_range(years: Sequence[int], span: tuple[int, int] | None) -> list[int]:
    if span is None:
        return list(years)
    return [y for y in years if span[0] <= y <= span[1]]


def _latest(rates: pd.DataFrame, sel: Selection) -> int:
    years = _in_range(_years_of(rates, sel.measure, sel.group), sel.years)
    if not years:
        raise MeasureError(
            f"No {sel.group!r} students with a {sel.measure!r} result in years {sel.years}.",
            table="rates",
            hint="Widen the year range or pick another group.",
        )
    return years[-1]


def _funnel(prepared: Any, sel: Selection, min_cell: int) -> tuple[pd.DataFrame, dict]:
    from netlab import variation

    year = _latest(prepared.rates, sel)
    f = variation.funnel(prepared.rates, measure=sel.measure, group=sel.group, year=year)
    limits = variation.funnel_limits(f)
    # The network rate is drawn: one hidden school could be recovered from the others.
    masked = ("numerator", "denominator", "rate", "z", "z_adj", "flag", "flag95")
    masked += ("lower95", "upper95", "lower", "upper")  # limits at n give n away
    f = privacy.suppress(f, min_cell=min_cell, by=["year"], values=masked)
    keep = ["unit_id", "year", "measure", "group", "numerator", "denominator", "rate"]
    keep += ["lower95", "upper95", "lower", "upper", "flag", "target", "phi", "tau2", "method"]
    keep += ["kind", "suppressed"]
    return f[keep], {"limits": limits, "year": year}


def _caterpillar(prepared: Any, sel: Selection, min_cell: int) -> tuple[pd.DataFrame, dict]:
    from netlab import variation

    year = _latest(prepared.rates, sel)
    sh = variation.shrunken(prepared.rates, measure=sel.measure, group=sel.group, year=year)
    masked = ("numerator", "denominator", "rate", "estimate", "low", "high")
    sh = privacy.suppress(sh, min_cell=min_cell, by=["year"], values=masked)
    keep = ["unit_id", "year", "measure", "group", "numerator", "denominator", "rate"]
    keep += ["estimate", "low", "high", "network_rate", "suppressed"]
    return sh[keep], {"year": year}


def _constellation(prepared: Any, sel: Selection, min_cell: int) -> tuple[pd.DataFrame, dict]:
    from netlab import variation

    rates = prepared.rates
    if sel.years is not None:
        rates = rates.loc[rates["year"].between(*sel.years)]
    _latest(rates, sel)
    c = variation.constellation(rates, measure=sel.measure, group=sel.group)
    masked = ("numerator", "denominator", "network_rate", "tau", "tau_low", "tau_high")
    masked += ("q25", "median", "q75", "iqr")
    return privacy.suppress(c, min_cell=min_cell, values=masked), {}


def _equity_gaps(prepared: Any, sel: Selection, min_cell: int) -> tuple[pd.DataFrame, dict]:
    from netlab import variation

    if sel.group == "all":
        raise MeasureError(
            "Equity gaps compare a group with the rest of the students.",
            column="group",
            hint="Pick a group other than 'all'.",
        )
    years = _in_range(_years_of(prepared.rates, sel.measure, sel.group), sel.years)
    g = variation.equity_gaps(
        prepared.rates, measure=sel.measure, focal=sel.group, reference="rest", years=years
    )
    if sel.unit is not None:
        g = g.loc[g["unit_id"].astype(str) == sel.unit]
    elif len(g):
        g = g.loc[g["year"] == g["year"].max()]
    g = g.assign(group=sel.group)
    g["n_min"] = g[["focal_denominator", "ref_denominator"]].min(axis=1)
    masked = ("focal_numerator", "focal_denominator", "focal_rate", "ref_numerator")
    masked += ("ref_denominator", "ref_rate", "gap_pp", "low_pp", "high_pp", "n_min")
    g = privacy.suppress(g, min_cell=min_cell, n="n_min", values=masked)
    keep = ["unit_id", "year", "measure", "group", "reference", "focal_numerator"]
    keep += ["focal_denominator", "focal_rate", "ref_numerator", "ref_denominator", "ref_rate"]
    keep += ["gap_pp", "low_pp", "high_pp", "n_min", "suppressed"]
    return g[keep].reset_index(drop=True), {}


def _run_chart(prepared: Any, sel: Selection, min_cell: int) -> tuple[pd.DataFrame, dict]:
    from netlab import report, spc

    r = report.Report(prepared=prepared, kind="explore", unit_id=sel.unit)
    y = report.yearly(r, measure=sel.measure, group=sel.group, unit_id=sel.unit)
    if sel.years is not None:
        y = y.loc[y["year"].between(*sel.years)]
    shown = privacy.visible(y)
    if len(shown) < 2:
        raise MeasureError(
            f"The run chart needs at least two years resting on {min_cell} or more students.",
            table="rates",
            hint="Widen the year range, or pick the whole network or a larger group.",
        )
    chart = spc.run_chart(shown, x="year", y="rate")
    cols = ["year", "phase", "centre", "in_long_run", "longest_run", "longest_run_limit"]
    cols += ["crossings", "min_crossings", "run_signal", "crossing_signal", "signal"]
    out = y.merge(chart[cols], on="year", how="left")
    out.insert(0, "unit_id", sel.unit if sel.unit is not None else _NETWORK)
    out.insert(2, "measure", sel.measure)
    out.insert(3, "group", sel.group)
    keep = ["unit_id", "year", "measure", "group", "numerator", "denominator", "rate"]
    keep += [*cols[1:], "suppressed"]
    return out[keep].reset_index(drop=True), {}


_COMPUTE = {
    "funnel": _funnel,
    "caterpillar": _caterpillar,
    "constellation": _constellation,
    "equity_gaps": _equity_gaps,
    "run_chart": _run_chart,
}
# Views whose numbers depend on the chosen unit (the others only highlight it).
_UNIT_DEPENDENT = ("equity_gaps", "run_chart")


def _compute(prepared: Any, sel: Selection) -> tuple[pd.DataFrame, dict]:
    check_argument("view", list(VIEWS), sel.view)
    return _COMPUTE[sel.view](prepared, sel, int(prepared.params.min_cell))


def _labelled(frame: pd.DataFrame, labels: dict, sel: Selection) -> pd.DataFrame:
    """Replace unit ids by their labels (ids are kept only when peers are named).

    Rows are ordered by label ("School B" before "School AA"), then year: rows left in id
    order would let a reader who knows the ids match them to the letters.
    """
    if "unit_id" not in frame.columns:
        return frame.reset_index(drop=True)
    ids = frame["unit_id"].astype(str)
    shown = ids.map(labels).where(ids != _NETWORK, "Network")
    out = frame.copy()
    out.insert(0, "unit", shown.fillna("?").to_numpy())
    out["_len"] = out["unit"].str.len()
    order = ["_len", "unit", "year"] if "year" in out.columns else ["_len", "unit"]
    out = out.sort_values(order if not sel.name_peers else order[1:], kind="stable")
    out = out.drop(columns="_len")
    if not sel.name_peers:
        out = out.drop(columns="unit_id")
    return out.reset_index(drop=True)


def view_frame(
    prepared: Any,
    *,
    view: str = "funnel",
    measure: str | None = None,
    group: str = "focal",
    years: tuple[int, int] | None = None,
    unit: str | None = None,
    name_peers: bool = False,
) -> pd.DataFrame:
    """The table behind one view, as the explorer shows and downloads it.

    Parameters
    ----------
    prepared : netlab.pipeline.Prepared
        The run (``netlab.load(run)``).
    view : {"funnel", "caterpillar", "constellation", "equity_gaps", "run_chart"}
        Which view. Funnel, caterpillar and (without a unit) equity gaps show each unit in
        the last year of ``years``; the constellation trend, the run chart and (with a unit)
        equity gaps show every year in ``years``.
    measure : str, optional
        The measure; the run's focal measure when None.
    group : str
        The group (a name in the rates table's ``group`` column).
    years : (int, int), optional
        First and last year, inclusive; every year when None.
    unit : str, optional
        The chosen unit (named, highlighted; the run chart and equity gaps are of it).
    name_peers : bool
        Name other units; when False they are labelled as in the school reports.

    Returns
    -------
    pandas.DataFrame
        One row per unit (or year), a ``unit`` label column first, values resting on fewer
        than ``min_cell`` students masked (missing) and flagged in ``suppressed``.

    Raises
    ------
    netlab.exceptions.MeasureError
        When the selection holds no data (e.g. no year in range).
    """
    sel = Selection(
        view=view,
        measure=measure or prepared.params.focal_measure,
        group=group,
        years=None if years is None else (int(years[0]), int(years[1])),
        unit=None if unit in (None, _NETWORK) else str(unit),
        name_peers=bool(name_peers),
    )
    frame, _ = _compute(prepared, sel)
    return _labelled(frame, unit_labels(prepared, unit=sel.unit, name_peers=name_peers), sel)


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
    "gap_pp": ("Gap (pp)", "num1", "n_min"),
    "low_pp": ("from", "num1", "n_min"),
    "high_pp": ("to", "num1", "n_min"),
    "centre": ("Median", "rate1", None),
    "signal": ("Signal", "text", None),
}


def table_html(frame: pd.DataFrame, *, min_cell: int, caption: str = "") -> str:
    """The view's frame as a report table (suppressed values shown as the marker)."""
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
    data = base64.b64encode(frame.to_csv(index=False).encode("utf-8")).decode("ascii")
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


# --------------------------------------------------------------------------------------
# The widgets
# --------------------------------------------------------------------------------------


class Explorer:
    """Controls over a prepared run driving one figure, its table and a CSV download.

    Parameters
    ----------
    run : str or netlab.pipeline.Prepared
        A prepared run's name (see :func:`available_runs`) or a run already in memory.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The whole explorer, to display.
    controls : dict of str to ipywidgets.Widget
        ``run``, ``view``, ``measure``, ``group``, ``years``, ``unit``, ``name_peers``.
    figure : matplotlib.figure.Figure or None
        The last figure drawn (its PNG is :attr:`png`).
    redraws : int
        How many times the view was redrawn.
    last_seconds : float
        How long the last redraw took.

    Examples
    --------
    >>> ex = Explorer("demo")  # doctest: +SKIP
    >>> ex.controls["measure"].value = "fafsa_complete"  # redraws  # doctest: +SKIP
    >>> ex.view_data().head()  # doctest: +SKIP
    """

    def __init__(self, run: str | Any = "demo") -> None:
        import ipywidgets as w

        self._runs: dict[str, Any] = {}
        self._cache: dict[tuple, tuple[pd.DataFrame, dict]] = {}
        self._hold = False
        self._frame = pd.DataFrame()
        self.figure: Any = None
        self.png = b""
        self.redraws = 0
        self.last_seconds = float("nan")
        self.error: str | None = None
        if isinstance(run, str):
            name = run
        else:
            name = run.run
            self._runs[name] = run
        names = sorted(set(available_runs()) | set(self._runs) | {name})
        wide = {"description_width": "90px"}
        lay = w.Layout(width="330px")
        self.controls = {
            "run": w.Dropdown(
                options=names, value=name, description="Run", style=wide, layout=lay
            ),
            "view": w.Dropdown(
                options=[(v, k) for k, v in VIEWS.items()],
                value="funnel",
                description="View",
                style=wide,
                layout=lay,
            ),
            "measure": w.Dropdown(description="Measure", style=wide, layout=lay),
            "group": w.Dropdown(description="Group", style=wide, layout=lay),
            "years": w.IntRangeSlider(
                description="Years", continuous_update=False, style=wide, layout=lay
            ),
            "unit": w.Dropdown(description="School", style=wide, layout=lay),
            "name_peers": w.Checkbox(
                description="Name other schools", indent=False, layout=w.Layout(width="330px")
            ),
        }
        self.image = w.Image(format="png", layout=w.Layout(max_width="640px"))
        self.notice = w.HTML()
        self.download = w.HTML()
        self.table = w.HTML(layout=w.Layout(max_height="360px", overflow="auto"))
        c = self.controls
        self.widget = w.VBox(
            [
                w.HBox([c["run"], c["view"]]),
                w.HBox([c["measure"], c["group"]]),
                w.HBox([c["years"], c["unit"]]),
                c["name_peers"],
                self.notice,
                self.image,
                self.download,
                self.table,
            ],
            layout=w.Layout(width="100%"),
        )
        self.widget.add_class("netlab-explorer")
        for key, control in self.controls.items():
            control.observe(self._on_run if key == "run" else self._on_change, names="value")
        self._set_run(name)

    # ------------------------------------------------------------------ state

    @property
    def prepared(self) -> Any:
        """The run being explored."""
        return self._runs[self.controls["run"].value]

    @property
    def selection(self) -> Selection:
        """The controls' current values."""
        c = self.controls
        unit = c["unit"].value
        return Selection(
            view=c["view"].value,
            measure=c["measure"].value,
            group=c["group"].value,
            years=tuple(int(y) for y in c["years"].value),
            unit=None if unit in (None, _NETWORK) else str(unit),
            name_peers=bool(c["name_peers"].value),
        )

    def view_data(self) -> pd.DataFrame:
        """The table behind the current view (suppression applied), as downloaded."""
        return self._frame.copy()

    def csv(self) -> str:
        """The CSV the download link holds."""
        return self._frame.to_csv(index=False)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # ------------------------------------------------------------------ run and options

    def _load(self, name: str) -> Any:
        if name not in self._runs:
            import netlab

            self._runs[name] = netlab.load(name)
        return self._runs[name]

    def _set_run(self, name: str) -> None:
        prepared = self._load(name)
        params = prepared.params
        rates = prepared.rates
        c = self.controls
        self._hold = True
        try:
            present = set(rates["measure"].unique())
            order = [m for m in prepared.measures["measure"] if m in present]
            order += sorted(present - set(order))
            c["measure"].options = [(_measure_label(prepared, m), m) for m in order]
            measure = params.focal_measure if params.focal_measure in present else order[0]
            c["measure"].value = measure
            groups = list(dict.fromkeys(["focal", "all", *rates["group"].unique()]))
            groups = [g for g in groups if g in set(rates["group"])]
            c["group"].options = [(_group_label(params, g), g) for g in groups]
            c["group"].value = "focal" if "focal" in groups else groups[0]
            lo, hi = int(rates["year"].min()), int(rates["year"].max())
            # Widen first, then narrow: the slider clamps its value to its bounds.
            c["years"].min = min(lo, c["years"].min)
            c["years"].max = max(hi, c["years"].max)
            c["years"].value = (lo, hi)
            c["years"].min, c["years"].max = lo, hi
            noun = _noun(params)
            c["unit"].description = noun
            c["name_peers"].description = f"Name other {noun.lower()}s"
            units = prepared.units.copy()
            units["unit_id"] = units["unit_id"].astype(str)
            names = units["unit_name"] if "unit_name" in units.columns else units["unit_id"]
            units["shown_name"] = names.astype(str)
            options = [(f"All {noun.lower()}s (network)", _NETWORK)]
            options += [
                (
                    row.shown_name
                    if row.shown_name == row.unit_id
                    else f"{row.shown_name} ({row.unit_id})",
                    row.unit_id,
                )
                for row in units.sort_values("shown_name").itertuples()
            ]
            c["unit"].options = options
            c["unit"].value = _NETWORK
            c["name_peers"].value = bool(params.name_peers)
        finally:
            self._hold = False
        self.redraw()

    def _on_run(self, change: dict) -> None:
        if self._hold:
            return
        try:
            self._set_run(change["new"])
        except NetlabError as err:
            # A run listed but unreadable (e.g. prepared by other code): stay on the old one.
            self._hold = True
            self.controls["run"].value = change["old"]
            self._hold = False
            self.notice.value = _error_html(err)

    def _on_change(self, change: dict) -> None:
        if not self._hold:
            self.redraw()

    # ------------------------------------------------------------------ drawing

    def _analysis(self, sel: Selection) -> tuple[pd.DataFrame, dict]:
        key_unit = sel.unit if sel.view in _UNIT_DEPENDENT else None
        key = (self.controls["run"].value, replace(sel, unit=key_unit, name_peers=False))
        if key not in self._cache:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))  # the oldest
            self._cache[key] = _compute(self.prepared, replace(sel, unit=key_unit))
        return self._cache[key]

    def _title(self, sel: Selection, extra: dict) -> str:
        prepared = self.prepared
        label = _measure_label(prepared, sel.measure)
        # "Focal students" rather than the focal group's long definition, shown in the picker.
        group = (
            "Focal students" if sel.group == "focal" else _group_label(prepared.params, sel.group)
        )
        if "year" in extra:
            when = str(extra["year"])
        else:
            when = f"{sel.years[0]}–{sel.years[1]}" if sel.years else ""
        return f"{label}\n{group} · {when}"

    def _notices(self, sel: Selection, frame: pd.DataFrame) -> str:
        params = self.prepared.params
        noun = _noun(params).lower()
        parts = []
        if sel.name_peers and not params.name_peers:
            parts.append(
                '<div class="netlab-hub-only" style="background:#fff3cd;padding:4px 8px;">'
                f"<b>Other {noun}s are named: for the hub's own eyes.</b> This run's reports "
                f"do not name peers (<code>name_peers: false</code>); do not share this "
                "figure or its CSV.</div>"
            )
        elif not sel.name_peers:
            parts.append(
                f"<div>Other {noun}s are shown as {_noun(params)} A, B, ... as in the "
                f"{noun} reports; tick “Name other {noun}s” to see names.</div>"
            )
        hidden = int(frame["suppressed"].sum()) if "suppressed" in frame else 0
        if hidden:
            parts.append(
                f"<div>{hidden} row(s) resting on fewer than {int(params.min_cell)} students "
                "(or hidden so that such a one cannot be worked out from the rest) are masked "
                f"({html.escape(privacy.MARKER)}) and not drawn.</div>"
            )
        return "".join(parts)

    def _filename(self, sel: Selection) -> str:
        parts = [self.controls["run"].value, sel.view, sel.measure, sel.group]
        if sel.years:
            parts.append(f"{sel.years[0]}-{sel.years[1]}")
        if sel.unit:
            parts.append(sel.unit)
        if sel.name_peers and not self.prepared.params.name_peers:
            parts.append("hub-only")
        return "-".join(str(p) for p in parts) + ".csv"

    def redraw(self) -> None:
        """Recompute (from cache when possible) and redraw the figure, table and download."""
        start = time.perf_counter()
        sel = self.selection
        prepared = self.prepared
        min_cell = int(prepared.params.min_cell)
        try:
            raw, extra = self._analysis(sel)
            labels = unit_labels(prepared, unit=sel.unit, name_peers=sel.name_peers)
            frame = _labelled(raw, labels, sel)
            highlight = labels.get(sel.unit) if sel.unit else None
            named = sel.name_peers and sel.view != "funnel"
            fig, png = _png(
                lambda ax: draw_view(
                    frame,
                    ax,
                    view=sel.view,
                    highlight=highlight,
                    label_units=named,
                    title=self._title(sel, extra),
                    limits=extra.get("limits"),
                ),
                long_ticks=named and (sel.view == "caterpillar" or sel.unit is None),
            )
        except NetlabError as err:
            self.error = str(err)
            self._frame = pd.DataFrame()
            self.figure, self.png = None, b""
            self.image.value = b""
            self.image.layout.display = "none"
            self.notice.value = _error_html(err)
            self.table.value = ""
            self.download.value = ""
        else:
            self.error = None
            self._frame = frame
            self.figure, self.png = fig, png
            self.image.layout.display = None
            self.image.value = png
            self.notice.value = self._notices(sel, frame)
            self.table.value = table_html(
                frame,
                min_cell=min_cell,
                caption=f"{VIEWS[sel.view]}: " + self._title(sel, extra).replace("\n", ", "),
            )
            self.download.value = download_link(frame, self._filename(sel))
        self.redraws += 1
        self.last_seconds = time.perf_counter() - start


def explore(run: str | Any = "demo") -> Any:
    """Show the explorer for a prepared run (in JupyterLab: ``netlab.widgets.explore("demo")``).

    Parameters
    ----------
    run : str or netlab.pipeline.Prepared
        A prepared run's name or a run in memory.

    Returns
    -------
    ipywidgets.VBox or ipywidgets.HTML
        The explorer's widgets (its :class:`Explorer` is the ``explorer`` attribute), or,
        when the run cannot be opened (e.g. not prepared yet), a message saying what to do.
    """
    import ipywidgets as w

    try:
        ex = Explorer(run)
    except NetlabError as err:
        return w.HTML(_error_html(err))
    ex.widget.explorer = ex
    return ex.widget
