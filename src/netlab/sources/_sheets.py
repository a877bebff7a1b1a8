"""The raw cells of any workbook or text file: cell text, every sheet, the CSV delimiter.

These serve every reader of the package (described exports, a state's public files, the
federal FAFSA workbooks), before any description says what a column means.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netlab.exceptions import InputError

_EXCEL = {".xls", ".xlsx", ".xlsm", ".xlsb", ".ods"}


def _text(value: Any) -> str:
    """A cell as text: blank for missing, ``12`` for 12.0, whitespace collapsed."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _text_series(values: pd.Series) -> pd.Series:
    return pd.Series([_text(v) for v in values], index=values.index, dtype=object)


def _read_sheets(path: Path, engine: str | None = "calamine") -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook (or the one table of a CSV) as raw cells, no header."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"No file at {path}.", file=str(path))
    try:
        if suffix == ".csv":
            for encoding in ("utf-8-sig", "latin-1"):
                try:
                    frame = pd.read_csv(
                        path,
                        header=None,
                        dtype=str,
                        keep_default_na=False,
                        skip_blank_lines=False,
                        encoding=encoding,
                    )
                    break
                except UnicodeDecodeError:
                    continue
            return {path.stem: frame.replace("", np.nan)}
        if suffix in _EXCEL:
            # No default NA strings: "n/a" in a count cell must be seen, not read as blank.
            sheets = pd.read_excel(
                path,
                sheet_name=None,
                header=None,
                dtype=object,
                engine=engine,
                keep_default_na=False,
                na_values=[],
            )
            return {k: v.replace("", np.nan) for k, v in sheets.items()}
    except Exception as err:  # each Excel engine raises its own error types
        if isinstance(err, InputError):
            raise
        raise InputError(
            f"{path.name} cannot be read as a workbook or CSV file ({err}).",
            file=str(path),
            hint="Check that the file is the published spreadsheet, not a web page or a copy "
            "saved in another format.",
        ) from None
    raise InputError(
        f"{path.name} is neither a spreadsheet (.xls, .xlsx) nor a CSV file.", file=str(path)
    )


_DELIMITERS = (",", ";", "\t", "|")


def sniff_delimiter(text: str) -> str:
    """Return the delimiter of a CSV sample: comma, semicolon, tab or pipe.

    The delimiter is the candidate that splits the header most often and splits the
    following lines consistently (quoted text is not counted).

    Parameters
    ----------
    text : str
        The first lines of the file.

    Returns
    -------
    str
        The delimiter of a CSV sample: comma, semicolon, tab or pipe.

    Examples
    --------
    >>> sniff_delimiter("a;b;c\\n1;2,5;3\\n")
    ';'
    """
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        return ","

    def count(line: str, d: str) -> int:
        # Ignore delimiters inside double quotes.
        return sum(part.count(d) for part in line.split('"')[::2])

    best, best_score = ",", (0, 0)
    for d in _DELIMITERS:
        header = count(lines[0], d)
        if header == 0:
            continue
        consistent = sum(count(ln, d) == header for ln in lines[1:])
        score = (consistent, header)
        if score > best_score:
            best, best_score = d, score
    return best
