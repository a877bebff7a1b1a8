"""The run, as a list of steps: read → clean and validate → measures → network models.

The face of the package: import from here, not from its private modules.
"""

from netlab.pipeline._environment import (
    versions,
)
from netlab.pipeline._fingerprint import (
    code_hash,
    input_hash,
    raw_files,
    report_code_hash,
)
from netlab.pipeline._history import (
    connect,
    headlines,
    history,
    history_file,
    history_key,
    network_of,
    run_date,
)
from netlab.pipeline._keep import (
    append,
)
from netlab.pipeline._lock import (
    LOCK_NAME,
    holder,
    run_lock,
)
from netlab.pipeline._models import (
    MODELS,
    PRODUCERS,
    Model,
    UnknownModelError,
    fit_models,
    model_frame,
)
from netlab.pipeline._prepare import (
    check_keys,
    prepare,
    prepare_frames,
)
from netlab.pipeline._prepared import (
    Prepared,
    summary,
)
from netlab.pipeline._since import (
    revisions,
    since_last_term,
    snapshots,
    terms,
)
from netlab.pipeline._store import (
    check,
    is_fresh,
    load,
    manifest,
    stale_reason,
    write_prepared,
)
from netlab.pipeline._validate import (
    validate_dir,
)

__all__ = [
    "LOCK_NAME",
    "MODELS",
    "Model",
    "PRODUCERS",
    "Prepared",
    "UnknownModelError",
    "append",
    "check",
    "check_keys",
    "connect",
    "code_hash",
    "fit_models",
    "headlines",
    "history",
    "history_file",
    "history_key",
    "holder",
    "input_hash",
    "is_fresh",
    "load",
    "manifest",
    "model_frame",
    "network_of",
    "prepare",
    "prepare_frames",
    "raw_files",
    "report_code_hash",
    "revisions",
    "run_date",
    "run_lock",
    "since_last_term",
    "snapshots",
    "stale_reason",
    "summary",
    "terms",
    "validate_dir",
    "versions",
    "write_prepared",
]
