"""Exclusion limits: how many of a table's rows one rule may set aside before it is an error.

A rule (a blank key, a value out of range, a school not in the schools table, a duplicate)
that excludes more than ``max_excluded_share`` of a table's rows (1% by default) is an
error: a roster export with a blank school id on one row in seven would otherwise build
reports without a seventh of the students. A run's params may raise the limit for one table
and rule, with the reason (``allow_excluded``); the reason is noted in the data-quality
notes of every report.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netlab.params import RunParams

DEFAULT_SHARE = 0.01


def rule_id(table: str, rule: str) -> str:
    """The key that names one table's rule in ``allow_excluded`` (``students.school_id_blank``)."""
    slug = re.sub(r"[^a-z0-9]+", "_", rule.casefold()).strip("_")
    return f"{table}.{slug}"


def _percent(share: float) -> str:
    pct = 100 * share
    return f"{pct:.0f}%" if pct >= 10 or pct == int(pct) else f"{pct:.1f}%"


@dataclass(frozen=True)
class Verdict:
    """Whether one rule's exclusions are within the run's limit, and what to say."""

    error: bool
    text: str
    hint: str
    note: str | None = None


def judge(
    params: RunParams | None,
    *,
    table: str,
    rule: str,
    excluded: int,
    rows_in: int,
    limited: bool = True,
    reason: str | None = None,
) -> Verdict:
    """Judge ``excluded`` of ``rows_in`` rows of ``table`` set aside by one rule.

    Parameters
    ----------
    params : RunParams or None
        The run's parameters (``max_excluded_share``, ``allow_excluded``); None means the
        defaults.
    table, rule : str
        The table and the rule's short name (see :func:`rule_id`).
    excluded, rows_in : int
        Rows the rule excluded, and rows the table had in its file.
    limited : bool
        False for a rule that loses nothing (an exact copy of a kept row): never an error.
    reason : str, optional
        The rule in words, for the note a report shows when an allowance is used.

    Returns
    -------
    Verdict
        ``error`` when the share is above the limit; ``text`` gives the counts and the
        limit, ``hint`` the params key that would allow it.
    """
    key = rule_id(table, rule)
    usual = limit = getattr(params, "max_excluded_share", DEFAULT_SHARE)
    allowed = (getattr(params, "allow_excluded", None) or {}).get(key)
    if allowed is not None:
        limit = max(limit, allowed.share)
    share = excluded / rows_in if rows_in else 0.0
    counts = f"{excluded:,} of {rows_in:,} rows ({_percent(share)})"
    if share <= limit or not limited:
        note = None
        if allowed is not None and share > usual:
            # A share, not a count: the note goes into every report, where small counts
            # are never shown.
            note = (
                f"{_percent(share)} of the {table} rows were left out ({reason or key}), more "
                f"than the usual {_percent(usual)}; the run's parameters allow up to "
                f"{_percent(allowed.share)} ({key}) because: {allowed.reason}"
            )
        return Verdict(False, f"{counts} excluded", "", note)
    source = f"allow_excluded.{key}" if allowed is not None else "max_excluded_share"
    room = math.ceil(share * 100 + 1e-9) / 100  # the next whole percent above the share
    text = f"{counts} excluded, more than the run allows ({_percent(limit)}, {source})"
    hint = (
        f"If leaving these rows out is right for this run, say so in its params: "
        f'allow_excluded: {{{key}: {{share: {room:g}, reason: "..."}}}}'
    )
    return Verdict(True, text, hint)
