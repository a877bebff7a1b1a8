"""The frame behind each explorer view: computation only, usable without widgets.

The privacy rules are those of :mod:`netlab.widgets` (see there): small values are masked,
and other units are labelled as in the school reports unless peers are named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from netlab import privacy
from netlab.checks import check_argument
from netlab.exceptions import MeasureError
from netlab.params import DEFAULT_MEASURE

if TYPE_CHECKING:
    from netlab.params import RunParams
    from netlab.pipeline import Prepared

#: The views, with the label shown in the view picker.
VIEWS = {
    "funnel": "Funnel plot",
    "caterpillar": "Caterpillar (shrunken estimates)",
    "constellation": "Constellation trend",
    "equity_gaps": "Equity gaps",
    "run_chart": "Run chart",
}
_NETWORK = ""  # the school picker's value for "the whole network"


@dataclass(frozen=True)
class Selection:
    """What the explorer shows: one view of one measure and group over a range of years."""

    view: str = "funnel"
    measure: str = DEFAULT_MEASURE
    group: str = "focal"
    years: tuple[int, int] | None = None
    unit: str | None = None
    name_peers: bool = False


# --------------------------------------------------------------------------------------
# Computation: the frame behind a view
# --------------------------------------------------------------------------------------


def _measure_label(prepared: Prepared, measure: str) -> str:
    from netlab import measures

    return measures.measure_label(measure, prepared.measures, default=measure.replace("_", " "))


def _group_label(params: RunParams, group: str) -> str:
    from netlab import measures

    focal = params.focal_group
    if group == "focal" and not isinstance(focal, str):
        return focal.label
    if group in params.groups:
        return params.groups[group].label
    builtin = measures.builtin_groups()
    key = focal if group == "focal" and isinstance(focal, str) and focal in builtin else group
    return builtin[key].label if key in builtin else group.replace("_", " ")


def _noun(params: RunParams) -> str:
    return "District" if params.unit == "district" else "School"


def unit_labels(prepared: Prepared, *, unit: str | None = None, name_peers: bool = False) -> dict:
    """How each unit is shown: as in the reports (:func:`netlab.privacy.peer_labels`).

    Parameters
    ----------
    prepared : netlab.pipeline.Prepared
        The run.
    unit : str, optional
        The chosen unit: always named.
    name_peers : bool
        Name the other units too.

    Returns
    -------
    dict
        Unit id to label.
    """
    units = prepared.units
    ids = units["unit_id"].astype(str).tolist()
    names = units["unit_name"] if "unit_name" in units.columns else units["unit_id"]
    return privacy.peer_labels(
        ids,
        names=dict(zip(ids, names.astype(str), strict=True)),
        focal=unit,
        name_peers=name_peers,
        noun=_noun(prepared.params),
        seed=int(prepared.params.seed),
    )


def _years_of(rates: pd.DataFrame, measure: str, group: str) -> list[int]:
    rows = rates.loc[
        (rates["measure"] == measure) & (rates["group"] == group) & (rates["denominator"] > 0)
    ]
    return sorted(int(y) for y in rows["year"].unique())


def _in_range(years: Sequence[int], span: tuple[int, int] | None) -> list[int]:
    if span is None:
        return list(years)
    return [y for y in years if span[0] <= y <= span[1]]


def _latest(rates: pd.DataFrame, sel: Selection) -> int:
    years = _in_range(_years_of(rates, sel.measure, sel.group), sel.years)
    if not years:
        raise MeasureError(
            f"No {sel.group!r} students with a {sel.measure!r} result in years {sel.years}.",
            table="rates",
            hint="Widen the year range or pick another group.",
        )
    return years[-1]


def _funnel(prepared: Prepared, sel: Selection, min_cell: int) -> tuple[pd.DataFrame, dict]:
    from netlab import variation

    year = _latest(prepared.rates, sel)
    f = variation.funnel(prepared.rates, measure=sel.measure, group=sel.group, year=year)
    limits = variation.funnel_limits(f)
    # The network rate is drawn: one hidden school could be recovered from the others.
    masked: tuple[str, ...] = ("numerator", "denominator", "rate", "z", "z_adj", "flag", "flag95")
    masked += ("lower95", "upper95", "lower", "upper")  # limits at n give n away
    f = privacy.suppress(f, min_cell=min_cell, by=["year"], values=masked)
    keep = ["unit_id", "year", "measure", "group", "numerator", "denominator", "rate"]
    keep += ["lower95", "upper95", "lower", "upper", "flag", "target", "phi", "tau2", "method"]
    keep += ["kind", "suppressed"]
    return f[keep], {"limits": limits, "year": year}


def _caterpillar(prepared: Prepared, sel: Selection, min_cell: int) -> tuple[pd.DataFrame, dict]:
    from netlab import variation

    year = _latest(prepared.rates, sel)
    sh = variation.shrunken(prepared.rates, measure=sel.measure, group=sel.group, year=year)
    masked: tuple[str, ...] = ("numerator", "denominator", "rate", "estimate", "low", "high")
    sh = privacy.suppress(sh, min_cell=min_cell, by=["year"], values=masked)
    keep = ["unit_id", "year", "measure", "group", "numerator", "denominator", "rate"]
    keep += ["estimate", "low", "high", "network_rate", "suppressed"]
    return sh[keep], {"year": year}


def _constellation(prepared: Prepared, sel: Selection, min_cell: int) -> tuple[pd.DataFrame, dict]:
    from netlab import variation

    rates = prepared.rates
    if sel.years is not None:
        rates = rates.loc[rates["year"].between(*sel.years)]
    _latest(rates, sel)
    c = variation.constellation(rates, measure=sel.measure, group=sel.group)
    masked: tuple[str, ...] = (
        "numerator",
        "denominator",
        "network_rate",
        "tau",
        "tau_low",
        "tau_high",
    )
    masked += ("q25", "median", "q75", "iqr")
    return privacy.suppress(c, min_cell=min_cell, values=masked), {}


def _equity_gaps(prepared: Prepared, sel: Selection, min_cell: int) -> tuple[pd.DataFrame, dict]:
    from netlab import variation

    if sel.group == "all":
        raise MeasureError(
            "Equity gaps compare a group with the rest of the students.",
            column="group",
            hint="Pick a group other than 'all'.",
        )
    years = _in_range(_years_of(prepared.rates, sel.measure, sel.group), sel.years)
    g = variation.equity_gaps(
        prepared.rates, measure=sel.measure, focal=sel.group, reference="rest", years=years
    )
    if sel.unit is not None:
        g = g.loc[g["unit_id"].astype(str) == sel.unit]
    elif len(g):
        g = g.loc[g["year"] == g["year"].max()]
    g = g.assign(group=sel.group)
    g["n_min"] = g[["focal_denominator", "ref_denominator"]].min(axis=1)
    masked: tuple[str, ...] = (
        "focal_numerator",
        "focal_denominator",
        "focal_rate",
        "ref_numerator",
    )
    masked += ("ref_denominator", "ref_rate", "gap_pp", "low_pp", "high_pp", "n_min")
    g = privacy.suppress(g, min_cell=min_cell, n="n_min", values=masked)
    keep = ["unit_id", "year", "measure", "group", "reference", "focal_numerator"]
    keep += ["focal_denominator", "focal_rate", "ref_numerator", "ref_denominator", "ref_rate"]
    keep += ["gap_pp", "low_pp", "high_pp", "n_min", "suppressed"]
    return g[keep].reset_index(drop=True), {}


def _run_chart(prepared: Prepared, sel: Selection, min_cell: int) -> tuple[pd.DataFrame, dict]:
    from netlab import report, spc

    r = report.Report(prepared=prepared, kind="explore", unit_id=sel.unit)
    y = report.yearly(r, measure=sel.measure, group=sel.group, unit_id=sel.unit)
    if sel.years is not None:
        y = y.loc[y["year"].between(*sel.years)]
    shown = privacy.visible(y)
    if len(shown) < 2:
        raise MeasureError(
            f"The run chart needs at least two years resting on {min_cell} or more students.",
            table="rates",
            hint="Widen the year range, or pick the whole network or a larger group.",
        )
    chart = spc.run_chart(shown, x="year", y="rate")
    cols = ["year", "phase", "centre", "in_long_run", "longest_run", "longest_run_limit"]
    cols += ["crossings", "min_crossings", "run_signal", "crossing_signal", "signal"]
    out = y.merge(chart[cols], on="year", how="left")
    out.insert(0, "unit_id", sel.unit if sel.unit is not None else _NETWORK)
    out.insert(2, "measure", sel.measure)
    out.insert(3, "group", sel.group)
    keep = ["unit_id", "year", "measure", "group", "numerator", "denominator", "rate"]
    keep += [*cols[1:], "suppressed"]
    return out[keep].reset_index(drop=True), {}


_COMPUTE = {
    "funnel": _funnel,
    "caterpillar": _caterpillar,
    "constellation": _constellation,
    "equity_gaps": _equity_gaps,
    "run_chart": _run_chart,
}
# Views whose numbers depend on the chosen unit (the others only highlight it).
_UNIT_DEPENDENT = ("equity_gaps", "run_chart")


def _compute(prepared: Prepared, sel: Selection) -> tuple[pd.DataFrame, dict]:
    check_argument("view", list(VIEWS), sel.view)
    return _COMPUTE[sel.view](prepared, sel, int(prepared.params.min_cell))


def _labelled(frame: pd.DataFrame, labels: dict, sel: Selection) -> pd.DataFrame:
    """Replace unit ids by their labels (ids are kept only when peers are named).

    Rows are ordered by label ("School B" before "School AA"), then year: rows left in id
    order would let a reader who knows the ids match them to the letters.
    """
    if "unit_id" not in frame.columns:
        return frame.reset_index(drop=True)
    ids = frame["unit_id"].astype(str)
    shown = ids.map(labels).where(ids != _NETWORK, "Network")
    out = frame.copy()
    out.insert(0, "unit", shown.fillna("?").to_numpy())
    out["_len"] = out["unit"].str.len()
    order = ["_len", "unit", "year"] if "year" in out.columns else ["_len", "unit"]
    out = out.sort_values(order if not sel.name_peers else order[1:], kind="stable")
    out = out.drop(columns="_len")
    if not sel.name_peers:
        out = out.drop(columns="unit_id")
    return out.reset_index(drop=True)


def view_frame(
    prepared: Prepared,
    *,
    view: str = "funnel",
    measure: str | None = None,
    group: str = "focal",
    years: tuple[int, int] | None = None,
    unit: str | None = None,
    name_peers: bool = False,
) -> pd.DataFrame:
    """The table behind one view, as the explorer shows and downloads it.

    Parameters
    ----------
    prepared : netlab.pipeline.Prepared
        The run (``netlab.load(run)``).
    view : {"funnel", "caterpillar", "constellation", "equity_gaps", "run_chart"}
        Which view. Funnel, caterpillar and (without a unit) equity gaps show each unit in
        the last year of ``years``; the constellation trend, the run chart and (with a unit)
        equity gaps show every year in ``years``.
    measure : str, optional
        The measure; the run's focal measure when None.
    group : str
        The group (a name in the rates table's ``group`` column).
    years : (int, int), optional
        First and last year, inclusive; every year when None.
    unit : str, optional
        The chosen unit (named, highlighted; the run chart and equity gaps are of it).
    name_peers : bool
        Name other units; when False they are labelled as in the school reports.

    Returns
    -------
    pandas.DataFrame
        One row per unit (or year), a ``unit`` label column first, values resting on fewer
        than ``min_cell`` students masked (missing) and flagged in ``suppressed``.

    Raises
    ------
    netlab.exceptions.MeasureError
        When the selection holds no data (e.g. no year in range).
    """
    sel = Selection(
        view=view,
        measure=measure or prepared.params.focal_measure,
        group=group,
        years=None if years is None else (int(years[0]), int(years[1])),
        unit=None if unit in (None, _NETWORK) else str(unit),
        name_peers=bool(name_peers),
    )
    frame, _ = _compute(prepared, sel)
    return _labelled(frame, unit_labels(prepared, unit=sel.unit, name_peers=name_peers), sel)
