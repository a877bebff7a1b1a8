"""The run's params against the data it will read: what this run's files cannot produce.

A focal measure computed from student records in a folder of school counts, a focal group
drawn from race in a file without race, an aim on a measure the files do not give: each is
an error at ``netlab validate`` naming the params key and the nearest fix (a measure the
files do give, ``focal_group: all``), not a silent empty report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from netlab import schemas

if TYPE_CHECKING:
    from netlab.params import RunParams

_GROUP_COLUMNS = ("race_ethnicity", "race_1", "low_income", "english_learner", "first_gen")


def _column(frame: pd.DataFrame, name: str) -> pd.Series | None:
    for col in frame.columns:
        if schemas.canonical_name(str(col)) == name:
            return frame[col]
    return None


def _given(tables: dict[str, Any], column: str) -> set[str]:
    """The values of one column of the counts table (its measures, or its groups)."""
    raw = tables.get("counts")
    if raw is None:
        return set()
    got = _column(raw.frame, column)
    return set() if got is None else set(got.dropna().astype(str))


def _problem(key: str, rule: str, fix: str, source: str) -> dict[str, Any]:
    return schemas.problem(
        file=source, table=None, column=key, rule=rule, what_to_do=fix, severity="error"
    )


def check_params_against_data(tables: dict[str, Any], params: RunParams) -> list[dict[str, Any]]:
    """What the params ask for that this run's data cannot produce.

    Parameters
    ----------
    tables : dict
        The raw tables of the run's folder (:func:`netlab.sources.scan`).
    params : RunParams
        The run's parameters.

    Returns
    -------
    list of dict
        Problem records (severity ``error``), one per params key, each naming the fix.
    """
    from netlab import measures

    try:
        reg = measures.registry(params)
    except Exception:
        return []
    out = _measure_problems(tables, params, reg)
    if "students" not in tables:
        out += _group_problems_in_counts(tables, params)
    else:
        out += _focal_problems_in_students(tables, params)
    return out


def _measure_problems(tables: dict[str, Any], params: RunParams, reg: Any) -> list[dict[str, Any]]:
    """The focal measure and the aim's measure, when this run's files cannot give them."""
    source = "params"
    students = "students" in tables
    counted = _given(tables, "measure")
    out = []
    gives = sorted(counted) + ([] if not students else ["(measures of student records)"])

    def producible(name: str) -> bool:
        m = reg.measures.get(name)
        if name in counted:
            return True
        return m is not None and not m.from_counts and students

    for key, name in (
        ("focal_measure", params.focal_measure),
        ("aim.measure", params.aim.measure),
    ):
        if name in reg.measures and not producible(name):
            why = (
                "is computed from students' records, and the folder has no roster or "
                "students table"
                if not reg.measures[name].from_counts
                else "comes from the counts table, which does not hold it"
            )
            near = next((m for m in sorted(counted) if "complete" in m), None) or (
                sorted(counted)[0] if counted else None
            )
            out.append(
                _problem(
                    key,
                    f"{key}: {name} {why}; this run's data gives "
                    f"{', '.join(gives) or 'no measure'}",
                    f"Write `{key}: {near}` in the params"
                    if near
                    else "Add the files it is computed from to the folder",  # fmt: skip
                    source,
                )
            )
    return out


def _group_problems_in_counts(tables: dict[str, Any], params: RunParams) -> list[dict[str, Any]]:
    """A focal or aim group drawn from students' records, in a folder of school counts."""
    source = "params"
    groups = _given(tables, "group")
    out = []
    for key, group in (("focal_group", params.focal_group), ("aim.group", params.aim.group)):
        name = group if isinstance(group, str) else "(a condition on students)"
        if key == "aim.group" and name == "focal" and isinstance(params.focal_group, str):
            name = params.focal_group
        if name in groups or name == "all":
            continue
        out.append(
            _problem(
                key,
                f"{key}: the group {name!r} is drawn from students' records, and the "
                "folder holds school counts only"
                + (f" (groups: {', '.join(sorted(groups))})" if groups else ""),
                f"Write `{key}: all` in the params (or a group the counts file holds).",
                source,
            )
        )
    return out


def _focal_problems_in_students(tables: dict[str, Any], params: RunParams) -> list[dict[str, Any]]:
    """The default focal group, when the students' records have neither of its columns."""
    from netlab import clean

    names = [str(c) for c in tables["students"].frame.columns]
    cols = {schemas.canonical_name(c) for c in names}
    cols |= set(clean.header_map("students", names)["rename"].values())
    if params.focal_group == "focal" and not cols.intersection(_GROUP_COLUMNS):
        return [
            _problem(
                "focal_group",
                "focal_group: focal is drawn from race/ethnicity and low income, and the "
                "students' records have neither",
                "Write `focal_group: all` in the params, or name the roster's race and "
                "meal-status columns in its description (`columns: race_1: [...]`, "
                "`low_income: [...]`).",
                "params",
            )
        ]
    return []
