"""Blocking work called from a thread whose asyncio loop is running (a Jupyter kernel).

Playwright's sync API refuses to run inside a running event loop, which is where a
researcher's ``netlab.build(...)`` from JupyterLab runs; such work goes to a thread of
its own instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["loop_running", "off_the_loop"]


def loop_running() -> bool:
    """True when this thread runs an asyncio event loop.

    Returns
    -------
    bool
        True inside a running loop (a Jupyter kernel's), False otherwise.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def off_the_loop(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` here, or in a thread of its own when this thread runs an event loop.

    Parameters
    ----------
    fn : callable
        The blocking work (Playwright's printing, say).
    *args, **kwargs
        Passed to ``fn``.

    Returns
    -------
    object
        What ``fn`` returns; what it raises is raised here.

    Examples
    --------
    >>> off_the_loop(sum, [1, 2])
    3
    """
    if not loop_running():
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()
