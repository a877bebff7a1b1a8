"""Case-mix adjustment: observed/expected ratios from a network-wide student model.

Public names are re-exported by :mod:`netlab.variation`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netlab.checks import check_argument
from netlab.variation._exact import mixture_nodes, poisson_binomial_cdf, table_dist
from netlab.variation._funnel import _apply_exact, _dispersion, _extra_sd, _funnel_frame, _z

if TYPE_CHECKING:
    from netlab.pipeline import Prepared

# --------------------------------------------------------------------------- case mix

_DEFAULT_COVARIATES = ("low_income", "race_ethnicity", "english_learner", "first_gen", "gpa")


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
    exact_below: float = 100.0,
) -> pd.DataFrame:
    """Case-mix-adjusted observed/expected ratios per unit, with a funnel on O/E.

    A logistic model of the student outcome on the covariates present in ``students`` is
    fitted across the network; each unit's expected count E is the sum of its students'
    predicted probabilities p. The observed count O is a sum of independent Bernoulli
    outcomes, so its variance is ``V = sum p (1 - p)`` (binomial, not the Poisson ``E``,
    which would suit rare events only). The funnel works on the ratio scale: ``Y = O/E``
    with ``s = sqrt(V) / E`` around 1, and the same over-dispersion handling as
    :func:`funnel`. Where the smaller expected count, ``min(E, n - E)``, is under
    ``exact_below`` the limits and flags are exact: count quantiles of the Poisson-binomial
    distribution of O (see :mod:`netlab.variation._exact`). O/E intervals are score intervals (Wilson's,
    for unequal probabilities): the ratios r with ``(O - r E)^2 <= z^2 (r E - r^2 sum p^2)``.

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
    limits, method, exact_below
        As for :func:`funnel`.
    level : float
        Interval level of the O/E ratios.

    Returns
    -------
    pandas.DataFrame
        unit_id, denominator, observed, expected, variance (``sum p (1 - p)``), oe, low,
        high, z, z_adj, flag, flag95, lower95, upper95, lower, upper, exact, target (1), phi,
        tau2, method, k, inner, outer, exact_below, var_ratio (the network's V / E, for
        drawing the limits against E), kind ("ratio"). ``attrs`` hold the covariates used.
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
    x = _design(data, covariates)
    fit = GLM(yv, x.to_numpy(), family=families.Binomial()).fit()
    p = fit.predict(x.to_numpy())
    frame = pd.DataFrame({"unit_id": data[unit].to_numpy(), "o": yv, "e": p, "v": p * (1 - p)})
    per = (
        frame.groupby("unit_id", sort=True)
        .agg(
            denominator=("o", "size"),
            observed=("o", "sum"),
            expected=("e", "sum"),
            variance=("v", "sum"),
        )
        .reset_index()
    )
    o, e, v = (per[c].to_numpy() for c in ("observed", "expected", "variance"))
    per["oe"] = o / e
    per["low"], per["high"] = _score_interval(o, e, e - v, _z(level))
    s = np.sqrt(v) / e
    yt = per["oe"].to_numpy()
    z, phi, tau2 = _dispersion(yt, s, 1.0, method, (0.1, 0.9))
    out = _funnel_frame(per, z, s, yt, 1.0, 1.0, phi, tau2, method, limits, "ratio")
    small = np.minimum(e, per["denominator"].to_numpy() - e) < exact_below
    if small.any():
        extra = _extra_sd(s, method, phi, tau2)
        _exact_rows(out, frame, per, small, extra)
    out = out.assign(exact=small, exact_below=float(exact_below), var_ratio=v.sum() / e.sum())
    out.attrs["covariates"] = list(x.columns[1:])
    return out


def _design(data: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """The model's columns: a constant, then each usable covariate (warned when absent).

    Text columns become dummies; a numeric column with missing values gets a
    missing-indicator and its mean; columns without variation are left out.
    """
    used = [c for c in covariates if c in data.columns and data[c].notna().any()]
    absent = [c for c in covariates if c not in used]
    if absent:
        # Never a silent intercept-only model: say which covariates could not be used.
        warnings.warn(
            f"case mix: covariate(s) {absent} are not in the students table (or hold no "
            f"value); the expected counts are adjusted for {used or 'nothing'}"
            + ("" if used else ", so the ratios are unadjusted"),
            stacklevel=3,
        )
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
    return x


def _exact_rows(
    out: pd.DataFrame,
    frame: pd.DataFrame,
    per: pd.DataFrame,
    small: np.ndarray,
    extra: np.ndarray,
) -> None:
    """Exact limits and flags, in place, for the units whose expected count is small.

    O is Poisson-binomial over the unit's students' probabilities (mixed over the
    over-dispersion where there is some).
    """
    o, e = per["observed"].to_numpy(), per["expected"].to_numpy()
    u = mixture_nodes()[0] if extra[small].any() else np.zeros(1)
    by_unit = dict(list(frame.groupby("unit_id", sort=True)["e"]))
    for i in np.flatnonzero(small):
        probs = by_unit[per["unit_id"].iloc[i]].to_numpy()
        cdf = poisson_binomial_cdf(probs, np.clip(1 + extra[i] * u, 0, None))
        rows = np.zeros(len(out), dtype=bool)
        rows[i] = True
        _apply_exact(out, rows, o[i : i + 1], e[i : i + 1], table_dist(cdf))


def _score_interval(o: np.ndarray, e: np.ndarray, q: np.ndarray, z: float) -> tuple:
    """Score interval of the O/E ratio r: ``(O - r E)^2 = z^2 (r E - r^2 Q)``, Q = sum p^2.

    With equal probabilities it is Wilson's interval for the proportion, divided by p.
    """
    a = e**2 + z**2 * q
    b = 2 * o * e + z**2 * e
    root = np.sqrt(np.clip(b**2 - 4 * a * o**2, 0, None))
    return np.clip((b - root) / (2 * a), 0, None), (b + root) / (2 * a)


def case_mix_for_run(prepared: Prepared, measure: str, group: str) -> pd.DataFrame | None:
    """O/E for the run's focal measure and group in the latest year of student records."""
    from netlab import measures as registry_module
    from netlab.measures.conditions import evaluate

    reg = registry_module.registry(prepared.params)
    m = reg.get(measure)
    g = reg.groups.get(group)
    if m is None or g is None or m.from_counts or m.table not in prepared.tables:
        return None
    if m.denominator is None or m.numerator is None:  # a computed measure has both (checked)
        return None
    students = prepared.tables[m.table]
    # only classes whose window has closed at the run's date, as in the rates
    students = students[registry_module.final_mask(students, m, getattr(prepared, "as_of", None))]
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
    covariates = getattr(prepared.params, "case_mix", None)
    result = case_mix(
        frame,
        outcome=outcome,
        unit="_unit",
        where=pd.Series(rows, index=frame.index),
        **({"covariates": covariates} if covariates is not None else {}),
    )
    return result.assign(year=int(latest), measure=measure, group=group)
