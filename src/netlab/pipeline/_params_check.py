"""The run's params against the data it will read: what this run's files cannot produce.

A focal measure computed from student records in a folder of school counts, a focal group
drawn from race in a file without race, an aim on a measure the files do not give: each is
an error at ``netlab validate`` naming the params key and the nearest fix (a measure the
files do give, ``focal_group: all``), not a silent empty report. A group's condition or a
``case_mix:`` covariate that reads a column the students' records do not hold is named with
its key, the column and the nearest spellings, not a traceback at ``prepare``.
"""

from __future__ import annotations

import difflib
from typing import Any

import pandas as pd

from netlab import schemas

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


def _student_columns(tables: dict[str, Any]) -> set[str] | None:
    """The contract names of the students' columns this folder gives (None: no records)."""
    if "students" not in tables:
        return None
    from netlab import clean

    names = [str(c) for c in tables["students"].frame.columns]
    cols = {schemas.canonical_name(c) for c in names}
    cols |= set(clean.header_map("students", names)["rename"].values())
    if any(c.startswith("race_") and c[5:].isdigit() for c in cols):
        cols.add("race_ethnicity")  # read from the race codes
    if "student_id" in cols:
        cols.add("student_key")
    return cols


def _named_problems(tables: dict[str, Any], params: Any, source: str) -> list[dict[str, Any]]:
    """Schools, districts and ``select:`` values the params name that the schools table does
    not hold: the same check the build makes, said at validate."""
    if "schools" not in tables:
        return []
    from netlab import clean
    from netlab.exceptions import InputError
    from netlab.pipeline._selection import _check_named

    frame = tables["schools"].frame
    names = [str(c) for c in frame.columns]
    rename = clean.header_map("schools", names)["rename"]
    frame = frame.rename(columns={c: rename.get(c, schemas.canonical_name(c)) for c in names})
    if "school_id" not in frame.columns:
        return []
    try:
        _check_named(frame.astype({"school_id": str}), params)
    except InputError as err:
        return [_problem("select", str(err.message), err.hint or "", source)]
    return []


def _nearest(name: str, cols: set[str]) -> str:
    """Close spellings among the data's columns, else among the contract's (said so)."""
    close = difflib.get_close_matches(name, sorted(cols), n=3, cutoff=0.6)
    if close:
        return f"did you mean {' or '.join(repr(c) for c in close)}?"
    contract = set(schemas.TABLES["students"].to_schema().columns)
    close = difflib.get_close_matches(name, sorted(contract - cols), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}? this run's students' records do not have it either"
    return ""


def _group_problems(params: Any, cols: set[str], source: str) -> list[dict[str, Any]]:
    """Each custom group whose condition does not parse, or reads a column the students'
    records do not hold."""
    from netlab.exceptions import MeasureError
    from netlab.measures import conditions

    defs = [(f"groups.{n}.condition", d.condition) for n, d in (params.groups or {}).items()]
    if not isinstance(params.focal_group, str):
        defs.append(("focal_group.condition", params.focal_group.condition))
    constants = {"grad_rate_threshold"}
    out = []
    for key, text in defs:
        try:
            cond = conditions.parse(text)
        except MeasureError as err:
            out.append(_problem(key, f"{key}: {err.message}", err.hint or "", source))
            continue
        for name in sorted(set(cond.columns) - constants - cols):
            near = _nearest(name, cols)
            out.append(
                _problem(
                    key,
                    f"{key}: the condition `{text}` reads the column {name!r}, which this "
                    "run's students' records do not have" + (f" ({near})" if near else ""),
                    f"Correct the column's name in {key} of {source}"
                    + (f" ({near})" if near else "")
                    + f"; the students' columns are {', '.join(sorted(cols))}. A column of "
                    "the roster that netlab does not read is declared in "
                    "`extra_columns: {students: {name: str}}`.",
                    source,
                )
            )
    return out


def _case_mix_problems(params: Any, cols: set[str] | None, source: str) -> list[dict[str, Any]]:
    """Each ``case_mix:`` covariate the students' records do not hold: a misspelling is an
    error; a column of the contract this folder lacks is a warning (the model goes
    without it)."""
    wanted = list(params.case_mix or [])
    if not wanted:
        return []
    if cols is None:
        return [
            schemas.problem(
                file=source,
                table="students",
                column="case_mix",
                rule="case_mix: case-mix adjustment needs students' records, and the folder "
                "holds school counts only",
                what_to_do=f"Remove `case_mix:` from {source}.",
                severity="warning",
            )
        ]
    contract = set(schemas.TABLES["students"].to_schema().columns)
    declared = set((getattr(params, "extra_columns", None) or {}).get("students", {}))
    out = []
    for name in wanted:
        if name in cols:
            continue
        near = _nearest(name, cols)
        known = name in contract or name in declared
        out.append(
            schemas.problem(
                file=source,
                table="students",
                column="case_mix",
                rule=f"case_mix: {name!r} is not a column of this run's students' records"
                + (f" ({near})" if near else "")
                + ("; the model adjusts without it" if known else ""),
                what_to_do=(
                    f"Correct case_mix in {source}" + (f" ({near})" if near else "")
                    if not known
                    else f"Remove {name!r} from case_mix in {source}, or add the column to "
                    "the roster"
                )
                + f"; the students' columns are {', '.join(sorted(cols))}.",
                severity="warning" if known else "error",
            )
        )
    return out


def check_params_against_data(
    tables: dict[str, Any], params: Any, *, source: str = "params"
) -> list[dict[str, Any]]:
    """What the params ask for that this run's data cannot produce.

    Parameters
    ----------
    tables : dict
        The raw tables of the run's folder (:func:`netlab.sources.scan`).
    params : RunParams
        The run's parameters.
    source : str
        The params file, as messages name it.

    Returns
    -------
    list of dict
        Problem records (severity ``error``), one per params key, each naming the fix.
    """
    from netlab import measures
    from netlab.exceptions import MeasureError

    cols = _student_columns(tables)
    found = _case_mix_problems(params, cols, source) + _named_problems(tables, params, source)
    if cols is not None:
        found += _group_problems(params, cols, source)
    try:
        reg = measures.registry(params)
    except MeasureError as err:
        if not any(p["severity"] == "error" for p in found):
            found.append(_problem("measures", str(err.message), err.hint or "", source))
        return found
    students = "students" in tables
    out = _measure_problems(tables, params, reg, students=students, source=source)
    out += _focal_group_problems(tables, params, cols, students=students, source=source)
    return found + out


def _measure_problems(
    tables: dict[str, Any], params: Any, reg: Any, *, students: bool, source: str
) -> list[dict[str, Any]]:
    """The focal measure and the aim's measure, when this run's files cannot give them."""
    counted = _given(tables, "measure")
    gives = sorted(counted) + ([] if not students else ["(measures of student records)"])

    def producible(name: str) -> bool:
        m = reg.measures.get(name)
        if name in counted:
            return True
        return m is not None and not m.from_counts and students

    out = []
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


def _focal_group_problems(
    tables: dict[str, Any], params: Any, cols: set[str] | None, *, students: bool, source: str
) -> list[dict[str, Any]]:
    """A focal or aim group the folder cannot give: a students' group in a counts folder,
    or the default focal group when the students' records have neither of its columns."""
    out = []
    if not students:
        groups = _given(tables, "group")
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
    elif params.focal_group == "focal" and not (cols or set()).intersection(_GROUP_COLUMNS):
        out.append(
            _problem(
                "focal_group",
                "focal_group: focal is drawn from race/ethnicity and low income, and the "
                "students' records have neither",
                "Write `focal_group: all` in the params, or name the roster's race and "
                "meal-status columns in its description (`columns: race_1: [...]`, "
                "`low_income: [...]`).",
                source,
            )
        )
    return out
