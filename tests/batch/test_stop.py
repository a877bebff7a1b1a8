"""Stopping a build's processes: a warm server still starting is not waited for."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from netlab.batch import WarmPool
from netlab.batch._stop import stop


def _slow_start(tmp_path) -> dict[str, str]:
    """An environment in which every new interpreter spends a minute starting."""
    site = tmp_path / "slow"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import time\ntime.sleep(60)\n")
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def test_closing_a_pool_whose_servers_are_starting_takes_a_moment(tmp_path):
    pool = WarmPool(2, env=_slow_start(tmp_path))
    procs = list(pool._all)
    started = time.monotonic()
    pool.close()
    took = time.monotonic() - started
    assert took < 5, f"closing took {took:.1f} s"
    # each server ended and was waited for: none is left running or a zombie
    assert all(p.returncode is not None for p in procs)
    for p in procs:
        with pytest.raises(ChildProcessError):  # no child of that id left to reap
            os.waitpid(p.pid, os.WNOHANG)


def _python(code: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def test_stop_lets_a_process_that_ends_on_its_own_end_and_ends_one_that_does_not():
    polite = _python("import sys; sys.stdin.read()")  # ends when its input closes
    deaf = _python(
        "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    assert deaf.stdout is not None and deaf.stdout.readline().strip() == "ready"
    started = time.monotonic()
    stop([polite, deaf], grace=0.5)
    assert time.monotonic() - started < 5
    assert polite.returncode == 0  # asked, it ended by itself
    assert deaf.returncode == -signal.SIGKILL  # it ignored the terminate
