"""Planning a build: one render task per report of a prepared run, each with its key.

A report's key is a fingerprint of everything it rests on (the processed run's inputs
and code, the report code, notebooks and template, the parameters, its own parameters):
a report whose key is unchanged is not rendered again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

from netlab import livecase, paths
from netlab.exceptions import InputError
from netlab.names import display_name
from netlab.params import RunParams
from netlab.pipeline import report_code_hash

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


def plan(params: RunParams, *, manifest: dict | None = None) -> list[dict[str, Any]]:
    """List the reports of a prepared run as render tasks.

    Parameters
    ----------
    params : RunParams
        The run's parameters (the run must be prepared).
    manifest : dict, optional
        The processed run's manifest (read from disk when omitted).

    Returns
    -------
    list of dict
        One task per report (see :func:`netlab.batch.render`), network first, plus the
        keys ``kind``, ``title``, ``rel_html`` and ``key``.
    """
    from netlab import pipeline

    run = params.run
    found = manifest if manifest is not None else pipeline.manifest(run)
    if found is None:
        raise InputError(f"The run {run!r} has not been prepared.", hint="Run `netlab prepare`.")
    units = pd.read_parquet(paths.processed_dir(run) / "units.parquet")
    notebooks, templates = paths.notebooks_dir(), paths.templates_dir()
    code = report_code_hash(notebooks, templates)
    base_key = (found.get("input_hash"), found.get("code_hash"), code, params.model_dump_json())
    work, out = paths.work_dir(run), paths.reports_dir(run)
    unit = params.unit
    folder = "districts" if unit == "district" else "schools"

    specs: list[tuple[str, str, str, str, dict]] = [
        ("network", "network", "Network report", "network.html", {"run_name": run}),
    ]
    if found.get("tables", {}).get("traction", 0):
        specs.append(
            ("traction", "traction", "Traction report", "traction.html", {"run_name": run})
        )
    names = dict(
        zip(
            units["unit_id"].astype(str),
            units.get("unit_name", units["unit_id"]).astype(str),
            strict=False,
        )
    )
    shown = {u: display_name(n) for u, n in names.items()}
    files = paths.unit_slugs(names)  # one file per unit, unique within the run
    for uid in sorted(names, key=lambda u: (shown[u].casefold(), u)):
        rel = f"{folder}/{files[uid]}.html"
        title = f"{unit.capitalize()} report: {shown[uid]}"
        specs.append((f"{unit}:{uid}", unit, title, rel, {"run_name": run, "unit_id": uid}))
    from netlab.report import brief_rel

    for host, visitor in _brief_pairs(params):
        title = f"Live-case brief: {shown.get(host, host)} hosts {shown.get(visitor, visitor)}"
        parameters = {"run_name": run, "host": host, "visitor": visitor}
        rel = brief_rel(host, visitor)
        specs.append((f"livecase:{host}:{visitor}", "livecase", title, rel, parameters))

    tasks = []
    for rid, kind, title, rel, parameters in specs:
        notebook = notebooks / NOTEBOOKS["school" if kind in ("school", "district") else kind]
        stem = paths.slug(rid.replace(":", "-"))
        tasks.append(
            {
                "id": rid,
                "kind": kind,
                "title": title,
                "rel_html": rel,
                "notebook": str(notebook),
                "parameters": parameters,
                "work_notebook": str(work / "notebooks" / f"{stem}.ipynb"),
                "log": str(work / "logs" / f"{stem}.log"),
                "html": str(out / rel),
                "xlsx": str(out / paths.beside(rel, ".xlsx")),
                "home": str(paths.project_root()),
                "template_dir": str(templates),
                "key": _report_key(*base_key, rid, parameters),
                "preload": run,
            }
        )
    return tasks


def _brief_pairs(params: RunParams) -> list[tuple[str, str]]:
    """The live-case pairings that get a brief: those the network report shows."""
    path = paths.processed_dir(params.run) / "models" / "livecase__pairs.parquet"
    if not path.exists():
        return []
    pairs = livecase.shown_pairs(pd.read_parquet(path), min_cell=params.min_cell)
    return list(zip(pairs["host"].astype(str), pairs["visitor"].astype(str), strict=True))
