"""Stopping the processes a build started: ask, wait briefly, then end them.

A warm server that is asked to stop (its input closed) ends at once when it is idle; one
still importing the report stack would only see the request once it is warm, seconds
later. A build that stops (its reports done, or its prepare failed) has nothing left for
any server to do, so it waits a moment for each to end by itself and then ends it.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Sequence

#: Seconds the processes, all together, have to end after each step of :func:`stop`.
GRACE = 1.0


def _wait_all(procs: Sequence[subprocess.Popen], grace: float) -> None:
    """Wait until every process has ended or ``grace`` seconds have passed, in all."""
    deadline = time.monotonic() + grace
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))


def stop(procs: Sequence[subprocess.Popen], *, grace: float = GRACE) -> None:
    """Stop processes: close their input, wait briefly, terminate, then kill.

    Parameters
    ----------
    procs : sequence of subprocess.Popen
        The processes, each started with ``stdin=PIPE`` (closing it asks it to stop).
    grace : float
        Seconds they have, all together, to end after their input closes, and again
        after they are terminated, before they are killed.

    Returns
    -------
    None
        Every process has ended and been waited for (none is left a zombie), and the
        pipes to it are closed; at most about ``2 * grace`` seconds pass before the kill.
    """
    for proc in procs:
        with contextlib.suppress(OSError, ValueError):
            if proc.stdin is not None:
                proc.stdin.close()
    _wait_all(procs, grace)
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    _wait_all(procs, grace)
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        with contextlib.suppress(OSError, ValueError):
            if proc.stdout is not None:
                proc.stdout.close()
