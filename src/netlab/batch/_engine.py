"""Fast, isolated execution of report notebooks.

A report's time goes mostly to starting a process, a kernel and importing the stack, not
to its cells. So a *warm server* imports the stack once and then forks one fresh child per
report: the child has its own process and namespace (no school's data ever sits where
another's is rendered), runs the notebook through papermill with an in-process engine
(papermill's documented place for custom execution), exports HTML with the netlab template
and writes it atomically. The notebooks themselves still run under plain ``papermill``
with an ordinary kernel.

Pieces, from the inside out:

- :class:`~netlab.batch.InProcessEngine` (``_papermill``): a papermill engine (registered
  as ``"netlab"``) executing cells in an IPython shell in the current process, recording
  outputs as a kernel would.
- :func:`~netlab.batch.render` (``_render``): one report, one task dict in, one result
  dict out (never raises).
- :func:`fork_render`: the same in a fresh child of this process.
- :func:`spawn_render`: the same in a freshly started interpreter, where ``fork`` is
  missing (Windows) or unsafe (macOS); slower, since each report imports the stack.
  :func:`start_method` says which one a build uses (``NETLAB_START_METHOD``).
- :func:`serve`: the warm server loop (``python -m netlab.batch._engine serve``).
- :class:`WarmPool`: a few warm servers fed from threads, for a local build.
- :func:`render_on_worker`: the same on a Dask worker (one warm server per worker).
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat

# The engine lives in its own small module: papermill loads it through the
# "papermill.engine" entry point while papermill itself is being imported, so papermill
# is imported before it.
import papermill  # noqa: F401

from netlab.batch._papermill import _shell
from netlab.batch._render import _failure, export_html, render
from netlab.batch._stop import stop
from netlab.batch._task import RenderTask
from netlab.exceptions import BuildError

DEFAULT_TIMEOUT = 600.0
#: How a warm server starts each report's process: ``fork`` a child of the warm server
#: (Linux, the default there) or ``spawn`` a fresh interpreter (the default elsewhere).
START_METHODS = ("fork", "spawn")
START_METHOD_ENV = "NETLAB_START_METHOD"
__all__ = [
    "START_METHODS",
    "WarmPool",
    "fork_render",
    "render_on_worker",
    "serve",
    "spawn_render",
    "start_method",
    "warm",
]


def start_method(chosen: str | None = None) -> str:
    """How each report's process is started: ``"fork"`` or ``"spawn"``.

    Parameters
    ----------
    chosen : str, optional
        ``"fork"`` or ``"spawn"``; default: the ``NETLAB_START_METHOD`` environment
        variable, else ``"fork"`` on Linux and ``"spawn"`` elsewhere (Windows has no
        ``fork``; on macOS a forked child of a process that has started system
        frameworks' threads may crash).

    Returns
    -------
    str
        The method.

    Raises
    ------
    BuildError
        When the method is unknown, or ``fork`` is asked for where it does not exist.
    """
    raw = chosen if chosen is not None else os.environ.get(START_METHOD_ENV, "")
    method = str(raw).strip().lower()
    if not method:
        return "fork" if hasattr(os, "fork") and sys.platform.startswith("linux") else "spawn"
    if method not in START_METHODS:
        raise BuildError(
            f"Unknown start method {raw!r} (from {START_METHOD_ENV} or --start-method).",
            hint=f"Use one of: {', '.join(START_METHODS)}.",
        )
    if method == "fork" and not hasattr(os, "fork"):
        raise BuildError(
            f"This system ({sys.platform}) cannot fork processes.",
            hint=f"Use spawn (unset {START_METHOD_ENV}, or set it to spawn).",
        )
    return method


# --------------------------------------------------------------------------------------
# Warm server: import once, fork a fresh child per report
# --------------------------------------------------------------------------------------


def _import_stack() -> None:
    """Import the modules a report may use (a warm server does it once, before it forks)."""
    from netlab import (  # noqa: F401
        livecase,
        measures,
        pipeline,
        plots,
        practices,
        publish,
        report,
        spc,
        traction,
        variation,
        words,
    )

    with contextlib.suppress(ImportError):
        import openpyxl  # noqa: F401


def warm(template_dir: str | None = None) -> float:
    """Import the report stack and prime its caches; return the seconds it took.

    Called once in a warm server before it forks children, so each child starts with
    pandas, matplotlib, netlab and the compiled HTML template already in memory.
    """
    started = time.perf_counter()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    _import_stack()

    _shell()
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1], label="x")
    ax.set_title("warm")
    ax.legend()
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("## warm"))
    with contextlib.suppress(Exception):
        export_html(nb, template_dir=template_dir)
    # Objects made so far live as long as the server: keeping them out of the collector's
    # reach stops each child from touching (and so copying) their memory pages.
    gc.collect()
    gc.freeze()
    return time.perf_counter() - started


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_all(fd: int, deadline: float) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies, however it dies (``kill -9``).

    A build that is killed must not leave servers or report children behind that could
    still write reports while the next build runs.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _child(task: RenderTask, write_fd: int) -> None:
    code = 0
    _die_with_parent()
    try:
        log = task.log
        if log:
            Path(log).parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.close(fd)
        result = render(task)
    except BaseException as err:  # the child must always answer, whatever happened
        result = _failure(task, time.perf_counter(), "crash", f"{type(err).__name__}: {err}")
        result["traceback"] = traceback.format_exc()
        code = 1
    try:
        _write_all(write_fd, json.dumps(result).encode())
    finally:
        os._exit(code)


def fork_render(task: RenderTask | dict[str, Any]) -> dict[str, Any]:
    """Render one report in a freshly forked child of this (warm) process.

    The child runs :func:`render`; this process waits for its answer, at most
    ``task.timeout`` seconds (default 600), and kills it past that.
    """
    started = time.perf_counter()
    task = RenderTask.of(task)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        _child(task, write_fd)
    os.close(write_fd)
    timeout = float(task.timeout or DEFAULT_TIMEOUT)
    try:
        data = _read_all(read_fd, time.monotonic() + timeout)
    finally:
        os.close(read_fd)
    if data is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if data is None:
        return _failure(task, started, "timeout", f"the report took longer than {timeout:.0f} s")
    if not data:
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        why = f"signal {sig}" if sig else f"exit status {os.WEXITSTATUS(status)}"
        return _failure(task, started, "crash", f"the report's process died ({why})")
    return json.loads(data)


_SPAWNED = (
    "import netlab._startup as s; s.own_process(renders_only=True); "
    "from netlab.batch._engine import _spawned; _spawned()"
)
_SERVE = (
    "import netlab._startup as s; s.own_process(renders_only=True); "
    "from netlab.batch._engine import serve; serve()"
)


def _spawned() -> None:
    """Entry of a spawned report process: one JSON task on stdin, its result on stdout."""
    task = RenderTask.from_json(sys.stdin.read())
    answer = os.dup(1)
    os.dup2(2, 1)  # stray prints must not corrupt the answer
    _child(task, answer)


def spawn_render(task: RenderTask | dict[str, Any]) -> dict[str, Any]:
    """Render one report in a freshly started interpreter (where ``fork`` is not used).

    The new process runs :func:`render` as :func:`fork_render`'s child does; this process
    waits for its answer, at most ``task.timeout`` seconds (default 600), and kills it
    past that.
    """
    started = time.perf_counter()
    task = RenderTask.of(task)
    timeout = float(task.timeout or DEFAULT_TIMEOUT)
    env = {**os.environ, **({"NETLAB_HOME": str(task.home)} if task.home else {})}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _SPAWNED],
            input=task.to_json().encode(),
            stdout=subprocess.PIPE,
            env=env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _failure(task, started, "timeout", f"the report took longer than {timeout:.0f} s")
    if not done.stdout.strip():
        why = f"exit status {done.returncode}"
        return _failure(task, started, "crash", f"the report's process died ({why})")
    return json.loads(done.stdout)


def _preload(task: RenderTask) -> None:
    """Load the task's prepared run in this (parent) process, once, if it names one."""
    run = task.preload
    if not run:
        return
    if task.home:
        os.environ["NETLAB_HOME"] = str(task.home)
    try:
        from netlab import report

        report.preload(run)
    except Exception:  # the child loads the run itself and reports any error
        pass


def serve(stdin=None, stdout=None) -> None:
    """Warm server loop: read one JSON task per line, answer one JSON result per line.

    Started as ``python -m netlab.batch._engine serve``; ends when its input closes. Anything a
    report prints goes to the report's log file (``task.log``), never to the answers.
    """
    if stdin is None:
        _die_with_parent()  # started by a build as its own process
    stdin = stdin or sys.stdin
    answers = stdout or os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints must not corrupt the answer channel
    forking = start_method() == "fork"
    if forking:  # a spawned report imports the stack itself: nothing to share
        warm()
    for line in stdin:
        if not line.strip():
            continue
        task: Any = None
        try:
            task = RenderTask.from_json(line)
            if forking:
                _preload(task)
                result = fork_render(task)
            else:
                result = spawn_render(task)
        except Exception as err:
            result = _failure(task, time.perf_counter(), "server", f"{type(err).__name__}: {err}")
        answers.write(json.dumps(result) + "\n")
        answers.flush()


class WarmPool:
    """A few warm servers rendering reports in parallel.

    Parameters
    ----------
    size : int
        Number of servers (reports rendered at once).
    env : dict, optional
        Extra environment variables for the servers (e.g. ``NETLAB_HOME``).
    log : path, optional
        File receiving the servers' own messages (start-up warnings).
    method : {"fork", "spawn"}, optional
        How each report's process starts (:func:`start_method`; default: the
        ``NETLAB_START_METHOD`` environment variable, else ``fork`` on Linux only).

    Examples
    --------
    >>> with WarmPool(2) as pool:  # doctest: +SKIP
    ...     results = [f.result() for f in map(pool.submit, tasks)]
    """

    def __init__(
        self,
        size: int,
        *,
        env: dict[str, str] | None = None,
        log=None,
        method: str | None = None,
    ) -> None:
        self.size = max(1, int(size))
        self._env = {**os.environ, **(env or {})}
        self.method = start_method(
            method if method is not None else self._env.get(START_METHOD_ENV)
        )
        self._env[START_METHOD_ENV] = self.method
        self._log = log
        self._idle: queue.Queue = queue.Queue()
        self._all: list[subprocess.Popen] = []
        self._lock = threading.Lock()
        for _ in range(self.size):
            self._idle.put(self._start())
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="netlab-render")

    def _start(self) -> subprocess.Popen:
        err = open(self._log, "ab") if self._log else subprocess.DEVNULL  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-c", _SERVE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            env=self._env,
            text=True,
            bufsize=1,
        )
        if not isinstance(err, int):  # the log file, not DEVNULL
            err.close()
        with self._lock:
            self._all.append(proc)
        return proc

    def run(self, task: RenderTask | dict[str, Any]) -> dict[str, Any]:
        """Render one task on the next free server (blocking)."""
        task = RenderTask.of(task)
        proc = self._idle.get()
        started = time.perf_counter()
        try:
            if proc.poll() is not None:
                proc = self._start()
            proc.stdin.write(task.to_json() + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
            if not line:
                proc.kill()
                proc.wait()
                proc = self._start()
                return _failure(task, started, "server", "the warm server stopped unexpectedly")
            return json.loads(line)
        except (BrokenPipeError, OSError) as err:
            proc = self._start()
            return _failure(task, started, "server", f"{type(err).__name__}: {err}")
        finally:
            self._idle.put(proc)

    def submit(self, task: RenderTask | dict[str, Any]) -> Future:
        """Queue one task; the future's result is :func:`render`'s dict."""
        return self._threads.submit(self.run, task)

    def close(self) -> None:
        """Stop the servers once the reports queued are done.

        A server still starting (importing the stack) is not waited for: it is asked to
        stop, given a moment, then terminated (:func:`netlab.batch._stop.stop`).
        """
        self._threads.shutdown(wait=True)
        with self._lock:
            procs = list(self._all)
        stop(procs)

    def __enter__(self) -> WarmPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_WORKER_POOL: WarmPool | None = None
_WORKER_LOCK = threading.Lock()


def render_on_worker(task: RenderTask) -> dict[str, Any]:
    """Render one report on a Dask worker, in a fresh child of the worker's warm server.

    The worker starts its warm server on first use and keeps it while it lives.
    """
    global _WORKER_POOL
    with _WORKER_LOCK:
        if _WORKER_POOL is None:
            _WORKER_POOL = WarmPool(1)
    return _WORKER_POOL.run(task)


if __name__ == "__main__":  # pragma: no cover - exercised through WarmPool
    if sys.argv[1:2] == ["serve"]:
        from netlab.batch._engine import serve as _serve  # one copy of the module's state

        _serve()
    else:
        print("usage: python -m netlab.batch._engine serve", file=sys.stderr)
        sys.exit(2)
