"""Small prepared runs for tests and examples, without a raw folder.

:func:`make_prepared` builds a real :class:`netlab.pipeline.Prepared` from the frames a
test has (rates, tables, models), filling in the rest as a prepared run would have it,
so that tests exercise the same type the reports read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from netlab.clean import EXCLUSION_COLUMNS, QUALITY_COLUMNS
from netlab.measures import direction as measure_direction
from netlab.params import RunParams, from_dict
from netlab.pipeline import Prepared

__all__ = ["make_prepared"]

_RATE_COLUMNS = ["unit_id", "year", "group", "measure", "numerator", "denominator", "rate"]


def make_prepared(
    rates: pd.DataFrame | None = None,
    *,
    params: RunParams | Mapping[str, Any] | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
    units: pd.DataFrame | None = None,
    models: Mapping[str, pd.DataFrame] | None = None,
    measures: pd.DataFrame | None = None,
    has_students: bool = True,
    run: str = "t",
    **overrides: Any,
) -> Prepared:
    """A prepared run from the frames at hand.

    Parameters
    ----------
    rates : pandas.DataFrame, optional
        The long rates table (``unit_id, year, group, measure, numerator, denominator,
        rate``); empty when omitted.
    params : RunParams or mapping, optional
        The run's parameters, or a mapping of them (``run`` and ``raw_dir`` are filled
        in); ``overrides`` are added to a mapping.
    tables : mapping of str to DataFrame, optional
        Clean tables (``schools``, ``practices``…).
    units : pandas.DataFrame, optional
        One row per unit; by default one per ``unit_id`` in ``rates``, named
        ``"Name of <id>"``.
    models : mapping of str to DataFrame, optional
        Fitted model frames by key (``"variation__bright_spots"``).
    measures : pandas.DataFrame, optional
        The measures frame; by default one row per measure in ``rates``.
    has_students : bool
        Whether the run has student records.
    run : str
        The run's name.

    Returns
    -------
    netlab.pipeline.Prepared

    Examples
    --------
    >>> from netlab.testing import make_prepared
    >>> p = make_prepared(min_cell=5)
    >>> p.params.min_cell, len(p.rates)
    (5, 0)
    """
    if params is None or isinstance(params, Mapping):
        given = dict(params or {})
        p = from_dict({"run": run, "raw_dir": "x", **given, **overrides})
    else:
        p = params.model_copy(update=overrides) if overrides else params
    rates = pd.DataFrame(columns=_RATE_COLUMNS) if rates is None else rates
    if units is None:
        ids = sorted(rates["unit_id"].astype(str).unique()) if len(rates) else []
        units = pd.DataFrame({"unit_id": ids, "unit_name": [f"Name of {u}" for u in ids]})
    if measures is None:
        names = list(dict.fromkeys(rates["measure"])) if len(rates) else []
        measures = pd.DataFrame(
            {
                "measure": names,
                "label": [str(m) for m in names],
                "direction": [measure_direction(str(m)) for m in names],
            }
        )
    return Prepared(
        run=p.run,
        params=p,
        tables=dict(tables or {}),
        rates=rates,
        units=units,
        quality=pd.DataFrame(columns=QUALITY_COLUMNS),
        exclusions=pd.DataFrame(columns=EXCLUSION_COLUMNS),
        measures=measures,
        has_students=has_students,
        models=dict(models or {}),
        input_hash="abc123",
        created="2026-01-01T00:00:00+00:00",
    )
