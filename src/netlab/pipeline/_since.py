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

import pandas as pd

from netlab import paths
from netlab.pipeline._history import _file, connect, duck, equal, history_file

_NOW = ["year", "numerator", "denominator", "rate", "funnel", "stage", "bright_spot"]
_COLUMNS = ["unit_id", *_NOW, *(f"previous_{c}" for c in _NOW), "change", "term", "as_of",
            "previous_term", "previous_as_of"]  # fmt: skip
_STORED = ["measure", "group", "built", "previous_built"]  # the stored table's own key
_RATE = ["unit_id", "year", "numerator", "denominator", "rate"]
_TYPES = {"unit_id": "string", "year": "Int64", "previous_year": "Int64", "funnel": "string",
          "stage": "string", "previous_funnel": "string", "previous_stage": "string",
          **dict.fromkeys(["numerator", "denominator", "rate", "previous_numerator",
                           "previous_denominator", "previous_rate", "change"], "float64")}  # fmt: skip
_KNOWN: dict[tuple, pd.DataFrame] = {}  # each network's terms, by its files' names and stamps


def terms(network: str, *, path: Path | None = None) -> pd.DataFrame:
    """The network's snapshots in the history, oldest first (empty when it has none).

    Parameters
    ----------
    network : str
        The network's name in the history (:func:`netlab.pipeline.network_of`).
    path : Path or None, optional
        The history's folder; :func:`history_file` when None.

    Returns
    -------
    DataFrame
        The network's snapshots in the history, oldest first (empty when it has none).
    """
    folder = Path(path or history_file()) / "terms" / paths.slug(network)
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return pd.DataFrame(columns=["network", "term", "as_of", "run", "key_id", "built"])
    stamp = (network, *((f.as_posix(), f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    if stamp in _KNOWN:
        return _KNOWN[stamp].copy()
    glob = (folder.as_posix() + "/*.parquet").replace("'", "''")
    frame = (
        duck()
        .execute(
            f"SELECT * FROM read_parquet('{glob}', union_by_name = true) WHERE network = ? "
            "ORDER BY as_of, built",
            [network],
        )
        .df()
    )
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    _KNOWN.clear()
    _KNOWN[stamp] = frame.reset_index(drop=True)
    return _KNOWN[stamp].copy()


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
    return _pick(terms(network, path=path), as_of)


def _pick(known: pd.DataFrame, as_of: dt.date | None) -> tuple[dict | None, dict | None]:
    if known.empty:
        return None, None
    now = known if as_of is None else known[known["as_of"] <= as_of]
    if now.empty:
        return None, None
    current = now.iloc[-1].to_dict()
    before = known[(known["as_of"] < current["as_of"]) & (known["term"] != current["term"])]
    return current, (before.iloc[-1].to_dict() if len(before) else None)


def _read(path, table: str, snap: dict, columns: list[str], where: str = "", args=()):
    """One snapshot's rows of a table, read by DuckDB from its own file."""
    file = _file(Path(path or history_file()), table, snap["network"], snap["term"], snap["as_of"])
    if not file.exists():
        return None
    name = file.as_posix().replace("'", "''")
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f"SELECT {cols} FROM read_parquet('{name}', union_by_name = true) {where}"
    return duck().execute(sql, list(args)).df()


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    """Each unit's latest class with a rate: ``year``, ``numerator``, ``denominator``, ``rate``."""
    frame = frame.loc[frame["rate"].notna(), _RATE]
    latest = frame.groupby("unit_id")["year"].transform("max")
    return frame[frame["year"] == latest].set_index("unit_id")


def _places(heads: pd.DataFrame, measure: str, group: str) -> pd.DataFrame:
    """Each unit's funnel place and traction stage, and whether it is a bright spot."""
    mine = heads["unit_id"].notna() & (
        (heads["kind"] == "traction_stage")
        | ((heads["measure"] == measure) & (heads["group"] == group))
    )
    heads = heads[mine]
    out = pd.DataFrame(index=pd.Index(heads["unit_id"].unique(), name="unit_id"))
    for kind, col in (("funnel", "funnel"), ("traction_stage", "stage")):
        rows = heads[heads["kind"] == kind].drop_duplicates("unit_id").set_index("unit_id")
        out[col] = rows["value"]
    out["bright_spot"] = out.index.isin(heads.loc[heads["kind"] == "bright_spot", "unit_id"])
    return out


def _now(rates: pd.DataFrame, heads: pd.DataFrame, measure: str, group: str) -> pd.DataFrame:
    """A term's own side of the comparison, from its rates and headlines."""
    mine = rates.loc[equal(rates, measure=measure, group=group), _RATE]
    return _latest(mine).join(_places(heads, measure, group), how="outer")


def _from_snapshot(path, snap: dict, measure: str, group: str) -> pd.DataFrame:
    """A snapshot's side of the comparison: its stored ``since`` figures, else its files."""
    stored = _read(path, "since", snap, ["unit_id", *_NOW, *_STORED]) if snap["built"] else None
    if stored is not None and _matches(stored, measure, group, snap["built"]):
        return stored.set_index("unit_id")[_NOW]
    rates = _read(path, "rates", snap, _RATE, 'WHERE measure = ? AND "group" = ?',
                  (measure, group))  # fmt: skip
    heads = _read(path, "headlines", snap, ["unit_id", "kind", "measure", "group", "value"],
                  "WHERE unit_id IS NOT NULL AND (kind = 'traction_stage' OR "
                  '(measure = ? AND "group" = ?))', (measure, group))  # fmt: skip
    rates = rates if rates is not None else pd.DataFrame(columns=_RATE)
    if heads is None:
        heads = pd.DataFrame(columns=["unit_id", "kind", "measure", "group", "value"])
    return _latest(rates).join(_places(heads, measure, group), how="outer")


def _matches(stored: pd.DataFrame, measure: str, group: str, built, previous=False) -> bool:
    """The stored table is this measure and group, built with this snapshot (and, where
    given, set beside ``previous``: the term before as it is now)."""
    if stored.empty:
        return False
    first = stored.iloc[0]
    same = first["measure"] == measure and first["group"] == group
    same = same and pd.Timestamp(first["built"]) == pd.Timestamp(built)
    if previous is not False:
        was = first["previous_built"]
        same = same and (pd.isna(was) if previous is None else
                         pd.Timestamp(was) == pd.Timestamp(previous["built"]))  # fmt: skip
    return bool(same)


def _compare(now: pd.DataFrame, then: pd.DataFrame, current: dict, before: dict) -> pd.DataFrame:
    """The two sides joined, one row per unit, with the change and both terms."""
    out = now.reindex(columns=_NOW).join(then.reindex(columns=_NOW).add_prefix("previous_"),
                                         how="outer")  # fmt: skip
    out.index.name = "unit_id"
    out["change"] = out["rate"] - out["previous_rate"]
    out["term"], out["as_of"] = current["term"], current["as_of"]
    out["previous_term"], out["previous_as_of"] = before["term"], before["as_of"]
    return _typed(out.reset_index())


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The comparison's columns, in order and with one set of types, sorted by unit."""
    out = frame.reindex(columns=_COLUMNS)
    for col in ("bright_spot", "previous_bright_spot"):
        out[col] = out[col].astype("boolean").fillna(False).astype(bool)
    return out.astype(_TYPES).sort_values("unit_id", ignore_index=True)


def stored_since(rates: pd.DataFrame, heads: pd.DataFrame, key: dict, params, *,
                 path: Path | None = None) -> pd.DataFrame:  # fmt: skip
    """The term's ``since`` table, written once when it is kept: each unit's figure on the
    run's focal measure for its focal group, beside the term before (none when it is the
    network's first). ``key`` is the snapshot (network, term, as-of date, build time)."""
    measure, group = params.focal_measure, "focal"
    now = _now(rates, heads, measure, group)
    known = terms(key["network"], path=path)
    earlier = known[(known["as_of"] < key["as_of"]) & (known["term"] != key["term"])]
    before = earlier.iloc[-1].to_dict() if len(earlier) else None
    if before is None:
        then = pd.DataFrame(columns=_NOW)
        before = {"term": None, "as_of": None, "built": None}
    else:
        then = _from_snapshot(path, before, measure, group)
    out = _compare(now, then, key, before)
    out = out.drop(columns=["term", "as_of"])
    return out.assign(measure=measure, group=group, built=key["built"],
                      previous_built=pd.Timestamp(before["built"]) if before["built"] is not None
                      else pd.NaT)  # fmt: skip


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
    return _compare(now, then, current, before)


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
    stored = _read(path, "since", current, [c for c in _COLUMNS if c not in ("term", "as_of")]
                   + _STORED)  # fmt: skip
    if stored is not None and _matches(stored, measure, group, current["built"], before):
        stored["term"], stored["as_of"] = current["term"], current["as_of"]
        stored["previous_term"], stored["previous_as_of"] = before["term"], before["as_of"]
        return _typed(stored)
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
