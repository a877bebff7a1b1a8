"""The researcher's workbench: widgets over a prepared run, for JupyterLab.

The face of the package: import from here, not from its private modules.
"""

from netlab.widgets._explorer import (
    VIEWS,
    Explorer,
    Selection,
    available_runs,
    download_link,
    draw_view,
    explore,
    table_html,
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
