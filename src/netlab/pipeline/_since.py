"""Since last term: each unit's figure and headline places now beside the term before.

Read from the history (:mod:`netlab.pipeline._history`): the term being reported is a
snapshot (network, term, as-of date); the term before is the latest snapshot of another
term with an earlier date. A unit's figure is its latest class's rate in each (so a fall
term's class of 2026 is set beside the spring term's class of 2025); a revision is a class
both snapshots hold whose figure the later pull changed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from netlab import paths
from netlab.pipeline._history import _file, connect, history_file


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
    import duckdb

    glob = (folder.as_posix() + "/*.parquet").replace("'", "''")
    frame = (
        duckdb.connect()
        .execute(
            f"SELECT * FROM read_parquet('{glob}', union_by_name = true) WHERE network = ? "
            "ORDER BY as_of, built",
            [network],
        )
        .df()
    )
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame.reset_index(drop=True)


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
    known = terms(network, path=path)
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
    import duckdb

    file = _file(Path(path or history_file()), table, snap["network"], snap["term"], snap["as_of"])
    name = file.as_posix().replace("'", "''")
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f"SELECT {cols} FROM read_parquet('{name}') {where}"
    return duckdb.connect().execute(sql, list(args)).df()


def _rates(path, snap, measure, group) -> pd.DataFrame:
    frame = _read(path, "rates", snap, ["unit_id", "year", "numerator", "denominator", "rate"],
                  'WHERE measure = ? AND "group" = ? AND rate IS NOT NULL', (measure, group))  # fmt: skip
    latest = frame.groupby("unit_id")["year"].transform("max")
    return frame[frame["year"] == latest].set_index("unit_id")


def _places(path, snap, measure, group) -> pd.DataFrame:
    heads = _read(path, "headlines", snap, ["unit_id", "kind", "value"],
                  "WHERE unit_id IS NOT NULL AND (kind = 'traction_stage' OR "
                  '(measure = ? AND "group" = ?))', (measure, group))  # fmt: skip
    out = pd.DataFrame(index=pd.Index(heads["unit_id"].unique(), name="unit_id"))
    for kind, col in (("funnel", "funnel"), ("traction_stage", "stage")):
        rows = heads[heads["kind"] == kind].drop_duplicates("unit_id").set_index("unit_id")
        out[col] = rows["value"]
    out["bright_spot"] = out.index.isin(heads.loc[heads["kind"] == "bright_spot", "unit_id"])
    return out


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
    now = _rates(path, current, measure, group).join(
        _places(path, current, measure, group), how="outer"
    )
    then = _rates(path, before, measure, group).join(
        _places(path, before, measure, group), how="outer"
    )
    out = now.join(then.add_prefix("previous_"), how="outer")
    out["change"] = out["rate"] - out["previous_rate"]
    for col in ("bright_spot", "previous_bright_spot"):
        out[col] = out[col].astype("boolean").fillna(False).astype(bool)
    out["term"], out["as_of"] = current["term"], current["as_of"]
    out["previous_term"], out["previous_as_of"] = before["term"], before["as_of"]
    return out.reset_index()


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
