"""The build's manifest: each report's status, key and checksum, and the versions used."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from netlab import paths
from netlab._version import __version__
from netlab.params import RunParams
from netlab.publish._files import atomic_write
from netlab.publish._lastgood import MANIFEST
from netlab.publish._registry import OUTPUTS


def write_manifest(result: Any, params: RunParams, processed: dict) -> Path:
    """Write ``reports/<run>/manifest.json`` for a build's result (a ``BuildResult``).

    Parameters
    ----------
    result : BuildResult
        The build's outcome: its run, folder, reports, time taken and whether it succeeded.
    params : RunParams
        The run's parameters (network, term, unit).
    processed : dict
        The processed run's manifest (for its input hash).

    Returns
    -------
    Path
        The manifest written (atomically).
    """
    from netlab.pipeline import versions

    body = {
        "run": result.run,
        "network": params.network,
        "term": params.term,
        "unit": params.unit,
        "netlab_version": __version__,
        "versions": versions(),
        "input_hash": processed.get("input_hash"),
        "built": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(result.seconds, 2),
        "ok": result.ok,
        "reports": [_entry(r, result.out_dir) for r in result.reports],
    }
    return atomic_write(result.out_dir / MANIFEST, json.dumps(body, indent=2))


def _entry(report: Any, out: Path) -> dict:
    """One report's line: its outcome, and each registered output written beside it."""
    entry = {k: v for k, v in asdict(report).items() if k != "notebook"}
    entry["outputs"] = {
        o.name: paths.beside(report.html, o.suffix)
        for o in OUTPUTS.values()
        if (out / paths.beside(report.html, o.suffix)).exists()
    }
    return entry
