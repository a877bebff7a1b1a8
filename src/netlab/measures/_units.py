"""The units of improvement: which unit each school belongs to, and each unit's context.

A unit is a school or, when the run's unit is the district, a district: :func:`unit_map`
maps schools to their units and :func:`units_frame` describes each unit (its size, its
shares of low-income and focal students, its cohort).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from netlab.exceptions import InputError
from netlab.measures._definitions import Registry, _as_params
from netlab.measures._definitions import registry as _registry
from netlab.measures.conditions import evaluate
from netlab.params import RunParams


def unit_map(schools: pd.DataFrame, params: RunParams | Mapping[str, Any] | None) -> pd.DataFrame:
    """Each school's unit of improvement: itself, or its district.

    Parameters
    ----------
    schools : DataFrame
        The schools table (school_id, and district when units are districts).
    params : RunParams or Mapping[str, Any] or None
        The run's parameters (``unit:``).

    Returns
    -------
    pandas.DataFrame
        Columns school_id, unit_id (both text).
    """
    params = _as_params(params)
    if params.unit == "district" and "district" not in schools.columns:
        raise InputError(
            "The run's unit is the district, but the schools table has no district column.",
            table="schools",
            column="district",
            hint="Add a district column to schools.csv, or set unit: school in the params.",
        )
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
            "district": schools["district"].astype("str").to_numpy()
            if "district" in schools.columns
            else pd.Series(pd.NA, index=schools.index, dtype="str").to_numpy(),
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
