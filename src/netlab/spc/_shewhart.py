"""Shewhart charts: p, Laney p' and individuals (XmR), with the Anhøj rules around their centre.

Each takes one row per subgroup or point and returns it with the centre line, the limits,
the points outside them and the run-chart signals (:func:`netlab.spc.run_chart`), phase by
phase, with the centre and limits from the baseline points when a baseline is frozen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from netlab.spc._runs import _add_runs, _baseline_mask, _prepare


def _p_limits(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    n: str,
    baseline: int | None,
    phases: Sequence[Any] | None,
    laney: bool,
) -> pd.DataFrame:
    out = _prepare(data, [x, y, n], x, phases)
    out = out[out[n] > 0].reset_index(drop=True)
    out["p"] = out[y] / out[n]
    base = _baseline_mask(out["phase"].to_numpy(), baseline)
    sums = out[base].groupby("phase")[[y, n]].sum()
    pbar = out["phase"].map(sums[y] / sums[n]).astype(float)
    sigma = np.sqrt(pbar * (1 - pbar) / out[n])
    factor = pd.Series(1.0, index=out.index)
    if laney:
        zscore = (out["p"] - pbar) / sigma
        mr = zscore.groupby(out["phase"]).diff().abs()
        sigma_z = mr[base].groupby(out["phase"][base]).mean() / 1.128
        factor = out["phase"].map(sigma_z).astype(float)
        out["sigma_z"] = factor
    out["centre"] = pbar
    out["lcl"] = np.clip(pbar - 3 * sigma * factor, 0, 1)
    out["ucl"] = np.clip(pbar + 3 * sigma * factor, 0, 1)
    out["outside_limits"] = (out["p"] > out["ucl"]) | (out["p"] < out["lcl"])
    return _add_runs(out, "p")


def p_chart(
    data: pd.DataFrame,
    *,
    x: str = "x",
    y: str = "numerator",
    n: str = "denominator",
    baseline: int | None = None,
    phases: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Shewhart p chart: centre p̄ = Σy/Σn, limits p̄ ± 3√(p̄(1 − p̄)/nᵢ) clipped to [0, 1].

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subgroup.
    x, y, n : str
        Time column, count of events, subgroup size.
    baseline, phases
        As for :func:`netlab.spc.run_chart` (p̄ from the baseline points of each phase).

    Returns
    -------
    pandas.DataFrame
        x, y, n, phase, p, centre, lcl, ucl, outside_limits, the Anhøj columns computed
        around the centre line (see :func:`netlab.spc.run_chart`), and signal (any of them).
    """
    return _p_limits(data, x=x, y=y, n=n, baseline=baseline, phases=phases, laney=False)


def laney_p_chart(
    data: pd.DataFrame,
    *,
    x: str = "x",
    y: str = "numerator",
    n: str = "denominator",
    baseline: int | None = None,
    phases: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Laney p′ chart: p-chart limits widened by the between-subgroup variation σ_z.

    zᵢ = (pᵢ − p̄)/σᵢ with σᵢ = √(p̄(1 − p̄)/nᵢ); σ_z = mean moving range of z / 1.128;
    limits p̄ ± 3·σᵢ·σ_z, clipped to [0, 1]. Use it when subgroups are large and a plain
    p chart flags nearly every point.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subgroup; subgroups of no size are left out.
    x, y, n : str
        Time column, count of events, subgroup size.
    baseline, phases
        As for :func:`netlab.spc.run_chart` (p̄ and σ_z from the baseline points of each
        phase).

    Returns
    -------
    pandas.DataFrame
        The :func:`p_chart` columns, its limits widened by sigma_z (the between-subgroup
        spread, per phase; 1 would give the plain p chart's limits), and sigma_z itself.
    """
    return _p_limits(data, x=x, y=y, n=n, baseline=baseline, phases=phases, laney=True)


def i_chart(
    data: pd.DataFrame,
    *,
    x: str = "x",
    y: str = "y",
    baseline: int | None = None,
    phases: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Individuals (XmR) chart: centre the mean, limits mean ± 2.66·(mean moving range).

    For a measured value with no subgroup size (an average, a count of days); a rate of
    students has its own limits in :func:`p_chart`.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per point; rows with a missing ``y`` are dropped.
    x, y : str
        Time column and value.
    baseline, phases
        As for :func:`netlab.spc.run_chart` (the mean and the mean moving range from the
        baseline points of each phase; a moving range never spans two phases).

    Returns
    -------
    pandas.DataFrame
        x, y, phase, moving_range (the point's distance from the one before), centre, lcl,
        ucl, outside_limits, the Anhøj columns around the centre line, and signal.
    """
    out = _prepare(data, [x, y], x, phases)
    out["moving_range"] = out[y].groupby(out["phase"]).diff().abs()
    base = _baseline_mask(out["phase"].to_numpy(), baseline)
    mean = out[base].groupby("phase")[y].mean()
    mr = out[base].groupby("phase")["moving_range"].mean()
    out["centre"] = out["phase"].map(mean).astype(float)
    spread = 2.66 * out["phase"].map(mr).astype(float)
    out["lcl"] = out["centre"] - spread
    out["ucl"] = out["centre"] + spread
    out["outside_limits"] = (out[y] > out["ucl"]) | (out[y] < out["lcl"])
    return _add_runs(out, y)
