"""The log every step of reading and cleaning writes to: problems, exclusions, notes.

:class:`Log` collects what a person must be told (one problem per file, column and rule)
and every row set aside with its reason, judged against the run's exclusion limits;
:class:`Context` carries what cleaning one table needs to know (parameters, the key, the
schools and institutions seen so far).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netlab import schemas
from netlab.clean._limits import judge
from netlab.clean._network import placement

if TYPE_CHECKING:
    from netlab.params import RunParams

__all__ = ["Context", "Log"]


def _without(frame: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """``frame`` without the rows labelled ``index`` (a mask is faster than drop by label)."""
    return frame[~frame.index.isin(index)] if len(index) else frame


@dataclass
class Log:
    """Problems, exclusions and notes of one run's reading and cleaning."""

    problems: list[dict[str, Any]] = field(default_factory=list)
    exclusions: list[pd.DataFrame] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    params: RunParams | None = None  # the run's exclusion limits (see netlab.clean._limits)
    rows_in: dict[str, int] = field(default_factory=dict)  # each table's rows in its file
    # The run's network (school ids) once the schools table is read: limits count its rows.
    network: set[str] | None = None
    known: set[str] | None = None  # every school id of the schools table
    # table -> row label -> where an excluded row belongs ("in", "out", "unplaced")
    placed: dict[str, dict[Any, str]] = field(default_factory=dict)
    # table -> reason -> rows excluded that no school places
    unplaced: dict[str, dict[str, int]] = field(default_factory=dict)

    def problem(self, **kwargs: Any) -> None:
        self.problems.append(schemas.problem(**kwargs))

    def exclude(
        self,
        frame: pd.DataFrame,
        index: pd.Index | np.ndarray,
        *,
        table: str,
        file: str,
        reason: str,
        column: str | None,
        values: Any,
        what_to_do: str,
        report: bool = True,
        drop: bool = True,
        rule: str | None = None,
    ) -> pd.DataFrame:
        """Log ``index`` rows of ``frame`` as excluded and return the frame without them.

        ``rule`` names the rule for the exclusion limits (default: ``reason``): above the
        run's limit the problem is an error, naming the params key that would allow it.
        """
        index = pd.Index(index)
        if len(index) == 0:
            return frame
        result = _without(frame, index) if drop else frame
        rows = np.asarray(index, dtype=np.int64) + 1
        vals = values if values is not None else pd.Series(pd.NA, index=index)
        vals = pd.Series(vals, index=index).astype(object).where(lambda s: s.notna(), None)
        self.exclusions.append(
            pd.DataFrame(
                {
                    "table": table,
                    "file": file,
                    "row": rows,
                    "reason": reason,
                    "column": column,
                    "value": vals.astype(str).where(vals.notna(), None).to_numpy(),
                }
            )
        )
        if report:
            self._report(
                frame,
                index,
                rows=rows,
                vals=vals,
                where={"table": table, "file": file, "column": column},
                reason=reason,
                what_to_do=what_to_do,
                rule=rule,
            )
        return result

    def _report(
        self,
        frame: pd.DataFrame,
        index: pd.Index,
        *,
        rows: np.ndarray,
        vals: pd.Series,
        where: dict[str, Any],
        reason: str,
        what_to_do: str,
        rule: str | None,
    ) -> None:
        """One problem for an exclusion, an error above the run's limit for its rule."""
        table = where["table"]
        shown = pd.unique(vals.dropna().astype(str))[:5]
        excluded, rows_in = len(rows), self.rows_in.get(table, len(frame))
        mine = self._network_rows(frame, index, table, reason)
        if mine is not None:
            excluded, rows_in = mine
        verdict = judge(
            self.params,
            table=table,
            rule=rule or reason,
            excluded=excluded,
            rows_in=rows_in,
            # An exact copy of a kept row loses nothing, so it has no limit.
            limited=rule != "duplicate",
            reason=reason,
        )
        if verdict.note:
            self.notes.append(verdict.note)
        self.problem(
            **where,
            rows=np.sort(rows),
            values=shown,
            rule=f"{reason}: {verdict.text}"
            + (
                " (counted over the rows of this run's network and the rows no school places)"
                if mine is not None
                else ""
            ),
            what_to_do=" ".join(t for t in (what_to_do, verdict.hint) if t),
            severity="error" if verdict.error else "warning",
        )

    def _network_rows(self, frame: pd.DataFrame, index: pd.Index, table: str, reason: str):
        """(excluded, rows) of the run's network and of the rows no school places, or None
        when the whole table counts (no network chosen)."""
        if self.network is None or table == "schools":
            return None
        where = placement(frame, self.network, self.known, self.params)
        if where is None:
            return None
        seen = self.placed.setdefault(table, {})
        earlier = where.index.isin(list(seen))
        new = where[where.index.isin(index) & ~earlier]
        seen.update(new.to_dict())
        mine = new != "out"
        unplaced = int((new == "unplaced").sum())
        if unplaced:
            by = self.unplaced.setdefault(table, {})
            by[reason] = by.get(reason, 0) + unplaced
        counted = int(((where != "out") & ~where.index.isin(list(seen))).sum())
        counted += sum(v != "out" for v in seen.values())
        return int(mine.sum()), counted

    def outside(self, table: str) -> int:
        """Rows of ``table`` excluded while cleaning that belong to schools outside the
        network (they are not counted in the network's data-quality rows)."""
        return sum(v == "out" for v in self.placed.get(table, {}).values())


@dataclass
class Context:
    """What cleaning one table needs: the run's parameters, the key, what was seen so far."""

    params: RunParams
    extra: dict[str, dict[str, str]]
    key: str
    log: Log
    school_ids: set[str] | None = None
    school_width: int | None = None
    institutions: pd.DataFrame | None = None
