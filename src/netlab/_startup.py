"""What netlab's own processes set before they import the notebook stack.

nbformat imports jsonschema though it validates notebooks with fastjsonschema, and
jsonschema then imports the optional ``rfc3987_syntax``, which builds a grammar for IRIs
when it is imported: about a second of CPU in every process, for a string format no
notebook uses. netlab's own processes (the command line, the render servers and spawned
report processes) mark it absent, so jsonschema leaves that one format unchecked. A
program that imports netlab as a library is left as it is.
"""

from __future__ import annotations

import sys

__all__ = ["own_process"]


def own_process() -> None:
    """Set up a process netlab started itself (call before importing nbformat).

    Returns
    -------
    None
        ``rfc3987_syntax`` reads as not installed in this process, unless it was imported
        already.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
