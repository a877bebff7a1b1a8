"""The papermill engine ``"netlab"``: notebook cells run in this process's IPython shell.

Outputs land in the notebook's cells as a kernel would record them. papermill finds the
engine through the ``papermill.engine`` entry point, which it loads while it is itself
being imported; so this module imports nothing of netlab.
"""

from __future__ import annotations

import base64
import contextlib
import io
from typing import Any

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from papermill.engines import Engine, papermill_engines
from traitlets import Type
from traitlets.config import Config

__all__ = ["ENGINE_NAME", "InProcessEngine"]

#: The engine's name for ``papermill.execute_notebook(..., engine_name=ENGINE_NAME)``.
ENGINE_NAME = "netlab"


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for mime, value in data.items():
        if isinstance(value, bytes | bytearray):
            value = base64.b64encode(value).decode("ascii")
        out[mime] = value
    return out


class _Publisher(DisplayPublisher):
    """Collects ``display()`` calls as ``display_data`` outputs."""

    sink: list | None = None

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
        if self.sink is None:
            return
        self.sink.append(
            nbformat.v4.new_output("display_data", data=_jsonable(data), metadata=metadata or {})
        )

    def clear_output(self, wait=False):
        if self.sink is not None:
            self.sink.clear()


class _Hook(DisplayHook):
    """Collects a cell's last expression as an ``execute_result`` output."""

    sink: list | None = None

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        if self.sink is None:
            return
        self.sink.append(
            nbformat.v4.new_output(
                "execute_result",
                data=_jsonable(format_dict),
                metadata=md_dict or {},
                execution_count=self.shell.execution_count,
            )
        )

    def finish_displayhook(self):
        pass


class _Shell(InteractiveShell):
    display_pub_class = Type(_Publisher)
    displayhook_class = Type(_Hook)
    sink: list | None = None

    def enable_gui(self, gui=None):
        pass  # no event loop: figures are rendered inline, as a kernel's would be

    def _showtraceback(self, etype, evalue, stb):
        if self.sink is not None:
            self.sink.append(
                nbformat.v4.new_output(
                    "error",
                    ename=getattr(etype, "__name__", str(etype)),
                    evalue=str(evalue),
                    traceback=list(stb),
                )
            )


class _Stream(io.TextIOBase):
    """A text stream appending to the current cell's ``stream`` outputs."""

    def __init__(self, name: str, sink: list) -> None:
        super().__init__()
        self.name_ = name
        self.sink = sink

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not text:
            return 0
        last = self.sink[-1] if self.sink else None
        if last is not None and last.output_type == "stream" and last.name == self.name_:
            last.text += text
        else:
            self.sink.append(nbformat.v4.new_output("stream", name=self.name_, text=text))
        return len(text)


_SHELL: _Shell | None = None


def _shell() -> _Shell:
    """The process's shell; created once (in the warm server, before any notebook runs)."""
    global _SHELL
    if _SHELL is None:
        config = Config()
        config.HistoryManager.enabled = False
        _SHELL = _Shell.instance(config=config)
        with contextlib.redirect_stdout(io.StringIO()):
            _SHELL.enable_matplotlib("inline")
    return _SHELL


def _run_cell(shell: _Shell, cell: Any) -> bool:
    sink: list = []
    shell.sink = sink
    shell.display_pub.sink = sink
    shell.displayhook.sink = sink
    try:
        with (
            contextlib.redirect_stdout(_Stream("stdout", sink)),
            contextlib.redirect_stderr(_Stream("stderr", sink)),
        ):
            result = shell.run_cell(cell.source, store_history=True)
    finally:
        shell.sink = shell.display_pub.sink = shell.displayhook.sink = None
    cell.execution_count = result.execution_count
    cell.outputs = sink
    return bool(result.success)


class InProcessEngine(Engine):
    """A papermill engine running cells in this process's IPython shell.

    Outputs (streams, displays, results, errors) are recorded as a kernel would record
    them, so the executed notebook looks like one papermill wrote with a kernel. Use it
    only in a process made for one notebook (a forked child): the namespace is not reset.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        shell = _shell()
        for index, cell in enumerate(nb_man.nb.cells):
            nb_man.cell_start(cell, index)
            ok = cell.cell_type != "code" or _run_cell(shell, cell)
            if not ok:
                nb_man.cell_exception(cell, index)
                nb_man.cell_complete(cell, index)
                break
            nb_man.cell_complete(cell, index)


# Registered for papermill through the "papermill.engine" entry point (pyproject.toml); the
# line below also registers it in a process whose papermill predates the installation.
papermill_engines.register(ENGINE_NAME, InProcessEngine)
