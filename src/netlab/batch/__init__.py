"""The batch runner: one command turns a term's exports into every report of a run.

The face of the package: import from here, not from its private modules.
"""

from netlab.batch._build import (
    BuildResult,
    ReportOutcome,
    build,
    plan,
    write_index,
)

__all__ = ["BuildResult", "ReportOutcome", "build", "plan", "write_index"]
