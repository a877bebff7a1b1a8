"""The text check: every sentence of a rendered report reads as a person wrote it.

Reports are written from data that may lack values, names spelled in capitals and labels
made for tables. :func:`check_text` reads every block of text a report page shows
(paragraphs, list items, captions, table cells, headings) and lists what reads badly:

- a placeholder where a value is missing (a lone ``?``, ``nan``, ``None``, ``<NA>``,
  ``null``, an em dash standing for a number in a sentence);
- a word written twice in a row ("All students students");
- an acronym or a name written in lower case ("fafsa", "cal grant");
- a name left in capitals ("BLAKE HIGH SCHOOL");
- a plural left to the reader ("school(s)");
- a sentence that starts in lower case, or a space before a full stop or comma (the trace
  of a clause left out).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

from netlab.names import KEEP

__all__ = ["ACRONYMS", "blocks", "check_text"]

#: Words that are always written this way.
ACRONYMS = (
    "FAFSA",
    "CADAA",
    "PDSA",
    "PDSAs",
    "IPEDS",
    "StudentTracker",
    "NCES",
    "GPA",
    "A-G",
    "CR1",
    "CR3",
    "Cal Grant",
    "Dream Act",
    "Anhøj",
    "Newcombe",
    "Coburn",
)

_BLOCKS = {"p", "li", "figcaption", "caption", "summary", "h1", "h2", "h3", "td", "th", "dt",
           "dd", "title", "button", "label", "option"}  # fmt: skip
_SKIP = {"script", "style", "pre", "code"}
_PROSE = {"p", "li", "figcaption", "summary", "dd"}


class _Blocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[tuple[str, str]] = []
        self._stack: list[tuple[str, list[str]]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCKS:
            self._stack.append((tag, []))

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS and self._stack:
            # close the innermost open block of this tag (HTML may leave some unclosed)
            for i in range(len(self._stack) - 1, -1, -1):
                if self._stack[i][0] == tag:
                    name, parts = self._stack.pop(i)
                    text = " ".join("".join(parts).split())
                    if text:
                        self.out.append((name, text))
                    break

    def handle_data(self, data):
        if not self._skip and self._stack:
            self._stack[-1][1].append(data)


def blocks(html: str) -> list[tuple[str, str]]:
    """Every block of text of a page as (tag, text), in the order they close."""
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    return parser.out


_PLACEHOLDER = re.compile(r"(?:^|[\s(])\?(?=$|[\s,.;:)])")
_MISSING = re.compile(r"(?<![\w-])(nan|NaN|NaT|<NA>|null|undefined|inf)(?![\w-])")
_NONE = re.compile(r"(?<![.!?:]\s)(?<!^)\bNone\b")
_DASH = re.compile(r"\b(of|at|was|were|from|to|and|is|are|in|with|by)\s+—(?=[\s,.;:)%]|$)")
_DOUBLE = re.compile(r"\b([A-Za-z]{2,})\s+\1\b", re.IGNORECASE)
_CAPS = re.compile(r"\b[A-Z][A-Z'.&-]+(?:\s+[A-Z][A-Z'.&-]*){2,}\b")
_PLURAL = re.compile(r"[a-z]\(s\)")
_SPACE = re.compile(r"\w\s+[,.;](?=\s|$)")
_STARTS = re.compile(r"(?:^|[.!?]\s+)([a-z])")
_FILE = re.compile(r"[\w-]+\.[A-Za-z0-9]{2,7}(?=[\s:,;)]|$)")
_UNITS = {"pp", "vs", "e.g", "i.e"}


def _acronym_patterns(acronyms: Iterable[str]) -> list[tuple[str, re.Pattern]]:
    return [
        # a file's name ("pdsa.csv") keeps its own spelling
        (a, re.compile(rf"(?<![\w-]){re.escape(a)}(?![\w-]|\.[A-Za-z0-9])", re.IGNORECASE))
        for a in dict.fromkeys(acronyms)
    ]


def check_text(html: str, *, acronyms: Iterable[str] = ()) -> list[str]:
    """List what reads badly in a rendered page (empty when every sentence reads well).

    Parameters
    ----------
    html : str
        A report page (or any HTML fragment).
    acronyms : iterable of str
        Words that must keep their spelling, besides :data:`ACRONYMS` (e.g. the capitals
        of the run's own measure labels).

    Returns
    -------
    list of str
        One finding per problem: what it is, then the text it is in.
    """
    patterns = _acronym_patterns([*ACRONYMS, *acronyms])
    found: list[str] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, text: str) -> None:
        if (kind, text) not in seen:
            seen.add((kind, text))
            found.append(f"{kind}: {text[:160]}")

    for tag, text in blocks(html):
        if _PLACEHOLDER.search(text):
            add("placeholder '?'", text)
        if m := _MISSING.search(text):
            add(f"missing value {m.group(1)!r}", text)
        if _NONE.search(text):
            add("missing value 'None'", text)
        if tag in _PROSE and _DASH.search(text):
            add("a dash stands for a value", text)
        for m in _DOUBLE.finditer(text):
            if not m.group(1).isdigit():
                add(f"doubled word {m.group(1)!r}", text)
        for word, pattern in patterns:
            for m in pattern.finditer(text):
                if m.group(0) != word and m.group(0).upper() != word.upper() + "S":
                    add(f"{word} written {m.group(0)!r}", text)
        for m in _CAPS.finditer(text):
            words = re.findall(r"[A-Z][A-Z'.&-]*", m.group(0))
            if not all(w.strip(".'") in KEEP or w in ACRONYMS for w in words):
                add("name in capitals", text)
        if _PLURAL.search(text):
            add("plural left open '(s)'", text)
        if tag in _PROSE:
            if _SPACE.search(text):
                add("space before punctuation", text)
            for m in _STARTS.finditer(text):
                if _FILE.match(text, m.start(1)) or text.startswith("n/a", m.start(1)):
                    continue  # a sentence may start with a file's name or the n/a mark
                before = text[: m.start(1)].rstrip(" .!?").split(" ")[-1].lower()
                if before not in _UNITS:
                    add("sentence starts in lower case", text)
    return found
