"""Matching hosts with visitors: context distance, gap, the bottom rule, learning stance.

:func:`match` ranks, for each host, the units closest to it in context (a weighted,
standardized distance with bonuses for the same district and a learning stance) whose
gap to the host is large enough and who are not among the lowest performers;
:func:`context_used` says which context variables the matching had to go on.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from netlab import privacy
from netlab.checks import check_argument, check_columns
from netlab.exceptions import InputError
from netlab.intervals import newcombe_diff

__all__ = ["CONTEXT", "context_used", "match"]

#: Context variables of the distance, in the order of ``weights``.
CONTEXT = ("share_focal", "share_low_income", "size")

_COLUMNS = [
    "host", "visitor", "rank", "host_name", "visitor_name", "score", "distance",
    "same_district", "host_district", "visitor_district",
    "host_share_focal", "visitor_share_focal", "share_focal_diff_pp",
    "host_share_low_income", "visitor_share_low_income", "share_low_income_diff_pp",
    "host_size", "visitor_size", "size_ratio",
    "year", "host_numerator", "host_denominator", "host_rate",
    "visitor_numerator", "visitor_denominator", "visitor_rate",
    "gap_pp", "gap_low_pp", "gap_high_pp",
    "host_pdsa_cycles", "host_ownership", "visitor_pdsa_cycles", "visitor_ownership",
    "visitor_learning_stance", "visitor_hosts",
]  # fmt: skip


def _host_ids(bright_spots: Any) -> list[str]:
    """Unit ids from a list or a bright-spots frame (``unit_id``, optional flag column)."""
    if isinstance(bright_spots, pd.DataFrame):
        check_columns(bright_spots, ["unit_id"], what="bright-spots frame")
        frame = bright_spots
        for flag in ("bright_spot", "credible", "is_bright_spot"):
            if flag in frame.columns:
                frame = frame.loc[frame[flag].fillna(False).astype(bool)]
                break
        ids = frame["unit_id"]
    elif isinstance(bright_spots, pd.Series):
        ids = bright_spots
    else:
        ids = list(bright_spots)
    return list(dict.fromkeys(str(i) for i in ids))


def _performance(
    rates: pd.DataFrame, *, measure: str | None, group: str, year: int | None, window: int
) -> pd.DataFrame:
    """One row per unit: year, numerator, denominator, rate (that year) and value (standing).

    ``value`` ranks the units for the bottom-performer rule: a shrunken estimate of the
    year when the frame has one, else the pooled rate over the ``window`` years up to it.
    """
    check_columns(rates, ["unit_id", "numerator", "denominator"], what="rates")
    frame = rates
    if measure is not None and "measure" in frame.columns:
        frame = frame.loc[frame["measure"] == measure]
    if "group" in frame.columns:
        frame = frame.loc[frame["group"] == group]
    frame = frame.loc[frame["denominator"].fillna(0) > 0]
    frame = frame.assign(unit_id=frame["unit_id"].astype(str))
    recent = frame
    if "year" in frame.columns and len(frame):
        year = int(frame["year"].max()) if year is None else int(year)
        recent = frame.loc[frame["year"].between(year - max(window, 1) + 1, year)]
        frame = frame.loc[frame["year"] == year]
    counts = ["numerator", "denominator"]
    out = frame.groupby("unit_id", as_index=False)[counts].sum()
    out["rate"] = out["numerator"] / out["denominator"]
    estimate = next((c for c in ("shrunken", "estimate") if c in frame.columns), None)
    if estimate:
        out["value"] = out["unit_id"].map(frame.groupby("unit_id")[estimate].mean())
    else:
        pooled = recent.groupby("unit_id")[counts].sum()
        out["value"] = out["unit_id"].map(pooled["numerator"] / pooled["denominator"])
    out["year"] = year
    return out


def _context(units: pd.DataFrame) -> pd.DataFrame:
    check_columns(units, ["unit_id"], what="units frame")
    out = pd.DataFrame({"unit_id": units["unit_id"].astype(str)})
    out["name"] = units["unit_name"].astype(str) if "unit_name" in units else out["unit_id"]
    out["district"] = units["district"].astype("string") if "district" in units else pd.NA
    for c in ("share_focal", "share_low_income"):
        out[c] = pd.to_numeric(units[c], errors="coerce") if c in units else np.nan
    size = next((c for c in ("size", "seniors", "enrollment") if c in units.columns), None)
    out["size"] = pd.to_numeric(units[size], errors="coerce") if size else np.nan
    return out.drop_duplicates("unit_id").reset_index(drop=True)


def _standardized(context: pd.DataFrame) -> pd.DataFrame:
    """z-scores of each context variable across the network (size on the log scale)."""
    z = pd.DataFrame(index=context.index)
    for c in CONTEXT:
        x = context[c].astype(float)
        if c == "size":
            x = np.log(x.where(x > 0))
        sd = x.std(ddof=1)
        z[c] = (x - x.mean()) / sd if sd and np.isfinite(sd) and sd > 0 else 0.0 * x
    return z


def _stance(
    ids: pd.Series,
    pdsa: pd.DataFrame | None,
    traction: pd.DataFrame | None,
    *,
    as_of: dt.date | None,
) -> pd.DataFrame:
    """PDSA cycles started in the year up to ``as_of``, and the latest ownership score."""
    out = pd.DataFrame({"unit_id": ids.astype(str)})
    out["pdsa_cycles"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["ownership"] = np.nan
    if pdsa is not None:
        check_columns(pdsa, ["school_id", "cycle_id", "start_date"], what="pdsa")
        start = pd.to_datetime(pdsa["start_date"], errors="coerce")
        end = pd.Timestamp(as_of) if as_of is not None else start.max()
        recent = pdsa.loc[(start > end - pd.Timedelta(days=365)) & (start <= end)]
        cycles = recent.groupby(recent["school_id"].astype(str))["cycle_id"].nunique()
        out["pdsa_cycles"] = out["unit_id"].map(cycles).fillna(0).astype("Int64")
    if traction is not None and "ownership" in traction.columns:
        latest = traction.sort_values("year").groupby(traction["school_id"].astype(str)).last()
        out["ownership"] = out["unit_id"].map(latest["ownership"]).astype(float)
    return out


def match(
    shrunken_or_rates: pd.DataFrame,
    units: pd.DataFrame,
    *,
    bright_spots: Any,
    measure: str | None = None,
    group: str = "focal",
    year: int | None = None,
    direction: str = "higher",
    pdsa: pd.DataFrame | None = None,
    traction: pd.DataFrame | None = None,
    weights: Sequence[float] = (1.0, 1.0, 0.5),
    same_district_bonus: float = 0.5,
    min_gap_pp: float = 5.0,
    max_visitors: int = 3,
    exclude_bottom: float = 0.1,
    bottom_years: int = 3,
    min_cell: int = 10,
    stance_bonus: float = 0.25,
    min_cycles: int = 2,
    ownership_threshold: float = 3.0,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Suggest visiting teams for each host team, ranked, with the reasons.

    Parameters
    ----------
    shrunken_or_rates : DataFrame
        The rates table (``unit_id``, ``year``, ``group``, ``measure``, ``numerator``,
        ``denominator``), or a frame of unit estimates with ``unit_id``, ``numerator`` and
        ``denominator``; a ``shrunken`` or ``estimate`` column, when present, ranks the
        units for the bottom-performer rule. The gap always uses the raw counts of ``year``.
    units : DataFrame
        The units frame: ``unit_id``, ``unit_name``, ``district``, ``share_focal``,
        ``share_low_income``, ``size`` (or ``seniors`` / ``enrollment``).
    bright_spots : list of str or DataFrame
        Host candidates: unit ids, or the frame from ``netlab.variation.bright_spots``
        (rows with ``unit_id``; if it has a ``bright_spot`` or ``credible`` column only the
        rows where it is True).
    measure : str, optional
        The focal measure (filters ``measure`` when the frame has that column).
    group : str, default "focal"
    year : int, optional
        Year of the counts; default the latest year of the measure.
    direction : {"higher", "lower"}, default "higher"
        Whether higher rates are better (``"lower"`` for summer melt).
    pdsa, traction : DataFrame, optional
        The pdsa and traction tables, for the learning-stance evidence.
    weights : (float, float, float), default (1.0, 1.0, 0.5)
        Weights of share_focal, share_low_income and log size in the distance.
    same_district_bonus : float, default 0.5
        Subtracted from the distance (in standard deviations) for a visitor in the host's
        district.
    min_gap_pp : float, default 5.0
        Smallest gap to the host, in percentage points.
    max_visitors : int, default 3
        Visitors per host at most.
    exclude_bottom : float, default 0.1
        Share of units, lowest on the measure, that are never suggested (at least one unit
        when positive): a visit should not single out the weakest team.
    bottom_years : int, default 3
        The bottom-performer rule ranks units on their pooled rate over this many years up
        to ``year`` (one year of a small unit is noisy), or on the shrunken estimate when
        the frame has one.
    min_cell : int, default 10
        Units whose rate rests on fewer students are neither hosts nor visitors.
    stance_bonus : float, default 0.25
        Subtracted from the distance for a visitor showing a learning stance: at least
        ``min_cycles`` PDSA cycles started in the last year, or ownership at or above
        ``ownership_threshold``.
    min_cycles : int, default 2
    ownership_threshold : float, default 3.0
    as_of : date, optional
        End of the "last year" for PDSA cycles; default the latest cycle start.

    Returns
    -------
    DataFrame
        One row per suggested pair, hosts in order of their rate, visitors by ``rank``
        (1 = best suggestion): ``host``, ``visitor``, ``rank``, ``host_name``,
        ``visitor_name``, ``score`` (distance minus bonuses, what ranks), ``distance``,
        ``same_district``, ``host_district``, ``visitor_district``, for each of
        share_focal and share_low_income ``host_*``, ``visitor_*`` and ``*_diff_pp``
        (host minus visitor, in percentage points), ``host_size``, ``visitor_size``,
        ``size_ratio`` (visitor / host), ``year``, the counts and rates of both,
        ``gap_pp`` with ``gap_low_pp`` and ``gap_high_pp`` (the host's advantage, 95%
        Newcombe hybrid score interval), ``host_pdsa_cycles``, ``host_ownership``,
        ``visitor_pdsa_cycles``, ``visitor_ownership``, ``visitor_learning_stance``,
        ``visitor_hosts`` (how many hosts the visitor is suggested to): numbers, which
        :func:`netlab.words.pair_reasons_words` says in a line.
    """
    _check_settings(direction, weights, max_visitors)
    perf = _performance(
        shrunken_or_rates, measure=measure, group=group, year=year, window=bottom_years
    )
    perf = perf.loc[~privacy.too_small(perf["denominator"], min_cell)].reset_index(drop=True)
    context = _context(units)
    unknown = sorted(set(_host_ids(bright_spots)) - set(context["unit_id"]))
    if unknown:
        raise InputError(
            f"Bright spot(s) {unknown[:5]} are not in the units frame.",
            column="unit_id",
            hint="Pass bright spots computed from the same run as the units.",
        )
    measured = set(perf["unit_id"])
    hosts = [h for h in _host_ids(bright_spots) if h in measured]
    if not hosts or perf.empty:
        return pd.DataFrame(columns=_COLUMNS)

    z = _standardized(context).set_index(context["unit_id"])
    ctx = context.set_index("unit_id")
    sign = 1.0 if direction == "higher" else -1.0
    perf = perf.set_index("unit_id")
    bottom = _bottom(perf, sign, exclude_bottom)  # the bottom performers never visit
    stance = _learning_stance(
        perf.index, pdsa, traction, as_of=as_of, min_cycles=min_cycles,
        ownership_threshold=ownership_threshold,
    )  # fmt: skip
    keep = ~perf.index.isin(hosts) & ~perf.index.isin(list(bottom)) & perf.index.isin(z.index)
    hosts = sorted(hosts, key=lambda h: -sign * perf.loc[h, "value"])
    out = _pairs(
        hosts, perf.index[keep], z=z, ctx=ctx, perf=perf, stance=stance,
        weights=np.asarray(weights, dtype=float), sign=sign,
        bonuses=(same_district_bonus, stance_bonus), min_gap_pp=min_gap_pp,
        max_visitors=max_visitors,
    )  # fmt: skip
    if out is None or out.empty:
        return pd.DataFrame(columns=_COLUMNS)
    return _with_context(out, ctx, perf, stance)


def _check_settings(direction: str, weights: Sequence[float], max_visitors: int) -> None:
    check_argument("direction", ["higher", "lower"], direction)
    if len(weights) != len(CONTEXT):
        raise ValueError(f"`weights` needs {len(CONTEXT)} numbers {CONTEXT}; got {weights!r}.")
    if max_visitors < 1:
        raise ValueError(f"`max_visitors` must be at least 1; got {max_visitors!r}.")


def _learning_stance(
    ids: pd.Index,
    pdsa: pd.DataFrame | None,
    traction: pd.DataFrame | None,
    *,
    as_of: dt.date | None,
    min_cycles: int,
    ownership_threshold: float,
) -> pd.DataFrame:
    """Each unit's PDSA cycles, ownership and learning stance (NA without the tables)."""
    stance = _stance(pd.Series(ids), pdsa, traction, as_of=as_of).set_index("unit_id")
    has_evidence = pdsa is not None or traction is not None
    cycles_ok = stance["pdsa_cycles"].fillna(0).astype(int) >= min_cycles
    owning = stance["ownership"].fillna(-np.inf) >= ownership_threshold
    stance["learning_stance"] = (cycles_ok | owning) if has_evidence else pd.NA
    return stance


def _bottom(perf: pd.DataFrame, sign: float, exclude_bottom: float) -> set:
    """The lowest ``exclude_bottom`` share of units on the measure (at least one)."""
    n_bottom = math.ceil(exclude_bottom * len(perf)) if exclude_bottom > 0 else 0
    bottom = set(
        (sign * perf["value"]).sort_values(kind="stable").index[: max(n_bottom, 0)].tolist()
    )
    if exclude_bottom > 0 and not bottom:
        bottom = {(sign * perf["value"]).idxmin()}
    return bottom


def _pairs(
    hosts: list,
    candidates: pd.Index,
    *,
    z: pd.DataFrame,
    ctx: pd.DataFrame,
    perf: pd.DataFrame,
    stance: pd.DataFrame,
    weights: np.ndarray,
    sign: float,
    bonuses: tuple[float, float],
    min_gap_pp: float,
    max_visitors: int,
) -> pd.DataFrame | None:
    """Each host's best visitors: host, visitor, rank, distance, score, gap (None: none)."""
    # Candidate arrays once; each host is then a few vectorized steps (a state has ~1,300).
    cand = np.asarray(candidates, dtype=object)
    z_cand = z.loc[candidates, list(CONTEXT)].to_numpy(dtype=float)
    if len(z_cand) and np.isnan(z_cand).all():
        # No context to tell look-alikes by: no pairs, rather than pairs in id order.
        return None
    num_cand = perf.loc[candidates, "numerator"].to_numpy(dtype=float)
    den_cand = perf.loc[candidates, "denominator"].to_numpy(dtype=float)
    district_cand = ctx.loc[candidates, "district"].astype(object).to_numpy()
    stance_cand = stance.loc[candidates, "learning_stance"].astype("boolean").fillna(False)
    stance_cand = stance_cand.to_numpy(dtype=bool)
    z_host = z.loc[hosts, list(CONTEXT)].to_numpy(dtype=float)
    num_host = perf.loc[hosts, "numerator"].to_numpy(dtype=float)
    den_host = perf.loc[hosts, "denominator"].to_numpy(dtype=float)
    district_host = ctx.loc[hosts, "district"].astype(object).to_numpy()
    w = weights
    rows = []
    for k, host in enumerate(hosts if len(cand) else []):
        diff = z_cand - z_host[k]
        ok = ~np.isnan(diff)
        # Missing context: compare over the variables both have, rescaled to full weight.
        wsum = (ok * w).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            dist = np.sqrt(np.where(ok, w * diff**2, 0.0).sum(axis=1) * w.sum() / wsum)
        d, low, high = newcombe_diff(num_host[k], den_host[k], num_cand, den_cand)
        hd = district_host[k]
        same = np.zeros(len(cand), bool) if pd.isna(hd) else (district_cand == hd).astype(bool)
        score = dist - bonuses[0] * same - bonuses[1] * stance_cand
        gap = 100 * sign * d
        eligible = np.flatnonzero(gap >= min_gap_pp)
        # Lowest score first; ties by distance, then by id (NaN distances last).
        order = np.lexsort((cand[eligible], np.nan_to_num(dist[eligible], nan=np.inf),
                            np.nan_to_num(score[eligible], nan=np.inf)))  # fmt: skip
        pick = eligible[order[:max_visitors]]
        rows.append(
            (cand[pick], dist[pick], gap[pick],
             100 * (low if sign > 0 else -high)[pick], 100 * (high if sign > 0 else -low)[pick],
             same[pick], score[pick], np.full(len(pick), host, dtype=object),
             np.arange(1, len(pick) + 1))
        )  # fmt: skip
    if not rows:
        return None
    names = ["visitor", "distance", "gap_pp", "gap_low_pp", "gap_high_pp", "same_district",
             "score", "host", "rank"]  # fmt: skip
    out = pd.DataFrame({n: np.concatenate([r[i] for r in rows]) for i, n in enumerate(names)})
    return out.assign(visitor=out["visitor"].astype(str), host=out["host"].astype(str))


def _with_context(
    out: pd.DataFrame, ctx: pd.DataFrame, perf: pd.DataFrame, stance: pd.DataFrame
) -> pd.DataFrame:
    """The pairs with both sides' names, context, counts and stance, and the reasons."""
    for role in ("host", "visitor"):
        ids = out[role]
        out[f"{role}_name"] = ids.map(ctx["name"])
        out[f"{role}_district"] = ids.map(ctx["district"])
        for c in CONTEXT:
            out[f"{role}_{c}"] = ids.map(ctx[c])
        out[f"{role}_numerator"] = ids.map(perf["numerator"])
        out[f"{role}_denominator"] = ids.map(perf["denominator"])
        out[f"{role}_rate"] = ids.map(perf["rate"])
        out[f"{role}_pdsa_cycles"] = ids.map(stance["pdsa_cycles"]).astype("Int64")
        out[f"{role}_ownership"] = ids.map(stance["ownership"]).astype(float)
    out["visitor_learning_stance"] = out["visitor"].map(stance["learning_stance"])
    out["year"] = perf["year"].iloc[0]
    for c in ("share_focal", "share_low_income"):
        out[f"{c}_diff_pp"] = 100 * (out[f"host_{c}"] - out[f"visitor_{c}"])
    out["size_ratio"] = out["visitor_size"] / out["host_size"]
    # A visitor suggested to several hosts: the hub may spread the visits.
    out["visitor_hosts"] = out.groupby("visitor")["host"].transform("nunique").astype(int)
    return out[_COLUMNS].reset_index(drop=True)


_CONTEXT_LABELS = {
    "share_focal": "share of students in the focal group",
    "share_low_income": "share of students from low-income families",
    "size": "size (seniors, or enrollment)",
    "district": "district",
}


def context_used(units: pd.DataFrame) -> pd.DataFrame:
    """Which context the matching could use: each variable and how many units have it.

    Matching compares units on the variables both have (a missing one is left out of the
    distance, the others rescaled to full weight), so a network whose schools table lacks a
    column is still matched, on less. This frame says on what.

    Parameters
    ----------
    units : DataFrame
        The units frame (:func:`netlab.measures.units_frame`).

    Returns
    -------
    DataFrame
        ``variable``, ``label``, ``units_with`` (units that have a value), ``units`` and
        ``used`` (at least two units have it, so it can tell units apart).
    """
    ctx = _context(units)
    rows = []
    for var in (*CONTEXT, "district"):
        have = int(ctx[var].notna().sum())
        rows.append(
            {
                "variable": var,
                "label": _CONTEXT_LABELS[var],
                "units_with": have,
                "units": len(ctx),
                "used": have >= 2,
            }
        )
    return pd.DataFrame(rows)
