"""Pareto: which categories make up most of a total."""

from __future__ import annotations

import numpy as np
import pandas as pd

from netlab.checks import check_columns
from netlab.spc._runs import _COLUMNS_HINT


def pareto(frame: pd.DataFrame, *, category: str, value: str) -> pd.DataFrame:
    """Categories sorted by value, with their share and cumulative share.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to total by ``category``.
    category, value : str
        Category and value columns.

    Returns
    -------
    pandas.DataFrame
        rank, category (original name), value (original name), share, cumulative_share.
    """
    check_columns(frame, [category, value], what="pareto data", hint=_COLUMNS_HINT)
    out = frame.groupby(category, as_index=False, sort=False)[value].sum()
    out = out.sort_values([value, category], ascending=[False, True]).reset_index(drop=True)
    total = out[value].sum()
    out["share"] = out[value] / total if total else np.nan
    out["cumulative_share"] = out["share"].cumsum()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out
