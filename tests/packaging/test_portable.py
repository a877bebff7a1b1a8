"""Windows: every netlab module imports where POSIX-only modules do not exist."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests._support import REPO

SRC = REPO / "src"
POSIX_ONLY = ("fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "syslog")

# A module set to None in sys.modules cannot be imported: as on Windows.
# IPython picks its process helpers by sys.platform (pexpect and pty here, win32 helpers on
# Windows), so it is imported before the POSIX modules are taken away: the probe is about
# what netlab's own modules import.
PROBE = f"""
import sys
import IPython
for name in {POSIX_ONLY!r}:
    sys.modules[name] = None
import importlib, pkgutil, netlab
failed = []
for info in pkgutil.walk_packages(netlab.__path__, "netlab."):
    if info.name.endswith("__main__"):
        continue
    try:
        importlib.import_module(info.name)
    except ImportError as err:
        failed.append(f"{{info.name}}: {{err}}")
print("\\n".join(failed) or "ok")
"""


@pytest.mark.slow  # every module imported afresh in a child interpreter
def test_every_module_imports_without_posix_only_modules():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "ok", done.stdout
