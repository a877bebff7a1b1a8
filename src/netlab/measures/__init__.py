"""One measure registry, both grains: measures and groups as data, rates as one long table.

The face of the package: import from here, not from its private modules.
"""

from netlab.measures._definitions import (
    COUNTS_TABLES,
    TABLE_COLUMNS,
    Group,
    Measure,
    Registry,
    registry,
    table_columns,
)
from netlab.measures._naming import (
    builtin_groups,
    builtin_measures,
    direction,
    measure_label,
)
from netlab.measures._progress import (
    aim_outlook,
    process_series,
    team_progress,
)
from netlab.measures._rates import (
    RATES_COLUMNS,
    compute_rates,
    counts_from_students,
    measures_frame,
    sofar_rates,
)
from netlab.measures._units import (
    unit_map,
    units_frame,
)
from netlab.measures._windows import (
    AT_GRADUATION,
    STATUSES,
    Window,
    apply_windows,
    final_mask,
    split_rates,
)
from netlab.params import DEFAULT_MEASURE

__all__ = [
    "AT_GRADUATION",
    "STATUSES",
    "Window",
    "apply_windows",
    "final_mask",
    "split_rates",
    "COUNTS_TABLES",
    "DEFAULT_MEASURE",
    "Group",
    "Measure",
    "RATES_COLUMNS",
    "Registry",
    "TABLE_COLUMNS",
    "aim_outlook",
    "builtin_groups",
    "builtin_measures",
    "compute_rates",
    "counts_from_students",
    "direction",
    "measure_label",
    "measures_frame",
    "process_series",
    "registry",
    "sofar_rates",
    "table_columns",
    "team_progress",
    "unit_map",
    "units_frame",
]
