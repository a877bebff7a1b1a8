"""How names and labels read on a page: school names in title case, labels inside sentences.

State files often spell school names in capitals ("BLAKE HIGH SCHOOL"); a report shows
them as people write them ("Blake High School"), keeping acronyms, Roman numerals and
codes. A measure label starts with a capital ("Enrolled where likely to graduate"); inside
a sentence it reads in lower case unless it starts with a name or an acronym ("FAFSA or
Dream Act completed", "Cal Grant offered").
"""

from __future__ import annotations

import re

__all__ = ["display_name", "in_sentence", "natural_key"]

#: Words kept in capitals inside a name written in capitals.
KEEP = frozenset(
    [
        "II",
        "III",
        "IV",
        "VI",
        "VII",
        "VIII",
        "IX",
        "XI",
        "XII",
        "HS",
        "MS",
        "ES",
        "JHS",
        "K8",
        "K-8",
        "K12",
        "K-12",
        "PK",
        "STEM",
        "STEAM",
        "KIPP",
        "IB",
        "AP",
        "AVID",
        "JROTC",
        "ROTC",
        "USA",
        "USF",
        "UCF",
        "FAMU",
        "FSU",
        "UF",
        "NE",
        "NW",
        "SE",
        "SW",
        "ESE",
        "ESOL",
        "CTE",
        "IDEA",
        "YMCA",
        "YES",
        "LLC",
        "DJJ",
        "PACE",
        "SOAR",
        "MAST",
    ]
)
#: Short words written in lower case inside a name (never as its first word).
SMALL = frozenset(
    ["of", "and", "the", "at", "for", "in", "on", "to", "a", "an", "by", "de", "la", "del"]
)

#: Words that keep their capital inside a sentence (peoples, languages, places).
PROPER = frozenset(
    ["Black", "Latinx", "Latino", "Latina", "Hispanic", "Indigenous", "Native", "American",
     "African", "Asian", "Pacific", "Filipino", "White", "English", "Spanish", "California",
     "Florida", "Hillsborough", "Cal", "Dream"]
)  # fmt: skip

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def _word(match: re.Match, first_start: int) -> str:
    word = match.group(0)
    if word.upper() in KEEP:
        return word.upper()
    if match.start() > first_start and word.lower() in SMALL:
        return word.lower()
    head, _, tail = word.partition("'")
    if tail and len(head) == 1:  # O'BRIEN, D'ANGELO
        return head.upper() + "'" + tail.capitalize()
    return word.capitalize()


def display_name(name: object) -> str:
    """A name as a report shows it: capitals become title case; other names are kept.

    Parameters
    ----------
    name : object
        A school, district or network name.

    Returns
    -------
    str

    Examples
    --------
    >>> display_name("BLAKE HIGH SCHOOL")
    'Blake High School'
    >>> display_name("HILLSBOROUGH HS - SCHOOL OF THE ARTS (IB)")
    'Hillsborough HS - School of the Arts (IB)'
    >>> display_name("McKinley High")
    'McKinley High'
    """
    text = " ".join(str(name).split())
    letters = [c for c in text if c.isalpha()]
    if not letters or any(c.islower() for c in letters) or len(letters) < 4:
        return text
    first = _WORD.search(text)
    start = first.start() if first else 0
    return _WORD.sub(lambda m: _word(m, start), text)


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence.

    The first letter is lowered only when the label starts with an ordinary word: not an
    acronym ("FAFSA ...", "A-G ...") and not a name of two capitalised words ("Cal Grant
    offered", "Dream Act ...").

    Parameters
    ----------
    label : str
        A label as a heading shows it.

    Returns
    -------
    str
        A label as it reads inside a sentence.

    Examples
    --------
    >>> in_sentence("Enrolled where likely to graduate")
    'enrolled where likely to graduate'
    >>> in_sentence("FAFSA completed")
    'FAFSA completed'
    >>> in_sentence("Cal Grant offered")
    'Cal Grant offered'
    >>> in_sentence("English learners")
    'English learners'
    """
    words = str(label).split(" ")
    first = words[0]
    if first.strip(",.;:") in PROPER:
        return str(label)
    if len(first) < 2 or not first[0].isupper() or not first[1:].replace("-", "").islower():
        return str(label)
    if len(words) > 1 and words[1][:1].isupper():
        return str(label)
    return first[0].lower() + str(label)[1:]


_PIECES = re.compile(r"\d+|[^\W\d_]+|[^\w\s]+")


def natural_key(text: object) -> tuple:
    """A sort key that orders names as a reader expects.

    Numbers compare as numbers ("S2" before "S10"), and short labels in capitals compare
    as letters counted A, B, ... Z, AA ("School B" before "School AA"); other words
    compare alphabetically, ignoring case.

    Parameters
    ----------
    text : object
        A name or label.

    Returns
    -------
    tuple
        Comparable with the key of any other text.

    Examples
    --------
    >>> sorted(["School AA", "School B", "S10", "S2"], key=natural_key)
    ['S2', 'S10', 'School B', 'School AA']
    """
    text = str(text)
    key: list[tuple[int, int | str, str]] = []
    for m in _PIECES.finditer(text):
        piece = m.group()
        before, after = text[max(m.start() - 1, 0) : m.start()], text[m.end() : m.end() + 1]
        alone = not before.strip() and not after.strip()  # a whole word
        if piece.isdigit():
            key.append((0, int(piece), ""))
        elif alone and piece.isalpha() and piece.isupper() and len(piece) <= 2:
            key.append((1, "", f"{len(piece)}{piece}"))  # a letter label: A ... Z, AA
        else:
            key.append((1, piece.casefold(), ""))
    return tuple(key)
