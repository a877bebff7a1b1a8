"""The researcher's workbench: widgets over a prepared run, for JupyterLab.

The face of the package: import from here, not from its private modules.
"""

from netlab.widgets._explorer import (
    Explorer,
    available_runs,
    explore,
)
from netlab.widgets._output import (
    download_link,
    draw_view,
    table_html,
)
from netlab.widgets._views import (
    VIEWS,
    Selection,
    unit_labels,
    view_frame,
)

__all__ = [
    "Explorer",
    "Selection",
    "VIEWS",
    "available_runs",
    "download_link",
    "draw_view",
    "explore",
    "table_html",
    "unit_labels",
    "view_frame",
]
