"""The cells of one export file, as text: encoding, header row, CSV columns, Excel sheets.

CSV files are read with pyarrow, only the columns a description uses, so codes keep
their zeros and millions of rows read in seconds; a wide file's headers give its years.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from netlab.clean import factorize_values
from netlab.exceptions import InputError
from netlab.sources._damage import check_bytes, check_rows, first_lines, unclosed_quote
from netlab.sources._describe import Description
from netlab.sources._header_match import header_matches
from netlab.sources._sheets import _read_sheets, _text, sniff_delimiter, text_encoding


def _header_row(lines: list[list[str]], desc: Description, path: Path) -> int | None:
    """Position of the header among the first lines (None: the file has no header)."""
    spec = desc.spec.header
    if isinstance(spec, str) and spec.lower() in ("none", "no", "false"):
        return None
    markers = [spec] if isinstance(spec, str) else list(spec or [])
    for pos, cells in enumerate(lines):
        cells = [_text(c) for c in cells]
        if not any(cells):
            continue
        if not markers or all(any(header_matches(c, m) for c in cells) for m in markers):
            return pos
    raise InputError(
        f"{path.name}: no row among the first {len(lines)} holds the header markers {markers}.",
        file=path.name,
        hint=f"Check the file, or fix `header:` in {desc.where_for(path)}.",
    )


def _csv_cells(path: Path, desc: Description, notes: list[str]):
    """(header cells, body as a dict position -> text array, rows skipped) of a CSV file."""
    with path.open("rb") as fh:
        sample = fh.read(1 << 16)
    check_bytes(path, sample, encoding=desc.spec.encoding)
    encoding, note = text_encoding(sample, declared=desc.spec.encoding, sample=True)
    text = sample.decode(encoding, errors="replace")
    delimiter = desc.spec.delimiter or sniff_delimiter(text)
    lines = first_lines(path, text, delimiter)
    pos = _header_row(lines, desc, path)
    header = [] if pos is None else [_text(c) for c in lines[pos]]
    width = max(len(header), max((len(x) for x in lines), default=0))
    if pos is None:
        header = [""] * width
    # Lines above the header (titles, blank lines) and the header itself are skipped.
    skip = 0 if pos is None else pos + 1
    return header, encoding, note, delimiter, skip


def _read_csv_columns(
    path: Path,
    header: list[str],
    wanted: list[int],
    encoding: str,
    delimiter: str,
    skip: int,
    notes: list[str],
    *,
    declared: bool = False,
) -> tuple[dict[int, Any], int, list[str]]:
    """The wanted columns of a CSV as text (by position), its rows read and the bad rows
    (``declared``: the encoding is the description's, never changed for another; else the
    whole file decides it, as its first bytes did)."""
    bad: list[str] = []
    spans: list[str] = []  # bad rows running over line ends: an unclosed quote

    def invalid(row: Any) -> str:
        bad.append(row.text[:40] if row.text else "")
        if row.text and "\n" in row.text and not spans:
            spans.append(row.text)
        return "skip"

    names = [f"c{i}" for i in range(len(header))]
    keep = [names[i] for i in sorted(set(wanted))]

    def read(enc: str) -> pa.Table:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding=enc, skip_rows=skip, column_names=names, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in keep},
                include_columns=keep,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )

    data = path.read_bytes()
    if not declared:  # UTF-8 in its first bytes only: the whole file decides, in one order
        whole, note = text_encoding(data)
        if whole != encoding and note is not None:
            encoding = whole
            notes.append(note)
    try:
        table = read(encoding)
    except pa.ArrowInvalid as err:
        raise InputError(
            f"{path.name} cannot be read as CSV: {str(err).splitlines()[0]}",
            file=path.name,
            hint="Export the file again as CSV, or fix `delimiter:` in its description.",
        ) from None
    rows_read = table.num_rows + len(bad)
    _check_damage(path, data, spans, encoding, delimiter, skip, len(header), rows_read)
    cols = {int(n[1:]): table.column(n) for n in keep}
    return cols, table.num_rows, bad


def _check_damage(
    path: Path,
    data: bytes,
    spans: list[str],
    encoding: str,
    delimiter: str,
    skip: int,
    width: int,
    rows_read: int,
) -> None:
    """Refuse a damaged CSV: a quote swallowing the rows after it (``spans``, the bad rows
    running over line ends), wide-encoding or binary bytes, rows disagreeing with lines."""
    if spans:
        unclosed_quote(path, data, spans[0], encoding)
    if not encoding.lower().replace("-", "").startswith(("utf16", "utf32")):
        check_bytes(path, data)
        check_rows(
            path,
            data,
            encoding=encoding,
            delimiter=delimiter,
            skip=skip,
            width=width,
            rows_read=rows_read,
        )


def _excel_cells(path: Path, desc: Description):
    sheets = _read_sheets(path)
    if desc.spec.sheet:
        if desc.spec.sheet not in sheets:
            raise InputError(
                f"{path.name} has no sheet {desc.spec.sheet!r} (it has {list(sheets)}).",
                file=path.name,
                hint=f"Fix `sheet:` in {desc.where_for(path)}.",
            )
        sheets = {desc.spec.sheet: sheets[desc.spec.sheet]}
    for name, frame in sheets.items():
        lines = [[_text(v) for v in frame.iloc[r].tolist()] for r in range(min(60, len(frame)))]
        try:
            pos = _header_row(lines, desc, path)
        except InputError:
            continue
        start = 0 if pos is None else pos + 1
        header = [""] * frame.shape[1] if pos is None else lines[pos]
        body = frame.iloc[start:]
        body = body[body.notna().any(axis=1).to_numpy()]
        return header, name, body
    raise InputError(
        f"{path.name}: no sheet holds the header the description expects.",
        file=path.name,
        hint=f"Check the file, or fix `header:` / `sheet:` in {desc.where_for(path)}.",
    )


def _as_text(values: Any) -> pd.Series:
    """Text cells (None where blank) from an Arrow column or a column of Excel cells."""
    if isinstance(values, pa.ChunkedArray):
        # Blank cells are already null (read with null_values [""]); trim only when needed,
        # since a copy of a state-sized column is hundreds of megabytes.
        padded = pc.or_(pc.starts_with(values, " "), pc.ends_with(values, " "))
        if pc.any(padded).as_py():
            values = pc.utf8_trim_whitespace(values)
            values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
        return pd.Series(pd.array(values, dtype="str"))
    series = pd.Series(values).reset_index(drop=True)
    codes, uniques = factorize_values(series)
    texts = np.array([_text(u) or None for u in uniques] + [None], dtype=object)
    return pd.Series(texts[np.where(codes < 0, len(uniques), codes)], dtype="str")


# --------------------------------------------------------------------------- wide years
def _years_layout(header: list[str], pattern: str) -> tuple[list[str], dict[int, int | None]]:
    """Base headers (the year cut out) and each column's year (None: not a year column)."""
    base: list[str] = []
    years: dict[int, int | None] = {}
    rx = re.compile(pattern, re.IGNORECASE)
    for i, h in enumerate(header):
        m = rx.search(h) if h else None
        if m and "year" in m.groupdict():
            years[i] = int(m.group("year"))
            cut = (h[: m.start()] + " " + h[m.end() :]).strip(" _-:")
            base.append(cut)
        else:
            years[i] = None
            base.append(h)
    return base, years
