"""A damaged CSV is refused, naming the file and the row where it breaks.

An export cut short (a copy interrupted, a download stopped), bytes that are not text
(a binary file named ``.csv``, garbage appended), or text in an encoding netlab does not
guess (UTF-16, as Excel's "Unicode text" saves) would otherwise lose rows quietly or end
in a decoder's traceback. These checks read the file's bytes once, before any parser.
"""

from __future__ import annotations

import csv
import io as _io
from pathlib import Path

from netlab.exceptions import InputError

_WIDE_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
_SAVE = "Save the file as CSV UTF-8 (Excel: File > Save As > CSV UTF-8), or set `encoding:`"


def wide_encoding(head: bytes) -> str | None:
    """ "UTF-16" or "UTF-32" when the first bytes say so (a byte-order mark, or NUL bytes
    between ASCII letters), else None.

    Examples
    --------
    >>> wide_encoding("id,name\\n".encode("utf-16"))
    'UTF-16'
    >>> wide_encoding(b"id,name\\n") is None
    True
    """
    for bom, name in _WIDE_BOMS.items():
        if head.startswith(bom):
            return name
    sample = head[:4096]
    if len(sample) >= 8:
        for zeros, text in ((sample[1::2], sample[0::2]), (sample[0::2], sample[1::2])):
            printable = sum(1 for b in text if 32 <= b < 127 or b in (9, 10, 13))
            if zeros.count(0) > 0.8 * len(zeros) and printable > 0.8 * len(text):
                return "UTF-16"  # ASCII text with a NUL after (or before) every letter
    return None


def _row_at(data: bytes, pos: int) -> int:
    """The line number (from 1) of byte ``pos``."""
    return data.count(b"\n", 0, pos) + 1


def check_bytes(path: Path, data: bytes, *, encoding: str | None = None) -> None:
    """Refuse bytes no CSV reader should guess at: wide encodings and binary bytes.

    Parameters
    ----------
    path : Path
        The file (for the message).
    data : bytes
        Its bytes (or its first bytes).
    encoding : str, optional
        The encoding its description sets; a wide encoding set there is allowed.

    Raises
    ------
    InputError
        "UTF-16 detected: …", or the line of the first byte that is not text.
    """
    wide = wide_encoding(data)
    if wide and not (encoding or "").lower().replace("-", "").startswith(("utf16", "utf32")):
        raise InputError(
            f"{path.name}: {wide} detected: netlab reads CSV files saved as UTF-8 "
            "(or Windows-1252).",
            file=path.name,
            hint=f"{_SAVE} (`encoding: {wide.lower()}`) in the file's description.",
        )
    if wide:
        return
    nul = data.find(b"\x00")
    if nul >= 0:
        line = _row_at(data, nul)
        raise InputError(
            f"{path.name} holds bytes that are not text from line {line:,} on "
            f"(byte {nul:,}): it is not a CSV file, or it is damaged.",
            file=path.name,
            hint="Export the table again as CSV (UTF-8); if the file was copied, copy it again.",
        )


def check_rows(
    path: Path,
    data: bytes,
    *,
    encoding: str,
    delimiter: str,
    skip: int,
    width: int,
    rows_read: int | None = None,
) -> None:
    """Refuse a CSV whose last row is cut or whose rows disagree with its lines.

    Parameters
    ----------
    path : Path
        The file (for the message).
    data : bytes
        The whole file.
    encoding, delimiter : str
        As the file is read.
    skip : int
        Lines before the first data row (titles, blank lines, the header).
    width : int
        The fields of a whole row (the header's).
    rows_read : int, optional
        How many data rows the reader returned (rows it skipped included); checked
        against the lines when no field is quoted (quoted fields may hold line breaks).

    Raises
    ------
    InputError
        Naming the file and the row.
    """
    body = data.rstrip(b"\r\n")
    lines = body.count(b"\n") + 1 if body else 0
    if lines <= skip:
        return
    last = body[body.rfind(b"\n") + 1 :]
    if not data.endswith((b"\n", b"\r")) and b'"' not in last:
        fields = _fields(last, encoding, delimiter)
        if len(fields) < width:
            raise InputError(
                f"{path.name} is cut short: its last row (line {lines:,}, data row "
                f"{lines - skip:,}) has {len(fields)} of the header's {width} fields and no "
                "line end.",
                file=path.name,
                hint="The file was not copied or exported in full: export it again.",
            )
    if rows_read is None or b'"' in data:
        return
    start = 0
    for _ in range(skip):
        start = body.find(b"\n", start) + 1
    rest = body[start:]
    blank = rest.count(b"\n\n") + rest.count(b"\n\r\n") + (1 if not rest.strip() else 0)
    expected = rest.count(b"\n") + 1 - blank
    if rows_read != expected:
        raise InputError(
            f"{path.name} has {expected:,} data lines but {rows_read:,} rows were read: the "
            "file's rows break part-way.",
            file=path.name,
            hint="Export the file again as CSV (UTF-8), or fix `delimiter:` or `encoding:` in "
            "its description.",
        )


def unclosed_quote(path: Path, data: bytes, text: str, encoding: str) -> None:
    """Refuse a file where a quote opened in one row swallows the rows after it.

    Parameters
    ----------
    path : Path
    data : bytes
        The whole file.
    text : str
        The reader's text of the broken row (it runs over line ends).
    encoding : str

    Raises
    ------
    InputError
        Naming the line where the broken row starts and how many lines it swallows.
    """
    head = text.split("\n", 1)[0].encode(encoding, errors="replace")
    at = data.find(head) if head else -1
    line = _row_at(data, at) if at >= 0 else None
    where = f"line {line:,}" if line else "a row"
    raise InputError(
        f'{path.name} breaks at {where}: a quote (") opened there is not closed, so the '
        f"{text.count(chr(10)):,} line(s) after it read as one broken row.",
        file=path.name,
        hint="Close or remove the stray quote in that row, or export the file again.",
    )


def _fields(line: bytes, encoding: str, delimiter: str) -> list[str]:
    text = line.decode(encoding, errors="replace").rstrip("\r")
    try:
        return next(csv.reader(_io.StringIO(text), delimiter=delimiter), [])
    except csv.Error:
        return text.split(delimiter)


def first_lines(path: Path, text: str, delimiter: str, limit: int = 60) -> list[list[str]]:
    """The first ``limit`` lines of a CSV's sample, as cells (no ``_csv.Error`` escapes)."""
    try:
        return list(csv.reader(_io.StringIO(text), delimiter=delimiter))[:limit]
    except csv.Error as err:
        raise InputError(
            f"{path.name} cannot be read as CSV in its first lines: {err}.",
            file=path.name,
            hint="Export the file again as CSV (UTF-8), or fix `delimiter:` in its description.",
        ) from None
