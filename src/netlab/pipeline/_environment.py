"""The versions a run was prepared and its reports built with, for the manifests."""

from __future__ import annotations

import platform
from functools import cache
from importlib import metadata

from netlab._version import __version__

#: The libraries whose version can change a table, a model or a report.
LIBRARIES = (
    "pandas",
    "numpy",
    "scipy",
    "pyarrow",
    "statsmodels",
    "pandera",
    "pydantic",
    "pyyaml",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "nbclient",
    "nbformat",
    "ipykernel",
    "python-calamine",
    "openpyxl",
)


@cache
def versions() -> dict[str, str]:
    """Python's, netlab's and each library's version in this environment.

    Returns
    -------
    dict of str to str
        ``{"python": "3.11.7", "netlab": "0.1.0", "pandas": "3.0.1", ...}``; a library
        that is not installed is left out.
    """
    found = {"python": platform.python_version(), "netlab": __version__}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found
