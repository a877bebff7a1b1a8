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

from netlab.measures.conditions._evaluate import (
    evaluate,
)
from netlab.measures.conditions._grammar import (
    Condition,
    parse,
)
from netlab.measures.conditions._types import (
    check,
    column_kind,
)

__all__ = ["Condition", "check", "column_kind", "evaluate", "parse"]
