"""The sources layer: exports as a hub holds them, and named public files.

A raw folder may hold files as exported (a roster, a StudentTracker detail file, an
application export, an aid agency's file, IPEDS, a wide counts file), each read through a
YAML description: :func:`claims` says which file is read through which, :func:`read_folder`
builds the contract tables from them, joined on the student, every join accounted
(``docs/bringing-your-data.md``); :func:`describe_folder` is the table a person reads.
:func:`import_ipeds` writes the institutions table from IPEDS's files, and
:func:`map_college_codes` maps National Student Clearinghouse college codes to UnitIDs.

Readers for named public files: FAFSA completion by high school and a state's school files.

Federal Student Aid publishes, every week of the FAFSA season, a workbook per state of
applications submitted and completed by high school. States publish grade-12 membership,
lunch status and race/ethnicity by school, each in their own layout. This module reads
the federal workbook for any state, reads a state's files as described by a small YAML
mapping (``netlab/data/sources/<state>.yaml``; see ``docs/public-sources.md``), and
writes the contract's ``schools``, ``counts`` and ``fafsa_weekly`` tables plus a quality
log that accounts for every school in the federal file.

The completion rate of a school is estimated, as national FAFSA trackers do, as
completions over the state's grade-12 membership of the same school year (for the 2024
season, the 2024-25 FAFSA: grade 12 of 2023-24, the class of 2024). Federal counts are
first-time applicants aged 18 or under, so the estimate is an approximation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from netlab.checks import check_argument
from netlab.exceptions import InputError
from netlab.sources._claims import claims
from netlab.sources._fsa import NOT_REPORTED_SHARE as NOT_REPORTED_SHARE
from netlab.sources._fsa import SEASON_START as SEASON_START
from netlab.sources._fsa import (
    FsaSnapshot,
    fafsa_decreases,
    fafsa_weekly,
    read_fsa_workbook,
)
from netlab.sources._state import (
    StateFiles,
    _files,
    load_source_spec,
    read_state_files,
)
from netlab.sources._state import _school_code as _school_code

#: The counts measures written by :func:`import_public`, in the params' ``measures`` schema.
MEASURES: dict[str, dict[str, str]] = {
    "fafsa_submitted": {
        "label": "FAFSA submitted (federal count / grade-12 membership)",
        "table": "counts",
        "denominator_label": "grade-12 membership",
        "direction": "higher",
        "kind": "interim",
    },
    "fafsa_complete": {
        "label": "FAFSA completed (federal count / grade-12 membership)",
        "table": "counts",
        "denominator_label": "grade-12 membership",
        "direction": "higher",
        "kind": "outcome",
    },
}


# --------------------------------------------------------------------------- import
@dataclass
class ImportResult:
    """What :func:`import_public` wrote.

    Attributes
    ----------
    out_dir : Path
        The raw folder written.
    files : dict
        Table name -> CSV path.
    season : int
        The season imported (its seniors' graduating year).
    as_of : datetime.date
        The latest snapshot's date (the counts' date).
    membership_year : int
        School year (spring) of the grade-12 membership used as denominator.
    schools, counts, fafsa_weekly, quality_log : DataFrame
        The tables written.
    decreases : DataFrame
        Falls in cumulative counts (:func:`fafsa_decreases`).
    state_files : StateFiles
        The state's files as read (:func:`read_state_files`).
    """

    out_dir: Path
    files: dict[str, Path]
    season: int
    as_of: dt.date
    membership_year: int
    schools: pd.DataFrame
    counts: pd.DataFrame
    fafsa_weekly: pd.DataFrame
    quality_log: pd.DataFrame
    decreases: pd.DataFrame
    state_files: StateFiles

    @property
    def summary(self) -> pd.DataFrame:
        """Schools in, kept and excluded (one row), then one row per exclusion reason."""
        q = self.quality_log
        head = pd.DataFrame(
            {
                "what": ["schools in FAFSA files", "kept", "excluded"],
                "schools": [len(q), int(q["kept"].sum()), int((~q["kept"]).sum())],
            }
        )
        by = q.loc[~q["kept"], "reason"].value_counts().rename_axis("what")
        return pd.concat([head, by.rename("schools").reset_index()], ignore_index=True)


def describe_folder(directory: str | Path) -> pd.DataFrame:
    """Which file of a raw folder is read through which description (one row per file).

    Parameters
    ----------
    directory : str or Path
        The raw folder.

    Returns
    -------
    DataFrame
        ``file``, ``description`` (a built-in's name or the hub's YAML), ``kind``, ``how``
        (described in a YAML of the folder, or recognised by its header).
    """
    found, _ = claims(directory)
    return pd.DataFrame(
        [
            {
                "file": str(p.relative_to(Path(directory))),
                "description": c.description.origin or c.description.key,
                "kind": c.description.kind,
                "how": c.how,
            }
            for p, c in sorted(found.items())
        ],
        columns=["file", "description", "kind", "how"],
    )


def _fsa_files(source_dir: Path, spec) -> list[Path]:
    files = _files(source_dir, spec.get("fsa", {}).get("files", ["*.xls", "*.xlsx", "*.csv"]))
    if not files:
        raise InputError(
            f"No FAFSA-by-high-school workbook in {source_dir}.",
            file=str(source_dir),
            hint="Download the state's weekly workbooks from Federal Student Aid's FAFSA "
            "data center into the folder.",
        )
    return files


def _exclusions(latest: pd.DataFrame, state: StateFiles, season: int) -> pd.DataFrame:
    """One row per school of the season's files: kept, or the first reason it is not."""
    xw = state.crosswalk.rename(
        columns={"school_name": "school_name_nces", "district": "district_nces"}
    )
    mem = state.membership[state.membership["year"] == season].rename(
        columns={"school_name": "school_name_state", "district": "district_state"}
    )
    q = latest.merge(xw, on="school_id", how="left")
    q = q.merge(mem.drop(columns=["year", "file"]), on="state_school_id", how="left")
    reason = pd.Series("", index=q.index, dtype=object)
    detail = pd.Series("", index=q.index, dtype=object)

    def mark(mask, why, text):
        new = mask & (reason == "")
        reason[new] = why
        detail[new] = text[new] if isinstance(text, pd.Series) else text

    mark(~q["in_latest"], "not in the latest snapshot", "")
    private = ~q["school_id"].str.fullmatch(r"\d{12}")
    mark(
        q["state_school_id"].isna(),
        "no crosswalk row",
        pd.Series(
            np.where(private, "private-school code", "public id not in the crosswalk"),
            index=q.index,
        ),
    )
    mark(
        q["district_state"].isna(),
        "no membership",
        "no grade-12 membership row for "
        + q["state_school_id"].fillna("")
        + f" in {season - 1}-{season % 100:02d}",
    )
    mark(
        q["seniors_suppressed"].fillna(False).astype(bool),
        "suppressed grade-12 membership",
        "grade 12 shown as * (fewer than 10)",
    )
    mark(q["seniors"].fillna(0) == 0, "zero grade-12 membership", "")
    over = q["completed"].astype("Float64").gt(q["seniors"].astype("Float64")).fillna(False)
    mark(
        over.astype(bool),
        "more completions than seniors",
        q["completed"].astype("string").fillna("")
        + " completions, "
        + q["seniors"].astype("string").fillna("")
        + " seniors",
    )
    q["kept"] = reason == ""
    q["reason"], q["detail"] = reason, detail
    return q


def _counts_table(rows: pd.DataFrame, year: int) -> pd.DataFrame:
    out = []
    for measure, col in (("fafsa_submitted", "submitted"), ("fafsa_complete", "completed")):
        out.append(
            pd.DataFrame(
                {
                    "school_id": rows["school_id"],
                    "year": year,
                    "group": "all",
                    "measure": measure,
                    "numerator": rows[col].astype("Int64"),
                    "denominator": rows["seniors"].astype("Int64"),
                    "numerator_suppressed": rows[f"{col}_suppressed"].astype(bool),
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def _season_snapshots(
    source_dir: Path, spec: dict, season: int | None, engine: str | None
) -> tuple[list[FsaSnapshot], int]:
    """The FAFSA snapshots of ``season`` (default the latest), oldest first."""
    snaps = [read_fsa_workbook(p, engine=engine) for p in _fsa_files(source_dir, spec)]
    season = season if season is not None else max(s.season for s in snaps)
    snaps = sorted((s for s in snaps if s.season == season), key=lambda s: s.as_of)
    if not snaps:
        raise InputError(f"No FAFSA snapshot of the {season} season in {source_dir}.")
    return snaps, season


def _latest_per_school(
    weekly: pd.DataFrame, snaps: list[FsaSnapshot], season: int
) -> pd.DataFrame:
    """One row per school of the season's files: the latest snapshot's counts, name and rows."""
    cur = weekly[weekly["season"] == season].drop(columns=["seniors"])
    codes = pd.DataFrame({"school_id": sorted(cur["school_id"].unique())})
    latest = cur[cur["as_of"] == pd.Timestamp(snaps[-1].as_of)]
    base = codes.merge(latest, on="school_id", how="left")
    base["in_latest"] = base["as_of"].notna()
    # A school's name as the latest file gives it first.
    names = pd.concat([s.data for s in reversed(snaps)]).drop_duplicates("school_code")
    names = names.rename(columns={"school_code": "school_id", "name": "fafsa_name"})
    rows_latest = snaps[-1].data["school_code"].value_counts().rename("file_rows")
    base = base.merge(names[["school_id", "fafsa_name", "city"]], on="school_id", how="left")
    return base.merge(rows_latest, left_on="school_id", right_index=True, how="left")


def _schools_table(kept: pd.DataFrame, files: StateFiles, season: int) -> pd.DataFrame:
    """The schools kept, with the state's lunch and race shares of the season."""
    lunch = files.lunch[files.lunch["year"] == season]
    race = files.race[files.race["year"] == season]
    schools = kept.merge(lunch, on="state_school_id", how="left").merge(
        race.drop(columns=["year"]), on="state_school_id", how="left"
    )
    share_cols = [c for c in race.columns if c.startswith("share_")]
    return pd.DataFrame(
        {
            "school_id": schools["school_id"],
            "school_name": schools["school_name_nces"].fillna(schools["fafsa_name"]),
            "district": schools["district_state"].fillna(schools["district_nces"]),
            # Where the school is, so a run can choose its network by county or city.
            **{c: schools[c] for c in ("county", "city") if c in schools},
            "cohort": season,
            "enrollment": schools["enrollment"].fillna(schools["students"]).astype("Int64"),
            "seniors": schools["seniors"].astype("Int64"),
            "share_low_income": schools["share_low_income"],
            **{c: schools[c] for c in share_cols},
        }
    )


def _prior_season(
    weekly: pd.DataFrame, kept: pd.DataFrame, season: int
) -> tuple[pd.DataFrame, pd.Series]:
    """The prior season at its latest date for the kept schools, and which rows are usable."""
    prior = weekly[(weekly["season"] == season - 1)]
    prior = prior[prior["as_of"] == prior["as_of"].max()] if len(prior) else prior
    prior = prior[
        prior["school_id"].isin(kept["school_id"]) & prior["seniors"].gt(0).fillna(False)
    ]
    prior_ok = prior["completed"].astype("Float64").le(prior["seniors"].astype("Float64"))
    return prior, prior_ok.fillna(True).astype(bool) | prior["completed_suppressed"]


_LOG_COLUMNS = [
    "school_id",
    "school_name_fafsa",
    "city",
    "file_rows",
    "state_school_id",
    "district_state",
    "seniors",
    "completed",
    "completed_suppressed",
    "kept",
    "reason",
    "detail",
    "note",
]


def _import_log(q: pd.DataFrame, notes: pd.Series, file: str | Path) -> pd.DataFrame:
    """Every school of the federal files, kept or excluded with its reason and notes."""
    quality = q.assign(
        note=q["school_id"].map(notes).fillna(""),
        district_state=q["district_state"].fillna(q["district_nces"]),
    )
    quality = quality.rename(columns={"fafsa_name": "school_name_fafsa"})[_LOG_COLUMNS].rename(
        columns={"district_state": "district", "file_rows": "rows_in_latest_file"}
    )
    quality["rows_in_latest_file"] = quality["rows_in_latest_file"].fillna(0).astype(int)
    quality.insert(0, "file", Path(file).name)
    return quality


def _write_tables(out_dir: Path, tables: dict[str, pd.DataFrame]) -> dict[str, Path]:
    """Write each table as ``<name>.csv`` in ``out_dir`` (created if missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, frame in tables.items():
        written[name] = out_dir / f"{name}.csv"
        frame.to_csv(written[name], index=False)
    return written


def import_public(
    state: str | Path,
    source_dir: str | Path,
    out_dir: str | Path,
    *,
    season: int | None = None,
    engine: str | None = "calamine",
) -> ImportResult:
    """Import a state's public FAFSA and school files into a raw folder.

    Writes ``schools.csv``, ``counts.csv`` (measures ``fafsa_submitted`` and
    ``fafsa_complete``, group ``all``: the public files have no student groups; numerator
    from the latest snapshot, denominator the state's grade-12 membership of the season's
    school year), ``fafsa_weekly.csv`` and ``_import_log.csv`` (every school of the
    federal files, kept or excluded with its reason). Prior-season counts (same date a
    year earlier, over the prior year's grade-12 membership) are added where that
    membership is known.

    Parameters
    ----------
    state : str or Path
        ``"florida"`` or a path to a state description (see :func:`load_source_spec`).
    source_dir : str or Path
        Folder of the published files.
    out_dir : str or Path
        Raw folder to write (created if missing).
    season : int, optional
        Season to import (the seniors' graduating year, 2024 for the 2024-25 FAFSA);
        default: the latest in the files.
    engine : str, optional
        pandas Excel engine.

    Returns
    -------
    ImportResult
    """
    check_argument("engine", ["calamine", "xlrd", "openpyxl", None], engine)
    spec, source_dir, out_dir = load_source_spec(state), Path(source_dir), Path(out_dir)
    snaps, season = _season_snapshots(source_dir, spec, season, engine)
    files = read_state_files(state, source_dir, engine=engine)
    mem = files.membership.rename(columns={"year": "season"})
    seniors = mem.loc[~mem["seniors_suppressed"], ["state_school_id", "season", "seniors"]]
    xw_seniors = files.crosswalk.merge(seniors, on="state_school_id")[
        ["school_id", "season", "seniors"]
    ]
    weekly = fafsa_weekly(snaps, seniors=xw_seniors)
    q = _exclusions(_latest_per_school(weekly, snaps, season), files, season)
    kept = q[q["kept"]].copy()
    schools = _schools_table(kept, files, season)
    # Prior season at the same date, over the prior year's grade-12 membership.
    prior, prior_ok = _prior_season(weekly, kept, season)
    counts = pd.concat(
        [_counts_table(kept, season), _counts_table(prior[prior_ok], season - 1)],
        ignore_index=True,
    )
    weekly_out = weekly[weekly["school_id"].isin(kept["school_id"])].reset_index(drop=True)
    weekly_out["as_of"] = weekly_out["as_of"].dt.date
    decreases = fafsa_decreases(weekly)
    notes = _notes(q, snaps[-1], decreases, prior, prior_ok, season)
    quality = _import_log(q, notes, snaps[-1].file)
    tables = {
        "schools": schools,
        "counts": counts,
        "fafsa_weekly": weekly_out,
        "_import_log": quality,
    }
    return ImportResult(
        out_dir=out_dir,
        files=_write_tables(out_dir, tables),
        season=season,
        as_of=snaps[-1].as_of,
        membership_year=season,
        schools=schools,
        counts=counts,
        fafsa_weekly=weekly_out,
        quality_log=quality,
        decreases=decreases,
        state_files=files,
    )


def _notes(q, latest: FsaSnapshot, decreases, prior, prior_ok, season) -> pd.Series:
    """Secondary remarks per school (the school is kept or excluded for another reason)."""
    notes: dict[str, list[str]] = {}
    n_rows = latest.data["school_code"].value_counts()
    for code, n in n_rows[n_rows > 1].items():
        notes.setdefault(code, []).append(f"{n} rows in the FAFSA file combined (summed)")
    for (code, measure), d in decreases.groupby(["school_id", "measure"]):
        notes.setdefault(code, []).append(f"{measure} count went down {len(d)} time(s)")
    over_prior, in_prior = set(prior.loc[~prior_ok, "school_id"]), set(prior["school_id"])
    for code in q.loc[q["kept"], "school_id"]:
        if code in over_prior:
            why = "more completions than seniors"
        elif code not in in_prior:
            why = f"no usable grade-12 membership for {season - 1} or no count in the file"
        else:
            continue
        notes.setdefault(code, []).append(f"{season - 1} counts left out: {why}")
    over = q["submitted"].astype("Float64").gt(q["seniors"].astype("Float64")).fillna(False)
    for code in q.loc[over.astype(bool), "school_id"]:
        notes.setdefault(code, []).append("more submissions than seniors")
    return pd.Series({k: "; ".join(v) for k, v in notes.items()}, dtype=object)
