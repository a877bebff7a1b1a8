"""Argument checks with messages that name the parameter, the allowed values and the value."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from netlab.exceptions import ColumnsError


def check_argument(param: str, options: Iterable[Any], value: Any) -> Any:
    """Raise ``ValueError`` unless ``value`` is one of ``options``.

    Parameters
    ----------
    param : str
        Name of the parameter, as the caller wrote it.
    options : iterable
        Allowed values.
    value : object
        The value passed.

    Returns
    -------
    object
        ``value``, unchanged.

    Examples
    --------
    >>> check_argument("method", ["additive", "none"], "additive")
    'additive'
    """
    options = list(options)
    if value not in options:
        raise ValueError(
            f"The value for `{param}` must be one of {options}, but {value!r} was passed."
        )
    return value


def check_columns(
    frame: Any, columns: Iterable[str], *, what: str = "frame", hint: str | None = None
) -> None:
    """Raise :class:`~netlab.exceptions.ColumnsError` naming every column ``frame`` lacks.

    The one column check: every function that reads named columns of a frame it was given
    checks them here, so the message reads the same wherever it comes from.

    Parameters
    ----------
    frame : pandas.DataFrame
        The frame passed.
    columns : iterable of str
        The columns it must have.
    what : str, default "frame"
        What the frame is, as the message names it ("rates", "chart data").
    hint : str, optional
        What to do next.

    Raises
    ------
    ColumnsError
        An :class:`~netlab.exceptions.InputError` and a ``KeyError``, naming the missing
        columns and those the frame has.

    Examples
    --------
    >>> import pandas as pd
    >>> check_columns(pd.DataFrame({"x": [1]}), ["x"], what="chart data")
    """
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if missing:
        raise ColumnsError(
            f"The {what} lacks column(s) {missing}; it has {list(frame.columns)}.",
            table=what,
            column=missing[0],
            hint=hint,
        )
