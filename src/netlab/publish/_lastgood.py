"""The last good reports: held while a build runs, kept dated when it fails.

Reports are replaced by rename, never rewritten in place, so the last good build's files
are held as hard links at no cost; a report that failed (or whose unit left the run) is
removed with the files beside it, so nothing half-done is sent out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

from netlab import paths
from netlab.publish._registry import suffixes

MANIFEST = "manifest.json"
LAST_GOOD = "last-good"  # the last good build's reports, held while a build runs
KEPT = "kept"  # dated copies of the last good reports, kept when a build failed
KEEP = 5  # dated copies kept at most


def remove_temporary_files(out: Path) -> None:
    """Remove what a killed build left half-written (``.<name>.<pid>.tmp``).

    Parameters
    ----------
    out : Path
        The run's reports folder, searched with its subfolders.
    """
    for tmp in out.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def hold_last_good(out: Path, work: Path, previous_ok: bool) -> Path | None:
    """Hard-link the reports of the last good build into the work area before rendering.

    Reports are replaced by rename, never rewritten in place, so the links keep the old
    versions at no cost. A held copy left by a build that did not finish is kept as it is:
    it, not the half-rebuilt folder, is the last good set.

    Parameters
    ----------
    out : Path
        The run's reports folder.
    work : Path
        The build's work area, where the held copy goes (``last-good``).
    previous_ok : bool
        Whether the last build succeeded (and anything is to be rebuilt); if not, nothing
        new is held.

    Returns
    -------
    Path or None
        The held copy, or None when nothing is held.
    """
    held = work / LAST_GOOD
    if held.is_dir():
        return held
    if not previous_ok:
        return None
    tmp = work / f".{LAST_GOOD}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:  # another file system, or links not allowed: copy
            shutil.copy2(src, dst)

    shutil.copytree(out, tmp, copy_function=link)
    tmp.replace(held)
    return held


def keep_last_good(held: Path | None, work: Path, failed: bool) -> Path | None:
    """After the build: keep the held reports, dated, when it failed; else let them go.

    Parameters
    ----------
    held : Path or None
        The held copy, from :func:`hold_last_good`.
    work : Path
        The build's work area; dated copies go in its ``kept`` folder.
    failed : bool
        Whether the build failed.

    Returns
    -------
    Path or None
        The dated copy kept, or None when the build succeeded or nothing was held.
    """
    if held is None or not held.is_dir():
        return None
    if not failed:
        shutil.rmtree(held, ignore_errors=True)
        return None
    built = previous_manifest(held).get("built")
    try:
        stamp = dt.datetime.fromisoformat(str(built)).strftime("%Y-%m-%d_%H%M%S")
    except (TypeError, ValueError):
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d_%H%M%S")
    kept = work / KEPT / stamp
    if kept.exists():  # that build is kept already (an earlier failure)
        shutil.rmtree(held, ignore_errors=True)
    else:
        kept.parent.mkdir(parents=True, exist_ok=True)
        held.replace(kept)
    for old in sorted(p for p in (work / KEPT).iterdir() if p.is_dir())[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    return kept


def previous_manifest(out: Path) -> dict:
    """The manifest of the build last written to a folder.

    Parameters
    ----------
    out : Path
        A reports folder (or a held copy of one).

    Returns
    -------
    dict
        Its ``manifest.json``; empty when there is none or it cannot be read.
    """
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def file_sha256(path: Path) -> str:
    """A file's SHA-256 checksum, as the manifest records each report's.

    Parameters
    ----------
    path : Path
        The file, read in chunks.

    Returns
    -------
    str
        The checksum in hexadecimal.
    """
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def remove_report(out: Path, rel: str) -> None:
    """Remove a report and the files beside it (every registered output: workbook, PDF…).

    Parameters
    ----------
    out : Path
        The run's reports folder.
    rel : str
        The report's page, relative to ``out`` (``"schools/….html"``).
    """
    for suffix in suffixes():
        (out / paths.beside(rel, suffix)).unlink(missing_ok=True)
