"""Column kinds, and the type check of a condition against a table before data is read.

:func:`column_kind` maps a dtype (or a kind name from ``extra_columns``) to one of
``"bool"``, ``"number"``, ``"str"`` or ``"date"``; :func:`check` checks a condition's names
and comparisons against a table's columns and their kinds.
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from netlab.exceptions import MeasureError
from netlab.measures.conditions._grammar import (
    _COMPARE,
    _KEYWORDS,
    _ORDERING,
    Condition,
    parse,
)

_KIND_NAMES = {
    "bool": "bool",
    "boolean": "bool",
    "b": "bool",
    "int": "number",
    "integer": "number",
    "float": "number",
    "number": "number",
    "i": "number",
    "u": "number",
    "f": "number",
    "str": "str",
    "string": "str",
    "category": "str",
    "O": "str",
    "U": "str",
    "S": "str",
    "date": "date",
    "datetime": "date",
    "M": "date",
    "any": "any",
}
_KIND_WORDS = {"bool": "true/false", "number": "number", "str": "text", "date": "date"}


def column_kind(dtype_or_kind: Any) -> str:
    """Map a dtype (or a kind name) to ``"bool"``, ``"number"``, ``"str"`` or ``"date"``.

    Parameters
    ----------
    dtype_or_kind : str or dtype
        ``"int"``, ``"float"``, ``"bool"``, ``"str"``, ``"date"`` (the names used by
        ``extra_columns``), a NumPy kind letter, or a NumPy / pandas dtype.

    Returns
    -------
    str
    """
    if isinstance(dtype_or_kind, str) and dtype_or_kind in _KIND_NAMES:
        return _KIND_NAMES[dtype_or_kind]
    if isinstance(dtype_or_kind, str):
        try:
            dtype_or_kind = pd.api.types.pandas_dtype(dtype_or_kind)
        except TypeError:
            raise ValueError(f"Unknown column type {dtype_or_kind!r}.") from None
    dtype = dtype_or_kind
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    return "str"


def _series_kind(series: pd.Series) -> str:
    kind = column_kind(series.dtype)
    if series.dtype == object:
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        kind = {
            "boolean": "bool",
            "integer": "number",
            "floating": "number",
            "mixed-integer-float": "number",
            "decimal": "number",
            "date": "date",
            "datetime": "date",
            "datetime64": "date",
            "empty": "any",
        }.get(inferred, "str")
    return kind


def _value_kind(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, int | float | np.integer | np.floating):
        return "number"
    if isinstance(value, dt.date | np.datetime64):
        return "date"
    return "str"


def _as_date(value: Any) -> pd.Timestamp | None:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    return None if pd.isna(stamp) else stamp


def _const_value(node: ast.AST) -> Any:
    if isinstance(node, ast.Name):
        return _KEYWORDS[node.id.lower()]
    if isinstance(node, ast.UnaryOp):
        value = node.operand.value  # type: ignore[attr-defined]
        return -value if isinstance(node.op, ast.USub) else value
    return node.value  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Operand:
    kind: str  # bool, number, str, date
    role: str  # column, constant, value, list
    name: str | None = None
    value: Any = None


class _Checker:
    def __init__(
        self,
        cond: Condition,
        kinds: Mapping[str, str],
        constants: Mapping[str, Any],
        table: str | None,
    ) -> None:
        self.cond = cond
        self.kinds = kinds
        self.constants = constants
        self.table = table

    def fail(self, message: str, column: str | None = None, hint: str | None = None) -> None:
        raise MeasureError(
            f"The condition `{self.cond.text}` {message}",
            column=column,
            table=self.table,
            hint=hint,
        )

    def operand(self, node: ast.AST) -> _Operand:
        if isinstance(node, ast.Name) and node.id.lower() not in _KEYWORDS:
            name = node.id
            if name in self.kinds:
                return _Operand(self.kinds[name], "column", name)
            if name in self.constants:
                value = self.constants[name]
                return _Operand(_value_kind(value), "constant", name, value)
            where = f"the {self.table} table" if self.table else "the table"
            close = difflib.get_close_matches(name, [*self.kinds, *self.constants], n=3)
            hint = (
                f"Did you mean {' or '.join(repr(c) for c in close)}?"
                if close
                else "Check its spelling, or declare it in the params' extra_columns."
            )
            self.fail(f"uses the column {name!r}, which {where} does not have.", name, hint)
        if isinstance(node, ast.List | ast.Tuple):
            values = tuple(_const_value(e) for e in node.elts)
            kinds = {_value_kind(v) for v in values}
            if len(kinds) > 1:
                self.fail(f"mixes kinds of values in the list `{ast.unparse(node)}`.")
            return _Operand(kinds.pop() if kinds else "any", "list", value=values)
        value = _const_value(node)
        return _Operand(_value_kind(value), "value", value=value)

    @staticmethod
    def describe(operand: _Operand) -> str:
        word = _KIND_WORDS.get(operand.kind, operand.kind)
        if operand.role == "column":
            return f"the {word} column {operand.name!r}"
        if operand.role == "constant":
            return f"the {word} constant {operand.name!r}"
        if operand.role == "list":
            return f"a list of {word} values"
        return f"the {word} value {operand.value!r}"

    def compatible(self, left: _Operand, right: _Operand, symbol: str) -> bool:
        kinds = {left.kind, right.kind}
        if kinds == {"date", "str"}:
            text = left if left.kind == "str" else right
            return text.role != "column" and all(
                _as_date(v) is not None
                for v in (text.value if text.role == "list" else (text.value,))
            )
        if "any" in kinds:
            return True
        if left.kind != right.kind:
            return False
        if symbol in _ORDERING:
            return left.kind in ("number", "date")
        return True

    def boolean(self, node: ast.AST) -> None:
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self.boolean(value)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.boolean(node.operand)
        elif isinstance(node, ast.Compare):
            operands = [self.operand(o) for o in (node.left, *node.comparators)]
            for i, op in enumerate(node.ops):
                symbol = _COMPARE[type(op)][0]
                left, right = operands[i], operands[i + 1]
                if left.role == "list":
                    self.fail(f"has a list on the left of `{symbol}`; put the column first.")
                if right.role == "list" and symbol not in ("in", "not in"):
                    self.fail(f"compares with a list using `{symbol}`; use `in`.", left.name)
                if not self.compatible(left, right, symbol):
                    column = left.name if left.role == "column" else right.name
                    if symbol in _ORDERING and left.kind == right.kind:
                        problem = f"cannot be ordered with `{symbol}`"
                    else:
                        problem = "cannot be compared"
                    self.fail(
                        f"compares {self.describe(left)} with {self.describe(right)} "
                        f"using `{symbol}`: a type mismatch ({problem}).",
                        column,
                        hint="Compare numbers with numbers, text with quoted text, and "
                        "true/false columns with true or false (or use the column alone).",
                    )
        else:
            operand = self.operand(node)
            if operand.kind not in ("bool", "any"):
                self.fail(
                    f"uses {self.describe(operand)} where true/false is needed: a type mismatch.",
                    operand.name,
                    hint="Compare it with a value, e.g. `grade == 9`.",
                )


def check(
    condition: str | Condition,
    columns: Mapping[str, Any],
    constants: Mapping[str, Any] | None = None,
    *,
    table: str | None = None,
) -> Condition:
    """Check a condition against a table's columns and types, before any data is read.

    Parameters
    ----------
    condition : str or Condition
        The condition.
    columns : mapping of str to kind
        The table's columns and their kinds: ``"bool"``, ``"int"``, ``"float"``, ``"str"``,
        ``"date"``, a NumPy kind letter or a dtype (see :func:`column_kind`).
    constants : mapping of str to value, optional
        Named constants (a name that is not a column but is here is a constant).
    table : str, optional
        The table's name, for messages.

    Returns
    -------
    Condition
        The parsed condition.

    Raises
    ------
    MeasureError
        Naming the condition and the column: an unknown column, an unsupported operator
        or syntax, or a type mismatch (text compared with a number, a true/false column
        ordered with ``<``, a number column used alone as true/false, ...).
    """
    cond = parse(condition)
    kinds = {name: column_kind(kind) for name, kind in columns.items()}
    _Checker(cond, kinds, constants or {}, table).boolean(cond.tree.body)
    return cond
