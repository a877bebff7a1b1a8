"""A hub's own project folder: ``netlab init DIR`` and the Jupyter kernel.

A project holds ``params/`` (one YAML per run), ``data/raw/`` (the exports, read only),
``data/processed/`` and ``reports/`` (rebuilt by netlab) and ``.netlab/`` (the pseudonym
key). The notebooks and the report template come from the installed package unless the
project keeps its own copies (``netlab init --notebooks``), which then take precedence.
"""

from __future__ import annotations

import re
import shutil
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path

from netlab import paths
from netlab.exceptions import NetlabError

#: The Jupyter kernel the notebooks name (their ``kernelspec``).
KERNEL_NAME = "netlab"
KERNEL_DISPLAY_NAME = "Python (netlab)"
_TEMPLATE = paths.PACKAGE_DATA / "project"

__all__ = ["KERNEL_DISPLAY_NAME", "KERNEL_NAME", "Created", "init", "install_kernel"]


@dataclass
class Created:
    """What :func:`init` wrote: the project folder, its files and the kernel's folder."""

    root: Path
    files: list[Path] = field(default_factory=list)
    kernel: Path | None = None
    kernel_error: str | None = None


def install_kernel(*, user: bool = True, prefix: str | Path | None = None) -> Path:
    """Install the ``netlab`` Jupyter kernel ("Python (netlab)") for this Python.

    Parameters
    ----------
    user : bool
        Install for the user (the default): every JupyterLab the user starts sees it,
        whether it runs in this virtual environment, a conda environment or a user
        install. False installs into ``sys.prefix``, seen only by a JupyterLab of this
        environment.
    prefix : path, optional
        Install under this prefix instead (``<prefix>/share/jupyter/kernels``).

    Returns
    -------
    pathlib.Path
        The kernel's folder (its ``kernel.json`` runs this interpreter).
    """
    from ipykernel.kernelspec import install

    where = (
        {"prefix": str(prefix)}
        if prefix is not None
        else ({"user": True} if user else {"prefix": sys.prefix})
    )
    return Path(install(kernel_name=KERNEL_NAME, display_name=KERNEL_DISPLAY_NAME, **where))


def _run_name(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", text.strip()).strip("-._").lower()
    return name or "network"


def _write(path: Path, text: str, created: Created) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    created.files.append(path)


def init(
    directory: str | Path,
    *,
    run: str | None = None,
    network: str | None = None,
    notebooks: bool = False,
    kernel: bool = True,
) -> Created:
    """Write a hub's project folder.

    Parameters
    ----------
    directory : path
        The folder (created if missing; an existing project in it is an error).
    run : str, optional
        The first run's name (default: the folder's name); ``params/<run>.yaml`` is written.
    network : str, optional
        The network's name, for the reports (default: the run's name).
    notebooks : bool
        Also copy netlab's notebooks and report template into the project, to adapt them
        (the project's copies then replace netlab's, as whole folders).
    kernel : bool
        Install the ``netlab`` Jupyter kernel for the user (:func:`install_kernel`).

    Returns
    -------
    Created

    Raises
    ------
    NetlabError
        When the folder already holds a ``params/`` folder, or the run name is not valid.
    """
    root = Path(directory).expanduser().resolve()
    if (root / "params").exists():
        raise NetlabError(
            f"{root} already holds a project (it has a params/ folder).",
            hint="Choose a new folder, or add a run by copying a file in its params/.",
        )
    name = run or _run_name(root.name)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise NetlabError(
            f"{name!r} cannot be a run's name.",
            hint="Use letters, digits, '.', '_' and '-' (starting with a letter or digit).",
        )
    created = Created(root)
    values = {"run": name, "network": network or name}
    params = string.Template((_TEMPLATE / "params.yaml").read_text(encoding="utf-8"))
    _write(root / "params" / f"{name}.yaml", params.substitute(values), created)
    _write(
        root / "data" / "raw" / "README.md",
        (_TEMPLATE / "raw-README.md").read_text(encoding="utf-8"),
        created,
    )
    (root / "data" / "raw" / name).mkdir(parents=True, exist_ok=True)
    for folder in (root / "data" / "processed", root / "reports", root / ".netlab"):
        folder.mkdir(parents=True, exist_ok=True)
    (root / ".netlab").chmod(0o700)  # the pseudonym key will live here
    _write(root / ".gitignore", (_TEMPLATE / "gitignore").read_text(encoding="utf-8"), created)
    if notebooks:
        for sub in ("notebooks", "templates"):
            shutil.copytree(
                paths.shipped_dir(sub),
                root / sub,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
            )
            created.files.append(root / sub)
    if kernel:
        try:
            created.kernel = install_kernel()
        except Exception as err:  # the project is usable without it: say so, go on
            created.kernel_error = f"{type(err).__name__}: {err}"
    return created
