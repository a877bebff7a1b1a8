"""A first description for a file netlab has never seen: the nearest built-ins, and a draft.

``netlab describe FILE`` reads the file's header and a sample of its rows, ranks the
built-in descriptions by how many of their roles find a header (an alias or pattern of the
built-in, or failing that a header close in spelling, marked as in doubt), and writes a
ready-to-edit ``<file stem>.yaml`` beside the file: ``format:`` the nearest built-in, every
role it found under ``columns:`` with the values seen, and the roles it could not place as
comments.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from netlab import schemas
from netlab.exceptions import InputError
from netlab.sources._describe import Description, DescriptionModel, builtins, detect
from netlab.sources._header_match import contract_aliases, header_matches, is_regex
from netlab.sources._kinds import kind_fields

# Spellings real headers use for the same thing (compared after canonical spelling).
_SAME = {
    "enrollment": ("seniors", "12th_grade_enrollment", "grade_12_enrollment", "grade_12"),
    "number": ("id", "no", "num"),
    "student_number": ("local_id", "student_no", "student_num"),
}
_DOUBT = 0.8  # spelling ratio from which a header is offered for a role, in doubt


@dataclass
class RoleMatch:
    """One role of a built-in against a file's header."""

    role: str
    header: str | None = None
    sure: bool = True
    required: bool = False
    values: list[str] = field(default_factory=list)


@dataclass
class Ranking:
    """How well one built-in description fits a file."""

    description: Description
    roles: list[RoleMatch]
    detected: bool

    @property
    def found(self) -> int:
        return sum(r.header is not None and r.sure for r in self.roles)

    @property
    def score(self) -> float:
        """Roles placed (required ones twice, doubtful ones half), less a required role
        missing, plus a bonus when the built-in's own markers recognise the header; the
        share of its roles placed breaks ties."""
        weight = sum(2 if r.required else 1 for r in self.roles) or 1
        got = sum(
            (2 if r.required else 1) * (1.0 if r.sure else 0.5)
            for r in self.roles
            if r.header is not None
        )
        missing = sum(r.required and r.header is None for r in self.roles)
        return got - 2 * missing + (3 if self.detected else 0) + got / weight


def _tokens(text: str) -> set[str]:
    return set(schemas.canonical_name(text).split("_")) - {""}


def _close(header: str, patterns: Sequence[str | int]) -> float:
    """How close a header's spelling is to a role's aliases (0..1)."""
    canon = schemas.canonical_name(header)
    best = 0.0
    for p in patterns:
        if not isinstance(p, str) or is_regex(p):
            continue
        alias = schemas.canonical_name(p)
        ratio = difflib.SequenceMatcher(None, canon, alias).ratio()
        alias_tokens, mine = _tokens(p), _tokens(header)
        if alias_tokens and alias_tokens <= mine:
            ratio = max(ratio, 0.85)
        for word, same in _SAME.items():
            if canon == word and alias in same:
                ratio = max(ratio, 0.9)
        best = max(best, ratio)
    return best


def _roles_of(desc: Description) -> dict[str, list[str | int]]:
    roles = {r: desc.patterns(r) for r in desc.spec.columns}
    if desc.spec.wide is not None:
        for parts in desc.spec.wide.measures.values():
            for part in [parts] if isinstance(parts, str) else parts:
                roles.setdefault(part, [part])
    return roles


def rank_builtins(header: Sequence[str], sample: pd.DataFrame | None = None) -> list[Ranking]:
    """Every built-in description against a file's header, the nearest first.

    Parameters
    ----------
    header : sequence of str
        The file's header cells.
    sample : DataFrame, optional
        Some rows of the file (columns named by header), for the values seen.

    Returns
    -------
    list of Ranking
        Each built-in with, for every role, the header it would read (sure, or in doubt
        when only the spelling is close) and a few values seen there.
    """
    header = [h for h in header if h]
    out = []
    for desc in [*builtins(), *_tables()]:
        _, required = kind_fields(desc.kind)
        roles = _roles_of(desc)
        taken: set[str] = set()
        matches = []
        for role, patterns in roles.items():
            exact = [h for h in header if any(header_matches(h, p) for p in patterns)]
            exact = [h for h in exact if h not in taken]
            match = RoleMatch(role, required=role in required)
            if exact:
                match.header = exact[0]
            else:
                scored = sorted(((_close(h, patterns), h) for h in header if h not in taken),
                                reverse=True)  # fmt: skip
                if scored and scored[0][0] >= _DOUBT:
                    match.header, match.sure = scored[0][1], False
            if match.header is not None:
                taken.add(match.header)
                if sample is not None and match.header in sample:
                    seen = sample[match.header].dropna().astype(str).str.strip()
                    match.values = list(pd.unique(seen[seen != ""]))[:3]
            matches.append(match)
        _id_for_required(matches, kind_fields(desc.kind)[0])
        out.append(Ranking(desc, matches, detect(list(header), desc)))
    return sorted(out, key=lambda r: -r.score)


def _tables() -> list[Description]:
    """netlab's own schools table as a candidate: a public list of schools (with county and
    city, to choose a network by) is described as ``kind: schools``."""
    roles = [c for c in schemas.columns_of("schools") if not c.startswith("share_")]
    roles += [c for c in ("county", "city", "state") if c not in roles]
    columns: dict[str, Any] = {
        role: [a for a in aliases if isinstance(a, str)]
        for role, aliases in contract_aliases("schools", roles).items()
    }
    columns["school_id"] = [*columns.get("school_id", []), "nces_school_id", "ncessch",
                            "state_school_id", "school_code", "cds_code"]  # fmt: skip
    spec = DescriptionModel(kind="schools", columns=columns)
    return [Description("schools", "netlab's schools table", spec, builtin=True, origin="table")]


def _id_for_required(matches: list[RoleMatch], fields: dict[str, str]) -> None:
    """A required id the file lacks reads another id column the file has (a roster whose
    only student id is its local number: ``student_id: [Student_Number]``)."""
    for need in [m for m in matches if m.required and m.header is None]:
        if fields.get(need.role) != "id":
            continue
        spare = next(
            (m for m in matches if not m.required and m.header and fields.get(m.role) == "id"
             and m.role != "school_id"),
            None,
        )  # fmt: skip
        if spare is not None:
            need.header, need.sure, need.values = spare.header, spare.sure, spare.values
            spare.header, spare.values = None, []


@dataclass
class Sample:
    """A file's header row (the fullest of its first rows), where it is, and rows below."""

    header: list[str]
    rows: pd.DataFrame | None
    sheet: str | None = None
    position: int = 0


def _fullest(lines: list[list[str]]) -> int | None:
    """The header: the first of the rows with the most filled cells (title and note rows
    above a header fill one or two cells)."""
    counts = [sum(bool(str(c).strip()) for c in row) for row in lines]
    if not counts or max(counts) < 2:
        return None
    return counts.index(max(counts))


def _body(lines: list[list[str]], pos: int) -> tuple[list[str], pd.DataFrame]:
    header = [str(c).strip() for c in lines[pos]]
    rows = [list(r) + [""] * (len(header) - len(r)) for r in lines[pos + 1 :]]
    body = pd.DataFrame([r[: len(header)] for r in rows], columns=range(len(header)))
    named = {i: h for i, h in enumerate(header) if h}
    body = body[list(named)].rename(columns=named)
    return header, body.loc[:, ~body.columns.duplicated()]


def _sample(path: Path) -> Sample:
    """The header row and up to 200 rows of a CSV, text file or workbook."""
    from netlab.sources._sheets import _read_sheets, _text, sniff_delimiter

    best: Sample | None = None
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        for name, frame in _read_sheets(path).items():
            lines = [
                [_text(v) for v in frame.iloc[r].tolist()] for r in range(min(240, len(frame)))
            ]
            pos = _fullest(lines[:40])
            if pos is None:
                continue
            header, body = _body(lines, pos)
            if best is None or sum(map(bool, header)) > sum(map(bool, best.header)):
                best = Sample(header, body, name, pos)
    else:
        import csv
        import io

        text = path.read_bytes()[: 1 << 17].decode("utf-8", errors="replace")
        lines = list(csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text)))[:240]
        pos = _fullest(lines[:40])
        if pos is not None:
            header, body = _body(lines, pos)
            best = Sample(header, body, None, pos)
    if best is None:
        raise InputError(
            f"{path.name}: netlab found no header row in its first 40 rows.",
            file=str(path),
            hint="Describe the file by hand (docs/bringing-your-data.md: `header:` and "
            "column positions).",
        )
    return best


def _quoted(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _comment(text: str) -> str:
    return re.sub(r"\s+", " ", str(text))[:60]


def draft_text(path: Path, ranking: list[Ranking], sample: Sample | None = None) -> str:
    """The draft YAML for one file from its ranking (the nearest built-in first)."""
    best = ranking[0]
    lines = [
        f"# Drafted by `netlab describe` for {path.name}: check each line, then run",
        "# `netlab validate` on the folder. Nearest built-in descriptions:",
    ]
    for r in ranking[:3]:
        lines.append(
            f"#   {r.description.key}: {r.found} of {len(r.roles)} roles found"
            + (" (its header markers match)" if r.detected else "")
        )
    if best.description.origin == "table":
        lines.append(
            f"kind: {best.description.kind}  # read as netlab's {best.description.kind} table"
        )
    else:
        lines.append(f"format: {best.description.key}")
    if sample is not None and sample.sheet is not None:
        lines.append(f"sheet: {_quoted(sample.sheet)}")
    if sample is not None and sample.position > 0:
        plain = [h for h in sample.header if h and not is_regex(h)][:2]
        lines.append(f"header: [{', '.join(_quoted(h) for h in plain)}]  # the header row "
                     f"is row {sample.position + 1}")  # fmt: skip
    lines.append("columns:")
    doubtful: list[tuple[RoleMatch, str]] = []  # each role with the header offered for it
    unmapped: list[RoleMatch] = []
    for m in best.roles:
        if m.header is None:
            unmapped.append(m)
            continue
        seen = f"  # seen: {_comment(', '.join(m.values))}" if m.values else ""
        if m.sure:
            lines.append(f"  {m.role}: [{_quoted(m.header)}]{seen}")
        else:
            doubtful.append((m, m.header))
    for m, offered in doubtful:
        seen = f"; seen: {_comment(', '.join(m.values))}" if m.values else ""
        lines.append(f"  {m.role}: [{_quoted(offered)}]  # IN DOUBT: spelling only{seen}")
    if unmapped:
        lines.append("# Roles no header fits (write the header if the file has one):")
        for m in unmapped:
            need = "  # required" if m.required else ""
            lines.append(f"#  {m.role}: ['<header>']{need}")
    used = {m.header for m in best.roles if m.header}
    header = [h for h in (sample.header if sample else []) if h and h not in used]
    if header:
        lines.append(f"# Headers not read: {_comment(', '.join(header))}")
    return "\n".join(lines) + "\n"


def draft_description(path: str | Path, *, write: bool = True) -> tuple[Path, str]:
    """Draft a description YAML for one file, beside it.

    Parameters
    ----------
    path : str or Path
        The data file (CSV, text or workbook).
    write : bool
        Write ``<stem>.yaml`` beside the file (never over an existing one).

    Returns
    -------
    (Path, str)
        Where the draft is (or would be) written, and its text.

    Raises
    ------
    InputError
        The file does not exist, has no header, or a YAML of that name exists already.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"No file {path}.", file=str(path), hint="Give the data file's path.")
    sample = _sample(path)
    ranking = rank_builtins(sample.header, sample.rows)
    text = draft_text(path, ranking, sample)
    target = path.with_suffix(".yaml")
    if write:
        if target.exists():
            raise InputError(
                f"{target.name} exists already beside {path.name}; netlab does not overwrite it.",
                file=str(target),
                hint="Move it away, or edit it by hand.",
            )
        target.write_text(text, encoding="utf-8")
    return target, text


def nearest_builtin(path: str | Path) -> Ranking | None:
    """The built-in description nearest to a file, or None when nothing fits at all.

    Parameters
    ----------
    path : str or Path
        The file to match.

    Returns
    -------
    Ranking or None
        The best :class:`Ranking` (its description, the roles it placed in the file's
        header, whether its markers match); None when the file cannot be read or no built-in
        is sure of a single role.
    """
    try:
        sample = _sample(Path(path))
    except (InputError, OSError):
        return None
    ranking = rank_builtins(sample.header, sample.rows)
    return ranking[0] if ranking and ranking[0].found else None
