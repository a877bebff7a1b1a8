"""For whom, under what conditions: how a practice's association differs by context and group.

Two within-unit comparisons per practice, re-exported by :mod:`netlab.practices`:

- **school context**: units above the network's median share of low-income students (or
  size) against the others. The within-unit model (unit and year effects, every practice)
  gains the practice x "above the median" term; its coefficient is the difference between
  the two halves' associations.
- **focal against other students**: each unit's focal students and its other students (all
  minus focal) as two panels, with unit-by-group and year-by-group effects and the
  practice x focal term. Fitted on the cell counts, this is the student-level linear
  probability model with those effects (each student weighted once).

Errors are cluster-robust by unit (CR3, CR1 when CR3 cannot be computed) with t on units -
1 degrees of freedom. Against reading noise across many comparisons: Benjamini-Hochberg
q-values across every comparison in the table, and a comparison is made only when at least
``min_switchers`` units switched on each side. Labels follow the one evidence rule
(:func:`netlab.practices.evidence_label`); only "strong" differences get a sentence, and
suggestive ones are counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from netlab.params import DEFAULT_MEASURE
from netlab.practices._stats import _collinearity, _demean, _dummies, _label, _usable, _wls_cluster
from netlab.words import plural as _plural

#: Context columns compared, as named in the units frame.
CONTEXT_MODIFIERS = ("share_low_income", "size")

HETEROGENEITY_COLUMNS = [
    "model",
    "practice",
    "modifier",
    "threshold",
    "estimate_a_pp",
    "ci_a_low_pp",
    "ci_a_high_pp",
    "estimate_b_pp",
    "ci_b_low_pp",
    "ci_b_high_pp",
    "estimate_pp",
    "ci_low_pp",
    "ci_high_pp",
    "p_value",
    "q_value",
    "n_switchers_a",
    "n_switchers_b",
    "n_switchers",
    "evidence",
    "estimable",
    "reason",
    "covariance",
]


def other_students(
    rates: pd.DataFrame,
    practices: pd.DataFrame,
    *,
    measure: str = DEFAULT_MEASURE,
    group: str = "focal",
    unit: str = "unit_id",
    units: Any = None,
) -> pd.DataFrame | None:
    """The panel of every unit's other students: the "all" group minus ``group``.

    Parameters
    ----------
    rates, practices, measure, unit, units
        As for :func:`netlab.practices.panel`.
    group : str
        The group whose complement is wanted.

    Returns
    -------
    DataFrame or None
        A panel like :func:`netlab.practices.panel`'s (numerator and denominator of the
        other students), or None when the rates lack either group for the measure.
    """
    from netlab.practices._panel import panel

    have = rates.loc[rates["measure"] == measure, "group"].unique()
    if "all" not in have or group not in have or group == "all":
        return None
    mine = panel(rates, practices, measure=measure, group=group, unit=unit, units=units)
    key = [unit, "year"]
    sel = rates.loc[(rates["measure"] == measure) & (rates["group"] == "all")]
    every = sel[[unit, "year", "numerator", "denominator"]].astype({unit: str, "year": int})
    out = mine.merge(every, on=key, suffixes=("_g", ""))
    out["numerator"] = out["numerator"] - out.pop("numerator_g")
    out["denominator"] = out["denominator"] - out.pop("denominator_g")
    out = out[list(mine.columns)]
    den = out["denominator"].astype(float)
    out["rate"] = np.where(den > 0, out["numerator"] / den.where(den > 0), np.nan)
    out.attrs["practices"] = mine.attrs.get("practices", [])
    return out.loc[out["denominator"] > 0].reset_index(drop=True)


def _fitted_practices(data: pd.DataFrame, names: list[str], unit: str) -> list[str]:
    """Practices the within-unit model can fit: two or more switchers, not collinear."""
    w = data["denominator"].to_numpy(float)
    ucodes, _ = pd.factorize(data[unit])
    ycodes, ylev = pd.factorize(data["year"], sort=True)
    n_u = int(ucodes.max()) + 1
    g = data.groupby(unit)[names]
    switch = ((g.max() - g.min()) > 1e-12).sum()
    cand = [p for p in names if switch[p] >= 2]
    if not cand:
        return []
    x = _demean(data[cand].to_numpy(float), w, ucodes, n_u)
    yd = _demean(_dummies(ycodes, len(ylev)), w, ucodes, n_u)
    sw = np.sqrt(w)[:, None]
    beta, *_ = np.linalg.lstsq(yd * sw, x * sw, rcond=None)
    keep, _, _ = _collinearity(x - yd @ beta, w)
    return [cand[j] for j in keep]


def _interactions(
    frame: pd.DataFrame,
    *,
    cells: np.ndarray,
    clusters: np.ndarray,
    period: np.ndarray,
    mains: list[str],
    compared: list[str],
    flag: np.ndarray,
) -> dict[str, dict]:
    """Fit rate ~ cell + period effects + mains + (each compared practice x flag), jointly.

    Every compared practice's interaction is in the one model, so a difference planted on
    one practice is not read as a difference for another adopted by the same units.
    Returns, per compared practice, the two sides' slopes and their difference.
    """
    w = frame["denominator"].to_numpy(float)
    ccodes, _ = pd.factorize(cells)
    n_c = int(ccodes.max()) + 1
    pcodes, plev = pd.factorize(period, sort=True)
    inter = frame[compared].to_numpy(float) * flag[:, None]
    k = len(compared)
    x = np.column_stack([inter, frame[mains].to_numpy(float), _dummies(pcodes, len(plev))])
    xd = _demean(x, w, ccodes, n_c)
    keep, _, _ = _collinearity(xd, w)
    yd = _demean(frame["rate"].to_numpy(float)[:, None], w, ccodes, n_c)[:, 0]
    ucodes, _ = pd.factorize(clusters)
    coef, cov, df, covariance = _wls_cluster(yd, xd[:, keep], w, ucodes)
    tcrit = stats.t.ppf(0.975, df)

    def interval(value: float, var: float) -> tuple[float, float, float]:
        se = float(np.sqrt(max(var, 0.0)))
        return 100 * value, 100 * (value - tcrit * se), 100 * (value + tcrit * se)

    out = {}
    for n, practice in enumerate(compared):
        col = k + mains.index(practice)
        if n not in keep or col not in keep:
            continue
        i, j = keep.index(n), keep.index(col)
        diff, b = float(coef[i]), float(coef[j])
        d_est, d_lo, d_hi = interval(diff, cov[i, i])
        a_est, a_lo, a_hi = interval(diff + b, cov[i, i] + cov[j, j] + 2 * cov[i, j])
        b_est, b_lo, b_hi = interval(b, cov[j, j])
        se = np.sqrt(max(cov[i, i], 0.0))
        out[practice] = {
            "estimate_a_pp": a_est,
            "ci_a_low_pp": a_lo,
            "ci_a_high_pp": a_hi,
            "estimate_b_pp": b_est,
            "ci_b_low_pp": b_lo,
            "ci_b_high_pp": b_hi,
            "estimate_pp": d_est,
            "ci_low_pp": d_lo,
            "ci_high_pp": d_hi,
            "p_value": float(2 * stats.t.sf(abs(diff / se), df)) if se > 0 else np.nan,
            "covariance": covariance,
        }
    return out


def _row(practice: str, modifier: str, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(HETEROGENEITY_COLUMNS, np.nan)
    row.update(
        model="heterogeneity",
        practice=practice,
        modifier=modifier,
        estimable=False,
        reason="",
        covariance="",
        n_switchers_a=0,
        n_switchers_b=0,
        n_switchers=0,
    )
    row.update(kw)
    return row


def _switchers_by(data: pd.DataFrame, practice: str, unit: str, side: pd.Series) -> tuple:
    g = data.groupby(unit)[practice]
    moved = (g.max() - g.min()) > 1e-12
    side = side.reindex(moved.index).fillna(False).astype(bool)
    return int((moved & side).sum()), int((moved & ~side).sum())


def heterogeneity(
    panel: pd.DataFrame,
    *,
    context: pd.DataFrame | None = None,
    other: pd.DataFrame | None = None,
    practices: Sequence[str] | None = None,
    min_switchers: int = 3,
    unit: str = "unit_id",
    unit_label: str = "school",
    modifiers: Sequence[str] = CONTEXT_MODIFIERS,
) -> pd.DataFrame:
    """How each practice's association differs by unit context and for focal students.

    Parameters
    ----------
    panel : DataFrame
        The focal group's panel, from :func:`netlab.practices.panel`.
    context : DataFrame, optional
        The units frame (``unit`` and the ``modifiers`` columns); without it (or without a
        column, or with too little spread in it) no context comparison is made.
    other : DataFrame, optional
        The other students' panel, from :func:`other_students`; without it no focal
        comparison is made.
    practices : sequence of str, optional
        Practice columns (default: all in the panel).
    min_switchers : int
        Each side of a comparison needs at least this many switching units.
    unit, unit_label : str
        The unit column and the unit as a word.
    modifiers : sequence of str
        Context columns to split at the network's median.

    Returns
    -------
    DataFrame
        :data:`HETEROGENEITY_COLUMNS`, one row per practice and modifier (``"focal"`` for
        focal against other students). Side "a" is the units above the median (or the
        focal students), side "b" the others; ``estimate_pp`` and its interval are the
        difference a - b in percentage points, ``threshold`` the median that splits the
        units. q-values are across every row.
    """
    from netlab.practices._stats import _practice_columns

    names = _practice_columns(panel, unit, practices)
    data = _usable(panel, unit).reset_index(drop=True)
    rows: list[dict] = []
    if data.empty or not names:
        return _finish(rows, min_switchers)
    mains = _fitted_practices(data, names, unit)
    for modifier in modifiers:
        if context is None or modifier not in context.columns or unit not in context.columns:
            continue
        z = (
            context.assign(**{unit: context[unit].astype(str)})
            .drop_duplicates(unit)
            .set_index(unit)[modifier]
            .pipe(pd.to_numeric, errors="coerce")
        )
        sub = data.loc[data[unit].map(z).notna()].reset_index(drop=True)
        zu = z.reindex(sub[unit].unique())
        if zu.nunique() < 2:
            continue
        threshold = float(zu.median())
        above = zu > threshold
        flag = sub[unit].map(above).to_numpy(bool).astype(float)
        new = []
        for p in names:
            n_a, n_b = _switchers_by(sub, p, unit, above)
            new.append(
                _row(p, modifier, threshold=threshold, n_switchers_a=n_a, n_switchers_b=n_b)
            )
        rows += _fill(new, sub, mains, min_switchers, unit_label, flag, unit)
    if other is not None and len(other):
        key = [unit, "year"]
        pair = other.merge(data[key], on=key)
        stacked = pd.concat([data.assign(__g=1.0), pair.assign(__g=0.0)], ignore_index=True)
        stacked = stacked.loc[stacked["denominator"] > 0].reset_index(drop=True)
        focal = stacked["__g"].to_numpy(float)
        every = pd.Series(True, index=data[unit].unique())
        new = []
        for p in names:
            n_a = _switchers_by(data, p, unit, every)[0]
            new.append(_row(p, "focal", n_switchers_a=n_a, n_switchers_b=n_a))
        rows += _fill(new, stacked, mains, min_switchers, unit_label, focal, unit)
    return _finish(rows, min_switchers)


def _fill(
    rows: list[dict],
    frame: pd.DataFrame,
    mains: list[str],
    min_switchers: int,
    unit_label: str,
    flag: np.ndarray,
    unit: str,
) -> list[dict]:
    """Fit one modifier's comparisons into ``rows``, or say why each is not made."""
    compared = []
    for row in rows:
        fewest = min(row["n_switchers_a"], row["n_switchers_b"])
        row["n_switchers"] = fewest
        if row["practice"] not in mains:
            row["reason"] = f"the within-{unit_label} model cannot estimate this practice"
        elif fewest < min_switchers:
            row["reason"] = (
                f"only {_plural(int(fewest), unit_label)} switched on one side; at least "
                f"{min_switchers} are needed on each side"
            )
        else:
            compared.append(row["practice"])
    if not compared:
        return rows
    if rows[0]["modifier"] == "focal":
        cells = frame[unit].astype(str).to_numpy() + np.where(flag > 0, "|f", "|o")
        period = frame["year"].to_numpy(int) * 2 + flag.astype(int)
    else:
        cells = frame[unit].to_numpy()
        period = frame["year"].to_numpy(int)
    fits = _interactions(
        frame,
        cells=cells,
        clusters=frame[unit].to_numpy(),
        period=period,
        mains=mains,
        compared=compared,
        flag=flag,
    )
    for row in rows:
        if row["practice"] not in compared:
            continue
        fit = fits.get(row["practice"])
        if fit is None:
            row["reason"] = "the comparison is collinear with the rest of the model"
            continue
        row.update(fit, estimable=bool(np.isfinite(fit["p_value"])))
    return rows


def _finish(rows: list[dict], min_switchers: int) -> pd.DataFrame:
    table = _label(pd.DataFrame(rows, columns=HETEROGENEITY_COLUMNS), min_switchers)
    return table.astype(
        {
            "estimable": bool,
            "n_switchers_a": int,
            "n_switchers_b": int,
            "n_switchers": int,
            "reason": str,
            "covariance": str,
        }
    )
