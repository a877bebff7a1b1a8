"""Argument checks with messages that name the parameter, the allowed values and the value."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


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


def check_columns(frame: Any, columns: Iterable[str], *, what: str = "frame") -> None:
    """Raise ``KeyError`` naming every column of ``columns`` missing from ``frame``.

    Parameters
    ----------
    frame : Any
        The frame to check.
    columns : Iterable[str]
        The columns it must have.
    what : str, optional
        What the frame is, for the message ("the rates table").
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"The {what} lacks column(s) {missing}; it has {list(frame.columns)}.")
