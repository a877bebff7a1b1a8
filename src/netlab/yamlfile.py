"""The one way netlab reads YAML: plain documents, bounded in size, no anchors.

Every YAML file netlab reads (run parameters, export descriptions, measures, groups,
practices, public-file descriptions) goes through :func:`load` or :func:`compose`. YAML's
anchors and aliases (``&name`` / ``*name``) are refused: a short file of nested aliases
("billion laughs") expands to gigabytes, and netlab's files never need them. Write a
repeated value out each time instead. Files over :data:`MAX_BYTES` and nesting deeper than
:data:`MAX_DEPTH` are refused too, each with a message naming the line.
"""

from __future__ import annotations

import reprlib
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent, CollectionStartEvent

#: The largest YAML text netlab reads (its own files are a few kilobytes).
MAX_BYTES = 2_000_000
#: The deepest nesting of lists and mappings netlab reads.
MAX_DEPTH = 50
#: How many characters of a value an error message quotes.
QUOTE_CHARS = 80
#: What :func:`load` raises for a document it cannot or will not read.
YAMLError = yaml.YAMLError


class YamlRefused(ComposerError):
    """A YAML document netlab will not read (an alias, an anchor, too large, too deep)."""

    def __init__(self, problem: str, mark: Any = None) -> None:
        where = f" (line {mark.line + 1})" if mark is not None else ""
        super().__init__(None, None, problem + where, None)


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses anchors and aliases and bounds the nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            name = getattr(event, "anchor", None) or "?"
            raise YamlRefused(
                f"YAML anchors and aliases (&{name[:20]} / *{name[:20]}) are "
                "not supported: write the value out in full where it is needed",
                event.start_mark,
            )
        if isinstance(event, CollectionStartEvent):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise YamlRefused(
                    f"lists and mappings nested more than {MAX_DEPTH} deep are not supported",
                    event.start_mark,
                )
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)


def _check_size(text: str) -> None:
    if len(text) > MAX_BYTES:
        raise YamlRefused(
            f"the file holds {len(text):,} characters; netlab reads YAML files of at most "
            f"{MAX_BYTES:,}"
        )


def compose(text: str) -> yaml.Node | None:
    """Parse ``text`` to its node tree (for callers that retag nodes before building).

    Parameters
    ----------
    text : str
        A YAML document.

    Returns
    -------
    yaml.Node or None
        None for an empty document.

    Raises
    ------
    YamlRefused
        On an anchor or alias, a text over :data:`MAX_BYTES`, nesting over :data:`MAX_DEPTH`.
    yaml.YAMLError
        On any other YAML error.
    """
    _check_size(text)
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def construct(node: yaml.Node | None) -> Any:
    """Build Python values (dicts, lists, text, numbers) from a node of :func:`compose`.

    Parameters
    ----------
    node : yaml.Node or None
        A node of :func:`compose`; None gives None.

    Returns
    -------
    Any
        The Python value.
    """
    if node is None:
        return None
    loader = _BoundedLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load(text: str) -> Any:
    """Read one YAML document, as ``yaml.safe_load`` does, refusing anchors and aliases.

    Parameters
    ----------
    text : str
        A YAML document.

    Returns
    -------
    Any
        The document's value (None for an empty document).

    Raises
    ------
    YamlRefused
        On an anchor or alias, a text over :data:`MAX_BYTES`, nesting over :data:`MAX_DEPTH`.
    yaml.YAMLError
        On any other YAML error.

    Examples
    --------
    >>> load("a: 1\\nb: [x, y]")
    {'a': 1, 'b': ['x', 'y']}
    """
    return construct(compose(text))


def shorten(value: Any, limit: int = QUOTE_CHARS) -> str:
    """``repr(value)``, cut to about ``limit`` characters.

    Error messages quote what a user wrote; a value of a million characters (or a list
    that nests itself a billion times) must not become a message of that size.

    Parameters
    ----------
    value : Any
        Any value.
    limit : int, optional
        About how many characters to keep.

    Returns
    -------
    str
        ``repr(value)``, cut to about ``limit`` characters.

    Examples
    --------
    >>> shorten("x" * 500, 12)
    "'xxxxxxxxxxxx'… (500 characters)"
    >>> shorten([1, 2])
    '[1, 2]'
    """
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    r = reprlib.Repr()
    r.maxstring = r.maxother = max(limit, 8)
    r.maxlevel, r.maxlist, r.maxtuple, r.maxdict, r.maxset = 3, 8, 8, 8, 8
    text = r.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
