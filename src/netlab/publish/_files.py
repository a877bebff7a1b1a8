"""Files sent out are written whole: to a temporary name, then renamed into place."""

from __future__ import annotations

import os
from pathlib import Path


def atomic_write(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``.

    A reader sees either the old file or the new one, never half of one.

    Parameters
    ----------
    path : str or PathLike
        The file to write.
    text : str
        Its new content.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target
