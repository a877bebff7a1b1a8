"""``netlab validate``: read a raw folder and check it against the contract, writing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from netlab import clean, sources

__all__ = ["validate_dir"]


def validate_dir(directory: str | Path, params: Any = None) -> pd.DataFrame:
    """Read, normalize and check a folder of exports; write nothing.

    Parameters
    ----------
    directory : str or Path
        The raw folder.
    params : RunParams, optional
        The run's parameters (for declared extra columns and tables).

    Returns
    -------
    pandas.DataFrame
        Every problem found (errors and warnings), as in
        :func:`netlab.schemas.validate_frame`. Empty when all is well.
    """
    tables, file_problems = sources.scan(directory, params=params)
    if params is None:
        from netlab.params import from_dict

        params = from_dict({"run": "validate", "raw_dir": str(directory)})
    return clean.validate_tables(tables, file_problems, params)
