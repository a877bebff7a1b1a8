"""One build of a run at a time: a lock file in the run's private work area.

The lock is an advisory ``flock`` on ``<work area>/build.lock``, which the operating system
releases when the process holding it ends, however it ends (``kill -9`` included). The
file also says who holds it (process, host, command, start time): a second build reads it
to tell the person what it is waiting for, and a lock file left by a build that was killed
is recognised as stale because nobody holds its ``flock`` any more.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from netlab import paths
from netlab.exceptions import BuildError

LOCK_NAME = "build.lock"


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
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = None if wait is True or wait is False else time.monotonic() + float(wait)
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
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
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        os.fsync(fd)
        try:
            yield {"stale": stale}
        finally:
            # An empty lock file means the last build finished.
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def holder(run: str) -> dict | None:
    """Who holds the run's lock right now, or None when no build is running."""
    path = paths.work_dir(run) / LOCK_NAME
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(path) or {"pid": None}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
