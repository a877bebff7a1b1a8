"""Learning from variation: funnels, shrunken unit estimates, bright spots and equity gaps.

Every function takes a tidy frame (usually the long ``rates`` table: unit_id, year, group,
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
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from netlab._checks import check_argument
from netlab.exceptions import InputError, MeasureError
from netlab.intervals import newcombe_diff

__all__ = [
    "adjustment_note",
    "bright_spots",
    "case_mix",
    "constellation",
    "equity_gaps",
    "equity_trend",
    "funnel",
    "funnel_limits",
    "models_for_run",
    "newcombe_diff",
    "shrunken",
    "spread_ranking",
]

_RATE_COLUMNS = ("year", "group", "measure", "numerator", "denominator")


# --------------------------------------------------------------------------- common


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"The {what} lacks column(s) {missing}; it has {list(frame.columns)}.",
            table=what,
            column=missing[0],
            hint="Pass the rates table built by netlab.measures, or name the columns.",
        )


def _cell(
    rates: pd.DataFrame, *, measure: str, group: str, year: int | None, unit: str
) -> pd.DataFrame:
    """Rows of one measure, group and year (latest when None) with a positive denominator."""
    _require(rates, (unit, *_RATE_COLUMNS), "rates")
    rows = rates[(rates["measure"] == measure) & (rates["group"] == group)]
    if rows.empty:
        raise MeasureError(
            f"No rows for measure {measure!r} and group {group!r}.",
            table="rates",
            hint="Check the measure and group names against the rates table.",
        )
    if year is None:
        year = int(rows["year"].max())
    return _as_cell(rows[rows["year"] == year], unit)


def _as_cell(rows: pd.DataFrame, unit: str) -> pd.DataFrame:
    """One cell's rows in the standard column order.

    Rows without students (denominator 0) or with a censored numerator (a public file's
    "<5", read as missing) cannot be placed on a funnel or shrunk, and are left out.
    """
    rows = rows[(rows["denominator"] > 0) & rows["numerator"].notna()]
    out = rows[[unit, "year", "measure", "group", "numerator", "denominator"]].copy()
    out = out.rename(columns={unit: "unit_id"})
    out["numerator"] = out["numerator"].astype(float)
    out["denominator"] = out["denominator"].astype(float)
    out["rate"] = out["numerator"] / out["denominator"]
    return out.sort_values("unit_id").reset_index(drop=True)


def _years(rates: pd.DataFrame, measure: str, group: str) -> list[int]:
    rows = rates[(rates["measure"] == measure) & (rates["group"] == group)]
    return sorted(int(y) for y in rows["year"].dropna().unique())


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


# --------------------------------------------------------------------------- funnels


def _dispersion(
    y: np.ndarray, s: np.ndarray, target: float, method: str, winsor: tuple[float, float]
) -> tuple[np.ndarray, float, float]:
    """Raw z-scores, phi (winsorised) and the additive tau^2 (Spiegelhalter 2005)."""
    z = (y - target) / s
    k = len(z)
    if k == 0:
        return z, np.nan, np.nan
    lo, hi = np.quantile(z, winsor)
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    tau2 = 0.0
    if method == "additive" and k * phi > k - 1:
        w = 1 / s**2
        tau2 = float((k * phi - (k - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return z, phi, tau2


def _half_width(s: Any, z: float, method: str, phi: float, tau2: float) -> Any:
    if method == "additive":
        return z * np.sqrt(np.asarray(s) ** 2 + tau2)
    if method == "multiplicative":
        # limits are never made narrower than the binomial ones (phi < 1 is noise)
        return z * np.asarray(s) * np.sqrt(max(phi, 1.0))
    return z * np.asarray(s)


def funnel(
    rates: pd.DataFrame,
    *,
    measure: str,
    group: str = "focal",
    year: int | None = None,
    unit: str = "unit_id",
    limits: tuple[float, float] = (0.95, 0.998),
    method: str = "additive",
    target: float | None = None,
    winsor: tuple[float, float] = (0.1, 0.9),
) -> pd.DataFrame:
    """Funnel-plot statistics for one measure, group and year.

    Proportions are put on the arcsine-square-root scale, ``Y = asin(sqrt(p))`` with standard
    error ``s = 1 / (2 sqrt(n))``, around ``target = asin(sqrt(sum(y) / sum(n)))``. z-scores are
    winsorised at the 10th and 90th percentiles and ``phi = mean(z_w^2)``. With
    ``method="additive"`` and ``k phi > k - 1``, ``tau2 = (k phi - (k - 1)) / (sum(w) -
    sum(w^2) / sum(w))`` with ``w = 1/s^2`` widens the limits to ``target +- z sqrt(s^2 +
    tau2)``; ``"multiplicative"`` uses ``target +- z s sqrt(phi)`` (only when ``phi > 1``);
    ``"none"`` uses plain binomial limits. Limits are back-transformed with ``sin^2``.

    Parameters
    ----------
    rates : pandas.DataFrame
        The long rates table.
    measure, group : str
        Which measure and group.
    year : int, optional
        Year to plot; the latest year of that measure and group when None.
    unit : str
        Column naming the unit.
    limits : tuple of float
        Inner and outer coverage of the limits.
    method : {"additive", "multiplicative", "none"}
        Over-dispersion adjustment.
    target : float, optional
        Target rate; the pooled network rate when None.
    winsor : tuple of float
        Winsorising percentiles for the over-dispersion estimate.

    Returns
    -------
    pandas.DataFrame
        One row per unit: unit_id, year, measure, group, numerator, denominator, rate, z (raw),
        z_adj (over-dispersion adjusted), flag and flag95 ("above", "within", "below" at the
        outer and inner limit), lower95/upper95 and lower/upper (limits at the unit's
        denominator), and constant columns target, phi, tau2, method, k, inner, outer,
        kind ("proportion"). ``frame.attrs`` holds target, phi, tau2 and method too.
    """
    check_argument("method", ["additive", "multiplicative", "none"], method)
    cell = _cell(rates, measure=measure, group=group, year=year, unit=unit)
    n = cell["denominator"].to_numpy()
    p = cell["rate"].to_numpy()
    pooled = cell["numerator"].sum() / n.sum() if len(cell) else np.nan
    tgt_rate = pooled if target is None else float(target)
    tgt = np.arcsin(np.sqrt(tgt_rate))
    y = np.arcsin(np.sqrt(p))
    s = 1 / (2 * np.sqrt(n))
    z, phi, tau2 = _dispersion(y, s, tgt, method, winsor)
    return _funnel_frame(cell, z, s, y, tgt, tgt_rate, phi, tau2, method, limits, "proportion")


def _funnel_frame(
    cell: pd.DataFrame,
    z: np.ndarray,
    s: np.ndarray,
    y: np.ndarray,
    tgt: float,
    tgt_value: float,
    phi: float,
    tau2: float,
    method: str,
    limits: tuple[float, float],
    kind: str,
) -> pd.DataFrame:
    inner, outer = limits
    out = cell.copy()
    out["z"] = z
    scale = {"additive": np.sqrt(s**2 + tau2) / s, "multiplicative": np.sqrt(max(phi, 1.0))}
    out["z_adj"] = z / scale.get(method, 1.0) if len(z) else z
    back = _back(kind)
    for lvl, suffix in ((inner, "95"), (outer, "")):
        half = _half_width(s, _z(lvl), method, phi, tau2)
        out[f"lower{suffix}"] = back(tgt - half)
        out[f"upper{suffix}"] = back(tgt + half)
        zc = _z(lvl)
        out[f"flag{suffix}"] = np.where(
            out["z_adj"] > zc, "above", np.where(out["z_adj"] < -zc, "below", "within")
        )
    out["target"] = tgt_value
    out["phi"] = phi
    out["tau2"] = tau2
    out["method"] = method
    out["k"] = len(out)
    out["inner"] = inner
    out["outer"] = outer
    out["kind"] = kind
    out.attrs.update(target=tgt_value, phi=phi, tau2=tau2, method=method, kind=kind)
    return out


def _back(kind: str):
    if kind == "proportion":
        return lambda v: np.sin(np.clip(v, 0, np.pi / 2)) ** 2
    return lambda v: np.clip(v, 0, None) ** 2


def funnel_limits(result: pd.DataFrame, n_grid: Sequence[float] | None = None) -> pd.DataFrame:
    """Funnel limits over a grid of denominators, for drawing.

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`funnel` or :func:`case_mix` (one measure, group and year).
    n_grid : sequence of float, optional
        Denominators (expected counts for O/E funnels); 200 points spanning the data if None.

    Returns
    -------
    pandas.DataFrame
        Long frame: n, limit (coverage, e.g. 0.95), lower, upper, target.
    """
    _require(result, ("target", "phi", "tau2", "method"), "funnel")
    first = result.iloc[0]
    kind = first["kind"] if "kind" in result else "proportion"
    inner = first["inner"] if "inner" in result else 0.95
    outer = first["outer"] if "outer" in result else 0.998
    xcol = "denominator" if kind == "proportion" else "expected"
    if n_grid is None:
        x = result[xcol].to_numpy(dtype=float)
        lo = max(1.0, 0.5 * np.nanmin(x)) if kind == "proportion" else max(0.5, 0.5 * x.min())
        n_grid = np.geomspace(lo, 1.15 * np.nanmax(x), 200)
    n = np.asarray(n_grid, dtype=float)
    if kind == "proportion":
        tgt = np.arcsin(np.sqrt(first["target"]))
        s = 1 / (2 * np.sqrt(n))
    else:
        tgt, s = 1.0, 1 / (2 * np.sqrt(n))
    back = _back(kind)
    frames = []
    for lvl in (inner, outer):
        half = _half_width(s, _z(lvl), first["method"], first["phi"], first["tau2"])
        frames.append(
            pd.DataFrame(
                {
                    "n": n,
                    "limit": lvl,
                    "lower": back(tgt - half),
                    "upper": back(tgt + half),
                    "target": first["target"],
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    if kind == "proportion":
        out[["lower", "upper"]] = out[["lower", "upper"]].clip(0, 1)
    return out


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


def _shrink_continuous(
    data: pd.DataFrame, *, unit: str, value: str, covariates: Sequence[str], level: float
) -> pd.DataFrame:
    import statsmodels.formula.api as smf

    _require(data, (unit, value, *covariates), "data")
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
    _require(data, (unit, *_RATE_COLUMNS), "rates")
    rows = data
    for col, sel in (("measure", measure), ("group", group), ("year", year)):
        if sel is not None:
            sel = [sel] if isinstance(sel, str | int | np.integer) else list(sel)
            rows = rows[rows[col].isin(sel)]
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


# --------------------------------------------------------------------------- bright spots


def bright_spots(
    rates: pd.DataFrame,
    *,
    measure: str,
    group: str = "focal",
    years: Sequence[int] | None = None,
    last: int = 3,
    min_years: int = 2,
    direction: str = "higher",
    unit: str = "unit_id",
    level: float = 0.95,
    shrunk: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Units credibly better than the network on a measure for a group, year after year.

    The rule (one rule, applied the same way everywhere):

    1. pool each unit's counts over the ``last`` years (default the last 3) and compute its
       shrunken estimate (beta-binomial partial pooling, see :func:`shrunken`); its ``level``
       (95%) interval must lie entirely above the network's pooled rate over those years
       (below it when ``direction="lower"``); and
    2. its shrunken estimate must be better than the network's rate in at least ``min_years``
       (default 2) of those years taken one at a time.

    Pooling the years gives a school of 40 focal seniors a fair hearing without letting one
    lucky year count; shrinkage keeps small units near the network unless the evidence is
    strong; the year-by-year check asks for consistency.

    Parameters
    ----------
    rates : pandas.DataFrame
        The long rates table.
    measure, group : str
        Measure and group.
    years : sequence of int, optional
        Years to examine; the ``last`` latest years of the measure when None.
    last, min_years : int
        Window length and how many of its years must show the unit above the network.
    direction : {"higher", "lower"}
        Which side is better.
    unit : str
        Unit column.
    level : float
        Interval level.
    shrunk : pandas.DataFrame, optional
        Precomputed output of :func:`shrunken` covering this measure, group and years.

    Returns
    -------
    pandas.DataFrame
        One row per bright spot: unit_id, measure, group, first_year, last_year, numerator,
        denominator, rate (pooled), estimate, low, high (pooled shrunken estimate and
        interval), network_rate (pooled), years_better (years with the estimate better than
        the network), years_checked, years (those years, comma-separated), latest_rate,
        latest_estimate, latest_network_rate, rule. Empty (same columns) when there is none.
    """
    check_argument("direction", ["higher", "lower"], direction)
    if years is None:
        years = _years(rates, measure, group)[-last:]
    years = sorted(int(y) for y in years)
    if shrunk is None:
        shrunk = shrunken(rates, measure=measure, group=group, year=years, unit=unit, level=level)
    shrunk = shrunk[
        (shrunk["measure"] == measure) & (shrunk["group"] == group) & shrunk["year"].isin(years)
    ]
    cols = [
        "unit_id", "measure", "group", "first_year", "last_year", "numerator", "denominator",
        "rate", "estimate", "low", "high", "network_rate", "years_better", "years_checked",
        "years", "latest_rate", "latest_estimate", "latest_network_rate", "rule",
    ]  # fmt: skip
    rule = (
        f"pooled over {years[0]}-{years[-1]}, the {round(level * 100)}% interval of the "
        f"shrunken estimate lies {'above' if direction == 'higher' else 'below'} the network "
        f"rate, and the estimate is {'above' if direction == 'higher' else 'below'} the network "
        f"in at least {min_years} of {len(years)} years"
    )
    if shrunk.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    sign = 1 if direction == "higher" else -1
    yearly = shrunk.assign(
        _better=sign * (shrunk["estimate"] - shrunk["network_rate"]) > 0
    ).sort_values(["unit_id", "year"])
    sub = rates[
        (rates["measure"] == measure) & (rates["group"] == group) & rates["year"].isin(years)
    ]
    sub = sub[sub["numerator"].notna() & (sub["denominator"] > 0)]  # censored years left out
    if sub.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    pooled = sub.groupby(unit, as_index=False)[["numerator", "denominator"]].sum()
    pooled = pooled.assign(year=0, measure=measure, group=group)
    fit = _shrink_binary(_cell(pooled, measure=measure, group=group, year=0, unit=unit), level)
    if direction == "higher":
        credible = fit["low"] > fit["network_rate"]
    else:
        credible = fit["high"] < fit["network_rate"]
    by_unit = yearly.groupby("unit_id")
    n_better = by_unit["_better"].sum()
    fit = fit.assign(years_better=fit["unit_id"].map(n_better).fillna(0).astype(int))
    hits = fit[credible & (fit["years_better"] >= min_years)]
    if hits.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    latest = by_unit.tail(1).set_index("unit_id")
    better_years = (
        yearly[yearly["_better"]]
        .groupby("unit_id")["year"]
        .agg(lambda s: ", ".join(str(int(y)) for y in s))
    )
    out = hits.assign(
        first_year=years[0],
        last_year=years[-1],
        years_checked=len(years),
        years=hits["unit_id"].map(better_years),
        latest_rate=hits["unit_id"].map(latest["rate"]),
        latest_estimate=hits["unit_id"].map(latest["estimate"]),
        latest_network_rate=hits["unit_id"].map(latest["network_rate"]),
        rule=rule,
    )
    return out[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- spread


def constellation(
    rates: pd.DataFrame,
    *,
    measure: str,
    group: str = "focal",
    unit: str = "unit_id",
    shrunk: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per year: the network rate and the spread between units for one measure and group.

    Returns
    -------
    pandas.DataFrame
        year, measure, group, network_rate, tau (between-unit SD of true rates, rate scale),
        tau_low, tau_high, q25, median, q75, iqr (of the shrunken estimates), n_units,
        numerator, denominator.
    """
    if shrunk is None:
        shrunk = shrunken(rates, measure=measure, group=group, unit=unit)
    else:
        shrunk = shrunk[(shrunk["measure"] == measure) & (shrunk["group"] == group)]
    rows = []
    for year, cell in shrunk.groupby("year", sort=True):
        q25, med, q75 = np.quantile(cell["estimate"], [0.25, 0.5, 0.75])
        first = cell.iloc[0]
        rows.append(
            {
                "year": int(year),
                "measure": measure,
                "group": group,
                "network_rate": first["network_rate"],
                "tau": first["tau"],
                "tau_low": first["tau_low"],
                "tau_high": first["tau_high"],
                "q25": q25,
                "median": med,
                "q75": q75,
                "iqr": q75 - q25,
                "n_units": len(cell),
                "numerator": cell["numerator"].sum(),
                "denominator": cell["denominator"].sum(),
            }
        )
    return pd.DataFrame(rows)


def spread_ranking(
    rates: pd.DataFrame,
    *,
    group: str = "focal",
    year: int | None = None,
    measures: Sequence[str] | None = None,
    unit: str = "unit_id",
    shrunk: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Measures ranked by between-unit spread for a group: where the network varies most.

    Parameters
    ----------
    rates : pandas.DataFrame
        The long rates table.
    group : str
        Group.
    year : int, optional
        Year; each measure's latest year when None.
    measures : sequence of str, optional
        Measures to rank; all in ``rates`` when None.
    unit : str
        Unit column.
    shrunk : pandas.DataFrame, optional
        Precomputed :func:`shrunken` output covering these measures and years.

    Returns
    -------
    pandas.DataFrame
        rank (1 = most spread), measure, year, tau, tau_low, tau_high (between-unit SD of true
        rates), iqr (of shrunken estimates), network_rate, n_units; sorted by rank.
    """
    if measures is None:
        measures = sorted(rates.loc[rates["group"] == group, "measure"].unique())
    rows = []
    for m in measures:
        yrs = _years(rates, m, group)
        if not yrs:
            continue
        y = yrs[-1] if year is None else year
        if shrunk is not None:
            cell = shrunk[(shrunk["measure"] == m) & (shrunk["group"] == group)]
            cell = cell[cell["year"] == y]
        else:
            cell = pd.DataFrame()
        if cell.empty:
            if not (rates["year"] == y).any():
                continue
            cell = _shrink_binary(_cell(rates, measure=m, group=group, year=y, unit=unit), 0.95)
        if cell.empty:
            continue
        q25, q75 = np.quantile(cell["estimate"], [0.25, 0.75])
        first = cell.iloc[0]
        rows.append(
            {
                "measure": m,
                "year": int(y),
                "tau": first["tau"],
                "tau_low": first["tau_low"],
                "tau_high": first["tau_high"],
                "iqr": q75 - q25,
                "network_rate": first["network_rate"],
                "n_units": len(cell),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "measure",
            "year",
            "tau",
            "tau_low",
            "tau_high",
            "iqr",
            "network_rate",
            "n_units",
        ],
    )
    out = out.sort_values("tau", ascending=False).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


# --------------------------------------------------------------------------- equity gaps


def equity_gaps(
    rates: pd.DataFrame,
    *,
    measure: str,
    focal: str = "focal",
    reference: str = "rest",
    years: Sequence[int] | None = None,
    unit: str = "unit_id",
    level: float = 0.95,
) -> pd.DataFrame:
    """Gap between the focal group and a reference within each unit and year.

    Parameters
    ----------
    rates : pandas.DataFrame
        The long rates table.
    measure : str
        Measure.
    focal : str
        Focal group.
    reference : str
        ``"rest"`` (the unit's students outside the focal group: "all" minus focal counts)
        or any group name (e.g. ``"all"`` or ``"white"``).
    years : sequence of int, optional
        Years to keep; all when None.
    unit : str
        Unit column.
    level : float
        Interval level (Newcombe's hybrid score interval, method 10).

    Returns
    -------
    pandas.DataFrame
        unit_id, year, measure, focal_numerator, focal_denominator, focal_rate,
        ref_numerator, ref_denominator, ref_rate, gap_pp (focal minus reference, points),
        low_pp, high_pp, reference.
    """
    _require(rates, (unit, *_RATE_COLUMNS), "rates")
    rows = rates[rates["measure"] == measure]
    if years is not None:
        rows = rows[rows["year"].isin(list(years))]
    keys = [unit, "year"]
    f = rows[rows["group"] == focal].set_index(keys)[["numerator", "denominator"]]
    ref_group = "all" if reference == "rest" else reference
    r = rows[rows["group"] == ref_group].set_index(keys)[["numerator", "denominator"]]
    if f.empty or r.empty:
        raise MeasureError(
            f"No rows for groups {focal!r} and {ref_group!r} of measure {measure!r}.",
            table="rates",
        )
    both = f.merge(r, left_index=True, right_index=True, suffixes=("_f", "_r")).astype(float)
    if reference == "rest":
        both["numerator_r"] -= both["numerator_f"]
        both["denominator_r"] -= both["denominator_f"]
    both = both[(both["denominator_f"] > 0) & (both["denominator_r"] > 0)].dropna()
    d, lo, hi = newcombe_diff(
        both["numerator_f"],
        both["denominator_f"],
        both["numerator_r"],
        both["denominator_r"],
        level=level,
    )
    out = pd.DataFrame(
        {
            "unit_id": both.index.get_level_values(0),
            "year": both.index.get_level_values(1).astype(int),
            "measure": measure,
            "focal_numerator": both["numerator_f"].to_numpy(),
            "focal_denominator": both["denominator_f"].to_numpy(),
            "focal_rate": (both["numerator_f"] / both["denominator_f"]).to_numpy(),
            "ref_numerator": both["numerator_r"].to_numpy(),
            "ref_denominator": both["denominator_r"].to_numpy(),
            "ref_rate": (both["numerator_r"] / both["denominator_r"]).to_numpy(),
            "gap_pp": 100 * d,
            "low_pp": 100 * lo,
            "high_pp": 100 * hi,
            "reference": reference,
        }
    )
    return out.sort_values(["unit_id", "year"]).reset_index(drop=True)


def equity_trend(gaps: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Trend of each unit's equity gap over years (weighted least squares).

    Each year's gap is weighted by the inverse of its variance (from the interval width);
    the slope is in percentage points per year and needs at least three years.

    Parameters
    ----------
    gaps : pandas.DataFrame
        Output of :func:`equity_gaps`.
    level : float
        Interval level of the slope.

    Returns
    -------
    pandas.DataFrame
        unit_id, measure, first_year, last_year, n_years, first_gap_pp, last_gap_pp,
        slope_pp_per_year, slope_low, slope_high, direction ("narrowing", "widening",
        "no clear change"; narrowing means the gap moves toward zero).
    """
    z = _z(level)
    g = gaps.sort_values(["unit_id", "measure", "year"])
    se = ((g["high_pp"] - g["low_pp"]) / (2 * _z(0.95))).clip(lower=1e-6)
    x = g["year"].astype(float)
    w = 1 / se**2
    d = pd.DataFrame(
        {
            "unit_id": g["unit_id"],
            "measure": g["measure"],
            "w": w,
            "wx": w * x,
            "wy": w * g["gap_pp"],
            "wxx": w * x * x,
            "wxy": w * x * g["gap_pp"],
        }
    )
    keys = ["unit_id", "measure"]
    sums = d.groupby(keys, sort=True).sum()
    by = g.groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "first_year": by["year"].first().astype(int),
            "last_year": by["year"].last().astype(int),
            "n_years": by["year"].size(),
            "first_gap_pp": by["gap_pp"].first(),
            "last_gap_pp": by["gap_pp"].last(),
        }
    )
    sxx = sums["wxx"] - sums["wx"] ** 2 / sums["w"]
    sxy = sums["wxy"] - sums["wx"] * sums["wy"] / sums["w"]
    ok = (out["n_years"] >= 3) & (sxx > 0)
    slope = (sxy / sxx).where(ok)
    half = z * np.sqrt(1 / sxx.where(ok))
    out["slope_pp_per_year"] = slope
    out["slope_low"] = slope - half
    out["slope_high"] = slope + half
    mean_gap = sums["wy"] / sums["w"]
    clear = (out["slope_low"] > 0) | (out["slope_high"] < 0)
    toward_zero = np.sign(slope) != np.sign(mean_gap)
    out["direction"] = np.where(
        clear, np.where(toward_zero, "narrowing", "widening"), "no clear change"
    )
    return out.reset_index()


# --------------------------------------------------------------------------- case mix

_DEFAULT_COVARIATES = ("low_income", "race_ethnicity", "english_learner", "first_gen", "gpa")


def adjustment_note(has_students: bool) -> str:
    """Plain-language note on whether school comparisons are adjusted for case mix.

    Parameters
    ----------
    has_students : bool
        Whether the run has student records.

    Returns
    -------
    str
        A sentence a report can print beside funnels and bright spots.
    """
    if has_students:
        return (
            "Observed/expected ratios are adjusted for the mix of students each school serves "
            "(low-income, race/ethnicity, English learner, first-generation and GPA where "
            "recorded), using one model fitted across the whole network. Rates, funnels and "
            "shrunken estimates are not adjusted."
        )
    return (
        "These figures are unadjusted: this run has school-level counts only, so differences "
        "between schools may partly reflect the students they serve rather than their practice."
    )


def case_mix(
    students: pd.DataFrame,
    *,
    outcome: str | pd.Series,
    covariates: Sequence[str] = _DEFAULT_COVARIATES,
    unit: str = "school_id",
    where: str | pd.Series | None = None,
    limits: tuple[float, float] = (0.95, 0.998),
    method: str = "additive",
    level: float = 0.95,
) -> pd.DataFrame:
    """Case-mix-adjusted observed/expected ratios per unit, with a funnel on O/E.

    A logistic model of the student outcome on the covariates present in ``students`` is
    fitted across the network; each unit's expected count is the sum of its students'
    predicted probabilities. O/E intervals are exact Poisson (Garwood) intervals on O divided
    by E. The funnel uses ``Y = sqrt(O/E)`` with ``s = 1/(2 sqrt(E))`` around 1 and the same
    over-dispersion handling as :func:`funnel`.

    Parameters
    ----------
    students : pandas.DataFrame
        One row per student.
    outcome : str or pandas.Series
        Boolean outcome column name, or a boolean Series aligned with ``students``.
    covariates : sequence of str
        Candidate covariates; those absent from ``students`` are skipped. Text columns are
        categorical; a numeric column with missing values gets a missing-indicator.
    unit : str
        Unit column in ``students``.
    where : str or pandas.Series, optional
        Boolean column name or Series selecting the rows in the measure's denominator and
        group (e.g. focal students).
    limits, method
        As for :func:`funnel`.
    level : float
        Interval level of the O/E ratios.

    Returns
    -------
    pandas.DataFrame
        unit_id, denominator, observed, expected, oe, low, high, z, z_adj, flag, flag95,
        lower95, upper95, lower, upper, target (1), phi, tau2, method, k, inner, outer,
        kind ("ratio"). ``attrs`` hold the covariates used.
    """
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    check_argument("method", ["additive", "multiplicative", "none"], method)
    y = students[outcome] if isinstance(outcome, str) else outcome
    rows = pd.Series(True, index=students.index)
    if where is not None:
        rows = students[where] if isinstance(where, str) else where
    rows = rows.fillna(False).astype(bool) & y.notna()
    data = students.loc[rows]
    yv = y.loc[rows].astype(float).to_numpy()
    used = [c for c in covariates if c in data.columns]
    parts = []
    for c in used:
        col = data[c]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            num = col.astype(float)
            if num.isna().any():
                parts.append(num.isna().astype(float).rename(f"{c}_missing"))
                num = num.fillna(num.mean() if num.notna().any() else 0.0)
            parts.append(num.rename(c))
        else:
            parts.append(pd.get_dummies(col.astype(str), prefix=c, drop_first=True, dtype=float))
    x = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=data.index)
    x = x.loc[:, x.std() > 0]
    x.insert(0, "const", 1.0)
    fit = GLM(yv, x.to_numpy(), family=families.Binomial()).fit()
    p = fit.predict(x.to_numpy())
    per = (
        pd.DataFrame({"unit_id": data[unit].to_numpy(), "o": yv, "e": p})
        .groupby("unit_id", sort=True)
        .agg(denominator=("o", "size"), observed=("o", "sum"), expected=("e", "sum"))
        .reset_index()
    )
    o, e = per["observed"].to_numpy(), per["expected"].to_numpy()
    alpha = 1 - level
    per["oe"] = o / e
    per["low"] = np.where(o > 0, stats.chi2.ppf(alpha / 2, 2 * o) / 2, 0.0) / e
    per["high"] = stats.chi2.ppf(1 - alpha / 2, 2 * (o + 1)) / 2 / e
    s = 1 / (2 * np.sqrt(e))
    yt = np.sqrt(per["oe"].to_numpy())
    z, phi, tau2 = _dispersion(yt, s, 1.0, method, (0.1, 0.9))
    out = _funnel_frame(per, z, s, yt, 1.0, 1.0, phi, tau2, method, limits, "ratio")
    out.attrs["covariates"] = list(x.columns[1:])
    return out


# --------------------------------------------------------------------------- for a run


def _direction(prepared: Any, measure: str) -> str:
    meas = getattr(prepared, "measures", None)
    if isinstance(meas, pd.DataFrame) and {"measure", "direction"} <= set(meas.columns):
        hit = meas.loc[meas["measure"] == measure, "direction"]
        if len(hit) and hit.iloc[0] in ("higher", "lower"):
            return str(hit.iloc[0])
    return "lower" if measure == "summer_melt" else "higher"


def _suppress(frame: pd.DataFrame, min_cell: int, columns: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    small = np.zeros(len(out), dtype=bool)
    for c in columns:
        small |= out[c].to_numpy(dtype=float) < min_cell
    out["suppressed"] = small
    return out


def _case_mix_for_run(prepared: Any, measure: str, group: str) -> pd.DataFrame | None:
    """O/E for the run's focal measure and group in the latest year of student records."""
    from netlab import measures as registry_module
    from netlab.conditions import evaluate

    reg = registry_module.registry(prepared.params)
    m = reg.get(measure)
    g = reg.groups.get(group)
    if m is None or g is None or m.from_counts or m.table not in prepared.tables:
        return None
    students = prepared.tables[m.table]
    year_col = m.year_column or "grad_year"
    latest = students[year_col].max()
    frame = students[students[year_col] == latest]
    rows = evaluate(m.denominator, frame, reg.constants) & evaluate(
        g.condition, frame, reg.constants
    )
    outcome = pd.Series(evaluate(m.numerator, frame, reg.constants), index=frame.index)
    units = registry_module.unit_map(prepared.tables["schools"], prepared.params)
    frame = frame.assign(
        _unit=frame["school_id"].astype(str).map(units.set_index("school_id")["unit_id"])
    )
    result = case_mix(
        frame, outcome=outcome, unit="_unit", where=pd.Series(rows, index=frame.index)
    )
    return result.assign(year=int(latest), measure=measure, group=group)


def models_for_run(prepared: Any) -> dict[str, pd.DataFrame]:
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
                rates, measure=m, group=group, direction=_direction(prepared, m), shrunk=shrunk
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
            cm = _case_mix_for_run(prepared, str(getattr(params, "focal_measure", "")), group)
        except (ValueError, np.linalg.LinAlgError) as err:  # e.g. a singular design
            warnings.warn(f"Case-mix adjustment skipped: {err}", stacklevel=2)
            cm = None
        if cm is not None and len(cm):
            out["case_mix"] = _suppress(cm, min_cell, ["denominator"])
            out["case_mix_limits"] = funnel_limits(cm)
    out["adjustment"] = pd.DataFrame(
        {
            "has_students": [bool(prepared.has_students)],
            "note": [adjustment_note(bool(prepared.has_students))],
        }
    )
    return out
