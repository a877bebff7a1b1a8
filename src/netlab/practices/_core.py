"""Which practices track with gains: within-school, gains and student-level models.

Every model returns one tidy table with a row per practice (see :data:`RESULT_COLUMNS`):
the estimate in percentage points with its 95% interval, the p-value, the
Benjamini-Hochberg q-value across the practices estimated in that model, how many
units ever had the practice and how many switched, an evidence label, and the errors the
fit used (``covariance``: ``"CR3"``, ``"CR1"`` when CR3 could not be computed, ``"HC3"``,
or for :mod:`netlab.practices._staggered` ``"analytic"`` / ``"jackknife"``).

Evidence labels (one rule for every model, :func:`evidence_label`, checked in this order;
a row's sentence follows its label, see :func:`sentences`):

- ``"too few switchers to say"``: between 1 and ``min_switchers - 1`` units switched.
- ``"not estimable"``: the practice never changed within a unit, or its indicator is
  collinear with other practices (or with the network's year-to-year trend); the row
  says why in ``reason`` and names the practices in ``collinear_with``.
- ``"strong"``: q < 0.05, at least ``2 * min_switchers`` switchers and no pre-trend flag.
- ``"suggestive"``: q < 0.10 otherwise (including q < 0.05 with a pre-trend flag or
  fewer than ``2 * min_switchers`` switchers).
- ``"no clear pattern"``: q >= 0.10.

Beside them: :func:`netlab.practices._staggered.imputation` (staggered adoption, robust to effects
that grow or differ by adoption year) and :func:`heterogeneity` (for whom, under what
conditions), both fitted by :func:`models_for_run`.

An estimate *tracks with* a change in the rate; none of these models shows that a
practice causes one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from netlab.checks import check_columns
from netlab.exceptions import NetlabError
from netlab.practices._hetero import heterogeneity, other_students
from netlab.practices._logit import student_level
from netlab.practices._panel import panel
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
from netlab.practices._text import (
    MEASURE_PHRASES,
    _plural,
    heterogeneity_sentences,
    sentences,
    staggered_sentences,
)

# Level of the joint pre-trend test. In simulated 30-school networks it flags a planted
# pre-existing trend in about 95% of networks and a clean practice in about 5%.
PRETREND_ALPHA = 0.05


# ----------------------------------------------------------------------------- panel
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
    y = data["rate"].to_numpy(float)
    xd, yd, ucodes, n_u = _within_design(data, names, unit, w)
    xr = _partial_out(xd, yd, w)
    n_switch, n_ever = _switchers(data, names, unit)
    keep, groups, flat = _collinearity(xr, w)
    # A practice that one unit alone moves cannot survive leaving that unit out (CR3), and
    # its own estimate is never reported, so it stays out of the model.
    keep = [j for j in keep if n_switch[names[j]] >= 2]
    status = {
        j: _reasons(
            names,
            j,
            flat=flat,
            groups=groups,
            n_switch=n_switch[names[j]],
            min_switchers=min_switchers,
            unit_word=unit_label,
            flat_reason=f"every {unit_label} that switched did so in the same year, which the "
            "network's year-to-year trend already absorbs",
        )
        for j in range(len(names))
    }
    est: dict[int, dict] = {}
    if keep:
        x = np.column_stack([xd[:, keep], yd])
        yy = _demean(y[:, None], w, ucodes, n_u)[:, 0]
        coef, cov, df, covariance = _wls_cluster(yy, x, w, ucodes)
        est = _estimate_rows(keep, coef, cov, df)
        for j in est:
            est[j]["covariance"] = covariance
    fitted_names = [names[j] for j in keep]
    for j, name in enumerate(names):
        ok, reason, coll = status[j]
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
            if pretrend_leads > 0:
                others = [p for p in fitted_names if p != name]
                check = pretrend(
                    data, practice=name, leads=pretrend_leads, controls=others, unit=unit
                )
                row["pretrend_p"] = check["p_value"]
                row["pretrend_flag"] = bool(check["flag"])
        rows.append(row)
    return _finish(rows, min_switchers)


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
    on = data[practice] > 0
    first_on = data.loc[on].groupby(unit)["year"].min()
    first_seen = data.groupby(unit)["year"].min()
    adopt = first_on[first_on > first_seen.reindex(first_on.index)]
    result["n_adopters"] = len(adopt)
    if adopt.empty:
        return result
    rel = data["year"] - data[unit].map(adopt)
    lead_cols = []
    frame = data.copy()
    for k in range(1, leads + 1):
        col = f"__lead{k}"
        frame[col] = (rel == -k).astype(float)
        if frame[col].sum() > 0:
            lead_cols.append(col)
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


# ----------------------------------------------------------------------------- gains
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
    ctx = _context_matrix(both, context, unit)
    if len(both) < n_terms + ctx.shape[1] + 3:
        ctx = ctx.iloc[:, :0]  # too few units to spend degrees of freedom on context
    controls = np.column_stack(
        [np.ones(len(both)), base["rate"].to_numpy(float), ctx.to_numpy(float)]
    )
    x = adopted.to_numpy(float)
    w = np.ones(len(both))
    # Keep only controls that add information (context can duplicate the baseline rate).
    controls = controls[:, _collinearity(controls, w)[0]]
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
    keep, groups, flat = _collinearity(_partial_out(x, controls, w), w)
    est: dict[int, dict] = {}
    if keep and len(both) > controls.shape[1] + len(keep):
        res = sm.OLS(
            (last["rate"] - base["rate"]).to_numpy(float), np.column_stack([x[:, keep], controls])
        ).fit(cov_type="HC3", use_t=True)
        est = _estimate_rows(
            keep,
            np.asarray(res.params),
            np.asarray(res.cov_params()),
            res.df_resid,
        )
        for j in est:
            est[j]["covariance"] = "HC3"
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
            reason = f"no {unit_label} adopted it between {base_y} and {last_y}"
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


# --------------------------------------------------------------------------- the run
def student_outcome(prepared: Any) -> tuple[pd.DataFrame, np.ndarray] | None:
    """The focal group's students in the focal measure's denominator, and their outcome.

    Returns ``None`` when the run has no student records or the focal measure is not
    defined on the students table.
    """
    students = prepared.tables.get("students")
    if students is None or students.empty:
        return None
    from netlab import measures
    from netlab.measures import conditions as conditions

    reg = measures.registry(prepared.params)
    measure = reg.get(prepared.params.focal_measure)
    if measure is None or measure.table != "students" or "focal" not in reg.groups:
        return None
    consts = dict(reg.constants)
    den = conditions.evaluate(measure.denominator or "true", students, consts)
    num = conditions.evaluate(measure.numerator or "false", students, consts)
    den &= conditions.evaluate(reg.groups["focal"].condition, students, consts)
    return students.loc[den], num[den].astype(float)


def measure_words(prepared: Any) -> tuple[str, str]:
    """The focal measure as a verb phrase for sentences, and its direction."""
    name = prepared.params.focal_measure
    label, direction = name, "higher"
    try:
        from netlab import measures

        reg = measures.registry(prepared.params)
        label, direction = reg.label(name), reg.direction(name)
    except NetlabError:  # words are a nicety: fall back to the name, higher is better
        pass
    return MEASURE_PHRASES.get(name, f"count toward “{label}”"), direction


def models_for_run(prepared: Any) -> dict[str, pd.DataFrame]:
    """Fit the practice models of one prepared run (called once by the pipeline).

    Parameters
    ----------
    prepared : netlab.pipeline.Prepared
        Uses ``rates``, ``units``, ``tables["practices"]`` (and ``tables["students"]`` when
        the run has student records), ``params.focal_measure``, ``params.min_switchers``
        and ``params.unit``.

    Returns
    -------
    dict of str to DataFrame
        ``"panel"`` (unit-year panel, no student rows), ``"within"``, ``"gains"``,
        ``"student_level"`` (only with student records), ``"sentences"`` (one column
        ``sentence``, for the within-unit results), ``"imputation"`` and
        ``"imputation_profile"`` (:func:`netlab.practices._staggered.imputation`),
        ``"staggered_sentences"``, ``"heterogeneity"`` (:func:`heterogeneity`) and
        ``"heterogeneity_sentences"``. Empty without a practices table.
    """
    practices_table = prepared.tables.get("practices")
    if practices_table is None or practices_table.empty:
        return {}
    params = prepared.params
    unit_label = "district" if params.unit == "district" else "school"
    mapping = None
    if unit_label == "district":
        from netlab import measures

        mapping = measures.unit_map(prepared.tables["schools"], params)
    pan = panel(prepared.rates, practices_table, measure=params.focal_measure, units=mapping)
    pan.attrs = {}
    within = within_school(pan, min_switchers=params.min_switchers, unit_label=unit_label)
    aim = getattr(params, "aim", None)
    baseline = getattr(aim, "baseline_year", None)  # the network's aim baseline, if covered
    out = {
        "panel": pan,
        "within": within,
        "gains": gains(
            pan,
            baseline_year=baseline if baseline in set(pan["year"]) else None,
            context=prepared.units,
            min_switchers=params.min_switchers,
            unit_label=unit_label,
        ),
    }
    picked = student_outcome(prepared) if prepared.has_students else None
    if picked is not None and len(picked[0]):
        studs, y = picked
        out["student_level"] = student_level(
            studs, practices_table, outcome=y, min_switchers=params.min_switchers
        )
    measure, direction = measure_words(prepared)
    words = {
        "measure_label": measure,
        "group_label": "focal students",
        "unit_label": unit_label,
        "direction": direction,
    }
    out["sentences"] = pd.DataFrame({"sentence": sentences(within, **words)})
    from netlab.practices import _staggered as staggered

    fit = staggered.imputation(pan, min_switchers=params.min_switchers, unit_label=unit_label)
    out["imputation"] = fit.results
    out["imputation_profile"] = fit.profile
    out["staggered_sentences"] = pd.DataFrame(
        {"sentence": staggered_sentences(within, fit.results, unit_label=unit_label)}
    )
    other = other_students(
        prepared.rates, practices_table, measure=params.focal_measure, units=mapping
    )
    hetero = heterogeneity(
        pan,
        context=prepared.units,
        other=other,
        min_switchers=params.min_switchers,
        unit_label=unit_label,
    )
    out["heterogeneity"] = hetero
    out["heterogeneity_sentences"] = pd.DataFrame(
        {"sentence": heterogeneity_sentences(hetero, **words)}
    )
    return out
