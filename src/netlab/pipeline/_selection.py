"""The run's network: the schools and districts its parameters choose.

Every school and district the params name must be in the data (a close name is
suggested); the rows of schools outside the chosen network are listed as excluded, with
their reason, and the quality log counts them.
"""

from __future__ import annotations

import pandas as pd

from netlab import clean, schemas
from netlab.exceptions import InputError
from netlab.params import RunParams

_OUTSIDE = "outside this run's network (params: schools / districts / select)"


def _not_found(named: list[str], known: pd.Series, *, fold: bool) -> list[str]:
    """The names in ``named`` that are not in ``known``, each with a suggestion if close."""
    values = known.dropna().astype(str)
    index = set(values.str.casefold()) if fold else set(values)
    out = []
    for name in named:
        if (name.casefold() if fold else name) in index:
            continue
        close = schemas.suggest(name, values.unique())
        if close is None and name.isdigit():
            # A code that lost (or gained) leading zeros on the way into the params.
            close = next((v for v in values.unique() if v.lstrip("0") == name.lstrip("0")), None)
        out.append(f"{name!r}" + (f" (did you mean {close!r}?)" if close else ""))
    return out


def _check_named(schools: pd.DataFrame, params: RunParams) -> None:
    """Every school and district the params name must be in the data."""
    problems = []
    if params.districts and "district" in schools.columns:
        missing = _not_found(params.districts, schools["district"], fold=True)
        if missing:
            problems.append(f"districts not in the schools table: {', '.join(missing)}")
    elif params.districts:
        problems.append("districts are named, but the schools table has no district column")
    for column, values in (params.select or {}).items():
        if column not in schools.columns:
            close = schemas.suggest(column, list(schools.columns))
            problems.append(
                f"select: {column}: the schools table has no {column!r} column"
                + (f" (did you mean {close!r}?)" if close else "")
                + f"; it has {', '.join(map(str, schools.columns))}"
            )
            continue
        missing = _not_found(values, schools[column], fold=True)
        if missing:
            problems.append(f"select: {column}: not in the schools table: {', '.join(missing)}")
    missing = _not_found(list(params.schools or []), schools["school_id"], fold=False)
    if missing:
        problems.append(f"schools not in the schools table: {', '.join(missing)}")
    unit_column = "district" if params.unit == "district" else "school_id"
    if params.team_measures and unit_column in schools.columns:
        missing = _not_found(list(params.team_measures), schools[unit_column], fold=False)
        if missing:
            problems.append(
                f"team_measures for {params.unit}s not in the data: {', '.join(missing)}"
            )
    if problems:
        raise InputError(
            "The run's parameters name what the data does not hold: " + "; ".join(problems) + ".",
            table="schools",
            hint="Correct these names in the params file (ids exactly as in schools, as "
            "quoted text), or add the missing schools to the schools table.",
        )


def _select_network(
    tables: dict[str, pd.DataFrame], params: RunParams
) -> tuple[dict[str, pd.DataFrame], set[str] | None]:
    schools = tables["schools"]
    _check_named(schools, params)
    if params.districts and "district" not in schools.columns:
        raise InputError(
            f"The run selects districts {params.districts}, but the schools table has "
            "no district column.",
            table="schools",
            column="district",
            hint="Add a district column to schools.csv, or select by `schools:` instead.",
        )
    keep = clean.network_mask(schools, params)
    if keep is None:
        return tables, None
    if bool(keep.all()):
        return tables, None
    if not keep.any():
        raise InputError(
            "No school matches the run's network selection "
            f"(districts={params.districts}, schools={params.schools}, "
            f"select={params.select}).",
            table="schools",
            column="district" if params.districts else "school_id",
            hint="Check the spelling of districts / school ids against the schools table.",
        )
    chosen = set(schools.loc[keep, "school_id"].astype(str))
    return tables, chosen


def _few(n: int, min_cell: int) -> str:
    """A row count as a note says it: a handful is "fewer than N" (rows may be students)."""
    return f"fewer than {min_cell}" if 0 < n < min_cell else f"{n:,}"


def _apply_selection(
    tables: dict[str, pd.DataFrame],
    quality: pd.DataFrame,
    exclusions: pd.DataFrame,
    chosen: set[str] | None,
    placed: dict[str, dict] | None = None,
    *,
    min_cell: int = 10,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame, list[str]]:
    """Keep the network's rows; the quality rows count the network's own rows and the rows
    no school places (rows of schools outside it are listed as excluded, not counted).

    Returns
    -------
    tables, quality, exclusions, notes
        ``notes`` say how many rows belong to schools outside the network, and how many
        could not be placed in any school and why.
    """
    if chosen is None:
        return tables, quality, exclusions, []
    placed = placed or {}
    out, extra, notes, outside_total = {}, [], [], 0
    quality = quality.copy()
    for name, frame in tables.items():
        if "school_id" not in frame.columns:
            out[name] = frame
            continue
        inside = frame["school_id"].astype(str).isin(chosen).to_numpy()
        out[name] = frame.loc[inside].reset_index(drop=True)
        dropped = int((~inside).sum())
        if dropped:
            extra.append(
                pd.DataFrame(
                    {
                        "table": name,
                        "file": "",
                        "row": pd.NA,
                        "reason": _OUTSIDE,
                        "column": "school_id",
                        "value": frame.loc[~inside, "school_id"].astype(str).to_numpy(),
                    }
                )
            )
        gone = int(placed.get(name, {}).get("outside", 0))
        mask = quality["table"] == name
        quality.loc[mask, "rows_in"] = quality.loc[mask, "rows_in"] - dropped - gone
        quality.loc[mask, "rows_kept"] = quality.loc[mask, "rows_kept"] - dropped
        quality.loc[mask, "rows_excluded"] = quality.loc[mask, "rows_excluded"] - gone
        outside_total += dropped + gone
        unplaced = placed.get(name, {}).get("unplaced", {})
        if unplaced:
            why = "; ".join(f"{r}: {_few(n, min_cell)}" for r, n in unplaced.items())
            many = _few(sum(unplaced.values()), min_cell)
            notes.append(
                f"{many[0].upper()}{many[1:]} rows of the {name} table could "
                f"not be placed in any school ({why}); they may be this network's, so they "
                "are counted with its rows in the exclusion limits and the data-quality table."
            )
    if extra:
        exclusions = pd.concat([exclusions, *extra], ignore_index=True)
    if outside_total:
        notes.insert(
            0,
            f"The data-quality table counts this network's own rows: {_few(outside_total, min_cell)} rows "
            "of the files belong to schools outside it (listed as left out in the hub's "
            "quality log).",
        )
    return out, quality, exclusions, notes
