"""Turn raw exports into clean, typed tables, keeping a log of every row set aside.

The face of the package: import from here, not from its private modules.
"""

from netlab.clean._headers import (
    header_map,
)
from netlab.clean._log import (
    Context,
    Log,
)
from netlab.clean._network import (
    network_mask,
)
from netlab.clean._pseudonym import (
    check_key,
    key_changed_on_purpose,
    key_id,
    pseudonym_key,
    pseudonymize,
    rekey,
)
from netlab.clean._raw import (
    JOIN_COLUMNS,
    RawTable,
)
from netlab.clean._tables import (
    EXCLUSION_COLUMNS,
    QUALITY_COLUMNS,
    CleanResult,
    clean_tables,
    format_problems,
    validate_tables,
)
from netlab.clean._values import (
    BLANK,
    factorize_values,
    group_label,
    parse_column,
    race_label,
    spread_back,
)

__all__ = [
    "BLANK",
    "CleanResult",
    "Context",
    "EXCLUSION_COLUMNS",
    "JOIN_COLUMNS",
    "Log",
    "QUALITY_COLUMNS",
    "RawTable",
    "clean_tables",
    "factorize_values",
    "format_problems",
    "group_label",
    "header_map",
    "check_key",
    "key_changed_on_purpose",
    "key_id",
    "network_mask",
    "parse_column",
    "pseudonym_key",
    "pseudonymize",
    "race_label",
    "rekey",
    "spread_back",
    "validate_tables",
]
