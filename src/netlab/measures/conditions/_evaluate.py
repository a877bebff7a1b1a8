"""Evaluating a condition on every row of a table, vectorized, in three-valued logic.

A comparison that reads a missing value is unknown, and a row whose result is unknown does
not meet the condition.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from typing import Any, TypeGuard

import numpy as np
import pandas as pd

from netlab.measures.conditions._grammar import _COMPARE, _KEYWORDS, Condition, parse
from netlab.measures.conditions._types import _as_date, _const_value, _series_kind, check


class _Evaluator:
    """Evaluate to Kleene truth: a pair (definitely true, definitely false) of arrays."""

    def __init__(
        self,
        cond: Condition,
        frame: pd.DataFrame,
        constants: Mapping[str, Any],
        kinds: Mapping[str, str],
    ) -> None:
        self.cond = cond
        self.frame = frame
        self.constants = constants
        self.kinds = kinds
        self.n = len(frame)

    def full(self, value: bool) -> tuple[np.ndarray, np.ndarray]:
        truth = np.full(self.n, bool(value))
        return truth, ~truth

    def column(self, name: str) -> pd.Series:
        series = self.frame[name]
        kind = self.kinds[name]
        if kind == "date" and not pd.api.types.is_datetime64_any_dtype(series):
            series = pd.to_datetime(series, errors="coerce")
        elif kind == "number" and series.dtype == object:
            series = pd.to_numeric(series, errors="coerce")
        return series

    def unknown(self, *nodes: ast.AST) -> bool:
        """True when a column read here holds no value at all (its kind cannot be told)."""
        return any(self.is_column(n) and self.kinds[n.id] == "any" for n in nodes)

    def scalar(self, node: ast.AST, other_kind: str) -> Any:
        if isinstance(node, ast.Name) and node.id.lower() not in _KEYWORDS:
            value = self.constants[node.id]
        elif isinstance(node, ast.List | ast.Tuple):
            value = [_const_value(e) for e in node.elts]
            if other_kind == "date":
                value = [_as_date(v) for v in value]
            return value
        else:
            value = _const_value(node)
        if other_kind == "date":
            value = _as_date(value)
        return value

    def is_column(self, node: ast.AST) -> TypeGuard[ast.Name]:
        return isinstance(node, ast.Name) and node.id in self.frame.columns

    def compare(self, left: ast.AST, op: ast.cmpop, right: ast.AST):
        symbol, func = _COMPARE[type(op)]
        lcol, rcol = self.is_column(left), self.is_column(right)
        if not lcol and not rcol:
            lvalue = self.scalar(left, "")
            rvalue = self.scalar(right, "")
            if symbol in ("in", "not in"):
                holds = (lvalue in rvalue) == (symbol == "in")
            else:
                holds = bool(func(lvalue, rvalue))
            return self.full(holds)
        if self.unknown(left, right):
            nothing = np.zeros(self.n, dtype=bool)
            return nothing, nothing
        if lcol and rcol:
            a, b = self.column(left.id), self.column(right.id)  # type: ignore[attr-defined]
            known = (a.notna() & b.notna()).to_numpy(dtype=bool)
            result = _to_bool(func(a, b))
            return result & known, ~result & known
        if rcol:  # value on the left: flip so that the column comes first
            flipped = {"<": operator.gt, "<=": operator.ge, ">": operator.lt, ">=": operator.le}
            func = flipped.get(symbol, func)
            left, right = right, left
        series = self.column(left.id)  # type: ignore[attr-defined]
        value = self.scalar(right, self.kinds[left.id])  # type: ignore[attr-defined]
        known = series.notna().to_numpy(dtype=bool)
        if symbol in ("in", "not in"):
            result = _to_bool(series.isin(value))
            if symbol == "not in":
                result = ~result
        else:
            result = _to_bool(func(series, value))
        return result & known, ~result & known

    def truth(self, node: ast.AST) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(node, ast.BoolOp):
            parts = [self.truth(v) for v in node.values]
            trues = [p[0] for p in parts]
            falses = [p[1] for p in parts]
            if isinstance(node.op, ast.And):
                return np.logical_and.reduce(trues), np.logical_or.reduce(falses)
            return np.logical_or.reduce(trues), np.logical_and.reduce(falses)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            true, false = self.truth(node.operand)
            return false, true
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            parts = [
                self.compare(operands[i], op, operands[i + 1]) for i, op in enumerate(node.ops)
            ]
            if len(parts) == 1:
                return parts[0]
            return (
                np.logical_and.reduce([p[0] for p in parts]),
                np.logical_or.reduce([p[1] for p in parts]),
            )
        if self.is_column(node):
            series = self.frame[node.id]
            known = series.notna().to_numpy(dtype=bool)
            values = _to_bool(series.fillna(False) if not known.all() else series)
            return values & known, ~values & known
        return self.full(bool(self.scalar(node, "")))


def _to_bool(result: Any) -> np.ndarray:
    if isinstance(result, pd.Series):
        return result.to_numpy(dtype=bool, na_value=False)
    return np.asarray(result, dtype=bool)


def evaluate(
    condition: str | Condition,
    frame: pd.DataFrame,
    constants: Mapping[str, Any] | None = None,
) -> np.ndarray:
    """Evaluate a condition on every row of a table, vectorized.

    Parameters
    ----------
    condition : str or Condition
        The condition.
    frame : pandas.DataFrame
        The table; the condition's names are looked up among its columns first.
    constants : mapping of str to value, optional
        Named constants for names that are not columns.

    Returns
    -------
    numpy.ndarray of bool
        True where the row meets the condition. A comparison that reads a missing value
        is unknown, and a row whose result is unknown does not meet the condition.

    Raises
    ------
    MeasureError
        As :func:`check`, against the frame's columns and dtypes.

    Examples
    --------
    >>> frame = pd.DataFrame({"grade": [9, 10, None]})
    >>> evaluate("grade == 9", frame).tolist()
    [True, False, False]
    """
    constants = constants or {}
    cond = parse(condition)
    kinds = {name: _series_kind(frame[name]) for name in cond.columns if name in frame.columns}
    check(cond, kinds, constants)
    return _Evaluator(cond, frame, constants, kinds).truth(cond.tree.body)[0]
