"""What each kind of export can hold, and one export as read through its description.

:data:`KINDS` names each export kind's roles (-> type) and those it requires; contract
tables take theirs from the schema (:func:`kind_fields`). :class:`ReadExport` is a file as
read: its frame by role, the rows set aside, its problems and notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netlab import schemas
from netlab.exceptions import InputError
from netlab.sources._describe import Description

# What each kind of export can hold: role -> type, and the roles it must have.
# Contract tables (schools, counts, institutions, ...) take their columns from the schema.
_STUDENT_PASS = {
    c: "text" for c in schemas.columns_of("students") if c not in ("student_key", "school_id")
}
KINDS: dict[str, dict[str, Any]] = {
    "roster": {
        "fields": {
            **_STUDENT_PASS,
            "student_id": "id",
            "local_id": "id",
            "school_id": "id",
            "school_name": "text",
            "district": "text",
            "grad_year": "year",
            "grade": "int",
            "race_ethnicity": "text",
            "hispanic": "bool",
            **{f"race_{i}": "text" for i in range(1, 6)},
        },
        "required": ["student_id", "grad_year"],
    },
    "studenttracker": {
        "fields": {
            "student_id": "id",
            "record_found": "bool",
            "search_date": "date",
            "hs_grad_date": "date",
            "college_code": "text",
            "college_name": "text",
            "college_state": "text",
            "level": "text",
            "control": "text",
            "enrollment_begin": "date",
            "enrollment_end": "date",
            "enrollment_status": "text",
            "graduated": "bool",
            "graduation_date": "date",
            "degree_title": "text",
            "college_sequence": "int",
        },
        "required": ["student_id", "record_found", "college_code", "enrollment_begin"],
    },
    "applications": {
        "fields": {
            "student_id": "id",
            "unitid": "id",
            "college_name": "text",
            "ceeb": "text",
            "app_type": "text",
            "result": "text",
            "attending": "bool",
            "level": "text",
            "control": "text",
        },
        "required": ["student_id", "result"],
    },
    "aid": {
        "fields": {
            "student_id": "id",
            "app_type": "text",
            "submitted_date": "date",
            "completed_date": "date",
            "completed": "bool",
            "cal_grant": "bool",
        },
        "required": ["student_id"],
    },
    "college_codes": {
        "fields": {"college_code": "text", "unitid": "id", "note": "text"},
        "required": ["college_code", "unitid"],
    },
    "ipeds_institutions": {
        "fields": {
            "unitid": "id",
            "name": "text",
            "city": "text",
            "state": "text",
            "opeid": "text",
            "sector": "int",
            "level": "int",
            "control": "int",
        },
        "required": ["unitid", "name", "opeid", "level", "control"],
    },
    "ipeds_grad_rates": {
        "fields": {
            "unitid": "id",
            "year": "year",
            "grad_rate": "float",
            "grad_rate_pell": "float",
        },
        "required": ["unitid", "grad_rate"],
    },
    "ipeds_outcomes": {
        "fields": {"unitid": "id", "award_rate_6yr": "float", "cohort_6yr": "int"},
        "required": ["unitid", "award_rate_6yr"],
    },
}


def kind_fields(kind: str) -> tuple[dict[str, str], list[str]]:
    """Roles (-> type) a kind of export can hold, and those it requires."""
    if kind in KINDS:
        return dict(KINDS[kind]["fields"]), list(KINDS[kind]["required"])
    if kind in schemas.TABLES:
        cols = schemas.columns_of(kind)
        if "student_key" in cols:
            cols = {"student_id": cols.pop("student_key"), **cols}
        cols.pop("enrolled_grad_rate", None)
        return {c: "text" for c in cols}, [c for c, req in cols.items() if req]
    raise InputError(
        f"{kind!r} is not a kind of export netlab reads.",
        hint=f"Use one of {sorted([*KINDS, *schemas.TABLES])}.",
    )


@dataclass
class ReadExport:
    """One export as read through its description.

    Attributes
    ----------
    path : Path
        The file.
    description : Description
    frame : DataFrame
        One column per role found (typed for export kinds, text for contract tables),
        plus ``_row``: the data row in the file (1 = the first row after the header).
    rows_in : int
        Data rows in the file.
    exclusions : list of DataFrame
        Rows set aside (table, file, row, reason, column, value).
    problems : list of dict
        Problem records (see :func:`netlab.schemas.problem`).
    notes : list of str
        How the file was read.
    """

    path: Path
    description: Description
    frame: pd.DataFrame
    rows_in: int = 0
    exclusions: list[pd.DataFrame] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def stage(self) -> str:
        """The quality log's name for this file (a contract table's name is kept for the
        table it becomes: ``counts (as exported)`` is the file, ``counts`` the table)."""
        kind = self.description.kind
        return f"{kind} (as exported)" if kind in schemas.TABLES else kind

    def exclude(self, mask: np.ndarray | pd.Series, reason: str, *, column: str | None = None,
                values: pd.Series | None = None) -> None:  # fmt: skip
        """Set aside the rows under ``mask`` with their reason."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        rows = self.frame["_row"].to_numpy()[mask]
        vals = values[mask].astype(object).where(values[mask].notna(), None).to_numpy() if (
            values is not None) else np.full(int(mask.sum()), None, dtype=object)  # fmt: skip
        self.exclusions.append(
            pd.DataFrame(
                {
                    "table": self.stage,
                    "file": self.file,
                    "row": rows.astype(np.int64),
                    "reason": reason,
                    "column": column,
                    "value": [None if v is None else str(v) for v in vals],
                }
            )
        )
        self.frame = self.frame[~mask].reset_index(drop=True)

    @property
    def excluded(self) -> int:
        return int(sum(len(e) for e in self.exclusions))

    def problem(self, **kwargs: Any) -> None:
        self.problems.append(schemas.problem(file=self.file, table=self.stage, **kwargs))
