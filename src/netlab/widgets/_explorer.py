"""The researcher's workbench: widgets over a prepared run, for JupyterLab.

``netlab.widgets.explore("demo")`` shows controls (run, view, measure, group, years,
school, naming peers) driving one figure, the table behind it and a CSV download of that
table. The explorer only picks data and calls netlab's analyses (:mod:`netlab.variation`,
:mod:`netlab.spc`), privacy rules (:mod:`netlab.privacy`) and drawing (:mod:`netlab.plots`);
:func:`view_frame` is the whole computation, usable without widgets.
The computation lives in ``_views`` and the figure, table and download in ``_output``;
their public names are re-exported by :mod:`netlab.widgets`.

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

import html
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from netlab import cells, paths, reasons
from netlab.exceptions import NetlabError
from netlab.widgets._output import _error_html, _png, download_link, draw_view, table_html
from netlab.widgets._views import (
    _NETWORK,
    _UNIT_DEPENDENT,
    VIEWS,
    Selection,
    _compute,
    _group_label,
    _labelled,
    _measure_label,
    _noun,
    unit_labels,
)

if TYPE_CHECKING:
    from netlab.pipeline import Prepared

_CACHE_SIZE = 256  # analyses kept per explorer (each a frame of about one row per unit)


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


def term_options(names: list[str], loaded: dict[str, Any] | None = None) -> list[tuple]:
    """The term selector's choices: each prepared run shown by its term ("Fall 2026 (demo)").

    Parameters
    ----------
    names : list of str
        The runs' names.
    loaded : dict, optional
        Runs already in memory (their params give the term).

    Returns
    -------
    list of (label, run name)
        Ordered by run name.
    """
    from netlab import pipeline

    out = []
    for name in names:
        if loaded and name in loaded:
            term = loaded[name].params.term
        else:
            found = pipeline.manifest(name) or {}
            term = (found.get("params") or {}).get("term") or ""
        out.append((f"{term} ({name})" if term else name, name))
    return out


# --------------------------------------------------------------------------------------
# The widgets
# --------------------------------------------------------------------------------------


def _controls(w: Any, names: list[str], name: str, runs: dict[str, Any]) -> dict[str, Any]:
    """The explorer's controls: term, view, measure, group, years, school, naming peers."""
    wide = {"description_width": "90px"}
    lay = w.Layout(width="330px")
    return {
        "run": w.Dropdown(
            options=term_options(names, runs),
            value=name,
            description="Term",
            style=wide,
            layout=lay,
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
        from netlab.extras import require

        require("lab")  # ipywidgets comes with the netlab[lab] extra
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
        self.controls = _controls(w, names, name, self._runs)
        self.image = w.Image(format="png", layout=w.Layout(max_width="640px"))
        self.notice = w.HTML()
        self.download = w.HTML()
        self.table = w.HTML(layout=w.Layout(max_height="360px", overflow="auto"))
        self.widget = self._layout(w)
        self.widget.add_class("netlab-explorer")
        for key, control in self.controls.items():
            control.observe(self._on_run if key == "run" else self._on_change, names="value")
        self._set_run(name)

    def _layout(self, w: Any) -> Any:
        """The controls above the notice, figure, download link and table."""
        c = self.controls
        return w.VBox(
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

    # ------------------------------------------------------------------ state

    @property
    def prepared(self) -> Prepared:
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
            years=(int(c["years"].value[0]), int(c["years"].value[1])),
            unit=None if unit in (None, _NETWORK) else str(unit),
            name_peers=bool(c["name_peers"].value),
        )

    def view_data(self) -> pd.DataFrame:
        """The table behind the current view (suppression applied), as downloaded."""
        return self._frame.copy()

    def csv(self) -> str:
        """The CSV the download link holds."""
        return cells.to_csv(self._frame)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # ------------------------------------------------------------------ run and options

    def _load(self, name: str) -> Any:
        if name not in self._runs:
            from netlab.pipeline import load

            self._runs[name] = load(name)
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
            lines = [
                reasons.legend(w, min_cell=int(params.min_cell), band_below=params.band_limit)
                for w in (reasons.Reason.SMALL, reasons.Reason.COMPLEMENTARY)
            ]
            parts.append(
                f"<div>{hidden} row(s) are masked and not drawn: "
                f"{html.escape(' '.join(lines))} Only final figures are shown: a class "
                "whose measurement window is still open has no rate here.</div>"
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


def explore(run: str | Prepared = "demo") -> Any:
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
    from netlab.extras import require

    require("lab")  # ipywidgets comes with the netlab[lab] extra
    import ipywidgets as w

    try:
        ex = Explorer(run)
    except NetlabError as err:
        return w.HTML(_error_html(err))
    ex.widget.explorer = ex
    return ex.widget
