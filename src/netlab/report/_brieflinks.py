"""The network report's links to the live-case briefs, and mending them once a build
knows which briefs it sent out.

Each link carries the brief's path in a ``data-brief`` attribute. A brief renders beside
the network report, so the network page is written before its briefs are known to be
sent out: once they are, the build replaces each link to a brief that was not with why
(:func:`relink_briefs`), and puts back the link to one that now is.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

from netlab.report._html import _E

__all__ = ["brief_link", "relink_briefs"]

#: The attribute naming the brief an element links to (or would).
MARK = "data-brief"


def brief_link(rel: str) -> str:
    """The network report's link to a brief, marked with the brief's path.

    Parameters
    ----------
    rel : str
        The brief's path relative to the network page (``report.brief_rel``).

    Returns
    -------
    str
        ``<a href="<rel>" data-brief="<rel>">brief</a>``, escaped.
    """
    return f'<a href="{_E(rel)}" {MARK}="{_E(rel)}">brief</a>'


def _unsent(rel: str, why: str) -> str:
    """In place of the link to a brief that was not sent out: why, marked the same way."""
    return f'<span {MARK}="{_E(rel)}">{_E(why)}</span>'


class _Marks(HTMLParser):
    """Where each element marked with a brief starts and ends in a page (offsets)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.found: list[tuple[int, int, str]] = []
        self._open: tuple[str, int, str] | None = None
        self._lines = [0]  # where each line starts, as the parser counts lines
        newline = page.find("\n")
        while newline != -1:
            self._lines.append(newline + 1)
            newline = page.find("\n", newline + 1)

    def _at(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def handle_starttag(self, tag, attrs):
        rel = dict(attrs).get(MARK)
        if self._open is None and rel is not None:
            self._open = (tag, self._at(), rel)

    def handle_endtag(self, tag):
        if self._open is not None and tag == self._open[0]:
            _, start, rel = self._open
            end = self.page.index(">", self._at()) + 1
            self.found.append((start, end, rel))
            self._open = None


def relink_briefs(page: str, why: Callable[[str], str | None]) -> str:
    """A page with each brief it marks linked when sent out, else said why not.

    Parameters
    ----------
    page : str
        An HTML page netlab wrote (the network report).
    why : callable
        Given a brief's path as the page links it, None when the brief was sent out,
        else the words to show in place of its link.

    Returns
    -------
    str
        The page, each marked element (a link to a brief, or the words in its place)
        written again as :func:`brief_link` or as the words; the rest unchanged.

    Examples
    --------
    >>> relink_briefs(brief_link("livecases/a--b.html"), lambda rel: "not published")
    '<span data-brief="livecases/a--b.html">not published</span>'
    """
    marks = _Marks(page)
    marks.feed(page)
    marks.close()
    pieces, at = [], 0
    for start, end, rel in marks.found:
        reason = why(rel)
        pieces += [page[at:start], brief_link(rel) if reason is None else _unsent(rel, reason)]
        at = end
    return "".join(pieces) + page[at:]
