"""Optional parts of netlab and the extra that installs each (``pip install "netlab[pdf]"``).

Playwright (PDFs), Dask (a cluster) and JupyterLab with ipywidgets (the explorer) are not
needed to build HTML reports, so a plain install leaves them out; the code that needs one
asks :func:`require` first and, when it is missing, says which extra to install.
"""

from __future__ import annotations

import importlib.util

from netlab.exceptions import NetlabError

#: extra → (top-level modules it provides, what it is for)
EXTRAS: dict[str, tuple[tuple[str, ...], str]] = {
    "pdf": (("playwright",), "printing PDFs beside the HTML reports"),
    "dask": (("dask", "distributed"), "rendering on a Dask cluster (--scheduler)"),
    "lab": (("jupyterlab", "ipywidgets"), "JupyterLab and the explorer widgets"),
}


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that are not installed (empty when it is complete).

    Parameters
    ----------
    extra : str
        The optional extra's name (``"pdf"``, ``"dask"``, ``"lab"``).

    Returns
    -------
    list[str]
        The names of the extra's modules that cannot be found (``["playwright"]``),
        in the order the extra lists them; empty when all are installed.
    """
    modules, _ = EXTRAS[extra]
    return [m for m in modules if importlib.util.find_spec(m) is None]


def install_hint(extra: str) -> str:
    """How to install an extra, with pip and with conda.

    Parameters
    ----------
    extra : str
        The optional extra's name (``"pdf"``, ``"dask"``, ``"lab"``).

    Returns
    -------
    str
        One line a person can follow: the ``pip install "netlab[<extra>]"`` command (or
        ``make setup`` in a checkout) and the conda command that installs it instead.
    """
    return (
        f'pip install "netlab[{extra}]" (in a checkout: make setup), or with conda: '
        "conda env update -f environment.yml"
    )


def require(extra: str) -> None:
    """Raise a clear :class:`~netlab.exceptions.NetlabError` when ``extra`` is missing.

    Parameters
    ----------
    extra : {"pdf", "dask", "lab"}
        The optional part about to be used.

    Raises
    ------
    NetlabError
        Naming the missing packages, what they are for and how to install them.
    """
    absent = missing(extra)
    if absent:
        raise NetlabError(
            f"{' and '.join(absent)} {'is' if len(absent) == 1 else 'are'} not installed; "
            f"netlab needs {'it' if len(absent) == 1 else 'them'} for {EXTRAS[extra][1]}.",
            hint=install_hint(extra),
        )
