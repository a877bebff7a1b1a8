"""The one-page brief of a live case, for the two teams of one pairing: who visits whom and
why, both units side by side, the host's practices the visitor lacks, and recent PDSA work
(the protocol's prompts are in ``_brief_protocol``; the network report's table of every
pairing, in ``_livecase``).

A brief names the host and the visitor, and no other unit: it is written for those two
teams. The pairs come from :func:`netlab.livecase.match`; this module only shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netlab import paths, plots, privacy
from netlab.names import display_name
from netlab.report._glance import _stages, shown_pairs
from netlab.report._html import (
    _E,
    Col,
    Section,
    _capital,
    _draw,
    _measure_label,
    _note,
    _pct,
    _sentence,
    _suppressed_note,
    _who,
    no_table,
    table,
    unavailable,
)
from netlab.report._lookup import lookup
from netlab.report._quality import pair_seniors, record_sizes
from netlab.report._shared import yearly

if TYPE_CHECKING:
    from netlab.report._context import Report

__all__ = [
    "brief_pairing",
    "brief_pdsa",
    "brief_practices",
    "brief_rel",
    "brief_side_by_side",
]

#: What each level of the practice inventory means (0 = not in place ... 3 = fully).
LEVELS = {0: "not in place", 1: "beginning", 2: "partly in place", 3: "fully in place"}


def brief_rel(host: Any, visitor: Any) -> str:
    """Where a pairing's brief sits in a run's reports folder (relative path).

    Parameters
    ----------
    host, visitor : str
        The unit ids of the pairing: the unit that hosts the visit, and the one that visits.

    Returns
    -------
    str
        ``livecases/<host>--<visitor>.html``, each id made safe for a file name
        (:func:`netlab.paths.slug`): where the build writes the brief, and what the network
        report's table links to.
    """

    return f"livecases/{paths.slug(host)}--{paths.slug(visitor)}.html"


def _focal_share(r: Report) -> tuple[str, str, str]:
    """How the schools file's share of focal students is named (for "why alike", in a
    sentence, as a row). When the run's focal group is every student, that share is the
    schools file's own focal groups, not the run's."""
    if _who(r, "focal") == "all students":
        # every student is focal: the schools file's own focal share is not said in words
        return "focal-group share", "", "Share in focal groups (schools file)"
    return "focal students", "in the focal group", "Share of focal students"


# The brief for one pairing
# --------------------------------------------------------------------------------------


def _pair(r: Report) -> Any:
    pairs = shown_pairs(r)
    hit = pairs.loc[(pairs["host"] == str(r.unit_id)) & (pairs["visitor"] == str(r.partner))]
    return next(hit.itertuples(index=False)) if len(hit) else None


def brief_pairing(r: Report) -> Section:
    """Who visits whom, why they are alike, and the gap, in a short paragraph.

    Parameters
    ----------
    r : netlab.report.Report
        A live-case brief: ``r.unit_id`` is the host, ``r.partner`` the visitor.

    Returns
    -------
    Section
        The brief's opening paragraph: the two units by name, how alike their contexts
        are, both rates on the focal measure and the gap with its 95% interval (as far as
        the data hold them), the visitor's learning stance, and a reminder that the pairing
        is a suggestion; only a note when the pair is not shown (too few students).
    """
    from netlab import livecase

    s = Section("pairing")
    row = _pair(r)
    if row is None:
        return s.add(_suppressed_note(r, "This pairing"))
    text = livecase.paragraphs(
        record_sizes(r, pd.DataFrame([row._asdict()])),
        unit_label=r.noun.lower(),
        measure_label=_measure_label(r, r.params.focal_measure, short=True),
        group_label=_who(r, "focal"),
        name_units=True,
        focal_phrase=_focal_share(r)[1],
    )[0]
    s.add(
        _sentence(
            _E(text) + " The pairing is a suggestion from the data for people to weigh; the "
            "gap tracks with many things, not with any one practice.",
            row.n_min,
            cls="netlab-sentence netlab-lede",
        )
    )
    return s


def _context_rows(r: Report) -> pd.DataFrame:
    units = r.prepared.units.assign(unit_id=r.prepared.units["unit_id"].astype(str))
    units = units.set_index("unit_id")
    pair = [str(r.unit_id), str(r.partner)]
    stages = _stages(r)
    rows = []
    for label, col, fmt in (
        ("District", "district", "text"),
        ("Seniors", "size", "count"),
        (_focal_share(r)[2], "share_focal", "rate"),
        ("Share from low-income families", "share_low_income", "rate"),
        ("Team joined the network", "cohort", "year"),
    ):
        if col not in units.columns or (col == "district" and r.params.unit == "district"):
            continue  # a district's own name is the column heading already
        values = [units[col].get(u) for u in pair]
        if col == "size":  # the count the school's own report shows: one school, one number
            label, values = pair_seniors(r, pair, values)
        if all(v is None or pd.isna(v) for v in values):
            continue
        rows.append({"what": label, **{f"u{i}": _show(v, fmt) for i, v in enumerate(values)}})
    if stages:
        rows.append(
            {"what": "Traction stage (latest)", "u0": stages.get(pair[0], "—"),
             "u1": stages.get(pair[1], "—")}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=["what", "u0", "u1"])


def _show(value: Any, fmt: str) -> str:
    if isinstance(value, str) and fmt == "count":  # said in words already
        return value
    if value is None or pd.isna(value):
        return "not in the data"
    if fmt == "rate":
        return _pct(float(value))
    if fmt == "count":
        return f"{float(value):,.0f}"
    if fmt == "year":
        return str(int(value))
    return display_name(value)


def _side_rates(
    per: dict[str, pd.DataFrame], net: pd.DataFrame, years: list, pair: tuple[str, str]
) -> pd.DataFrame:
    """Year, each unit's rate and students, and the network's rate."""
    rows = []
    for y in years:
        row: dict[str, Any] = {"year": int(y)}
        for i, u in enumerate(pair):
            hit = per[u].loc[per[u]["year"] == y]
            row[f"r{i}"] = hit["rate"].iloc[0] if len(hit) else np.nan
            row[f"n{i}"] = hit["denominator"].iloc[0] if len(hit) else 0
        nh = net.loc[net["year"] == y]
        row["network"] = nh["rate"].iloc[0] if len(nh) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _side_chart(
    per: dict[str, pd.DataFrame], net: pd.DataFrame, years: list, names: list[str], short: str
) -> str:
    """Both units' rates by year beside the network's ("" when nothing can be drawn)."""
    drawn = [privacy.visible(per[u]).assign(who=n) for u, n in zip(per, names, strict=True)]
    drawn.append(net.assign(who="Network"))
    both = pd.concat(drawn, ignore_index=True)
    both = both.loc[both["year"].isin(years) & both["rate"].notna()]
    n_min = both.loc[both["who"] != "Network", "denominator"].min()
    if not (len(both) and pd.notna(n_min)):
        return ""
    return _draw(
        plots.trend_with_target,
        both,
        None,
        series="who",
        focal=names[0],
        title=short,
        alt=f"{short} at {names[0]} and {names[1]}, by year, with the network",
        n_min=n_min,
        tight=True,
        size=(5.2, 2.1),
    )


def brief_side_by_side(r: Report) -> Section:
    """Both units' context and results on the focal measure, side by side.

    Parameters
    ----------
    r : netlab.report.Report
        A live-case brief: ``r.unit_id`` is the host, ``r.partner`` the visitor.

    Returns
    -------
    Section
        A table of the two units' context where the schools file has it (district, seniors,
        focal share, low-income share, the year the team joined, traction stage); a table of
        both units' rates on the focal measure for the focal group over the latest four
        years, beside the network's; and a chart of the same, when there is a point to draw.
    """
    s = Section("side")
    host, visitor = str(r.unit_id), str(r.partner)
    names = [r.unit_name, r.label(visitor)]
    ctx = _context_rows(r)
    side: list[str] = []
    if len(ctx):
        side.append(
            table(
                ctx,
                [Col("what", ""), Col("u0", names[0]), Col("u1", names[1])],
                min_cell=r.min_cell,
                band_below=r.band_below,
                caption="Context (from the schools file)",
            )
        )
    measure = r.params.focal_measure
    group = "focal"
    per = {u: yearly(r, measure=measure, group=group, unit_id=u) for u in (host, visitor)}
    net = yearly(r, measure=measure, group=group, unit_id=None)
    years = sorted(set(net["year"]))[-4:]
    short = _measure_label(r, measure, short=True)
    side.append(
        table(
            _side_rates(per, net, years, (host, visitor)),
            [
                Col("year", "Year"),
                Col("r0", names[0], "rate", n="n0"),
                Col("r1", names[1], "rate", n="n1"),
                Col("network", "Network", "rate"),
            ],
            min_cell=r.min_cell,
            band_below=r.band_below,
            caption=f"{_E(short)}, {_E(_who(r, group))}",
        )
    )
    s.add('<div class="netlab-side">' + "".join(side) + "</div>")
    return s.add(_side_chart(per, net, years, names, short))


def _levels(r: Report, units: list[str]) -> pd.Series:
    from netlab.report._school import _schools_of

    table_ = r.prepared.tables.get("practices")
    if table_ is None:
        return pd.Series(dtype=float)
    schools: list[str] = []
    for u in units:
        schools += _schools_of(r, u)
    mine = table_.loc[table_["school_id"].astype(str).isin(schools)]
    if mine.empty:
        return pd.Series(dtype=float)
    latest = mine.loc[mine["year"] == mine["year"].max()]
    return latest.groupby("practice")["level"].max()


def brief_practices(r: Report) -> Section:
    """The practices the host has in place and the visitor does not (latest inventory).

    Parameters
    ----------
    r : netlab.report.Report
        A live-case brief: ``r.unit_id`` is the host, ``r.partner`` the visitor.

    Returns
    -------
    Section
        A table of each practice further along at the host than at the visitor, with both
        levels and how the practice tracks with gains across the network (the within-unit
        estimate, an association); a sentence instead when the visitor has every practice
        the host has, and a "not available" note when the run has no practice inventory.
    """
    s = Section("practices")
    if r.prepared.tables.get("practices") is None or r.prepared.tables["practices"].empty:
        return s.add(unavailable("The practice inventory", no_table("practices")))
    from netlab import practices as pr

    host = _levels(r, [str(r.unit_id)])
    visitor = _levels(r, [str(r.partner)])
    binary = max(host.max() if len(host) else 0, visitor.max() if len(visitor) else 0) <= 1
    gap = [p for p, lvl in host.items() if lvl > 0 and visitor.get(p, 0) < lvl]
    if not gap:
        return s.add(
            _sentence(
                f"Every practice in place at {_E(r.unit_name)} is in place at "
                f"{_E(r.label(r.partner))} too: the difference lies in how the work is done, "
                "which is what the visit is for."
            )
        )
    within = lookup(r, "practices__within", "", group=None, n=None).frame
    est = within.set_index("practice") if within is not None and len(within) else None

    def level(v: Any) -> str:
        if v is None or pd.isna(v):
            return "not in the inventory"
        return ("in place" if v > 0 else "not in place") if binary else LEVELS.get(int(v), str(v))

    rows = []
    for p in gap:
        row = {
            "practice": _capital(pr.practice_label(p)),
            "host": level(host.get(p)),
            "visitor": level(visitor.get(p)),
            "tracks": "—",
        }
        if est is not None and p in est.index:
            e = est.loc[p]
            if pd.notna(e.get("estimate_pp")):
                row["tracks"] = f"{e['estimate_pp']:+.1f} points ({e.get('evidence', '')})"
        rows.append(row)
    s.add(
        table(
            pd.DataFrame(rows),
            [
                Col("practice", "Practice"),
                Col("host", r.unit_name),
                Col("visitor", r.label(r.partner)),
                Col("tracks", "Across the network, tracks with"),
            ],
            min_cell=r.min_cell,
            band_below=r.band_below,
            caption="Latest practice inventory, beside the network-wide estimate (association, "
            "not cause)",
        )
    )
    return s


def brief_pdsa(r: Report, *, per_team: int = 2) -> Section:
    """Each team's most recent PDSA cycles: driver, change idea, when, and the decision.

    Parameters
    ----------
    r : netlab.report.Report
        A live-case brief: ``r.unit_id`` is the host, ``r.partner`` the visitor.
    per_team : int
        How many cycles to show for each team, the most recently started first.

    Returns
    -------
    Section
        A table of the host's then the visitor's cycles (a cycle with no decision yet reads
        "still running"); a note when neither team has a cycle on record, and a "not
        available" note when the run has no PDSA table.
    """
    s = Section("pdsa")
    pdsa = r.prepared.tables.get("pdsa")
    if pdsa is None or pdsa.empty:
        return s.add(unavailable("Recent PDSA work", no_table("pdsa")))
    from netlab.report._school import _schools_of

    rows = []
    for unit in (str(r.unit_id), str(r.partner)):
        mine = pdsa.loc[pdsa["school_id"].astype(str).isin(_schools_of(r, unit))]
        if "start_date" in mine:
            mine = mine.sort_values("start_date", ascending=False)
        for c in mine.head(per_team).itertuples(index=False):
            start = getattr(c, "start_date", None)
            rows.append(
                {
                    "team": r.label(unit),
                    "when": f"{pd.Timestamp(start):%b %Y}" if pd.notna(start) else "—",
                    "driver": _text(getattr(c, "driver", None)),
                    "idea": _text(getattr(c, "change_idea", None)),
                    "decision": _text(getattr(c, "decision", None), "still running"),
                }
            )
    if not rows:
        return s.add(_note("Neither team has a PDSA cycle on record."))
    s.add(
        table(
            pd.DataFrame(rows),
            [
                Col("team", "Team"),
                Col("when", "Started"),
                Col("driver", "Driver"),
                Col("idea", "Change idea"),
                Col("decision", "Decision"),
            ],
            min_cell=r.min_cell,
            band_below=r.band_below,
            caption=f"Each team's {per_team} most recent PDSA cycles",
        )
    )
    return s


def _text(value: Any, missing: str = "—") -> str:
    return missing if value is None or pd.isna(value) or not str(value).strip() else str(value)
