"""netlab: learn from variation across a network of schools that improve together.

``import netlab`` gives the run as a whole (:func:`load_params`, :func:`prepare`,
:func:`load`, :func:`build`, :class:`Prepared`) and one subpackage per step of the flow:
raw files → :mod:`~netlab.sources` → :mod:`~netlab.clean` → :mod:`~netlab.measures` →
models (:mod:`~netlab.variation`, :mod:`~netlab.practices`, :mod:`~netlab.livecase`,
:mod:`~netlab.traction`) → :mod:`~netlab.report` (drawn by :mod:`~netlab.plots`) →
:mod:`~netlab.publish`, run by :mod:`~netlab.pipeline` and :mod:`~netlab.batch`. ``docs/architecture.md`` maps them.

Each subpackage and name is imported when it is first used, so ``import netlab`` and
``netlab --help`` stay quick; ``from netlab.report import school_figures`` works as usual.
"""

from netlab._lazy import attach
from netlab._version import __version__

__getattr__, __dir__, _lazy_names = attach(
    __name__,
    submodules=[
        "batch",
        "clean",
        "livecase",
        "measures",
        "pipeline",
        "plots",
        "practices",
        "privacy",
        "publish",
        "report",
        "sources",
        "synth",
        "traction",
        "variation",
        "words",
    ],
    names={
        "build": "batch",
        "load_params": "params",
        "Prepared": "pipeline",
        "load": "pipeline",
        "prepare": "pipeline",
        "history": "pipeline",
    },
)
__all__ = ["__version__", *_lazy_names]
