"""Shrunken (partially pooled) unit estimates: beta-binomial for rates, MixedLM otherwise.

Rates use a beta-binomial random-intercept model per measure, group and year. The
hyper-parameters (the typical unit's rate and the between-unit spread) are integrated over a
grid of their posterior (prior uniform on the mean and on ``1/sqrt(a + b)``, as in Gelman et
al., *Bayesian Data Analysis*, ch. 5), so a network of few units does not get over-confident
intervals when the spread is poorly known. Continuous outcomes use a linear random-intercept
model fitted by REML (``statsmodels`` MixedLM); estimates are the BLUPs with their
conditional standard deviations. :func:`shrunken` is re-exported by :mod:`netlab.variation`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from netlab.checks import check_argument, check_columns
from netlab.exceptions import MeasureError
from netlab.variation._funnel import _COLUMNS_HINT, _RATE_COLUMNS, _as_cell, _z

# --------------------------------------------------------------------------- shrinkage


def _bb_logpost(y: np.ndarray, n: np.ndarray, m: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Beta-binomial log marginal likelihood (plus the logit-m Jacobian) on a grid."""
    big = 1 / u**2
    a = (m * big)[:, None]
    b = ((1 - m) * big)[:, None]
    ll = special.betaln(a + y[None, :], b + (n - y)[None, :]) - special.betaln(a, b)
    return ll.sum(axis=1) + np.log(m * (1 - m))


def _bb_grid(
    y: np.ndarray, n: np.ndarray, size: int = 17
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior grid over (m, u) with u = 1/sqrt(a + b); returns m, u and weights."""
    total = n.sum()
    pbar = np.clip(y.sum() / total, 0.5 / total, 1 - 0.5 / total)
    lm0 = special.logit(pbar)
    lm_lo, lm_hi, u_lo, u_hi = lm0 - 3.0, lm0 + 3.0, 0.0, 1.0
    # three passes: a wide grid, then two zooms onto where the posterior has mass
    for stage in range(3):
        lm_axis = np.linspace(lm_lo, lm_hi, size)
        du = (u_hi - u_lo) / size
        u_axis = u_lo + (np.arange(size) + 0.5) * du  # midpoints: u = 0 is never exact
        lm, u = (g.ravel() for g in np.meshgrid(lm_axis, u_axis, indexing="ij"))
        m = special.expit(lm)
        lp = _bb_logpost(y, n, m, u)
        if stage == 2:
            break
        keep = lp > lp.max() - 16
        dlm = lm_axis[1] - lm_axis[0]
        if u[keep].max() >= u_axis[-1] and stage == 0:  # mass at the edge: widen
            u_hi *= 3.0
            continue
        lm_lo, lm_hi = lm[keep].min() - dlm, lm[keep].max() + dlm
        u_lo, u_hi = max(0.0, u[keep].min() - du), u[keep].max() + du
    w = np.exp(lp - lp.max())
    w /= w.sum()
    order = np.argsort(w)[::-1]
    keep = order[: int(np.searchsorted(np.cumsum(w[order]), 1 - 1e-3)) + 1]
    return m[keep], u[keep], w[keep] / w[keep].sum()


def _mixture_quantiles(
    a: np.ndarray, b: np.ndarray, w: np.ndarray, probs: Sequence[float]
) -> list[np.ndarray]:
    """Quantiles of per-unit mixtures of Beta(a[g, i], b[g, i]) with weights w[g].

    Safeguarded Newton steps on the mixture CDF (bisection whenever a step would leave the
    current bracket), started from a normal approximation; converges in a few steps.
    """
    wc = w[:, None]
    mean = (wc * a / (a + b)).sum(axis=0)
    second = (wc * a * (a + 1) / ((a + b) * (a + b + 1))).sum(axis=0)
    sd = np.sqrt(np.clip(second - mean**2, 1e-12, None))
    log_beta = special.betaln(a, b)
    # Where the components barely differ (between-component SD under 5% of the within SD,
    # as when many units pin the hyper-parameters down) the mixture is a Beta to within
    # rounding: match its mean and variance and invert that Beta directly.
    comp_var = a * b / ((a + b) ** 2 * (a + b + 1))
    within = (wc * comp_var).sum(axis=0)
    close = sd**2 - within < 0.0025 * within
    common = mean * (1 - mean) / sd**2 - 1
    out = []
    for q in probs:
        lo = np.clip(mean - 10 * sd, 0.0, 1.0)
        hi = np.clip(mean + 10 * sd, 0.0, 1.0)
        x = np.clip(mean + sd * stats.norm.ppf(q), lo + 1e-12, hi - 1e-12)
        if close.any():
            x[close] = special.betaincinv(
                mean[close] * common[close], (1 - mean[close]) * common[close], q
            )
        active = np.flatnonzero(~close)  # units still moving
        for _ in range(40):
            aa, bb, xa = a[:, active], b[:, active], x[active]
            xx = xa[None, :]
            f = (wc * special.betainc(aa, bb, xx)).sum(axis=0) - q
            with np.errstate(divide="ignore"):
                logd = (aa - 1) * np.log(xx) + (bb - 1) * np.log1p(-xx) - log_beta[:, active]
            dens = (wc * np.exp(logd)).sum(axis=0)
            la = np.where(f < 0, xa, lo[active])
            ha = np.where(f < 0, hi[active], xa)
            lo[active], hi[active] = la, ha
            with np.errstate(divide="ignore", invalid="ignore"):
                step = xa - f / dens
            bad = ~np.isfinite(step) | (step < la) | (step > ha)
            new = np.where(bad, (la + ha) / 2, step)
            new = np.where(np.abs(f) < 1e-10, xa, new)  # converged: stay put
            x[active] = new
            active = active[np.abs(new - xa) >= 1e-9]
            if active.size == 0:
                break
        out.append(x)
    return out


def _shrink_binary(cell: pd.DataFrame, level: float) -> pd.DataFrame:
    y = cell["numerator"].to_numpy(dtype=float)
    n = cell["denominator"].to_numpy(dtype=float)
    out = cell.copy()
    if len(cell) == 0:
        for c in ("estimate", "low", "high", "network_rate", "tau", "tau_low", "tau_high", "icc"):
            out[c] = pd.Series(dtype=float)
        out["n_units"] = pd.Series(dtype=int)
        return out
    m, u, w = _bb_grid(y, n)
    big = 1 / u**2
    a = (m * big)[:, None] + y[None, :]
    b = ((1 - m) * big)[:, None] + (n - y)[None, :]
    alpha = (1 - level) / 2
    out["estimate"] = (w[:, None] * a / (a + b)).sum(axis=0)
    out["low"], out["high"] = _mixture_quantiles(a, b, w, (alpha, 1 - alpha))
    out["network_rate"] = y.sum() / n.sum()
    icc = 1 / (big + 1)
    sd = np.sqrt(m * (1 - m) * icc)
    order = np.argsort(sd)
    cum = np.cumsum(w[order])
    out["tau"] = float((w * sd).sum())
    out["tau_low"] = float(sd[order][np.searchsorted(cum, alpha)])
    out["tau_high"] = float(sd[order][min(np.searchsorted(cum, 1 - alpha), len(cum) - 1)])
    out["icc"] = float((w * icc).sum())
    out["typical_rate"] = float((w * m).sum())
    out["n_units"] = len(cell)
    return out


def _top_probability(y: np.ndarray, n: np.ndarray, *, share: float, direction: str) -> np.ndarray:
    """Posterior probability that each unit's true rate is in the network's best ``share``.

    Under the beta-binomial model of :func:`shrunken` (hyper-parameters integrated over
    their grid posterior): the probability that the unit's true rate lies beyond the
    ``share`` quantile of the network's distribution of true rates (above the 90th
    percentile for ``share=0.1``; below the 10th when lower is better). An exact mixture
    of incomplete-beta tails, with no simulation.
    """
    m, u, w = _bb_grid(y, n)
    big = 1 / u**2
    a0, b0 = m * big, (1 - m) * big
    a = a0[:, None] + y[None, :]
    b = b0[:, None] + (n - y)[None, :]
    if direction == "higher":
        tail = 1 - special.betainc(a, b, special.betaincinv(a0, b0, 1 - share)[:, None])
    else:
        tail = special.betainc(a, b, special.betaincinv(a0, b0, share)[:, None])
    return (w[:, None] * tail).sum(axis=0)


def _shrink_continuous(
    data: pd.DataFrame, *, unit: str, value: str, covariates: Sequence[str], level: float
) -> pd.DataFrame:
    import statsmodels.formula.api as smf

    check_columns(data, (unit, value, *covariates), what="data", hint=_COLUMNS_HINT)
    frame = data[[unit, value, *covariates]].dropna().rename(columns={value: "_y"})
    rhs = " + ".join(covariates) if covariates else "1"
    fit = smf.mixedlm(f"_y ~ {rhs}", frame, groups=frame[unit]).fit(reml=True)
    tau2 = float(fit.cov_re.iloc[0, 0])
    sigma2 = float(fit.scale)
    blups = fit.random_effects
    cond = fit.random_effects_cov
    z = _z(level)
    units = list(blups)
    u = np.array([float(np.asarray(blups[g])[0]) for g in units])
    sd = np.sqrt([float(np.asarray(cond[g])[0, 0]) for g in units])
    intercept = float(fit.fe_params.iloc[0])
    stats_ = frame.groupby(unit)["_y"].agg(["size", "mean"])
    out = pd.DataFrame({"unit_id": units, "blup": u, "cond_sd": sd})
    out["n"] = stats_.loc[units, "size"].to_numpy()
    out["mean"] = stats_.loc[units, "mean"].to_numpy()
    out["estimate"] = intercept + u
    out["low"] = out["estimate"] - z * sd
    out["high"] = out["estimate"] + z * sd
    out["intercept"] = intercept
    out["tau"] = np.sqrt(tau2)
    out["sigma"] = np.sqrt(sigma2)
    out["icc"] = tau2 / (tau2 + sigma2)
    out.attrs.update(tau2=tau2, sigma2=sigma2, converged=bool(fit.converged))
    return out


def shrunken(
    data: pd.DataFrame,
    *,
    outcome: str = "binary",
    measure: str | Sequence[str] | None = None,
    group: str | None = "focal",
    year: int | Sequence[int] | None = None,
    unit: str = "unit_id",
    value: str = "value",
    covariates: Sequence[str] = (),
    level: float = 0.95,
) -> pd.DataFrame:
    """Shrunken (partially pooled) unit estimates with intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        For ``outcome="binary"`` the rates table; for ``"continuous"`` one row per
        observation with a unit column and a numeric ``value`` column.
    outcome : {"binary", "continuous"}
        Binary: a beta-binomial random-intercept model fitted separately per measure, group
        and year (hyper-parameters integrated over their grid posterior). Continuous: a linear
        random-intercept model ``value ~ covariates + (1 | unit)`` fitted by REML.
    measure : str or sequence, optional
        Measure(s) to model (binary only); every measure when None.
    group : str, optional
        Group to model (binary only); every group when None.
    year : int or sequence, optional
        Year(s) to model (binary only); every year when None.
    unit : str
        Unit column.
    value : str
        Outcome column (continuous only).
    covariates : sequence of str
        Fixed-effect covariates (continuous only).
    level : float
        Interval level.

    Returns
    -------
    pandas.DataFrame
        Binary: unit_id, year, measure, group, numerator, denominator, rate, estimate, low,
        high (posterior mean and equal-tailed interval of the unit's true rate), network_rate
        (pooled), tau (between-unit SD of true rates, rate scale) with tau_low/tau_high,
        icc (beta-binomial intra-class correlation 1/(a+b+1)), typical_rate, n_units.
        Continuous: unit_id, n, mean, blup, cond_sd, estimate (intercept + BLUP), low, high
        (estimate +- z conditional SD), intercept, tau, sigma, icc; ``attrs`` hold tau2 and
        sigma2.
    """
    check_argument("outcome", ["binary", "continuous"], outcome)
    if outcome == "continuous":
        return _shrink_continuous(
            data, unit=unit, value=value, covariates=list(covariates), level=level
        )
    check_columns(data, (unit, *_RATE_COLUMNS), what="rates", hint=_COLUMNS_HINT)
    rows = data
    for col, sel in (("measure", measure), ("group", group), ("year", year)):
        if sel is not None:
            chosen = [sel] if isinstance(sel, str | int | np.integer) else list(sel)
            rows = rows[rows[col].isin(chosen)]
    frames = []
    for _, part in rows.groupby(["measure", "group", "year"], sort=True):
        cell = _as_cell(part, unit)
        if len(cell):
            frames.append(_shrink_binary(cell, level))
    if not frames:
        raise MeasureError(
            f"No rows with a positive denominator for measure={measure!r}, group={group!r}, "
            f"year={year!r}.",
            table="rates",
        )
    return pd.concat(frames, ignore_index=True)
