"""The live-case brief's protocol: the prompts the two teams answer together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlab.report._html import _E, Section, _phrase, _who

if TYPE_CHECKING:
    from netlab.report._context import Report

__all__ = ["brief_protocol"]


def brief_protocol(r: Report) -> Section:
    """The live-case protocol's prompts: celebrations, noticings, wonderings.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("protocol")
    host, visitor = _E(r.unit_name), _E(r.label(r.partner))
    phrase = _E(_phrase(r, r.params.focal_measure))
    who = _E(_who(r, "focal"))
    tables = r.prepared.tables
    noticings = [
        f"What do you see {host}'s staff and students do, week by week, that bears on {phrase}?"
    ]
    if tables.get("practices") is not None:  # the brief shows the practices above
        noticings.append(
            "Which of the practices above look different in action from how they read on paper?"
        )
    if tables.get("pdsa") is not None:
        noticings.append("What do the recent PDSA cycles say about what each team is learning?")
    prompts = {
        "Celebrations": [
            f"What is {host} proud of in its work for {who}, and when did it start to show?",
            f"What does {visitor} already do well that it wants to keep?",
        ],
        "Noticings": noticings,
        "Wonderings": [
            f"What would {visitor} test first, in a small PDSA cycle, after this visit?",
            "What made the work take hold at the host, and what got in its way?",
            "What should the two teams teach the rest of the network afterwards?",
        ],
    }
    body = "".join(
        f'<div class="netlab-prompts"><h3>{k}</h3><ul>'
        + "".join(f"<li>{q}</li>" for q in qs)
        + "</ul></div>"
        for k, qs in prompts.items()
    )
    s.add(f'<div class="netlab-protocol">{body}</div>')
    return s
