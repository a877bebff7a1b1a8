"""Keeping a prepared term in the history: its rates, headline results, the comparison
with the term before as the pages show it, and last its facts (see
:mod:`netlab.pipeline._history`, :mod:`netlab.pipeline._since`).

The term's rates file, the largest, is written on a thread while the headlines and the
comparison are worked out (Parquet writing runs outside Python's lock); the facts are
written only once every other file is there, so a term is never half in the history.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from netlab import clean
from netlab.pipeline._history import _file, _write, headlines, history_file, network_of, run_date
from netlab.pipeline._since import stored_since

if TYPE_CHECKING:
    from netlab.pipeline._prepared import Prepared


def append(prepared: Prepared, *, path: Path | None = None) -> dt.date:
    """Add a prepared term to the history (replacing the same term and date if there).

    Parameters
    ----------
    prepared : Prepared
        The run just prepared.
    path : Path, optional
        The history file (default :func:`history_file`).

    Returns
    -------
    datetime.date
        The as-of date the term was kept under.
    """
    as_of = run_date(prepared)
    key: dict[str, Any] = {
        "network": network_of(prepared.params),
        "term": prepared.params.term,
        "as_of": as_of,
    }
    built = pd.Timestamp(dt.datetime.now(dt.UTC).replace(tzinfo=None)).as_unit("us")
    terms = pd.DataFrame([{"run": prepared.run,
                           "key_id": clean.key_id() if prepared.has_students else None,
                           "built": built}])  # fmt: skip
    terms["key_id"] = terms["key_id"].astype("string")
    rates = prepared.rates
    if rates["unit_id"].dtype != "str":
        rates = rates.assign(unit_id=rates["unit_id"].astype("str"))
    where = Path(path or history_file())

    def write(table: str, frame: pd.DataFrame) -> None:
        _write(frame, key, _file(where, table, key["network"], key["term"], as_of))

    with ThreadPoolExecutor(max_workers=1) as pool:
        written = pool.submit(write, "rates", rates)
        heads = headlines(prepared)
        since = stored_since(rates, heads, {**key, "built": built}, prepared.params, path=where)
        write("headlines", heads)
        write("since", since)
        written.result()  # raises what writing the rates raised
    # the term's facts last: a term is in the history once its terms file is there
    write("terms", terms)
    return as_of
