"""One build of a run at a time: the lock in the run's work area."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from netlab import paths
from netlab.exceptions import BuildError
from netlab.pipeline import _lock as _lock


def _hold(told) -> None:
    """Hold run r1's lock for a minute, as a build in progress would, and say so."""
    sys.argv = ["-c"]  # a process started as `python -c`: no command to name
    with _lock.run_lock("r1"):
        told.send("held")
        time.sleep(60)


@pytest.fixture
def holder(netlab_home):
    """Another process holding the lock of run r1 (a build in progress).

    It is forked from this one, which has netlab imported already, rather than started
    afresh: the lock is the same file lock either way, held by another process.
    """
    fork = multiprocessing.get_context("fork")
    hear, told = fork.Pipe(duplex=False)
    proc = fork.Process(target=_hold, args=(told,), daemon=True)
    proc.start()
    assert hear.poll(60) and hear.recv() == "held"
    yield proc
    proc.kill()
    proc.join()


def test_a_second_build_exits_with_a_message_naming_the_first(holder):
    assert _lock.holder("r1")["pid"] == holder.pid
    with pytest.raises(BuildError) as caught, _lock.run_lock("r1"):
        pass
    text = str(caught.value)
    assert f"Another build of run 'r1' is running: process {holder.pid}, started" in text
    assert "--wait" in text


def test_a_waiting_build_says_so_and_gives_up_when_told(holder):
    said = []
    started = time.monotonic()
    with pytest.raises(BuildError), _lock.run_lock("r1", wait=1.0, say=said.append, poll=0.1):
        pass
    assert time.monotonic() - started >= 1.0
    info = _lock._read(paths.work_dir("r1") / "build.lock")
    assert said == [f"Another build of run 'r1' is running ({_lock._holder_text(info)}); waiting for it."]  # fmt: skip
    assert re.fullmatch(rf"process {holder.pid}, started \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
                        _lock._holder_text(info))  # fmt: skip


def test_a_waiting_build_starts_when_the_first_ends(holder):
    said = []
    killer = subprocess.Popen(["sh", "-c", f"sleep 1; kill {holder.pid}"])
    with _lock.run_lock("r1", wait=True, say=said.append, poll=0.1) as state:
        assert _lock.holder("r1")["pid"] == os.getpid()
    killer.wait()
    assert "waiting for it" in said[0]
    assert state["stale"] is not None  # a process killed mid-build left its lock behind
    assert _lock.holder("r1") is None


def test_a_stale_lock_of_a_killed_build_is_recognised(holder):
    os.kill(holder.pid, signal.SIGKILL)
    holder.join()
    assert _lock.holder("r1") is None  # nobody holds it: the kernel let it go
    said = []
    with _lock.run_lock("r1", say=said.append) as state:
        assert state["stale"]["pid"] == holder.pid
    assert said == [
        f"A previous build of run 'r1' did not finish ({_lock._holder_text(state['stale'])}); "
        "its lock was stale. Building again; its half-done work is redone."
    ]
    with _lock.run_lock("r1", say=said.append) as state:  # a finished build leaves no trace
        assert state["stale"] is None
