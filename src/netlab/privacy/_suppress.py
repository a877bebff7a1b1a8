"""The small-cell rule and suppression: which figures a report may show.

- **Small cells**: a count or rate resting on fewer than ``min_cell`` students is
  suppressed (:func:`flag_small`, :func:`suppress`).
- **Complementary suppression**: where the cells of a block add up to a total that is
  shown (focal + rest = all; the schools of a network = the network), one suppressed cell
  could be recovered by subtraction, so a second one is suppressed (:func:`complementary`).
- A hidden row carries why it is hidden, as a :class:`netlab.reasons.Reason` value in
  the :data:`WHY` column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from netlab.checks import check_columns
from netlab.reasons import Reason

#: What a suppressed value is shown as, in tables and sentences.
MARKER = "*"


def too_small(n: Any, min_cell: int, *, missing: bool = True) -> Any:
    """True where a figure rests on fewer than ``min_cell`` students: the one small-cell rule.

    Parameters
    ----------
    n : scalar, array or Series
        Students each figure rests on.
    min_cell : int
        Smallest number of students a shown figure may rest on.
    missing : bool
        What a missing count is: too small (the default, as nothing shows it is safe).

    Returns
    -------
    bool, or a boolean array / Series shaped like ``n``

    Examples
    --------
    >>> too_small(4, 10), too_small(12, 10)
    (True, False)
    """
    if np.ndim(n) == 0:
        if n is None or pd.isna(n):
            return missing
        return bool(float(n) < min_cell)
    counts = (
        pd.to_numeric(n, errors="coerce")
        if isinstance(n, pd.Series)
        else np.asarray(n, dtype=float)
    )
    isna = pd.isna(counts)
    with np.errstate(invalid="ignore"):
        small = counts < min_cell
    return (small | isna) if missing else (small & ~isna)


def flag_small(
    frame: pd.DataFrame,
    *,
    n: str = "denominator",
    min_cell: int = 10,
    column: str = "suppressed",
) -> pd.DataFrame:
    """Mark rows resting on fewer than ``min_cell`` students.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any frame with a column of student counts.
    n : str
        The column holding the number of students a row rests on (a missing count is
        treated as too small).
    min_cell : int
        Smallest number of students a shown figure may rest on.
    column : str
        Boolean output column; an existing True there stays True.

    Returns
    -------
    pandas.DataFrame
        A copy with ``column`` set.

    Examples
    --------
    >>> flag_small(pd.DataFrame({"denominator": [4, 12]}))["suppressed"].tolist()
    [True, False]
    """
    check_columns(frame, [n], what="frame to suppress")
    out = frame.copy()
    small = np.asarray(too_small(out[n], min_cell), dtype=bool)
    before = out[column].fillna(True).astype(bool) if column in out.columns else False
    out[column] = np.asarray(small | before, dtype=bool)
    out[WHY] = _why(out, _reasons(small, Reason.SMALL))
    return out


#: The column of a flagged frame that says why each hidden row is hidden (a Reason value).
WHY = "why"


def _reasons(mask: np.ndarray, reason: Reason) -> np.ndarray:
    """The reason's value where ``mask`` is True, None elsewhere (an object array)."""
    out = np.full(len(mask), None, dtype=object)
    out[np.asarray(mask, dtype=bool)] = reason.value
    return out


def _why(frame: pd.DataFrame, new: np.ndarray) -> np.ndarray:
    """Keep a reason already given; add the new one where there was none."""
    old = frame[WHY].to_numpy(dtype=object) if WHY in frame.columns else np.full(len(frame), None)
    keep = pd.notna(old)
    return np.where(keep, old, new).astype(object)


def complementary(
    frame: pd.DataFrame,
    *,
    by: Sequence[str],
    n: str = "denominator",
    total: tuple[str, Any] | None = None,
    column: str = "suppressed",
) -> pd.DataFrame:
    """Suppress a second cell wherever one suppressed cell could be recovered.

    Each block of rows sharing the values of ``by`` is taken to be the parts of a total
    that is shown (or, with ``total``, the parts *and* that total, as rows of the block).
    A block with exactly one suppressed cell gives it away by subtraction, so the smallest
    other part is suppressed too (the total row itself is never the one chosen, since it
    is what readers need).

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows already flagged (see :func:`flag_small`).
    by : sequence of str
        Columns defining a block, e.g. ``["unit_id", "year", "measure"]`` for the groups
        of one school-year, or ``["year", "group", "measure"]`` for the schools of a
        network.
    n : str
        Column of student counts, used to pick the smallest other part.
    total : (column, value), optional
        Identifies the total row within each block (e.g. ``("group", "all")``).
    column : str
        The boolean suppression column.

    Returns
    -------
    pandas.DataFrame
        A copy with ``column`` updated.

    Examples
    --------
    >>> f = pd.DataFrame({"group": ["focal", "rest", "all"], "denominator": [6, 30, 36]})
    >>> f = flag_small(f)
    >>> complementary(f, by=[], total=("group", "all"))["suppressed"].tolist()
    [True, True, False]
    """
    check_columns(frame, [*by, n, column], what="frame to suppress")
    out = frame.copy()
    is_total = (
        (out[total[0]] == total[1]).to_numpy()
        if total is not None
        else np.zeros(len(out), dtype=bool)
    )
    flags = out[column].to_numpy(dtype=bool).copy()
    counts = pd.to_numeric(out[n], errors="coerce").fillna(np.inf).to_numpy()
    positions = np.arange(len(out))
    groups = out.groupby(list(by), sort=False, dropna=False).indices if by else {(): positions}
    for idx in groups.values():
        idx = np.asarray(idx)
        # One pass per block suffices: after it the block has 0 or 2+ suppressed cells.
        if flags[idx].sum() != 1:
            continue
        candidates = idx[~flags[idx] & ~is_total[idx]]
        if len(candidates) == 0:
            continue
        flags[candidates[np.argmin(counts[candidates])]] = True
    added = flags & ~out[column].to_numpy(dtype=bool)
    out[column] = flags
    out[WHY] = _why(out, _reasons(added, Reason.COMPLEMENTARY))
    return out


def suppress(
    frame: pd.DataFrame,
    *,
    min_cell: int = 10,
    n: str = "denominator",
    values: Iterable[str] = ("numerator", "rate"),
    by: Sequence[str] | None = None,
    total: tuple[str, Any] | None = None,
    column: str = "suppressed",
) -> pd.DataFrame:
    """Flag small cells (and complementary ones), then blank their values.

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame a report will show.
    min_cell : int
        Smallest number of students a shown figure may rest on.
    n : str
        Column of student counts.
    values : iterable of str
        Columns set to missing where suppressed (those present).
    by, total
        Passed to :func:`complementary` when ``by`` is given.
    column : str
        The boolean suppression column.

    Returns
    -------
    pandas.DataFrame
        A copy with ``column`` set and suppressed values missing.
    """
    out = flag_small(frame, n=n, min_cell=min_cell, column=column)
    if by is not None:
        out = complementary(out, by=by, n=n, total=total, column=column)
    mask = out[column].to_numpy(dtype=bool)
    for col in values:
        if col in out.columns and mask.any():
            out[col] = out[col].astype("float64") if out[col].dtype.kind in "iub" else out[col]
            out.loc[mask, col] = np.nan
    return out


def visible(frame: pd.DataFrame, *, column: str = "suppressed") -> pd.DataFrame:
    """The rows a figure may draw: those not suppressed.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows flagged by :func:`flag_small` or :func:`suppress`.
    column : str
        The boolean suppression column; a missing flag counts as suppressed.

    Returns
    -------
    pandas.DataFrame
        The rows whose flag is False (``frame`` itself, unfiltered, when it has no
        ``column``).

    Examples
    --------
    >>> f = pd.DataFrame({"rate": [0.5, 0.7], "suppressed": [True, False]})
    >>> visible(f)["rate"].tolist()
    [0.7]
    """
    if column not in frame.columns:
        return frame
    return frame.loc[~frame[column].fillna(True).astype(bool)]
