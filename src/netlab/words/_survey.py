"""What the staff survey's intervals rest on, in words: the note beside its table."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["survey_covariance_words"]


def survey_covariance_words(used: Iterable[tuple[str, str]]) -> str | None:
    """Which errors the survey's intervals use; a warning where CR3 fell back to CR1.

    Parameters
    ----------
    used : iterable of (str, str)
        Each interval's item and its covariance ("CR3", "CR1", or "" for none).

    Returns
    -------
    str or None
        None when no interval names its errors.

    Examples
    --------
    >>> survey_covariance_words([("voice", "CR3")])[:30]
    'The intervals leave each team '
    """
    pairs = [(str(item), str(kind)) for item, kind in used if kind]
    if not pairs:
        return None
    fallback = sorted({item for item, kind in pairs if kind == "CR1"})
    if not fallback:
        return (
            "The intervals leave each team out in turn, which keeps 95% "
            "intervals honest with a few dozen teams."
        )
    items = ", ".join(fallback[:-1]) + (" and " if len(fallback) > 1 else "") + fallback[-1]
    return (
        f"For {items}, one team alone answered on one side of the date, so leaving each "
        "team out in turn could not be computed; those intervals use the usual errors "
        "for teams, which run narrow with a few dozen teams: read them as wider than shown."
    )
