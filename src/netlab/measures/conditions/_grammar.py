"""The grammar of a condition: parsing and the allow-list it is checked against.

:func:`parse` turns a condition's text into a :class:`Condition` (its checked syntax tree
and the names it reads); anything outside the grammar described in
:mod:`netlab.measures.conditions` is refused with a message naming the condition.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from netlab.exceptions import MeasureError

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
