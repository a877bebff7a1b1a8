"""Keeping a prepared term in the history: its rates, headline results, the comparison
with the term before as the pages show it, and last its facts (see
:mod:`netlab.pipeline._history`, :mod:`netlab.pipeline._since`).

Every file of the term is written under a temporary name (the rates, the largest, on a
thread while the headlines and the comparison are worked out: Parquet writing runs outside
Python's lock) and moved into place only once all are written, the facts last: a term is
never half in the history, and a failure leaves it as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from netlab import clean
from netlab.pipeline._history import _file, _write, headlines, history_file, network_of, run_date
from netlab.pipeline._since import check_name, stored_since

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

    Raises
    ------
    InputError
        When another network's terms are kept where this one's would be
        (:func:`netlab.pipeline._since.check_name`).
    """
    as_of = run_date(prepared)
    where = Path(path or history_file())
    check_name(network_of(prepared.params), path=where)
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

    def target(table: str) -> Path:
        return _file(where, table, key["network"], key["term"], as_of)

    staged: list[tuple[Path, Path]] = []  # (temporary file, its place), in publishing order
    with ThreadPoolExecutor(max_workers=1) as pool:
        # every file is staged under a temporary name (the rates, the largest, on a thread
        # while the rest is worked out) and moved into place only once all are written: a
        # failure leaves the history as it was
        rates_file = pool.submit(_write, rates, key, target("rates"), publish=False)
        try:
            heads = headlines(prepared)
            since = stored_since(rates, heads, {**key, "built": built}, prepared.params,
                                 path=where)  # fmt: skip
            for table, frame in (("headlines", heads), ("since", since), ("terms", terms)):
                staged.append((_write(frame, key, target(table), publish=False), target(table)))
            staged.insert(0, (rates_file.result(), target("rates")))  # raises what writing raised
        except BaseException:
            with contextlib.suppress(Exception):
                staged.append((rates_file.result(), target("rates")))
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            raise
    # the term's facts last: a term is in the history once its terms file is there
    for tmp, place in staged:
        tmp.replace(place)
    return as_of
