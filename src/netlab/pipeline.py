"""The run, as a list of steps: read → clean and validate → measures → network models.

``prepare`` turns one run's raw exports into processed tables, the long-form rates table
and the network-level models, fitted once and saved beside the tables so that every report
only loads and draws. Raw files are never modified.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from netlab import clean, io, measures, paths, schemas
from netlab._environment import versions
from netlab._pseudonym import key_id
from netlab._version import __version__
from netlab.exceptions import InputError, SchemaError
from netlab.params import RunParams, from_dict

#: Analysis modules whose ``models_for_run(prepared)`` is fitted once per run, in order.
MODEL_MODULES = ("variation", "practices", "livecase", "traction")
_OUTSIDE = "outside this run's network (params: schools / districts)"


@dataclass
class Prepared:
    """A prepared run: clean tables, rates, units, quality log and fitted models."""

    run: str
    params: RunParams
    tables: dict[str, pd.DataFrame]
    rates: pd.DataFrame
    units: pd.DataFrame
    quality: pd.DataFrame
    exclusions: pd.DataFrame
    measures: pd.DataFrame
    has_students: bool
    models: dict[str, pd.DataFrame] = field(default_factory=dict)
    input_hash: str = ""
    notes: list[str] = field(default_factory=list)
    created: str = ""
    # How exports became tables: "joins" (every join counted), "college_codes" (NSC codes).
    sources: dict[str, pd.DataFrame] = field(default_factory=dict)

    def model(self, name: str) -> pd.DataFrame | None:
        """Return a fitted model frame (``"variation__funnel"``) or ``None`` if absent."""
        return self.models.get(name)


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
    the exports those describe (which may sit in subfolders), sorted."""
    from netlab._exports import claims

    suffixes = {".csv", ".txt", ".tsv", ".xlsx", ".xls", ".parquet", ".yaml", ".yml"}
    files = {p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in suffixes}
    return sorted(files | set(claims(directory)[0]))


#: Parameters that change how reports are written, not the processed tables: turning PDFs
#: off or on does not prepare the data again.
_RENDER_ONLY = {"pdf"}


def input_hash(params: RunParams) -> str:
    """Hash of the run's raw files and parameters: what the processed tables rest on."""
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
    """Hash of the code that prepares a run (changes invalidate processed runs)."""
    # Every module and YAML definition of the package: a change anywhere may change a table.
    files = sorted(paths.PACKAGE.rglob("*.py")) + sorted(paths.PACKAGE_DATA.rglob("*.yaml"))
    h = _hash_files(files)
    h.update(__version__.encode())
    return h.hexdigest()[:16]


def _not_found(named: list[str], known: pd.Series, *, fold: bool) -> list[str]:
    """The names in ``named`` that are not in ``known``, each with a suggestion if close."""
    values = known.dropna().astype(str)
    index = set(values.str.casefold()) if fold else set(values)
    out = []
    for name in named:
        if (name.casefold() if fold else name) in index:
            continue
        close = schemas.suggest(name, values.unique())
        if close is None and name.isdigit():
            # A code that lost (or gained) leading zeros on the way into the params.
            close = next((v for v in values.unique() if v.lstrip("0") == name.lstrip("0")), None)
        out.append(f"{name!r}" + (f" (did you mean {close!r}?)" if close else ""))
    return out


def _check_named(schools: pd.DataFrame, params: RunParams) -> None:
    """Every school and district the params name must be in the data."""
    problems = []
    if params.districts and "district" in schools.columns:
        missing = _not_found(params.districts, schools["district"], fold=True)
        if missing:
            problems.append(f"districts not in the schools table: {', '.join(missing)}")
    elif params.districts:
        problems.append("districts are named, but the schools table has no district column")
    missing = _not_found(list(params.schools or []), schools["school_id"], fold=False)
    if missing:
        problems.append(f"schools not in the schools table: {', '.join(missing)}")
    unit_column = "district" if params.unit == "district" else "school_id"
    if params.team_measures and unit_column in schools.columns:
        missing = _not_found(list(params.team_measures), schools[unit_column], fold=False)
        if missing:
            problems.append(
                f"team_measures for {params.unit}s not in the data: {', '.join(missing)}"
            )
    if problems:
        raise InputError(
            "The run's parameters name what the data does not hold: " + "; ".join(problems) + ".",
            table="schools",
            hint="Correct these names in the params file (ids exactly as in schools, as "
            "quoted text), or add the missing schools to the schools table.",
        )


def _select_network(
    tables: dict[str, pd.DataFrame], params: RunParams
) -> tuple[dict[str, pd.DataFrame], set[str] | None]:
    schools = tables["schools"]
    _check_named(schools, params)
    keep = pd.Series(True, index=schools.index)
    if params.districts:
        if "district" not in schools.columns:
            raise InputError(
                f"The run selects districts {params.districts}, but the schools table has "
                "no district column.",
                table="schools",
                column="district",
                hint="Add a district column to schools.csv, or select by `schools:` instead.",
            )
        wanted = {d.casefold() for d in params.districts}
        keep &= schools["district"].astype(str).str.casefold().isin(wanted)
    if params.schools:
        keep &= schools["school_id"].astype(str).isin(set(params.schools))
    if bool(keep.all()):
        return tables, None
    if not keep.any():
        raise InputError(
            "No school matches the run's network selection "
            f"(districts={params.districts}, schools={params.schools}).",
            table="schools",
            column="district" if params.districts else "school_id",
            hint="Check the spelling of districts / school ids against the schools table.",
        )
    chosen = set(schools.loc[keep, "school_id"].astype(str))
    return tables, chosen


def _apply_selection(
    tables: dict[str, pd.DataFrame],
    quality: pd.DataFrame,
    exclusions: pd.DataFrame,
    chosen: set[str] | None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    if chosen is None:
        return tables, quality, exclusions
    out, extra = {}, []
    quality = quality.copy()
    for name, frame in tables.items():
        if "school_id" not in frame.columns:
            out[name] = frame
            continue
        inside = frame["school_id"].astype(str).isin(chosen).to_numpy()
        out[name] = frame.loc[inside].reset_index(drop=True)
        dropped = int((~inside).sum())
        if dropped:
            extra.append(
                pd.DataFrame(
                    {
                        "table": name,
                        "file": "",
                        "row": pd.NA,
                        "reason": _OUTSIDE,
                        "column": "school_id",
                        "value": frame.loc[~inside, "school_id"].astype(str).to_numpy(),
                    }
                )
            )
            mask = quality["table"] == name
            quality.loc[mask, "rows_kept"] = quality.loc[mask, "rows_kept"] - dropped
            quality.loc[mask, "rows_excluded"] = quality.loc[mask, "rows_excluded"] + dropped
    if extra:
        exclusions = pd.concat([exclusions, *extra], ignore_index=True)
    return out, quality, exclusions


def prepare_frames(
    raw_tables: dict[str, pd.DataFrame] | dict[str, io.RawTable],
    params: RunParams,
    *,
    key: str | None = None,
    fit: bool = False,
) -> Prepared:
    """Clean, validate and measure in memory (no files written).

    Parameters
    ----------
    raw_tables : dict
        Table name to a raw-like frame (as an export would hold it) or a ``RawTable``.
    params : RunParams
        The run's parameters.
    key : str, optional
        Pseudonymization key; by default the local key file.
    fit : bool
        Fit the network-level models too.

    Returns
    -------
    Prepared
    """
    frames = {n: t for n, t in raw_tables.items() if not isinstance(t, io.RawTable)}
    raw = {n: t for n, t in raw_tables.items() if isinstance(t, io.RawTable)}
    raw |= io.raw_tables(frames)
    result = clean.clean_tables(raw, params, key=key)
    problems = result.problems
    if len(problems) and (problems["severity"] == "error").any():
        raise SchemaError(problems)
    tables, chosen = _select_network(result.tables, params)
    tables, quality, exclusions = _apply_selection(
        tables, result.quality, result.exclusions, chosen
    )
    registry = measures.registry(params)
    rates = _with_focal(measures.compute_rates(tables, params, registry=registry), params)
    units = measures.units_frame(tables["schools"], params, students=tables.get("students"))
    prepared = Prepared(
        run=params.run,
        params=params,
        tables=tables,
        rates=rates,
        units=units,
        quality=quality,
        exclusions=exclusions,
        measures=measures.measures_frame(registry),
        has_students="students" in tables,
        notes=list(result.notes),
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        sources=dict(result.sources),
    )
    if fit:
        prepared.models = fit_models(prepared)
    return prepared


def _with_focal(rates: pd.DataFrame, params: RunParams) -> pd.DataFrame:
    """Counts files carry their own groups: when the focal group is one of them by name
    (public files have only "all"), its rows are the focal rows."""
    focal = params.focal_group
    if not isinstance(focal, str) or focal == "focal" or (rates["group"] == "focal").any():
        return rates
    named = rates[rates["group"] == focal]
    return pd.concat([rates, named.assign(group="focal")], ignore_index=True)


def fit_models(prepared: Prepared) -> dict[str, pd.DataFrame]:
    """Fit every analysis module's network-level models once.

    A module that fails is reported in ``prepared.notes`` and its report sections say
    "not available in this run"; the other modules still run.
    """
    models: dict[str, pd.DataFrame] = {}
    for module_name in MODEL_MODULES:
        try:
            module = importlib.import_module(f"netlab.{module_name}")
        except ImportError:
            continue
        fit = getattr(module, "models_for_run", None)
        if fit is None:
            continue
        try:
            frames = fit(prepared)
        except Exception as err:
            msg = f"{module_name} models could not be fitted: {type(err).__name__}: {err}"
            prepared.notes.append(msg)
            warnings.warn(msg, stacklevel=2)
            continue
        for name, frame in (frames or {}).items():
            models[f"{module_name}__{name}"] = frame
            # Later modules may reuse earlier ones (live cases reuse the bright spots).
            prepared.models[f"{module_name}__{name}"] = frame
    return models


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
    """
    out = out_dir or paths.processed_dir(prepared.run)
    (out / "models").mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in prepared.tables.items():
        written.append(out / f"{name}.parquet")
        _write_parquet(frame, written[-1])
    for name in ("rates", "units", "quality", "exclusions", "measures"):
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
        "key_id": key_id() if prepared.has_students else None,
        "files": files,
        "created": prepared.created,
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


def prepare(params: RunParams, *, fit: bool = True, write: bool = True) -> Prepared:
    """Prepare a run from its raw folder: the steps every report rests on.

    Parameters
    ----------
    params : RunParams
        The run's parameters (``netlab.params.load_params``).
    fit : bool
        Fit the network-level models (default).
    write : bool
        Write the processed tables, models and manifest to ``data/processed/<run>/``.

    Returns
    -------
    Prepared
    """
    digest = input_hash(params)
    raw = io.read_raw(params.raw_path, params=params)
    prepared = prepare_frames(raw, params, fit=fit)
    prepared.input_hash = digest
    prepared.notes[:0] = _import_notes(params.raw_path)
    if write:
        write_prepared(prepared)
    return prepared


def _import_notes(directory: Path) -> list[str]:
    """Summarise an import's own log kept beside the raw tables (``_import_log.csv``)."""
    path = directory / "_import_log.csv"
    if not path.exists():
        return []
    log = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "kept" not in log.columns:
        return []
    kept = log["kept"].str.lower().isin(["true", "1", "yes"])
    reasons = log.loc[~kept, "reason"].value_counts() if "reason" in log.columns else pd.Series()
    why = "; ".join(f"{reason}: {n:,}" for reason, n in reasons.items())
    return [
        f"The public-file import read {len(log):,} schools: {int(kept.sum()):,} kept and "
        f"{int((~kept).sum()):,} excluded before this run chose its network"
        + (f" ({why})." if why else ".")
    ]


def manifest(run: str) -> dict | None:
    """The manifest of a processed run, or ``None`` if it was never prepared."""
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
    """
    found = manifest(params.run)
    if found is None:
        return "it has not been prepared yet"
    if found.get("input_hash") != input_hash(params):
        return "its raw files or parameters changed"
    if found.get("has_students") and found.get("key_id") != key_id():
        return "the pseudonym key changed (netlab rekey)"
    damaged = check(params.run, found)
    if damaged:
        return "; ".join(damaged)
    if found.get("code_hash") != code_hash():
        return "netlab's code changed"
    return None


def is_fresh(params: RunParams) -> bool:
    """True when the processed run rests on the same inputs, parameters, key and code,
    and every processed file is as the manifest recorded it."""
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
        sources={
            p.stem: pd.read_parquet(p) for p in sorted((folder / "sources").glob("*.parquet"))
        },
    )


def summary(prepared: Prepared) -> str:
    """A short plain-text summary of a prepared run, for the terminal."""
    lines = [f"Run {prepared.run!r}: {prepared.params.network} — {prepared.params.term}".rstrip()]
    q = prepared.quality
    for row in q.itertuples(index=False):
        lines.append(
            f"  {row.table:<13} {row.rows_in:>9,} rows in  {row.rows_kept:>9,} kept  "
            f"{row.rows_excluded:>7,} excluded"
        )
    r = prepared.rates
    lines.append(
        f"  rates: {len(r):,} cells, {r['unit_id'].nunique()} {prepared.params.unit}s, "
        f"{r['measure'].nunique()} measures, {r['group'].nunique()} groups, "
        f"years {int(r['year'].min())}–{int(r['year'].max())}"
        if len(r)
        else "  rates: none"
    )
    if prepared.models:
        lines.append(f"  models: {len(prepared.models)} frames fitted")
    for note in prepared.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)
