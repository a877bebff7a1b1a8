"""Safe, vectorized conditions on a table's columns.

A condition is a short expression such as ``grade == 9``,
``credits_earned >= 5 and core_fails == 0``,
``race_ethnicity in ['Black', 'Latinx', 'Indigenous'] or low_income`` or ``not enrolled``.
It is parsed with :mod:`ast` and walked against an allow-list; nothing is ever passed to
``eval``. The grammar:

- ``and``, ``or``, ``not`` and parentheses;
- comparisons ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``in``, ``not in`` (chains such as
  ``2 <= gpa < 3`` mean ``2 <= gpa and gpa < 3``);
- names: a column of the table, or else a named constant (such as ``grad_rate_threshold``);
- values: numbers, quoted text, ``true`` / ``false`` (any capitalization), and lists or
  tuples of values on the right of ``in``;
- a true/false column on its own (``low_income``).

A missing value makes the comparison that reads it unknown, and unknown counts as not met,
with the usual three-valued logic in between (as SQL's ``WHERE`` does): a student with no
GPA meets neither ``gpa >= 3`` nor ``not gpa >= 3``.
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from netlab.exceptions import MeasureError

__all__ = ["Condition", "check", "column_kind", "evaluate", "parse"]

_KEYWORDS = {"true": True, "false": False}

_COMPARE: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Eq: ("==", operator.eq),
    ast.NotEq: ("!=", operator.ne),
    ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le),
    ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge),
    ast.In: ("in", None),  # type: ignore[dict-item]
    ast.NotIn: ("not in", None),  # type: ignore[dict-item]
}
_ORDERING = {"<", "<=", ">", ">="}

_BINOP_SYMBOLS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
}
_ALLOWED = "and, or, not, ==, !=, <, <=, >, >=, in, not in"

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


@dataclass(frozen=True)
class Condition:
    """A parsed condition.

    Attributes
    ----------
    text : str
        The condition as written.
    tree : ast.Expression
        The checked syntax tree.
    columns : frozenset of str
        Names the condition reads: columns of the table, or named constants where the
        table has no such column.
    """

    text: str
    tree: ast.Expression
    columns: frozenset[str]

    def __str__(self) -> str:
        return self.text


def _fail(
    text: str, message: str, *, column: str | None = None, hint: str | None = None
) -> NoReturn:
    raise MeasureError(f"The condition `{text}` {message}", column=column, hint=hint)


def _first_name(node: ast.AST) -> str | None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            return sub.id
    return None


def _is_value(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return isinstance(node.operand, ast.Constant) and _number(node.operand.value)
    return False


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _walk(node: ast.AST, text: str, names: set[str], *, boolean: bool) -> None:
    """Check ``node`` against the allow-list, collecting the names it reads."""
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _walk(value, text, names, boolean=True)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _walk(node.operand, text, names, boolean=True)
    elif isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            if type(op) not in _COMPARE:
                symbol = "is not" if isinstance(op, ast.IsNot) else "is"
                _fail(
                    text,
                    f"uses the operator `{symbol}`, which conditions do not support "
                    f"(allowed: {_ALLOWED}).",
                    column=_first_name(node),
                    hint="Write `==` or `!=` instead.",
                )
            right = operands[i + 1]
            if isinstance(op, ast.In | ast.NotIn) and not isinstance(right, ast.List | ast.Tuple):
                _fail(
                    text,
                    "needs a list of values on the right of `in`, such as "
                    "`race_ethnicity in ['Black', 'Latinx']`.",
                    column=_first_name(node),
                )
        for operand in operands:
            _walk_operand(operand, text, names)
    elif isinstance(node, ast.Name) or _is_value(node):
        _walk_operand(node, text, names)
    else:
        _unsupported(node, text)


def _walk_operand(node: ast.AST, text: str, names: set[str]) -> None:
    if isinstance(node, ast.Name):
        if node.id.lower() not in _KEYWORDS:
            names.add(node.id)
    elif isinstance(node, ast.Constant):
        value = node.value
        if not (isinstance(value, bool | str) or _number(value)):
            shown = "None" if value is None else repr(value)
            _fail(
                text,
                f"uses the value {shown}, which conditions do not support "
                "(use numbers, quoted text, true or false).",
                hint="A missing value never meets a condition; no test for it is needed.",
            )
    elif _is_value(node):
        pass
    elif isinstance(node, ast.List | ast.Tuple):
        for element in node.elts:
            if not _is_value(element) and not (
                isinstance(element, ast.Name) and element.id.lower() in _KEYWORDS
            ):
                _fail(
                    text,
                    f"has `{ast.unparse(element)}` in a list; lists may hold only values "
                    "(numbers, quoted text, true or false).",
                    column=_first_name(element),
                )
            elif isinstance(element, ast.Constant):
                _walk_operand(element, text, names)
    else:
        _unsupported(node, text)


def _unsupported(node: ast.AST, text: str) -> NoReturn:
    column = _first_name(node)
    if isinstance(node, ast.Call):
        func = ast.unparse(node.func)
        _fail(
            text,
            f"calls the function `{func}`; conditions cannot call functions "
            f"(allowed: {_ALLOWED}).",
            column=column,
        )
    if isinstance(node, ast.BinOp):
        symbol = _BINOP_SYMBOLS.get(type(node.op), type(node.op).__name__)
        _fail(
            text,
            f"uses the operator `{symbol}`, which conditions do not support "
            f"(allowed: {_ALLOWED}).",
            column=column,
            hint="Compute the value as a column of the table (declare it in extra_columns).",
        )
    if isinstance(node, ast.UnaryOp):
        symbol = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~"}.get(type(node.op), "?")
        _fail(
            text,
            f"uses the operator `{symbol}` on `{ast.unparse(node.operand)}`, which conditions "
            f"do not support (allowed: {_ALLOWED}).",
            column=column,
        )
    if isinstance(node, ast.Attribute):
        _fail(
            text,
            f"uses attribute access `{ast.unparse(node)}`, which conditions do not support.",
            column=column,
        )
    _fail(
        text,
        f"uses `{ast.unparse(node)}` ({type(node).__name__}), which conditions do not support "
        f"(allowed: {_ALLOWED}).",
        column=column,
    )


def parse(text: str | Condition) -> Condition:
    """Parse a condition and check it against the allow-list.

    Parameters
    ----------
    text : str or Condition
        The condition; a :class:`Condition` is returned unchanged.

    Returns
    -------
    Condition

    Raises
    ------
    MeasureError
        On a syntax error or anything outside the allowed grammar (a function call,
        arithmetic, attribute access, ...), naming the condition.

    Examples
    --------
    >>> sorted(parse("credits_earned >= 5 and core_fails == 0").columns)
    ['core_fails', 'credits_earned']
    """
    if isinstance(text, Condition):
        return text
    if isinstance(text, bool):
        text = "true" if text else "false"
    if not isinstance(text, str):
        raise MeasureError(f"A condition must be text, not {type(text).__name__} ({text!r}).")
    source = text.strip()
    if not source:
        raise MeasureError("A condition is empty.", hint="Write `true` to mean every row.")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        _fail(
            text,
            f"is not a valid condition ({err.msg}).",
            hint="Quote text values ('Black') and join parts with and / or.",
        )
    names: set[str] = set()
    _walk(tree.body, text, names, boolean=True)
    return Condition(text=text, tree=tree, columns=frozenset(names))


# ----------------------------------------------------------------------------- types


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


# ------------------------------------------------------------------------- evaluation


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

    def is_column(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id in self.frame.columns

    def compare(self, left: ast.AST, op: ast.cmpop, right: ast.AST):
        symbol, func = _COMPARE[type(op)]
        lcol, rcol = self.is_column(left), self.is_column(right)
        if not lcol and not rcol:
            lvalue = self.scalar(left, "")
            rvalue = self.scalar(right, "")
            if symbol in ("in", "not in"):
                result = (lvalue in rvalue) == (symbol == "in")
            else:
                result = bool(func(lvalue, rvalue))
            return self.full(result)
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
            series = self.frame[node.id]  # type: ignore[attr-defined]
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
