"""netlab as a package: the wheel, installed in a fresh environment outside the checkout,
writes a hub's project, a synthetic network, and builds its reports.

The installed package finds its notebooks and template inside itself (``netlab/_shipped``),
not in this checkout: the test runs from a folder elsewhere, without PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests._support import REPO, built_once

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


def _run(cmd: list[str], *, cwd: Path, env: dict, timeout: float = 1200) -> str:
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(cmd)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NETLAB_HOME")}
    env.pop("VIRTUAL_ENV", None)
    env["JUPYTER_DATA_DIR"] = str(tmp / "jupyter")  # the kernel goes here, not the user's
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built once per session (not once per worker)."""
    return built_once(tmp_path_factory, "wheel", _build_wheel)


def _build_wheel(out: Path) -> Path:
    env = _clean_env(out)
    # Built from a copy of the sources: a build writes build/ and *.egg-info where it runs.
    source = out / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints")
    for name in ("src", "notebooks", "templates"):
        shutil.copytree(REPO / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(REPO / name, source / name)
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        cwd=out,
        env=env,
    )
    return next(out.glob("netlab-*.whl"))


def test_the_wheel_ships_the_notebooks_and_template(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
        assert f"netlab/_shipped/notebooks/{nb.name}" in names
    for f in sorted((REPO / "templates").rglob("*")):
        if f.is_file():
            assert (
                f"netlab/_shipped/templates/{f.relative_to(REPO / 'templates').as_posix()}"
                in names
            )
    assert "netlab/data/project/params.yaml" in names
    assert "netlab/__main__.py" in names


def test_an_installed_netlab_builds_a_hubs_reports(wheel, tmp_path):
    env = _clean_env(tmp_path)
    venv = tmp_path / "venv"
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv:
        _run([uv, "venv", "-q", "--python", sys.executable, str(venv)], cwd=tmp_path, env=env)
        py = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
        _run([uv, "pip", "install", "-q", "--python", str(py), str(wheel)], cwd=tmp_path, env=env)
    else:
        _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, env=env)
        py = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
        _run([str(py), "-m", "pip", "install", "-q", str(wheel)], cwd=tmp_path, env=env)
    netlab = py.with_name("netlab")
    where = _run(
        [str(py), "-c", "import netlab.paths as p; print(p.PACKAGE)"], cwd=tmp_path, env=env
    )
    assert not Path(where.strip()).is_relative_to(REPO)  # the installed copy, not the checkout

    print(_run([str(netlab), "init", "hub", "--network", "Test Hub"], cwd=tmp_path, env=env))
    hub = tmp_path / "hub"
    assert (hub / "params" / "hub.yaml").exists() and (hub / "data" / "raw" / "README.md").exists()
    assert not (hub / "notebooks").exists()  # the package's own are used
    spec = json.loads((tmp_path / "jupyter" / "kernels" / "netlab" / "kernel.json").read_text())
    assert spec["display_name"] == "Python (netlab)" and Path(spec["argv"][0]).parent == py.parent

    _run([str(netlab), "synth", "data/raw/hub", "--schools", "8"], cwd=hub, env=env)
    out = _run([str(netlab), "build", "params/hub.yaml", "--jobs", "2"], cwd=hub, env=env)
    assert re.search(r"0 failed", out), out
    index = hub / "reports" / "hub" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert "Test Hub" in html
    links = [h for h in re.findall(r'href="([^"#?]+)"', html) if not h.startswith(("http", "/"))]
    reports = [h for h in links if h.endswith(".html")]
    assert len(reports) >= 8 + 1  # a report per school and the network's
    missing = [h for h in links if not (index.parent / h).exists()]
    assert missing == []
