"""``netlab validate``: read a raw folder and check it against the contract, writing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from netlab import clean, sources
from netlab.pipeline._params_check import check_params_against_data

if TYPE_CHECKING:
    from netlab.params import RunParams

__all__ = ["validate_dir"]


def validate_dir(
    directory: str | Path,
    params: RunParams | None = None,
    *,
    params_file: str | Path | None = None,
) -> pd.DataFrame:
    """Read, normalize and check a folder of exports; write nothing.

    Parameters
    ----------
    directory : str or Path
        The raw folder.
    params : RunParams, optional
        The run's parameters (for declared extra columns and tables).
    params_file : str or Path, optional
        The file the params were read from, as messages about them name it.

    Returns
    -------
    pandas.DataFrame
        Every problem found (errors and warnings), as in
        :func:`netlab.schemas.validate_frame`. Empty when all is well.
    """
    tables, file_problems = sources.scan(directory, params=params)
    if params is None:
        from netlab.params import from_dict

        params = from_dict({"run": "validate", "raw_dir": str(directory)})
    else:
        # The run's own params: what they ask of this data that it cannot give.
        file_problems = [
            *file_problems,
            *check_params_against_data(
                tables, params, source=str(params_file) if params_file else "params"
            ),
        ]
    return _offer_descriptions(clean.validate_tables(tables, file_problems, params), directory)


def _offer_descriptions(problems: pd.DataFrame, directory: str | Path) -> pd.DataFrame:
    """A file netlab did not recognise: name the nearest built-in and the command that drafts
    its description, rather than the contract's table names."""
    if not len(problems):
        return problems
    unknown = problems["rule"].astype(str).str.startswith("unknown table")
    if not unknown.any():
        return problems
    problems = problems.copy()
    for i in problems.index[unknown]:
        path = Path(directory) / str(problems.at[i, "file"])
        near = sources.nearest_builtin(path) if path.is_file() else None
        if near is None:
            continue
        problems.at[i, "rule"] = (
            f"{path.name} was not recognised (nearest built-in description: "
            f"{near.description.key}, {near.found} of {len(near.roles)} of its columns found); "
            "it was not used"
        )
        problems.at[i, "what_to_do"] = (
            f"Run `netlab describe {path}`: it drafts {path.stem}.yaml beside the file "
            f"(`format: {near.description.key}` and each header's role) to check and keep."
        )
    return problems
