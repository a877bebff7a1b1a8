"""One report rendered in this process: the notebook run by papermill, exported, written.

:func:`render` takes one task dict and returns one result dict (it never raises): it
executes the report's notebook with its parameters (the in-process engine by default),
exports the HTML with the netlab template, writes it atomically, and writes the workbook
of the report's tables beside it. The warm servers (:mod:`netlab.batch._engine`) run it
in a fresh child process per report.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import nbformat
from papermill.exceptions import PapermillExecutionError

from netlab.batch._papermill import ENGINE_NAME

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


def atomic_write(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``.

    A reader sees either the old file or the new one, never half of one.

    Parameters
    ----------
    path : str or PathLike
        The file to write.
    text : str
        Its new content.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target


def _failure(task: dict, started: float, kind: str, message: str, **extra: Any) -> dict:
    return {
        "id": task.get("id"),
        "status": "failed",
        "error_kind": kind,
        "error": message,
        "seconds": round(time.perf_counter() - started, 3),
        "notebook": task.get("work_notebook"),
        "html": None,
        **extra,
    }


def render(task: dict[str, Any]) -> dict[str, Any]:
    """Execute one report notebook and write its HTML; never raises.

    Parameters
    ----------
    task : dict
        ``id``, ``notebook`` (source ``.ipynb``), ``parameters`` (dict),
        ``work_notebook`` (where the executed notebook goes, in the private work area),
        ``html`` (the report's final path); optional ``home`` (project root, exported as
        ``NETLAB_HOME``), ``template_dir``, ``title``, ``engine`` (``"netlab"``, in process,
        or ``None`` for papermill's kernel engine), ``cwd``, ``xlsx`` (where the workbook of
        the report's tables goes; none when absent).

    Returns
    -------
    dict
        ``id``, ``status`` (``"ok"`` or ``"failed"``), ``seconds``, ``phases`` (execute,
        export, write, xlsx), ``html``, ``notebook``, and on failure ``error`` and ``error_kind``.
    """
    import papermill

    started = time.perf_counter()
    try:
        if task.get("home"):
            os.environ["NETLAB_HOME"] = str(task["home"])
        work_nb = Path(task["work_notebook"])
        work_nb.parent.mkdir(parents=True, exist_ok=True)
        stale = work_nb.with_name(work_nb.stem + ".failed.ipynb")
        stale.unlink(missing_ok=True)
        parameters = dict(task.get("parameters") or {})
        declared = set(papermill.inspect_notebook(str(task["notebook"])))
        unknown = sorted(set(parameters) - declared)
        if unknown:
            # papermill only warns about these; a misspelt parameter would otherwise leave
            # the notebook running on its default (another run, another school).
            return _failure(
                task,
                started,
                "setup",
                f"parameter(s) {unknown} are not in the notebook's parameters cell "
                f"({sorted(declared)})",
            )
        nb = papermill.execute_notebook(
            str(task["notebook"]),
            str(work_nb),
            parameters=parameters,
            engine_name=task.get("engine", ENGINE_NAME),
            kernel_name=task.get("kernel_name", KERNEL_NAME),
            progress_bar=False,
            request_save_on_cell_execute=task.get("engine", ENGINE_NAME) != ENGINE_NAME,
            cwd=task.get("cwd"),
        )
    except PapermillExecutionError as err:
        # papermill has written the executed notebook with the failing cell marked; keep
        # it beside the others under a name that says so.
        failed = Path(task["work_notebook"])
        marked = failed.with_name(failed.stem + ".failed.ipynb")
        if failed.exists():
            os.replace(failed, marked)
        return _failure(
            task,
            started,
            "notebook",
            f"{err.ename}: {err.evalue} (cell {err.exec_count})",
            notebook=str(marked),
        )
    except Exception as err:
        return _failure(task, started, "setup", f"{type(err).__name__}: {err}")
    executed = time.perf_counter()
    try:
        html = export_html(
            nb,
            title=task.get("title", task.get("id", "report")),
            template_dir=task.get("template_dir"),
        )
        exported = time.perf_counter()
        atomic_write(task["html"], html)
        written = time.perf_counter()
        if task.get("xlsx"):
            # the workbook reads the tables as rendered: same labels, same suppression
            from netlab.report import notebook_tables, write_workbook

            write_workbook(task["xlsx"], *notebook_tables(nb))
    except Exception as err:
        return _failure(task, started, "export", f"{type(err).__name__}: {err}")
    done = time.perf_counter()
    return {
        "id": task.get("id"),
        "status": "ok",
        "seconds": round(done - started, 3),
        "phases": {
            "execute": round(executed - started, 3),
            "export": round(exported - executed, 3),
            "write": round(written - exported, 3),
            "xlsx": round(done - written, 3),
        },
        "html": str(task["html"]),
        "notebook": str(task["work_notebook"]),
        "error": None,
    }
