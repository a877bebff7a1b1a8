"""Every sentence a reader sees: word functions fed by numbers and small tidy frames.

Each function takes plain values (or a small frame of a fitted model) and returns the
words as a page prints them; the report's sections look up, draw and place them, and
hold no judgement of their own. Where, for whom, ahead or behind, singular or plural are
decided here, so each is tested on small hand-made numbers (``tests/report/test_words.py``).

The modules are named by what they word: ``_funnel`` (where a unit sits, where the
network varies), ``_bright`` (the bright-spot rule and its findings), ``_traction``
(stages and moves), ``_aim``, ``_glance``, ``_season``, ``_since``, ``_practices`` (the
practice models' sentences), ``_practice_notes`` (their caveats), ``_livecase``,
``_survey``; ``_format`` says how numbers, plurals and lists read in a sentence.

This package sits below the analyses and the report: it imports only the leaves
(``names``, ``paths``, ``yamlfile``, ``checks``, ``intervals``, ``privacy``).

The face of the package: import from here, not from its private modules.
"""

from netlab.words._aim import (
    aim_outlook_words,
    aim_status_words,
    how_many_more_words,
    more_students_words,
    no_status_words,
    to_target_words,
)
from netlab.words._bright import (
    bright_rule_words,
    bright_rule_years_words,
    bright_spot_words,
    no_bright_spot_words,
    share_words,
)
from netlab.words._format import capital, escape, listing, pct, plural, points, whole
from netlab.words._funnel import (
    adjustment_note,
    constellation_words,
    funnel_hidden_words,
    funnel_outside_words,
    funnel_place,
    funnel_position_words,
    overdispersion_words,
    spread_words,
)
from netlab.words._glance import (
    learn_from_words,
    names_words,
    spread_card_words,
)
from netlab.words._livecase import (
    NO_CONTEXT,
    alike,
    context_words,
    gap_words,
    pair_reasons_words,
    paragraphs,
    rubric_score,
    stance,
)
from netlab.words._practice_notes import (
    covariance_words,
    for_whom_words,
    like_this_one_words,
    not_compared_words,
    practices_caveat_words,
    pretrend_words,
    school_covariance_words,
    staggered_words,
)
from netlab.words._practices import (
    MEASURE_PHRASES,
    MODIFIER_WORDS,
    PRACTICE_LABELS,
    heterogeneity_sentences,
    practice_label,
    staggered_sentences,
)
from netlab.words._practices import sentences as practice_sentences
from netlab.words._season import (
    UNLIKE_LAST,
    day_words,
    late_start_words,
    pace_words,
    season_pace_words,
    season_status_words,
    unreported_caption_words,
)
from netlab.words._since import (
    change_shown,
    moves,
    network_since_words,
    revision_words,
    since_cell,
    unit_since_words,
)
from netlab.words._survey import (
    survey_covariance_words,
)
from netlab.words._traction import (
    STAGES,
    stage_of_teams,
    transition_words,
)

__all__ = [
    "adjustment_note",
    "MEASURE_PHRASES",
    "MODIFIER_WORDS",
    "NO_CONTEXT",
    "PRACTICE_LABELS",
    "STAGES",
    "UNLIKE_LAST",
    "aim_outlook_words",
    "aim_status_words",
    "alike",
    "bright_rule_words",
    "bright_rule_years_words",
    "bright_spot_words",
    "capital",
    "change_shown",
    "constellation_words",
    "context_words",
    "covariance_words",
    "day_words",
    "escape",
    "for_whom_words",
    "funnel_hidden_words",
    "funnel_outside_words",
    "funnel_place",
    "funnel_position_words",
    "gap_words",
    "heterogeneity_sentences",
    "how_many_more_words",
    "late_start_words",
    "learn_from_words",
    "like_this_one_words",
    "listing",
    "more_students_words",
    "moves",
    "names_words",
    "network_since_words",
    "no_bright_spot_words",
    "no_status_words",
    "not_compared_words",
    "overdispersion_words",
    "pair_reasons_words",
    "pace_words",
    "paragraphs",
    "pct",
    "plural",
    "points",
    "practice_label",
    "practice_sentences",
    "practices_caveat_words",
    "pretrend_words",
    "revision_words",
    "rubric_score",
    "school_covariance_words",
    "season_pace_words",
    "season_status_words",
    "share_words",
    "since_cell",
    "spread_card_words",
    "spread_words",
    "stage_of_teams",
    "stance",
    "staggered_sentences",
    "staggered_words",
    "survey_covariance_words",
    "to_target_words",
    "transition_words",
    "unit_since_words",
    "unreported_caption_words",
    "whole",
]
