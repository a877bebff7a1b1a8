"""The sources layer: exports as a hub holds them, and named public files.

The face of the package: import from here, not from its private modules.
"""

from netlab.sources._io import (
    RawTable,
    describe,
    raw_tables,
    read_file,
    read_raw,
    scan,
    sniff_delimiter,
)
from netlab.sources._named import (
    MEASURES,
    FsaColumn,
    FsaSnapshot,
    ImportResult,
    claims,
    describe_folder,
    fafsa_decreases,
    fafsa_weekly,
    import_ipeds,
    import_public,
    load_source_spec,
    map_college_codes,
    read_folder,
    read_fsa_workbook,
    read_ipeds,
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
    "fafsa_decreases",
    "fafsa_weekly",
    "import_ipeds",
    "import_public",
    "load_source_spec",
    "map_college_codes",
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
