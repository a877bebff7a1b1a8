"""The files sent out beside each report's page, one record per kind.

A build plans, writes, checks, lists, links, keeps and removes every kind registered
here, so a new kind of output beside ``.xlsx`` and ``.pdf`` is one :func:`register_output`
call (papermill's engine and I/O registries work the same way)::

    register_output(Output("txt", ".txt", writer="mypackage.summary:write", label="summary"))

A writer is named ``"module:function"`` rather than passed as a function: reports render
in other processes (a warm server's children, spawned interpreters, Dask workers), which
import it by that name and call it as ``function(path, notebook)`` with the executed
notebook once the page is written.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netlab.checks import check_argument

PAGE = ".html"  # the report itself; every output sits beside it


@dataclass(frozen=True)
class Output:
    """One kind of file beside each report.

    Parameters
    ----------
    name : str
        Its name in the registry and in the manifest (``"xlsx"``).
    suffix : str
        Its file suffix (``".xlsx"``), beside the page's ``.html``.
    writer : str, optional
        ``"module:function"`` writing it from the executed notebook, as
        ``function(path, notebook)``, in the process that rendered the report. None for
        an output made after the build from the pages (the PDF, printed by one browser).
    switch : str, optional
        The run parameter that turns it on (``"pdf"``); None: always written.
    label : str
        The index's link to it (default: its name).
    scanned : bool
        The publish gate checks it before it is sent out.
    """

    name: str
    suffix: str
    writer: str | None = None
    switch: str | None = None
    label: str = ""
    scanned: bool = True

    @property
    def link(self) -> str:
        """The words of the index's link to it."""
        return self.label or self.name

    def on(self, params: Any) -> bool:
        """True when the run's parameters turn this output on."""
        return self.switch is None or bool(getattr(params, self.switch))


#: Every output beside a report, by name, in the order the index links them.
OUTPUTS: dict[str, Output] = {
    "xlsx": Output("xlsx", ".xlsx", writer="netlab.publish:workbook_of_notebook"),
    "pdf": Output("pdf", ".pdf", switch="pdf"),
}


def register_output(output: Output, *, replace: bool = False) -> Output:
    """Add a kind of output beside every report (see the module's description).

    Parameters
    ----------
    output : Output
        The kind of output to add.
    replace : bool
        Replace a registered output of the same name.

    Returns
    -------
    Output
        ``output``, as registered.

    Raises
    ------
    ValueError
        Its name or suffix is taken (unless ``replace``), or its suffix is the page's.
    """
    taken = {o.suffix: o.name for o in OUTPUTS.values() if o.name != output.name}
    if output.suffix == PAGE or output.suffix in taken:
        raise ValueError(
            f"The suffix {output.suffix!r} of output {output.name!r} is taken "
            f"(by {taken.get(output.suffix, 'the report page')})."
        )
    if output.name in OUTPUTS and not replace:
        raise ValueError(f"An output named {output.name!r} is registered; pass replace=True.")
    OUTPUTS[output.name] = output
    return output


def get_output(name: str) -> Output:
    """The registered output of that name; an unknown name raises, listing the known.

    Parameters
    ----------
    name : str
        The output's name in the registry (``"xlsx"``, ``"pdf"``).

    Returns
    -------
    Output
    """
    if name not in OUTPUTS:
        check_argument("output", sorted(OUTPUTS), name)
    return OUTPUTS[name]


def outputs_on(params: Any) -> list[Output]:
    """The outputs a run writes (its parameters' switches on), in registry order.

    Parameters
    ----------
    params : RunParams
        The run's parameters (``pdf`` turns the PDF on).

    Returns
    -------
    list of Output
    """
    return [o for o in OUTPUTS.values() if o.on(params)]


def suffixes() -> tuple[str, ...]:
    """The page's suffix and every output's: all the files that make up one report.

    Returns
    -------
    tuple of str
        ``".html"`` first, then each registered output's (``".xlsx"``, ``".pdf"``).
    """
    return (PAGE, *(o.suffix for o in OUTPUTS.values()))


def write_output(writer: str, path: str | Path, notebook: Any) -> None:
    """Write one output of a rendered report: call ``writer`` (``"module:function"``).

    Parameters
    ----------
    writer : str
        The output's writer, ``"module:function"``.
    path : str or Path
        The file to write, beside the report's page.
    notebook : NotebookNode
        The executed report notebook.

    Examples
    --------
    >>> write_output("netlab.publish:workbook_of_notebook", "r.xlsx", nb)  # doctest: +SKIP
    """
    function: Callable[[Any, Any], Any] = pkgutil.resolve_name(writer)
    function(path, notebook)
