"""The raw cells of any workbook or text file: cell text, every sheet, the CSV delimiter.

These serve every reader of the package (described exports, a state's public files, the
federal FAFSA workbooks, a folder's plain tables), before any description says what a
column means. A text file's encoding is decided by :func:`text_encoding` and a workbook is
opened by :func:`open_workbook`, here and nowhere else.
"""

from __future__ import annotations

import io
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


#: The note a file read in another encoding than UTF-8 carries, by that encoding.
_NOT_UTF8 = {
    "cp1252": "not UTF-8: read as Windows-1252 (Latin-1)",
    "latin-1": "not UTF-8: read as Latin-1",
}


def text_encoding(
    data: bytes, *, declared: str | None = None, sample: bool = False
) -> tuple[str, str | None]:
    """The encoding to read a text file with, and a note when it is not plain UTF-8.

    The one order every reader follows: the encoding a description declares; UTF-8 with a
    byte-order mark; UTF-8; Windows-1252; Latin-1 (which reads any bytes).

    Parameters
    ----------
    data : bytes
        The file's bytes, or its first bytes.
    declared : str, optional
        The encoding a description names (``encoding:``): used as it is.
    sample : bool, default False
        ``data`` is the file's first bytes only, so it may end inside a character: its
        last bytes are left out of the test.

    Returns
    -------
    (str, str or None)
        The encoding and the note (None for UTF-8 or a declared encoding).

    Examples
    --------
    >>> text_encoding("café".encode("utf-8")), text_encoding("café".encode("cp1252"))
    (('utf-8', None), ('cp1252', 'not UTF-8: read as Windows-1252 (Latin-1)'))
    """
    if declared:
        return declared, None
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", None
    test = data[:-4] if sample else data
    for encoding in ("utf-8", "cp1252"):
        try:
            test.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding, _NOT_UTF8.get(encoding)
    return "latin-1", _NOT_UTF8["latin-1"]


def _engine_for(path: Path, engine: str | None) -> str | None:
    """The engine to use for one file (xlrd reads only .xls, openpyxl only .xlsx)."""
    if engine in ("xlrd", "openpyxl"):
        return "xlrd" if path.suffix.lower() == ".xls" else "openpyxl"
    return engine


def open_workbook(path: Path, engine: str | None = "calamine") -> pd.ExcelFile:
    """Open a workbook: the one Excel path of the package (use it in a ``with``).

    Parameters
    ----------
    path : Path
        An ``.xlsx``, ``.xlsm``, ``.xls``, ``.xlsb`` or ``.ods`` file.
    engine : str, optional
        The pandas Excel engine; ``"xlrd"`` or ``"openpyxl"`` picks whichever of the two
        reads the file's kind.

    Returns
    -------
    pandas.ExcelFile
    """
    return pd.ExcelFile(path, engine=_engine_for(path, engine))


def _read_sheets(path: Path, engine: str | None = "calamine") -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook (or the one table of a CSV) as raw cells, no header."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"No file at {path}.", file=str(path))
    try:
        if suffix == ".csv":
            data = path.read_bytes()
            frame = pd.read_csv(
                io.BytesIO(data),
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding=text_encoding(data)[0],
            )
            return {path.stem: frame.replace("", np.nan)}
        if suffix in _EXCEL:
            # No default NA strings: "n/a" in a count cell must be seen, not read as blank.
            with open_workbook(path, engine) as book:
                sheets = pd.read_excel(
                    book,
                    sheet_name=None,
                    header=None,
                    dtype=object,
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
