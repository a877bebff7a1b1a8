"""Since last term: each unit's figure and headline places now beside the term before.

Read from the history (:mod:`netlab.pipeline._history`): the term being reported is a
snapshot (network, term, as-of date); the term before is the latest snapshot of another
term with an earlier date. A unit's figure is its latest class's rate in each (so a fall
term's class of 2026 is set beside the spring term's class of 2025); a revision is a class
both snapshots hold whose figure the later pull changed.

The comparison every page shows (the run's focal measure for its focal group) is worked
out once, when the term is kept, from the term in memory and the term before's own stored
figures, and written as the snapshot's ``since`` table; reading it is one small file. It
names the snapshot it was set beside (its term, date and build time): when that is no
longer the term before (an earlier term built again, or added later), and for any other
measure or group, the comparison is worked out from the two snapshots' rates and headlines.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from netlab import paths
from netlab.pipeline._compare import NOW, SIDE, frame, joined, side
from netlab.pipeline._history import (
    _file,
    _terms_file,
    _terms_table,
    connect,
    duck,
    history_file,
)

if TYPE_CHECKING:
    import pyarrow as pa

_JOINED = ["unit_id", *NOW, *(f"previous_{c}" for c in NOW), "change"]  # see joined()
_COLUMNS = [*_JOINED, "term", "as_of", "previous_term", "previous_as_of"]
_STORED = ["measure", "group", "built", "previous_built"]  # the stored table's own key
_KEPT = [*_JOINED, *_STORED]  # what is read of a stored table
_RATE = ["unit_id", "year", "numerator", "denominator", "rate"]
_HEADS = ["unit_id", "kind", "measure", "group", "value"]


def terms(network: str, *, path: Path | None = None) -> pd.DataFrame:
    """The network's snapshots in the history, oldest first (empty when it has none).

    Each snapshot's ``terms`` file is read once per process and again only when it changes
    (its size or modification time), so reading the terms after keeping one reads one file.

    Parameters
    ----------
    network : str
        The network's name in the history (:func:`netlab.pipeline.network_of`).
    path : Path or None, optional
        The history's folder; :func:`history_file` when None.

    Returns
    -------
    DataFrame
        One row per snapshot, ordered by as-of date then build time: ``run``, ``key_id``
        (the pseudonym key's fingerprint), ``built``, ``network``, ``term``, ``as_of``.
    """
    table = _terms_table(network, path)
    if table is None:
        return pd.DataFrame(columns=["run", "key_id", "built", "network", "term", "as_of"])
    return table.to_pandas()


def check_name(network: str, *, path: Path | None = None) -> None:
    """Stop when another network's terms are kept where this network's would be.

    A network's terms are kept in a folder named from its name (:func:`netlab.paths.slug`).
    Two names may make one folder: names that differ only in case on a disk that does not
    tell case apart, or a name written as another's folder name. Keeping one's term could
    then replace the other's.

    Parameters
    ----------
    network : str
        The network's name in the history (:func:`netlab.pipeline.network_of`).
    path : Path or None, optional
        The history's folder; :func:`history_file` when None.

    Raises
    ------
    InputError
        Naming the network already kept there, the folder, and what to change.
    """
    folder = Path(path or history_file()) / "terms" / paths.slug(network)
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    names = {str(v) for f in files for v in _terms_file(f)["network"].unique().to_pylist()}
    others = sorted(names - {network})
    if others:
        from netlab.exceptions import InputError

        raise InputError(
            f"The history keeps the terms of the network {others[0]!r} in {folder}, where "
            f"the network {network!r} would be kept too (the two names make one folder "
            "name), so one's terms could replace the other's.",
            hint="If they are one network, give `network:` the same name in both runs' "
            "params; if not, name this run's network apart (a word that differs).",
        )


def snapshots(
    network: str, *, as_of: dt.date | None = None, path: Path | None = None
) -> tuple[dict | None, dict | None]:
    """The snapshot reported (``as_of``, default the latest) and the last term's before it.

    Parameters
    ----------
    network : str
        The network's name in the history (:func:`netlab.pipeline.network_of`).
    as_of : date or None, optional
        The snapshot's date; the latest when None.
    path : Path or None, optional
        The history's folder; :func:`history_file` when None.

    Returns
    -------
    tuple[dict | None, dict | None]
        The snapshot reported (``as_of``, default the latest) and the last term's before it.
    """
    table = _terms_table(network, path)
    known = [] if table is None else table.to_pylist()
    now = [k for k in known if as_of is None or k["as_of"] <= as_of]
    if not now:
        return None, None
    return now[-1], _before(known, now[-1])


def _before(known: list[dict], snap: dict) -> dict | None:
    """The last term's snapshot before ``snap``: the latest of another term with an earlier
    date (``known`` oldest first)."""
    earlier = [k for k in known if k["as_of"] < snap["as_of"] and k["term"] != snap["term"]]
    return earlier[-1] if earlier else None


def _read(path, table: str, snap: dict, columns: list[str], where: str = "", args=()):
    """One snapshot's rows of a table, read by DuckDB from its own file."""
    file = _file(Path(path or history_file()), table, snap["network"], snap["term"], snap["as_of"])
    if not file.exists():
        return None
    name = file.as_posix().replace("'", "''")
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f"SELECT {cols} FROM read_parquet('{name}', union_by_name = true) {where}"
    return duck().execute(sql, list(args)).df()


def _read_stored(path, snap: dict) -> pa.Table | None:
    """A snapshot's stored ``since`` table, whole and small, read straight from its file
    (None when it has none, or one written before it held every column read here)."""
    import pyarrow.parquet as pq

    file = _file(Path(path or history_file()), "since", snap["network"], snap["term"],
                 snap["as_of"])  # fmt: skip
    if not file.exists():
        return None
    stored = pq.ParquetFile(file)
    if not set(_KEPT) <= set(stored.schema_arrow.names):
        return None
    return stored.read(columns=_KEPT)


def _from_snapshot(path, snap: dict, measure: str, group: str) -> pa.Table:
    """A snapshot's side of the comparison: its stored ``since`` figures, else its files."""
    stored = _read_stored(path, snap) if snap["built"] else None
    if stored is not None and _matches(stored, measure, group, snap["built"]):
        return stored.select(["unit_id", *NOW])
    rates = _read(path, "rates", snap, [*_RATE, "measure", "group"],
                  'WHERE measure = ? AND "group" = ?', (measure, group))  # fmt: skip
    heads = _read(path, "headlines", snap, _HEADS,
                  "WHERE unit_id IS NOT NULL AND (kind = 'traction_stage' OR "
                  '(measure = ? AND "group" = ?))', (measure, group))  # fmt: skip
    if rates is None:
        rates = pd.DataFrame(columns=[*_RATE, "measure", "group"])
    return side(rates, heads if heads is not None else pd.DataFrame(columns=_HEADS), measure,
                group)  # fmt: skip


def _matches(stored: pa.Table, measure: str, group: str, built, previous=False) -> bool:
    """The stored table is this measure and group, built with this snapshot (and, where
    given, set beside ``previous``: the term before as it is now)."""
    if not stored.num_rows:
        return False
    first = stored.select(_STORED).slice(0, 1).to_pylist()[0]
    same = first["measure"] == measure and first["group"] == group
    same = same and pd.Timestamp(first["built"]) == pd.Timestamp(built)
    if previous is not False:
        was = first["previous_built"]
        same = same and (was is None if previous is None else
                         pd.Timestamp(was) == pd.Timestamp(previous["built"]))  # fmt: skip
    return bool(same)


def _finish(out: pd.DataFrame, current: dict, before: dict) -> pd.DataFrame:
    """The comparison as it is read: both terms and their dates beside each unit's row."""
    out["term"], out["as_of"] = current["term"], current["as_of"]
    out["previous_term"], out["previous_as_of"] = before["term"], before["as_of"]
    return out[_COLUMNS]


def stored_since(rates: pd.DataFrame, heads: pd.DataFrame, key: dict, params, *,
                 path: Path | None = None) -> pa.Table:  # fmt: skip
    """The term's ``since`` table, written once when it is kept: each unit's figure on the
    run's focal measure for its focal group, beside the term before (none when it is the
    network's first). ``key`` is the snapshot (network, term, as-of date, build time)."""
    import pyarrow as pa

    measure, group = params.focal_measure, "focal"
    now = side(rates, heads, measure, group)
    known = _terms_table(key["network"], path)
    before = None if known is None else _before(known.to_pylist(), key)
    then = SIDE.empty_table() if before is None else _from_snapshot(path, before, measure,
                                                                     group)  # fmt: skip
    out = joined(now, then)
    was = before or {"term": None, "as_of": None, "built": None}
    extra = {
        "previous_term": (was["term"], pa.string()),
        "previous_as_of": (was["as_of"], pa.date32()),
        "measure": (measure, pa.string()),
        "group": (group, pa.string()),
        "built": (key["built"], pa.timestamp("us")),
        "previous_built": (was["built"], pa.timestamp("us")),
    }
    n = out.num_rows
    for name, (value, kind) in extra.items():
        out = out.append_column(name, pa.array([value] * n, kind))
    return out


def compared(
    network: str,
    *,
    measure: str,
    group: str,
    as_of: dt.date | None = None,
    path: Path | None = None,
) -> pd.DataFrame:
    """:func:`since_last_term` worked out from the two snapshots' rates and headlines (never
    the stored table): what the stored comparison must equal."""
    current, before = snapshots(network, as_of=as_of, path=path)
    if current is None or before is None:
        return pd.DataFrame()
    now = _from_snapshot(path, {**current, "built": None}, measure, group)
    then = _from_snapshot(path, {**before, "built": None}, measure, group)
    return _finish(frame(joined(now, then), _JOINED), current, before)


def since_last_term(
    network: str,
    *,
    measure: str,
    group: str,
    as_of: dt.date | None = None,
    path: Path | None = None,
) -> pd.DataFrame:
    """Each unit now and last term: its latest rate, funnel place, bright spot, stage.

    Parameters
    ----------
    network : str
        The network's name in the history (:func:`netlab.pipeline.network_of`).
    measure, group : str
        The figure to compare.
    as_of : datetime.date, optional
        The snapshot reported (default: the latest).
    path : Path, optional
        The history file.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``year``, ``numerator``, ``denominator``, ``rate``, ``funnel``,
        ``bright_spot``, ``stage`` now, the same with ``previous_`` before, ``change``
        (rate now minus before), ``term``, ``previous_term`` and ``previous_as_of``. Empty
        when the network has no term before this one.
    """
    current, before = snapshots(network, as_of=as_of, path=path)
    if current is None or before is None:
        return pd.DataFrame()
    stored = _read_stored(path, current)
    if stored is not None and _matches(stored, measure, group, current["built"], before):
        return _finish(frame(stored, _JOINED), current, before)
    return compared(network, measure=measure, group=group, as_of=as_of, path=path)


def revisions(
    network: str, *, as_of: dt.date | None = None, path: Path | None = None
) -> pd.DataFrame:
    """Figures of earlier classes that the reported snapshot's pull changed.

    Parameters
    ----------
    network : str
        The network's name in the history (:func:`netlab.pipeline.network_of`).
    as_of : date or None, optional
        The snapshot's date; the latest when None.
    path : Path or None, optional
        The history's folder; :func:`history_file` when None.

    Returns
    -------
    pandas.DataFrame
        One row per unit × measure × group × class: both values and both dates.
    """
    current, _ = snapshots(network, as_of=as_of, path=path)
    if current is None:
        return pd.DataFrame()
    con = connect(path)
    try:
        # with each figure's status (final, provisional, ...) only final figures are compared
        columns = {row[0] for row in con.execute("DESCRIBE rates").fetchall()}
        final = "AND status = 'final' AND previous_status = 'final'" if "status" in columns else ""
        lag_status = ", lag(status) OVER k AS previous_status" if "status" in columns else ""
        frame = con.execute(
            f"""
            WITH w AS (
              SELECT *,
                lag(as_of) OVER k AS previous_as_of,
                lag(term) OVER k AS previous_term,
                lag(numerator) OVER k AS previous_numerator,
                lag(denominator) OVER k AS previous_denominator,
                lag(rate) OVER k AS previous_rate {lag_status}
              FROM rates WHERE network = ? AND as_of <= ?
              WINDOW k AS (PARTITION BY unit_id, measure, "group", year ORDER BY as_of))
            SELECT unit_id, measure, "group", year, previous_term, previous_as_of,
                   previous_numerator, previous_denominator, previous_rate,
                   term, as_of, numerator, denominator, rate
            FROM w
            WHERE as_of = ? AND previous_rate IS NOT NULL AND rate IS NOT NULL
              AND (numerator <> previous_numerator OR denominator <> previous_denominator)
              {final}
            ORDER BY ALL
            """,
            [network, current["as_of"], current["as_of"]],
        ).df()
    finally:
        con.close()
    for col in ("as_of", "previous_as_of"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame
