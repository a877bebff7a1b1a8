"""Which live-case pairs are shown: the one rule the reports and the briefs both follow."""

from __future__ import annotations

import pandas as pd

from netlab import privacy

__all__ = ["shown_pairs"]

#: The students each side of a pair rests on; a pair rests on the smaller.
_SIDES = ["host_denominator", "visitor_denominator"]


def shown_pairs(pairs: pd.DataFrame | None, *, min_cell: int) -> pd.DataFrame:
    """The live-case pairs a report may show and a brief may be written for.

    A pair is shown when both its host's and its visitor's figures rest on at least
    ``min_cell`` students (:func:`netlab.privacy.too_small`; a missing count is too small).

    Parameters
    ----------
    pairs : pandas.DataFrame or None
        The run's pairs (:func:`netlab.livecase.match`, the ``livecase__pairs`` model);
        None when the run did not fit them.
    min_cell : int
        Smallest number of students a shown figure may rest on.

    Returns
    -------
    pandas.DataFrame
        The pairs shown, with ``host`` and ``visitor`` as text, ``n_min`` (the smaller
        side) and the ``suppressed`` flag; empty (host, visitor, n_min) when there are none.

    Examples
    --------
    >>> pairs = pd.DataFrame({"host": [1, 2], "visitor": [3, 4],
    ...                       "host_denominator": [40, 40], "visitor_denominator": [12, 8]})
    >>> shown_pairs(pairs, min_cell=10)[["host", "visitor", "n_min"]].values.tolist()
    [['1', '3', 12]]
    """
    if pairs is None or pairs.empty:
        return pd.DataFrame(columns=["host", "visitor", "n_min"])
    frame = pairs.copy()
    frame["n_min"] = frame[_SIDES].min(axis=1, skipna=False)  # a missing side is too small
    shown = privacy.visible(privacy.flag_small(frame, n="n_min", min_cell=min_cell))
    return shown.assign(host=shown["host"].astype(str), visitor=shown["visitor"].astype(str))
