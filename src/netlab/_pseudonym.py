"""Pseudonyms for student ids: a keyed hash whose key never leaves the local key file.

``student_id`` is replaced by ``student_key``, a keyed SipHash of the id as 16 hex
characters. The key lives in :func:`netlab.paths.key_file` and is never written to any
output. Used by :mod:`netlab.clean`, which re-exports :func:`pseudonym_key` and
:func:`pseudonymize`.
"""

from __future__ import annotations

import os
import secrets

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.util import hash_array

from netlab import paths


def pseudonym_key(key: str | None = None) -> str:
    """Return the 16-character key that pseudonymizes student ids.

    Parameters
    ----------
    key : str, optional
        A key to use instead of the local key file. A key that is not 16 characters long is
        stretched or shortened to 16 by hashing it.

    Returns
    -------
    str
        The key. When ``key`` is None it is read from :func:`netlab.paths.key_file`, which
        is created (random, readable by its owner only) when missing.
    """
    if key is None:
        path = paths.key_file()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(8))
            os.chmod(path, 0o600)
        key = path.read_text(encoding="utf-8").strip()
    if len(key.encode("utf-8")) != 16:
        import hashlib

        key = hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()
    return key


_HEX = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), dtype=np.uint16)


def _hex16(hashes: np.ndarray) -> pd.Series:
    """Format uint64 hashes as 16 lower-case hex characters, without a Python loop."""
    n = len(hashes)
    digits = _HEX[hashes.astype(">u8").view(np.uint8).reshape(n, 8)]
    fixed = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(16), n, [None, pa.py_buffer(np.ascontiguousarray(digits))]
    )
    return pd.Series(fixed.cast(pa.string()).to_pandas(), dtype="str")


def _hash_ids(ids: pd.Series, key: str) -> np.ndarray:
    """Keyed SipHash of each id as uint64 (object array: much faster than Arrow's path)."""
    text = ids.astype("str").to_numpy(dtype=object, na_value=None)
    return hash_array(text, hash_key=key, categorize=False)


def pseudonymize(ids: pd.Series, *, key: str) -> pd.Series:
    """Replace identifiers with a keyed hash: the same id and key give the same result.

    Parameters
    ----------
    ids : pandas.Series
        Identifiers as text; missing ids stay missing.
    key : str
        16-character key (see :func:`pseudonym_key`).

    Returns
    -------
    pandas.Series
        16 hex characters per id, same index as ``ids``.

    Examples
    --------
    >>> pseudonymize(pd.Series(["123", "123", "124"]), key="0123456789abcdef").nunique()
    2
    """
    out = _hex16(_hash_ids(ids, key))
    out.index = ids.index
    return out.where(ids.notna())
