"""The hub's history: every term's rates and headline results, read with DuckDB.

``data/processed/_history/`` (the private work area, never ``reports/``) holds one Parquet
file per table and term snapshot, ``<table>/<network>/<as_of>__<term>.parquet``, and
:func:`connect` gives a DuckDB connection with a view over each table:

- ``terms``: a network × term × as-of date: the run, the pseudonym key's fingerprint
  (never the key), when it was built;
- ``rates``: the term's rates table as prepared (with whatever status columns it has);
- ``headlines``: a unit's place in the funnel, its bright spots and traction stage, the
  aim's status and the practice estimates;
- ``since``: each unit's figure on the run's focal measure for its focal group beside the
  term before, as the pages show it, written once when the term is kept
  (:mod:`netlab.pipeline._since`).

Building a term again with the same as-of date replaces its files; a new pull (a later
as-of date) is a new snapshot beside the earlier one. A class's figure that a later
snapshot changes is a **revision**: both rows are kept with their dates, and
:func:`history` flags the later one. ``bench/history.py`` sets keeping a term and reading
since last term against writing the term's rates Parquet alone. To keep that close, the
files keep statistics only for the snapshot's own columns (network, term and as-of date:
the ones that let a query pass over a whole file; a file is one row group holding every
measure, group and class, so statistics on those would never spare a read, and they cost
a fifth of writing the rates), and netlab's own reads share one DuckDB connection per
process.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

import numpy as np
import pandas as pd

from netlab import paths

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from netlab.params import RunParams
    from netlab.pipeline._prepared import Prepared

_TABLES = ("terms", "rates", "headlines", "since")
_SNAPSHOT = ["network", "term", "as_of"]
_CELL = ["network", "unit_id", "measure", "group", "year"]
_FILTERED = ("network", "term", "as_of")  # the columns written with statistics
_CONNECTION: dict[int, duckdb.DuckDBPyConnection] = {}
_KNOWN: dict[Path, tuple] = {}  # each terms file's rows (Arrow), by its stamp


def duck() -> duckdb.DuckDBPyConnection:
    """A cursor on this process's one DuckDB connection (cheap; one per call or thread)."""
    import duckdb

    pid = os.getpid()
    if pid not in _CONNECTION:  # a forked worker opens its own
        _CONNECTION.clear()
        _CONNECTION[pid] = duckdb.connect()
    return _CONNECTION[pid].cursor()


def history_file() -> Path:
    """Where the history is kept (the hub's private work area): a folder of Parquet files.

    Returns
    -------
    Path
        ``data/processed/_history``: a folder per table (``terms``, ``rates``,
        ``headlines``, ``since``), in it a folder per network with a Parquet file per term.
        It may not exist yet.
    """
    return paths.processed_dir() / "_history"


def network_of(params: RunParams) -> str:
    """The name a run's terms are kept under: its network, else its run name.

    Parameters
    ----------
    params : RunParams
        The run's parameters.

    Returns
    -------
    str
        ``params.network`` when the run names one, else ``params.run``: runs of one network
        share its history.
    """
    return params.network or params.run


def run_date(prepared: Prepared) -> dt.date:
    """The date a run's term is kept under in the history: the prepared run's ``as_of``
    (worked out once when it was prepared; see :func:`netlab.pipeline._prepare.as_of_date`).

    Parameters
    ----------
    prepared : Prepared
        The prepared run (from :func:`netlab.prepare` or :func:`netlab.load`).

    Returns
    -------
    date
        The prepared run's ``as_of``; for a run prepared before it was kept, the day it was
        prepared (today when that is unknown).
    """
    as_of = getattr(prepared, "as_of", None)
    if isinstance(as_of, dt.date):
        return as_of
    created = prepared.created[:10] if prepared.created else ""
    return dt.date.fromisoformat(created) if created else dt.datetime.now(dt.UTC).date()


def connect(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open the history with DuckDB: views ``terms``, ``rates`` and ``headlines``.

    Parameters
    ----------
    path : Path, optional
        The history folder (default :func:`history_file`).

    Returns
    -------
    duckdb.DuckDBPyConnection
        An in-memory connection whose views read the history's Parquet files.

    Examples
    --------
    >>> con = connect()  # doctest: +SKIP
    >>> con.sql("select term, as_of, count(*) from rates group by all").df()  # doctest: +SKIP
    """
    import duckdb

    path = Path(path or history_file())
    if not (path / "terms").is_dir():
        from netlab.exceptions import InputError

        raise InputError(
            f"There is no history yet ({path}).",
            hint="Each `netlab build` adds its term to the history; build a run first.",
        )
    con = duckdb.connect()
    for table in _TABLES:
        if not any((path / table).glob("*/*.parquet")):
            continue  # a history kept before the table existed
        files = (path / table).as_posix() + "/*/*.parquet"
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{files}', union_by_name = true)"
        ).fetchall()
    return con


def _file(path: Path, table: str, network: str, term: str, as_of: dt.date) -> Path:
    return path / table / paths.slug(network) / f"{as_of.isoformat()}__{paths.slug(term)}.parquet"


def _write(
    frame: pd.DataFrame | pa.Table, key: dict, target: Path, *, publish: bool = True
) -> Path:
    """Write a term's frame (pandas or Arrow) with its network, term and as-of date
    (atomically).

    With ``publish=False`` the file is left under its temporary name, which is returned:
    the caller moves it into place (``tmp.replace(target)``) once the term is whole.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    n = table.num_rows
    zeros = pa.array(np.zeros(n, dtype=np.int32))
    for name in ("network", "term"):
        table = table.append_column(name, pa.DictionaryArray.from_arrays(zeros, [key[name]]))
    days = np.full(n, np.datetime64(key["as_of"], "D"))
    table = table.append_column("as_of", pa.array(days, type=pa.date32()))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    stats = [c for c in _FILTERED if c in table.column_names]
    pq.write_table(table, tmp, write_statistics=stats)
    if not publish:
        return tmp
    tmp.replace(target)
    return target


def _latest(frame: pd.DataFrame | None, by: list[str], year: str = "year") -> pd.DataFrame:
    if frame is None or frame.empty or not {year, *by} <= set(frame.columns):
        return pd.DataFrame()
    last = frame.groupby(by)[year].transform("max")
    return frame[frame[year] == last]


def _has(frame: pd.DataFrame | None, *columns: str) -> TypeGuard[pd.DataFrame]:
    """A model frame with rows and the columns a headline reads (else it is left out)."""
    return frame is not None and not frame.empty and set(columns) <= set(frame.columns)


def headlines(prepared: Prepared) -> pd.DataFrame:
    """A term's headline results as one tidy frame: a row per unit (or the network) × kind.

    Kinds: ``funnel`` (above, within or below the limits, the latest year of each measure
    and group), ``bright_spot``, ``traction_stage`` (the latest year), ``aim`` (the network's
    latest rate against its target) and ``practice`` (the within-unit estimate, in
    percentage points).

    Parameters
    ----------
    prepared : Prepared
        The prepared run (from :func:`netlab.prepare` or :func:`netlab.load`).

    Returns
    -------
    DataFrame
        One row per unit (or the network) and kind: unit_id, kind, item (the practice or the
        aim's target), measure, group, year, value (the finding in a word or two: the funnel
        flag, "bright spot", the stage, "reached"…), estimate, low, high. Models this run
        did not fit give no rows.
    """
    cols = ["unit_id", "kind", "item", "measure", "group", "year", "value", "estimate", "low",
            "high"]  # fmt: skip
    parts = []
    funnel = _latest(prepared.models.get("variation__funnel"), ["measure", "group"])
    if _has(funnel, "unit_id", "flag", "rate", "lower", "upper"):
        hidden = funnel.get("suppressed", False)
        shown = funnel[~pd.Series(hidden, index=funnel.index).fillna(False).astype(bool)]
        parts.append(shown.assign(kind="funnel", value=shown["flag"], estimate=shown["rate"],
                                  low=shown["lower"], high=shown["upper"]))  # fmt: skip
    bright = prepared.models.get("variation__bright_spots")
    if _has(bright, "unit_id", "last_year"):
        parts.append(bright.assign(kind="bright_spot", value="bright spot",
                                   year=bright["last_year"]))  # fmt: skip
    stages = _latest(prepared.models.get("traction__stages"), ["school_id"])
    if _has(stages, "school_id", "stage", "stage_level"):
        parts.append(stages.assign(unit_id=stages["school_id"], kind="traction_stage",
                                   value=stages["stage"], estimate=stages["stage_level"]))  # fmt: skip
    within = prepared.models.get("practices__within")
    if _has(within, "practice", "evidence", "estimate_pp", "ci_low_pp", "ci_high_pp"):
        parts.append(within.assign(kind="practice", item=within["practice"],
                                   measure=prepared.params.focal_measure,
                                   value=within["evidence"], estimate=within["estimate_pp"],
                                   low=within["ci_low_pp"], high=within["ci_high_pp"]))  # fmt: skip
    parts.append(_aim_row(prepared))
    out = pd.concat([p.reindex(columns=cols) for p in parts if len(p)], ignore_index=True)
    out = out.reindex(columns=cols)
    for col in ("unit_id", "kind", "item", "measure", "group", "value"):
        out[col] = out[col].astype("string")
    out["year"] = pd.to_numeric(out["year"], errors="coerce").astype("Int64")
    for col in ("estimate", "low", "high"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    return out


def _aim_row(prepared: Prepared) -> pd.DataFrame:
    import pyarrow.compute as pc

    from netlab.pipeline._compare import chosen

    aim = prepared.params.aim
    rows = chosen(prepared.rates, aim.measure, aim.group)
    if not rows.num_rows:
        return pd.DataFrame()
    year = int(pc.max(rows["year"]).as_py())
    last = rows.filter(pc.equal(rows["year"], year))
    rate = pc.sum(last["numerator"]).as_py() / pc.sum(last["denominator"]).as_py()
    value = "reached" if rate >= aim.target else "not yet reached"
    return pd.DataFrame([{"kind": "aim", "measure": aim.measure, "group": aim.group,
                          "year": year, "value": value, "estimate": rate,
                          "item": f"target {aim.target:g} by {aim.by}"}])  # fmt: skip


def history_key(network: str, *, path: Path | None = None) -> str | None:
    """The key fingerprint of the network's latest term with student records, if any.

    Parameters
    ----------
    network : str
        The network's name in the history (:func:`netlab.pipeline.network_of`).
    path : Path or None, optional
        The history's folder; :func:`history_file` when None.

    Returns
    -------
    str or None
        The ``key_id`` recorded by the network's latest term that had student records; None
        when no term has one (or there is no history).
    """
    table = _terms_table(network, path)
    keys = [] if table is None else [k for k in table["key_id"].to_pylist() if k is not None]
    return str(keys[-1]) if keys else None  # the terms are oldest first


def _terms_table(network: str, path: Path | None) -> pa.Table | None:
    """The network's snapshots as Arrow, oldest first (None when it has none)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    folder = Path(path or history_file()) / "terms" / paths.slug(network)
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return None
    table = pa.concat_tables([_terms_file(f) for f in files], promote_options="permissive")
    table = table.filter(pc.equal(table["network"], network))
    return table.sort_by([("as_of", "ascending"), ("built", "ascending")])


def _terms_file(file: Path) -> pa.Table:
    """One snapshot's ``terms`` rows as Arrow, read again only when the file changed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    stat = file.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    known = _KNOWN.get(file)
    if known is not None and known[0] == stamp:
        return known[1]
    table = pq.ParquetFile(file).read().replace_schema_metadata(None)
    for i, field in enumerate(table.schema):  # the network and term are stored as dictionaries
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table[field.name].cast(field.type.value_type))
    _KNOWN[file] = (stamp, table)
    return table


def history(
    network: str | None = None, *, table: str = "rates", path: Path | None = None
) -> pd.DataFrame:
    """The history as one tidy frame: every term's rows, revisions flagged.

    Parameters
    ----------
    network : str, optional
        Keep one network's terms (default: all).
    table : {"rates", "headlines", "terms", "since"}
        Which table. ``rates`` gains ``previous_as_of``, ``previous_numerator``,
        ``previous_denominator``, ``previous_rate`` (the same class's figure in the
        snapshot before) and ``revised`` (True where a later pull changed it).
    path : Path, optional
        The history file (default :func:`history_file`).

    Returns
    -------
    pandas.DataFrame
        The table's rows over every term kept (one network's, or all), in date order; for
        ``rates`` with the previous snapshot's figures and ``revised`` beside each row.

    Examples
    --------
    >>> import netlab
    >>> netlab.history("Southland College Access Network (synthetic)")  # doctest: +SKIP
    """
    if table not in _TABLES:
        from netlab.checks import check_argument

        check_argument("table", _TABLES, table)
    where = "WHERE network = $network" if network is not None else ""
    args = {"network": network} if network is not None else {}
    if table == "rates":
        sql = f"""
            SELECT *,
              lag(as_of) OVER w AS previous_as_of,
              lag(numerator) OVER w AS previous_numerator,
              lag(denominator) OVER w AS previous_denominator,
              lag(rate) OVER w AS previous_rate
            FROM rates {where}
            WINDOW w AS (PARTITION BY network, unit_id, measure, "group", year ORDER BY as_of)
        """
    else:
        sql = f"SELECT * FROM {table} {where}"
    con = connect(path)
    try:
        order = {
            "terms": "network, as_of, built",
            "rates": 'network, as_of, unit_id, measure, "group", year',
        }
        frame = con.execute(sql + " ORDER BY " + order.get(table, "network, as_of"), args).df()
    finally:
        con.close()
    if table == "rates":
        known = frame["previous_rate"].notna() & frame["rate"].notna()
        changed = (frame["numerator"] != frame["previous_numerator"]) | (
            frame["denominator"] != frame["previous_denominator"]
        )
        if "status" in frame:  # only final figures are revised (see measures' windows)
            keys = ["network", "unit_id", "measure", "group", "year"]
            before = frame.sort_values("as_of").groupby(keys)["status"].shift()
            known &= (frame["status"] == "final") & (before.reindex(frame.index) == "final")
        frame["revised"] = known & changed
    for col in ("as_of", "previous_as_of"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame
