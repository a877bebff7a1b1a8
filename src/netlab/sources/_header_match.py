"""Headers against a description's patterns: which header each role reads.

A pattern is a column position, an alias compared in canonical spelling, or a regular
expression; a header row is found by the markers it holds; :func:`plan_headers` matches a
file's header to every role at once and says what is missing or ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from netlab import schemas
from netlab.sources._sheets import _text

# A pattern holding one of these is a regular expression; otherwise it is an alias.
_REGEX_CHARS = re.compile(r"[\^$()\[\]|\\*+?{}]")


def is_regex(pattern: str) -> bool:
    """True when a header pattern is a regular expression rather than an alias."""
    return bool(_REGEX_CHARS.search(pattern))


def header_matches(
    header: str, pattern: str | int, position: int | None = None, *, regex: bool = False
) -> bool:
    """Does ``header`` (at 1-based ``position``) match one pattern of a description?

    A number is a column position (files without a header row); a pattern holding regular
    expression characters is searched, case-insensitive, in the header with its whitespace
    collapsed; anything else is an alias, equal to the header in canonical spelling (case,
    spaces and punctuation do not matter: ``Record Found Y/N`` = ``RECORD_FOUND_Y/N``).
    ``regex=True`` reads every pattern as a regular expression (a state's public-file
    descriptions, ``docs/public-sources.md``, are written that way).
    """
    if isinstance(pattern, int):
        return position == pattern
    if not header:
        return False
    if regex:
        return re.search(pattern, header, re.IGNORECASE) is not None
    if is_regex(pattern):
        # Tried on the header as written and in canonical spelling ("race_code_1").
        return any(
            re.search(pattern, text, re.IGNORECASE) is not None
            for text in (header, schemas.canonical_name(header))
        )
    return schemas.canonical_name(header) == schemas.canonical_name(pattern)


def _matches(cells: Sequence[str], pattern: str, *, regex: bool = True) -> int | None:
    """Position of the first cell that ``pattern`` matches (a regular expression), or None."""
    return next(
        (i for i, c in enumerate(cells) if c and header_matches(c, pattern, regex=regex)), None
    )


def _find_header(
    sheets: Mapping[str, pd.DataFrame],
    markers: Sequence[str],
    *,
    scan: int = 60,
    regex: bool = True,
) -> tuple[str, int, list[str]] | None:
    """First (sheet, row position, header cells) whose row matches every marker."""
    for name, frame in sheets.items():
        for pos in range(min(scan, len(frame))):
            cells = [_text(v) for v in frame.iloc[pos].tolist()]
            if all(_matches(cells, m, regex=regex) is not None for m in markers):
                return name, pos, cells
    return None


# --------------------------------------------------------------------------- header plans
@dataclass
class HeaderPlan:
    """Which header each role of a description reads, and what did not fit."""

    columns: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    unused: list[str] = field(default_factory=list)
    shared: dict[str, list[str]] = field(default_factory=dict)


def plan_headers(
    header: Sequence[str],
    roles: Mapping[str, Sequence[str | int]],
    *,
    required: Sequence[str] = (),
    defaults: Mapping[str, Sequence[str]] | None = None,
) -> HeaderPlan:
    """Match a file's header cells to a description's roles.

    Parameters
    ----------
    header : sequence of str
        The header cells, in file order.
    roles : mapping
        Role -> the description's patterns for it (see :func:`header_matches`).
    required : sequence of str
        Roles the file must have.
    defaults : mapping, optional
        Role -> fallback aliases (the contract's spellings) for roles the description does
        not list; a header the description claims explicitly is never a fallback's.

    Returns
    -------
    HeaderPlan
        ``columns`` role -> header position; ``missing`` required roles not found;
        ``ambiguous`` role -> the several headers that matched it; ``unused`` headers no
        role read; ``shared`` header -> the several roles whose patterns all fit it.
    """
    plan = HeaderPlan()
    claimed: dict[int, str] = {}

    def matches(patterns: Sequence[str | int]) -> list[int]:
        return [
            i for i, h in enumerate(header) if any(header_matches(h, p, i + 1) for p in patterns)
        ]

    for role, patterns in roles.items():
        found = matches(patterns)
        if not found:
            continue
        # Of several, an exact alias beats a regular expression's wider net.
        if len(found) > 1:
            exact = [
                i
                for i in found
                if any(isinstance(p, str) and not is_regex(p) and header_matches(header[i], p)
                       for p in patterns)
            ]  # fmt: skip
            found = exact if len(exact) == 1 else found
        if len(found) > 1:
            plan.ambiguous[role] = [header[i] for i in found]
            continue
        if found[0] in claimed:
            # Two roles cannot read one column: say so rather than guess which is meant.
            plan.shared.setdefault(header[found[0]], [claimed[found[0]]]).append(role)
            continue
        plan.columns[role] = found[0]
        claimed[found[0]] = role
    for both in plan.shared.values():
        for role in both:
            plan.columns.pop(role, None)
    for role, aliases in (defaults or {}).items():
        if role in roles or role in plan.columns:
            continue
        found = [i for i in matches(aliases) if i not in claimed]
        if len(found) == 1:
            plan.columns[role] = found[0]
            claimed[found[0]] = role
        elif len(found) > 1:
            plan.ambiguous[role] = [header[i] for i in found]
    plan.missing = [r for r in required if r not in plan.columns and r not in plan.ambiguous]
    plan.unused = [h for i, h in enumerate(header) if i not in claimed and h]
    return plan


def contract_aliases(table: str, roles: Sequence[str]) -> dict[str, list[str]]:
    """The contract's spellings of each role that is one of ``table``'s columns."""
    if table not in schemas.TABLES:
        return {}
    local = schemas.TABLE_ALIASES.get(table, {})
    out: dict[str, list[str]] = {}
    for role in roles:
        spellings = [role, *schemas.ALIASES.get(role, ())]
        spellings += [alias for alias, target in local.items() if target == role]
        out[role] = spellings
    return out
