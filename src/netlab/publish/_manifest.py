"""The build's manifest: each report's status, key and checksum, and the versions used."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from netlab._version import __version__
from netlab.params import RunParams
from netlab.publish._files import atomic_write
from netlab.publish._lastgood import MANIFEST


def write_manifest(result: Any, params: RunParams, processed: dict) -> Path:
    """Write ``reports/<run>/manifest.json`` for a build's result (a ``BuildResult``).

    ``processed`` is the processed run's manifest (for its input hash).
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
        "reports": [
            {k: v for k, v in asdict(r).items() if k != "notebook"} for r in result.reports
        ],
    }
    return atomic_write(result.out_dir / MANIFEST, json.dumps(body, indent=2))
