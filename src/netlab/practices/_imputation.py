"""The imputation estimator's arithmetic: per-unit sums, the estimate and its variance.

Private to :mod:`netlab.practices._staggered` (which describes the method). The untreated fit's normal
equations are kept as one block per unit, so leaving a unit out (the jackknife) only
subtracts its block, and the analytic variance is built from the same pieces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from netlab.practices._stats import _collinearity, _demean, _dummies


def _solve_stack(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve each a[g] x = b[g]; returns (solutions, whether each system was full rank)."""
    q = a.shape[-1]
    if q == 0:
        return np.zeros(b.shape), np.ones(a.shape[0], bool)
    ok = np.linalg.matrix_rank(a, tol=None) == q
    x = np.full(b.shape, np.nan)
    if ok.any():
        x[ok] = np.linalg.solve(a[ok], b[ok][..., None])[..., 0]
    return x, ok


def _blocks(codes: np.ndarray, n: int, w: np.ndarray, x: np.ndarray, y: np.ndarray):
    """Per-unit sums of w x x' (n, q, q) and w x y (n, q)."""
    q = x.shape[1]
    a = np.zeros((n, q, q))
    b = np.zeros((n, q))
    if q:
        np.add.at(a, codes, w[:, None, None] * x[:, :, None] * x[:, None, :])
        np.add.at(b, codes, (w * y)[:, None] * x)
    return a, b


@dataclass
class _Fit:
    """Per-unit pieces of one practice's imputation (see :func:`_prepare`)."""

    a: np.ndarray  # (units, q, q) untreated normal-equation blocks
    b: np.ndarray  # (units, q)
    s: np.ndarray  # (units, bins) sums of w (y - unit mean), treated
    c: np.ndarray  # (units, bins, q) sums of w (d - unit mean d), treated
    wt: np.ndarray  # (units, bins) treated weights
    bins: np.ndarray  # bin labels: -1 overall, else event time
    units: np.ndarray  # unit codes that take part (not always treated)
    parts: dict[str, np.ndarray]  # row-level pieces for the analytic variance


#: The rows one fit reads: rate, weight, unit code, year, treated, event time, controls.
_Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _untreated_means(
    u0: np.ndarray, w0: np.ndarray, y0: np.ndarray, d0: np.ndarray, n_u: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per unit over its untreated rows: weight, whether it has any, mean rate, mean design."""
    sw0 = np.bincount(u0, weights=w0, minlength=n_u)
    has0 = sw0 > 0
    sw0[~has0] = 1.0
    ybar = np.bincount(u0, weights=w0 * y0, minlength=n_u) / sw0
    dbar = (
        np.column_stack(
            [
                np.bincount(u0, weights=w0 * d0[:, j], minlength=n_u) / sw0
                for j in range(d0.shape[1])
            ]
        )
        if d0.shape[1]
        else np.zeros((n_u, 0))
    )
    return sw0, has0, ybar, dbar


def _treated_sums(
    ui: np.ndarray, wi: np.ndarray, e: np.ndarray, dd: np.ndarray, ev: np.ndarray, n_u: int
) -> tuple[np.ndarray, ...]:
    """Per unit and bin (-1 overall, else years since adoption): weighted sums of the treated."""
    bins = np.concatenate([[-1], np.unique(ev)])
    bcode = np.searchsorted(bins, ev)
    q = dd.shape[1]
    s = np.zeros((n_u, len(bins)))
    c = np.zeros((n_u, len(bins), q))
    wt = np.zeros((n_u, len(bins)))
    for col in (0, None):
        idx = np.zeros(len(ui), int) if col == 0 else bcode
        np.add.at(s, (ui, idx), wi * e)
        np.add.at(wt, (ui, idx), wi)
        if q:
            np.add.at(c, (ui, idx), wi[:, None] * dd)
    return bins, bcode, s, c, wt


def _prepare(
    y: np.ndarray,
    w: np.ndarray,
    ucodes: np.ndarray,
    years: np.ndarray,
    treated: np.ndarray,
    event: np.ndarray,
    controls: np.ndarray,
    n_u: int,
) -> tuple[_Fit | None, dict]:
    """Everything the estimate and its standard errors need, as per-unit sums."""
    untr = ~treated
    info = {"n_imputed": 0, "n_not_imputed": int(treated.sum())}
    if not untr.any():
        return None, info
    y0, w0, u0 = y[untr], w[untr], ucodes[untr]
    ylev = np.unique(years[untr])
    known = np.isin(years, ylev)
    # A treated year with no untreated unit has no year effect: it cannot be imputed.
    ycode_all = np.where(known, np.searchsorted(ylev, years), 0)
    design = np.column_stack([_dummies(ycode_all, len(ylev)), controls])
    d0 = design[untr]
    d0m = _demean(d0, w0, u0, n_u)
    keep, _, _ = _collinearity(d0m, w0)
    design, d0, d0m = design[:, keep], d0[:, keep], d0m[:, keep]
    y0m = _demean(y0[:, None], w0, u0, n_u)[:, 0]
    a, b = _blocks(u0, n_u, w0, d0m, y0m)
    sw0, has0, ybar, dbar = _untreated_means(u0, w0, y0, d0, n_u)
    imp = treated & known & has0[ucodes]
    info = {"n_imputed": int(imp.sum()), "n_not_imputed": int((treated & ~imp).sum())}
    if not imp.any():
        return None, info
    ui = ucodes[imp]
    wi = w[imp]
    e = y[imp] - ybar[ui]
    dd = design[imp] - dbar[ui]
    ev = event[imp].astype(int)
    bins, bcode, s, c, wt = _treated_sums(ui, wi, e, dd, ev, n_u)
    take = np.unique(np.concatenate([ucodes[untr], ui]))
    parts = dict(u0=u0, w0=w0, d0m=d0m, y0m=y0m, sw0=sw0, ui=ui, wi=wi, dd=dd, e=e,
                 bcode=bcode, group=ev)  # fmt: skip
    return _Fit(a=a, b=b, s=s, c=c, wt=wt, bins=bins, units=take, parts=parts), info


def _analytic_se(fit: _Fit, n_u: int) -> np.ndarray:
    """Borusyak-Jaravel-Spiess variance per bin: sum over units of (sum a x residual)^2.

    Treated residuals are the unit-year effects minus their mean within adoption cohort x
    years since adoption, so that differences between those groups are not read as noise.
    """
    p = fit.parts
    a_all = fit.a.sum(axis=0)
    gamma, _ = _solve_stack(a_all[None], fit.b.sum(axis=0)[None])
    gamma = gamma[0]
    r0 = p["y0m"] - p["d0m"] @ gamma
    tau = p["e"] - p["dd"] @ gamma
    out = np.full(len(fit.bins), np.nan)
    ainv = np.linalg.pinv(a_all)
    g = np.unique(p["group"], return_inverse=True)[1]
    gi = np.unique(g * n_u + p["ui"], return_inverse=True)[1]
    for k in range(len(fit.bins)):
        sel = np.ones(len(tau), bool) if k == 0 else p["bcode"] == k
        om = p["wi"] * sel
        wsum = om.sum()
        if wsum <= 0:
            continue
        c = (om[:, None] * p["dd"]).sum(axis=0) / wsum
        h = ainv @ c
        big = np.bincount(p["ui"], weights=om, minlength=n_u) / wsum
        a0 = -big[p["u0"]] * p["w0"] / p["sw0"][p["u0"]] - p["w0"] * (p["d0m"] @ h)
        a1 = om / wsum
        num = np.bincount(g, weights=a1 * tau)
        den = np.bincount(g, weights=a1)
        num_i = np.bincount(gi, weights=a1 * tau)
        den_i = np.bincount(gi, weights=a1)
        with np.errstate(invalid="ignore", divide="ignore"):
            loo = (num[g] - num_i[gi]) / (den[g] - den_i[gi])
            full = num[g] / den[g]
        tbar = np.where(np.isfinite(loo), loo, np.nan_to_num(full))
        eps1 = tau - tbar
        tot = np.bincount(p["u0"], weights=a0 * r0, minlength=n_u)
        tot += np.bincount(p["ui"], weights=a1 * eps1, minlength=n_u)
        out[k] = np.sqrt(np.sum(tot**2))
    return out


def _estimates(fit: _Fit, drop: np.ndarray | None = None) -> np.ndarray:
    """Estimate per bin from the full sums, or (rows) with each unit in ``drop`` left out."""
    a_all, b_all = fit.a.sum(axis=0), fit.b.sum(axis=0)
    s_all, c_all, w_all = fit.s.sum(axis=0), fit.c.sum(axis=0), fit.wt.sum(axis=0)
    if drop is None:
        gamma, ok = _solve_stack(a_all[None], b_all[None])
        if not ok[0]:
            return np.full(len(fit.bins), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (s_all - c_all @ gamma[0]) / w_all
    gamma, ok = _solve_stack(a_all[None] - fit.a[drop], b_all[None] - fit.b[drop])
    s = s_all[None] - fit.s[drop]
    c = c_all[None] - fit.c[drop]
    wt = w_all[None] - fit.wt[drop]
    with np.errstate(invalid="ignore", divide="ignore"):
        est = (s - np.einsum("gbq,gq->gb", c, np.nan_to_num(gamma))) / wt
    est[~ok] = np.nan
    est[wt <= 0] = np.nan
    return est


def _controls(data: pd.DataFrame, names: list[str], unit: str) -> np.ndarray:
    """The other practices as controls: each in place, and the years since it first was.

    The years-since column lets another practice's effect grow with exposure; with the
    in-place indicator alone, a growing effect of one practice leaks into the imputed
    untreated rates of the others (about half a point in simulated networks).
    """
    if not names:
        return np.zeros((len(data), 0))
    x = data[names].to_numpy(float)
    years = data["year"].to_numpy(float)
    on = x > 0
    first = (
        pd.DataFrame(np.where(on, years[:, None], np.inf))
        .groupby(data[unit].to_numpy())
        .transform("min")
        .to_numpy()
    )
    since = np.where(on, years[:, None] - first, 0.0)
    return np.column_stack([x, since])


def _adoption_status(
    data: pd.DataFrame, practice: str, ucodes: np.ndarray, n_u: int, years: np.ndarray
) -> dict[str, np.ndarray]:
    """Never, always and adopting units; treated rows and their years since adoption."""
    on = data[practice].to_numpy(float) > 0
    first_on = pd.Series(np.where(on, years, np.iinfo(np.int64).max)).groupby(ucodes).min()
    first_seen = pd.Series(years).groupby(ucodes).min()
    start = first_on.reindex(range(n_u)).to_numpy()
    seen = first_seen.reindex(range(n_u)).to_numpy()
    never = start == np.iinfo(np.int64).max
    always = ~never & (start <= seen)
    treated_all = ~never[ucodes] & (years >= start[ucodes])
    return {
        "never": never,
        "always": always,
        "adopter": ~never & ~always,
        "treated": treated_all,
        "event": np.where(treated_all, years - start[ucodes], -1),
    }


def _jackknife_var(
    fit: _Fit, est: np.ndarray, rows_of: Callable[[Any], _Rows], n_u: int
) -> np.ndarray:
    """Leave-one-unit-out variance per bin (a replicate not identified is refitted)."""
    n_g = len(fit.units)
    reps = _estimates(fit, fit.units)
    # A replicate whose untreated fit is not identified without its unit (the unit was
    # the only untreated one in some year) is refitted from scratch on the other units.
    for g in np.flatnonzero(np.isnan(reps[:, 0])):
        sub, _ = _prepare(*rows_of(fit.units[g]), n_u)
        if sub is not None:
            alt = _estimates(sub)
            reps[g] = pd.Series(alt, index=sub.bins).reindex(fit.bins).to_numpy()
    return (n_g - 1) / n_g * np.nansum((reps - est[None, :]) ** 2, axis=0)


def _impute_one(
    data: pd.DataFrame,
    practice: str,
    controls: list[str],
    unit: str,
    variance: str = "analytic",
) -> dict:
    """The imputation estimate of one practice and its standard errors, on usable rows."""
    y = data["rate"].to_numpy(float)
    w = data["denominator"].to_numpy(float)
    ucodes, ulev = pd.factorize(data[unit])
    n_u = len(ulev)
    years = data["year"].to_numpy(int)
    st = _adoption_status(data, practice, ucodes, n_u, years)
    ctrl = _controls(data, controls, unit)
    rows = ~st["always"][ucodes]
    out: dict[str, Any] = {
        "n_always_treated": int(st["always"].sum()),
        "n_adopters": int(st["adopter"].sum()),
        "n_ever": int((~st["never"]).sum()),
    }

    def rows_of(mask: np.ndarray) -> _Rows:
        return (y[mask], w[mask], ucodes[mask], years[mask], st["treated"][mask],
                st["event"][mask], ctrl[mask])  # fmt: skip

    fit, info = _prepare(*rows_of(rows), n_u)
    out.update(info)
    if fit is None:
        return out
    est = _estimates(fit)
    if not np.isfinite(est[0]):
        return out
    n_g = len(fit.units)
    if variance == "analytic":
        # The usual finite-cluster factor G / (G - 1), as in CR1.
        var = _analytic_se(fit, n_u) ** 2 * n_g / max(n_g - 1, 1)
    else:
        var = _jackknife_var(fit, est, lambda left_out: rows_of(rows & (ucodes != left_out)), n_u)
    out.update(
        estimate=est,
        se=np.sqrt(var),
        df=max(n_g - 1, 1),
        bins=fit.bins,
        n_units=(fit.wt > 0).sum(axis=0),
        n_switchers=int((fit.wt[:, 0] > 0).sum()),
    )
    return out
