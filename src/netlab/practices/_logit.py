"""The student-level sensitivity model: a cluster-robust logit of a student outcome.

A logit fitted by Newton's method, its CR1 cluster covariance and the average marginal
effect of each practice with a delta-method standard error; :func:`student_level` is
re-exported by :mod:`netlab.practices`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from netlab.checks import check_columns
from netlab.exceptions import InputError
from netlab.practices._stats import (
    _collinearity,
    _dummies,
    _empty_row,
    _estimate_rows,
    _finish,
    _partial_out,
    _reasons,
)


def _design_covariates(frame: pd.DataFrame, covariates: Sequence[str]) -> list[np.ndarray]:
    """Numeric columns for the covariates: 0/1 as is, categories as dummies, gpa imputed."""
    cols = []
    for name in covariates:
        s = frame[name]
        if (
            isinstance(s.dtype, pd.CategoricalDtype)
            or s.dtype == object
            or pd.api.types.is_string_dtype(s)
        ):
            codes, levels = pd.factorize(s.astype("string").fillna("Unknown"))
            ref = int(np.bincount(codes).argmax())
            for k in range(len(levels)):
                if k != ref:
                    cols.append((codes == k).astype(float))
            continue
        v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        miss = np.isnan(v)
        if miss.any():
            v = np.where(miss, np.nanmean(v) if (~miss).any() else 0.0, v)
            cols.append(miss.astype(float))
        cols.append(v)
    return cols


_DEFAULT_COVARIATES = ("low_income", "english_learner", "first_gen", "race_ethnicity", "gpa")


def _outcome_values(students: pd.DataFrame, outcome: str | pd.Series | np.ndarray) -> np.ndarray:
    """The outcome as floats aligned with the students (NaN where missing)."""
    ys = students[outcome] if isinstance(outcome, str) else pd.Series(outcome)
    if len(ys) != len(students):
        raise InputError(
            f"The outcome has {len(ys)} values for {len(students)} students.",
            table="students",
            hint="Pass a column name, or values aligned with the students' rows.",
        )
    try:
        return ys.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        return pd.to_numeric(ys, errors="coerce").to_numpy(float)


def _practices_wide(practices: pd.DataFrame) -> pd.DataFrame:
    """School-year x practice: 1 where the practice is in place, else 0."""
    pr = practices.assign(
        school_id=practices["school_id"].astype(str),
        year=practices["year"].astype(int),
        in_place=(pd.to_numeric(practices["level"]) > 0).astype(float),
    )
    wide = pr.pivot_table(
        index=["school_id", "year"], columns="practice", values="in_place", aggfunc="max"
    )
    return wide.fillna(0.0)


def _school_year_collinearity(wide: pd.DataFrame, pos: np.ndarray) -> tuple:
    """Collinearity among practices, given the year effects, on the school-years students cover."""
    sy_codes, sy_idx = pd.factorize(pos)
    sy_w = np.bincount(sy_codes).astype(float)
    sy_x = wide.to_numpy(float)[sy_idx]
    sy_year = pd.factorize(wide.index.get_level_values("year")[sy_idx], sort=True)[0]
    z = np.column_stack([np.ones(len(sy_idx)), _dummies(sy_year, int(sy_year.max()) + 1)])
    return _collinearity(_partial_out(sy_x, z, sy_w), sy_w)


def _student_design(
    p_mat: np.ndarray, keep: list[int], cov_cols: list[np.ndarray], years: pd.Series
) -> np.ndarray:
    """Intercept, the practices kept, the covariates and year dummies, one row per student."""
    ycodes, ylev = pd.factorize(years.astype(int), sort=True)
    # A covariate constant among these students adds nothing (and would be collinear).
    cov_cols = [c for c in cov_cols if c.size and np.ptp(c) > 0]
    x = np.empty((len(p_mat), 1 + len(keep) + len(cov_cols) + len(ylev) - 1))
    x[:, 0] = 1.0
    x[:, 1 : 1 + len(keep)] = p_mat[:, keep]
    for i, col in enumerate(cov_cols):
        x[:, 1 + len(keep) + i] = col
    x[:, 1 + len(keep) + len(cov_cols) :] = _dummies(ycodes, len(ylev))
    return x


def _result_rows(
    names: list[str],
    est: dict[int, dict],
    *,
    flat: Any,
    groups: Any,
    n_switch: dict[str, int],
    n_ever: dict[str, int],
    min_switchers: int,
) -> list[dict]:
    """One results row per practice: its estimate, or why it is not estimable."""
    rows = []
    for j, name in enumerate(names):
        ok_j, reason, coll = _reasons(
            names,
            j,
            flat=flat,
            groups=groups,
            n_switch=n_switch.get(name, 0),
            min_switchers=min_switchers,
            unit_word="school",
            flat_reason="every school that had it had it in the same years, which the year "
            "effects already absorb",
        )
        if ok_j and j not in est:
            ok_j, reason = False, "the model did not converge"
        row = _empty_row(
            "student_level",
            name,
            n_schools_ever=n_ever.get(name, 0),
            n_switchers=n_switch.get(name, 0),
            estimable=ok_j,
            reason=reason,
            collinear_with=coll,
        )
        if ok_j:
            row.update(est[j])
        rows.append(row)
    return rows


def student_level(
    students: pd.DataFrame,
    practices: pd.DataFrame,
    *,
    outcome: str | pd.Series | np.ndarray,
    covariates: Sequence[str] | None = None,
    unit: str = "school_id",
    year: str = "grad_year",
    min_switchers: int = 3,
) -> pd.DataFrame:
    """Student-level sensitivity model: a logit of the outcome on the practices in place.

    Logistic regression of the student outcome on the practices in place at the
    student's school in the student's year, student characteristics and year indicators,
    with cluster-robust (CR1) errors by school. Each practice is reported as an average
    marginal effect in percentage points, mean(p1 - p0) with the practice set to 1 and to
    0 for everyone, with a delta-method standard error from the cluster-robust covariance
    and t intervals on (schools - 1) degrees of freedom. The design is built with numpy
    and the logit fitted by Newton's method (the same estimates and CR1 covariance as
    statsmodels' ``Logit(...).fit(cov_type="cluster")``, which the tests check), so
    2 million students fit in seconds.

    The model has no school effects, so it also compares schools with one another; it is
    a check on the within-school estimates and keeps their guardrail: a practice with
    fewer than ``min_switchers`` switching schools is not reported.

    Parameters
    ----------
    students : DataFrame
        One row per student, with ``unit``, ``year`` and the covariates.
    practices : DataFrame
        school_id, year, practice, level.
    outcome : str or boolean Series / array
        A 0/1 column of ``students`` or values aligned with its rows; missing drops a row.
    covariates : sequence of str, optional
        Default: those of low_income, english_learner, first_gen, race_ethnicity (dummies,
        most common level as reference) and gpa (mean-imputed with a missing indicator)
        that the table has.
    unit, year : str
        School and year columns of ``students``.
    min_switchers : int
        As in :func:`within_school` (schools whose status changes across the years).

    Returns
    -------
    DataFrame
        The results table, ``model == "student_level"``.
    """
    check_columns(students, [unit, year], what="students table")
    yv = _outcome_values(students, outcome)
    if covariates is None:
        covariates = [c for c in _DEFAULT_COVARIATES if c in students.columns]
    check_columns(students, list(covariates), what="students table")
    wide = _practices_wide(practices)
    names = [str(c) for c in wide.columns]
    key = pd.MultiIndex.from_arrays([students[unit].astype(str), students[year].astype(int)])
    pos = wide.index.get_indexer(key)
    ok = (pos >= 0) & ~np.isnan(yv)
    sub = students.loc[ok, [unit, year, *covariates]]
    yv, pos = yv[ok], pos[ok]
    if len(yv) == 0:
        reason = "no student has both an outcome and a practices record for the year"
        return _finish(
            [_empty_row("student_level", p, reason=reason) for p in names], min_switchers
        )
    # Switchers and schools ever with the practice, over the school-years students cover.
    g = wide.iloc[np.unique(pos)].groupby(level="school_id")
    n_switch = ((g.max() - g.min()) > 0).sum().astype(int).to_dict()
    n_ever = (g.max() > 0).sum().astype(int).to_dict()
    keep, groups, flat = _school_year_collinearity(wide, pos)
    x = _student_design(
        wide.to_numpy(float)[pos], keep, _design_covariates(sub, covariates), sub[year]
    )
    est: dict[int, dict] = {}
    if keep:
        est = _logit_ame(yv, x, [1 + i for i in range(len(keep))], keep, sub[unit].to_numpy())
    rows = _result_rows(
        names,
        est,
        flat=flat,
        groups=groups,
        n_switch=n_switch,
        n_ever=n_ever,
        min_switchers=min_switchers,
    )
    return _finish(rows, min_switchers)


def _logit_newton(
    y: np.ndarray, x: np.ndarray, start: np.ndarray | None = None, maxiter: int = 30
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Maximum-likelihood logit by Newton's method: (beta, information matrix, converged).

    The same estimates as ``statsmodels.Logit(...).fit(method="newton")``, with the
    information matrix formed as (X sqrt(w))'(X sqrt(w)), which is several times faster
    than statsmodels' form at millions of rows.
    """
    beta = np.zeros(x.shape[1]) if start is None else np.asarray(start, dtype=float).copy()
    info = np.eye(x.shape[1])
    for _ in range(maxiter):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        info = _gram(x, p * (1.0 - p))
        try:
            step = np.linalg.solve(info, x.T @ (y - p))
        except np.linalg.LinAlgError:
            return beta, info, False
        if not np.all(np.isfinite(step)):
            return beta, info, False
        if np.max(np.abs(step)) < 1e-8:
            return beta, info, True  # converged at beta; info is evaluated there
        beta = beta + step
    return beta, info, False


def _gram(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """X' diag(w) X, accumulated over blocks of rows.

    Blocks small enough that OpenBLAS keeps each product on one thread: on a busy
    two-core machine its threads spin on a tall, thin product and take 30 times longer.
    """
    k = x.shape[1]
    rows = max(64, 200_000 // max(k * k, 1))
    sw = np.sqrt(w)
    out = np.zeros((k, k))
    for start in range(0, len(x), rows):
        block = x[start : start + rows] * sw[start : start + rows, None]
        out += block.T @ block
    return out


def _cluster_cov(
    x: np.ndarray, resid: np.ndarray, info: np.ndarray, codes: np.ndarray
) -> np.ndarray:
    """CR1 sandwich for a likelihood model, as statsmodels' ``cov_type="cluster"``."""
    n, k = x.shape
    g = int(codes.max()) + 1
    members = sparse.csr_matrix((resid, (codes, np.arange(n))), shape=(g, n))
    sums = np.asarray(members @ x)  # per-cluster sums of the scores x_i (y_i - p_i)
    bread = np.linalg.inv(info)
    cov = bread @ (sums.T @ sums) @ bread
    return cov * g / (g - 1.0) * (n - 1.0) / (n - k)


def _logit_ame(
    y: np.ndarray, x: np.ndarray, columns: Sequence[int], ids: Sequence[int], clusters: np.ndarray
) -> dict[int, dict]:
    """Average marginal effects of 0/1 columns of a cluster-robust logit, delta-method SEs."""
    codes = pd.factorize(clusters)[0]
    start = None
    if len(y) > 200_000:
        # Start from a fit on an evenly spaced subsample: two or three full-data Newton
        # steps then suffice instead of six or seven.
        step = len(y) // 100_000
        start, _, ok = _logit_newton(y[::step], x[::step])
        start = start if ok else None
    beta, info, ok = _logit_newton(y, x, start)
    if not ok:
        return {}
    eta = x @ beta
    cov = _cluster_cov(x, y - 1.0 / (1.0 + np.exp(-eta)), info, codes)
    df = float(codes.max())  # clusters - 1
    out = {}
    for col, j in zip(columns, ids, strict=True):
        base = eta - beta[col] * x[:, col]
        p1 = 1.0 / (1.0 + np.exp(-(base + beta[col])))
        p0 = 1.0 / (1.0 + np.exp(-base))
        d1, d0 = p1 * (1 - p1), p0 * (1 - p0)
        # Gradient of mean(p1 - p0) in beta: X1'd1 - X0'd0, with column `col` 1 resp. 0.
        grad = x.T @ (d1 - d0) / len(y)
        grad[col] = d1.mean()
        ame = float((p1 - p0).mean())
        out[j] = (ame, float(np.sqrt(max(grad @ cov @ grad, 0.0))))
    ames = np.array([out[j][0] for j in ids])
    ses = np.array([out[j][1] for j in ids])
    rows = _estimate_rows(list(ids), ames, np.diag(ses**2), df)
    for row in rows.values():
        row["covariance"] = "CR1"
    return rows
