"""Funnel-plot statistics, and the helpers every variation module shares.

Funnel plots follow Spiegelhalter (2005), "Handling over-dispersion of performance
indicators": proportions on the arcsine-square-root scale, winsorised z-scores, an additive
(random-effects) or multiplicative over-dispersion adjustment. The shared helpers check a
frame's columns and pick one cell (measure, group, year) of the long rates table.
Public names are re-exported by :mod:`netlab.variation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from netlab.checks import check_argument, check_columns
from netlab.exceptions import MeasureError
from netlab.variation._exact import Dist, binomial_mixture, mixture_nodes, quantile_limits

_RATE_COLUMNS = ("year", "group", "measure", "numerator", "denominator")


# --------------------------------------------------------------------------- common


#: What to do when a frame passed here lacks a column.
_COLUMNS_HINT = "Pass the rates table built by netlab.measures, or name the columns."


def _cell(
    rates: pd.DataFrame, *, measure: str, group: str, year: int | None, unit: str
) -> pd.DataFrame:
    """Rows of one measure, group and year (latest when None) with a positive denominator."""
    check_columns(rates, (unit, *_RATE_COLUMNS), what="rates", hint=_COLUMNS_HINT)
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
    exact_below: float = np.inf,
) -> pd.DataFrame:
    """Funnel-plot statistics for one measure, group and year.

    Proportions are put on the arcsine-square-root scale, ``Y = asin(sqrt(p))`` with standard
    error ``s = 1 / (2 sqrt(n))``, around ``target = asin(sqrt(sum(y) / sum(n)))``. z-scores are
    winsorised at the 10th and 90th percentiles and ``phi = mean(z_w^2)``. With
    ``method="additive"`` and ``k phi > k - 1``, ``tau2 = (k phi - (k - 1)) / (sum(w) -
    sum(w^2) / sum(w))`` with ``w = 1/s^2`` widens the limits to ``target +- z sqrt(s^2 +
    tau2)``; ``"multiplicative"`` uses ``target +- z s sqrt(phi)`` (only when ``phi > 1``);
    ``"none"`` uses plain binomial limits. Limits are back-transformed with ``sin^2``.

    The normal approximation fails for small groups and rates near 0 or 1, so by default the
    limits and flags are exact instead: the count quantiles of Binomial(n, target), averaged
    over the over-dispersion on the arcsine scale (see :mod:`netlab.variation._exact`), so each limit
    flags a null unit with at most its nominal probability. For large groups they agree
    with the normal ones; ``exact_below`` keeps the normal formulas for units whose smaller
    expected count, ``min(n target, n (1 - target))``, is at least that number (0: the
    published formulas for every unit).

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
    exact_below : float
        Smaller expected count under which a unit gets exact limits; ``inf`` (default)
        always, 0 never.

    Returns
    -------
    pandas.DataFrame
        One row per unit: unit_id, year, measure, group, numerator, denominator, rate, z (raw),
        z_adj (over-dispersion adjusted), flag and flag95 ("above", "within", "below" at the
        outer and inner limit), lower95/upper95 and lower/upper (limits at the unit's
        denominator), exact (whether they are exact count limits), and constant columns
        target, phi, tau2, method, k, inner, outer, exact_below, kind ("proportion").
        ``frame.attrs`` holds target, phi, tau2 and method too.
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
    out = _funnel_frame(cell, z, s, y, tgt, tgt_rate, phi, tau2, method, limits, "proportion")
    small = _needs_exact(n, tgt_rate, exact_below)
    if small.any():
        dist = _proportion_dist(n[small], tgt, s[small], method, phi, tau2)
        _apply_exact(out, small, cell["numerator"].to_numpy()[small], n[small], dist)
    return out.assign(exact=small, exact_below=float(exact_below))


def _needs_exact(n: np.ndarray, rate: float, below: float) -> np.ndarray:
    """Units whose smaller expected count (events or non-events) is under ``below``."""
    n = np.asarray(n, dtype=float)
    if not np.isfinite(rate):
        return np.zeros(len(n), dtype=bool)
    return np.minimum(n * rate, n * (1 - rate)) < below


def _extra_sd(s: np.ndarray, method: str, phi: float, tau2: float) -> np.ndarray:
    """SD of the true value around the target on the funnel's scale (over-dispersion)."""
    if method == "additive":
        return np.full(len(s), np.sqrt(max(tau2, 0.0)))
    if method == "multiplicative":
        return np.asarray(s) * np.sqrt(max(phi, 1.0) - 1.0)
    return np.zeros(len(s))


def _proportion_dist(
    n: np.ndarray, tgt: float, s: np.ndarray, method: str, phi: float, tau2: float
) -> Dist:
    extra = _extra_sd(s, method, phi, tau2)
    u = mixture_nodes()[0] if extra.any() else np.zeros(1)
    theta = np.sin(np.clip(tgt + extra[:, None] * u[None, :], 0, np.pi / 2)) ** 2
    return binomial_mixture(n, theta)


def _apply_exact(
    out: pd.DataFrame,
    rows: np.ndarray,
    count: np.ndarray,
    size: np.ndarray,
    dist: Dist,
) -> None:
    """Overwrite the limits and flags of ``rows`` with exact count limits (in place)."""
    idx = out.index[rows]
    clip_hi = 1.0 if out["kind"].iloc[0] == "proportion" else np.inf
    for lvl, suffix in ((out["inner"].iloc[0], "95"), (out["outer"].iloc[0], "")):
        lower, upper, r_low, r_high = quantile_limits(dist, float(lvl))
        out.loc[idx, f"lower{suffix}"] = np.clip(lower / size, 0, clip_hi)
        out.loc[idx, f"upper{suffix}"] = np.clip(upper / size, 0, clip_hi)
        out.loc[idx, f"flag{suffix}"] = np.where(
            count < r_low, "below", np.where(count > r_high, "above", "within")
        )


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
    return lambda v: np.clip(v, 0, None)  # O/E funnels work on the ratio scale itself


def funnel_limits(result: pd.DataFrame, n_grid: Sequence[float] | None = None) -> pd.DataFrame:
    """Funnel limits over a grid of denominators, for drawing.

    The same rule as the units' own limits: exact count limits where the smaller expected
    count is under the funnel's ``exact_below``, the normal approximation elsewhere. For an
    observed/expected funnel the grid is of expected counts, with the network's ratio of
    variance to expected count (``var_ratio``) and, where exact, the binomial with that mean
    and variance.

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
    check_columns(result, ("target", "phi", "tau2", "method"), what="funnel", hint=_COLUMNS_HINT)
    first = result.iloc[0]
    kind = first["kind"] if "kind" in result else "proportion"
    inner = first["inner"] if "inner" in result else 0.95
    outer = first["outer"] if "outer" in result else 0.998
    below = float(first["exact_below"]) if "exact_below" in result else 0.0
    method, phi, tau2 = first["method"], float(first["phi"]), float(first["tau2"])
    xcol = "denominator" if kind == "proportion" else "expected"
    if n_grid is None:
        x = result[xcol].to_numpy(dtype=float)
        lo = max(1.0, 0.5 * np.nanmin(x)) if kind == "proportion" else max(0.5, 0.5 * x.min())
        n = np.geomspace(lo, 1.15 * np.nanmax(x), 200)
    else:
        n = np.asarray(n_grid, dtype=float)
    if kind == "proportion":
        tgt = np.arcsin(np.sqrt(first["target"]))
        s = 1 / (2 * np.sqrt(n))
        small = _needs_exact(n, float(first["target"]), below)
        exact = (
            _proportion_dist(n[small], tgt, s[small], method, phi, tau2) if small.any() else None
        )
    else:
        ratio = float(first["var_ratio"]) if "var_ratio" in result else 1.0
        tgt, s = 1.0, np.sqrt(ratio / n)
        p_star = float(np.clip(1 - ratio, 1e-9, 1.0))
        trials = n / p_star
        small = _needs_exact(trials, p_star, below)
        exact = None
        if small.any():
            exact = _ratio_grid_dist(trials[small], p_star, s[small], method, phi, tau2)
    back = _back(kind)
    frames = []
    for lvl in (inner, outer):
        half = _half_width(s, _z(lvl), method, phi, tau2)
        lower, upper = back(tgt - half), back(tgt + half)
        if exact is not None:
            lo_c, hi_c, _, _ = quantile_limits(exact, float(lvl))
            lower[small], upper[small] = lo_c / n[small], hi_c / n[small]  # counts / size
        frames.append(
            pd.DataFrame(
                {
                    "n": n,
                    "limit": lvl,
                    "lower": np.clip(lower, 0, None),
                    "upper": upper,
                    "target": first["target"],
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    if kind == "proportion":
        out[["lower", "upper"]] = out[["lower", "upper"]].clip(0, 1)
    return out


def _ratio_grid_dist(
    trials: np.ndarray, p_star: float, s: np.ndarray, method: str, phi: float, tau2: float
) -> Dist:
    """Binomial(trials, p_star * ratio) mixed over the true O/E ratio, for drawing."""
    extra = _extra_sd(s, method, phi, tau2)
    u = mixture_nodes()[0] if extra.any() else np.zeros(1)
    theta = np.clip(p_star * (1 + extra[:, None] * u[None, :]), 0, 1)
    return binomial_mixture(trials, theta)
