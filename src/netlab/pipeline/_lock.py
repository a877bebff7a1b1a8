"""One build of a run at a time: a lock file in the run's private work area.

The lock is an operating-system lock on ``<work area>/build.mutex`` taken through
:mod:`filelock` (``flock`` on Linux and macOS, ``msvcrt.locking`` on Windows), which the
system releases when the process holding it ends, however it ends (``kill -9`` included).
Beside it, ``build.lock`` says who holds it (process, host, command, start time): a second
build reads it to tell the person what it is waiting for, and a ``build.lock`` left full by
a build that was killed is recognised as stale because nobody holds the mutex any more.
(The two are separate files because Windows forbids reading a locked file's bytes.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from netlab import paths
from netlab.exceptions import BuildError

LOCK_NAME = "build.lock"
MUTEX_NAME = "build.mutex"


def _holder_text(info: dict) -> str:
    who = f"process {info.get('pid', '?')}"
    if info.get("host") and info["host"] != socket.gethostname():
        who += f" on {info['host']}"
    try:
        started = dt.datetime.fromisoformat(info["started"]).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (KeyError, TypeError, ValueError):
        started = "at an unknown time"
    command = info.get("command")
    return who + (f" ({command})" if command else "") + f", started {started}"


def _command() -> str | None:
    """The command that took the lock, as a person typed it (``netlab build params/x.yaml``)."""
    argv = sys.argv
    if not argv or not argv[0] or argv[0] == "-c":
        return None
    return " ".join([Path(argv[0]).name, *argv[1:3]])


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


@contextlib.contextmanager
def run_lock(
    run: str,
    *,
    wait: bool | float = False,
    say: Callable[[str], None] | None = None,
    poll: float = 0.5,
) -> Iterator[dict]:
    """Hold the run's build lock for the duration of a ``with`` block.

    Parameters
    ----------
    run : str
        The run's name.
    wait : bool or float
        False: if another build holds the lock, raise at once. True: wait until it ends.
        A number: wait at most that many seconds.
    say : callable, optional
        Where messages go (waiting, a stale lock recognised); default: standard error.
    poll : float
        Seconds between attempts while waiting.

    Yields
    ------
    dict
        ``stale``: what the lock file said when a killed build had left it (else None).

    Raises
    ------
    BuildError
        When another build of the run holds the lock and ``wait`` is False (or ran out).
    """
    say = say or (lambda text: print(text, file=sys.stderr))
    work = paths.work_dir(run)
    work.mkdir(parents=True, exist_ok=True)
    path = work / LOCK_NAME
    mutex = FileLock(work / MUTEX_NAME)
    deadline = None if wait is True or wait is False else time.monotonic() + float(wait)
    told = False
    while True:
        try:
            mutex.acquire(timeout=0)
            break
        except Timeout:
            holder = _holder_text(_read(path))
            if wait is False or (deadline is not None and time.monotonic() > deadline):
                raise BuildError(
                    f"Another build of run {run!r} is running: {holder}.",
                    hint="Wait for it to finish, or build with --wait to start when it "
                    f"ends. (Lock: {path})",
                ) from None
            if not told:
                say(f"Another build of run {run!r} is running ({holder}); waiting for it.")
                told = True
            time.sleep(poll)
    try:
        left = _read(path)
        stale = left if left.get("pid") else None
        if stale:
            say(
                f"A previous build of run {run!r} did not finish ({_holder_text(stale)}); "
                "its lock was stale. Building again; its half-done work is redone."
            )
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": _command(),
        }
        path.write_text(json.dumps(info), encoding="utf-8")
        try:
            yield {"stale": stale}
        finally:
            path.write_text("", encoding="utf-8")  # empty: the last build finished
    finally:
        mutex.release()


def holder(run: str) -> dict | None:
    """Who holds the run's lock right now, or None when no build is running.

    Parameters
    ----------
    run : str
        The run's name.

    Returns
    -------
    dict or None
        Who holds the run's lock right now, or None when no build is running.
    """
    work = paths.work_dir(run)
    if not (work / MUTEX_NAME).exists():
        return None
    probe = FileLock(work / MUTEX_NAME)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return _read(work / LOCK_NAME) or {"pid": None}
    probe.release()
    return None
