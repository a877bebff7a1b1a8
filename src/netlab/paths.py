"""Where things live: the one module that knows the project's folders.

The project root is found, in order, from the ``NETLAB_HOME`` environment variable,
from the current directory or its parents (a folder holding ``params/`` and either
``notebooks/`` or ``.netlab/``, as ``netlab init`` writes), and from the location of this
package in a source checkout.

The report notebooks and the nbconvert template ship inside the package (a wheel carries
copies of the checkout's top-level ``notebooks/`` and ``templates/`` under
``netlab/_shipped/``, made by the build step in ``setup.py``). A project that has its own
``notebooks/`` or ``templates/netlab/`` folder uses those instead, as a whole.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PACKAGE_DATA = PACKAGE / "data"
#: Where a built package keeps its copies of the notebooks and templates.
SHIPPED = PACKAGE / "_shipped"


def _looks_like_root(path: Path) -> bool:
    return (path / "params").is_dir() and (
        (path / "notebooks").is_dir() or (path / ".netlab").is_dir()
    )


def shipped_dir(name: str) -> Path:
    """netlab's own copy of ``notebooks`` or ``templates``: in the package, or the checkout's.

    Parameters
    ----------
    name : {"notebooks", "templates"}
        The folder.

    Returns
    -------
    pathlib.Path
        ``netlab/_shipped/<name>`` in an installed package; the top-level folder of the
        source checkout this package runs from otherwise.
    """
    inside = SHIPPED / name
    return inside if inside.is_dir() else PACKAGE.parents[1] / name


def project_root() -> Path:
    """Return the project root folder.

    Returns
    -------
    pathlib.Path
        The folder holding ``params/``, ``notebooks/``, ``data/`` and ``reports/``.
    """
    env = os.environ.get("NETLAB_HOME")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if _looks_like_root(candidate):
            return candidate
    source_checkout = PACKAGE.parents[1]
    if _looks_like_root(source_checkout):
        return source_checkout
    return here


def data_dir() -> Path:
    """Folder of raw, processed and demo data.

    Returns
    -------
    Path
        ``<project>/data``: it holds ``raw/``, ``processed/`` and ``demo/``.
    """
    return project_root() / "data"


def raw_dir(name: str | None = None) -> Path:
    """Folder of raw exports (read-only inputs), or one term's subfolder.

    Parameters
    ----------
    name : str or None, optional
        A term's subfolder; the folder itself when None.

    Returns
    -------
    Path
        ``data/raw`` under the project, or ``data/raw/<name>`` for one term; netlab only
        reads there.
    """
    base = data_dir() / "raw"
    return base / name if name else base


def processed_dir(run: str | None = None) -> Path:
    """Folder of processed tables, or one run's subfolder.

    Parameters
    ----------
    run : str or None, optional
        A run's subfolder; the folder itself when None.

    Returns
    -------
    Path
        ``data/processed`` under the project, or ``data/processed/<run>``: where prepare
        writes a run's tables and models (all rebuilt from the raw files).
    """
    base = data_dir() / "processed"
    return base / run if run else base


def demo_dir(name: str = "network") -> Path:
    """Folder where the synthetic demo data is written.

    Parameters
    ----------
    name : str, optional
        The demo network (``"network"``, ``"districts"``…).

    Returns
    -------
    Path
        ``data/demo/<name>`` under the project: where ``netlab demo`` writes that network's
        synthetic exports.
    """
    return data_dir() / "demo" / name


def params_dir() -> Path:
    """Folder of run parameter files.

    Returns
    -------
    Path
        ``<project>/params``, where each run's YAML file lives (``params/<run>.yaml``).
    """
    return project_root() / "params"


def notebooks_dir() -> Path:
    """Folder of the report notebooks: the project's own ``notebooks/``, else netlab's.

    Returns
    -------
    Path
        The project's ``notebooks/`` folder when it has one, else the copy installed with
        netlab.
    """
    own = project_root() / "notebooks"
    return own if own.is_dir() else shipped_dir("notebooks")


def templates_dir() -> Path:
    """Folder of the nbconvert templates (``templates/netlab`` is netlab's).

    The project's own ``templates/`` when it holds a ``netlab`` template, else netlab's.

    Returns
    -------
    Path
        The project's ``templates/`` folder when it holds a ``netlab`` template, else the
        copy installed with netlab; give it to nbconvert as a template folder.
    """
    own = project_root() / "templates"
    return own if (own / "netlab").is_dir() else shipped_dir("templates")


def reports_dir(run: str | None = None) -> Path:
    """Folder of rendered reports, or one run's subfolder.

    Parameters
    ----------
    run : str or None, optional
        A run's subfolder; the folder itself when None.

    Returns
    -------
    Path
        ``<project>/reports``, or ``reports/<run>``: the run's index page, reports and the
        files beside them.
    """
    base = project_root() / "reports"
    return base / run if run else base


def work_dir(run: str) -> Path:
    """Private work area of a run: executed notebooks and logs, never sent out.

    Parameters
    ----------
    run : str
        The run's name.

    Returns
    -------
    Path
        ``data/processed/<run>/_work``: the executed notebooks, logs and the build's own
        records.
    """
    return processed_dir(run) / "_work"


def key_file() -> Path:
    """Local secret key used to pseudonymize student identifiers (never committed).

    Returns
    -------
    Path
        ``<project>/.netlab/pseudonym.key``. It may not exist yet: the first pseudonymizing
        makes it (random, readable by its owner only).
    """
    return project_root() / ".netlab" / "pseudonym.key"


def resolve(path: str | os.PathLike, *, base: Path | None = None) -> Path:
    """Resolve ``path`` against ``base`` (default: the project root) unless absolute.

    Parameters
    ----------
    path : str or PathLike
        A path, absolute or relative to ``base``.
    base : Path or None, optional
        The folder relative paths start from; the project root when None.

    Returns
    -------
    Path
        The absolute path.
    """
    p = Path(path).expanduser()
    return p if p.is_absolute() else (base or project_root()) / p


#: Names Windows keeps for devices (with any extension): never a report's file name.
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
)
#: The longest slug kept as it is (a file name must stay well under 255 bytes).
SLUG_CHARS = 64


def slug(text: str, *, hashed: bool = False) -> str:
    """A unit id as a file name, one file per id by construction.

    The id itself when it is a safe file name (letters, digits, ``.``, ``_``, ``-``; at
    most :data:`SLUG_CHARS` characters; not a name Windows reserves such as ``CON``);
    otherwise (or when ``hashed``) its safe characters plus a short hash of the whole id,
    so that ``Escuela-ñ-学校`` and ``Escuela-ü`` get two files, the same in every build.

    Parameters
    ----------
    text : str
        A unit id.
    hashed : bool, optional
        Add a short hash of the id, so that ids differing only in case or punctuation get different names.

    Returns
    -------
    str
        The file name (without suffix) of the unit's report: the id itself when safe, else
        its safe characters and an 8-character hash.

    Examples
    --------
    >>> slug("37746140559456")
    '37746140559456'
    >>> slug("Escuela-ñ-学校") != slug("Escuela-ü")
    True
    >>> slug("CON")
    'CON-a3dbc4b6'
    """
    text = str(text)
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")
    plain = (
        base
        and base == text
        and len(base) <= SLUG_CHARS
        and base.split(".")[0].upper() not in WINDOWS_RESERVED
    )
    if plain and not hashed:
        return base
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    # no dot before the hash: Windows reserves "NUL.txt" as it does "NUL"
    return f"{base.replace('.', '_')[:SLUG_CHARS].rstrip('-_') or 'unit'}-{digest}"


def unit_slugs(ids: Iterable[str]) -> dict[str, str]:
    """Each id's file name (:func:`slug`), unique within the run ignoring case.

    Ids whose slugs would share a file on a case-blind disk (``S01`` and ``s01``, or an id
    written as another's hashed slug) all take their hashed form, so every id keeps a file
    of its own and the same one in every build of the run.

    Parameters
    ----------
    ids : Iterable[str]
        The run's unit ids.

    Returns
    -------
    dict[str, str]
        Each id mapped to its file name; two ids never share a name, even on a disk blind to
        case.
    """
    ids = list(dict.fromkeys(str(i) for i in ids))
    first = {i: slug(i) for i in ids}
    seen: dict[str, int] = {}
    for name in first.values():
        seen[name.casefold()] = seen.get(name.casefold(), 0) + 1
    out = {i: slug(i, hashed=True) if seen[s.casefold()] > 1 else s for i, s in first.items()}
    if len({s.casefold() for s in out.values()}) != len(out):  # pragma: no cover - 32-bit hash
        raise ValueError("two unit ids share a file name even with their hashes")
    return out


def beside(rel: str, suffix: str) -> str:
    """The path of a file beside a report ("schools/S01.html" → "schools/S01.pdf").

    Parameters
    ----------
    rel : str
        A report's path.
    suffix : str
        The other file's suffix (``".pdf"``).

    Returns
    -------
    str
        The same path with ``suffix`` in place of the report's (always with ``/``
        separators).
    """
    return str(Path(rel).with_suffix(suffix).as_posix())
