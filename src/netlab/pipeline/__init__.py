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
    prepare,
    prepare_frames,
)
from netlab.pipeline._prepared import (
    Prepared,
    summary,
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
    "check",
    "code_hash",
    "fit_models",
    "holder",
    "input_hash",
    "is_fresh",
    "load",
    "manifest",
    "model_frame",
    "prepare",
    "prepare_frames",
    "raw_files",
    "report_code_hash",
    "run_lock",
    "stale_reason",
    "summary",
    "validate_dir",
    "versions",
    "write_prepared",
]
