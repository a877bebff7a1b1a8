"""Staggered adoption: the imputation estimator of Borusyak, Jaravel & Spiess (2024).

Schools put practices in place in different years. The two-way (within-school) model is a
weighted average of every comparison in the panel, including comparisons of a school that
just adopted with schools that adopted earlier; when effects grow with the years since
adoption or differ by adoption year, some of those weights are negative and the estimate
can sit far from every school's effect (Goodman-Bacon 2021; de Chaisemartin &
D'Haultfœuille 2020). The imputation estimator avoids those comparisons:

1. fit unit effects, year effects and the other practices (time-varying controls: each
   in place, and the years since it first was) by weighted least squares on the
   **untreated** unit-years only: units that never adopt, and adopters before they adopt;
2. impute each treated unit-year's untreated rate from them;
3. average observed minus imputed over the treated unit-years, weighted by their
   denominators (so each student counts once): the average effect on adopters, overall
   and by years since adoption.

Intervals use Borusyak, Jaravel & Spiess's variance clustered by unit: the estimate is a
weighted sum of the rates, so its variance is the sum over units of (their weights x
residuals)^2, where a treated unit-year's residual is its effect minus the mean effect of
its years-since-adoption group with the unit itself left out (so that effects growing with
exposure are not read as noise), times the finite-cluster factor units / (units - 1). A
jackknife by unit (each unit left out in turn) is the alternative; leaving a unit out only
removes its own sums from the untreated fit's normal equations, so every replicate is one
small solve, even at state scale. Both use t on units - 1 degrees of freedom.

The pre-trend test is the one Borusyak, Jaravel & Spiess recommend: on the untreated
unit-years alone, do adopters' rates in the years just before adoption depart from the
unit and year effects? Units that had the practice in every year of the panel have no
untreated year to impute from and drop out; the table says how many. For a single
practice adopted in one year by every adopter (weights constant within a unit) the
estimate equals the two-way estimate; Gardner's two-stage "did2s" gives the same point
estimate with the same first stage.

A unit counts as treated from the first year the practice is in place (for a district, the
first year any of its schools has it), whether or not it keeps it. The estimates track with
the practice; they do not show that it causes a change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from netlab.checks import check_argument
from netlab.practices._imputation import _controls, _impute_one
from netlab.practices._stats import (
    RESULT_COLUMNS,
    _collinearity,
    _demean,
    _dummies,
    _empty_row,
    _finish,
    _joint_test,
    _usable,
    _wls_cluster,
)
from netlab.words import plural as _plural

#: Columns of the imputation results beyond :data:`netlab.practices.RESULT_COLUMNS`.
EXTRA_COLUMNS = [
    "n_always_treated",
    "n_imputed",
    "n_not_imputed",
    "twfe_estimate_pp",
    "twfe_treated",
    "twfe_negative",
    "twfe_negative_weight",
]
#: Columns of the profile by years since adoption.
PROFILE_COLUMNS = [
    "practice",
    "event_time",
    "estimate_pp",
    "ci_low_pp",
    "ci_high_pp",
    "n_units",
    "part",
]

# Level of the pre-trend test, as for the within-unit model's.
PRETREND_ALPHA = 0.05


@dataclass
class Imputation:
    """What :func:`imputation` returns.

    Attributes
    ----------
    results : DataFrame
        One row per practice: the results-table columns (``model == "imputation"``,
        ``covariance`` ``"analytic"`` or ``"jackknife"``) plus :data:`EXTRA_COLUMNS`: units that had the
        practice in every year and drop out, treated unit-years imputed and not imputable
        (their year had no untreated unit left), the two-way estimate of the same
        specification, its treated unit-years and how many of them carry negative weight,
        and the share of its weight that is negative.
    profile : DataFrame
        :data:`PROFILE_COLUMNS`: the estimate by years since adoption (``part ==
        "after"``, event time 0 = the adoption year; only years that at least
        ``min_switchers`` adopters reach) and the pre-trend leads (``part == "before"``,
        event times -1, -2, ...: the untreated years just before adoption against the
        unit and year effects).
    """

    results: pd.DataFrame
    profile: pd.DataFrame


# ------------------------------------------------------------------------- two-way weights
def twfe_weights(
    panel: pd.DataFrame,
    *,
    practice: str,
    controls: Sequence[str] = (),
    unit: str = "unit_id",
) -> pd.DataFrame:
    """The weight each treated unit-year carries in the two-way estimate of one practice.

    Under the model rate = unit effect + year effect + effect(unit, year) x practice, the
    two-way coefficient is sum(weight x effect) over the treated unit-years, with weight =
    denominator x D~ x D / sum(denominator x D~ x D), where D~ is the practice's residual
    after the unit and year effects and the controls (de Chaisemartin & D'Haultfœuille
    2020). Weights sum to 1; negative ones mean that unit-year's effect pulls the estimate
    the other way.

    Parameters
    ----------
    panel : DataFrame
        From :func:`netlab.practices.panel`.
    practice : str
        The practice column.
    controls : sequence of str
        Other practice columns in the model.
    unit : str
        The unit column.

    Returns
    -------
    DataFrame
        ``unit``, year, weight for the unit-years with the practice in place, and
        ``attrs["estimate"]``: the two-way estimate (proportion scale).
    """
    data = _usable(panel, unit)
    cols = [practice, *[c for c in controls if c != practice]]
    weight, estimate = _twfe(data, cols, unit)
    on = data[practice].to_numpy(float) > 0
    out = data.loc[on, [unit, "year"]].assign(weight=weight[0][on]).reset_index(drop=True)
    out.attrs["estimate"] = estimate[0]
    return out


def _twfe(data: pd.DataFrame, cols: list[str], unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Each column's two-way weights on every row (k, n) and its estimate (k,), in one fit.

    The coefficient of column p is sum over rows of M[p] x rate with M = (X'WX)^-1 X'W for
    the demeaned design, and sum(M[p] x practice p) = 1; so M[p] x practice p are the
    weights. Columns collinear with the others get NaN.
    """
    w = data["denominator"].to_numpy(float)
    ucodes, _ = pd.factorize(data[unit])
    ycodes, ylev = pd.factorize(data["year"], sort=True)
    n_u = int(ucodes.max()) + 1 if len(ucodes) else 0
    x = np.column_stack([data[cols].to_numpy(float), _dummies(ycodes, len(ylev))])
    xd = _demean(x, w, ucodes, n_u)
    keep, _, _ = _collinearity(xd, w)
    k = len(cols)
    weight = np.full((k, len(data)), np.nan)
    estimate = np.full(k, np.nan)
    if not keep:
        return weight, estimate
    z = xd[:, keep]
    m = np.linalg.solve((z * w[:, None]).T @ z, (z * w[:, None]).T)
    y = data["rate"].to_numpy(float)
    for pos, j in enumerate(keep):
        if j < k:
            weight[j] = m[pos] * data[cols[j]].to_numpy(float)
            estimate[j] = float(m[pos] @ y)
    return weight, estimate


def _pretrend(
    data: pd.DataFrame, practice: str, controls: list[str], unit: str, leads: int
) -> dict:
    """Lead test on untreated unit-years only: adopters' years just before adoption."""
    empty = {"p_value": np.nan, "flag": False, "leads": []}
    if leads < 1:
        return empty
    years = data["year"].to_numpy(int)
    ucodes, ulev = pd.factorize(data[unit])
    on = data[practice].to_numpy(float) > 0
    big = np.iinfo(np.int64).max
    start = pd.Series(np.where(on, years, big)).groupby(ucodes).transform("min").to_numpy()
    seen = pd.Series(years).groupby(ucodes).transform("min").to_numpy()
    untr = years < start
    adopter = (start != big) & (start > seen)
    frame = data.loc[untr]
    rel = (years - start)[untr]
    lead_cols = []
    extra = {}
    for k in range(1, leads + 1):
        col = (adopter[untr] & (rel == -k)).astype(float)
        if col.sum() > 0:
            lead_cols.append(k)
            extra[k] = col
    if not lead_cols or frame.empty:
        return empty
    w = frame["denominator"].to_numpy(float)
    uc, _ = pd.factorize(frame[unit])
    n_u = int(uc.max()) + 1
    yc, ylev = pd.factorize(frame["year"], sort=True)
    ctrl = _controls(data, controls, unit)[untr]
    x = np.column_stack([np.column_stack([extra[k] for k in lead_cols]), ctrl])
    x = np.column_stack([x, _dummies(yc, len(ylev))])
    xd = _demean(x, w, uc, n_u)
    keep, _, _ = _collinearity(xd, w)
    lead_pos = [i for i, j in enumerate(keep) if j < len(lead_cols)]
    if not lead_pos:
        return empty
    yd = _demean(frame["rate"].to_numpy(float)[:, None], w, uc, n_u)[:, 0]
    coef, cov, df, covariance = _wls_cluster(yd, xd[:, keep], w, uc)
    p, b, se, tcrit = _joint_test(coef, cov, lead_pos, df)
    rows = []
    for i, pos in enumerate(lead_pos):
        k = lead_cols[keep[pos]]
        n_units = len(np.unique(uc[extra[k] > 0]))
        rows.append(
            {
                "event_time": -k,
                "estimate_pp": 100 * b[i],
                "ci_low_pp": 100 * (b[i] - tcrit * se[i]),
                "ci_high_pp": 100 * (b[i] + tcrit * se[i]),
                "n_units": n_units,
            }
        )
    return {
        "p_value": p,
        "flag": bool(np.isfinite(p) and p < PRETREND_ALPHA),
        "leads": rows,
        "covariance": covariance,
    }


def _twfe_extra(
    data: pd.DataFrame, name: str, j: int, twfe_w: list, twfe_est: np.ndarray
) -> dict[str, Any]:
    """The two-way estimate of the practice and how many treated unit-years weigh negatively."""
    on = data[name].to_numpy(float) > 0
    if not (on.any() and np.isfinite(twfe_est[j])):
        return {}
    wt = twfe_w[j][on]
    return {
        "twfe_estimate_pp": 100 * twfe_est[j],
        "twfe_treated": int(on.sum()),
        "twfe_negative": int((wt < 0).sum()),
        "twfe_negative_weight": float(-wt[wt < 0].sum()),
    }


def _profile_after(name: str, fit: dict, tcrit: float, min_switchers: int) -> list[dict[str, Any]]:
    """Profile rows by years since adoption, those reached by enough adopters."""
    est, se = fit["estimate"], fit["se"]
    rows = []
    for i, k in enumerate(fit["bins"]):
        if k < 0 or fit["n_units"][i] < 2 * min_switchers:
            continue
        rows.append(
            {
                "practice": name,
                "event_time": int(k),
                "estimate_pp": 100 * est[i],
                "ci_low_pp": 100 * (est[i] - tcrit * se[i]),
                "ci_high_pp": 100 * (est[i] + tcrit * se[i]),
                "n_units": int(fit["n_units"][i]),
                "part": "after",
            }
        )
    return rows


def _estimate(fit: dict, variance: str) -> tuple[dict[str, Any], float]:
    """The results-row fields of an estimable practice, and the t critical value."""
    est, se, df = fit["estimate"], fit["se"], fit["df"]
    tcrit = stats.t.ppf(0.975, df)
    with np.errstate(invalid="ignore", divide="ignore"):
        pval = 2 * stats.t.sf(np.abs(est[0] / se[0]), df) if se[0] > 0 else np.nan
    return {
        "estimable": bool(np.isfinite(pval)),
        "estimate_pp": 100 * est[0],
        "ci_low_pp": 100 * (est[0] - tcrit * se[0]),
        "ci_high_pp": 100 * (est[0] + tcrit * se[0]),
        "p_value": pval,
        "covariance": variance,
    }, tcrit


def _one_practice(
    data: pd.DataFrame,
    name: str,
    names: list[str],
    twfe: tuple[Any, np.ndarray],
    *,
    unit: str,
    unit_label: str,
    min_switchers: int,
    pretrend_leads: int,
    variance: str,
) -> tuple[dict, dict, list[dict]]:
    """One practice's results row, extra columns and profile rows."""
    others = [p for p in names if p != name]
    extra = dict.fromkeys(EXTRA_COLUMNS, np.nan)
    row = _empty_row("imputation", name)
    fit = _impute_one(data, name, others, unit, variance)
    extra.update(
        n_always_treated=fit["n_always_treated"],
        n_imputed=fit["n_imputed"],
        n_not_imputed=fit["n_not_imputed"],
    )
    row["n_schools_ever"] = fit["n_ever"]
    row["n_switchers"] = fit.get("n_switchers", fit["n_adopters"])
    extra.update(_twfe_extra(data, name, names.index(name), *twfe))
    reason = _reason(fit, unit_label, min_switchers)
    if reason:
        row["reason"] = reason
        return row, extra, []
    fields, tcrit = _estimate(fit, variance)
    row.update(fields)
    check = _pretrend(data, name, others, unit, pretrend_leads)
    row["pretrend_p"] = check["p_value"]
    row["pretrend_flag"] = check["flag"]
    profile = [{"practice": name, **lead, "part": "before"} for lead in check["leads"]]
    return row, extra, profile + _profile_after(name, fit, tcrit, min_switchers)


def _imputation_result(
    rows: list[dict], extras: list[dict], profile: list[dict], min_switchers: int
) -> Imputation:
    """The results table with its extra columns, and the profile sorted."""
    table = _finish(rows, min_switchers)
    extra_frame = pd.DataFrame(extras, columns=EXTRA_COLUMNS)
    for col in ("n_always_treated", "n_imputed", "n_not_imputed", "twfe_treated", "twfe_negative"):
        extra_frame[col] = extra_frame[col].fillna(0).astype(int)
    results = pd.concat([table, extra_frame], axis=1)
    prof = pd.DataFrame(profile, columns=PROFILE_COLUMNS)
    prof = prof.astype({"event_time": int, "n_units": int}).sort_values(
        ["practice", "event_time"], ignore_index=True
    )
    return Imputation(results=results[[*RESULT_COLUMNS, *EXTRA_COLUMNS]], profile=prof)


def imputation(
    panel: pd.DataFrame,
    *,
    practices: Sequence[str] | None = None,
    min_switchers: int = 3,
    unit: str = "unit_id",
    unit_label: str = "school",
    pretrend_leads: int = 2,
    variance: str = "analytic",
) -> Imputation:
    """The imputation estimator per practice, with its profile, pre-trend test and weights.

    For each practice: unit effects, year effects and the other practices (time-varying
    controls) are fitted by weighted least squares (weights: the denominators) on the
    unit-years without the practice (units that never adopt, and adopters before they
    adopt); each treated unit-year's untreated rate is imputed from them, and the estimate
    is the denominator-weighted average of observed minus imputed, in percentage points.
    Jackknife intervals by unit (t on units - 1 degrees of freedom). Beside it: the profile
    by years since adoption, the pre-trend test on the untreated unit-years, and how many
    treated unit-years carry negative weight in the two-way estimate of the same
    specification (:func:`twfe_weights`).

    Parameters
    ----------
    panel : DataFrame
        From :func:`netlab.practices.panel`.
    practices : sequence of str, optional
        Practice columns to estimate (default: all in the panel); all of them are controls
        for each other.
    min_switchers : int
        As in :func:`netlab.practices.within_school`: fewer adopters (units with years
        before and after adopting) make a practice "too few switchers to say"; profile
        years reached by fewer adopters are left out.
    unit : str
        The unit column.
    unit_label : str
        The unit as a word for the reasons ("school" or "district").
    pretrend_leads : int
        Years before adoption tested (0 skips the test).
    variance : {"analytic", "jackknife"}
        ``"analytic"``: Borusyak, Jaravel & Spiess's variance, clustered by unit, with
        each treated unit-year's effect compared with the leave-this-unit-out mean of its
        years-since-adoption group. ``"jackknife"``: each unit left out in turn. Both use t
        on units - 1 degrees of freedom. In simulated 30-school networks the analytic
        intervals covered the average effect on adopters 94-95% of the time; the jackknife's
        covered 98-99% (too wide: a unit with long exposure to another practice moves the
        controls' fit a lot when left out) and labelled real effects "strong" less often.

    Returns
    -------
    Imputation
        ``results`` (the results table plus :data:`EXTRA_COLUMNS`; the evidence label
        follows the same rule as every other model, with q-values across these practices)
        and ``profile``.

    Examples
    --------
    >>> from netlab import practices, synth
    >>> net = synth.generate(n_schools=20, seed=3, grain="counts", effect_growth=0.3)
    >>> rates = net.tables["counts"].rename(columns={"school_id": "unit_id"})
    >>> rates["rate"] = rates["numerator"] / rates["denominator"]
    >>> fit = imputation(practices.panel(rates, net.tables["practices"]))
    >>> sorted(fit.results["model"].unique())
    ['imputation']
    """
    from netlab.practices._stats import _practice_columns

    check_argument("variance", ["analytic", "jackknife"], variance)
    names = _practice_columns(panel, unit, practices)
    data = _usable(panel, unit).reset_index(drop=True)
    rows: list = []
    extras: list = []
    profile: list = []
    if data.empty:
        for name in names:
            row = _empty_row("imputation", name)
            row["reason"] = "no usable unit-years"
            rows.append(row)
            extras.append(dict.fromkeys(EXTRA_COLUMNS, np.nan))
        return _imputation_result(rows, extras, profile, min_switchers)
    twfe = _twfe(data, names, unit)
    for name in names:
        row, extra, part = _one_practice(
            data,
            name,
            names,
            twfe,
            unit=unit,
            unit_label=unit_label,
            min_switchers=min_switchers,
            pretrend_leads=pretrend_leads,
            variance=variance,
        )
        rows.append(row)
        extras.append(extra)
        profile.extend(part)
    return _imputation_result(rows, extras, profile, min_switchers)


def _reason(fit: dict, unit_label: str, min_switchers: int) -> str:
    """Why a practice has no imputation estimate ("" when it has one)."""
    units = f"{unit_label}s"
    if fit["n_adopters"] == 0:
        if fit["n_always_treated"]:
            return (
                f"every {unit_label} that has it had it from the first year, so none has a "
                "year without it to compare with"
            )
        return f"no {unit_label} started it during these years"
    if "estimate" not in fit:
        return (
            f"no {unit_label} was still without it in the years the adopters had it, so "
            "there is nothing to compare them with"
        )
    if fit["n_switchers"] < min_switchers:
        return (
            f"only {_plural(int(fit['n_switchers']), unit_label)} started it; at least "
            f"{min_switchers} {units} are needed"
        )
    return ""
