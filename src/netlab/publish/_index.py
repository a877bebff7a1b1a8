"""The index page of a run: the network at a glance, for the hub.

One row per school (or district): its focal rate, change since the baseline, the gap for
the focal group, its place in the funnel, bright spot, traction stage, live cases and links
to its report, workbook and PDF. A few lines of inline script sort and filter the table (no
file is fetched); printed, the page shows the whole table. Units are named only when the
index is the hub staff's own page, so it always names the units (whether the reports
shared with the network name them is the network's choice, ``name_peers``). Names sort as
a reader expects (School B before School AA, S2 before S10), by any column. Every figure
follows the suppression of the sections that show it in full.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netlab import paths, privacy, reasons
from netlab.names import natural_key
from netlab.publish._files import atomic_write
from netlab.publish._index_page import page as _page
from netlab.publish._registry import OUTPUTS
from netlab.publish._unsent import UNSENT, is_sent, why_unsent

if TYPE_CHECKING:
    from netlab.params import RunParams

__all__ = ["index_page", "write_index"]

_E = html.escape


def _links(rel: str, out: Any, label: str = "report") -> str:

    parts = [f'<a href="{_E(rel)}">{_E(label)}</a>']
    for suffix, name in ((o.suffix, _E(o.link)) for o in OUTPUTS.values()):
        if (out / paths.beside(rel, suffix)).exists():
            parts.append(f'<a href="{_E(paths.beside(rel, suffix))}">{name}</a>')
    return " ".join(parts)


def _num(value: Any, text: str) -> tuple[str, str]:
    """(data-sort, shown text) of a value that may be missing."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or pd.isna(value):
        return "", "—"
    return f"{float(value):.6g}", text


def _glance(params: RunParams) -> tuple[Any, pd.DataFrame] | None:
    """The network report's view of the prepared run and its at-a-glance frame."""
    from netlab.pipeline import load
    from netlab.report import from_prepared, unit_glance

    try:
        prepared = load(params.run)
        r = from_prepared(prepared, None, kind="network")
        return r, unit_glance(r)
    except Exception:  # the index must still list the reports
        return None


def index_page(result: Any, params: RunParams) -> str:
    """The HTML of a run's ``index.html`` (see the module's description).

    Parameters
    ----------
    result : Any
        The build's result (:class:`netlab.batch.BuildResult`).
    params : RunParams
        The run's parameters.

    Returns
    -------
    str
        The page's HTML.
    """
    out = result.out_dir
    found = _glance(params)
    body: list[str] = []
    as_of = None
    if found is not None:
        table = _Table.of(found, result, params)
        as_of = table.r.as_of
        body += table.section()
    network = [t for t in result.reports if t.kind in ("network", "traction")]
    if network:
        items = "".join(
            f"<li>{_links(t.html, out, t.title) if is_sent(t) else _E(f'{t.title}: {_unsent(t)}')}</li>"
            for t in network
        )
        body.insert(0, f'<ul class="netlab-network-links">{items}</ul>')
    body.append(_log(result, params, table.labels if found is not None else None))
    return _page(result, params, body, as_of)


@dataclass(frozen=True)
class _Table:
    """The index's table of every unit: the network's view of the run and its glance frame."""

    r: Any
    g: pd.DataFrame
    params: Any
    by_id: dict
    out: Any
    labels: dict
    year: int | None
    noun: str
    has_gap: bool
    has_stage: bool
    has_live: bool
    since: pd.DataFrame | None
    outside: bool  # some unit sits outside the funnel's limits (else no funnel column)
    has_change: bool  # some unit shows a change since the baseline (else no change column)
    has_bright: bool  # some unit is a bright spot (else no bright-spot column or filter)

    @classmethod
    def of(cls, found: tuple[Any, pd.DataFrame], result: Any, params: RunParams) -> _Table:
        from netlab.report import since_frame

        by_id = {r.id: r for r in result.reports}
        noun = "district" if params.unit == "district" else "school"
        r, g = found
        ids = g["unit_id"].tolist()
        labels = {u: r.names.get(str(u), str(u)) for u in ids}  # the hub's page names all
        year = int(g["year"].dropna().iloc[0]) if g["year"].notna().any() else None
        has_gap = bool(g["gap_pp"].notna().any())
        has_stage = bool(g["stage"].notna().any())
        has_live = bool(g["hosts"].map(len).sum())
        since = since_frame(r.prepared)
        since = since.set_index(since["unit_id"].astype(str)) if len(since) else None
        outside = bool(g["funnel"].isin(["above", "below"]).any())
        has_change = year != params.aim.baseline_year and bool(
            (g["change_pp"].notna() & g["focal_rate"].notna()).any()
        )
        has_bright = bool(g["bright_spot"].fillna(False).astype(bool).any())
        return cls(
            r, g, params, by_id, result.out_dir, labels, year, noun, has_gap, has_stage,
            has_live, since, outside, has_change, has_bright,
        )  # fmt: skip

    def section(self) -> list[str]:
        """The words above the table, its legend and filter, and the table itself."""
        from netlab.report import group_who as _who
        from netlab.report import measure_phrase as _phrase

        r, params, noun, year = self.r, self.params, self.noun, self.year
        body = []
        who = _who(r, "focal")
        naming = (
            f"The network has agreed to name its {noun}s to each other, so the reports "
            "name them too."
            if params.name_peers
            else f"This page names every {noun} for the hub; the reports shared with the "
            f"network do not (each {noun}'s report names only itself and shows others by "
            "letter), because the network has not agreed to name its members "
            "(<code>name_peers</code> in the run's parameters)."
        )
        body.append(
            f'<p class="netlab-for">For the hub\'s staff: how each {noun} is doing on '
            f"{_E(_phrase(r, params.focal_measure))} for {_E(who)}"
            + (f" in {year}" if year else "")
            + f", with links to every report. {naming}</p>"
        )
        body += [f'<p class="netlab-note">{n}</p>' for n in self.notes()]
        body.append(_legend(params))
        only = (
            '<label><input type="checkbox" id="netlab-bright-only"> bright spots only</label>'
            if self.has_bright
            else ""
        )
        body.append(
            '<div class="netlab-filter"><label>Filter <input type="search" id="netlab-filter" '
            f'placeholder="a name, a stage, above …"></label>{only}'
            '<span id="netlab-shown"></span></div>'
        )
        body.append(
            f'<table class="netlab-table netlab-glance-table" data-min-cell="{params.min_cell}">'
            f"<caption>The network at a glance: {_E(who)}</caption>"
            f"<thead><tr>{self.head()}</tr></thead><tbody>{''.join(self.rows())}</tbody></table>"
        )
        return body

    def head(self) -> str:
        """The table's header: one sorting button per column."""
        from netlab.report import measure_label as _measure_label

        r, params, noun, year = self.r, self.params, self.noun, self.year
        has_gap, has_stage, has_live, since = (
            self.has_gap,
            self.has_stage,
            self.has_live,
            self.since,
        )
        base = params.aim.baseline_year
        measure = _measure_label(r, params.focal_measure, short=True)
        cols = [(noun.capitalize(), "text"), (f"{measure}, {year}" if year else measure, "num")]
        if self.has_change:
            cols.append((f"Change since {base} (points)", "num"))
        if has_gap:
            cols.append(("Gap, focal minus others (points)", "num"))
        if self.outside:
            cols.append(("Outside the funnel limits", "text"))
        if self.has_bright:
            cols.append(("Bright spot", "text"))
        if has_stage:
            cols.append(("Traction stage", "text"))
        if has_live:
            cols.append(("Live cases", "text"))
        if since is not None:
            cols.append((f"Since last term ({since['previous_term'].iloc[0]})", "text"))
        cols.append(("Report", "text"))
        head = "".join(
            f'<th class="{"netlab-num" if kind == "num" else ""}" scope="col">'
            f'<button type="button">{_E(name)}</button></th>'
            for name, kind in cols
        )
        return head

    def rows(self) -> list[str]:
        """One row per unit, in a reader's order of their names."""
        from netlab.words import since_cell

        g, params, labels, since, by_id, out = (
            self.g, self.params, self.labels, self.since, self.by_id, self.out,
        )  # fmt: skip
        # names in a reader's order; the rank sorts the column the same way in the page
        order = sorted(g["unit_id"], key=lambda u: (natural_key(labels[u]), str(u)))
        rank = {u: i for i, u in enumerate(order)}
        g = g.assign(_key=g["unit_id"].map(rank)).sort_values("_key").drop(columns="_key")
        rows = []
        for row in g.itertuples(index=False):
            task = by_id.get(f"{params.unit}:{row.unit_id}")
            shown = pd.notna(row.focal_rate)
            why = None if shown else _why(row.focal_n, params.min_cell)
            cells = [
                f'<td class="netlab-name" data-sort="{rank[row.unit_id]}">'
                f"{_E(labels[row.unit_id])}</td>"
            ]
            cells += self.figures(row, shown, why)
            if self.outside:
                cells.append(_funnel_cell(row.funnel))
            if self.has_bright:
                cells.append(f"<td>{'bright spot' if row.bright_spot else ''}</td>")
            if self.has_stage:
                cells.append(f"<td>{_E(str(row.stage)) if pd.notna(row.stage) else '—'}</td>")
            if self.has_live:
                cells.append(f'<td class="netlab-live">{self.live(row)}</td>')
            if since is not None:
                moved = (
                    since_cell(since.loc[str(row.unit_id)].to_dict(), params.min_cell)
                    if str(row.unit_id) in since.index
                    else "new this term"
                )
                cells.append(f'<td class="netlab-since">{_E(moved)}</td>')
            link = _links_or_why(task, out)
            cells.append(f'<td class="netlab-links">{link}</td>')
            attrs = f' data-n="{int(row.focal_n)}"' if shown else ' data-suppressed="true"'
            attrs += f' data-bright="{"yes" if row.bright_spot else "no"}"'
            rows.append(f"<tr{attrs}>{''.join(cells)}</tr>")
        return rows

    def figures(self, row: Any, shown: bool, why: reasons.Reason | None) -> list[str]:
        """A row's figures: the focal rate, its change since the baseline, the equity gap."""
        params = self.params
        cells = []
        sort, text = _num(row.focal_rate, f"{100 * (row.focal_rate or 0):.0f}%")
        if shown:
            text = reasons.band(row.focal_rate, row.focal_n, below=params.band_limit) or text
        cells.append(_value(sort, text, shown, why, params.min_cell))
        if self.has_change:
            change = row.change_pp if shown else np.nan
            sort, text = _num(change, f"{change:+.1f}" if pd.notna(change) else "")
            cells.append(_value(sort, text, shown, why, params.min_cell))
        if self.has_gap:
            gap = row.gap_pp if shown else np.nan
            text = (
                f"{gap:+.1f} ({row.gap_low_pp:+.1f} to {row.gap_high_pp:+.1f})"
                if pd.notna(gap)
                else ""
            )
            sort, text = _num(gap, text)
            cells.append(_value(sort, text, shown, why, params.min_cell))
        return cells

    def live(self, row: Any) -> str:
        """The live cases a unit hosts and visits, each linked to its brief when sent out.

        A brief that failed or was held back is named without a link, with why it was not
        published (as a unit's own report is).
        """
        labels = self.labels
        live = []
        for verb, others, pair in (
            ("hosts", row.hosts, lambda o, u=row.unit_id: (u, o)),
            ("visits", row.visits, lambda o, u=row.unit_id: (o, u)),
        ):
            if others:
                links = ", ".join(self.brief(*pair(o), labels[o]) for o in others)
                live.append(f"{verb} {links}")
        return "; ".join(live)

    def brief(self, host: Any, visitor: Any, label: str) -> str:
        """A live case's partner, linked to the pairing's brief only when it was sent out."""
        task = self.by_id.get(f"livecase:{host}:{visitor}")
        if task is None or not is_sent(task):
            return _E(f"{label} (brief {_unsent(task)})")
        return f'<a href="{_E(task.html)}">{_E(label)}</a>'

    def notes(self) -> list[str]:
        """The notes under the words: a column left out and why; the funnel and bright spots."""
        from netlab.variation import BRIGHT_SPOT_YEARS
        from netlab.words import bright_rule_words, funnel_outside_words

        params, noun, has_gap = self.params, self.noun, self.has_gap
        notes = []
        if not has_gap:
            notes.append(
                "Equity gaps need student records with groups; this run has none, so the "
                "gap column is left out."
            )
        if not self.has_change:
            notes.append(_no_change_words(self.year, params.aim.baseline_year, noun))
        notes.append(
            funnel_outside_words(self.g["funnel"], noun)
            + (
                ""
                if self.has_bright
                else f" No {noun} is a bright spot, so the column is left out."
            )
            + " A bright spot is, "
            + bright_rule_words(
                noun,
                share=params.bright_spots.share,
                probability=params.bright_spots.probability,
                years=BRIGHT_SPOT_YEARS,
                brief=True,
            )
            + "."
        )
        return notes


def _unsent(task: Any) -> str:
    """Why a report is not linked (a report the build did not make, as one that failed)."""
    return why_unsent(getattr(task, "status", None))


def _links_or_why(task: Any, out: Any, label: str = "report") -> str:
    """A report's links when it was sent out; else why it was not published."""
    return _links(task.html, out, label) if is_sent(task) else _E(_unsent(task))


def _legend(params: RunParams) -> str:
    """The marks of the index's table, one legend line each (as on every report)."""
    shown = (reasons.Reason.SMALL, reasons.Reason.COMPLEMENTARY, reasons.Reason.NOT_IN_DATA,
             reasons.Reason.NOT_APPLICABLE, reasons.Reason.BANDED)  # fmt: skip
    items = "".join(
        f"<li>{_E(reasons.legend(w, min_cell=params.min_cell, band_below=params.band_limit))}</li>"
        for w in shown
    )
    return (
        '<div class="netlab-note netlab-legend"><p>A figure not shown says why:</p>'
        f"<ul>{items}</ul></div>"
    )


def _no_change_words(year: int | None, base: int, noun: str) -> str:
    """Why the index has no column of change since the aim's baseline year."""
    if year == base:
        return (
            f"The latest class with final figures, {year}, is the aim's baseline year, so "
            f"the change since the baseline starts with the class of {year + 1}: the column "
            "is left out."
        )
    return (
        f"No {noun} has a figure shown both for {base}, the aim's baseline year, and for {year}"
        if year
        else f"No {noun} has a figure shown"
    ) + ", so the column of change since the baseline is left out."


def _funnel_cell(place: Any) -> str:
    """A unit outside the funnel's limits says which side; within them, the cell is blank
    (no place, for a hidden figure: a dash)."""
    if place in ("above", "below"):
        return f'<td class="netlab-{place}">{place} the limits</td>'
    return '<td class="netlab-within"></td>' if place == "within" else "<td>—</td>"


def _why(n: Any, min_cell: int) -> reasons.Reason:
    """Why a unit's figure is not on the index (its row carries no rate)."""
    if n is None or pd.isna(n):
        return reasons.Reason.NOT_IN_DATA
    if privacy.too_small(n, min_cell):
        return reasons.Reason.SMALL
    return reasons.Reason.COMPLEMENTARY


def _value(
    sort: str,
    text: str,
    shown: bool,
    why: reasons.Reason | None = None,
    min_cell: int = 10,
) -> str:
    if not shown:
        why = why or reasons.Reason.SMALL
        return (
            f'<td class="netlab-value netlab-suppressed netlab-why-{why.value}" '
            f'data-why="{why.value}">{_E(reasons.mark(why, min_cell=min_cell))}</td>'
        )
    return f'<td class="netlab-value netlab-num" data-sort="{sort}">{_E(text)}</td>'


def _log(result: Any, params: RunParams, labels: dict[str, str] | None) -> str:
    """Every report of the build, its status and time (folded), with the build's notes."""
    rows = []
    for r in result.reports:
        status = {"ok": "rendered", "skipped": "unchanged", **UNSENT}.get(r.status, r.status)
        title = r.title
        if labels is not None and not params.name_peers and r.kind in ("school", "district"):
            title = f"{r.kind.capitalize()} report: {labels.get(r.id.split(':', 1)[1], r.id)}"
        elif labels is not None and not params.name_peers and r.kind == "livecase":
            _, host, visitor = r.id.split(":", 2)
            title = (
                f"Live-case brief: {labels.get(host, host)} hosts {labels.get(visitor, visitor)}"
            )
        # the workbook and the PDF beside each report, briefs' included
        link = _E(title) if r.status in UNSENT else _links(r.html, result.out_dir, title)
        rows.append(
            f'<tr><td>{link}</td><td class="netlab-status-{_E(r.status)}">{_E(status)}</td>'
            f'<td class="netlab-num">{r.seconds:.1f} s</td><td>{_E(r.error or "")}</td></tr>'
        )
    notes = "".join(f'<p class="netlab-note">{_E(n)}</p>' for n in result.notes)
    return (
        f'{notes}<details class="netlab-fold netlab-log"><summary>Every report of this build '
        f'({len(result.reports)})</summary><table class="netlab-table netlab-index"><thead><tr>'
        '<th>Report</th><th>Status</th><th class="netlab-num">Time</th><th>Note</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table></details>"
    )


def write_index(result: Any, params: RunParams) -> Path:
    """Write ``reports/<run>/index.html``: the network at a glance, and every report.

    Parameters
    ----------
    result : BuildResult
        The build's result (:class:`netlab.batch.BuildResult`).
    params : RunParams
        The run's parameters.

    Returns
    -------
    Path
        The index page written.
    """
    return atomic_write(result.out_dir / "index.html", index_page(result, params))
