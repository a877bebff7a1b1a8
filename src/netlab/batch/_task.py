"""One report to render, as a typed value: what to run, with what, and where it goes.

A :class:`RenderTask` is made by :func:`netlab.batch.plan`, staged by the publish gate,
sent to a warm server as one JSON line (:meth:`RenderTask.to_json`), to a spawned process
on its standard input, or pickled to a Dask worker; it is frozen, so a step that changes
it makes a new one (:func:`dataclasses.replace`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from netlab.batch._papermill import ENGINE_NAME


@dataclass(frozen=True)
class RenderTask:
    """One report to render: its notebook, parameters and files.

    Parameters
    ----------
    id : str
        The report's id (``"school:S01"``, ``"network"``, ``"livecase:S01:S07"``).
    notebook : str
        The source notebook.
    work_notebook : str
        Where the executed notebook goes (the run's private work area).
    html : str
        Where the page goes.
    parameters : dict
        The notebook's parameters.
    kind, title, rel_html : str
        The report's kind, title and page relative to the run's reports folder.
    outputs : tuple of (name, path, writer)
        The files written beside the page once it renders, each by its writer
        (``"module:function"``, see :data:`netlab.publish.OUTPUTS`).
    log : str, optional
        The report's log file (what its cells print).
    home, template_dir, cwd : str, optional
        The project root (``NETLAB_HOME``), the template folder, the working folder.
    key : str
        The fingerprint of what the report rests on.
    preload : str, optional
        The run a warm server loads once before forking.
    engine : str, optional
        papermill's engine (``"netlab"``, in process; None: a kernel).
    kernel_name : str
        The kernel, when the engine starts one.
    timeout : float, optional
        Seconds the report may take.
    where : tuple of (str, str)
        On a cluster: which base (``"project"``, ``"package"``) each relative path is under.
    client_home : str, optional
        On a cluster: the client's project root.
    pdf, one_page : bool
        On a cluster: print the PDF on the worker; on one sheet.
    """

    id: str
    notebook: str
    work_notebook: str
    html: str
    parameters: dict[str, Any] = field(default_factory=dict)
    kind: str = ""
    title: str = ""
    rel_html: str = ""
    outputs: tuple[tuple[str, str, str], ...] = ()
    log: str | None = None
    home: str | None = None
    template_dir: str | None = None
    cwd: str | None = None
    key: str = ""
    preload: str | None = None
    engine: str | None = ENGINE_NAME
    kernel_name: str = "python3"
    timeout: float | None = None
    where: tuple[tuple[str, str], ...] = ()
    client_home: str | None = None
    pdf: bool = False
    one_page: bool = False

    @classmethod
    def of(cls, task: RenderTask | Mapping[str, Any]) -> RenderTask:
        """A task as it is, or made from a mapping of its fields (a JSON line's)."""
        if isinstance(task, RenderTask):
            return task
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(task) - known)
        if unknown:
            raise TypeError(f"RenderTask has no field(s) {unknown}; its fields: {sorted(known)}")
        values = dict(task)
        for name in ("outputs", "where"):  # JSON gives lists; the task holds tuples
            if name in values:
                values[name] = tuple(tuple(item) for item in values[name] or ())
        values["parameters"] = dict(values.get("parameters") or {})
        return cls(**values)

    def to_json(self) -> str:
        """The task as one line of JSON (:meth:`of` reads it back)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> RenderTask:
        """A task from :meth:`to_json`'s line."""
        return cls.of(json.loads(text))
