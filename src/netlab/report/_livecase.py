"""Live cases in the network report: one compact row per suggested pairing, each linked to
its brief, with a sentence on who hosts and who visits and each pairing in words.

The pairs come from :func:`netlab.livecase.match` (the shown ones through
``report._glance.shown_pairs``); this module only shows them. The brief of one pairing is
in ``_briefs``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from netlab.report._brieflinks import brief_link
from netlab.report._briefs import _focal_share, brief_rel
from netlab.report._glance import shown_pairs
from netlab.report._html import (
    _E,
    Col,
    Section,
    _capital,
    _list,
    _measure_label,
    _note,
    _phrase,
    _plural,
    _sentence,
    _suppressed_note,
    _who,
    fold,
    table,
)
from netlab.report._lookup import lookup
from netlab.report._quality import record_sizes
from netlab.words import gap_words

if TYPE_CHECKING:
    from netlab.report._context import Report

__all__ = ["live_cases"]


def _lede(r: Report, pairs: pd.DataFrame) -> str:
    """How many live cases, who hosts and who visits, in one sentence."""
    hosts = list(dict.fromkeys(pairs["host"]))
    most = int(pairs.groupby("host")["visitor"].count().max())
    return _sentence(
        f"{_capital(_plural(len(pairs), 'live case'))} with {_plural(len(hosts), 'host')}. "
        f"Each host is a credible bright spot on {_E(_phrase(r, r.params.focal_measure))} "
        f"for {_E(_who(r, 'focal'))}; each visitor is one of the {r.noun.lower()}s closest to "
        f"it in context, with room to grow, and not among the lowest results. At most "
        f"{_plural(r.params.livecase.max_visitors, 'visitor')} per host (here {most}): "
        "a small visit makes for candid talk. Each pairing has a one-page brief for the "
        "two teams.",
        pairs["n_min"].min(),
        cls="netlab-sentence netlab-lede",
    )


def _shared_visitors(r: Report, pairs: pd.DataFrame) -> str:
    """Visitors suggested to more than one host, in a sentence ("" when none is)."""
    many = pairs.groupby("visitor")["host"].nunique()
    many = many[many > 1]
    if not len(many):
        return ""
    return _sentence(
        _list([f"{_E(r.label(v))} ({_plural(n, 'host')})" for v, n in many.items()])
        + (" is" if len(many) == 1 else " are")
        + " suggested to more than one host: the hub may spread the visits.",
        pairs["n_min"].min(),
    )


def _pair_rows(r: Report, pairs: pd.DataFrame, *, briefs: bool) -> pd.DataFrame:
    """One row per pairing (each host named once, above its visitors)."""
    from netlab import livecase

    rows = []
    last = None
    for row in pairs.itertuples(index=False):
        # marked, so the build can say why in its place when the brief is not sent out
        link = brief_link(brief_rel(row.host, row.visitor)) if briefs else "—"
        rows.append(
            {
                # each host once, above its visitors: the table reads as a list of visits
                "host": r.label(row.host) if row.host != last else "",
                "visitor": r.label(row.visitor),
                "alike": livecase.alike(
                    row,
                    name_units=r.names_peers,
                    unit_label=r.noun.lower(),
                    size_label="seniors",
                    focal_label=_focal_share(r)[0],
                ),
                "gap": gap_words(row.gap_pp, row.gap_low_pp, row.gap_high_pp),
                "stance": livecase.stance(row),
                "brief": link,
                "n_min": row.n_min,
            }
        )
        last = row.host
    return pd.DataFrame(rows)


def _pairs_table(r: Report, frame: pd.DataFrame, *, stance: bool) -> str:
    """The compact live-case table (the stance column only when the data know it)."""
    return table(
        frame,
        [
            Col("host", "Host"),
            Col("visitor", "Visitor"),
            Col("alike", "Why they are alike"),
            Col("gap", "Gap (95% interval)", n="n_min"),
            *([Col("stance", "Visitor's learning stance")] if stance else []),
            Col("brief", "Brief", "html"),
        ],
        min_cell=r.min_cell,
        band_below=r.band_below,
        caption=f"Suggested live cases on {_E(_phrase(r, r.params.focal_measure))}: the gap "
        "is the host's rate minus the visitor's, in percentage points",
    )


def _pair_sentences(r: Report, pairs: pd.DataFrame) -> str:
    """Each pairing in a sentence, folded away."""
    from netlab import livecase

    paras = livecase.paragraphs(
        record_sizes(r, pairs),
        unit_label=r.noun.lower(),
        measure_label=_measure_label(r, r.params.focal_measure, short=True),
        group_label=_who(r, "focal"),
        name_units=r.names_peers,
        focal_phrase=_focal_share(r)[1],
    )
    return fold(
        "Each pairing in a sentence",
        '<div class="netlab-sentences">'
        + "".join(_sentence(_E(t), n) for t, n in zip(paras, pairs["n_min"], strict=True))
        + "</div>",
    )


def live_cases(r: Report, *, briefs: bool = True) -> Section:
    """Suggested live cases: one compact row per pairing, each linked to its brief.

    Parameters
    ----------
    r : netlab.report.Report
        The network report being built.
    briefs : bool
        Link each pairing to its brief; without briefs the column shows a dash.

    Returns
    -------
    Section
        A sentence on how many pairings there are and how they were chosen, what the pairs
        were matched on, the visitors suggested to more than one host, the table of
        pairings (why they are alike, the gap with its 95% interval, the visitor's learning
        stance when the data know it) and each pairing in a sentence, folded away. Only a
        note when the run has no context to match on, no live-case model, or no pair
        resting on enough students.
    """
    from netlab import livecase

    s = Section("livecase")
    used = livecase.context_words(r.model("livecase__context"), r.noun.lower())
    if used == "":
        return s.add(_sentence(livecase.NO_CONTEXT.format(noun=r.noun.lower())))
    look = lookup(
        r,
        "livecase__pairs",
        "Live cases",
        group=None,
        n=None,
        why="no credible bright spot to host",
    )
    if look.missing:
        return s.add(look.missing)
    pairs = shown_pairs(r)
    if pairs.empty:
        return s.add(_suppressed_note(r, "Every suggested pair"))
    s.add(_lede(r, pairs))
    if used:
        s.add(_sentence(f"Matched on {used}."))
    s.add(_shared_visitors(r, pairs))
    frame = _pair_rows(r, pairs, briefs=briefs)
    # a stance column that would say "not in the data" on every row says it once instead
    known = bool((frame["stance"] != "not in the data").any())
    if not known:
        s.add(
            _note(
                "The visitors' learning stance (PDSA cycles in the last year, ownership on "
                "the traction rubric) is not in the data, so the pairs rest on context and "
                "results."
            )
        )
    s.add(_pairs_table(r, frame, stance=known))
    return s.add(_pair_sentences(r, pairs))


# --------------------------------------------------------------------------------------
