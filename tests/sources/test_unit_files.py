"""One file per unit, by construction: colliding, reserved, long and mixed-script ids."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from netlab import paths

SAFE = re.compile(r"^[A-Za-z0-9._-]+$")
HOSTILE_IDS = [
    "Escuela-ñ-学校",
    "Escuela-ü",
    "Escuela",
    "CON",
    "con",
    "Nul.txt",
    "LPT9",
    "COM1",
    "x" * 300,
    "x" * 301,
    "Σχολείο 12",
    "مدرسة-٣",
    "../../etc/passwd",
    "..",
    "S01",
    "s01",
    " S01 ",
    "",
]


def test_plain_ids_are_their_own_file_names():
    for uid in ("37746140559456", "S01", "miami-dade.042", "A_B"):
        assert paths.slug(uid) == uid


@pytest.mark.parametrize("uid", HOSTILE_IDS)
def test_every_slug_is_a_safe_short_name(uid):
    name = paths.slug(uid)
    assert SAFE.match(name), name
    assert len(name.encode()) <= paths.SLUG_CHARS + 9
    assert name.split(".")[0].upper() not in paths.WINDOWS_RESERVED
    assert not name.startswith(".") and not name.endswith(".")


def test_colliding_ids_get_distinct_files():
    names = paths.unit_slugs(HOSTILE_IDS)
    assert len(names) == len(set(HOSTILE_IDS))
    assert len({n.casefold() for n in names.values()}) == len(names)  # case-blind disks too
    assert paths.slug("Escuela-ñ-学校") != paths.slug("Escuela-ü")
    assert paths.slug("x" * 300) != paths.slug("x" * 301)
    # an id written as another's hashed slug still gets its own file
    forged = paths.slug("Escuela-ü")
    both = paths.unit_slugs(["Escuela-ü", forged])
    assert len(set(both.values())) == 2


def test_names_are_the_same_in_every_build():
    code = "from netlab import paths; print(paths.slug('Escuela-ñ-学校'), paths.slug('CON'))"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    assert runs == {f"{paths.slug('Escuela-ñ-学校')} {paths.slug('CON')}\n"}
    assert paths.unit_slugs(["b", "B", "c"]) == paths.unit_slugs(["c", "B", "b"])
