"""Read a folder of raw exports: one reader for CSV, Excel and Parquet, by file name.

The file name is the table name: ``students.csv``, ``Schools.xlsx`` and
``counts.parquet`` hold the ``students``, ``schools`` and ``counts`` tables. Values are
read as text (codes keep their leading zeros); typing is the job of :mod:`netlab.clean`.
Raw files are only ever read, never written.

CSV files may be UTF-8, UTF-8 with a byte-order mark, or Windows-1252/Latin-1 (detected,
and noted), separated by commas, semicolons, tabs or pipes (sniffed from the first lines).
Excel workbooks (``.xlsx``, ``.xlsm``, ``.xls``) are read from their first sheet.
"""

from __future__ import annotations

import io as _io
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from netlab import schemas
from netlab.clean import RawTable
from netlab.exceptions import InputError
from netlab.sources._damage import check_bytes, check_rows, wide_encoding
from netlab.sources._sheets import open_workbook, sniff_delimiter, text_encoding

if TYPE_CHECKING:
    from netlab.params import RunParams

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PARQUET_SUFFIXES = (".parquet", ".pq")
_MAGIC = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"PAR1": "a Parquet file",
    b"%PDF": "a PDF document",
}
_EXPORT_HINT = "Export the table again as CSV (UTF-8), Excel (.xlsx) or Parquet."


def _kind_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    return None


def _looks_like(head: bytes) -> str | None:
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            return what
    if b"\x00" in head[:8192]:
        return "a binary file"
    return None


def _read_csv(path: Path, data: bytes, notes: list[str]) -> pd.DataFrame:
    check_bytes(path, data)
    encoding, note = text_encoding(data)
    if note:
        notes.append(note)
    sample = data[:65536].decode(encoding, errors="replace")
    sep = sniff_delimiter(sample)
    if sep != ",":
        notes.append(f"delimiter {'tab' if sep == chr(9) else repr(sep)}")
    try:
        # The pyarrow engine reads a state's 2 million rows in well under a second.
        frame = pd.read_csv(
            _io.BytesIO(data), sep=sep, dtype=str, encoding=encoding, engine="pyarrow"
        )
    except Exception:
        frame = pd.read_csv(
            _io.BytesIO(data),
            sep=sep,
            dtype=str,
            encoding=encoding,
            engine="c",
            on_bad_lines="error",
        )
    # blank lines above the header are skipped by both engines
    skip = len(data) - len(data.lstrip(b"\r\n \t"))
    skip = data[:skip].count(b"\n") + 1
    check_rows(
        path,
        data,
        encoding=encoding,
        delimiter=sep,
        skip=skip,
        width=frame.shape[1],
        rows_read=len(frame),
    )
    return frame


def _read_excel(path: Path, notes: list[str]) -> pd.DataFrame:
    with open_workbook(path) as book:
        sheets = book.sheet_names
        if len(sheets) > 1:
            notes.append(
                f"read the first sheet {sheets[0]!r} of {len(sheets)} ({sheets[1:]} ignored)"
            )
        return pd.read_excel(book, sheet_name=sheets[0], dtype=str)


def read_file(path: str | Path) -> RawTable:
    """Read one raw file.

    Parameters
    ----------
    path : str or Path
        A ``.csv``/``.tsv``/``.txt``, ``.xlsx``/``.xlsm``/``.xls`` or ``.parquet`` file.

    Returns
    -------
    RawTable

    Raises
    ------
    InputError
        When the file is empty, of the wrong kind or cannot be read; the message names the
        file and says what to do.
    """
    path = Path(path)
    name = path.stem.strip().lower()
    kind = _kind_of(path)
    notes: list[str] = []
    if kind is None:
        raise InputError(
            f"{path.name} is not a format netlab reads ({path.suffix or 'no extension'}).",
            file=path.name,
            table=name,
            hint=_EXPORT_HINT,
        )
    _check_head(path, name, kind)
    try:
        if kind == "csv":
            frame = _read_csv(path, path.read_bytes(), notes)
        elif kind == "excel":
            frame = _read_excel(path, notes)
        else:
            frame = pd.read_parquet(path)
    except InputError:
        raise
    except Exception as err:  # any reader failure means the same thing to the user
        raise InputError(
            f"{path.name} cannot be read: {str(err).splitlines()[0] if str(err) else err!r}",
            file=path.name,
            table=name,
            hint=_EXPORT_HINT,
        ) from None
    if frame.shape[1] == 0:
        raise InputError(
            f"{path.name} has no columns.",
            file=path.name,
            table=name,
            hint="Export the table again with a header row, or remove the file.",
        )
    if len(frame) == 0:
        notes.append("header only: no data rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    return RawTable(name=name, path=path, frame=frame.reset_index(drop=True), notes=notes)


def _check_head(path: Path, name: str, kind: str) -> None:
    """Refuse a file that cannot be opened, is empty, or is not what its name says."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as err:
        raise InputError(
            f"{path.name} cannot be opened: {err.strerror}.", file=path.name
        ) from None
    if not head.strip():
        raise InputError(
            f"{path.name} is empty.",
            file=path.name,
            table=name,
            hint="Export the table again, or remove the empty file from the folder.",
        )
    if kind == "csv" and wide_encoding(head):
        check_bytes(path, head)  # names UTF-16 before it reads as "binary"
    looks = _looks_like(head)
    expected = {"csv": None, "excel": "Excel", "parquet": "a Parquet file"}[kind]
    wrong = (
        (kind == "csv" and looks is not None)
        or (kind == "excel" and not head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")))
        or (kind == "parquet" and not head.startswith(b"PAR1"))
    )
    if wrong:
        found = looks or "a text (CSV) file"
        raise InputError(
            f"{path.name} is named like {expected or 'a CSV file'} but looks like {found}.",
            file=path.name,
            table=name,
            hint="Rename it with the extension of its real format, or "
            + _EXPORT_HINT[0].lower()
            + _EXPORT_HINT[1:],
        )


def _candidates(directory: Path) -> list[Path]:
    # Hidden files, Excel's lock files (~$book.xlsx) and notes kept beside the exports
    # (names starting with "_", such as an import's own log) are not tables.
    return sorted(
        p for p in directory.iterdir() if p.is_file() and not p.name.startswith((".", "~$", "_"))
    )


def scan(
    directory: str | Path, *, params: RunParams | None = None
) -> tuple[dict[str, RawTable], list[dict[str, Any]]]:
    """Read every export in ``directory``; return the tables and the file-level problems.

    Unlike :func:`read_raw` this never raises for a bad file: each one becomes a problem
    record (see :func:`netlab.schemas.problem`), so that ``netlab validate`` can list them
    all at once.

    Parameters
    ----------
    directory : str or Path
        The raw folder.
    params : RunParams or None, optional
        The run's parameters (its ``extra_columns``); none when None.

    Returns
    -------
    tuple[dict[str, RawTable], list[dict[str, Any]]]
        The tables by name, and the file-level problem records.
    """
    directory = Path(directory)
    problems: list[dict[str, Any]] = []
    if not directory.is_dir():
        problems.append(
            schemas.problem(
                file=str(directory),
                table=None,
                rule=f"folder {directory} does not exist",
                what_to_do="Check the raw_dir in the run's params (or the folder given).",
            )
        )
        return {}, problems
    extra = getattr(params, "extra_columns", None) or {}
    known = schemas.known_tables(extra)
    tables: dict[str, RawTable] = {}
    from netlab.sources._claims import claims  # which files are described exports
    from netlab.sources._exports import read_folder  # the sources layer reads described exports

    claimed, claim_problems = claims(directory)
    _read_plain(directory, claimed, known, tables, problems)
    built, info = read_folder(directory, tables, params, found=claimed, problems=claim_problems)
    tables.update(built)
    if not built:
        problems.extend(info.problems)
    # A described file that could not be read is the problem, not the table it would make.
    failed = [schemas.problem(file="", table=t, rule="", what_to_do="") for t in info.failed]
    problems.extend(_missing_tables(directory, tables, known, problems + failed))
    return tables, problems


def _read_plain(
    directory: Path,
    claimed: Iterable[Path],
    known: Iterable[str],
    tables: dict[str, RawTable],
    problems: list[dict[str, Any]],
) -> None:
    """Read the folder's files no description claims, one table each, into ``tables``.

    A file that cannot be read, or a second file for one table, becomes a problem.
    """
    for path in _candidates(directory):
        if path in claimed or path.suffix.lower() in (".yaml", ".yml"):
            continue  # an export read through its description, or a description
        name = path.stem.strip().lower()
        if _kind_of(path) is None and name not in known:
            # Not a data file and not named like a table (a README, notes): list it, skip it.
            tables[name] = RawTable(
                name=name,
                path=path,
                frame=pd.DataFrame(),
                notes=[f"not read: {path.suffix or 'no extension'} is not a data format"],
            )
            continue
        if name in tables:
            problems.append(
                schemas.problem(
                    file=path.name,
                    table=name,
                    rule=f"two files hold table {name!r}: {tables[name].path.name} and {path.name}",
                    what_to_do="Keep one file per table in the folder.",
                )
            )
            continue
        try:
            tables[name] = read_file(path)
        except InputError as err:
            problems.append(
                schemas.problem(
                    file=path.name,
                    table=name,
                    rule=err.message,
                    what_to_do=err.hint or _EXPORT_HINT,
                )
            )


def _missing_tables(
    directory: Path, tables: dict[str, RawTable], known: Iterable[str], found: list
) -> list[dict[str, Any]]:
    present = set(tables) | {p["table"] for p in found}
    unknown = [t for t in tables if t not in known]
    out = []
    needs = [("schools",), schemas.GRAIN_TABLES]
    for options in needs:
        if present.intersection(options):
            continue
        hint = next((u for u in unknown if any(schemas.suggest(u, [o]) for o in options)), None)
        wanted = " or ".join(f"{o}.csv" for o in options)
        out.append(
            schemas.problem(
                file=str(directory),
                table=options[0],
                rule=f"no {' or '.join(options)} table in {directory}"
                + (f" ({tables[hint].path.name} looks like a misspelling)" if hint else ""),
                what_to_do=f"Add {wanted} (or .xlsx / .parquet) to the folder"
                + (f", or rename {tables[hint].path.name}." if hint else "."),
            )
        )
    return out


def read_raw(directory: str | Path, *, params: RunParams | None = None) -> dict[str, RawTable]:
    """Read a folder of raw exports, one table per file.

    Parameters
    ----------
    directory : str or Path
        The term's raw folder (``data/raw/<term>``).
    params : RunParams, optional
        The run's parameters; tables declared in ``params.extra_columns`` count as known.

    Returns
    -------
    dict of str to RawTable
        Every file by table name, unknown tables included (cleaning reports them).

    Raises
    ------
    InputError
        When a file is empty, unreadable or of the wrong kind, or the folder lacks the
        schools table or both the students and counts tables. Every such problem is named.

    Examples
    --------
    >>> raw = read_raw("data/demo/network")  # doctest: +SKIP
    >>> raw["students"].frame.shape  # doctest: +SKIP
    (41234, 19)
    """
    tables, problems = scan(directory, params=params)
    if problems:
        first = problems[0]
        lines = [f"  {p['file']}: {p['rule']} -> {p['what_to_do']}" for p in problems]
        message = (
            first["rule"]
            if len(problems) == 1
            else f"{len(problems)} input problems:\n" + "\n".join(lines)
        )
        raise InputError(
            message,
            file=first["file"] if len(problems) == 1 else str(directory),
            table=first["table"] if len(problems) == 1 else None,
            hint=first["what_to_do"] if len(problems) == 1 else "Fix each file listed above.",
        )
    return tables


def describe(tables: dict[str, RawTable]) -> pd.DataFrame:
    """Return one row per raw table: table, file, rows, columns, notes.

    Parameters
    ----------
    tables : dict[str, RawTable]
        Raw tables by name.

    Returns
    -------
    DataFrame
        One row per raw table: table, file, rows, columns, notes.
    """
    rows = []
    for name, raw in tables.items():
        rows.append(
            {
                "table": name,
                "file": raw.path.name,
                "rows": len(raw.frame),
                "columns": raw.frame.shape[1],
                "notes": "; ".join(raw.notes),
            }
        )
    return pd.DataFrame(rows, columns=["table", "file", "rows", "columns", "notes"])


def raw_tables(frames: dict[str, pd.DataFrame]) -> dict[str, RawTable]:
    """Wrap in-memory frames as raw tables (file names shown as ``<name>``).

    Parameters
    ----------
    frames : dict of str to DataFrame
        Raw-like tables by name (typed or text columns both work).

    Returns
    -------
    dict of str to RawTable
    """
    return {
        name.lower(): RawTable(
            name=name.lower(),
            path=Path(f"<{name.lower()}>"),
            frame=frame.reset_index(drop=True),
            notes=[],
        )
        for name, frame in frames.items()
    }
