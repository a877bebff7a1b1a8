"""One measure registry, both grains: measures and groups as data, rates as one long table.

Measures and groups are short YAML definitions (``netlab/data/measures.yaml`` and
``netlab/data/groups.yaml`` hold the built-in ones; a run's params add or override them).
:func:`compute_rates` turns student records, school-level counts, or both, into the rates
table: unit × year × group × measure → numerator, denominator, rate.

Definitions are loaded and checked in ``_definitions``, the units of improvement are
described in ``_units`` and progress over time lives in ``_progress``; this module computes
the rates.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from netlab.exceptions import InputError
from netlab.measures._definitions import (
    Group,
    Measure,
    Registry,
    _as_params,
    registry,
)
from netlab.measures._units import unit_map
from netlab.measures.conditions import Condition, check, evaluate
from netlab.params import RunParams

RATES_COLUMNS = ["unit_id", "year", "group", "measure", "numerator", "denominator", "rate"]


def measures_frame(registry: Registry) -> pd.DataFrame:
    """Describe the registry's measures, one row each.

    Parameters
    ----------
    registry : Registry
        The measure registry.

    Returns
    -------
    pandas.DataFrame
        Columns measure, label, direction, kind, table, denominator_label, short_label
        (the label itself when the definition gives none), the window (window_years,
        window_month, window_day, provisional) and final_when (the window in words).
    """
    rows = [
        {
            "measure": m.name,
            "label": m.label,
            "direction": m.direction,
            "kind": m.kind,
            "table": m.table,
            "denominator_label": m.denominator_label,
            "short_label": m.short_label or m.label,
            "window_years": int(m.window.years),
            "window_month": int(m.window.month),
            "window_day": int(m.window.day),
            "provisional": bool(m.window.provisional),
            "final_when": m.window.describe(),
        }
        for m in registry.measures.values()
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "measure", "label", "direction", "kind", "table", "denominator_label", "short_label",
            "window_years", "window_month", "window_day", "provisional", "final_when",
        ],
    )  # fmt: skip


# ------------------------------------------------------------------------------ rates


def _year_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer year codes (0-based), the years they stand for, and a valid mask."""
    years = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    valid = np.isfinite(years)
    if not valid.any():
        return np.zeros(len(years), dtype=np.int64), np.array([], dtype=np.int64), valid
    as_int = np.where(valid, years, 0).astype(np.int64)
    low, high = as_int[valid].min(), as_int[valid].max()
    if high - low < 100_000:
        return as_int - low, np.arange(low, high + 1, dtype=np.int64), valid
    uniq, inverse = np.unique(as_int, return_inverse=True)
    return inverse.astype(np.int64), uniq, valid


def _usable(conds: list[Condition], columns: set[str], constants: Mapping[str, Any]) -> bool:
    return all(c.columns <= columns | set(constants) for c in conds)


def _families(groups: list[Group], mask: Any, n: int) -> list[tuple[list[Group], np.ndarray]]:
    """Gather groups with no member in common (such as race/ethnicity groups) into families.

    Each family is counted in one pass over the rows, with its groups' codes (-1 = none).
    """
    families: list[tuple[list[Group], np.ndarray]] = []
    for g in groups:
        gmask = mask(g.condition)
        for members, codes in families:
            if not (gmask & (codes >= 0)).any():
                codes[gmask] = len(members)
                members.append(g)
                break
        else:
            codes = np.full(n, -1, dtype=np.int64)
            codes[gmask] = 0
            families.append(([g], codes))
    return families


def _missing_columns(
    m: Measure, frame: pd.DataFrame, columns: set[str], constants: Mapping[str, Any]
) -> list[str]:
    """Columns a measure needs that the table lacks, or holds no value in."""
    numerator, denominator, year_column = m.computed()
    missing = sorted(
        (numerator.columns | denominator.columns | {year_column}) - columns - set(constants)
    )
    # A numerator read from a column with no value at all (graduation rates joined from
    # an institutions table the run does not have) is unknown, not zero.
    missing += sorted(
        c for c in (numerator.columns & columns) - {year_column}
        if len(frame) and bool(frame[c].isna().all())
    )  # fmt: skip
    return missing


def _family_parts(
    family: list[Group],
    codes: np.ndarray,
    rows: np.ndarray,
    *,
    cell: np.ndarray,
    numerator: np.ndarray,
    years: np.ndarray,
    n_cells: int,
    measure: str,
) -> list[tuple]:
    """Counts of one family of disjoint groups: one bincount, slot (cell, in numerator, group)."""
    fam = codes[rows]
    inside = fam >= 0
    key = (cell[rows] * 2 + numerator) * len(family) + fam
    counts = np.bincount(
        key if inside.all() else key[inside], minlength=2 * n_cells * len(family)
    ).reshape(n_cells, 2, len(family))
    parts = []
    for j, g in enumerate(family):
        num = counts[:, 1, j]
        tot = counts[:, 0, j] + num
        nz = np.flatnonzero(tot)
        parts.append((nz // len(years), years[nz % len(years)], g.name, measure, num[nz], tot[nz]))
    return parts


def _parts_frame(parts: list[tuple], schools: pd.Index) -> pd.DataFrame:
    """The counts frame from (school code, year, group, measure, numerator, denominator) parts."""
    sizes = [len(p[0]) for p in parts]
    group_names = [p[2] for p in parts]
    measure_names = [p[3] for p in parts]
    return pd.DataFrame(
        {
            "school_id": schools.take(np.concatenate([p[0] for p in parts])),
            "year": np.concatenate([p[1] for p in parts]).astype(np.int64),
            "group": np.repeat(np.array(group_names, dtype=object), sizes),
            "measure": np.repeat(np.array(measure_names, dtype=object), sizes),
            "numerator": np.concatenate([p[4] for p in parts]).astype(np.int64),
            "denominator": np.concatenate([p[5] for p in parts]).astype(np.int64),
        }
    )


def _table_counts(
    frame: pd.DataFrame,
    measures: list[Measure],
    groups: list[Group],
    constants: Mapping[str, Any],
    quiet: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """School × year × group × measure counts from one student-level table."""
    columns = set(frame.columns)
    cache: dict[str, np.ndarray] = {}

    def mask(cond: Condition) -> np.ndarray:
        if cond.text not in cache:
            cache[cond.text] = evaluate(cond, frame, constants)
        return cache[cond.text]

    school_codes, schools = pd.factorize(frame["school_id"], sort=True)
    groups = [g for g in groups if _usable([g.condition], columns, constants)]
    families = _families(groups, mask, len(frame))
    parts = []
    by_year: dict[str, tuple] = {}
    for m in measures:
        missing = _missing_columns(m, frame, columns, constants)
        if missing and m.name in quiet:
            continue
        if missing:
            warnings.warn(
                f"Measure {m.name!r} is left out: the {m.table} table has no column(s), or no "
                f"value in the column(s), {missing}.",
                stacklevel=3,
            )
            continue
        num, den, year_column = m.computed()
        if year_column not in by_year:
            ycodes, years, valid = _year_codes(frame[year_column])
            valid &= school_codes >= 0
            cell = school_codes.astype(np.int64) * len(years) + ycodes
            by_year[year_column] = (cell, years, valid)
        cell, years, valid = by_year[year_column]
        rows = np.flatnonzero(mask(den) & valid)
        numerator = mask(num)[rows]
        for family, codes in families:
            parts += _family_parts(
                family,
                codes,
                rows,
                cell=cell,
                numerator=numerator,
                years=years,
                n_cells=len(schools) * len(years),
                measure=m.name,
            )
    return _parts_frame(parts, schools) if parts else _empty_counts()


def _empty_counts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "school_id": pd.Series([], dtype="str"),
            "year": pd.Series([], dtype=np.int64),
            "group": pd.Series([], dtype="str"),
            "measure": pd.Series([], dtype="str"),
            "numerator": pd.Series([], dtype=np.int64),
            "denominator": pd.Series([], dtype=np.int64),
        }
    )


def _student_counts(tables: Mapping[str, pd.DataFrame], reg: Registry) -> pd.DataFrame:
    by_table: dict[str, list[Measure]] = {}
    for m in reg.measures.values():
        if not m.from_counts and m.table in tables:
            by_table.setdefault(m.table, []).append(m)
    parts = [
        _table_counts(tables[t], ms, list(reg.groups.values()), reg.constants, reg.quiet)
        for t, ms in by_table.items()
    ]
    return pd.concat(parts, ignore_index=True) if parts else _empty_counts()


def _given_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """The counts grain as given: suppressed numerators stay missing, not zero."""
    for column in ("school_id", "year", "group", "measure", "numerator", "denominator"):
        if column not in counts.columns:
            raise InputError(
                f"The counts table has no {column!r} column.", table="counts", column=column
            )
    num = pd.to_numeric(counts["numerator"], errors="coerce").astype(float)
    if "numerator_suppressed" in counts.columns:
        suppressed = counts["numerator_suppressed"].fillna(False).astype(bool)
        num = num.mask(suppressed)
    den = pd.to_numeric(counts["denominator"], errors="coerce")
    out = pd.DataFrame(
        {
            "school_id": counts["school_id"].astype("str"),
            "year": pd.to_numeric(counts["year"], errors="coerce"),
            "group": counts["group"].astype("str"),
            "measure": counts["measure"].astype("str"),
            "numerator": num,
            "denominator": den,
        }
    )
    keep = (out["denominator"] > 0) & out["year"].notna()
    out = out[keep.to_numpy()].reset_index(drop=True)
    out["year"] = out["year"].astype(np.int64)
    out["denominator"] = out["denominator"].astype(np.int64)
    return out


def _to_units(
    counts: pd.DataFrame, params: RunParams, schools: pd.DataFrame | None
) -> pd.DataFrame:
    counts = counts.rename(columns={"school_id": "unit_id"})
    if params.unit == "school":
        return counts
    mapping = unit_map(schools, params) if schools is not None else None
    if mapping is None:
        raise InputError(
            "The unit is the district, but there is no schools table to say "
            "which district each school belongs to.",
            table="schools",
        )
    lookup = pd.Series(mapping["unit_id"].to_numpy(), index=mapping["school_id"].to_numpy())
    unit = counts["unit_id"].map(lookup)
    if unit.isna().any():
        unknown = sorted(counts.loc[unit.isna(), "unit_id"].unique())[:10]
        raise InputError(
            f"Schools {unknown} have rates but no district in the schools table.",
            table="schools",
            column="district",
            hint="Add them to the schools table with their district.",
        )
    counts = counts.assign(unit_id=unit.to_numpy(), missing=counts["numerator"].isna().to_numpy())
    keys = ["unit_id", "year", "group", "measure"]
    summed = (
        counts.groupby(keys, sort=False, observed=True)
        .agg(
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            missing=("missing", "any"),
        )
        .reset_index()
    )
    # a district total resting on a suppressed school count is unknown, not a lower bound
    summed["numerator"] = summed["numerator"].astype(float).mask(summed["missing"])
    return summed.drop(columns="missing")


def _rank(values: pd.Series, known: list[str]) -> np.ndarray:
    """Registry order for known names, then the others alphabetically."""
    codes, uniques = pd.factorize(values, sort=True)
    position = {name: i for i, name in enumerate(known)}
    ranks = np.array([position.get(u, len(known) + j) for j, u in enumerate(uniques)])
    return ranks[codes] if len(ranks) else np.zeros(len(values), dtype=np.int64)


def _finish(counts: pd.DataFrame, reg: Registry) -> pd.DataFrame:
    """Sort (unit, year, measure, group in registry order), type, and add the rate."""
    unit_codes, _ = pd.factorize(counts["unit_id"], sort=True)
    order = np.lexsort(
        (
            _rank(counts["group"], list(reg.groups)),
            _rank(counts["measure"], list(reg.measures)),
            counts["year"].to_numpy(),
            unit_codes,
        )
    )
    out = counts.take(order).reset_index(drop=True)
    num = out["numerator"].astype(float)
    if not num.isna().any():
        num = num.astype(np.int64)
    den = out["denominator"].astype(np.int64)
    return pd.DataFrame(
        {
            "unit_id": out["unit_id"].astype("str"),
            "year": out["year"].astype(np.int64),
            "group": out["group"].astype("str"),
            "measure": out["measure"].astype("str"),
            "numerator": num,
            "denominator": den,
            "rate": num.to_numpy(dtype=float) / np.where(den > 0, den, np.nan),
        }
    )


def compute_rates(
    tables: Mapping[str, pd.DataFrame],
    params: RunParams | Mapping[str, Any] | None,
    *,
    registry: Registry | None = None,
) -> pd.DataFrame:
    """Compute the rates table from student records and/or school-level counts.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Clean tables. ``students`` (and any other student-level table a measure reads)
        gives each measure × group by counting rows; ``counts`` gives rows as they are
        (a suppressed numerator stays missing). Where both give the same school, year,
        group and measure, the student records win. ``schools`` maps schools to
        districts when the unit is the district.
    params : RunParams or mapping
        The run's parameters (``unit``, measures, groups, focal group, threshold).
    registry : Registry, optional
        A registry already built from ``params``.

    Returns
    -------
    pandas.DataFrame
        Columns unit_id, year, group, measure, numerator, denominator, rate; one row per
        cell with a denominator above zero. numerator is int64, or float64 with NaN when a
        counts file suppressed some. At the district unit, numerators and denominators
        are sums over the district's schools.

    Raises
    ------
    InputError
        When there is neither a students nor a counts table, or a school has no district
        at the district unit.
    """
    params = _as_params(params)
    reg = registry if registry is not None else _registry(params)
    student_tables = {m.table for m in reg.measures.values() if not m.from_counts}
    if "counts" not in tables and not student_tables & set(tables):
        raise InputError(
            "There is neither a students nor a counts table to compute rates from.",
            hint="Add students.csv (student records) or counts.csv.",
        )
    parts = [_student_counts(tables, reg)]
    if "counts" in tables:
        given = _given_counts(tables["counts"])
        if len(parts[0]):
            keys = ["school_id", "year", "group", "measure"]
            seen = pd.MultiIndex.from_frame(parts[0][keys])
            given = given[~pd.MultiIndex.from_frame(given[keys]).isin(seen)]
        parts.append(given)
    parts = [p for p in parts if len(p)] or [_empty_counts()]
    counts = pd.concat(parts, ignore_index=True)
    return _finish(_to_units(counts, params, tables.get("schools")), reg)


_registry = registry


def sofar_rates(
    tables: Mapping[str, pd.DataFrame],
    params: RunParams | Mapping[str, Any] | None,
    *,
    registry: Registry | None = None,
) -> pd.DataFrame:
    """ "So far" counts of the measures that ask for a provisional figure: the students
    already counted in the numerator, over **every** student of the class (the measure's
    table rows, whether or not their answer is known yet).

    Parameters
    ----------
    tables : Mapping[str, DataFrame]
        The run's clean tables.
    params : RunParams or Mapping[str, Any] or None
        The run's parameters.
    registry : Registry or None, optional
        The measure registry (:func:`netlab.measures.registry`); the built-in one when None.

    Returns
    -------
    pandas.DataFrame
        The rates columns, for the provisional measures read from student records only.
    """
    params = _as_params(params)
    reg = registry if registry is not None else _registry(params)
    chosen = [
        m
        for m in reg.measures.values()
        if m.window.provisional and not m.from_counts and m.table in tables
    ]
    if not chosen:
        return _finish(_empty_counts().rename(columns={"school_id": "unit_id"}), reg)
    every = check("true", {}, table=chosen[0].table)
    shadow = Registry(
        measures={m.name: dataclasses.replace(m, denominator=every) for m in chosen},
        groups=reg.groups,
        constants=reg.constants,
        quiet=frozenset(m.name for m in chosen),
    )
    counts = _student_counts(tables, shadow)
    return _finish(_to_units(counts, params, tables.get("schools")), shadow)


def counts_from_students(
    students: pd.DataFrame,
    params: RunParams | Mapping[str, Any] | None,
    *,
    registry: Registry | None = None,
) -> pd.DataFrame:
    """Aggregate student records to the school-level counts grain.

    Parameters
    ----------
    students : pandas.DataFrame
        Clean student records.
    params : RunParams or mapping
        The run's parameters.
    registry : Registry, optional
        A registry already built from ``params``.

    Returns
    -------
    pandas.DataFrame
        Columns school_id, year, group, measure, numerator, denominator (int64): the
        counts table that, read as the counts grain, gives the same rates as ``students``.
    """
    reg = registry if registry is not None else _registry(_as_params(params))
    out = _student_counts({"students": students}, reg)
    return out.sort_values(["school_id", "year", "measure", "group"]).reset_index(drop=True)
