"""Which file of a raw folder is what, and the description each is read through.

A description YAML in the folder names its files (``files:`` patterns, or the file with
the YAML's own name); a file without one is recognised by its header when a built-in's
``detect`` markers all match it; any other file is left to be read as the contract table
its name says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netlab import schemas
from netlab.exceptions import InputError
from netlab.sources._describe import Description, builtins, detect, load_description

DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")


@dataclass
class Claim:
    """A file of the folder and the description it is read through."""

    path: Path
    description: Description
    how: str


def _data_files(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file()
        and p.suffix.lower() in DATA_SUFFIXES
        and not p.name.startswith((".", "~$", "_"))
    )


def _glob(directory: Path, pattern: str) -> list[Path]:
    rx = re.compile(
        "^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$", re.IGNORECASE
    )
    base = directory / Path(pattern).parent
    if not base.is_dir():
        return []
    return sorted(
        p for p in base.iterdir() if p.is_file() and rx.match(str(p.relative_to(directory)))
    )


def description_files(directory: Path) -> list[Path]:
    """The description YAML files of a raw folder."""
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and p.suffix.lower() in (".yaml", ".yml") and not p.name.startswith(".")
    )


def _header_of(path: Path) -> list[str] | None:
    """A file's first non-blank row, cheaply (for recognising built-in layouts)."""
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            from netlab.sources._sheets import _read_sheets, _text

            for frame in _read_sheets(path).values():
                for r in range(min(30, len(frame))):
                    cells = [_text(v) for v in frame.iloc[r].tolist()]
                    if sum(bool(c) for c in cells) >= 2:
                        return cells
            return None
        with path.open("rb") as fh:
            head = fh.read(1 << 14).decode("utf-8", errors="replace")
    except (OSError, InputError):
        return None
    import csv
    import io as _io

    from netlab.sources._sheets import sniff_delimiter

    lines = list(csv.reader(_io.StringIO(head), delimiter=sniff_delimiter(head)))
    for cells in lines[:30]:
        if sum(bool(c.strip()) for c in cells) >= 2:
            return [c.strip() for c in cells]
    return None


def claims(directory: str | Path) -> tuple[dict[Path, Claim], list[dict[str, Any]]]:
    """Which files of a raw folder are read through a description, and which one.

    Parameters
    ----------
    directory : str or Path
        The raw folder.

    Returns
    -------
    (dict, list)
        File -> :class:`Claim`, and problem records (a YAML that cannot be read, a file
        two descriptions claim, a description that claims no file).
    """
    directory = Path(directory)
    found: dict[Path, Claim] = {}
    problems: list[dict[str, Any]] = []
    files = _data_files(directory)
    for yml in description_files(directory):
        try:
            desc = load_description(yml)
        except InputError as err:
            problems.append(
                schemas.problem(
                    file=yml.name,
                    table=None,
                    rule=err.message,
                    what_to_do=err.hint or "Fix the description.",
                )  # fmt: skip
            )
            continue
        mine = [p for p in files if p.stem.lower() == yml.stem.lower()]
        for pattern in desc.spec.files if not mine else []:
            mine += [p for p in _glob(directory, pattern) if p.suffix.lower() in DATA_SUFFIXES]
        if not mine:
            problems.append(
                schemas.problem(
                    file=yml.name,
                    table=desc.kind,
                    rule=f"{yml.name} describes no file of the folder "
                    f"(no {yml.stem}.* and nothing matches {desc.spec.files})",
                    what_to_do=f"Name the files under `files:` in {yml.name}, or remove it.",
                    severity="warning",
                )
            )
        for path in sorted(set(mine)):
            if path in found:
                problems.append(
                    schemas.problem(
                        file=path.name,
                        table=desc.kind,
                        rule=f"{path.name} is claimed by {found[path].how} and by {yml.name}",
                        what_to_do="Let one description name each file.",
                    )
                )
                continue
            found[path] = Claim(path, desc, f"described in {yml.name}")
    shipped = builtins()
    for path in files:
        if path in found:
            continue
        header = _header_of(path)
        if not header:
            continue
        for desc in shipped:
            if detect(header, desc):
                found[path] = Claim(path, desc, "recognised by its header")
                break
    return found, problems
