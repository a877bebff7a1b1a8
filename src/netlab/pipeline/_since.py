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

from netlab.pipeline._history import connect, history_file


def terms(network: str, *, path: Path | None = None) -> pd.DataFrame:
    """The network's snapshots in the history, oldest first (empty when it has none)."""
    path = Path(path or history_file())
    if not path.exists():
        return pd.DataFrame(columns=["network", "term", "as_of", "run", "key_id", "built"])
    con = connect(path)
    try:
        frame = con.execute(
            "SELECT * FROM terms WHERE network = ? ORDER BY as_of, built", [network]
        ).df()
    finally:
        con.close()
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame


def snapshots(
    network: str, *, as_of: dt.date | None = None, path: Path | None = None
) -> tuple[dict | None, dict | None]:
    """The snapshot reported (``as_of``, default the latest) and the last term's before it."""
    known = terms(network, path=path)
    if known.empty:
        return None, None
    now = known if as_of is None else known[known["as_of"] <= as_of]
    if now.empty:
        return None, None
    current = now.iloc[-1].to_dict()
    before = known[(known["as_of"] < current["as_of"]) & (known["term"] != current["term"])]
    return current, (before.iloc[-1].to_dict() if len(before) else None)


def _rates(con, network, snap, measure, group) -> pd.DataFrame:
    frame = con.execute(
        "SELECT unit_id, year, numerator, denominator, rate FROM rates WHERE network = ? "
        'AND as_of = ? AND measure = ? AND "group" = ? AND rate IS NOT NULL',
        [network, snap["as_of"], measure, group],
    ).df()
    latest = frame.groupby("unit_id")["year"].transform("max")
    return frame[frame["year"] == latest].set_index("unit_id")


def _places(con, network, snap, measure, group) -> pd.DataFrame:
    heads = con.execute(
        "SELECT unit_id, kind, value FROM headlines WHERE network = ? AND as_of = ? AND "
        "unit_id IS NOT NULL AND (kind = 'traction_stage' OR (measure = ? AND \"group\" = ?))",
        [network, snap["as_of"], measure, group],
    ).df()
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
    con = connect(path)
    try:
        now = _rates(con, network, current, measure, group).join(
            _places(con, network, current, measure, group), how="outer"
        )
        then = _rates(con, network, before, measure, group).join(
            _places(con, network, before, measure, group), how="outer"
        )
    finally:
        con.close()
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
        frame = con.execute(
            """
            WITH w AS (
              SELECT *,
                lag(as_of) OVER k AS previous_as_of,
                lag(term) OVER k AS previous_term,
                lag(numerator) OVER k AS previous_numerator,
                lag(denominator) OVER k AS previous_denominator,
                lag(rate) OVER k AS previous_rate
              FROM rates WHERE network = ? AND as_of <= ?
              WINDOW k AS (PARTITION BY unit_id, measure, "group", year ORDER BY as_of))
            SELECT unit_id, measure, "group", year, previous_term, previous_as_of,
                   previous_numerator, previous_denominator, previous_rate,
                   term, as_of, numerator, denominator, rate
            FROM w
            WHERE as_of = ? AND previous_rate IS NOT NULL AND rate IS NOT NULL
              AND (numerator <> previous_numerator OR denominator <> previous_denominator)
            ORDER BY ALL
            """,
            [network, current["as_of"], current["as_of"]],
        ).df()
    finally:
        con.close()
    for col in ("as_of", "previous_as_of"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame
