"""One report rendered in this process: the notebook run by papermill, exported, written.

:func:`render` takes one :class:`~netlab.batch.RenderTask` and returns one result dict (it
never raises): it executes the report's notebook with its parameters (the in-process
engine by default), exports the HTML with the netlab template, writes it atomically, and
writes each output the task names beside it (the workbook of the report's tables…). The warm servers (:mod:`netlab.batch._engine`) run it
in a fresh child process per report.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
from papermill.exceptions import PapermillExecutionError

from netlab.batch._papermill import ENGINE_NAME
from netlab.batch._task import RenderTask
from netlab.publish import atomic_write

KERNEL_NAME = "python3"
TEMPLATE_NAME = "netlab"


_EXPORTERS: dict[str, Any] = {}


def _exporter(template_dir: str | os.PathLike | None = None):
    from nbconvert import HTMLExporter

    from netlab import paths

    base = str(template_dir or paths.templates_dir())
    if base not in _EXPORTERS:
        _EXPORTERS[base] = HTMLExporter(
            template_name=TEMPLATE_NAME, extra_template_basedirs=[base]
        )
    return _EXPORTERS[base]


def export_html(
    nb: nbformat.NotebookNode, *, title: str = "report", template_dir: str | None = None
) -> str:
    """Render an executed notebook to self-contained HTML with the netlab template.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed report notebook.
    title : str
        Fallback page title (the report's own header normally sets it).
    template_dir : str, optional
        Folder holding ``netlab/`` (default: the project's ``templates/``).

    Returns
    -------
    str
        The HTML page.
    """
    body, _ = _exporter(template_dir).from_notebook_node(
        nb, resources={"metadata": {"name": title}}
    )
    return body


def _failure(task: Any, started: float, kind: str, message: str, **extra: Any) -> dict:
    task_id = getattr(task, "id", None) if not isinstance(task, dict) else task.get("id")
    notebook = (
        getattr(task, "work_notebook", None)
        if not isinstance(task, dict)
        else task.get("work_notebook")
    )
    return {
        "id": task_id,
        "status": "failed",
        "error_kind": kind,
        "error": message,
        "seconds": round(time.perf_counter() - started, 3),
        "notebook": notebook,
        "html": None,
        **extra,
    }


def render(task: RenderTask | Mapping[str, Any]) -> dict[str, Any]:
    """Execute one report notebook and write its HTML and its outputs; never raises.

    Parameters
    ----------
    task : RenderTask or mapping
        The report (:class:`~netlab.batch.RenderTask`, or a mapping of its fields):
        ``id``, ``notebook`` (source ``.ipynb``), ``parameters``, ``work_notebook``
        (where the executed notebook goes, in the private work area), ``html`` (the
        report's final path); optional ``home`` (project root, exported as
        ``NETLAB_HOME``), ``template_dir``, ``title``, ``engine`` (``"netlab"``, in
        process, or ``None`` for papermill's kernel engine), ``cwd``, ``outputs`` (the
        files written beside the page, each by its writer).

    Returns
    -------
    dict
        ``id``, ``status`` (``"ok"`` or ``"failed"``), ``seconds``, ``phases`` (execute,
        export, write, then one per output), ``html``, ``notebook``, and on failure
        ``error`` and ``error_kind``.
    """
    started = time.perf_counter()
    try:
        task = RenderTask.of(task)
        nb = _execute(task, started)
    except _Failed as failed:
        return failed.result
    except Exception as err:
        return _failure(task, started, "setup", f"{type(err).__name__}: {err}")
    phases = {"execute": round(time.perf_counter() - started, 3)}
    try:
        phases.update(_write(task, nb))
    except Exception as err:
        return _failure(task, started, "export", f"{type(err).__name__}: {err}")
    return {
        "id": task.id,
        "status": "ok",
        "seconds": round(time.perf_counter() - started, 3),
        "phases": phases,
        "html": str(task.html),
        "notebook": str(task.work_notebook),
        "error": None,
    }


class _Failed(Exception):
    """A report that failed before its page was written, with its result."""

    def __init__(self, result: dict) -> None:
        super().__init__(result.get("error"))
        self.result = result


def _execute(task: RenderTask, started: float) -> nbformat.NotebookNode:
    """Run the report's notebook with its parameters; the executed notebook."""
    import papermill

    if task.home:
        os.environ["NETLAB_HOME"] = str(task.home)
    work_nb = Path(task.work_notebook)
    work_nb.parent.mkdir(parents=True, exist_ok=True)
    stale = work_nb.with_name(work_nb.stem + ".failed.ipynb")
    stale.unlink(missing_ok=True)
    parameters = dict(task.parameters)
    declared = set(papermill.inspect_notebook(str(task.notebook)))
    unknown = sorted(set(parameters) - declared)
    if unknown:
        # papermill only warns about these; a misspelt parameter would otherwise leave
        # the notebook running on its default (another run, another school).
        raise _Failed(
            _failure(
                task,
                started,
                "setup",
                f"parameter(s) {unknown} are not in the notebook's parameters cell "
                f"({sorted(declared)})",
            )
        )
    try:
        return papermill.execute_notebook(
            str(task.notebook),
            str(work_nb),
            parameters=parameters,
            engine_name=task.engine,
            kernel_name=task.kernel_name,
            progress_bar=False,
            request_save_on_cell_execute=task.engine != ENGINE_NAME,
            cwd=task.cwd,
        )
    except PapermillExecutionError as err:
        # papermill has written the executed notebook with the failing cell marked; keep
        # it beside the others under a name that says so.
        marked = work_nb.with_name(work_nb.stem + ".failed.ipynb")
        if work_nb.exists():
            os.replace(work_nb, marked)
        message = f"{err.ename}: {err.evalue} (cell {err.exec_count})"
        raise _Failed(_failure(task, started, "notebook", message, notebook=str(marked))) from err


def _write(task: RenderTask, nb: nbformat.NotebookNode) -> dict[str, float]:
    """Export and write the page, then each output beside it; the seconds of each."""
    from netlab.publish import write_output

    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    html = export_html(nb, title=task.title or task.id, template_dir=task.template_dir)
    t1 = time.perf_counter()
    atomic_write(task.html, html)
    phases.update(export=round(t1 - t0, 3), write=round(time.perf_counter() - t1, 3))
    for name, path, writer in task.outputs:
        t0 = time.perf_counter()
        write_output(writer, path, nb)
        phases[name] = round(time.perf_counter() - t0, 3)
    return phases
