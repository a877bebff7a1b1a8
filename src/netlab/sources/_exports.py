"""A raw folder of exports as a hub holds them -> the contract tables, every join accounted.

Which file is what: a description YAML in the folder names its files (``files:`` patterns,
or the file with the YAML's own name: ``roster.yaml`` describes ``roster.csv``) and starts
from a built-in (``format: sis-roster``) or describes the layout in full; a file without
one is recognised by its header when a built-in's ``detect`` markers all match it (the
StudentTracker file, IPEDS, an application tracker, ...); any other file is read as the
contract table its name says (``schools.csv``), as before.

Then: IPEDS files become the institutions table; the roster (or ``students.csv``) is the
spine, and the StudentTracker, application and aid files join to it on the student id
(``join_on: local_id`` when a file carries the local number instead of the state id),
before the ids are pseudonymized once by :mod:`netlab.clean`; a counts file (wide or
long) becomes the counts table; schools come from ``schools.csv`` or, without one, from
the school names and ids the roster or counts file holds. Every file's rows in = kept +
excluded, and every join is counted (roster students with and without a row, file rows
with no roster student, duplicate ids) in :attr:`SourceInfo.joins`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netlab import schemas
from netlab.clean import JOIN_COLUMNS, header_map, parse_column
from netlab.exceptions import InputError
from netlab.sources._claims import Claim, claims
from netlab.sources._describe import build_ids
from netlab.sources._ipeds import institutions_from_reads
from netlab.sources._joins import JOINED, join_students
from netlab.sources._kinds import ReadExport
from netlab.sources._read import read_export
from netlab.sources._students import roster_students
from netlab.sources._wide_counts import GEOGRAPHY, _counts

if TYPE_CHECKING:
    pass

_TYPED = {"applications", "aid", "college_codes", "ipeds_institutions", "ipeds_grad_rates",
          "ipeds_outcomes"}  # fmt: skip


@dataclass
class SourceInfo:
    """How the exports became tables: per-file accounting, joins, notes and problems."""

    quality: list[dict[str, Any]] = field(default_factory=list)
    exclusions: list[pd.DataFrame] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    joins: list[dict[str, Any]] = field(default_factory=list)
    codes: pd.DataFrame | None = None
    rows: dict[str, pd.DataFrame] = field(default_factory=dict)
    # Contract tables a described file would have made had it been readable.
    failed: set[str] = field(default_factory=set)
    # The latest StudentTracker search date (the run's date unless the params give one).
    searched: Any = None
    # Measure -> how it reads (label, short_label, denominator_label), from descriptions.
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def join(self, source: str, file: str, what: str, count: int) -> None:
        self.joins.append({"source": source, "file": file, "what": what, "count": int(count)})

    @property
    def joins_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.joins, columns=JOIN_COLUMNS)

    def account(self, rx: ReadExport, extra: list[pd.DataFrame] | None = None) -> None:
        """One quality row for a file as exported (rows in = kept + excluded)."""
        mine = [e for e in (extra or []) if len(e)]
        mine = [e[e["file"] == rx.file] for e in mine]
        excluded = rx.excluded + sum(len(e) for e in mine)
        self.exclusions.extend(rx.exclusions + mine)
        self.quality.append(
            {
                "table": rx.stage,
                "file": rx.file,
                "rows_in": rx.rows_in,
                "rows_kept": rx.rows_in - excluded,
                "rows_excluded": excluded,
            }
        )
        if rx.notes:  # one line per file: how it was read, what was left out
            self.notes.append(f"{rx.file}: " + "; ".join(rx.notes))
        self.problems.extend(rx.problems)


def target_table(kind: str) -> str:
    """The contract table a kind of export feeds."""
    if kind in ("roster", *JOINED):
        return "students"
    if kind.startswith("ipeds") or kind == "college_codes":
        return "institutions"
    return kind


# --------------------------------------------------------------------------- helpers
def _contract_frame(raw: Any, table: str) -> pd.DataFrame:
    """A plain contract table's columns renamed to the contract's names (values as read)."""
    plan = header_map(table, list(map(str, raw.frame.columns)))
    return raw.frame[list(plan["rename"])].rename(columns=plan["rename"])


def _parsed(frame: pd.DataFrame, column: str, kind: str) -> pd.Series:
    return parse_column(frame[column].rename(column), kind)[0]


def _known_schools(plain: dict[str, Any]) -> pd.DataFrame | None:
    raw = plain.get("schools")
    if raw is None or len(raw.frame) == 0:
        return None
    f = _contract_frame(raw, "schools")
    if "school_id" not in f:
        return None
    out = pd.DataFrame({"school_id": _parsed(f, "school_id", "id")})
    for col in ("school_name", "district"):
        if col in f:
            out[col] = f[col].astype("str")
    return out


def _match_schools(rx: ReadExport, schools: pd.DataFrame | None, info: SourceInfo) -> None:
    """Built ids (from names) -> the schools table's ids, matched by the same names."""
    sid = rx.description.spec.school_id
    if sid is None or not sid.match_schools or schools is None or "school_id" not in rx.frame:
        return
    parts = re.findall(r"{(\w+)}", sid.format)
    if not set(parts) <= set(schools.columns):
        if "school_name" not in schools:
            return
        parts = ["school_name"]
    fmt = ".".join("{" + p + "}" for p in parts) if parts != re.findall(r"{(\w+)}", sid.format) \
        else sid.format  # fmt: skip
    theirs = build_ids({p: schools[p] for p in parts}, fmt, slug=sid.slug, widths=sid.widths)
    mine = build_ids({p: rx.frame[p] for p in parts}, fmt, slug=sid.slug, widths=sid.widths)
    lookup = pd.Series(schools["school_id"].to_numpy(), index=theirs.to_numpy())
    lookup = lookup[~lookup.index.duplicated(keep=False)]
    got = mine.map(lookup)
    rx.frame["school_id"] = got.fillna(rx.frame["school_id"]).astype("str")
    distinct = mine.dropna().unique()
    hit = int(pd.Series(distinct).isin(lookup.index).sum())
    info.join(rx.description.kind, rx.file, "schools matched to schools.csv by name", hit)
    if hit < len(distinct):
        info.join(rx.description.kind, rx.file, "schools not matched by name", len(distinct) - hit)


def _built_schools(frames: list[tuple[ReadExport, pd.DataFrame]]) -> pd.DataFrame | None:
    """Schools (id, name, district) from the rows of a roster or counts file."""
    parts = []
    for rx, f in frames:
        if "school_id" not in f:
            continue
        cols = [c for c in ("school_id", "school_name", *GEOGRAPHY) if c in f]
        part = f[cols].dropna(subset=["school_id"]).assign(_file=rx.file)
        if {"denominator", "year"} <= set(f.columns):
            # A counts file's denominator (12th-grade enrollment) is also the school's
            # context: its seniors in the latest year the file gives.
            den = pd.to_numeric(f["denominator"], errors="coerce")
            latest = f.assign(_den=den).dropna(subset=["_den", "school_id"])
            latest = latest.sort_values("year").groupby("school_id")["_den"].last()
            part["seniors"] = part["school_id"].map(latest).round().astype("Int64")
        parts.append(part)
    if not parts:
        return None
    s = pd.concat(parts, ignore_index=True).drop_duplicates("school_id")
    if "school_name" not in s:
        s["school_name"] = s["school_id"]
    return s.reset_index(drop=True)


def _raw(name: str, frame: pd.DataFrame, path: Path, notes: list[str] | None = None):
    from netlab.clean import RawTable

    return RawTable(name=name, path=path, frame=frame.reset_index(drop=True), notes=notes or [])


def _row_map(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"file": frame["_file"].to_numpy(), "row": frame["_row"].to_numpy()})


# --------------------------------------------------------------------------- the folder
def _institutions(plain, by_kind, info) -> tuple[pd.DataFrame | None, Any]:
    """The institutions frame (for code maps and grad rates) and a built table, if any."""
    hd = by_kind.get("ipeds_institutions", [])
    if hd:
        grad = (by_kind.get("ipeds_grad_rates") or [None])[0]
        om = (by_kind.get("ipeds_outcomes") or [None])[0]
        inst, notes = institutions_from_reads(hd[0], grad, om)
        for rx in [hd[0], grad, om]:
            if rx is not None:
                info.account(rx)
        info.notes.extend(notes)
        if "institutions" not in plain:
            return inst, _raw("institutions", inst, hd[0].path)
        return inst, None
    raw = plain.get("institutions")
    if raw is None:
        return None, None
    f = _contract_frame(raw, "institutions")
    if "unitid" not in f:
        return None, None
    inst = pd.DataFrame({"unitid": _parsed(f, "unitid", "id")})
    for col, kind in (("opeid", "id"), ("level", "level"), ("control", "control"),
                      ("grad_rate", "float"), ("grad_rate_pell", "float"),
                      ("award_rate_6yr", "float")):  # fmt: skip
        if col in f:
            inst[col] = _parsed(f, col, kind)
    for col in ("grad_rate", "grad_rate_pell", "award_rate_6yr"):
        if col in inst and inst[col].max() > 1:
            inst[col] = inst[col] / 100
    if "opeid" in inst:
        inst["opeid"] = inst["opeid"].str.zfill(8)
    return inst, None


def _spine(plain, by_kind, schools, info) -> tuple[pd.DataFrame | None, list, Any]:
    """The students spine: the roster files' rows, or students.csv's."""
    rosters = by_kind.get("roster", [])
    if rosters:
        parts = []
        for rx in rosters:
            _match_schools(rx, schools, info)
            f = roster_students(rx)
            parts.append(f.assign(_file=rx.file))
        spine = pd.concat(parts, ignore_index=True)
        return spine, rosters, None
    raw = plain.get("students")
    if raw is None:
        return None, [], None
    f = _contract_frame(raw, "students")
    if "student_id" not in f or "grad_year" not in f:
        return None, [], None
    spine = pd.DataFrame(
        {
            "student_id": _parsed(f, "student_id", "id"),
            "grad_year": _parsed(f, "grad_year", "Int"),
            "_row": np.arange(1, len(f) + 1),
            "_file": raw.path.name,
        }
    )
    if "school_id" in f:
        spine["school_id"] = _parsed(f, "school_id", "id")
    return spine, [], raw


def _read_claimed(found: dict[Path, Claim], info: SourceInfo) -> dict[str, list[ReadExport]]:
    """Read every claimed file by kind; a file that cannot be read becomes a problem."""
    by_kind: dict[str, list[ReadExport]] = {}
    for claim in found.values():
        desc = claim.description
        try:
            rx = read_export(claim.path, desc, typed=desc.kind in _TYPED)
        except InputError as err:
            info.problems.append(
                schemas.problem(
                    file=claim.path.name,
                    table=desc.kind,
                    rule=err.message,
                    what_to_do=err.hint or "Check the file.",
                )  # fmt: skip
            )
            continue
        rx.notes.insert(0, f"read through the description “{desc.label}” ({claim.how})")
        if any(p["severity"] == "error" for p in rx.problems):
            target = target_table(desc.kind)
            for p in rx.problems:
                # The table the file should have made: its absence is this problem, not another.
                p["table"] = target if p["severity"] == "error" else p["table"]
            info.problems.extend(rx.problems)
            info.failed.add(target)
            continue
        by_kind.setdefault(desc.kind, []).append(rx)
    return by_kind


def _college_overrides(
    by_kind: dict[str, list[ReadExport]], info: SourceInfo
) -> pd.DataFrame | None:
    """The college-code files stacked (college code -> UnitID), accounted for."""
    overrides = None
    for rx in by_kind.get("college_codes", []):
        overrides = rx.frame if overrides is None else pd.concat([overrides, rx.frame])
        info.account(rx)
    return overrides


def _students_built(
    plain: dict[str, Any],
    by_kind: dict[str, list[ReadExport]],
    built: dict[str, Any],
    *,
    schools: pd.DataFrame | None,
    inst: pd.DataFrame | None,
    overrides: pd.DataFrame | None,
    rate: str,
    info: SourceInfo,
) -> None:
    """Join the outcome files onto the roster into ``built["students"]`` (and its schools)."""
    spine, rosters, plain_students = _spine(plain, by_kind, schools, info)
    joined = [k for k in JOINED if by_kind.get(k)]
    if joined and spine is None:
        info.problems.append(
            schemas.problem(
                file=", ".join(rx.file for k in joined for rx in by_kind[k]),
                table="students",
                rule="student-level exports need a roster to join to, and the folder has none",
                what_to_do="Add the student information system's roster (or students.csv) "
                "to the folder.",
            )
        )
        return
    if spine is None:
        return
    students = join_students(spine, by_kind, inst=inst, overrides=overrides, rate=rate, info=info)
    for rx in rosters:
        info.account(rx)
    path = rosters[0].path if rosters else plain_students.path
    if plain_students is not None:
        frame = _onto_plain(plain_students.frame, students, info, path.name)
    else:
        frame = students.drop(columns=[c for c in ("local_id", "_file", "_row") if c in students])
    info.rows["students"] = _row_map(students)
    built["students"] = _raw("students", frame, path)
    if "schools" not in plain:
        s = _built_schools([(rx, students[students["_file"] == rx.file]) for rx in rosters])
        if s is not None:
            built["schools"] = _raw("schools", s.drop(columns="_file"), rosters[0].path)
            info.rows["schools"] = pd.DataFrame({"file": s["_file"], "row": pd.NA})


def _counts_built(
    plain: dict[str, Any],
    reads: list[ReadExport],
    built: dict[str, Any],
    *,
    schools: pd.DataFrame | None,
    info: SourceInfo,
) -> None:
    """The counts files into ``built["counts"]`` (and schools from them when none else)."""
    counts_parts = []
    for rx in reads:
        _match_schools(rx, schools, info)
        counts_parts.append((rx, _counts(rx).assign(_file=rx.file)))
        wide = rx.description.spec.wide
        for measure, words in (wide.labels if wide is not None else {}).items():
            info.labels.setdefault(measure, dict(words))
        info.account(rx)
    if not counts_parts:
        return
    counts = pd.concat([c for _, c in counts_parts], ignore_index=True)
    info.rows["counts"] = _row_map(counts)
    keep = [c for c in schemas.columns_of("counts") if c in counts]
    built["counts"] = _raw("counts", counts[keep], counts_parts[0][0].path)
    if "schools" not in plain and "schools" not in built:
        s = _built_schools(counts_parts)
        if s is not None:
            built["schools"] = _raw("schools", s.drop(columns="_file"), counts_parts[0][0].path)
            info.rows["schools"] = pd.DataFrame({"file": s["_file"], "row": pd.NA})


def read_folder(
    directory: str | Path,
    plain: dict[str, Any],
    params: Any = None,
    *,
    found: dict[Path, Claim] | None = None,
    problems: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], SourceInfo]:
    """Read a raw folder's described exports into contract tables (see the module docstring).

    Parameters
    ----------
    directory : str or Path
        The raw folder.
    plain : dict of str to RawTable
        Its contract tables read as they are (schools.csv, students.csv, ...).
    params : RunParams, optional
        For ``grad_rate_column`` (which graduation rate says "likely to graduate").
    found, problems : optional
        What :func:`claims` returned, when the caller has it already.

    Returns
    -------
    (dict of str to RawTable, SourceInfo)
        The tables built from exports (a built ``students`` replaces a plain one it joined
        to), each carrying the :class:`SourceInfo` in ``RawTable.source``.
    """
    directory = Path(directory)
    if found is None:
        found, problems = claims(directory)
    info = SourceInfo(problems=list(problems or []))
    if not found:
        return {}, info
    by_kind = _read_claimed(found, info)
    built: dict[str, Any] = {}
    rate = getattr(params, "grad_rate_column", "grad_rate")
    inst, inst_table = _institutions(plain, by_kind, info)
    if inst_table is not None:
        built["institutions"] = inst_table
    overrides = _college_overrides(by_kind, info)
    schools = _known_schools(plain)
    _students_built(
        plain,
        by_kind,
        built,
        schools=schools,
        inst=inst,
        overrides=overrides,
        rate=rate,
        info=info,
    )
    _counts_built(plain, by_kind.get("counts", []), built, schools=schools, info=info)
    for kind, reads in by_kind.items():
        if kind in schemas.TABLES and kind != "counts":
            for rx in reads:
                _match_schools(rx, schools, info)
                info.account(rx)
            frame = pd.concat([rx.frame.assign(_file=rx.file) for rx in reads], ignore_index=True)
            info.rows[kind] = _row_map(frame)
            built[kind] = _raw(kind, frame.drop(columns=["_file", "_row"]), reads[0].path)
    for table in built.values():
        table.source = info
    return built, info


def _onto_plain(frame: pd.DataFrame, students: pd.DataFrame, info: SourceInfo, file: str):
    """Joined outcome columns added to a plain students.csv (its own columns replaced)."""
    plan = header_map("students", list(map(str, frame.columns)))
    mine = {v: k for k, v in plan["rename"].items()}
    new = [c for c in students.columns if c not in ("student_id", "grad_year", "school_id", "_row",
           "_file", "local_id")]  # fmt: skip
    out = frame.copy()
    for col in new:
        if col in mine:
            out = out.drop(columns=mine[col])
            info.notes.append(
                f"{file}: its {mine[col]!r} column was replaced by the joined file's"
            )
        out[col] = students[col].to_numpy()
    return out
