"""Planning a build: one render task per report of a prepared run, each with its key.

A report's key is a fingerprint of everything it rests on (the processed run's inputs
and code, the report code, notebooks and template, the parameters, its own parameters):
a report whose key is unchanged is not rendered again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from netlab import livecase, paths
from netlab.batch._task import RenderTask
from netlab.exceptions import InputError
from netlab.names import display_name
from netlab.params import RunParams
from netlab.pipeline import report_code_hash
from netlab.publish import outputs_on

NOTEBOOKS = {
    "school": "school.ipynb",
    "network": "network.ipynb",
    "traction": "traction.ipynb",
    "livecase": "livecase.ipynb",
}


def _report_key(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def plan(params: RunParams, *, manifest: dict | None = None) -> list[RenderTask]:
    """List the reports of a prepared run as render tasks.

    Parameters
    ----------
    params : RunParams
        The run's parameters (the run must be prepared).
    manifest : dict, optional
        The processed run's manifest (read from disk when omitted).

    Returns
    -------
    list of RenderTask
        One task per report (see :func:`netlab.batch.render`), network first, each with
        its ``kind``, ``title``, ``rel_html``, ``key`` and the outputs written beside it.
    """
    from netlab import pipeline

    run = params.run
    found = manifest if manifest is not None else pipeline.manifest(run)
    if found is None:
        raise InputError(f"The run {run!r} has not been prepared.", hint="Run `netlab prepare`.")
    notebooks, templates = paths.notebooks_dir(), paths.templates_dir()
    code = report_code_hash(notebooks, templates)
    base_key = (found.get("input_hash"), found.get("code_hash"), code, params.model_dump_json())
    work, out = paths.work_dir(run), paths.reports_dir(run)
    writers = [o for o in outputs_on(params) if o.writer]  # written as each report renders
    tasks = []
    for spec in _specs(params, found):
        notebook = (
            notebooks / NOTEBOOKS["school" if spec.kind in ("school", "district") else spec.kind]
        )
        stem = paths.slug(spec.id.replace(":", "-"))
        tasks.append(
            RenderTask(
                id=spec.id,
                kind=spec.kind,
                title=spec.title,
                rel_html=spec.rel,
                notebook=str(notebook),
                parameters=spec.parameters,
                work_notebook=str(work / "notebooks" / f"{stem}.ipynb"),
                log=str(work / "logs" / f"{stem}.log"),
                html=str(out / spec.rel),
                outputs=tuple(
                    (o.name, str(out / paths.beside(spec.rel, o.suffix)), str(o.writer))
                    for o in writers
                ),
                home=str(paths.project_root()),
                template_dir=str(templates),
                key=_report_key(*base_key, spec.id, spec.parameters),
                preload=run,
            )
        )
    return tasks


@dataclass(frozen=True)
class _Spec:
    """One report of the run before its files are named."""

    id: str
    kind: str
    title: str
    rel: str
    parameters: dict


def _specs(params: RunParams, found: dict) -> list[_Spec]:
    """The run's reports: network, traction (with traction data), each unit, each brief."""
    run, unit = params.run, params.unit
    specs = [_Spec("network", "network", "Network report", "network.html", {"run_name": run})]
    if found.get("tables", {}).get("traction", 0):
        specs.append(
            _Spec("traction", "traction", "Traction report", "traction.html", {"run_name": run})
        )
    units = pd.read_parquet(paths.processed_dir(run) / "units.parquet")
    names = dict(
        zip(
            units["unit_id"].astype(str),
            units.get("unit_name", units["unit_id"]).astype(str),
            strict=False,
        )
    )
    shown = {u: display_name(n) for u, n in names.items()}
    files = paths.unit_slugs(names)  # one file per unit, unique within the run
    folder = "districts" if unit == "district" else "schools"
    for uid in sorted(names, key=lambda u: (shown[u].casefold(), u)):
        rel = f"{folder}/{files[uid]}.html"
        title = f"{unit.capitalize()} report: {shown[uid]}"
        specs.append(_Spec(f"{unit}:{uid}", unit, title, rel, {"run_name": run, "unit_id": uid}))
    from netlab.report import brief_rel

    for host, visitor in _brief_pairs(params):
        title = f"Live-case brief: {shown.get(host, host)} hosts {shown.get(visitor, visitor)}"
        parameters = {"run_name": run, "host": host, "visitor": visitor}
        specs.append(
            _Spec(
                f"livecase:{host}:{visitor}",
                "livecase",
                title,
                brief_rel(host, visitor),
                parameters,
            )
        )
    return specs


def _brief_pairs(params: RunParams) -> list[tuple[str, str]]:
    """The live-case pairings that get a brief: those the network report shows."""
    path = paths.processed_dir(params.run) / "models" / "livecase__pairs.parquet"
    if not path.exists():
        return []
    pairs = livecase.shown_pairs(pd.read_parquet(path), min_cell=params.min_cell)
    return list(zip(pairs["host"].astype(str), pairs["visitor"].astype(str), strict=True))
