"""Which reports of a build are sent out, and the words said where one is not linked.

The index and the network report say why a report is missing in the same words: it
failed to render, or the privacy check held it back.
"""

from __future__ import annotations

from typing import Any

#: A report that is not sent out, by status: it failed, or the privacy check held it back.
UNSENT = {"failed": "failed", "held": "held back"}
#: Why such a report is not linked, as the pages say it where the link would be.
_WHY_UNSENT = {
    "failed": "not published: it failed to render",
    "held": "not published: held back by the privacy check",
}


def is_sent(task: Any) -> bool:
    """Whether a report of a build is in the reports folder, to be linked.

    Parameters
    ----------
    task : ReportOutcome or any object with a ``status``
        The report's outcome in the build (None for a report the build did not make).

    Returns
    -------
    bool
        True when it was rendered or left unchanged (``"ok"``, ``"skipped"``).
    """
    return getattr(task, "status", None) in ("ok", "skipped")


def why_unsent(status: str | None) -> str:
    """Why a report of a build is not linked, in the words every page uses.

    Parameters
    ----------
    status : str or None
        The report's status in the build (``"failed"``, ``"held"``); None for a report
        the build did not make.

    Returns
    -------
    str
        "not published: it failed to render", "not published: held back by the privacy
        check", or "not published: not made by this build".
    """
    return _WHY_UNSENT.get(str(status or ""), "not published: not made by this build")
