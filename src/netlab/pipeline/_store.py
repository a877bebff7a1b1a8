"""The processed run on disk: written file by file, checked, and read back.

``data/processed/<run>/`` holds a prepared run's tables, rates and models as Parquet, and
a manifest (written last) recording each file's size and checksum, the inputs' and the
code's fingerprints and the parameters. A run is fresh while those are unchanged and
every file is as the manifest recorded it; :func:`load` reads it without recomputing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from netlab import clean, paths
from netlab._version import __version__
from netlab.exceptions import InputError
from netlab.params import RunParams, from_dict
from netlab.pipeline._environment import versions
from netlab.pipeline._fingerprint import _hash_files, code_hash, input_hash
from netlab.pipeline._prepared import Prepared

#: The run's own tables every processed run holds beside its exports' tables.
_PREPARED = ("rates", "pending", "units", "quality", "exclusions", "measures")


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            kinds = {type(v) for v in out[col].dropna().head(1000)}
            if len(kinds) > 1 or (kinds and not kinds <= {str, bool, int, float}):
                out[col] = out[col].map(lambda v: None if v is None else str(v))
    out.attrs = {}
    out.to_parquet(tmp, index=False)
    tmp.replace(path)


def _checksum(path: Path) -> str:
    return _hash_files([path]).hexdigest()


def write_prepared(prepared: Prepared, out_dir: Path | None = None) -> Path:
    """Write a prepared run to ``data/processed/<run>/`` (atomically, file by file).

    The manifest, written last, records each file's size and checksum, so that a file
    damaged or replaced afterwards is found before anything reads it (:func:`check`).

    Parameters
    ----------
    prepared : Prepared
        The prepared run (from :func:`netlab.prepare` or :func:`netlab.load`).
    out_dir : Path or None, optional
        Where to write; ``data/processed/<run>/`` when None.

    Returns
    -------
    Path
        The folder written.
    """
    out = out_dir or paths.processed_dir(prepared.run)
    (out / "models").mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in prepared.tables.items():
        written.append(out / f"{name}.parquet")
        _write_parquet(frame, written[-1])
    for name in _PREPARED:
        written.append(out / f"{name}.parquet")
        _write_parquet(getattr(prepared, name), written[-1])
    (out / "sources").mkdir(exist_ok=True)
    for old in (out / "sources").glob("*.parquet"):
        old.unlink()
    for name, frame in prepared.sources.items():
        written.append(out / "sources" / f"{name}.parquet")
        _write_parquet(frame, written[-1])
    for old in (out / "models").glob("*.parquet"):
        old.unlink()
    for name, frame in prepared.models.items():
        written.append(out / "models" / f"{name}.parquet")
        _write_parquet(frame, written[-1])
    files = {
        f.relative_to(out).as_posix(): {"bytes": f.stat().st_size, "sha256": _checksum(f)}
        for f in written
    }
    manifest = {
        "run": prepared.run,
        "input_hash": prepared.input_hash,
        "code_hash": code_hash(),
        "netlab_version": __version__,
        "versions": versions(),
        "key_id": clean.key_id() if prepared.has_students else None,
        "files": files,
        "created": prepared.created,
        "as_of": prepared.as_of.isoformat() if prepared.as_of else None,
        "has_students": prepared.has_students,
        "tables": {name: int(len(f)) for name, f in prepared.tables.items()},
        "models": sorted(prepared.models),
        "notes": prepared.notes,
        "params": json.loads(prepared.params.model_dump_json()),
    }
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    tmp.replace(out / "manifest.json")
    return out


def manifest(run: str) -> dict | None:
    """The manifest of a processed run, or ``None`` if it was never prepared.

    Parameters
    ----------
    run : str
        The run's name.

    Returns
    -------
    dict or None
        The contents of ``data/processed/<run>/manifest.json``, written by prepare: the
        input and code hashes, the key's fingerprint, every file with its size and checksum,
        the run's date and its tables' row counts. None when there is no such file.
    """
    path = paths.processed_dir(run) / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def check(run: str, found: dict | None = None, *, full: bool = True) -> list[str]:
    """What is wrong with a processed run's files, as sentences (empty when all is well).

    Parameters
    ----------
    run : str
        The run's name.
    found : dict, optional
        Its manifest (read from disk when omitted).
    full : bool
        Compare every file's checksum with the manifest (default); False compares sizes
        only, which is enough to catch a truncated or missing file cheaply.

    Returns
    -------
    list of str
        One sentence per problem: a missing manifest, a file missing, changed or
        truncated, a manifest from another netlab version or without checksums.
    """
    folder = paths.processed_dir(run)
    found = manifest(run) if found is None else found
    if found is None:
        return [f"{folder / 'manifest.json'} is missing or unreadable"]
    problems = []
    if found.get("netlab_version") != __version__:
        problems.append(
            f"it was prepared by netlab {found.get('netlab_version') or 'of unknown version'}"
            f" (this is netlab {__version__})"
        )
    files = found.get("files")
    if not isinstance(files, dict) or not files:
        return [*problems, "its manifest records no checksums (prepared by an older netlab)"]
    return problems + _file_problems(folder, files, full=full)


def _file_problems(folder: Path, files: dict, *, full: bool) -> list[str]:
    problems = []
    for rel, want in sorted(files.items()):
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel} is missing")
        elif path.stat().st_size != want.get("bytes"):
            problems.append(
                f"{rel} is damaged ({path.stat().st_size:,} bytes, the manifest says "
                f"{want.get('bytes', 0):,})"
            )
        elif full and _checksum(path) != want.get("sha256"):
            problems.append(f"{rel} is damaged (its checksum differs from the manifest's)")
    return problems


def stale_reason(params: RunParams) -> str | None:
    """Why the processed run must be prepared again, or None when it is fresh and whole.

    Checks, in order: a manifest, the inputs and parameters, the pseudonym key, the code,
    and every processed file against its checksum.

    Parameters
    ----------
    params : RunParams
        The run's parameters.

    Returns
    -------
    str or None
        The first reason found, as a clause ("its raw files or parameters changed", "it has
        not been prepared yet"); None when the processed run can be loaded as it is.
    """
    found = manifest(params.run)
    if found is None:
        return "it has not been prepared yet"
    if found.get("input_hash") != input_hash(params):
        return "its raw files or parameters changed"
    if found.get("has_students"):
        recorded = found.get("key_id")
        if not paths.key_file().exists() or recorded != clean.key_id():
            if clean.key_changed_on_purpose(recorded):
                return "the pseudonym key changed (netlab rekey)"
            # preparing stops there, naming the fix (pipeline.check_keys)
            return "the pseudonym key is not the one it was prepared with"
    damaged = check(params.run, found)
    if damaged:
        return "; ".join(damaged)
    if found.get("code_hash") != code_hash():
        return "netlab's code or the version of a library that computes it changed"
    return None


def is_fresh(params: RunParams) -> bool:
    """True when the processed run rests on the same inputs, parameters, key and code,
    and every processed file is as the manifest recorded it.

    Parameters
    ----------
    params : RunParams
        The run's parameters.

    Returns
    -------
    bool
        Whether :func:`stale_reason` finds nothing: the run can be loaded without preparing
        it again.
    """
    return stale_reason(params) is None


def load(run: str | RunParams) -> Prepared:
    """Load a prepared run (tables, rates, models) without recomputing anything.

    Parameters
    ----------
    run : str or RunParams
        The run's name (``"demo"``) or its parameters.

    Returns
    -------
    Prepared
        The run as prepare left it: its tables, rates, units, measures and fitted models,
        with its params and date, read from ``data/processed/<run>/`` once every file the
        manifest lists is there at its recorded size.

    Examples
    --------
    >>> import netlab
    >>> demo = netlab.load("demo")  # doctest: +SKIP
    >>> demo.rates.head()  # doctest: +SKIP
    """
    name = run.run if isinstance(run, RunParams) else str(run)
    folder = paths.processed_dir(name)
    found = manifest(name)
    if found is None:
        raise InputError(
            f"The run {name!r} has not been prepared (no {folder / 'manifest.json'}).",
            hint=f"Run `netlab prepare params/{name}.yaml` (or `make demo` for the demo).",
        )
    older = [f"{t}.parquet" for t in _PREPARED if f"{t}.parquet" not in (found.get("files") or {})]
    if older:
        raise InputError(
            f"The processed run {name!r} was prepared "
            f"({found.get('created', 'date unknown')[:10]}) by a netlab that did not write "
            f"{', '.join(older)}: this netlab cannot load it.",
            file=str(folder),
            hint=f"Prepare it again: `netlab build params/{name}.yaml` (or `netlab prepare`).",
        )
    damaged = _file_problems(folder, found.get("files") or {}, full=False)
    if damaged:
        raise InputError(
            f"The processed run {name!r} cannot be loaded: " + "; ".join(damaged) + ".",
            file=str(folder),
            hint=f"Prepare it again: `netlab prepare params/{name}.yaml` (or `netlab build`, "
            "which does it when needed).",
        )
    tables = {t: pd.read_parquet(folder / f"{t}.parquet") for t in found["tables"]}
    models = {p.stem: pd.read_parquet(p) for p in sorted((folder / "models").glob("*.parquet"))}
    return Prepared(
        run=name,
        params=from_dict(found["params"], source=str(folder / "manifest.json")),
        tables=tables,
        rates=pd.read_parquet(folder / "rates.parquet"),
        units=pd.read_parquet(folder / "units.parquet"),
        quality=pd.read_parquet(folder / "quality.parquet"),
        exclusions=pd.read_parquet(folder / "exclusions.parquet"),
        measures=pd.read_parquet(folder / "measures.parquet"),
        has_students=bool(found["has_students"]),
        models=models,
        input_hash=found["input_hash"],
        notes=list(found.get("notes", [])),
        created=found.get("created", ""),
        as_of=dt.date.fromisoformat(found["as_of"]) if found.get("as_of") else None,
        pending=pd.read_parquet(folder / "pending.parquet"),
        sources={
            p.stem: pd.read_parquet(p) for p in sorted((folder / "sources").glob("*.parquet"))
        },
    )
