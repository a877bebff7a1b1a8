"""The bright-spot rule in words: who is a bright spot, on what evidence, and the rule itself.

The rule is worded once, by :func:`bright_rule_words`: the network report's sentence, the
index page's legend and the fitted table's ``rule`` column all take it from there.
"""

from __future__ import annotations

from netlab.words._format import capital as _capital
from netlab.words._format import escape as _E
from netlab.words._format import listing as _list
from netlab.words._format import plural as _plural

__all__ = [
    "bright_rule_words",
    "bright_rule_years_words",
    "bright_spot_words",
    "no_bright_spot_words",
    "share_words",
]


def share_words(share: float) -> str:
    """The bright-spot rule's share of units in words: "tenth", or "20%".

    Parameters
    ----------
    share : float
        The rule's share of best units (0.1: the best tenth).

    Returns
    -------
    str
        "tenth" for the usual share of 0.1, else the share as a whole percentage ("20%"), as
        it reads after "the network's best".
    """
    return "tenth" if abs(float(share) - 0.1) < 1e-9 else f"{float(share):.0%}"


def bright_rule_years_words(noun: str, years: int) -> str:
    """How many years the bright-spot rule needs, said once wherever the rule is said.

    Parameters
    ----------
    noun : str
        The unit noun in lower case ("school").
    years : int
        The years of data the rule needs.

    Returns
    -------
    str
        A phrase, without a capital or a full stop.

    Examples
    --------
    >>> bright_rule_years_words("school", 3)
    'in each of the last 3 years of data (a school with fewer years of data is not one)'
    """
    return (
        f"in each of the last {years} years of data (a {noun} with fewer years of data is not one)"
    )


def bright_rule_words(
    noun: str,
    *,
    share: float,
    probability: float,
    margin: float = 0.0,
    years: int = 3,
    direction: str = "higher",
    level: float = 0.95,
    min_years: int | None = None,
    one: bool = True,
    brief: bool = False,
) -> str:
    """The bright-spot rule, worded once for every page and table that states it.

    Parameters
    ----------
    noun : str
        The unit noun in lower case ("school").
    share : float
        The rule's share of best units (0.1: the best tenth).
    probability : float
        The least chance of being among the best that the rule asks.
    margin : float
        How far beyond the network rate the estimate must be (a share; 0: just beyond).
    years : int
        The years of data the rule needs.
    direction : {"higher", "lower"}
        Whether a higher rate is better: a bright spot is above the network, or below it.
    level : float
        The interval's confidence level.
    min_years : int, optional
        In how many single years the unit must be better than the network ("most" when
        not given).
    one : bool
        Whether the rule is said of one unit ("it", "its") or of several ("each").
    brief : bool
        The short form a legend uses (the index page), without the interval and the
        single years.

    Returns
    -------
    str
        A clause, without a capital or a full stop.

    Examples
    --------
    >>> bright_rule_words("school", share=0.1, probability=0.8, brief=True)
    "at least 80% likely, among the network's best 10% of schools, in each of the last 3 \
years of data (a school with fewer years of data is not one)"
    """
    if brief:
        return (
            f"at least {float(probability):.0%} likely, among the network's best "
            f"{float(share):.0%} of {noun}s, {bright_rule_years_words(noun, years)}"
        )
    side = "above" if direction == "higher" else "below"
    single = f"at least {min_years} of {years} single years" if min_years else "most single years"
    return (
        ("it" if one else "each")
        + f" is at least {float(probability):.0%} likely to be among the network's best "
        f"{share_words(share)} of {noun}s, "
        + ("its" if one else "each one’s")
        + " estimate (pulled toward the network in proportion to how little data it has) "
        f"is {side} the network rate"
        + (f" by more than {100 * margin:g} points" if margin > 0 else "")
        + f" with {round(100 * level)}% confidence, and it was better than the network in "
        f"{single} too; the rule looks {bright_rule_years_words(noun, years)}"
    )


def no_bright_spot_words(*, noun: str, phrase: str, who: str, share: float, years: int = 3) -> str:
    """The sentence said when no unit is a bright spot.

    Parameters
    ----------
    noun : str
        The unit noun in lower case.
    phrase : str
        The measure as a phrase (escaped here).
    who : str
        The group.
    share : float
        The rule's share of best units (0.1: "tenth").
    years : int
        The years of data the rule needs.

    Returns
    -------
    str
        One sentence, escaped: no unit is a bright spot on the measure for the group, as
        none is clearly among the network's best share of units over the years the rule
        needs.
    """
    return (
        f"No {noun} is a bright spot on {_E(phrase)} for "
        f"{_E(who)}: none is clearly among the network's best "
        f"{share_words(share)} of {noun}s, {bright_rule_years_words(noun, years)}."
    )


def bright_spot_words(
    names: list[str],
    *,
    noun: str,
    phrase: str,
    who: str,
    first: int,
    last: int,
    probability: float,
    share: float,
    margin: float = 0.0,
    years: int = 3,
    direction: str = "higher",
) -> str:
    """The bright spots and the evidence that makes each one.

    Parameters
    ----------
    names : list of str
        The bright spots as the report may name them, best first (escaped here).
    noun : str
        The unit noun in lower case.
    phrase : str
        The measure as a phrase (escaped here).
    who : str
        The group.
    first, last : int
        The years pooled.
    probability : float
        The least chance of being among the best that the rule asks.
    share : float
        The rule's share of best units.
    margin : float
        How far above the network rate the estimate must be (a share; 0: just above).
    years : int
        The years of data the rule needs.
    direction : {"higher", "lower"}
        Whether a higher rate of the measure is better (a bright spot is below the network
        on a measure where lower is better).

    Returns
    -------
    str
        Two sentences of HTML: the bright spots on the measure for the group, with the years
        pooled, the rule they met and their names (escaped, best first); then that a bright
        spot is a place to learn from and does not by itself show why.
    """
    n = len(names)
    rule = bright_rule_words(
        noun,
        share=share,
        probability=probability,
        margin=margin,
        years=years,
        one=n == 1,
        direction=direction,
    )
    return (
        f"{_capital(_plural(n, noun))} "
        + ("is a bright spot" if n == 1 else "are bright spots")
        + f" on {_E(phrase)} for {_E(who)}: pooling {first}–{last}, {rule}: "
        + _list([_E(x) for x in names])
        + ". A bright spot is a place to learn from; its results track with what it does "
        "and whom it serves, and do not by themselves show why."
    )
