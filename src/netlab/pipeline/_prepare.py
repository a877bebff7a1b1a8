"""The run, as a list of steps: read → clean and validate → measures → network models.

``prepare`` turns one run's raw exports into processed tables, the long-form rates table
and the network-level models, fitted once and saved beside the tables so that every report
only loads and draws. Raw files are never modified.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pandas as pd

from netlab import clean, measures, paths, sources
from netlab.exceptions import SchemaError
from netlab.params import RunParams
from netlab.pipeline._described import with_described_measures
from netlab.pipeline._fingerprint import input_hash
from netlab.pipeline._history import history_file, history_key, network_of
from netlab.pipeline._keep import append as append_history
from netlab.pipeline._models import fit_models
from netlab.pipeline._prepared import Prepared
from netlab.pipeline._selection import _apply_selection, _select_network
from netlab.pipeline._since import check_name
from netlab.pipeline._store import manifest, write_prepared

log = logging.getLogger(__name__)


def prepare_frames(
    raw_tables: dict[str, pd.DataFrame] | dict[str, sources.RawTable],
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
    frames = {n: t for n, t in raw_tables.items() if not isinstance(t, sources.RawTable)}
    raw = {n: t for n, t in raw_tables.items() if isinstance(t, sources.RawTable)}
    raw |= sources.raw_tables(frames)
    # tables may say the date they are as of (the synthetic network does)
    declared = [d for t in raw.values() if (d := t.frame.attrs.get("as_of")) is not None]
    log.info("cleaning %d tables against the data contract", len(raw))
    result = clean.clean_tables(raw, params, key=key)
    problems = result.problems
    if len(problems) and (problems["severity"] == "error").any():
        raise SchemaError(problems)
    tables, chosen = _select_network(result.tables, params)
    tables, quality, exclusions, placed = _apply_selection(
        tables,
        result.quality,
        result.exclusions,
        chosen,
        result.placed,
        min_cell=params.min_cell,
    )
    registry = measures.registry(params)
    as_of = as_of_date(params, result.search_date or max(declared, default=None), tables)
    log.info("computing %d measures by %s, as of %s", len(registry.measures), params.unit, as_of)
    rates = _with_focal(measures.compute_rates(tables, params, registry=registry), params)
    windows = {m.name: m.window for m in registry.measures.values()}
    sofar = measures.sofar_rates(tables, params, registry=registry)
    rates, pending = measures.split_rates(
        measures.apply_windows(rates, windows, as_of, sofar=_with_focal(sofar, params))
    )
    units = measures.units_frame(tables["schools"], params, students=tables.get("students"))
    prepared = Prepared(
        run=params.run,
        params=params,
        tables=tables,
        rates=rates,
        units=units,
        quality=quality,
        exclusions=exclusions,
        measures=with_described_measures(
            measures.measures_frame(registry), rates, result.sources.pop("measure_labels", None)
        ),
        has_students="students" in tables,
        notes=[*result.notes, *placed],
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        sources=dict(result.sources),
        as_of=as_of,
        pending=pending,
    )
    if fit:
        log.info("fitting the network models")
        prepared.models = fit_models(prepared)
        log.info("fitted %d model frames", len(prepared.models))
    return prepared


def as_of_date(
    params: RunParams, search_date: dt.date | None, tables: dict[str, pd.DataFrame]
) -> dt.date:
    """The run's date: the params' ``as_of``, else the StudentTracker file's latest search
    date, else the latest date in the data (not after today), else today.

    Parameters
    ----------
    params : RunParams
    search_date : datetime.date or None
        The latest search date of the StudentTracker files, when there were any (or the
        date the tables declare, as the synthetic network does).
    tables : dict of str to DataFrame
        The clean tables (their date columns are searched last).

    Returns
    -------
    datetime.date
    """
    if params.as_of is not None:
        return params.as_of
    if search_date is not None and not pd.isna(search_date):
        return pd.Timestamp(search_date).date()
    today = dt.datetime.now(dt.UTC).date()
    latest = [
        pd.Timestamp(frame[c].max()).date()
        for frame in tables.values()
        for c in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[c]) and frame[c].notna().any()
    ]
    latest = [d for d in latest if d <= today]
    return max(latest) if latest else today


def _with_focal(rates: pd.DataFrame, params: RunParams) -> pd.DataFrame:
    """Counts files carry their own groups: when the focal group is one of them by name
    (public files have only "all"), its rows are the focal rows."""
    focal = params.focal_group
    if not isinstance(focal, str) or focal == "focal" or (rates["group"] == "focal").any():
        return rates
    named = rates[rates["group"] == focal]
    return pd.concat([rates, named.assign(group="focal")], ignore_index=True)


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
    if write:
        check_keys(params)
    log.info("run %r: reading the raw folder %s", params.run, params.raw_path)
    raw = sources.read_raw(params.raw_path, params=params)
    log.info("run %r: read %d tables: %s", params.run, len(raw), ", ".join(sorted(raw)))
    prepared = prepare_frames(raw, params, fit=fit)
    prepared.input_hash = digest
    prepared.notes[:0] = _import_notes(params.raw_path)
    if write:
        where = write_prepared(prepared)
        log.info("run %r: processed tables and models written to %s", params.run, where)
        as_of = append_history(prepared)
        log.info("run %r: term %r (as of %s) kept in the history", params.run, params.term, as_of)
    return prepared


def check_keys(params: RunParams) -> None:
    """Stop before preparing when the pseudonym key is not the one the run's processed
    data, or its network's history, was built with (unless ``netlab rekey`` changed it).

    Parameters
    ----------
    params : RunParams
        The run's parameters.

    Raises
    ------
    InputError
        Naming the key file and the fix (restore the key, or ``netlab rekey``); or, when
        another network's terms are kept where this one's would be, naming it.
    """
    found = manifest(params.run)
    if found is not None and found.get("has_students"):
        where = f"the processed run {params.run!r} ({paths.processed_dir(params.run)})"
        clean.check_key(found.get("key_id"), where=where, run=params.run)
    network = network_of(params)
    check_name(network)
    where = f"the history of {network!r} ({history_file()})"
    clean.check_key(history_key(network), where=where, run=params.run)


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
