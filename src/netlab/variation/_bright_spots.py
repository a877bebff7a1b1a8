"""Bright spots, the spread of a measure across units, and the variation models of a run.

The package learns from variation: funnels, shrunken unit estimates, bright spots and
equity gaps. Every function takes a tidy frame (usually the long ``rates`` table: unit_id, year, group,
measure, numerator, denominator, rate) and returns a tidy frame; nothing here reads files or
draws. Plots live in :mod:`netlab.plots`.

Methods
-------
- Funnel plots follow Spiegelhalter (2005), "Handling over-dispersion of performance
  indicators": proportions on the arcsine-square-root scale, winsorised z-scores, an additive
  (random-effects) or multiplicative over-dispersion adjustment.
- Shrunken estimates for rates use a beta-binomial random-intercept model per measure, group
  and year. The hyper-parameters (the typical unit's rate and the between-unit spread) are
  integrated over a grid of their posterior (prior uniform on the mean and on
  ``1/sqrt(a + b)``, as in Gelman et al., *Bayesian Data Analysis*, ch. 5), so a network of few
  units does not get over-confident intervals when the spread is poorly known.
- Continuous outcomes use a linear random-intercept model fitted by REML
  (``statsmodels`` MixedLM); estimates are the BLUPs with their conditional standard deviations.

The computations live in sibling modules, re-exported by :mod:`netlab.variation`: funnels
in ``_funnel`` (exact limits in ``_exact``), shrinkage in ``_shrinkage``, equity gaps in
``_equity`` and case mix in ``_casemix``. This module holds what is built on them (bright
spots, the constellation, the spread ranking) and :func:`models_for_run`.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netlab import privacy, words
from netlab.checks import check_argument
from netlab.exceptions import MeasureError
from netlab.measures import direction as better_direction
from netlab.variation._casemix import case_mix_for_run
from netlab.variation._equity import equity_gaps, equity_trend
from netlab.variation._funnel import _cell, _years, funnel, funnel_limits
from netlab.variation._shrinkage import _shrink_binary, _top_probability, shrunken
from netlab.variation._spread import constellation, spread_ranking

if TYPE_CHECKING:
    from netlab.params import RunParams
    from netlab.pipeline import Prepared

# --------------------------------------------------------------------------- bright spots

#: Years of data the bright-spot rule needs: a unit with fewer is not a bright spot.
BRIGHT_SPOT_YEARS = 3


def bright_spots(
    rates: pd.DataFrame,
    *,
    measure: str,
    group: str = "focal",
    years: Sequence[int] | None = None,
    last: int = BRIGHT_SPOT_YEARS,
    min_years: int = 2,
    direction: str = "higher",
    unit: str = "unit_id",
    level: float = 0.95,
    share: float = 0.10,
    probability: float = 0.8,
    margin: float = 0.0,
    shrunk: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Bright spots: units very likely among the network's best on a measure, year after year.

    The rule (one rule, applied the same way everywhere), on each unit's counts pooled over
    the ``last`` years (default the last 3) under the beta-binomial model of
    :func:`shrunken`:

    1. **among the best**: the posterior probability that the unit's true rate lies in the
       top ``share`` (default the top tenth) of the network's distribution of true rates is
       at least ``probability`` (default 0.8);
    2. **clearly above the network**: its ``level`` (95%) interval lies entirely above the
       network's pooled rate plus ``margin`` (a rate, e.g. 0.05 for five points; default 0);
    3. **consistent**: its shrunken estimate is better than the network in at least
       ``min_years`` (default 2) of those years taken one at a time;
    4. **long enough**: the unit has data in every year of the window (``last`` years, or
       the ``years`` given); a unit, or a run, with fewer years has no bright spot.

    For ``direction="lower"`` read "bottom" and "below". Condition 1 keeps bright spots few
    at any network size and spread: the probabilities of being in the top tenth add up to a
    tenth of the units, so at most ``share / probability`` of the network (12.5% by default)
    can be named, and far fewer where schools are measured with noise; a network where
    schools differ a lot does not get more bright spots, only clearer ones. Condition 2 stops
    a network with almost no spread naming schools that are barely above the rest.

    Parameters
    ----------
    rates : pandas.DataFrame
        The long rates table.
    measure, group : str
        Measure and group.
    years : sequence of int, optional
        Years to examine; the ``last`` latest years of the measure when None.
    last, min_years : int
        Window length and how many of its years must show the unit better than the network.
    direction : {"higher", "lower"}
        Which side is better.
    unit : str
        Unit column.
    level : float
        Interval level.
    share : float
        The best share of the network's schools a bright spot must be in (0 to 1).
    probability : float
        How sure the model must be that the unit is in that share.
    margin : float
        How far (on the rate scale) beyond the network rate the interval must lie.
    shrunk : pandas.DataFrame, optional
        Precomputed output of :func:`shrunken` covering this measure, group and years.

    Returns
    -------
    pandas.DataFrame
        One row per bright spot: unit_id, measure, group, first_year, last_year, numerator,
        denominator, rate (pooled), estimate, low, high (pooled shrunken estimate and
        interval), network_rate (pooled), p_top (probability of being in the best
        ``share``), years_better (years with the estimate better than the network),
        years_checked, years (those years, comma-separated), latest_rate, latest_estimate,
        latest_network_rate, share, probability, margin, rule. Empty (same columns) when
        there is none.
    """
    check_argument("direction", ["higher", "lower"], direction)
    for name, value in (("share", share), ("probability", probability)):
        if not 0 < value < 1:
            raise ValueError(f"`{name}` must be between 0 and 1, but {value!r} was passed.")
    need = last if years is None else len(years)
    if years is None:
        years = _years(rates, measure, group)[-last:]
    years = sorted(int(y) for y in years)
    if shrunk is None:
        shrunk = shrunken(rates, measure=measure, group=group, year=years, unit=unit, level=level)
    shrunk = shrunk[
        (shrunk["measure"] == measure) & (shrunk["group"] == group) & shrunk["year"].isin(years)
    ]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in _BRIGHT_COLUMNS})
    sub = rates[
        (rates["measure"] == measure) & (rates["group"] == group) & rates["year"].isin(years)
    ]
    sub = sub[sub["numerator"].notna() & (sub["denominator"] > 0)]  # censored years left out
    if shrunk.empty or sub.empty:
        return empty
    sign = 1 if direction == "higher" else -1
    yearly = shrunk.assign(
        _better=sign * (shrunk["estimate"] - shrunk["network_rate"]) > 0
    ).sort_values(["unit_id", "year"])
    fit = _pooled_fit(
        sub, yearly, measure=measure, group=group, unit=unit, level=level, share=share,
        direction=direction, margin=margin, need=need,
    )  # fmt: skip
    hits = fit[
        (fit["p_top"] >= probability)
        & fit["_clear"]
        & (fit["years_better"] >= min_years)
        & fit["_enough"]
    ]
    if hits.empty:
        return empty
    rule = _bright_rule(years, level, share, probability, margin, min_years, direction)
    out = _with_evidence(hits, yearly, years).assign(
        share=share, probability=probability, margin=margin, rule=rule
    )
    return out[_BRIGHT_COLUMNS].reset_index(drop=True)


#: The columns of :func:`bright_spots`, in order.
_BRIGHT_COLUMNS = [
    "unit_id", "measure", "group", "first_year", "last_year", "numerator", "denominator",
    "rate", "estimate", "low", "high", "network_rate", "p_top", "years_better",
    "years_checked", "years", "latest_rate", "latest_estimate", "latest_network_rate",
    "share", "probability", "margin", "rule",
]  # fmt: skip


def _pooled_fit(
    sub: pd.DataFrame,
    yearly: pd.DataFrame,
    *,
    measure: str,
    group: str,
    unit: str,
    level: float,
    share: float,
    direction: str,
    margin: float,
    need: int,
) -> pd.DataFrame:
    """Each unit's counts pooled over the window and shrunk, with the rule's evidence.

    Adds ``p_top`` (condition 1), ``_clear`` (condition 2), ``years_better`` (condition 3)
    and ``_enough`` (condition 4: data in every year of the window).
    """
    n_years = sub.groupby(unit)["year"].nunique()
    pooled = sub.groupby(unit, as_index=False)[["numerator", "denominator"]].sum()
    pooled = pooled.assign(year=0, measure=measure, group=group)
    fit = _shrink_binary(_cell(pooled, measure=measure, group=group, year=0, unit=unit), level)
    network = float(fit["network_rate"].iloc[0])
    p_top = _top_probability(
        fit["numerator"].to_numpy(dtype=float),
        fit["denominator"].to_numpy(dtype=float),
        share=share,
        direction=direction,
    )
    if direction == "higher":
        clear = fit["low"] > network + margin
    else:
        clear = fit["high"] < network - margin
    n_better = yearly.groupby("unit_id")["_better"].sum()
    return fit.assign(
        p_top=p_top,
        years_better=fit["unit_id"].map(n_better).fillna(0).astype(int),
        _clear=clear,
        # fewer years: not a bright spot (still fitted)
        _enough=fit["unit_id"].map(n_years).fillna(0) >= need,
    )


def _with_evidence(hits: pd.DataFrame, yearly: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """The bright spots with their window, the years they were better and the latest year."""
    latest = yearly.groupby("unit_id").tail(1).set_index("unit_id")
    better_years = (
        yearly[yearly["_better"]]
        .groupby("unit_id")["year"]
        .agg(lambda s: ", ".join(str(int(y)) for y in s))
    )
    return hits.assign(
        first_year=years[0],
        last_year=years[-1],
        years_checked=len(years),
        years=hits["unit_id"].map(better_years),
        latest_rate=hits["unit_id"].map(latest["rate"]),
        latest_estimate=hits["unit_id"].map(latest["estimate"]),
        latest_network_rate=hits["unit_id"].map(latest["network_rate"]),
    )


def _bright_rule(
    years: Sequence[int],
    level: float,
    share: float,
    probability: float,
    margin: float,
    min_years: int,
    direction: str,
) -> str:
    """The rule a bright spot met, as the ``rule`` column records it (worded by words)."""
    rule = words.bright_rule_words(
        "unit",
        share=share,
        probability=probability,
        margin=margin,
        years=len(years),
        direction=direction,
        level=level,
        min_years=min_years,
    )
    return f"pooled over {years[0]}-{years[-1]}: {rule}"


def bright_spot_settings(params: RunParams) -> dict[str, Any]:
    """The bright-spot rule's settings from a run's parameters (defaults when absent).

    Parameters
    ----------
    params : netlab.params.RunParams or None

    Returns
    -------
    dict
        ``share``, ``probability`` and ``margin`` keyword arguments of :func:`bright_spots`.
    """
    bs = getattr(params, "bright_spots", None)
    if bs is None:
        return {}
    return {"share": bs.share, "probability": bs.probability, "margin": bs.margin_pp / 100}


# --------------------------------------------------------------------------- spread


def _suppress(frame: pd.DataFrame, min_cell: int, columns: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    small = np.zeros(len(out), dtype=bool)
    for c in columns:
        small |= privacy.too_small(out[c].to_numpy(dtype=float), min_cell, missing=False)
    out["suppressed"] = small
    return out


def models_for_run(prepared: Prepared) -> dict[str, pd.DataFrame]:
    """Everything the reports need from this module, computed once per run.

    Parameters
    ----------
    prepared : netlab.pipeline.Prepared
        The prepared run (rates, units, tables, params, measures, has_students).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``funnel`` and ``funnel_limits`` (latest year, focal group, every measure),
        ``shrunken`` (focal group, every measure and year), ``bright_spots`` (every measure),
        ``constellation`` (every measure), ``spread`` (measures ranked by spread),
        ``equity_gaps`` and ``equity_trend`` (every measure), ``adjustment`` (the note), and
        ``case_mix`` with ``case_mix_limits`` when student records exist. Frames a report
        shows carry a ``suppressed`` column (fewer than ``min_cell`` students).
    """
    rates = prepared.rates
    params = prepared.params
    min_cell = int(getattr(params, "min_cell", 10))
    group = "focal"
    measures = sorted(rates.loc[rates["group"] == group, "measure"].unique())
    out: dict[str, pd.DataFrame] = {}
    funnels, limits, brights, consts, gaps = [], [], [], [], []
    shrunk = shrunken(rates, group=group, measure=measures) if measures else pd.DataFrame()
    for m in measures:
        f = funnel(rates, measure=m, group=group)
        if len(f):
            funnels.append(f)
            limits.append(funnel_limits(f).assign(measure=m, group=group))
        brights.append(
            bright_spots(
                rates,
                measure=m,
                group=group,
                direction=better_direction(m, getattr(prepared, "measures", None)),
                shrunk=shrunk,
                **bright_spot_settings(params),
            )
        )
        consts.append(constellation(rates, measure=m, group=group, shrunk=shrunk))
        with contextlib.suppress(MeasureError):  # no "all" rows for this measure
            gaps.append(equity_gaps(rates, measure=m, focal=group))
    if funnels:
        out["funnel"] = _suppress(pd.concat(funnels, ignore_index=True), min_cell, ["denominator"])
        out["funnel_limits"] = pd.concat(limits, ignore_index=True)
    if len(shrunk):
        out["shrunken"] = _suppress(shrunk, min_cell, ["denominator"])
        out["spread"] = spread_ranking(rates, group=group, shrunk=shrunk)
    out["bright_spots"] = (
        pd.concat([b for b in brights if len(b)] or brights[:1], ignore_index=True)
        if brights
        else pd.DataFrame()
    )
    if consts:
        out["constellation"] = pd.concat(consts, ignore_index=True)
    if gaps:
        g = pd.concat(gaps, ignore_index=True)
        out["equity_gaps"] = _suppress(g, min_cell, ["focal_denominator", "ref_denominator"])
        out["equity_trend"] = equity_trend(g)
    if prepared.has_students:
        try:
            cm = case_mix_for_run(prepared, str(getattr(params, "focal_measure", "")), group)
        except (ValueError, np.linalg.LinAlgError) as err:  # e.g. a singular design
            warnings.warn(f"Case-mix adjustment skipped: {err}", stacklevel=2)
            cm = None
        if cm is not None and len(cm):
            out["case_mix"] = _suppress(cm, min_cell, ["denominator"])
            out["case_mix_limits"] = funnel_limits(cm)
    # numbers only: words.adjustment_note(has_students) says it in a sentence
    out["adjustment"] = pd.DataFrame({"has_students": [bool(prepared.has_students)]})
    return out
