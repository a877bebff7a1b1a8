"""What the network report's first screen says, in words: where the network varies most,
and which units to learn from (bright spots and the live cases they host).

Each function takes plain values and returns the sentence as the report prints it.
"""

from __future__ import annotations

from netlab.words._format import capital as _capital
from netlab.words._format import escape as _E
from netlab.words._format import pct as _pct
from netlab.words._format import plural as _plural

__all__ = ["learn_from_words", "names_words", "spread_card_words"]


def spread_card_words(
    *, phrase: str, who: str, noun: str, sd: float | None, network_rate: float | None
) -> str:
    """The first screen's answer to "where does the network vary most?".

    Parameters
    ----------
    phrase : str
        The measure with the widest spread, as a phrase (escaped here).
    who : str
        The group.
    noun : str
        The unit noun in lower case.
    sd : float or None
        The between-unit standard deviation (a share); None: not said.
    network_rate : float or None
        The network rate; None: the distance is not said.

    Returns
    -------
    str
        One phrase of HTML, the measure in bold: "On <measure> for <group>", then, when both
        ``sd`` and ``network_rate`` are known, how many percentage points units typically
        sit from the network rate; it ends in a full stop.
    """
    text = f"On <strong>{_E(phrase)}</strong> for {_E(who)}"
    return text + (
        f": {noun}s typically sit about {100 * sd:.0f} percentage points from the "
        f"network rate of {_pct(network_rate)}."
        if sd is not None and network_rate is not None
        else "."
    )


def names_words(names: list[str], limit: int = 4) -> str:
    """Units named in a sentence, escaped: "A, B and C", or "A, B, C, D and 2 more".

    Parameters
    ----------
    names : list of str
        The units as the report may name them.
    limit : int
        How many to name before counting the rest.

    Returns
    -------
    str
        The escaped names joined as a sentence reads them ("A, B and C"); past ``limit``,
        the first ``limit`` and how many more ("A, B, C, D and 2 more"); "" when there are
        none.
    """
    names = [_E(n) for n in names]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return names[0] if names else ""


def learn_from_words(
    *,
    noun: str,
    phrase: str,
    spots: list[str] | None,
    hosts: list[str],
    pairs: int,
    hosts_are_spots: bool,
) -> str | None:
    """The first screen's answer to "which units to learn from?".

    Parameters
    ----------
    noun : str
        The unit noun in lower case.
    phrase : str
        The focal measure as a phrase (escaped here).
    spots : list of str or None
        The bright spots' names, best first; empty: none; None: not fitted (not said).
    hosts : list of str
        The live-case hosts' names.
    pairs : int
        How many live cases are suggested.
    hosts_are_spots : bool
        Whether the hosts are the bright spots just named ("hosted by these schools").

    Returns
    -------
    str or None
        None when there is neither a bright-spot rule nor a live case to speak of.
    """
    parts = []
    if spots:
        parts.append(
            f"{_capital(_plural(len(spots), 'bright spot'))} on {_E(phrase)}: {names_words(spots)}."
        )
    elif spots is not None:
        parts.append(f"No {noun} is a credible bright spot on {_E(phrase)} this year.")
    if pairs:
        by = (
            ("this " + noun if len(hosts) == 1 else f"these {noun}s")
            if hosts_are_spots
            else names_words(hosts)
        )
        parts.append(
            f"{_capital(_plural(pairs, 'live case'))} suggested, hosted by {by} "
            "(see Live cases, and each pairing's brief)."
        )
    return " ".join(parts) if parts else None
