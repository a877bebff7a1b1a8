"""Live cases: which team could host a visit, and which teams could visit it.

A live case pairs a **host** team that gets strong results for the focal students with a
small **visiting** team from a similar context that has room to grow, so that nobody can
say "we can't do that at our school" (the CARPE network's practice). The rules:

- hosts are the credible bright spots on the focal measure for the focal group (from
  :func:`netlab.variation.bright_spots`, or any list of unit ids);
- visitors are the units closest to the host in context, by a weighted, standardized
  Euclidean distance over the share of focal students, the share from low-income families
  and size (log scale), with a bonus for the same district;
- a visitor's gap to the host on the focal measure is at least ``min_gap_pp`` percentage
  points (shown with its 95% Newcombe interval);
- visitors are not simply the lowest performers (the bottom ``exclude_bottom`` share of
  units, at least one, is left out);
- teams showing a learning stance (PDSA cycles run in the last year, ownership on the
  traction rubric) are preferred;
- at most ``max_visitors`` per host, because small visits make for candid talk.

The distance and the gap describe; a pair is a suggestion for people to weigh.

The face of the package: import from here, not from its private modules.
"""

from netlab.livecase._match import (
    CONTEXT,
    context_used,
    match,
)
from netlab.livecase._run import (
    models_for_run,
)
from netlab.livecase._shown import (
    shown_pairs,
)
from netlab.words import (
    NO_CONTEXT,
    alike,
    context_words,
    paragraphs,
    stance,
)

__all__ = [
    "CONTEXT",
    "NO_CONTEXT",
    "alike",
    "context_used",
    "context_words",
    "match",
    "models_for_run",
    "paragraphs",
    "shown_pairs",
    "stance",
]
