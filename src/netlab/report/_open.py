"""Opening a report: the prepared run, the context a notebook works from, the page header.

:func:`open_report` (a unit's or the network's report), :func:`open_brief` (a live-case
brief) and :func:`from_prepared` build the :class:`~netlab.report.Report` every section
takes; :func:`load_run` and :func:`preload` read a prepared run once per process;
:func:`header` starts each page and carries its metadata (:data:`META_MIME`).

The notebooks hold no logic: a notebook opens a run with :func:`open_report` and displays
one section per cell (``report.funnel_position(r)``). Every section applies the privacy
rules (:mod:`netlab.privacy`) before anything is shown: small cells are suppressed and
noted, peers are unnamed in a school's report unless the run allows it, and no student
row is ever shown. A section whose analysis is not in the prepared run says so plainly
("not available in this run") instead of drawing anything.

HTML conventions (checked by :func:`netlab.privacy.scan_html`): tables carry
``data-n`` (the fewest students a row's values rest on) on each row; a suppressed value
is shown as ``*``; figures and sentences carry ``data-n-min``.

The sections live in sibling modules, re-exported by :mod:`netlab.report` so that
``report.X`` is the one name the notebooks use: HTML building blocks in ``_html``, sections
shared by unit and network reports in ``_shared``, the school, network and traction
sections in ``_school``, ``_network`` and ``_traction``, the network report's live cases in
``_livecase`` and a pairing's brief in ``_briefs``; their sentences come from
:mod:`netlab.words`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from html import escape as _html_escape
from typing import TYPE_CHECKING, Any

import numpy as np

from netlab import privacy, reasons
from netlab._version import __version__
from netlab.checks import check_argument
from netlab.exceptions import InputError
from netlab.names import display_name
from netlab.report._aim import _aim_status as _aim_status
from netlab.report._context import Report
from netlab.report._html import Col as Col
from netlab.report._html import Section as Section
from netlab.report._html import _measure_label as _measure_label
from netlab.report._html import _phrase, _who
from netlab.report._html import table as table
from netlab.report._html import unavailable as unavailable
from netlab.report._shared import yearly as yearly

if TYPE_CHECKING:
    from netlab.pipeline import Prepared

META_MIME = "application/vnd.netlab.report+json"


# --------------------------------------------------------------------------------------
# The report context
# --------------------------------------------------------------------------------------


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


def load_run(run: str) -> Prepared:
    """The prepared run, from the in-memory copy :func:`preload` made if still current.

    Parameters
    ----------
    run : str
        The run's name.

    Returns
    -------
    Prepared
        The run as :func:`netlab.load` reads it; the copy already in memory when its
        processed files have not changed since.
    """
    from netlab.pipeline import load

    hit = _RUNS.get(_run_stamp(run))
    return hit if hit is not None else load(run)


def preload(run: str) -> None:
    """Load a prepared run once so that forked report processes start with it in memory.

    Used by warm render servers: every report of a run reads the same prepared tables, so
    they are read once per server rather than once per report. A copy is used only while
    the run's files on disk are unchanged.

    Parameters
    ----------
    run : str
        The run's name.
    """
    from netlab.pipeline import load

    stamp = _run_stamp(run)
    if stamp not in _RUNS:
        _RUNS.clear()
        _RUNS[stamp] = load(run)


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
        The context every section of the report reads: the prepared run, whose report it is,
        and how units are named in it.

    Raises
    ------
    InputError
        When the unit is not in the run, or the run holds no figures for it.
    """
    return from_prepared(load_run(run), unit_id, kind=kind, cohorts=cohorts)


def from_prepared(
    prepared: Prepared, unit_id: str | None = None, *, kind: str | None = None, cohorts: Any = None
) -> Report:
    """A :class:`Report` over an already prepared run (see :func:`open_report`).

    Parameters
    ----------
    prepared : Prepared
        The prepared run (from :func:`netlab.prepare` or :func:`netlab.load`).
    unit_id : str or None, optional
        The unit whose report it is; the network's report when None.
    kind : str or None, optional
        The report's kind (``"school"``, ``"network"``, ``"traction"``, ``"brief"``); from ``unit_id`` when None.
    cohorts : Any, optional
        The graduating classes to show; the run's when None.

    Returns
    -------
    Report
        The context every section of the report reads, over ``prepared`` as given (nothing
        is read from disk).
    """
    params = prepared.params
    kind = kind or (params.unit if unit_id is not None else "network")
    check_argument("kind", ["network", "traction", "school", "district", "livecase"], kind)
    units = prepared.units
    ids = units["unit_id"].astype(str).tolist()
    raw = units.get("unit_name", units["unit_id"]).astype(str)
    names = dict(zip(ids, [display_name(n) for n in raw], strict=True))
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
    report = Report(prepared=prepared, kind=kind, unit_id=unit_id, names=names)
    report.labels = privacy.peer_labels(
        ids,
        names=names,
        focal=unit_id,
        name_peers=report.names_peers,
        noun=report.noun,
        seed=int(params.seed),
    )
    chosen = _cohort_list(cohorts)
    if chosen:
        report.cohorts = chosen
    return report


def _cohort_list(cohorts: Any) -> list[int]:
    """The cohorts asked for, as years: from a list, one year, or text ("2019, 2020").

    Papermill hands ``-p cohorts 2019`` over as a number and ``-p cohorts "2019,2020"``
    as text; an empty value (None, [], "") asks for all cohorts.
    """
    if cohorts is None:
        return []
    if isinstance(cohorts, str):
        parts = [c for c in re.split(r"[\s,\[\]]+", cohorts) if c]
    elif np.isscalar(cohorts):
        parts = [cohorts]
    else:
        parts = list(cohorts)
    try:
        return [int(c) for c in parts]
    except (TypeError, ValueError):
        raise InputError(
            f"cohorts {cohorts!r} are not years.",
            hint='Give the years teams joined, e.g. [2019, 2020] or "2019,2020".',
        ) from None


def open_brief(run: str, host: str = "", visitor: str = "") -> Report:
    """Load a prepared run for the live-case brief of one pairing.

    Parameters
    ----------
    run : str
        The prepared run's name.
    host, visitor : str
        The pairing's unit ids; "" for the run's first suggested pairing.

    Returns
    -------
    Report
        Of kind "livecase": the host is ``unit_id``, the visitor ``partner``; both are
        named, every other unit is shown by letter.

    Raises
    ------
    InputError
        When the run suggests no such pairing.
    """
    prepared = load_run(run)
    r = from_prepared(prepared, None, kind="network")
    from netlab.report._glance import shown_pairs

    pairs = shown_pairs(r)
    if not host and len(pairs):
        host, visitor = str(pairs["host"].iloc[0]), str(pairs["visitor"].iloc[0])
    hit = pairs.loc[(pairs["host"] == str(host)) & (pairs["visitor"] == str(visitor))]
    if hit.empty:
        raise InputError(
            f"Run {prepared.run!r} suggests no live case with host {host!r} and visitor "
            f"{visitor!r}.",
            table="livecase__pairs",
            hint="Pick a pairing from the network report's live-case table.",
        )
    brief = from_prepared(prepared, str(host), kind="livecase")
    brief.partner = str(visitor)
    brief.labels[str(visitor)] = brief.names[str(visitor)]
    return brief


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

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    dict
        The header's facts (run, unit, date, version, provenance).
    """
    p = r.params
    titles = {
        "network": f"Network report: {p.network}",
        "traction": f"Traction report: {p.network}",
        "livecase": f"Live case: {r.unit_name} and {r.label(r.partner)}",
    }
    title = titles.get(r.kind, f"{r.noun} report: {r.unit_name}")
    unnamed = (
        ""
        if r.names_peers
        else f" {r.noun}s are shown by letter: the network has not agreed to name its "
        "members to each other."
    )
    subtitle = {
        "network": f"{len(r.labels)} {r.noun.lower()}s; focal students: {_who(r, 'focal')}. "
        f"For the network's teams and the hub.{unnamed}",
        "traction": "Is the improvement work taking hold across teams and cohorts?",
        "livecase": f"{r.unit_name} hosts a visit from {r.label(r.partner)}: a one-page brief "
        f"for the two teams, naming no other {r.noun.lower()}.",
    }.get(
        r.kind,
        f"Leading with {_phrase(r, r.measure)} for {_who(r, 'focal')}. For the "
        f"{r.noun.lower()}'s team.",
    )
    meta = {
        "kind": r.kind,
        "title": title,
        "subtitle": subtitle,
        "network": p.network,
        "term": p.term,
        "unit": p.unit,
        "min_cell": r.min_cell,
        "band_below": r.band_below,
        "as_of": reasons.said_date(r.as_of) if r.as_of else None,
        "legend": [[why.value, _legend_line(why, r)] for why in reasons.Reason],
        "input_hash": r.prepared.input_hash,
        "netlab_version": __version__,
        "prepared": r.prepared.created,
        "rendered": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "params": _shown_params(r),
    }

    return _Meta(meta)


def _legend_line(why: reasons.Reason, r: Report) -> str:
    return reasons.legend(why, min_cell=r.min_cell, band_below=r.band_below)


class _Meta(dict):
    """The header's facts; shown as a title block by any notebook front end.

    netlab's own template reads the facts from the ``META_MIME`` output; a stock
    template (plain ``jupyter nbconvert``, JupyterLab) shows the HTML or text title block.
    """

    def _title_text(self) -> str:
        return f"{self['title']} ({self['term']})" if self.get("term") else str(self["title"])

    def _title_html(self) -> str:
        esc = _html_escape
        kicker = esc(str(self.get("network") or ""))
        if self.get("term"):
            kicker += f" &middot; {esc(str(self['term']))}"
        sub = f"<p>{esc(str(self['subtitle']))}</p>" if self.get("subtitle") else ""
        return (
            f'<header class="netlab-title-block"><p><small>{kicker}</small></p>'
            f"<h1>{esc(str(self['title']))}</h1>{sub}</header>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            META_MIME: dict(self),
            "text/html": self._title_html(),
            "text/plain": self._title_text(),
        }

    def _repr_pretty_(self, printer, cycle):
        printer.text(self._title_text())


def _nonempty(items: Iterable[Any]) -> list[Any]:
    return [i for i in items if i is not None]
