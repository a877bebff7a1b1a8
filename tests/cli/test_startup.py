"""Start-up: ``import netlab`` and ``netlab --help`` load no subpackage until it is used."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests._support import REPO

SRC = REPO / "src"
HEAVY = ("pandas", "numpy", "matplotlib", "statsmodels", "papermill", "dask", "pandera")


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "import netlab",
        "import sys; from netlab.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass",
    ],
)
def test_starting_imports_nothing_heavy(code):
    loaded = _modules_after(code)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert heavy == []
    subpackages = sorted(m for m in loaded if m.startswith("netlab.") and m.count(".") == 1)
    # Only the light leaves the command line needs: no face of a step of the flow.
    assert set(subpackages) <= {
        "netlab._lazy",
        "netlab._startup",
        "netlab._version",
        "netlab.cli",
        "netlab.exceptions",
        "netlab.paths",
    }


def test_faces_load_on_first_use_and_dir_is_honest():
    import netlab

    assert set(netlab.__all__) <= set(dir(netlab))
    for name in netlab.__all__:
        assert getattr(netlab, name) is not None
    from netlab.batch import build
    from netlab.pipeline import Prepared

    assert netlab.build is build and netlab.Prepared is Prepared
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        netlab.nonesuch  # noqa: B018


def test_python_dash_m_netlab():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-m", "netlab", "--version"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    from netlab._version import __version__

    assert out.stdout.strip() == f"netlab {__version__}"


def _iri_module_after(code: str) -> str:
    """What a fresh interpreter holds as ``rfc3987_syntax`` after running ``code``."""
    probe = f"{code}\nimport sys\nprint(repr(sys.modules.get('rfc3987_syntax', 'never')))"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout.strip().splitlines()[-1]


def test_main_called_in_a_kernel_leaves_its_modules_as_they_are():
    code = "from netlab.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass"
    assert _iri_module_after(code) == "'never'"


def _script_entry() -> str:
    """The code that runs the ``netlab`` console script as pyproject.toml declares it."""
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    module, function = scripts["netlab"].split(":")
    call = "try: entry(['--help'])\nexcept SystemExit: pass"
    return f"from {module} import {function} as entry\n{call}"


@pytest.mark.parametrize(
    "start",
    [
        _script_entry(),
        "import runpy, sys; sys.argv = ['netlab', '--help']\n"
        "try: runpy.run_module('netlab', run_name='__main__')\nexcept SystemExit: pass",
    ],
    ids=["console-script", "python-m-netlab"],
)
def test_the_netlab_command_starts_without_building_the_iri_grammar(start):
    # jsonschema (imported by nbformat) then finds the optional IRI module absent
    assert _iri_module_after(f"{start}\nimport jsonschema") == "None"
