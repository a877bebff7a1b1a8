"""The batch runner: one command turns a term's exports into every report of a run.

The face of the package: import from here, not from its private modules.
"""

from netlab.batch._build import (
    build,
    write_index,
)
from netlab.batch._engine import (
    WarmPool,
)
from netlab.batch._papermill import (
    ENGINE_NAME,
    InProcessEngine,
)
from netlab.batch._plan import (
    plan,
)
from netlab.batch._render import (
    export_html,
    render,
)
from netlab.batch._result import (
    BuildResult,
    ReportOutcome,
)
from netlab.batch._task import (
    RenderTask,
)
from netlab.publish import (
    atomic_write,
)

__all__ = [
    "BuildResult",
    "ENGINE_NAME",
    "InProcessEngine",
    "RenderTask",
    "ReportOutcome",
    "WarmPool",
    "atomic_write",
    "build",
    "export_html",
    "plan",
    "render",
    "write_index",
]
