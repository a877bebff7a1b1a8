"""What the sources hand to cleaning: one raw table per file, and the joins they made."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["JOIN_COLUMNS", "RawTable"]

#: Columns of the join accounting a folder of exports gives (``sources["joins"]``).
JOIN_COLUMNS = ["source", "file", "what", "count"]


@dataclass
class RawTable:
    """One raw file as read: every column as found, values as text (CSV and Excel).

    Attributes
    ----------
    name : str
        Table name: the file name without its extension, lower-cased.
    path : pathlib.Path
        The file.
    frame : pandas.DataFrame
        All columns as read; index 0..n-1 is the data row position (row 1 in messages).
    notes : list of str
        How the file was read (encoding, delimiter, sheet), for the quality log.
    """

    name: str
    path: Path
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    source: Any = (
        None  # how a table built from exports was made (netlab.sources._exports.SourceInfo)
    )
