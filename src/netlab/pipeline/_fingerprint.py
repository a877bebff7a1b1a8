"""Fingerprints: what a processed run and a rendered report rest on, as short hashes.

A processed run is fresh while its raw files and parameters (:func:`input_hash`) and the
code that prepares it (:func:`code_hash`: netlab's and the versions of the libraries that
compute) are unchanged; a report is rendered again when that, its notebook, the template,
the package code or the version of a library that computes or draws it
(:func:`report_code_hash`) changed, so an upgrade of the environment renders everything again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from netlab import paths
from netlab._version import __version__
from netlab.exceptions import InputError

if TYPE_CHECKING:
    from netlab.params import RunParams

__all__ = ["code_hash", "input_hash", "library_versions", "raw_files", "report_code_hash"]

#: The libraries that compute the tables and models: a new version prepares the data again.
COMPUTING = ("pandas", "numpy", "scipy", "statsmodels")
#: The libraries that draw and write the reports: a new version renders them again.
DRAWING = ("matplotlib", "seaborn", "nbconvert", "papermill")


def library_versions(names: Iterable[str]) -> str:
    """The installed versions of ``names`` as one line ("pandas=3.0.1;numpy=2.3.0").

    A library that is not installed reads as "none". Read at each call (not cached), so
    an upgrade within one long session is seen.
    """
    found = []
    for name in names:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=none")
    return ";".join(found)


def _hash_files(files: list[Path]) -> hashlib._Hash:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(f.name.encode())
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h


def raw_files(directory: Path) -> list[Path]:
    """The files a run rests on: data files (CSV, Excel, Parquet), descriptions (YAML) and
    the exports those describe (which may sit in subfolders), sorted.

    Parameters
    ----------
    directory : Path
        The run's raw folder.

    Returns
    -------
    list[Path]
        Each file once, in path order: those directly in ``directory`` whose suffix
        marks data or a description, and every file a description there claims,
        wherever it sits.
    """
    from netlab.sources import claims

    suffixes = {".csv", ".txt", ".tsv", ".xlsx", ".xls", ".parquet", ".yaml", ".yml"}
    files = {p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in suffixes}
    return sorted(files | set(claims(directory)[0]))


#: Parameters that change how reports are written, not the processed tables: turning PDFs
#: off or on does not prepare the data again.
_RENDER_ONLY = {"pdf"}


def input_hash(params: RunParams) -> str:
    """Hash of the run's raw files and parameters: what the processed tables rest on.

    Parameters
    ----------
    params : RunParams
        The run's parameters (their raw folder and values).

    Returns
    -------
    str
        16 hexadecimal characters over every raw file's name and bytes and the
        parameters' values (all but those that only change how reports are written,
        such as ``pdf``): equal hashes mean the same inputs.
    """
    directory = params.raw_path
    if not directory.is_dir():
        raise InputError(
            f"The raw folder {directory} does not exist.",
            hint="Check raw_dir in the run's parameters, or run `netlab demo` for the demo data.",
        )
    h = _hash_files(raw_files(directory))
    h.update(params.model_dump_json(exclude=_RENDER_ONLY).encode())
    return h.hexdigest()[:16]


def code_hash() -> str:
    """Hash of the code that prepares a run (changes invalidate processed runs).

    Returns
    -------
    str
        16 hexadecimal characters over every module and YAML definition of the
        package, netlab's version and the versions of the libraries that compute; a
        processed run whose manifest records another one is prepared again.
    """
    # Every module and YAML definition of the package: a change anywhere may change a table.
    files = sorted(paths.PACKAGE.rglob("*.py")) + sorted(paths.PACKAGE_DATA.rglob("*.yaml"))
    h = _hash_files(files)
    h.update(__version__.encode())
    h.update(library_versions(COMPUTING).encode())
    return h.hexdigest()[:16]


def report_code_hash(notebooks: Path, templates: Path) -> str:
    """Hash of everything a report's look rests on: its code, notebooks and template.

    Parameters
    ----------
    notebooks : Path
        The notebooks folder; :func:`netlab.paths.notebooks_dir` when None.
    templates : Path
        The templates folder; :func:`netlab.paths.templates_dir` when None.

    Returns
    -------
    str
        16 hexadecimal characters over the package's modules, the notebooks, the
        template's files, netlab's version and the versions of the libraries that
        compute or draw; part of each report's key, so a change renders it again.
    """
    files: Iterable[Path] = [
        *sorted(paths.PACKAGE.rglob("*.py")),
        *sorted(notebooks.glob("*.ipynb")),
        *sorted(p for p in (templates / "netlab").rglob("*") if p.is_file()),
    ]
    h = hashlib.sha256(__version__.encode())
    h.update(library_versions((*COMPUTING, *DRAWING)).encode())
    for f in files:
        h.update(str(f.name).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]
