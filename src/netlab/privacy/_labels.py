"""How units are shown in a report: the focal unit by name, its peers as "School A", "School B"...

Letters follow a seeded shuffle of the units, not their ids, so a letter says nothing of
a peer's place in the id order; every report of a run gets the same letters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np


def letters(i: int) -> str:
    """Spreadsheet-style letters for a position, as peers are lettered: 0 → "A", 26 → "AA".

    Parameters
    ----------
    i : int
        A position counted from 0.

    Returns
    -------
    str
        The position's letters, as a spreadsheet names its columns ("A" … "Z", "AA", "AB"…).

    Examples
    --------
    >>> letters(0), letters(25), letters(26)
    ('A', 'Z', 'AA')
    """
    out = ""
    i = int(i) + 1
    while i > 0:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def peer_labels(
    unit_ids: Iterable[str],
    *,
    names: Mapping[str, str] | None = None,
    focal: str | None = None,
    name_peers: bool = False,
    noun: str = "School",
    seed: int = 0,
) -> dict[str, str]:
    """How each unit is shown in a report.

    Parameters
    ----------
    unit_ids : iterable of str
        All units of the run.
    names : mapping, optional
        Unit id to name (the id is used when a name is missing).
    focal : str, optional
        The unit the report is about: always shown by name.
    name_peers : bool
        The run allows naming other units (the network report, or ``params.name_peers``).
    noun : str
        "School" or "District".
    seed : int
        Seed of the letter order. Letters follow a seeded shuffle, not the ids, so a letter
        does not reveal a peer's place in the id order; the same seed gives every report of
        a run the same letters.

    Returns
    -------
    dict
        Unit id to label.

    Examples
    --------
    >>> labels = peer_labels(["S1", "S2", "S3"], names={"S1": "Lincoln"}, focal="S1")
    >>> labels["S1"], sorted(labels[u][:7] for u in ("S2", "S3"))
    ('Lincoln', ['School ', 'School '])
    """
    ids = sorted({str(u) for u in unit_ids})
    names = {str(k): str(v) for k, v in (names or {}).items()}
    if name_peers:
        return {u: names.get(u, u) for u in ids}
    order = np.random.default_rng(seed).permutation(len(ids))
    labels = {ids[j]: f"{noun} {letters(k)}" for k, j in enumerate(order)}
    if focal is not None and str(focal) in labels:
        labels[str(focal)] = names.get(str(focal), str(focal))
    return labels
