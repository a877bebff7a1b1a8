"""What the report notebooks show: each section's sentences, tables and figures.

The notebooks hold no logic: a notebook opens a run with :func:`open_report` and displays
one section per cell (``report.funnel_position(r)``). Every section applies the privacy
rules (:mod:`netlab.privacy`) before anything is shown: small cells are suppressed and
noted, peers are unnamed in a school's report unless the run allows it, and no student
row is ever shown. A section whose analysis is not in the prepared run says so plainly
("not available in this run") instead of drawing anything.

HTML conventions (checked by :func:`netlab.privacy.scan_html`): tables carry
``data-n`` (the fewest students a row's values rest on) on each row; a suppressed value
is shown as ``*``; figures and sentences carry ``data-n-min``.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from netlab import privacy
from netlab._checks import check_argument
from netlab._version import __version__
from netlab.exceptions import InputError

__all__ = [
    "META_MIME",
    "Report",
    "Section",
    "aim_progress",
    "bright_spots",
    "caterpillar",
    "constellation",
    "data_quality",
    "equity_gaps",
    "fafsa_season",
    "funnel",
    "from_prepared",
    "funnel_position",
    "header",
    "live_cases",
    "measure_results",
    "load_run",
    "open_report",
    "preload",
    "practices",
    "practices_network",
    "process_measures",
    "team_indicators",
    "traction_outcomes",
    "traction_pdsa",
    "traction_stages",
    "traction_survey",
    "traction_transitions",
    "where_varies",
]

META_MIME = "application/vnd.netlab.report+json"
_E = html.escape


# --------------------------------------------------------------------------------------
# The report context
# --------------------------------------------------------------------------------------


@dataclass
class Report:
    """One report being built: the prepared run, whose report it is, how units are shown."""

    prepared: Any
    kind: str
    unit_id: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    cohorts: list[int] | None = None

    @property
    def params(self) -> Any:
        return self.prepared.params

    @property
    def min_cell(self) -> int:
        return int(self.params.min_cell)

    @property
    def noun(self) -> str:
        """The unit noun: School or District."""
        return "District" if self.params.unit == "district" else "School"

    @property
    def names_peers(self) -> bool:
        """True when other units may be named (network reports, or the run allows it)."""
        return self.kind in ("network", "traction") or bool(self.params.name_peers)

    @property
    def unit_name(self) -> str:
        return self.labels.get(str(self.unit_id), str(self.unit_id))

    @property
    def measure(self) -> str:
        """The measure the report leads with: the team's own indicator, else the focal one."""
        if self.unit_id is not None and self.unit_id in self.params.team_measures:
            return self.params.team_measures[self.unit_id]
        return self.params.focal_measure

    def model(self, name: str) -> pd.DataFrame | None:
        """A fitted model frame of the run (``"variation__funnel"``), or None."""
        frame = (self.prepared.models or {}).get(name)
        return frame if frame is not None and len(frame.columns) else None

    def label(self, unit_id: Any) -> str:
        return self.labels.get(str(unit_id), f"{self.noun} ?")


_RUNS: dict[tuple, Any] = {}


def _run_stamp(run: str) -> tuple:
    """What identifies a prepared run's files on disk (folder, manifest, file times)."""
    from netlab import paths

    folder = paths.processed_dir(run)
    stamps = []
    for sub in (folder, folder / "models"):
        if sub.is_dir():
            with os.scandir(sub) as it:
                stamps += sorted(
                    (e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in it if e.is_file()
                )
    return (str(folder), tuple(stamps))


def load_run(run: str) -> Any:
    """The prepared run, from the in-memory copy :func:`preload` made if still current."""
    import netlab

    hit = _RUNS.get(_run_stamp(run))
    return hit if hit is not None else netlab.load(run)


def preload(run: str) -> None:
    """Load a prepared run once so that forked report processes start with it in memory.

    Used by warm render servers: every report of a run reads the same prepared tables, so
    they are read once per server rather than once per report. A copy is used only while
    the run's files on disk are unchanged.
    """
    import netlab

    stamp = _run_stamp(run)
    if stamp not in _RUNS:
        _RUNS.clear()
        _RUNS[stamp] = netlab.load(run)


def open_report(
    run: str, unit_id: str | None = None, *, kind: str | None = None, cohorts: Any = None
) -> Report:
    """Load a prepared run for one report.

    Parameters
    ----------
    run : str
        The prepared run's name.
    unit_id : str, optional
        The school (or district) the report is about; None for the network report, ""
        for the run's first unit (in id order).
    kind : {"network", "traction", "school", "district"}, optional
        By default "network" without a unit, else the run's unit.
    cohorts : list of int, optional
        Traction report: the cohorts to show (all when None).

    Returns
    -------
    Report

    Raises
    ------
    InputError
        When the unit is not in the run, or the run holds no figures for it.
    """
    return from_prepared(load_run(run), unit_id, kind=kind, cohorts=cohorts)


def from_prepared(
    prepared: Any, unit_id: str | None = None, *, kind: str | None = None, cohorts: Any = None
) -> Report:
    """A :class:`Report` over an already prepared run (see :func:`open_report`)."""
    params = prepared.params
    kind = kind or (params.unit if unit_id is not None else "network")
    check_argument("kind", ["network", "traction", "school", "district"], kind)
    units = prepared.units
    ids = units["unit_id"].astype(str).tolist()
    names = dict(zip(ids, units.get("unit_name", units["unit_id"]).astype(str), strict=True))
    if unit_id == "" and kind in ("school", "district") and ids:
        unit_id = sorted(ids)[0]  # a notebook run by hand with its default: the first unit
    if unit_id is not None:
        unit_id = str(unit_id)
        if unit_id not in names:
            raise InputError(
                f"{params.unit.capitalize()} {unit_id!r} is not in run {prepared.run!r}.",
                table="units",
                column="unit_id",
                hint=f"Pick one of: {', '.join(sorted(ids)[:10])}"
                + (" ..." if len(ids) > 10 else ""),
            )
        if not (prepared.rates["unit_id"].astype(str) == unit_id).any():
            raise InputError(
                f"Run {prepared.run!r} holds no figures for {params.unit} {unit_id!r} "
                f"({names[unit_id]}).",
                table="rates",
                column="unit_id",
                hint="Check that its records are in the term's exports, then prepare again.",
            )
    report = Report(prepared=prepared, kind=kind, unit_id=unit_id)
    report.labels = privacy.peer_labels(
        ids,
        names=names,
        focal=unit_id,
        name_peers=report.names_peers,
        noun=report.noun,
        seed=int(params.seed),
    )
    if cohorts is not None:
        report.cohorts = [int(c) for c in ([cohorts] if np.isscalar(cohorts) else cohorts)]
    return report


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


def _pct(x: float, digits: int = 0) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:.{digits}f}%"


def _pp(x: float) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:+.1f} pp"


def _int(x: Any) -> str:
    return "—" if x is None or pd.isna(x) else f"{int(round(float(x))):,}"


def _note(text: str, *, cls: str = "") -> str:
    return f'<p class="netlab-note {cls}">{text}</p>'


def unavailable(what: str, why: str = "") -> str:
    """The plain note shown where an analysis is not in the run (never a figure)."""
    if why.startswith("not available"):
        return _note(f"{_E(what)}: {_E(why)}.", cls="netlab-unavailable")
    reason = f" ({_E(why)})" if why else ""
    return _note(f"{_E(what)}: not available in this run{reason}.", cls="netlab-unavailable")


def _suppressed_note(r: Report, what: str) -> str:
    return _note(
        f"{_E(what)} rests on fewer than {r.min_cell} students and is not shown "
        f"(<span class='netlab-marker'>{privacy.MARKER}</span>).",
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
    # labels fit the standard margins, so only figures with long labels pay for it.
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


def _plot(name: str) -> Any:
    """A drawing function of :mod:`netlab.plots`, or None when the run's code lacks it."""
    from netlab import plots

    return getattr(plots, name, None)


def _draw(
    name: str, *args: Any, alt: str, caption: str = "", n_min: float | None = None, **kw: Any
) -> str:
    fn = _plot(name)
    if fn is None:
        return unavailable(f"The {name.replace('_', ' ')} figure")
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
    fmt: str = "text"  # text | rate | pp | count | n | num | stat
    n: str | None = None  # column of students the value rests on (None: not a student count)


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
    if fmt == "num1":
        return f"{float(value):+.1f}"
    return _E(str(value))


def table(
    frame: pd.DataFrame,
    columns: Sequence[Col],
    *,
    min_cell: int,
    caption: str = "",
    highlight: Any = None,
    suppressed: str = "suppressed",
) -> str:
    """Render a frame as a report table with privacy markers.

    Value columns (those with ``n``) show :data:`~netlab.privacy.MARKER` when their count
    is under ``min_cell`` or the row is flagged ``suppressed``; each row carries ``data-n``,
    the fewest students its shown values rest on.

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

    Returns
    -------
    str
    """
    head = "".join(
        f'<th class="{"netlab-num" if c.fmt != "text" else ""}">{_E(c.header)}</th>'
        for c in columns
    )
    marks = (
        np.asarray(highlight, dtype=bool) if highlight is not None else np.zeros(len(frame), bool)
    )
    rows = []
    for i, (_, row) in enumerate(frame.iterrows()):
        whole = bool(row.get(suppressed, False)) if suppressed in frame.columns else False
        shown_n: list[float] = []
        any_value = False
        cells = []
        for c in columns:
            if c.n is None:
                cls = "netlab-stat netlab-num" if c.fmt != "text" else ""
                cells.append(f'<td class="{cls}">{_fmt(row.get(c.key), c.fmt)}</td>')
                continue
            any_value = True
            n = pd.to_numeric(row.get(c.n), errors="coerce")
            small = whole or pd.isna(n) or n < min_cell
            if small:
                text = f"&lt;{min_cell}" if c.fmt == "n" else privacy.MARKER
                cells.append(f'<td class="netlab-value netlab-suppressed">{text}</td>')
            else:
                shown_n.append(float(n))
                cells.append(
                    f'<td class="netlab-value netlab-num">{_fmt(row.get(c.key), c.fmt)}</td>'
                )
        attrs = ""
        if any_value:
            attrs = f' data-n="{int(min(shown_n))}"' if shown_n else ' data-suppressed="true"'
        cls = ' class="netlab-focal"' if marks[i] else ""
        rows.append(f"<tr{cls}{attrs}>{''.join(cells)}</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    return (
        f'<table class="netlab-table" data-min-cell="{min_cell}">{cap}<thead><tr>{head}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


# --------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------


def _measure_label(r: Report, measure: str) -> str:
    m = r.prepared.measures
    if m is not None and len(m) and "label" in m.columns:
        hit = m.loc[m["measure"] == measure, "label"]
        if len(hit) and isinstance(hit.iloc[0], str):
            return hit.iloc[0]
    return measure.replace("_", " ")


def _direction(r: Report, measure: str) -> str:
    m = r.prepared.measures
    if m is not None and len(m) and "direction" in m.columns:
        hit = m.loc[m["measure"] == measure, "direction"]
        if len(hit) and hit.iloc[0] in ("higher", "lower"):
            return str(hit.iloc[0])
    return "higher"


def _group_label(r: Report, group: str) -> str:
    focal = r.params.focal_group
    if group == "focal" and not isinstance(focal, str):
        return focal.label
    if group in r.params.groups:
        return r.params.groups[group].label
    from netlab import measures

    groups = measures.builtin_groups()
    key = focal if group == "focal" and isinstance(focal, str) and focal in groups else group
    return groups[key].label if key in groups else group.replace("_", " ")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _who(r: Report, group: str) -> str:
    """ "Black, Latinx, Indigenous or low-income students", or "students" for all."""
    if group == "all":
        return "students"
    label = _group_label(r, group)
    if label.lower() == "all students":
        return "all students"
    return label if label.lower().endswith("students") else f"{label} students"


# --------------------------------------------------------------------------------------
# Header
# --------------------------------------------------------------------------------------


def _shown_params(r: Report) -> dict:
    """The run's parameters for the footer, without other units' names or ids.

    With peers unnamed, a unit's report lists its own team measure only, and the network's
    selection of schools or districts as a count.
    """
    shown = r.params.model_dump(mode="json")
    if r.names_peers:
        return shown
    own = str(r.unit_id)
    shown["team_measures"] = {k: v for k, v in shown["team_measures"].items() if k == own}
    for key in ("schools", "districts"):
        if shown.get(key):
            shown[key] = f"{len(shown[key])} selected"
    return shown


def header(r: Report) -> dict:
    """Facts the template puts in the header and the provenance footer.

    Display the result (the last expression of a cell): it is shown as the page header,
    not as a cell.
    """
    p = r.params
    titles = {
        "network": f"Network report: {p.network}",
        "traction": f"Traction report: {p.network}",
    }
    title = titles.get(r.kind, f"{r.noun} report: {r.unit_name}")
    subtitle = {
        "network": f"{len(r.labels)} {r.noun.lower()}s; focal students: {_who(r, 'focal')}",
        "traction": "Is the improvement work taking hold across teams and cohorts?",
    }.get(
        r.kind,
        f"Leading with {_measure_label(r, r.measure).lower()} for {_who(r, 'focal')}",
    )
    meta = {
        "kind": r.kind,
        "title": title,
        "subtitle": subtitle,
        "network": p.network,
        "term": p.term,
        "unit": p.unit,
        "min_cell": r.min_cell,
        "input_hash": r.prepared.input_hash,
        "netlab_version": __version__,
        "prepared": r.prepared.created,
        "rendered": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "params": _shown_params(r),
    }

    class _Meta(dict):
        def _repr_mimebundle_(self, include=None, exclude=None):
            return {META_MIME: dict(self), "text/plain": f"{title} ({p.term})"}

    return _Meta(meta)


# --------------------------------------------------------------------------------------
# Shared computations on the rates table (computation only; drawing is in netlab.plots)
# --------------------------------------------------------------------------------------


def _rates(r: Report, *, measure: str, group: str) -> pd.DataFrame:
    rates = r.prepared.rates
    return rates.loc[(rates["measure"] == measure) & (rates["group"] == group)]


def yearly(r: Report, *, measure: str, group: str, unit_id: str | None) -> pd.DataFrame:
    """Counts and rate per year for one unit (or the network, pooled), suppression applied."""
    rows = _rates(r, measure=measure, group=group)
    if unit_id is not None:
        rows = rows.loc[rows["unit_id"].astype(str) == str(unit_id)]
    out = rows.groupby("year", as_index=False)[["numerator", "denominator"]].sum()
    out["rate"] = np.where(
        out["denominator"] > 0,
        out["numerator"] / out["denominator"].where(out["denominator"] > 0),
        np.nan,
    )
    return privacy.suppress(out, min_cell=r.min_cell).sort_values("year").reset_index(drop=True)


def _aim_status(
    base: float, latest: float, year: int, b_year: int, target: float, by_year: int, direction: str
) -> tuple[str, float]:
    sign = 1 if direction == "higher" else -1
    if year >= by_year:
        return ("met" if sign * (latest - target) >= 0 else "not met"), target
    span = max(by_year - b_year, 1)
    expected = base + (target - base) * (year - b_year) / span
    return ("on track" if sign * (latest - expected) >= 0 else "not yet on track"), expected


# --------------------------------------------------------------------------------------
# Sections shared by school and network reports
# --------------------------------------------------------------------------------------


def aim_progress(r: Report) -> Section:
    """Progress toward the run's aim, in rates and in students, with the target line."""
    s = Section("aim")
    aim = r.params.aim
    measure = r.params.team_measures.get(str(r.unit_id), aim.measure)
    group = aim.group
    unit = r.unit_id
    who, label = _who(r, group), _measure_label(r, measure)
    if measure not in set(r.prepared.rates["measure"]):
        return s.add(unavailable(f"The aim's measure ({label})"))
    yr = yearly(r, measure=measure, group=group, unit_id=unit)
    where = r.unit_name if unit is not None else "the network"
    at = f"at {_E(where)}" if unit is not None else "across the network"
    shown = privacy.visible(yr)
    if shown.empty:
        return s.add(_suppressed_note(r, f"Progress on {label.lower()} for {who} at {where}"))
    direction = _direction(r, measure)
    latest = shown.iloc[-1]
    base = yr.loc[yr["year"] == aim.baseline_year]
    if measure != aim.measure:
        s.add(
            _note(
                f"This {r.noun.lower()}'s team works on its own indicator, {_E(label.lower())}; "
                f"the network's target ({_pct(aim.target)}) is for "
                f"{_E(_measure_label(r, aim.measure).lower())} and is not drawn here."
            )
        )
    if base.empty or bool(base["suppressed"].iloc[0]):
        s.add(
            _sentence(
                f"In {int(latest.year)}, {_pct(latest.rate)} of {_int(latest.denominator)} {who} "
                f"{at}: {_E(label.lower())}. The baseline year {aim.baseline_year} "
                "has no figure that can be shown, so progress since then is not computed.",
                latest.denominator,
            )
        )
    else:
        b = base.iloc[0]
        status, expected = _aim_status(
            float(b.rate),
            float(latest.rate),
            int(latest.year),
            aim.baseline_year,
            aim.target,
            aim.by.year,
            direction,
        )
        more = int(latest.numerator - b.numerator)
        n_min = min(latest.denominator, b.denominator)
        verb = "more" if more >= 0 else "fewer"
        parts = [
            f"<strong>{_E(label)}</strong> for {who} {at}: {_pct(latest.rate)} in "
            f"{int(latest.year)} ({_int(latest.numerator)} of {_int(latest.denominator)}), "
            f"against {_pct(b.rate)} in the baseline year {aim.baseline_year}."
        ]
        if measure == aim.measure:
            parts.append(
                f"The aim is {_pct(aim.target)} by {aim.by:%B %Y}; on a straight path from the "
                f"baseline that means about {_pct(expected)} now, so this is "
                f"<strong>{status}</strong>."
            )
        parts.append(
            f"That is {abs(more):,} {verb} {who} than in {aim.baseline_year} "
            f"({_int(b.numerator)} of {_int(b.denominator)})."
        )
        if measure == aim.measure and direction == "higher" and latest.rate < aim.target:
            gap = int(math.ceil(aim.target * latest.denominator - latest.numerator))
            parts.append(
                f"At the target rate, about {gap:,} more of this year's {who} would count."
            )
        s.add(_sentence(" ".join(parts), n_min))
    target = aim.target if measure == aim.measure else None
    s.add(
        _draw(
            "trend_with_target",
            shown,
            target,
            target_year=aim.by.year if target is not None else None,
            baseline_year=aim.baseline_year,
            title=label,
            alt=f"{label} for {who} by year"
            + (f", with the target of {_pct(target)}" if target else ""),
            caption=f"{_E(label)}, {_E(who)}, {_E(where)}; suppressed years are not drawn.",
            n_min=shown["denominator"].min(),
        )
    )
    if yr["suppressed"].any():
        s.add(_suppressed_note(r, "A year's figure"))
    s.add(
        table(
            yr,
            [
                Col("year", "Year"),
                Col("denominator", "Students", "n", n="denominator"),
                Col("numerator", label, "count", n="denominator"),
                Col("rate", "Rate", "rate", n="denominator"),
            ],
            min_cell=r.min_cell,
            caption=f"{_E(label)}: {_E(who)}, {_E(where)}",
        )
    )
    return s


def measure_results(r: Report) -> Section:
    """The unit's focal-group results on every measure over the years, with the network."""
    s = Section("measures")
    rates = r.prepared.rates
    group = "focal"
    rows = rates.loc[rates["group"] == group]
    if rows.empty:
        return s.add(unavailable("Results for the focal group"))
    mine = rows.loc[rows["unit_id"].astype(str) == str(r.unit_id)] if r.unit_id else rows
    unit_tot = mine.groupby(["measure", "year"], as_index=False)[
        ["numerator", "denominator"]
    ].sum()
    unit_tot = privacy.suppress(
        unit_tot.assign(
            rate=unit_tot["numerator"] / unit_tot["denominator"].where(unit_tot["denominator"] > 0)
        ),
        min_cell=r.min_cell,
    )
    net = rows.groupby(["measure", "year"], as_index=False)[["numerator", "denominator"]].sum()
    net = net.assign(
        network_rate=net["numerator"] / net["denominator"].where(net["denominator"] > 0)
    )
    years = sorted(unit_tot["year"].unique())[-5:]
    latest = years[-1] if years else None
    wide = []
    for measure, cell in unit_tot.groupby("measure", sort=False):
        row: dict[str, Any] = {"measure": _measure_label(r, measure)}
        for y in years:
            hit = cell.loc[cell["year"] == y]
            row[f"r{y}"] = hit["rate"].iloc[0] if len(hit) else np.nan
            row[f"n{y}"] = (
                hit["denominator"].iloc[0] if len(hit) and not hit["suppressed"].iloc[0] else 0
            )
        nhit = net.loc[(net["measure"] == measure) & (net["year"] == latest)]
        row["network"] = nhit["network_rate"].iloc[0] if len(nhit) else np.nan
        row["n_network"] = nhit["denominator"].iloc[0] if len(nhit) else 0
        wide.append(row)
    frame = pd.DataFrame(wide)
    cols = [Col("measure", "Measure")]
    cols += [Col(f"r{y}", str(y), "rate", n=f"n{y}") for y in years]
    if r.unit_id is not None:
        cols.append(Col("network", f"Network {latest}", "rate", n="n_network"))
    where = r.unit_name if r.unit_id else "the network"
    s.add(
        _sentence(
            f"Every measure for {_who(r, group)} at {_E(where)}, by graduating class"
            + (", with the whole network's latest rate for context." if r.unit_id else "."),
            cls="netlab-lede",
        )
    )
    s.add(
        table(
            frame,
            cols,
            min_cell=r.min_cell,
            caption=f"{_E(_who(r, group)).capitalize()}: rate by year",
        )
    )
    if (unit_tot["suppressed"]).any():
        s.add(_suppressed_note(r, "A measure-year"))
    m = r.prepared.measures
    if m is not None and len(m) and "denominator_label" in m.columns:
        items = "".join(
            f"<li>{_E(str(row.label))}: of {_E(str(row.denominator_label))}</li>"
            for row in m.itertuples()
            if isinstance(row.denominator_label, str) and row.measure in set(unit_tot["measure"])
        )
        if items:
            s.add(
                f'<details class="netlab-definitions"><summary>How each rate is counted'
                f"</summary><ul>{items}</ul></details>"
            )
    return s


def funnel_position(r: Report) -> Section:
    """The unit's place in the network's funnel for its measure (peers unnamed)."""
    return funnel(r, highlight=r.unit_id)


def funnel(r: Report, *, highlight: str | None = None) -> Section:
    """Funnel plot of the focal measure for the focal group in the latest year."""
    s = Section("funnel")
    frame, limits = r.model("variation__funnel"), r.model("variation__funnel_limits")
    measure = r.measure
    label = _measure_label(r, measure)
    if frame is None or limits is None:
        return s.add(unavailable("The funnel plot"))
    f = frame.loc[(frame["measure"] == measure) & (frame["group"] == "focal")].copy()
    lim = limits.loc[(limits["measure"] == measure) & (limits["group"] == "focal")]
    if f.empty:
        return s.add(unavailable(f"The funnel plot of {label.lower()}"))
    f = privacy.flag_small(f, min_cell=r.min_cell)
    # The network rate is shown: one hidden unit could be recovered from the others.
    f = privacy.complementary(f, by=["year"], n="denominator")
    f["label"] = [r.label(u) for u in f["unit_id"]]
    year = int(f["year"].max())
    shown = privacy.visible(f)
    hidden = int(f["suppressed"].sum())
    s.add(
        _draw(
            "funnel",
            shown.assign(unit_id=shown["label"]),
            lim,
            highlight=r.unit_name if highlight is not None else None,
            label_units=False,
            title=f"{label}, {year}",
            alt=f"Funnel plot of {label} for focal students, {year}",
            caption=f"{_E(label)}, {_E(_who(r, 'focal'))}, {year}: each point is a "
            f"{r.noun.lower()}; the lines are the 95% and 99.8% limits around the network "
            "rate." + ("" if r.names_peers else f" Other {r.noun.lower()}s are not named."),
            n_min=shown["denominator"].min() if len(shown) else None,
            size=(6.4, 4.0),
        )
    )
    if hidden:
        s.add(
            _note(
                f"{hidden} {r.noun.lower()}(s) with fewer than {r.min_cell} focal students (or "
                "hidden so that such a one cannot be worked out from the rest) are not drawn.",
                cls="netlab-suppressed-note",
            )
        )
    target = float(f["target"].iloc[0]) if "target" in f.columns else np.nan
    if highlight is not None:
        mine = f.loc[f["unit_id"].astype(str) == str(highlight)]
        if mine.empty:
            s.add(unavailable(f"{r.unit_name}'s point"))
        elif bool(mine["suppressed"].iloc[0]):
            s.add(_suppressed_note(r, f"{r.unit_name}'s point"))
        else:
            m = mine.iloc[0]
            where = {"above": "above the upper limit", "below": "below the lower limit"}.get(
                str(m.get("flag")), "within the limits"
            )
            s.add(
                _sentence(
                    f"In {year}, {_pct(m.rate)} of {_int(m.denominator)} {_who(r, 'focal')} at "
                    f"{_E(r.unit_name)}: {_E(label.lower())}, against {_pct(target)} across the "
                    f"network: {where} (a difference this size "
                    + (
                        "is unusual"
                        if where != "within the limits"
                        else "is within what chance and ordinary variation give"
                    )
                    + " for a group this size).",
                    m.denominator,
                )
            )
    else:
        flagged = (
            shown.loc[shown["flag"].isin(["above", "below"])]
            if "flag" in shown
            else shown.iloc[:0]
        )
        s.add(
            table(
                flagged.sort_values("rate", ascending=False),
                [
                    Col("label", r.noun),
                    Col("denominator", "Students", "n", n="denominator"),
                    Col("rate", "Rate", "rate", n="denominator"),
                    Col("flag", "Outside the 99.8% limits"),
                ],
                min_cell=r.min_cell,
                caption=f"{r.noun}s outside the outer limits ({len(flagged)} of {len(f)})",
            )
            if len(flagged)
            else _sentence(f"No {r.noun.lower()} lies outside the outer (99.8%) limits in {year}.")
        )
    return s


def equity_gaps(r: Report) -> Section:
    """Gaps between focal students and the rest, with intervals."""
    s = Section("equity")
    gaps = r.model("variation__equity_gaps")
    measure = r.measure
    label = _measure_label(r, measure)
    if gaps is None:
        why = (
            ""
            if r.prepared.has_students
            else "not available from public files (they carry no student groups)"
        )
        return s.add(unavailable("Equity gaps", why))
    g = gaps.loc[gaps["measure"] == measure].copy()
    if r.unit_id is not None:
        g = g.loc[g["unit_id"].astype(str) == str(r.unit_id)]
    if g.empty:
        why = (
            ""
            if r.prepared.has_students
            else "not available from public files (they carry no student groups)"
        )
        return s.add(unavailable(f"Equity gaps on {label.lower()}", why))
    g["n_min"] = g[["focal_denominator", "ref_denominator"]].min(axis=1)
    g = privacy.flag_small(g, n="n_min", min_cell=r.min_cell)
    g["label"] = [r.label(u) for u in g["unit_id"]]
    shown = privacy.visible(g)
    if r.unit_id is None:
        latest = int(g["year"].max())
        g = g.loc[g["year"] == latest]
        shown = shown.loc[shown["year"] == latest]
    s.add(
        _draw(
            "equity_gaps",
            shown.assign(unit_id=shown["label"]),
            highlight=r.unit_name if r.unit_id is not None else None,
            label_units=r.names_peers,
            title=f"{label}: focal students minus the rest",
            tight=r.unit_id is None,
            alt=f"Gap in {label} between focal students and the rest",
            caption=f"{_E(label)}: focal students minus the rest, percentage points, "
            "with 95% intervals.",
            n_min=shown["n_min"].min() if len(shown) else None,
        )
        if len(shown)
        else _suppressed_note(r, "The gap")
    )
    cols = [Col("label", r.noun)] if r.unit_id is None else [Col("year", "Year")]
    cols += [
        Col("focal_denominator", "Focal students", "n", n="focal_denominator"),
        Col("focal_rate", "Focal", "rate", n="n_min"),
        Col("ref_denominator", "Other students", "n", n="ref_denominator"),
        Col("ref_rate", "Others", "rate", n="n_min"),
        Col("gap_pp", "Gap (pp)", "num1", n="n_min"),
        Col("low_pp", "from", "num1", n="n_min"),
        Col("high_pp", "to", "num1", n="n_min"),
    ]
    order = g.sort_values("gap_pp") if r.unit_id is None else g.sort_values("year")
    s.add(
        table(
            order,
            [c for c in cols if c.key in g.columns or c.key == "label"],
            min_cell=r.min_cell,
            caption=f"{_E(label)}: equity gap (focal minus other students)",
        )
    )
    if g["suppressed"].any():
        s.add(_suppressed_note(r, "A gap"))
    return s


def data_quality(r: Report) -> Section:
    """What the data rests on: rows read, kept and excluded, and the unit's own records."""
    s = Section("quality")
    q = r.prepared.quality
    if q is not None and len(q):
        frame = q.loc[q["rows_in"] > 0].copy()
        for col in ("rows_in", "rows_kept", "rows_excluded"):
            frame[col] = frame[col].astype("float64")
        # a handful of excluded rows is itself a small count: say "fewer than N"
        frame["excluded"] = [
            "none" if v == 0 else (f"fewer than {r.min_cell}" if v < r.min_cell else f"{int(v):,}")
            for v in frame["rows_excluded"]
        ]
        s.add(
            table(
                frame,
                [
                    Col("table", "Table"),
                    Col("rows_in", "Rows read", "count"),
                    Col("rows_kept", "Rows kept", "count"),
                    Col("excluded", "Rows excluded"),
                ],
                min_cell=r.min_cell,
                caption="The network's data this term (every excluded row is listed, with its "
                "reason, in the hub's quality log)",
            )
        )
    others = [] if r.names_peers else _other_units(r)
    for note in getattr(r.prepared, "notes", []) or []:
        # a run-wide note that names another school stays out of this school's report
        if not any(o in str(note) for o in others):
            s.add(_note(_E(str(note))))
    if not r.prepared.has_students:
        s.add(
            _note(
                "This run has school-level counts only: sections that need student "
                "records (case-mix adjustment, student-level models) are not available."
            )
        )
    if r.unit_id is not None:
        rates = r.prepared.rates
        mine = rates.loc[rates["unit_id"].astype(str) == str(r.unit_id)]
        base = mine.loc[mine["measure"] == _base_measure(mine)]
        per = base.pivot_table(index="year", columns="group", values="denominator", aggfunc="sum")
        if "all" in per.columns:
            per = per.reset_index()
            focal = per["focal"] if "focal" in per.columns else per["all"]
            rest = per["all"] - focal
            # All seniors minus the focal students shown elsewhere would give away a small
            # group of other students: hide the total in those years.
            per["suppressed"] = (rest > 0) & (rest < r.min_cell)
            s.add(
                table(
                    per,
                    [Col("year", "Year"), Col("all", "Seniors on record", "n", n="all")],
                    min_cell=r.min_cell,
                    caption=f"{_E(r.unit_name)}: records behind this report",
                )
            )
            if per["suppressed"].any():
                s.add(
                    _suppressed_note(
                        r,
                        "A year's total, which with the focal count would single out a small group,",
                    )
                )
    return s


# --------------------------------------------------------------------------------------
# School sections
# --------------------------------------------------------------------------------------


def process_measures(r: Report) -> Section:
    """Interim and process measures over time, as run charts, beside the outcome they serve."""
    s = Section("process")
    table_ = r.prepared.tables.get("process")
    if table_ is None or table_.empty:
        return s.add(unavailable("Interim and process measures", "no process table"))
    from netlab import measures, spc

    series = measures.process_series(table_, unit="school_id")
    mine = {str(r.unit_id), *_schools_of(r)} if r.unit_id is not None else None
    if mine is not None:
        series = series.loc[series["unit_id"].isin(mine)]
    if series.empty:
        return s.add(unavailable(f"Interim and process measures for {r.unit_name}"))
    for measure, cell in list(series.groupby("measure", sort=True))[:4]:
        rates_like = bool(cell["denominator"].notna().any())
        several = cell["unit_id"].nunique() > 1
        # one point per date for the whole unit (a district's schools, or the network)
        if rates_like:
            cell = cell.groupby("date", as_index=False)[["numerator", "denominator"]].sum()
            cell["value"] = cell["numerator"] / cell["denominator"].where(cell["denominator"] > 0)
            cell["suppressed"] = cell["denominator"] < r.min_cell
        else:
            cell = cell.groupby("date", as_index=False)["value"].sum().assign(suppressed=False)
        shown = privacy.visible(cell).sort_values("date")
        label = _capital(_measure_label(r, measure))
        if len(shown) < 2:
            s.add(_suppressed_note(r, f"The series of {label.lower()}"))
            continue
        chart = spc.run_chart(shown, x="date", y="value")
        s.add(
            _draw(
                "run_chart",
                chart,
                x="date",
                y="value",
                percent=rates_like,
                title=label,
                alt=f"Run chart of {label}",
                caption=f"{_E(label)} over time"
                + (" (all its schools together)" if several else "")
                + ", with the median and the run-chart rules (a long run or too few crossings "
                "signals non-random change).",
                n_min=shown["denominator"].min() if rates_like else None,
            )
        )
        signal = bool(chart["signal"].any()) if "signal" in chart else False
        s.add(
            _sentence(
                f"{_E(label)}: "
                + ("a signal of non-random change." if signal else "no signal of change yet.")
            )
        )
    return s


def _other_units(r: Report) -> list[str]:
    """Ids and names of every unit but the report's own."""
    units = r.prepared.units
    mine = units["unit_id"].astype(str) == str(r.unit_id)
    rest = units.loc[~mine]
    names = rest.get("unit_name", rest["unit_id"]).astype(str).tolist()
    return [n for n in [*rest["unit_id"].astype(str).tolist(), *names] if n]


def _base_measure(rates: pd.DataFrame) -> str:
    """A measure whose denominator is every senior (for counts of records)."""
    found = set(rates["measure"])
    for m in ("enrolled_any", "fafsa_complete", "enrolled_likely_grad"):
        if m in found:
            return m
    return sorted(found)[0] if found else ""


def fafsa_season(r: Report) -> Section:
    """The unit's weekly FAFSA completion this season against last season (run chart)."""
    s = Section("fafsa")
    weekly = r.prepared.tables.get("fafsa_weekly")
    if weekly is None or weekly.empty:
        return s.add(unavailable("The weekly FAFSA run chart", "no fafsa_weekly table"))
    from netlab import spc

    schools = _schools_of(r) if r.unit_id is not None else None
    season = int(weekly["season"].max())
    name = f"{season}-{str(season + 1)[-2:]} FAFSA"
    this = weekly.loc[weekly["season"] == season]
    if schools is not None:
        this = this.loc[this["school_id"].astype(str).isin(schools)]
    skipped = (
        int((~this["reported"].fillna(False).astype(bool)).groupby(this["as_of"]).all().sum())
        if "reported" in this.columns
        else 0
    )
    series = spc.season_series(weekly, season=season, unit=schools)
    series = series.loc[series["denominator"].notna()]
    if series.empty:
        return s.add(unavailable("The weekly FAFSA run chart", "no reported week this season"))
    series = privacy.flag_small(series, min_cell=r.min_cell)
    prior_small = series["prior_denominator"].fillna(0) < r.min_cell
    series.loc[prior_small, ["prior_rate", "prior_numerator"]] = np.nan
    shown = privacy.visible(series)
    if shown.empty:
        return s.add(_suppressed_note(r, "The FAFSA season"))
    chart = spc.run_chart(shown.rename(columns={"week": "x", "rate": "y"}), x="x", y="y")
    chart = chart.rename(columns={"x": "week", "y": "rate"}).merge(
        shown[["week", "prior_rate", "denominator"]], on="week", how="left"
    )
    s.add(
        _draw(
            "run_chart",
            chart,
            x="week",
            y="rate",
            title=f"{name}: completed, share of seniors",
            alt=f"Weekly FAFSA completion, {name}, with last season",
            caption=f"Cumulative FAFSA completion by week of the {name} season (median line; "
            "highlighted points break the run-chart rules), with last season at the same "
            "weeks."
            + (
                f" {skipped} weekly snapshot(s) were not measurements (counts suppressed for "
                "nearly every school) and are left out, not drawn as zero."
                if skipped
                else ""
            ),
            n_min=shown["denominator"].min(),
        )
    )
    last = chart.iloc[-1]
    signal = bool(chart["signal"].any()) if "signal" in chart else False
    prior = last.get("prior_rate")
    text = f"Week {int(last.week)}: {_pct(last.rate)} of seniors have completed a FAFSA"
    if pd.notna(prior):
        text += f", against {_pct(prior)} at the same week last season"
        gap = float(last.rate) - float(prior)
        if abs(gap) >= 0.05:
            text += (
                f". This season is unlike the last: {abs(100 * gap):.0f} percentage points "
                + ("behind" if gap < 0 else "ahead")
                + " at the same week"
            )
    text += ". " + (
        "The run chart shows a signal of non-random change this season."
        if signal
        else "The run chart shows no signal of non-random change this season."
    )
    s.add(_sentence(text, shown["denominator"].min()))
    return s


def _schools_of(r: Report) -> list[str]:
    schools = r.prepared.tables.get("schools")
    if r.params.unit == "district" and schools is not None:
        return (
            schools.loc[schools["district"].astype(str) == str(r.unit_id), "school_id"]
            .astype(str)
            .tolist()
        )
    return [str(r.unit_id)]


def practices(r: Report) -> Section:
    """The practices the unit has in place, beside what tracks with gains network-wide."""
    s = Section("practices")
    table_ = r.prepared.tables.get("practices")
    within = r.model("practices__within")
    if table_ is None or table_.empty:
        return s.add(unavailable("Practices", "no practices table"))
    from netlab import practices as pr

    mine = table_.loc[table_["school_id"].astype(str).isin(_schools_of(r))]
    latest = int(mine["year"].max()) if len(mine) else None
    now = mine.loc[mine["year"] == latest].groupby("practice", as_index=False)["level"].max()
    now["in_place"] = np.where(now["level"] > 0, "yes", "no")
    now["practice_label"] = [_capital(pr.practice_label(p)) for p in now["practice"]]
    if within is not None and len(within):
        w = within.copy()
        est = w.set_index("practice")
        for col, key in (
            ("estimate_pp", "estimate"),
            ("ci_low_pp", "low"),
            ("ci_high_pp", "high"),
            ("evidence", "evidence"),
        ):
            src = next((c for c in (col, key) if c in est.columns), None)
            now[col] = now["practice"].map(est[src]) if src else np.nan
    cols = [Col("practice_label", "Practice"), Col("in_place", f"In place ({latest})")]
    if "estimate_pp" in now.columns:
        cols += [
            Col("estimate_pp", "Tracks with (pp, network)", "num1"),
            Col("ci_low_pp", "from", "num1"),
            Col("ci_high_pp", "to", "num1"),
            Col("evidence", "Evidence"),
        ]
    s.add(
        table(
            now,
            cols,
            min_cell=r.min_cell,
            caption="Practices in place, beside the network-wide estimate of how each tracks with the focal measure (percentage points; association, not cause)",
        )
    )
    return s


# --------------------------------------------------------------------------------------
# Network sections
# --------------------------------------------------------------------------------------


def where_varies(r: Report) -> Section:
    """Measures ranked by between-unit spread for the focal group: where to focus."""
    s = Section("spread")
    spread = r.model("variation__spread")
    if spread is None or spread.empty:
        return s.add(unavailable("The spread ranking"))
    f = spread.copy()
    f["label"] = [_measure_label(r, m) for m in f["measure"]]
    top = f.iloc[0]
    sd = next((c for c in ("tau", "spread", "sd") if c in f.columns), None)
    s.add(
        _sentence(
            f"The network varies most on <strong>{_E(top.label.lower())}</strong> for "
            f"{_who(r, 'focal')}"
            + (
                f": {r.noun.lower()}s' rates typically sit about {100 * float(top[sd]):.0f} percentage "
                "points from the network rate"
                if sd
                else ""
            )
            + f". Where {r.noun.lower()}s differ most, there is most to learn from each other."
        )
    )
    cols = [Col("label", "Measure")]
    for key, head, fmt in (
        ("year", "Year", "text"),
        ("network_rate", "Network rate", "rate"),
        ("tau", f"Between-{r.noun.lower()} SD", "rate1"),
        ("iqr", "Middle half spans", "rate1"),
        ("n_units", f"{r.noun}s", "count"),
    ):
        if key in f.columns:
            cols.append(Col(key, head, fmt))
    s.add(
        table(
            f,
            cols,
            min_cell=r.min_cell,
            caption=f"Measures ranked by spread between {r.noun.lower()}s (focal students)",
        )
    )
    return s


def team_indicators(r: Report) -> Section:
    """Each team's progress on its own indicator, as change from its baseline."""
    s = Section("teams")
    if not r.params.team_measures:
        return s.add(_note("Every team in this run works on the network's focal measure."))
    from netlab import measures

    prog = measures.team_progress(
        r.prepared.rates, r.params, baseline_year=r.params.aim.baseline_year
    )
    prog = prog.copy()
    prog["n_min"] = prog[["baseline_denominator", "latest_denominator"]].min(axis=1)
    prog = privacy.flag_small(prog, n="n_min", min_cell=r.min_cell)
    prog["team"] = [r.label(u) for u in prog["unit_id"]]
    s.add(
        table(
            prog,
            [
                Col("team", r.noun),
                Col("label", "Indicator"),
                Col("baseline_rate", "Baseline", "rate", n="baseline_denominator"),
                Col("latest_rate", "Latest", "rate", n="latest_denominator"),
                Col("change_pp", "Change", "num", n="n_min"),
                Col("change_low_pp", "from", "num", n="n_min"),
                Col("change_high_pp", "to", "num", n="n_min"),
                Col("signal", "Reading"),
            ],
            min_cell=r.min_cell,
            caption="Each team's own indicator: change since the baseline (percentage points, 95% interval)",
        )
    )
    return s


def constellation(r: Report) -> Section:
    """Is the network becoming a constellation? Network rate and spread over the years."""
    s = Section("constellation")
    c = r.model("variation__constellation")
    measure = r.params.focal_measure
    label = _measure_label(r, measure)
    if c is None:
        return s.add(unavailable("The constellation trend"))
    c = c.loc[(c["measure"] == measure) & (c["group"] == "focal")].sort_values("year")
    if c.empty:
        return s.add(unavailable(f"The constellation trend of {label.lower()}"))
    c = privacy.flag_small(c, min_cell=r.min_cell)
    s.add(
        _draw(
            "constellation",
            c,
            alt=f"Network rate and spread between {r.noun.lower()}s of {label}, by year",
            caption=f"{_E(label)}, focal students: the network rate and the middle half of "
            f"{r.noun.lower()}s' (shrunken) rates each year. A rising floor with a narrowing band is a "
            "constellation; a rising top alone is a few stars.",
            n_min=c["denominator"].min(),
        )
    )
    first, last = c.iloc[0], c.iloc[-1]
    s.add(
        _sentence(
            f"From {int(first.year)} to {int(last.year)} the network rate went from "
            f"{_pct(first.network_rate)} to {_pct(last.network_rate)}, and the middle half of "
            f"{r.noun.lower()}s went from spanning {_pct(first.iqr, 1)} to {_pct(last.iqr, 1)}.",
            min(first.denominator, last.denominator),
        )
    )
    return s


def caterpillar(r: Report) -> Section:
    """Shrunken unit estimates with intervals, latest year, focal measure."""
    s = Section("caterpillar")
    sh = r.model("variation__shrunken")
    measure = r.params.focal_measure
    label = _measure_label(r, measure)
    if sh is None:
        return s.add(unavailable("The caterpillar plot"))
    sh = sh.loc[(sh["measure"] == measure) & (sh["group"] == "focal")]
    if sh.empty:
        return s.add(unavailable(f"The caterpillar plot of {label.lower()}"))
    sh = sh.loc[sh["year"] == sh["year"].max()].copy()
    sh = privacy.flag_small(sh, min_cell=r.min_cell)
    sh["label"] = [r.label(u) for u in sh["unit_id"]]
    shown = privacy.visible(sh)
    s.add(
        _draw(
            "caterpillar",
            shown,
            tight=True,
            alt=f"Shrunken estimates of {label} by {r.noun.lower()} with intervals",
            caption=f"{_E(label)}, focal students, {int(sh['year'].max())}: each "
            f"{r.noun.lower()}'s estimate pulled toward the network in proportion to how little "
            "data it has, with 95% intervals.",
            n_min=shown["denominator"].min() if len(shown) else None,
            size=(6.4, max(3.0, 0.18 * len(shown) + 1)),
        )
    )
    return s


def bright_spots(r: Report) -> Section:
    """Units credibly better than the network, with their evidence."""
    s = Section("bright")
    b = r.model("variation__bright_spots")
    measure = r.params.focal_measure
    label = _measure_label(r, measure)
    if b is None:
        return s.add(unavailable("Bright spots"))
    spots = b.loc[(b["measure"] == measure) & (b["group"] == "focal")].copy()
    if spots.empty:
        return s.add(
            _sentence(
                f"No {r.noun.lower()} is a credible bright spot on {_E(label.lower())} for "
                f"{_who(r, 'focal')}: none sits above the network by more than chance, year "
                "after year."
            )
        )
    spots = privacy.flag_small(spots, min_cell=r.min_cell)
    spots["label"] = [r.label(u) for u in spots["unit_id"]]
    first, last = int(spots["first_year"].min()), int(spots["last_year"].max())
    s.add(
        _sentence(
            f"{len(spots)} {r.noun.lower()}(s) are credible bright spots on "
            f"{_E(label.lower())} for {_who(r, 'focal')}: pooling {first}–{last}, each one's "
            "estimate (pulled toward the network in proportion to how little data it has) is "
            "above the network rate with 95% confidence, and it was better in most single "
            "years too."
        )
    )
    s.add(
        table(
            spots.sort_values("estimate", ascending=False),
            [
                Col("label", r.noun),
                Col("denominator", "Students (pooled)", "n", n="denominator"),
                Col("rate", "Rate", "rate", n="denominator"),
                Col("estimate", "Estimate", "rate", n="denominator"),
                Col("low", "from", "rate", n="denominator"),
                Col("high", "to", "rate", n="denominator"),
                Col("network_rate", "Network", "rate"),
                Col("years", "Years better"),
            ],
            min_cell=r.min_cell,
            caption=f"Bright spots on {_E(label.lower())} and their evidence",
        )
    )
    return s


def practices_network(r: Report) -> Section:
    """Which practices track with gains: tables, forest plot, sentences and caveats."""
    s = Section("practices")
    within = r.model("practices__within")
    if within is None or within.empty:
        return s.add(unavailable("The practices analysis", "no practices table"))
    from netlab import practices as pr

    student = r.model("practices__student_level")
    models = [within] + ([student] if student is not None and len(student) else [])
    both = pd.concat(models, ignore_index=True)
    both["label"] = [pr.practice_label(p) for p in both["practice"]]
    s.add(
        _draw(
            "forest",
            both,
            tight=True,
            label="label",
            title="Practices and the focal measure",
            alt="Estimated association of each practice with the focal measure, with intervals",
            caption=f"Within-{r.noun.lower()} estimates ({r.noun.lower()} and year fixed effects, "
            f"errors clustered by {r.noun.lower()})"
            + (" beside the student-level sensitivity model" if len(models) > 1 else "")
            + ", percentage points with 95% intervals.",
            size=(6.4, max(2.8, 0.45 * within["practice"].nunique() + 1.2)),
        )
    )
    sentences = r.model("practices__sentences")
    if sentences is not None and "sentence" in sentences:
        s.add(
            '<div class="netlab-sentences">'
            + "".join(_sentence(_E(str(t))) for t in sentences["sentence"])
            + "</div>"
        )
    w = within.assign(label=[pr.practice_label(p) for p in within["practice"]])
    noun = r.noun.lower()
    s.add(_practice_table(r, w, f"Within {noun}s: each {noun} against itself over time"))
    for name, caption in (
        ("practices__student_level", "Student-level sensitivity model"),
        ("practices__gains", "Gains model"),
    ):
        extra = r.model(name)
        if extra is not None and len(extra):
            extra = extra.assign(label=[pr.practice_label(p) for p in extra["practice"]])
            s.add(_practice_table(r, extra, caption))
    s.add(
        _note(
            f"These estimates compare each {r.noun.lower()} with itself over time; a practice that "
            "tracks with gains may travel with other changes. Read them as leads to test "
            "(PDSA cycles, live cases), not as proof of cause. q-values adjust for testing "
            "several practices at once.",
            cls="netlab-caveat",
        )
    )
    return s


def live_cases(r: Report) -> Section:
    """Suggested host and visiting teams, with the reasons shown."""
    s = Section("livecase")
    pairs = r.model("livecase__pairs")
    if pairs is None or pairs.empty:
        return s.add(unavailable("Live-case pairs", "no credible bright spot to host"))
    from netlab import livecase

    pairs = pairs.copy()
    pairs["n_min"] = pairs[["host_denominator", "visitor_denominator"]].min(axis=1)
    pairs = privacy.visible(privacy.flag_small(pairs, n="n_min", min_cell=r.min_cell))
    if pairs.empty:
        return s.add(_suppressed_note(r, "Every suggested pair"))
    label = _measure_label(r, r.params.focal_measure)
    paras = livecase.paragraphs(
        pairs,
        unit_label=r.noun.lower(),
        measure_label=label,
        group_label=_group_label(r, "focal"),
        name_units=r.names_peers,
    )
    s.add(
        '<div class="netlab-sentences">'
        + "".join(_sentence(_E(str(t)), n) for t, n in zip(paras, pairs["n_min"], strict=True))
        + "</div>"
    )
    pairs["host_label"] = [r.label(u) for u in pairs["host"]]
    pairs["visitor_label"] = [r.label(u) for u in pairs["visitor"]]
    s.add(
        table(
            pairs,
            [
                Col("host_label", "Host"),
                Col("visitor_label", "Visitor"),
                Col("distance", "Context distance", "num"),
                Col("share_focal_diff_pp", "Focal share diff. (pp)", "num1"),
                Col("share_low_income_diff_pp", "Low-income diff. (pp)", "num1"),
                Col("gap_pp", "Gap (pp)", "num1", n="n_min"),
                Col("gap_low_pp", "from", "num1", n="n_min"),
                Col("gap_high_pp", "to", "num1", n="n_min"),
                Col("reasons", "Why this pair"),
            ],
            min_cell=r.min_cell,
            caption="Suggested live cases, with the reasons",
        )
    )
    return s


def _practice_table(r: Report, frame: pd.DataFrame, caption: str) -> str:
    cols = [
        Col("label", "Practice"),
        Col("estimate_pp", "Estimate (pp)", "num1"),
        Col("ci_low_pp", "from", "num1"),
        Col("ci_high_pp", "to", "num1"),
        Col("q_value", "q (adjusted)", "num"),
        Col("n_schools_ever", f"{r.noun}s with it", "count"),
        Col("n_switchers", "Changed", "count"),
        Col("evidence", "Evidence"),
    ]
    return table(
        frame, [c for c in cols if c.key in frame.columns], min_cell=r.min_cell, caption=caption
    )


# --------------------------------------------------------------------------------------
# Traction sections
# --------------------------------------------------------------------------------------


def _cohort_filter(r: Report, frame: pd.DataFrame) -> pd.DataFrame:
    if r.cohorts and "cohort" in frame.columns:
        return frame.loc[frame["cohort"].isin(r.cohorts)]
    return frame


def traction_stages(r: Report) -> Section:
    """Shares of teams at each stage, by cohort and year."""
    s = Section("stages")
    shares = r.model("traction__shares")
    if shares is None:
        return s.add(unavailable("Stages of traction", "no traction table"))
    shares = _cohort_filter(r, shares)
    s.add(
        _draw(
            "stage_shares",
            shares,
            tight=True,
            alt="Share of teams at each stage of traction by cohort and year",
            caption="Stages, from the rubric's four dimensions (Coburn 2003): no traction; "
            "initiation (ownership and depth); spread (initiation plus spread beyond the "
            "team); sustainability (all four).",
            size=(7.0, 3.8),
        )
    )
    net = r.model("traction__shares_network")
    if net is not None and len(net):
        wide = net.pivot_table(index="year", columns="stage", values="share", observed=True)
        teams = net.groupby("year")["total"].first()
        wide = wide.reset_index().assign(teams=lambda d: d["year"].map(teams))
        wide["year"] = wide["year"].astype(int)
        cols = [Col("year", "Year"), Col("teams", "Teams", "count")]
        cols += [Col(c, str(c).capitalize(), "rate") for c in wide.columns[1:-1]]
        s.add(table(wide, cols, min_cell=r.min_cell, caption="Share of teams at each stage"))
    return s


def traction_transitions(r: Report) -> Section:
    """Year-to-year transitions between stages, and time to reach each stage."""
    s = Section("transitions")
    tr = r.model("traction__transitions")
    if tr is None or tr.empty:
        return s.add(unavailable("Transitions between stages"))
    s.add(
        _draw(
            "transitions",
            tr,
            tight=True,
            alt="Transitions between stages from one year to the next",
            caption="Each row: the teams at a stage one year, and where they were the next.",
            size=(5.6, 4.0),
        )
    )
    moves = tr.groupby("change", as_index=False)["teams"].sum()
    total = moves["teams"].sum()
    if total:
        parts = ", ".join(
            f"{int(t)} {c}" for c, t in zip(moves["change"], moves["teams"], strict=True)
        )
        s.add(_sentence(f"Over all pairs of years, of {int(total)} team-years: {_E(parts)}."))
    reach = r.model("traction__reach_curve")
    if reach is not None and len(reach):
        s.add(
            table(
                reach,
                [
                    Col("stage", "Stage"),
                    Col("years", "Years since joining", "count"),
                    Col("at_risk", "Teams followed", "count"),
                    Col("reached", "Reached it", "count"),
                    Col("share_reached", "Share reached (cumulative)", "rate"),
                ],
                min_cell=r.min_cell,
                caption="How long teams take to reach each stage",
            )
        )
    return s


def traction_outcomes(r: Report) -> Section:
    """The focal measure's change for teams at each stage, with intervals and the caveat."""
    s = Section("outcomes")
    out = r.model("traction__stage_outcomes")
    if out is None or out.empty:
        return s.add(unavailable("Traction against outcomes"))
    label = _measure_label(r, r.params.focal_measure)
    out = out.copy()
    out["n_min"] = out[["students_baseline", "students_end"]].min(axis=1)
    out = privacy.flag_small(out, n="n_min", min_cell=r.min_cell)
    shown = privacy.visible(out)
    if shown.empty or not (out["teams"] > 0).any():
        return s.add(
            unavailable(
                "Traction against outcomes",
                "no stage has enough teams and students with outcomes to show",
            )
        )
    s.add(
        _draw(
            "stage_outcomes",
            shown,
            tight=True,
            label=label,
            alt=f"Change in {label} by stage of traction",
            caption=f"Change in {_E(label.lower())} for focal students from the baseline year, "
            "by each team's latest stage, percentage points with 95% intervals.",
            n_min=shown["n_min"].min() if len(shown) else None,
        )
    )
    s.add(
        table(
            out,
            [
                Col("stage", "Stage"),
                Col("teams", "Teams", "count"),
                Col("students_end", "Students (latest)", "n", n="students_end"),
                Col("mean_change_pp", "Mean change (pp)", "num1", n="n_min"),
                Col("ci_low_pp", "from", "num1", n="n_min"),
                Col("ci_high_pp", "to", "num1", n="n_min"),
            ],
            min_cell=r.min_cell,
            caption=f"{_E(label)}: change by stage",
        )
    )
    from netlab import traction as tr

    caveat = getattr(
        tr,
        "STAGE_OUTCOME_CAVEAT",
        "Teams at later stages may differ in other ways; this is association, not cause.",
    )
    s.add(_note(_E(caveat), cls="netlab-caveat"))
    return s


def traction_pdsa(r: Report) -> Section:
    """PDSA activity across teams, by term."""
    s = Section("pdsa")
    act = r.model("traction__pdsa_activity")
    if act is None or act.empty:
        return s.add(unavailable("PDSA activity", "no pdsa table"))
    counts = [c for c in ("cycles", "adopt", "adapt", "abandon", "pending") if c in act.columns]
    by_term = act.groupby("term", as_index=False)[counts].sum()
    teams = act.loc[act["cycles"] > 0].groupby("term")["school_id"].nunique()
    by_term["teams"] = by_term["term"].map(teams).fillna(0)
    cols = [Col("term", "Term"), Col("teams", "Teams testing", "count")]
    cols += [Col(c, c.capitalize(), "count") for c in counts]
    s.add(table(by_term, cols, min_cell=r.min_cell, caption="PDSA cycles by term, all teams"))
    return s


def traction_survey(r: Report) -> Section:
    """Network-survey trends before and after the spotlight date."""
    s = Section("survey")
    trends = r.model("traction__survey_trends")
    if trends is None or trends.empty:
        return s.add(unavailable("Network-survey trends", "no survey table"))
    date = r.params.traction.spotlight_date
    s.add(
        _draw(
            "survey_trends",
            trends,
            tight=True,
            date=date,
            alt="Network survey means by term with the spotlight date marked",
            caption="Mean agreement (1–5) with 95% intervals: feeling connected to other "
            "teams, having a voice, implementing ideas from others"
            + (f"; the line marks {date:%d %B %Y}." if date else "."),
            size=(7.0, 3.6),
        )
    )
    change = r.model("traction__survey_change")
    if change is not None and len(change):
        s.add(
            table(
                change,
                [
                    Col("item", "Item"),
                    Col("n_before", "Responses before", "count"),
                    Col("mean_before", "Mean before", "num"),
                    Col("n_after", "Responses after", "count"),
                    Col("mean_after", "Mean after", "num"),
                    Col("difference", "Difference", "num"),
                    Col("ci_low", "from", "num"),
                    Col("ci_high", "to", "num"),
                ],
                min_cell=r.min_cell,
                caption="Before and after the date (staff responses)",
            )
        )
    return s


def _nonempty(items: Iterable[Any]) -> list[Any]:
    return [i for i in items if i is not None]
