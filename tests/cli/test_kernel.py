"""The Jupyter kernel: installed so that any JupyterLab of the user offers "Python (netlab)",
and named by the notebooks; ``make setup``/``make lab`` and the conda route agree."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from netlab import project
from tests._support import REPO

JUPYTER = Path(sys.executable).parent / "jupyter"


def _kernelspecs(env: dict[str, str]) -> dict:
    if not JUPYTER.exists():
        pytest.skip(f"jupyter is not installed beside {sys.executable}")
    out = subprocess.run(
        [str(JUPYTER), "kernelspec", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return json.loads(out)["kernelspecs"]


@pytest.mark.parametrize("where", ["user", "prefix"])
def test_jupyter_offers_python_netlab_running_this_interpreter(where, tmp_path, monkeypatch):
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "user-data")}
    env.pop("JUPYTER_PATH", None)
    # A Jupyter inside a virtual environment reads that environment's kernels first; an
    # older `--sys-prefix` install there must not hide the one under test.
    env["JUPYTER_PREFER_ENV_PATH"] = "0"
    monkeypatch.setenv("JUPYTER_DATA_DIR", env["JUPYTER_DATA_DIR"])
    if where == "user":  # a user install: every JupyterLab of this user reads it
        folder = project.install_kernel()
    else:  # a conda or other environment's prefix, read by that environment's JupyterLab
        folder = project.install_kernel(prefix=tmp_path / "env")
        env["JUPYTER_PATH"] = str(tmp_path / "env" / "share" / "jupyter")
    specs = _kernelspecs(env)
    assert Path(specs["netlab"]["resource_dir"]).resolve() == folder.resolve()
    spec = specs["netlab"]["spec"]
    assert spec["display_name"] == "Python (netlab)"
    assert Path(spec["argv"][0]).parent == Path(sys.executable).parent


def test_the_notebooks_name_the_kernel_that_is_installed():
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        spec = nbformat.read(path, as_version=4).metadata["kernelspec"]
        assert (spec["name"], spec["display_name"]) == (
            project.KERNEL_NAME,
            project.KERNEL_DISPLAY_NAME,
        ), path.name


def test_make_installs_the_kernel_for_the_user_and_lab_opens_the_notebooks():
    makefile = (REPO / "Makefile").read_text()
    assert re.search(rf"^KERNEL := {project.KERNEL_NAME}$", makefile, flags=re.M)
    install = re.search(r"ipykernel install (.*)$", makefile, flags=re.M).group(1)
    assert "--user" in install and "--sys-prefix" not in install
    assert f'--display-name "{project.KERNEL_DISPLAY_NAME}"' in install
    lab = makefile.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "jupyter lab --notebook-dir=notebooks" in lab


def test_the_conda_route_installs_netlab_and_says_how_to_get_the_kernel():
    env_yml = (REPO / "environment.yml").read_text()
    assert re.search(r'-e "\.\[dev\]"', env_yml)
    readme = (REPO / "README.md").read_text()
    conda = readme.split("Conda users:", 1)[1].split("\n\n", 1)[0]
    assert "ipykernel install --user --name netlab" in conda
    assert '"Python (netlab)"' in conda
