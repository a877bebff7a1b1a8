"""What the report notebooks show: each section's sentences, tables and figures.

The face of the package: import from here, not from its private modules.
"""

from netlab.report._aim import (
    aim_progress,
)
from netlab.report._brief_protocol import brief_protocol
from netlab.report._brieflinks import brief_link, relink_briefs
from netlab.report._briefs import (
    brief_pairing,
    brief_pdsa,
    brief_practices,
    brief_rel,
    brief_side_by_side,
)
from netlab.report._context import (
    Report,
)
from netlab.report._equity import (
    equity_gaps,
)
from netlab.report._funnel import (
    funnel,
    funnel_position,
)
from netlab.report._glance import (
    network_glance,
    unit_glance,
)
from netlab.report._html import (
    Col,
    Section,
    table,
    unavailable,
)
from netlab.report._html import _measure_label as measure_label
from netlab.report._html import _phrase as measure_phrase
from netlab.report._html import _who as group_who
from netlab.report._livecase import live_cases
from netlab.report._network import (
    bright_spots,
    caterpillar,
    constellation,
    team_indicators,
    where_varies,
)
from netlab.report._open import (
    META_MIME,
    from_prepared,
    header,
    load_run,
    open_brief,
    open_report,
    preload,
)
from netlab.report._practices_network import (
    practices_network,
)
from netlab.report._quality import (
    data_quality,
)
from netlab.report._school import (
    fafsa_season,
    practices,
    process_measures,
)
from netlab.report._shared import (
    measure_results,
    yearly,
)
from netlab.report._since import (
    since_frame,
    since_last_term,
)
from netlab.report._text import (
    check_text,
)
from netlab.report._traction import (
    traction_outcomes,
    traction_pdsa,
    traction_stages,
    traction_survey,
    traction_transitions,
)

__all__ = [
    "Col",
    "META_MIME",
    "Report",
    "Section",
    "aim_progress",
    "brief_link",
    "brief_pairing",
    "brief_pdsa",
    "brief_practices",
    "brief_protocol",
    "brief_rel",
    "brief_side_by_side",
    "bright_spots",
    "caterpillar",
    "check_text",
    "constellation",
    "data_quality",
    "equity_gaps",
    "fafsa_season",
    "from_prepared",
    "funnel",
    "funnel_position",
    "header",
    "live_cases",
    "load_run",
    "measure_results",
    "network_glance",
    "open_brief",
    "open_report",
    "practices",
    "practices_network",
    "preload",
    "process_measures",
    "relink_briefs",
    "table",
    "team_indicators",
    "traction_outcomes",
    "traction_pdsa",
    "traction_stages",
    "traction_survey",
    "traction_transitions",
    "unavailable",
    "unit_glance",
    "where_varies",
    "yearly",
    "since_last_term",
    "group_who",
    "measure_label",
    "measure_phrase",
    "since_frame",
]
