"""Pseudonyms for student ids: a keyed hash whose key never leaves the local key file.

``student_id`` is replaced by ``student_key``: the keyed BLAKE2b hash (Python's
``hashlib``, 8-byte digest) of the id's UTF-8 text, as 16 hex characters. BLAKE2b is a
published standard (RFC 7693), so the same id and key give the same pseudonym on any
machine and any version of Python or pandas: students can be linked across terms. The key
lives in :func:`netlab.paths.key_file` and is never written to any output;
:func:`rekey` replaces it. Used by :mod:`netlab.clean`, which re-exports
:func:`pseudonym_key` and :func:`pseudonymize`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from netlab import paths
from netlab.exceptions import InputError


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
            _new_key_file(path)
        key = path.read_text(encoding="utf-8").strip()
    if len(key.encode("utf-8")) != 16:
        key = hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()
    return key


def _new_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(8))
    os.chmod(path, 0o600)


def key_id(key: str | None = None) -> str:
    """A short fingerprint of the key (never the key): tells whether two runs share it.

    Parameters
    ----------
    key : str, optional
        The key; by default the local key file's.

    Returns
    -------
    str
        8 hex characters.
    """
    secret = pseudonym_key(key).encode("utf-8")
    return hashlib.blake2b(b"netlab key id", key=secret, digest_size=4).hexdigest()


def rekey() -> tuple[Path, Path | None]:
    """Replace the local pseudonym key with a new random one.

    The old key file is kept beside it, renamed with the date (readable by its owner only),
    so that pseudonyms made with it can still be matched by whoever holds it; delete it if
    the key was exposed. Every run prepared with the old key is prepared again by its next
    ``netlab prepare`` or ``netlab build`` (the processed manifest records which key made it).

    Returns
    -------
    tuple of Path
        The new key file, and where the old one was kept (``None`` if there was none).
    """
    path = paths.key_file()
    kept = None
    now = dt.datetime.now(dt.UTC)
    retired = key_id() if path.exists() else None
    if path.exists():
        kept = path.with_name(f"{path.name}.retired-{now.strftime('%Y%m%dT%H%M%SZ')}")
        os.replace(path, kept)
    _new_key_file(path)
    record = {"retired": retired, "new": key_id(), "when": now.isoformat(timespec="seconds")}
    with _rekey_log().open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    return path, kept


def _rekey_log() -> Path:
    """Where ``netlab rekey`` notes each key it retired and made (fingerprints only)."""
    return paths.key_file().with_name("rekeys.jsonl")


def _rekeys() -> list[dict]:
    path = _rekey_log()
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def key_changed_on_purpose(recorded: str | None) -> bool:
    """True when the present key was made by ``netlab rekey`` after the key ``recorded``.

    A key file that was deleted, replaced by hand or lost (and so made anew) is not a
    change on purpose: pseudonyms would stop linking across terms without a word.

    Parameters
    ----------
    recorded : str or None
        The key fingerprint a processed run recorded (None when it recorded none).

    Returns
    -------
    bool
        Whether ``netlab rekey`` retired ``recorded`` and made the key now in place: the
        pseudonyms changed on purpose, so the run is prepared again rather than stopped.
    """
    records = _rekeys()
    if not records or not paths.key_file().exists():
        return False
    made = {r.get("new") for r in records}
    retired = {r.get("retired") for r in records}
    return key_id() in made and recorded in retired


def check_key(recorded: str | None, *, where: str, run: str) -> str | None:
    """Stop unless the present pseudonym key is the one ``where`` was built with.

    Parameters
    ----------
    recorded : str or None
        The key's fingerprint (:func:`key_id`) that ``where`` recorded; None checks nothing.
    where : str
        What recorded it, for the message ("the history of network X").
    run : str
        The run being prepared (its params file is named in the fix).

    Returns
    -------
    str or None
        None when the key is the same; a sentence when it was changed on purpose by
        ``netlab rekey`` (the run is prepared again with the new key).

    Raises
    ------
    InputError
        When the key differs, or is missing, and ``netlab rekey`` did not change it.
    """
    path = paths.key_file()
    if recorded is None or (path.exists() and key_id() == recorded):
        return None
    if key_changed_on_purpose(recorded):
        return "the pseudonym key changed (netlab rekey)"
    state = "is missing" if not path.exists() else f"has fingerprint {key_id()}, not {recorded}"
    raise InputError(
        f"The pseudonym key {path} {state}: {where} was built with key {recorded}. "
        "Built with another key, no student would link to the earlier terms, so nothing "
        "was prepared.",
        file=str(path),
        hint=f"Restore the key file from your backup (fingerprint {recorded}), or, to start "
        f"over with a new key on purpose, run `netlab rekey params/{run}.yaml --yes`.",
    )


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
    """Keyed BLAKE2b (8 bytes) of each id's UTF-8 text, as big-endian uint64.

    Missing ids hash as the empty string; callers mask them.
    """
    text = ids.astype("str").to_numpy(dtype=object, na_value="")
    # Copying a state that has absorbed the key is much faster than keying each call, and
    # gives the same digests as ``blake2b(id, key=key, digest_size=8)``.
    keyed = hashlib.blake2b(key=key.encode("utf-8"), digest_size=8)

    def digest(value: str) -> bytes:
        h = keyed.copy()
        h.update(value.encode("utf-8"))
        return h.digest()

    return np.frombuffer(b"".join(map(digest, text)), dtype=">u8").astype(np.uint64)


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
