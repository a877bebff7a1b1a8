"""One measure registry, both grains: measures and groups as data, rates as one long table.

Measures and groups are short YAML definitions (``netlab/data/measures.yaml`` and
``netlab/data/groups.yaml`` hold the built-in ones; a run's params add or override them).
:func:`compute_rates` turns student records, school-level counts, or both, into the rates
table: unit × year × group × measure → numerator, denominator, rate.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml

from netlab import intervals, paths
from netlab._checks import check_argument, check_columns
from netlab.conditions import Condition, check, evaluate
from netlab.exceptions import InputError, MeasureError
from netlab.params import GroupDef, MeasureDef, RunParams, from_dict

__all__ = [
    "COUNTS_TABLES",
    "RATES_COLUMNS",
    "TABLE_COLUMNS",
    "Group",
    "Measure",
    "Registry",
    "builtin_groups",
    "builtin_measures",
    "compute_rates",
    "counts_from_students",
    "measures_frame",
    "newcombe_diff",
    "process_series",
    "registry",
    "table_columns",
    "team_progress",
    "unit_map",
    "units_frame",
    "wilson_interval",
]

RATES_COLUMNS = ["unit_id", "year", "group", "measure", "numerator", "denominator", "rate"]
#: Tables whose rows carry their own measure names, numerators and denominators.
COUNTS_TABLES = ("counts", "process")

_BOOL = "bool"
#: Processed (clean) columns of each table and their kinds: what conditions may read.
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "schools": {
        "school_id": "str",
        "school_name": "str",
        "district": "str",
        "cohort": "int",
        "enrollment": "int",
        "seniors": "int",
        "share_low_income": "float",
        "share_black": "float",
        "share_latinx": "float",
        "share_indigenous": "float",
        "share_asian": "float",
        "share_white": "float",
        "share_focal": "float",
    },
    "students": {
        "student_key": "str",
        "school_id": "str",
        "grad_year": "int",
        "race_ethnicity": "str",
        "low_income": _BOOL,
        "english_learner": _BOOL,
        "first_gen": _BOOL,
        "gender": "str",
        "gpa": "float",
        "fafsa_complete": _BOOL,
        "fafsa_date": "date",
        "dream_act_complete": _BOOL,
        "cal_grant": _BOOL,
        "applied_4yr": _BOOL,
        "admitted_4yr": _BOOL,
        "intent_4yr": _BOOL,
        "enrolled": _BOOL,
        "enrolled_unitid": "str",
        "enrolled_level": "str",
        "enrolled_grad_rate": "float",
    },
    "counts": {
        "school_id": "str",
        "year": "int",
        "group": "str",
        "measure": "str",
        "numerator": "int",
        "denominator": "int",
        "numerator_suppressed": _BOOL,
    },
    "practices": {"school_id": "str", "year": "int", "practice": "str", "level": "int"},
    "traction": {
        "school_id": "str",
        "year": "int",
        "spread": "int",
        "depth": "int",
        "ownership": "int",
        "sustainability": "int",
    },
    "process": {
        "school_id": "str",
        "date": "date",
        "measure": "str",
        "numerator": "float",
        "denominator": "float",
        "value": "float",
    },
}


@dataclass(frozen=True)
class Measure:
    """One checked measure definition."""

    name: str
    label: str
    table: str
    denominator: Condition | None
    numerator: Condition | None
    denominator_label: str
    direction: str
    kind: str
    year_column: str | None

    @property
    def from_counts(self) -> bool:
        """True when the measure's rows come as counts (described, not computed)."""
        return self.table in COUNTS_TABLES


@dataclass(frozen=True)
class Group:
    """One checked group definition (a label and a condition on the students table)."""

    name: str
    label: str
    condition: Condition


@dataclass(frozen=True)
class Registry:
    """Every measure and group a run uses, checked against the tables' columns.

    Attributes
    ----------
    measures, groups : mapping of name to Measure / Group
        In a stable order: built-ins first, then the run's own.
    constants : mapping
        Named constants the conditions may use (``grad_rate_threshold``).
    """

    measures: Mapping[str, Measure]
    groups: Mapping[str, Group]
    constants: Mapping[str, Any] = field(default_factory=dict)

    def get(self, measure: str, default: Any = None) -> Measure | Any:
        """The measure called ``measure``, or ``default``."""
        return self.measures.get(measure, default)

    def label(self, measure: str) -> str:
        """A measure's label (its name when the registry does not know it)."""
        return self.measures[measure].label if measure in self.measures else measure

    def group_label(self, group: str) -> str:
        """A group's label (its name when the registry does not know it)."""
        return self.groups[group].label if group in self.groups else group

    def direction(self, measure: str) -> str:
        """``"higher"`` or ``"lower"`` (is better); ``"higher"`` for unknown measures."""
        return self.measures[measure].direction if measure in self.measures else "higher"


# ---------------------------------------------------------------------------- registry


def _as_params(params: RunParams | Mapping[str, Any] | None) -> RunParams:
    if isinstance(params, RunParams):
        return params
    data = dict(params or {})
    for section in ("measures", "groups"):
        if isinstance(data.get(section), Mapping):
            data[section] = {
                name: _bools_as_text(defn) if isinstance(defn, Mapping) else defn
                for name, defn in data[section].items()
            }
    data.setdefault("run", "adhoc")
    data.setdefault("raw_dir", ".")
    return from_dict(data)


def _bools_as_text(defn: Mapping[str, Any]) -> dict[str, Any]:
    # YAML reads an unquoted `true` as a boolean; conditions want it as text.
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in defn.items()}


def _builtin(name: str) -> dict[str, Any]:
    text = (paths.PACKAGE_DATA / name).read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    return {key: _bools_as_text(value) for key, value in data.items()}


def builtin_measures() -> dict[str, MeasureDef]:
    """The built-in measure definitions from ``netlab/data/measures.yaml``."""
    return {k: MeasureDef(**v) for k, v in _builtin("measures.yaml").items()}


def builtin_groups() -> dict[str, GroupDef]:
    """The built-in group definitions from ``netlab/data/groups.yaml``."""
    return {k: GroupDef(**v) for k, v in _builtin("groups.yaml").items()}


def table_columns(params: RunParams | Mapping[str, Any] | None = None) -> dict[str, dict]:
    """Each table's known columns and kinds: the processed columns plus ``extra_columns``."""
    params = _as_params(params)
    out = {table: dict(cols) for table, cols in TABLE_COLUMNS.items()}
    for table, cols in params.extra_columns.items():
        out.setdefault(table, {}).update(cols)
    return out


def _year_column(defn: MeasureDef, known: Mapping[str, str]) -> str:
    if defn.year_column:
        return defn.year_column
    return "grad_year" if "grad_year" in known else "year"


def _check_measure(
    name: str,
    defn: MeasureDef,
    tables: Mapping[str, Mapping[str, str]],
    constants: Mapping[str, Any],
) -> Measure:
    what = f"Measure {name!r}"
    if defn.table in COUNTS_TABLES:
        if defn.numerator or defn.denominator:
            raise MeasureError(
                f"{what} reads the {defn.table} table, whose rows carry their own numerators "
                "and denominators, yet it defines numerator/denominator conditions.",
                table=defn.table,
                hint="Drop the conditions, or point `table:` at a student-level table.",
            )
        return Measure(
            name,
            defn.label,
            defn.table,
            None,
            None,
            defn.denominator_label or f"as reported in the {defn.table} file",
            defn.direction,
            defn.kind,
            "year",
        )
    if defn.table not in tables:
        raise MeasureError(
            f"{what} reads the table {defn.table!r}, which is not a known table.",
            table=defn.table,
            hint="Declare its columns under the params' extra_columns.",
        )
    known = tables[defn.table]
    if defn.numerator is None:
        raise MeasureError(
            f"{what} has no numerator condition.",
            table=defn.table,
            hint="Add `numerator:`, e.g. `numerator: enrolled`.",
        )
    for column, need in (("school_id", "str"), (_year_column(defn, known), "int")):
        if known.get(column) != need:
            raise MeasureError(
                f"{what} reads the {defn.table} table, which has no {need} column {column!r} "
                "to place each row in a school and a year.",
                table=defn.table,
                column=column,
                hint="Set `year_column:` or declare the column in extra_columns.",
            )
    conds = {}
    for part in ("denominator", "numerator"):
        text = getattr(defn, part) or "true"
        try:
            conds[part] = check(text, known, constants, table=defn.table)
        except MeasureError as err:
            raise MeasureError(
                f"{what}, {part}: {err.message}",
                table=defn.table,
                column=err.column,
                hint=err.hint,
            ) from None
    den_text = conds["denominator"].text.strip().lower()
    label = defn.denominator_label or (
        f"all rows of the {defn.table} table"
        if den_text == "true"
        else f"{defn.table} rows where {conds['denominator'].text}"
    )
    return Measure(
        name,
        defn.label,
        defn.table,
        conds["denominator"],
        conds["numerator"],
        label,
        defn.direction,
        defn.kind,
        _year_column(defn, known),
    )


def _check_group(
    name: str,
    defn: GroupDef,
    known: Mapping[str, str],
    constants: Mapping[str, Any],
    table: str = "students",
) -> Group:
    try:
        return Group(name, defn.label, check(defn.condition, known, constants, table=table))
    except MeasureError as err:
        raise MeasureError(
            f"Group {name!r}: {err.message}", table=table, column=err.column, hint=err.hint
        ) from None


def registry(params: RunParams | Mapping[str, Any] | None = None) -> Registry:
    """Build the run's measure and group registry, checking every definition up front.

    Parameters
    ----------
    params : RunParams or mapping, optional
        The run's parameters (a plain mapping is validated as run parameters; ``run`` and
        ``raw_dir`` may be left out). Its ``measures`` and ``groups`` add to or override the
        built-ins; ``focal_group`` names a group or gives ``{label, condition}``;
        ``extra_columns`` declares columns conditions may use; ``grad_rate_threshold`` is a
        constant conditions may use.

    Returns
    -------
    Registry

    Raises
    ------
    MeasureError
        One line per bad definition, naming the measure or group, the condition and the
        column: an unknown column or table, an unsupported operator or syntax, a type
        mismatch, an unknown focal group, or a focal/team measure that is not defined.
    """
    params = _as_params(params)
    constants = {"grad_rate_threshold": params.grad_rate_threshold}
    tables = table_columns(params)
    problems: list[MeasureError] = []

    measures: dict[str, Measure] = {}
    for name, defn in {**builtin_measures(), **params.measures}.items():
        try:
            measures[name] = _check_measure(name, defn, tables, constants)
        except MeasureError as err:
            problems.append(err)

    group_defs = {**builtin_groups(), **params.groups}
    focal = params.focal_group
    if isinstance(focal, str) and focal != "focal":
        if focal in group_defs:
            group_defs["focal"] = group_defs[focal]
        else:
            known = ", ".join(sorted(group_defs))
            problems.append(
                MeasureError(
                    f"The focal group {focal!r} is not a known group (known groups: {known}).",
                    hint="Name a group defined under `groups:`, or give {label, condition}.",
                )
            )
    elif isinstance(focal, GroupDef):
        group_defs["focal"] = focal
    # a group is checked on the students table, or on another table a measure reads
    group_tables = ["students"] + sorted(
        {m.table for m in measures.values() if not m.from_counts} - {"students"}
    )
    groups: dict[str, Group] = {}
    for name, defn in group_defs.items():
        errors = []
        for table in group_tables:
            try:
                groups[name] = _check_group(name, defn, tables[table], constants, table)
                break
            except MeasureError as err:
                errors.append(err)
        else:
            problems.append(errors[0])
    if params.aim.group not in group_defs:
        problems.append(
            MeasureError(
                f"The parameter aim.group names the group {params.aim.group!r}, which is not "
                "defined.",
                hint="Name a group defined under `groups:` (or `focal`).",
            )
        )

    wanted = {"focal_measure": params.focal_measure, "aim.measure": params.aim.measure}
    wanted |= {f"team_measures.{unit}": m for unit, m in params.team_measures.items()}
    for key, name in wanted.items():
        if name not in measures and not any(name in str(p) for p in problems):
            problems.append(
                MeasureError(
                    f"The parameter {key} names the measure {name!r}, which is not defined.",
                    hint="Define it under `measures:` (table: counts for a counts file's own "
                    "measure names).",
                )
            )

    if len(problems) == 1:
        raise problems[0]
    if problems:
        lines = "\n".join("  - " + str(p).replace("\n", "\n    ") for p in problems)
        raise MeasureError(
            f"{len(problems)} measure or group definitions cannot be used:\n{lines}"
        )
    return Registry(measures=measures, groups=groups, constants=constants)


def measures_frame(registry: Registry) -> pd.DataFrame:
    """Describe the registry's measures, one row each.

    Returns
    -------
    pandas.DataFrame
        Columns measure, label, direction, kind, table, denominator_label.
    """
    rows = [
        {
            "measure": m.name,
            "label": m.label,
            "direction": m.direction,
            "kind": m.kind,
            "table": m.table,
            "denominator_label": m.denominator_label,
        }
        for m in registry.measures.values()
    ]
    return pd.DataFrame(
        rows, columns=["measure", "label", "direction", "kind", "table", "denominator_label"]
    )


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


def _table_counts(
    frame: pd.DataFrame, measures: list[Measure], groups: list[Group], constants: Mapping[str, Any]
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
        missing = sorted(
            (m.numerator.columns | m.denominator.columns | {m.year_column})
            - columns
            - set(constants)
        )
        if missing:
            warnings.warn(
                f"Measure {m.name!r} is left out: the {m.table} table has no column(s) {missing}.",
                stacklevel=3,
            )
            continue
        if m.year_column not in by_year:
            ycodes, years, valid = _year_codes(frame[m.year_column])
            valid &= school_codes >= 0
            cell = school_codes.astype(np.int64) * len(years) + ycodes
            by_year[m.year_column] = (cell, years, valid)
        cell, years, valid = by_year[m.year_column]
        n_cells = len(schools) * len(years)
        den = mask(m.denominator) & valid
        rows = np.flatnonzero(den)
        numerator = mask(m.numerator)[rows]
        for family, codes in families:
            # one bincount per family of disjoint groups: slot (cell, in numerator, group)
            fam = codes[rows]
            inside = fam >= 0
            key = (cell[rows] * 2 + numerator) * len(family) + fam
            counts = np.bincount(
                key if inside.all() else key[inside], minlength=2 * n_cells * len(family)
            ).reshape(n_cells, 2, len(family))
            for j, g in enumerate(family):
                num = counts[:, 1, j]
                tot = counts[:, 0, j] + num
                nz = np.flatnonzero(tot)
                parts.append(
                    (nz // len(years), years[nz % len(years)], g.name, m.name, num[nz], tot[nz])
                )
    if not parts:
        return _empty_counts()
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
        _table_counts(tables[t], ms, list(reg.groups.values()), reg.constants)
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


# ------------------------------------------------------------------------------ units


def unit_map(schools: pd.DataFrame, params: RunParams | Mapping[str, Any] | None) -> pd.DataFrame:
    """Each school's unit of improvement: itself, or its district.

    Returns
    -------
    pandas.DataFrame
        Columns school_id, unit_id (both text).
    """
    params = _as_params(params)
    unit = schools["school_id"] if params.unit == "school" else schools["district"]
    return pd.DataFrame(
        {
            "school_id": schools["school_id"].astype("str").to_numpy(),
            "unit_id": unit.astype("str").to_numpy(),
        }
    )


def units_frame(
    schools: pd.DataFrame,
    params: RunParams | Mapping[str, Any] | None,
    *,
    students: pd.DataFrame | None = None,
    registry: Registry | None = None,
) -> pd.DataFrame:
    """Describe each unit of improvement (school or district) with its context.

    Parameters
    ----------
    schools : pandas.DataFrame
        The clean schools table.
    params : RunParams or mapping
        The run's parameters (``unit``, focal group).
    students : pandas.DataFrame, optional
        Student records; when given, they supply a school's share in the focal group (when
        the schools table has no share_focal) and its seniors per year (when it has no
        seniors column).
    registry : Registry, optional
        A registry already built from ``params``.

    Returns
    -------
    pandas.DataFrame
        One row per unit: unit_id, unit_name, district, size (seniors, or enrollment when
        seniors are unknown), share_low_income, share_focal, cohort, enrollment,
        n_schools. A district's shares are averages of its schools' weighted by size;
        its cohort is the earliest of its schools'; share_focal is NaN where neither the
        schools table nor student records give it.
    """
    params = _as_params(params)
    s = pd.DataFrame(
        {
            "school_id": schools["school_id"].astype("str").to_numpy(),
            "school_name": schools.get("school_name", schools["school_id"])
            .astype("str")
            .to_numpy(),
            "district": schools["district"].astype("str").to_numpy(),
            "cohort": pd.to_numeric(schools.get("cohort"), errors="coerce"),
            "enrollment": pd.to_numeric(schools.get("enrollment"), errors="coerce"),
            "share_low_income": pd.to_numeric(schools.get("share_low_income"), errors="coerce"),
            "share_focal": pd.to_numeric(schools.get("share_focal"), errors="coerce"),
        },
        index=schools.index,
    ).reset_index(drop=True)
    if "seniors" in schools.columns and schools["seniors"].notna().all():
        s["size"] = pd.to_numeric(schools["seniors"]).to_numpy(dtype=float)
    elif students is not None and len(students):
        per_year = students.groupby(["school_id", "grad_year"], observed=True).size()
        seniors = per_year.groupby(level=0).mean()
        s["size"] = s["school_id"].map(seniors).fillna(s["enrollment"]).to_numpy(dtype=float)
    else:
        s["size"] = s["enrollment"].astype(float)
    if students is not None and len(students) and s["share_focal"].isna().any():
        reg = registry if registry is not None else _registry(params)
        focal = evaluate(reg.groups["focal"].condition, students, reg.constants)
        share = pd.Series(focal).groupby(students["school_id"].to_numpy()).mean()
        s["share_focal"] = s["share_focal"].fillna(s["school_id"].map(share))
    if params.unit == "school":
        out = s.rename(columns={"school_id": "unit_id", "school_name": "unit_name"})
        out["n_schools"] = 1
    else:
        out = _districts(s)
    columns = [
        "unit_id",
        "unit_name",
        "district",
        "size",
        "share_low_income",
        "share_focal",
        "cohort",
        "enrollment",
        "n_schools",
    ]
    return out[columns].sort_values("unit_id").reset_index(drop=True)


def _districts(s: pd.DataFrame) -> pd.DataFrame:
    """One row per district: sizes summed, shares weighted by size, the earliest cohort."""
    by = s.groupby("district", sort=True)
    out = pd.DataFrame(
        {
            "size": by["size"].sum(min_count=1),
            "cohort": by["cohort"].min(),
            "enrollment": by["enrollment"].sum(min_count=1),
            "n_schools": by.size(),
        }
    )
    for column in ("share_low_income", "share_focal"):
        ok = s[column].notna() & s["size"].notna()
        weight = s["size"].where(ok, 0.0)
        total = weight.groupby(s["district"]).sum()
        weighted = (s[column].fillna(0.0) * weight).groupby(s["district"]).sum()
        out[column] = (weighted / total.where(total > 0)).reindex(out.index)
    out = out.rename_axis("district").reset_index()
    out.insert(0, "unit_id", out["district"])
    out.insert(1, "unit_name", out["district"])
    return out


# ------------------------------------------------------------ intervals and progress


def wilson_interval(x: Any, n: Any, alpha: float = 0.05) -> tuple[Any, Any]:
    """Wilson score interval for a proportion x/n; see :func:`netlab.intervals.wilson`.

    Examples
    --------
    >>> [round(v, 4) for v in wilson_interval(81, 263)]
    [0.2553, 0.3662]
    """
    return intervals.wilson(x, n, level=1 - alpha)


def newcombe_diff(x1: Any, n1: Any, x2: Any, n2: Any, alpha: float = 0.05) -> tuple[Any, ...]:
    """Difference of two proportions with Newcombe's hybrid score interval.

    See :func:`netlab.intervals.newcombe_diff`.

    Examples
    --------
    >>> [round(v, 4) for v in newcombe_diff(56, 70, 48, 80)]
    [0.2, 0.0524, 0.3339]
    """
    return intervals.newcombe_diff(x1, n1, x2, n2, level=1 - alpha)


def team_progress(
    rates: pd.DataFrame,
    params: RunParams | Mapping[str, Any] | None,
    *,
    baseline_year: int,
    latest_year: int | None = None,
    group: str = "focal",
    alpha: float = 0.05,
    registry: Registry | None = None,
) -> pd.DataFrame:
    """Each team's progress on its own indicator, as change from its baseline.

    Parameters
    ----------
    rates : pandas.DataFrame
        The rates table.
    params : RunParams or mapping
        ``team_measures`` gives a unit its own measure; others use ``focal_measure``.
    baseline_year : int
        The year to measure change from.
    latest_year : int, optional
        The year to measure change to; by default each unit's latest year with data on
        its indicator.
    group : str
        The group (the focal group by default).
    alpha : float
        1 - confidence level of the interval.
    registry : Registry, optional
        For measure labels and directions.

    Returns
    -------
    pandas.DataFrame
        One row per unit: unit_id, measure, label, direction, group, baseline_year,
        baseline_numerator, baseline_denominator, baseline_rate, latest_year,
        latest_numerator, latest_denominator, latest_rate, change_pp, change_low_pp,
        change_high_pp (Newcombe hybrid score interval), n (students behind both rates),
        signal ("better", "worse" or "no clear change", reading the interval with the
        measure's direction).
    """
    params = _as_params(params)
    reg = registry if registry is not None else _registry(params)
    units = sorted(rates["unit_id"].astype(str).unique())
    rows = []
    for unit in units:
        measure = params.team_measures.get(unit, params.focal_measure)
        sel = rates[
            (rates["unit_id"] == unit)
            & (rates["measure"] == measure)
            & (rates["group"] == group)
            & rates["numerator"].notna()
        ]
        base = sel[sel["year"] == baseline_year]
        later = sel[sel["year"] > baseline_year]
        if latest_year is not None:
            later = later[later["year"] == latest_year]
        last = later[later["year"] == later["year"].max()] if len(later) else later
        row: dict[str, Any] = {
            "unit_id": unit,
            "measure": measure,
            "label": reg.label(measure),
            "direction": reg.direction(measure),
            "group": group,
            "baseline_year": baseline_year,
            "latest_year": int(last["year"].iloc[0]) if len(last) else latest_year,
        }
        for prefix, part in (("baseline", base), ("latest", last)):
            x = float(part["numerator"].sum()) if len(part) else np.nan
            n = float(part["denominator"].sum()) if len(part) else np.nan
            row[f"{prefix}_numerator"], row[f"{prefix}_denominator"] = x, n
            row[f"{prefix}_rate"] = x / n if n and n > 0 else np.nan
        d, lo, hi = newcombe_diff(
            row["latest_numerator"],
            row["latest_denominator"],
            row["baseline_numerator"],
            row["baseline_denominator"],
            alpha,
        )
        row.update(
            change_pp=100 * d,
            change_low_pp=100 * lo,
            change_high_pp=100 * hi,
            n=row["baseline_denominator"] + row["latest_denominator"],
        )
        better, worse = (hi < 0, lo > 0) if row["direction"] == "lower" else (lo > 0, hi < 0)
        if np.isnan(d):
            row["signal"] = "no data"
        else:
            row["signal"] = "better" if better else "worse" if worse else "no clear change"
        rows.append(row)
    columns = [
        "unit_id",
        "measure",
        "label",
        "direction",
        "group",
        "baseline_year",
        "baseline_numerator",
        "baseline_denominator",
        "baseline_rate",
        "latest_year",
        "latest_numerator",
        "latest_denominator",
        "latest_rate",
        "change_pp",
        "change_low_pp",
        "change_high_pp",
        "n",
        "signal",
    ]
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({"baseline_year": "Int64", "latest_year": "Int64"})


# -------------------------------------------------------------------- process measures


def process_series(
    process: pd.DataFrame,
    *,
    measure: str | list[str] | None = None,
    unit: str = "school_id",
    freq: str | None = None,
) -> pd.DataFrame:
    """Interim and process measures over time as one tidy series per unit and measure.

    Parameters
    ----------
    process : pandas.DataFrame
        The process table: a unit column, date, measure, and numerator/denominator or value.
    measure : str or list of str, optional
        Keep only these measures.
    unit : str
        The column naming the team.
    freq : {None, "week", "month"}
        None keeps dates as given; "week" / "month" sums numerators and denominators (and
        averages values) within each calendar week (starting Monday) or month, dated by
        its first day.

    Returns
    -------
    pandas.DataFrame
        unit_id, date, measure, value (numerator / denominator where both are given, else
        value), numerator, denominator; sorted by unit, measure and date.
    """
    check_argument("freq", [None, "week", "month"], freq)
    check_columns(process, [unit, "date", "measure"], what="process table")
    frame = pd.DataFrame(
        {
            "unit_id": process[unit].astype("str").to_numpy(),
            "date": pd.to_datetime(process["date"]).to_numpy(),
            "measure": process["measure"].astype("str").to_numpy(),
            "numerator": pd.to_numeric(process.get("numerator"), errors="coerce"),
            "denominator": pd.to_numeric(process.get("denominator"), errors="coerce"),
            "value": pd.to_numeric(process.get("value"), errors="coerce"),
        },
        index=process.index,
    ).reset_index(drop=True)
    if measure is not None:
        wanted = [measure] if isinstance(measure, str) else list(measure)
        frame = frame[frame["measure"].isin(wanted)]
    if freq is not None:
        period = "W-SUN" if freq == "week" else "M"
        frame = frame.assign(date=frame["date"].dt.to_period(period).dt.start_time)
        frame = frame.groupby(["unit_id", "measure", "date"], as_index=False).agg(
            numerator=("numerator", lambda v: v.sum(min_count=1)),
            denominator=("denominator", lambda v: v.sum(min_count=1)),
            value=("value", "mean"),
        )
    ratio = frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)
    has_ratio = frame["numerator"].notna() & frame["denominator"].notna()
    frame = frame.assign(value=ratio.where(has_ratio, frame["value"]))
    out = frame[["unit_id", "date", "measure", "value", "numerator", "denominator"]]
    return out.sort_values(["unit_id", "measure", "date"]).reset_index(drop=True)
