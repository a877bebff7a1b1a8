"""What netlab's own processes set before they import the notebook stack.

nbformat imports jsonschema though it validates notebooks with fastjsonschema, and
jsonschema then imports the optional ``rfc3987_syntax``, which builds a grammar for IRIs
when it is imported: about a second of CPU in every process, for a string format no
notebook uses. netlab's own processes (the command line, through its entry
``netlab.cli.command``; the render servers and spawned report processes) mark it absent,
so jsonschema leaves that one format unchecked.

A process that only renders reports also marks ``dask.dataframe`` absent: pandera, where
Dask is installed, imports it (about half a second) to recognise Dask frames, and a report
never holds one. The command line keeps it (``--scheduler`` builds use Dask). A program
that imports netlab as a library, or calls ``netlab.cli.main`` itself, is left as it is.
"""

from __future__ import annotations

import sys

__all__ = ["own_process"]


def own_process(*, renders_only: bool = False) -> None:
    """Set up a process netlab started itself (call before importing nbformat).

    Parameters
    ----------
    renders_only : bool
        The process only renders reports (a render server or a spawned report process).

    Returns
    -------
    None
        ``rfc3987_syntax`` (and, in a process that only renders, ``dask.dataframe``) reads
        as not installed in this process, unless it was imported already.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    if renders_only:
        sys.modules.setdefault("dask.dataframe", None)  # type: ignore[arg-type]
