"""The within-unit model and its pre-trend check.

:func:`within_school` estimates, for each practice, the change in the rate that tracks with
a unit putting it in place, against the same unit's other years and the network's trend;
:func:`pretrend` tests whether adopters were already moving in the years before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from netlab.checks import check_columns
from netlab.practices._stats import (
    _collinearity,
    _demean,
    _empty_row,
    _estimate_rows,
    _finish,
    _joint_test,
    _partial_out,
    _practice_columns,
    _reasons,
    _switchers,
    _usable,
    _within_design,
    _wls_cluster,
)

# Level of the joint pre-trend test. In simulated 30-school networks it flags a planted
# pre-existing trend in about 95% of networks and a clean practice in about 5%.
PRETREND_ALPHA = 0.05


def within_school(
    panel: pd.DataFrame,
    *,
    practices: Sequence[str] | None = None,
    min_switchers: int = 3,
    unit: str = "unit_id",
    unit_label: str = "school",
    pretrend_leads: int = 2,
) -> pd.DataFrame:
    """Within-unit model: the rate on practices with unit and year fixed effects.

    Weighted least squares weighted by the denominator, unit effects absorbed by
    weighted within-unit demeaning, year effects as indicators, and cluster-robust
    standard errors by unit (statsmodels' CR3 leave-one-unit-out jackknife, CR1 when a
    leave-one-out fit is not identified) with t intervals on (number of units - 1)
    degrees of freedom. Each estimate is the change in the rate, in percentage points, that tracks
    with a unit putting the practice in place, compared with the same unit's other years
    and with the network's trend. Only units that switched inform it. The ``covariance``
    column records which errors the fit used (``"CR3"``, or ``"CR1"`` after a fallback).

    Parameters
    ----------
    panel : DataFrame
        From :func:`panel`.
    practices : sequence of str, optional
        Practice columns to model (default: all in the panel).
    min_switchers : int
        Fewer switchers than this make a practice "too few switchers to say".
    unit : str
        The unit column.
    unit_label : str
        The unit as a word for the reasons ("school" or "district").
    pretrend_leads : int
        Years before adoption tested by :func:`pretrend` (0 skips the check).

    Returns
    -------
    DataFrame
        The results table (:data:`RESULT_COLUMNS`), ``model == "within"``.
    """
    names = _practice_columns(panel, unit, practices)
    data = _usable(panel, unit)
    rows = []
    if data.empty or not names:
        return _finish(
            [_empty_row("within", p, reason="no usable unit-years") for p in names], min_switchers
        )
    w = data["denominator"].to_numpy(float)
    xd, yd, ucodes, n_u = _within_design(data, names, unit, w)
    n_switch, n_ever = _switchers(data, names, unit)
    keep, groups, flat = _collinearity(_partial_out(xd, yd, w), w)
    # A practice that one unit alone moves cannot survive leaving that unit out (CR3), and
    # its own estimate is never reported, so it stays out of the model.
    keep = [j for j in keep if n_switch[names[j]] >= 2]
    est: dict[int, dict] = {}
    if keep:
        x = np.column_stack([xd[:, keep], yd])
        yy = _demean(data["rate"].to_numpy(float)[:, None], w, ucodes, n_u)[:, 0]
        coef, cov, df, covariance = _wls_cluster(yy, x, w, ucodes)
        est = _estimate_rows(keep, coef, cov, df)
        for j in est:
            est[j]["covariance"] = covariance
    fitted_names = [names[j] for j in keep]
    for j, name in enumerate(names):
        ok, reason, coll = _reasons(
            names,
            j,
            flat=flat,
            groups=groups,
            n_switch=n_switch[name],
            min_switchers=min_switchers,
            unit_word=unit_label,
            flat_reason=f"every {unit_label} that switched did so in the same year, which the "
            "network's year-to-year trend already absorbs",
        )
        if ok and j not in est:
            ok, reason = False, f"only 1 {unit_label} switched, too few to estimate"
        row = _empty_row(
            "within",
            name,
            n_schools_ever=n_ever[name],
            n_switchers=n_switch[name],
            estimable=ok,
            reason=reason,
            collinear_with=coll,
        )
        if row["estimable"]:
            row.update(est[j])
            row.update(_pretrend_fields(data, name, fitted_names, leads=pretrend_leads, unit=unit))
        rows.append(row)
    return _finish(rows, min_switchers)


def _pretrend_fields(
    data: pd.DataFrame, name: str, fitted: list[str], *, leads: int, unit: str
) -> dict[str, Any]:
    """The pre-trend p-value and flag of a fitted practice (none when ``leads`` is 0)."""
    if leads <= 0:
        return {}
    others = [p for p in fitted if p != name]
    check = pretrend(data, practice=name, leads=leads, controls=others, unit=unit)
    return {"pretrend_p": check["p_value"], "pretrend_flag": bool(check["flag"])}


def _adoption_years(data: pd.DataFrame, practice: str, unit: str) -> pd.Series:
    """Each unit's first year with the practice, for units seen before it (adopters)."""
    on = data[practice] > 0
    first_on = data.loc[on].groupby(unit)["year"].min()
    first_seen = data.groupby(unit)["year"].min()
    return first_on[first_on > first_seen.reindex(first_on.index)]


def _with_leads(
    data: pd.DataFrame, adopt: pd.Series, *, leads: int, unit: str
) -> tuple[pd.DataFrame, list[str]]:
    """The panel with indicators for each of the ``leads`` years before adoption that occur."""
    rel = data["year"] - data[unit].map(adopt)
    lead_cols = []
    frame = data.copy()
    for k in range(1, leads + 1):
        col = f"__lead{k}"
        frame[col] = (rel == -k).astype(float)
        if frame[col].sum() > 0:
            lead_cols.append(col)
    return frame, lead_cols


def pretrend(
    panel: pd.DataFrame,
    *,
    practice: str,
    leads: int = 2,
    controls: Sequence[str] = (),
    unit: str = "unit_id",
    alpha: float = PRETREND_ALPHA,
) -> dict[str, Any]:
    """Placebo test on lead indicators: were adopters already moving before they adopted?

    Adds to the within-unit model indicators for the ``leads`` years just before each
    unit first put the practice in place (event times -1 .. -leads; the reference is
    earlier years and units that never adopted) and tests them jointly (cluster-robust
    Wald F). Under parallel trends the leads are zero; adopters that were already rising
    show positive leads.

    Parameters
    ----------
    panel : DataFrame
        From :func:`panel`.
    practice : str
        The practice column to check.
    leads : int
        How many years before adoption to test.
    controls : sequence of str
        Other practice columns kept in the model.
    unit : str
        The unit column.
    alpha : float
        The flag is raised when the joint p-value is below ``alpha``.

    Returns
    -------
    dict
        ``practice``, ``p_value``, ``flag`` (bool), ``n_adopters`` (units with a year
        before adoption in the panel), ``leads``: a frame of event_time, estimate_pp,
        ci_low_pp, ci_high_pp, and ``covariance`` (``"CR3"`` or ``"CR1"``, as in
        :func:`within_school`).
    """
    check_columns(panel, [unit, "year", practice], what="panel")
    data = _usable(panel, unit)
    empty = pd.DataFrame(columns=["event_time", "estimate_pp", "ci_low_pp", "ci_high_pp"])
    result: dict[str, Any] = {
        "practice": practice,
        "p_value": np.nan,
        "flag": False,
        "n_adopters": 0,
        "leads": empty,
        "covariance": "",
    }
    if data.empty or leads < 1:
        return result
    adopt = _adoption_years(data, practice, unit)
    result["n_adopters"] = len(adopt)
    if adopt.empty:
        return result
    frame, lead_cols = _with_leads(data, adopt, leads=leads, unit=unit)
    if not lead_cols:
        return result
    cols = [practice, *[c for c in controls if c != practice], *lead_cols]
    w = frame["denominator"].to_numpy(float)
    xd, yd, ucodes, n_u = _within_design(frame, cols, unit, w)
    keep, _, _ = _collinearity(_partial_out(xd, yd, w), w)
    lead_pos = [i for i, j in enumerate(keep) if cols[j] in lead_cols]
    if not lead_pos:
        return result
    yy = _demean(frame["rate"].to_numpy(float)[:, None], w, ucodes, n_u)[:, 0]
    coef, cov, df, covariance = _wls_cluster(yy, np.column_stack([xd[:, keep], yd]), w, ucodes)
    result["covariance"] = covariance
    p, b, se, tcrit = _joint_test(coef, cov, lead_pos, df)
    result["leads"] = pd.DataFrame(
        {
            "event_time": [-int(cols[keep[i]].removeprefix("__lead")) for i in lead_pos],
            "estimate_pp": 100 * b,
            "ci_low_pp": 100 * (b - tcrit * se),
            "ci_high_pp": 100 * (b + tcrit * se),
        }
    )
    result["p_value"] = p
    result["flag"] = bool(np.isfinite(p) and p < alpha)
    return result
