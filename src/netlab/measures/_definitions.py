"""Measure and group definitions: the built-in YAML, a run's own, checked into a Registry.

Every definition is checked up front against the tables' known columns (``TABLE_COLUMNS``
plus a run's ``extra_columns``), so a bad condition fails before any rates are computed.
Public names are re-exported by :mod:`netlab.measures`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from netlab import schemas
from netlab.exceptions import MeasureError
from netlab.measures._naming import (
    _bools_as_text,
    builtin_groups,
    builtin_measures,
    direction,
    measure_label,
)
from netlab.measures._windows import AT_GRADUATION, Window
from netlab.measures.conditions import Condition, check
from netlab.params import GroupDef, MeasureDef, RunParams, from_dict

#: Tables whose rows carry their own measure names, numerators and denominators.
COUNTS_TABLES = ("counts", "process")

#: Processed (clean) columns of each table and their kinds: what conditions may read.
#: Derived from the pandera models in :mod:`netlab.schemas`, where they are written once.
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    table: schemas.column_kinds(table)
    for table in ("schools", "students", "counts", "practices", "traction", "process")
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
    short_label: str | None = None
    window: Window = AT_GRADUATION
    phrase: str | None = None

    @property
    def from_counts(self) -> bool:
        """True when the measure's rows come as counts (described, not computed)."""
        return self.table in COUNTS_TABLES

    def computed(self) -> tuple[Condition, Condition, str]:
        """A computed measure's numerator, denominator and year column (set when it was read).

        Returns
        -------
        tuple of (Condition, Condition, str)
            The numerator (the rows counted), the denominator (the rows they are counted
            among) and the column placing each row in a year. A measure that comes as
            counts has none of them: ValueError.
        """
        if self.numerator is None or self.denominator is None or self.year_column is None:
            raise ValueError(f"Measure {self.name!r} comes as counts; it is not computed.")
        return self.numerator, self.denominator, self.year_column


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
    quiet : frozenset of str
        Built-in measures left out without a warning when their table lacks a column.
    """

    measures: Mapping[str, Measure]
    groups: Mapping[str, Group]
    constants: Mapping[str, Any] = field(default_factory=dict)
    # Built-in measures the run did not redefine: left out quietly when their columns are
    # missing (a hub without StudentTracker data has no persistence column).
    quiet: frozenset[str] = frozenset()

    def get(self, measure: str, default: Any = None) -> Measure | Any:
        """The measure called ``measure``, or ``default``."""
        return self.measures.get(measure, default)

    def label(self, measure: str) -> str:
        """A measure's label (its name when the registry does not know it)."""
        return measure_label(measure, self, default=measure)

    def group_label(self, group: str) -> str:
        """A group's label (its name when the registry does not know it)."""
        return self.groups[group].label if group in self.groups else group

    def direction(self, measure: str) -> str:
        """``"higher"`` or ``"lower"`` (is better): see :func:`direction`."""
        return direction(measure, self)

    def phrase(self, measure: str) -> str:
        """A measure as the words after "students who …" (practice sentences).

        The run's own ``phrase:`` first, then the built-in one (``measures.yaml``), else
        'count toward “<label>”'.
        """
        found = self.measures.get(measure)
        if found is not None and found.phrase:
            return found.phrase
        return f"count toward “{self.label(measure)}”"


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


def table_columns(params: RunParams | Mapping[str, Any] | None = None) -> dict[str, dict]:
    """Each table's known columns and kinds: the processed columns plus ``extra_columns``.

    Parameters
    ----------
    params : RunParams or Mapping[str, Any] or None, optional
        The run's parameters (for ``extra_columns``); none when None.

    Returns
    -------
    dict[str, dict]
        Table name → {column: kind} (``str``, ``int``, ``float``, ``bool``, ``date``…): what
        a measure's conditions may read, the run's ``extra_columns`` added to (or
        overriding) netlab's own.
    """
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
        return _counts_measure(name, defn)
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
    conds = _conditions(what, defn, known, constants)
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
        short_label=defn.short_label,
        window=_window(defn),
        phrase=defn.phrase,
    )


def _counts_measure(name: str, defn: MeasureDef) -> Measure:
    """A measure whose rows come as counts: no conditions, its year column ``year``."""
    if defn.numerator or defn.denominator:
        raise MeasureError(
            f"Measure {name!r} reads the {defn.table} table, whose rows carry their own "
            "numerators and denominators, yet it defines numerator/denominator conditions.",
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
        short_label=defn.short_label,
        window=_window(defn),
        phrase=defn.phrase,
    )


def _conditions(
    what: str, defn: MeasureDef, known: Mapping[str, str], constants: Mapping[str, Any]
) -> dict[str, Condition]:
    """The measure's denominator and numerator conditions, each checked on its table."""
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
    return conds


def _window(defn: MeasureDef) -> Window:
    w = defn.window
    if w is None:
        return Window(provisional=defn.provisional)
    return Window(w.years, w.month, w.day, provisional=defn.provisional)


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


def _measure_defs(params: RunParams) -> dict[str, MeasureDef]:
    """The built-in measures, then the run's own (a run's definition replaces a built-in's;
    one without a ``phrase:`` keeps the built-in's words)."""
    builtins = builtin_measures()
    out = dict(builtins)
    for name, defn in params.measures.items():
        if defn.phrase is None and name in builtins:
            defn = defn.model_copy(update={"phrase": builtins[name].phrase})
        out[name] = defn
    return out


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
        The run's checked measures and groups (built-in ones, with the run's added or
        overriding), and the constants their conditions may use.

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
    for name, defn in _measure_defs(params).items():
        try:
            measures[name] = _check_measure(name, defn, tables, constants)
        except MeasureError as err:
            problems.append(err)

    groups = _groups(params, measures, tables, constants, problems)
    _check_named_measures(params, measures, problems)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        lines = "\n".join("  - " + str(p).replace("\n", "\n    ") for p in problems)
        raise MeasureError(
            f"{len(problems)} measure or group definitions cannot be used:\n{lines}"
        )
    quiet = frozenset(builtin_measures()) - set(params.measures)
    return Registry(measures=measures, groups=groups, constants=constants, quiet=quiet)


def _groups(
    params: RunParams,
    measures: Mapping[str, Measure],
    tables: Mapping[str, Mapping[str, str]],
    constants: Mapping[str, Any],
    problems: list[MeasureError],
) -> dict[str, Group]:
    """The run's groups, the focal one among them, checked; problems are added to ``problems``."""
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
    return groups


def _check_named_measures(
    params: RunParams, measures: Mapping[str, Measure], problems: list[MeasureError]
) -> None:
    """Add a problem for each measure the params name (focal, aim, a team's) not defined."""
    wanted = {"focal_measure": params.focal_measure, "aim.measure": params.aim.measure}
    wanted |= {f"team_measures.{unit}": m for unit, m in params.team_measures.items()}
    for key, name in wanted.items():
        if name not in measures and not any(name in str(p) for p in problems):
            close = difflib.get_close_matches(str(name), list(measures), n=1)
            problems.append(
                MeasureError(
                    f"The parameter {key} names the measure {name!r}, which is not defined"
                    + (f" (did you mean {close[0]!r}?)." if close else "."),
                    hint="Define it under `measures:` (table: counts for a counts file's own "
                    "measure names).",
                )
            )
