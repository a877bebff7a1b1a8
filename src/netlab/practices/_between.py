"""The between-unit models: gains from a baseline year, and the naive one-year comparison.

:func:`gains` regresses each unit's change in the rate on the practices it adopted in
between; :func:`naive_cross_section` compares units with and without a practice in one
year, to show what the within-unit model guards against.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm

from netlab.practices._stats import (
    _collinearity,
    _empty_row,
    _estimate_rows,
    _finish,
    _partial_out,
    _practice_columns,
    _reasons,
)
from netlab.words import plural as _plural


def _context_matrix(
    units_index: pd.Index, context: pd.DataFrame | None, unit: str
) -> pd.DataFrame:
    """Unit context columns (share_low_income, share_focal, log size), gaps filled by the mean."""
    if context is None or unit not in context.columns:
        return pd.DataFrame(index=units_index)
    ctx = context.assign(**{unit: context[unit].astype(str)}).drop_duplicates(unit).set_index(unit)
    out = pd.DataFrame(index=units_index)
    for col in ("share_low_income", "share_focal"):
        if col in ctx.columns:
            out[col] = pd.to_numeric(ctx[col], errors="coerce").reindex(units_index)
    if "size" in ctx.columns:
        size = pd.to_numeric(ctx["size"], errors="coerce").reindex(units_index)
        out["log_size"] = np.log(size.where(size > 0))
    out = out.fillna(out.mean())
    spread = out.std(ddof=0) > 1e-9 * (1 + out.abs().max())
    return out.loc[:, out.notna().all() & spread]


def _gains_controls(
    base: pd.DataFrame,
    both: pd.Index,
    context: pd.DataFrame | None,
    *,
    unit: str,
    n_terms: int,
) -> np.ndarray:
    """Constant, baseline rate and unit context (when there are units enough to afford it)."""
    ctx = _context_matrix(both, context, unit)
    if len(both) < n_terms + ctx.shape[1] + 3:
        ctx = ctx.iloc[:, :0]  # too few units to spend degrees of freedom on context
    controls = np.column_stack(
        [np.ones(len(both)), base["rate"].to_numpy(float), ctx.to_numpy(float)]
    )
    # Keep only controls that add information (context can duplicate the baseline rate).
    return controls[:, _collinearity(controls, np.ones(len(both)))[0]]


def _gains_fit(
    change: np.ndarray, x: np.ndarray, controls: np.ndarray, keep: list[int]
) -> dict[int, dict]:
    """OLS of the change on the practices kept and the controls, with HC3 errors."""
    if not keep or len(change) <= controls.shape[1] + len(keep):
        return {}
    res = sm.OLS(change, np.column_stack([x[:, keep], controls])).fit(cov_type="HC3", use_t=True)
    est = _estimate_rows(keep, np.asarray(res.params), np.asarray(res.cov_params()), res.df_resid)
    for j in est:
        est[j]["covariance"] = "HC3"
    return est


def _gains_rows(
    names: list[str],
    est: dict[int, dict],
    fit: tuple,
    *,
    n_adopt: dict[str, int],
    ever: pd.DataFrame,
    years: tuple[int, int],
    min_switchers: int,
    unit_label: str,
) -> list[dict]:
    """One results row per practice: its estimate, or why it is not estimable."""
    keep, groups, flat = fit
    rows = []
    for j, name in enumerate(names):
        ok, reason, coll = _reasons(
            names,
            j,
            flat=flat,
            groups=groups,
            n_switch=n_adopt[name],
            min_switchers=min_switchers,
            unit_word=unit_label,
            flat_reason=f"every {unit_label} adopted it, so none is left to compare with",
        )
        if n_adopt[name] == 0:
            reason = f"no {unit_label} adopted it between {years[0]} and {years[1]}"
        if ok and j not in est:
            ok, reason = False, f"too few {unit_label}s for the number of terms in the model"
        row = _empty_row(
            "gains",
            name,
            n_schools_ever=int(ever[name].sum()),
            n_switchers=n_adopt[name],
            estimable=ok,
            reason=reason,
            collinear_with=coll,
        )
        if ok:
            row.update(est[j])
        rows.append(row)
    return rows


def gains(
    panel: pd.DataFrame,
    *,
    baseline_year: int | None = None,
    latest_year: int | None = None,
    context: pd.DataFrame | None = None,
    practices: Sequence[str] | None = None,
    min_switchers: int = 3,
    unit: str = "unit_id",
    unit_label: str = "school",
) -> pd.DataFrame:
    """Gains model: each unit's change from baseline to latest year on practices adopted between.

    Ordinary least squares of (latest rate - baseline rate) on one column per practice
    (1 if adopted between the two years, i.e. not in place at baseline and in place at
    the latest year; for a district, the rise in the share of its schools), controlling
    for the baseline rate (regression to the mean) and unit context (share low-income,
    share focal, log size, from ``context``; gaps filled by the network mean; left out
    when there are too few units to afford them), with HC3 robust standard errors and t
    intervals. Units are weighted equally.

    Parameters
    ----------
    panel : DataFrame
        From :func:`panel`.
    baseline_year, latest_year : int, optional
        Defaults: the panel's first and last years.
    context : DataFrame, optional
        The units frame (``unit``, share_low_income, share_focal, size).
    practices, min_switchers, unit, unit_label
        As in :func:`within_school`; here the switchers are the units that adopted.

    Returns
    -------
    DataFrame
        The results table, ``model == "gains"`` (no pre-trend check: flag False, p NaN).
    """
    names = _practice_columns(panel, unit, practices)
    data = panel.loc[panel["rate"].notna() & (panel["denominator"] > 0)]
    base_y = int(data["year"].min()) if baseline_year is None else int(baseline_year)
    last_y = int(data["year"].max()) if latest_year is None else int(latest_year)
    base = data.loc[data["year"] == base_y].set_index(unit)
    last = data.loc[data["year"] == last_y].set_index(unit)
    both = base.index.intersection(last.index)
    if len(both) == 0 or base_y >= last_y or not names:
        reason = f"no {unit_label} has a rate in both {base_y} and {last_y}"
        return _finish([_empty_row("gains", p, reason=reason) for p in names], min_switchers)
    base, last = base.loc[both], last.loc[both]
    adopted = (last[names] - base[names]).clip(lower=0.0)
    ever = data.loc[data[unit].isin(both)].groupby(unit)[names].max().reindex(both) > 0
    n_adopt = {p: int((adopted[p] > 0).sum()) for p in names}
    n_terms = 2 + sum(n > 0 for n in n_adopt.values())  # constant, baseline, practices
    controls = _gains_controls(base, both, context, unit=unit, n_terms=n_terms)
    x = adopted.to_numpy(float)
    if len(both) < n_terms + 3:
        reason = (
            f"only {_plural(len(both), unit_label)} have rates in both {base_y} and {last_y}, "
            f"too few for {n_terms - 2} practices and the baseline rate"
        )
        rows = [
            _empty_row(
                "gains",
                p,
                n_switchers=n_adopt[p],
                n_schools_ever=int(ever[p].sum()),
                reason=reason,
            )
            for p in names
        ]
        return _finish(rows, min_switchers)
    w = np.ones(len(both))
    fit = _collinearity(_partial_out(x, controls, w), w)
    est = _gains_fit((last["rate"] - base["rate"]).to_numpy(float), x, controls, fit[0])
    rows = _gains_rows(
        names,
        est,
        fit,
        n_adopt=n_adopt,
        ever=ever,
        years=(base_y, last_y),
        min_switchers=min_switchers,
        unit_label=unit_label,
    )
    return _finish(rows, min_switchers)


def naive_cross_section(
    panel: pd.DataFrame,
    *,
    year: int | None = None,
    practices: Sequence[str] | None = None,
    min_switchers: int = 3,
    unit: str = "unit_id",
) -> pd.DataFrame:
    """The naive comparison: units with a practice against units without it, in one year.

    Weighted least squares of the year's rate on the practices in place (weights: the
    denominator; HC3 errors). It is here to show what the within-unit model guards
    against: when stronger units adopt more practices, this comparison credits the
    practices with the units' head start.

    Parameters
    ----------
    panel : DataFrame
        From :func:`panel`.
    year : int, optional
        Default: the panel's last year.
    practices, min_switchers, unit
        As in :func:`within_school`. Here ``n_switchers`` is the smaller of the two groups
        compared (units with and without the practice that year).

    Returns
    -------
    DataFrame
        The results table, ``model == "naive_cross_section"``.
    """
    names = _practice_columns(panel, unit, practices)
    data = panel.loc[panel["rate"].notna() & (panel["denominator"] > 0)]
    yr = int(data["year"].max()) if year is None else int(year)
    cs = data.loc[data["year"] == yr]
    x = (cs[names].to_numpy(float) > 0).astype(float)
    w = cs["denominator"].to_numpy(float)
    const = np.ones((len(cs), 1))
    keep, groups, flat = _collinearity(_partial_out(x, const, w), w)
    est: dict[int, dict] = {}
    if keep and len(cs) > len(keep) + 1:
        res = sm.WLS(cs["rate"].to_numpy(float), np.column_stack([x[:, keep], const]), weights=w)
        fit = res.fit(cov_type="HC3", use_t=True)
        est = _estimate_rows(
            keep,
            np.asarray(fit.params),
            np.asarray(fit.cov_params()),
            fit.df_resid,
        )
        for j in est:
            est[j]["covariance"] = "HC3"
    rows = []
    for j, name in enumerate(names):
        n_with = int(x[:, j].sum())
        smaller = min(n_with, len(cs) - n_with)
        ok = j in est and j not in groups and smaller >= min_switchers
        row = _empty_row(
            "naive_cross_section",
            name,
            n_schools_ever=n_with,
            n_switchers=smaller,
            estimable=ok,
            reason="" if ok else "too few units with or without it, or collinear",
            collinear_with=", ".join(names[k] for k in sorted(groups.get(j, ()))),
        )
        if ok:
            row.update(est[j])
        rows.append(row)
    return _finish(rows, min_switchers)
