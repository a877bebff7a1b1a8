"""One call to a prepared run: ``netlab.load("demo")``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netlab.params import RunParams
    from netlab.pipeline import Prepared


def load(run: str | RunParams) -> Prepared:
    """Load a prepared run's processed tables and fitted models without recomputing them.

    Parameters
    ----------
    run : str or RunParams
        The run's name, e.g. ``"demo"``.

    Returns
    -------
    netlab.pipeline.Prepared
    """
    from netlab.pipeline import load as _load

    return _load(run)
