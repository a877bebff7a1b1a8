"""The sources layer: exports as a hub holds them, and named public files.

The face of the package: import from here, not from its private modules.
"""

from netlab.sources._claims import (
    claims,
)
from netlab.sources._draft import (
    draft_description,
    nearest_builtin,
    rank_builtins,
)
from netlab.sources._exports import (
    read_folder,
)
from netlab.sources._fsa import (
    FsaColumn,
    FsaSnapshot,
    fafsa_decreases,
    fafsa_weekly,
    read_fsa_workbook,
)
from netlab.sources._io import (
    RawTable,
    describe,
    raw_tables,
    read_file,
    read_raw,
    scan,
)
from netlab.sources._ipeds import (
    import_ipeds,
    map_college_codes,
    read_ipeds,
)
from netlab.sources._named import (
    MEASURES,
    ImportResult,
    describe_folder,
    import_public,
)
from netlab.sources._sheets import (
    sniff_delimiter,
)
from netlab.sources._state import (
    load_source_spec,
    read_state_files,
    read_state_table,
)

__all__ = [
    "FsaColumn",
    "FsaSnapshot",
    "ImportResult",
    "MEASURES",
    "RawTable",
    "claims",
    "describe",
    "describe_folder",
    "draft_description",
    "fafsa_decreases",
    "fafsa_weekly",
    "import_ipeds",
    "import_public",
    "load_source_spec",
    "map_college_codes",
    "nearest_builtin",
    "rank_builtins",
    "raw_tables",
    "read_file",
    "read_folder",
    "read_fsa_workbook",
    "read_ipeds",
    "read_raw",
    "read_state_files",
    "read_state_table",
    "scan",
    "sniff_delimiter",
]
