"""Rendering on a Dask cluster: tasks that travel, and PDFs printed where reports render.

A task names its files relative to the project root (or to the netlab package, for the
notebooks and templates it ships), never by the client's absolute paths: each worker
resolves them against its own project root (``NETLAB_HOME`` on the worker, else the
client's root), so the project folder may be mounted at another path on the workers. The
files must still be the same files: the project folder on a shared filesystem (see
``docs/cluster.md``). A worker prints each report's PDF after rendering it; when it cannot
(no Chromium or Playwright there), the client prints it after the build.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from netlab import paths
from netlab.batch._task import RenderTask

#: The task's fields that name files (each output's path is named too).
PATH_KEYS = ("notebook", "work_notebook", "log", "html", "template_dir")
#: Where a relative path is resolved on the worker.
_PROJECT, _PACKAGE = "project", "package"


def _bases(root: Path) -> dict[str, Path]:
    return {_PROJECT: Path(root), _PACKAGE: paths.PACKAGE}


def portable(
    task: RenderTask | dict[str, Any], root: str | os.PathLike, *, pdf: bool
) -> RenderTask:
    """A render task to send to a worker: its paths relative to the project or package.

    Parameters
    ----------
    task : RenderTask
        A task of :func:`netlab.batch.plan`.
    root : path
        The client's project root.
    pdf : bool
        Print the report's PDF on the worker.

    Returns
    -------
    RenderTask
        The task with ``where`` (which base each relative path is under), ``pdf`` and
        ``one_page`` (a live-case brief prints on one sheet). A path under neither base
        is sent as it is and must be the same path on the workers.
    """
    task = RenderTask.of(task)
    bases = _bases(Path(root))
    where: dict[str, str] = {}
    moved: dict[str, Any] = {}
    for key in PATH_KEYS:
        value = getattr(task, key)
        found = _relative(Path(value), bases) if value else None
        if found is not None:
            where[key], moved[key] = found
    outputs = []
    for name, path, writer in task.outputs:
        found = _relative(Path(path), bases)
        if found is not None:
            where[f"output:{name}"], path = found
        outputs.append((name, path, writer))
    return replace(
        task,
        **moved,
        outputs=tuple(outputs),
        home=None,
        where=tuple(where.items()),
        pdf=bool(pdf),
        one_page=task.kind == "livecase",
        client_home=str(root),  # used only where the worker has no project root of its own
    )


def _relative(path: Path, bases: dict[str, Path]) -> tuple[str, str] | None:
    """The base a path is under and the path relative to it (as written, then resolved:
    a project's ``notebooks/`` may be a link to another folder)."""
    for form in (lambda p: Path(os.path.abspath(p)), Path.resolve):
        for name, base in bases.items():
            if form(path).is_relative_to(form(base)):
                return name, form(path).relative_to(form(base)).as_posix()
    return None


def on_this_worker(task: RenderTask) -> RenderTask:
    """Resolve a :func:`portable` task against this worker's project root and package."""
    root = Path(os.environ.get("NETLAB_HOME") or str(task.client_home))
    bases = _bases(root)
    where = dict(task.where)
    moved: dict[str, Any] = {
        key: str(bases[where[key]] / getattr(task, key)) for key in PATH_KEYS if key in where
    }
    outputs = tuple(
        (
            name,
            str(bases[where[f"output:{name}"]] / path) if f"output:{name}" in where else path,
            w,
        )
        for name, path, w in task.outputs
    )
    return replace(
        task,
        **moved,
        outputs=outputs,
        home=str(root),
        where=(),
        client_home=None,
        pdf=False,
        one_page=False,
    )


def _print_here(task: RenderTask, one_page: bool) -> dict[str, Any]:
    """Print a rendered report's PDF on this worker; say why when it cannot."""
    from netlab.publish import print_pdfs

    html = Path(task.html)
    pdf = html.with_suffix(".pdf")
    pdf.unlink(missing_ok=True)  # never leave the print of an earlier version beside it
    got = print_pdfs([(html, pdf, one_page)])
    why = got.message or "; ".join(got.failed.values())
    return {"pdf_printed": pdf.exists(), "pdf_note": why or None}


def render_on_cluster(task: RenderTask) -> dict[str, Any]:
    """Render one :func:`portable` task on a Dask worker, then print its PDF there."""
    from netlab.batch._engine import render_on_worker

    local = on_this_worker(task)
    result = render_on_worker(local)
    if result.get("status") == "ok" and task.pdf:
        try:
            result.update(_print_here(local, task.one_page))
        except Exception as err:  # the client prints it instead
            result.update(pdf_printed=False, pdf_note=f"{type(err).__name__}: {err}")
    return result
