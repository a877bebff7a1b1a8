"""netlab: learn from variation across a network of schools that improve together.

``import netlab`` gives the run as a whole (:func:`load_params`, :func:`prepare`,
:func:`load`, :func:`build`, :class:`Prepared`) and one subpackage per step of the flow:
raw files → :mod:`~netlab.sources` → :mod:`~netlab.clean` → :mod:`~netlab.measures` →
models (:mod:`~netlab.variation`, :mod:`~netlab.practices`, :mod:`~netlab.livecase`,
:mod:`~netlab.traction`) → :mod:`~netlab.report` (drawn by :mod:`~netlab.plots`), run by
:mod:`~netlab.pipeline` and :mod:`~netlab.batch`. ``docs/architecture.md`` maps them.
"""

from netlab import (
    batch,
    clean,
    livecase,
    measures,
    pipeline,
    plots,
    practices,
    privacy,
    report,
    sources,
    synth,
    traction,
    variation,
)
from netlab._version import __version__
from netlab.batch import build
from netlab.params import load_params
from netlab.pipeline import Prepared, history, load, prepare

__all__ = [
    "Prepared",
    "__version__",
    "batch",
    "build",
    "clean",
    "history",
    "livecase",
    "load",
    "load_params",
    "measures",
    "pipeline",
    "plots",
    "practices",
    "prepare",
    "privacy",
    "report",
    "sources",
    "synth",
    "traction",
    "variation",
]
