"""Shared fixtures: the demo built once per session, throw-away project roots, figures
closed after each test.

The 30-school demo is built once per test session (:func:`demo_build`, the ``demo``
fixture), from its hub-shaped exports, in a throw-away project root, so that no test
touches the project's own ``data/`` or ``reports/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

from netlab import batch, paths, pipeline, synth
from netlab.params import load_params
from netlab.pipeline._store import _checksum

REPO = Path(__file__).resolve().parents[1]
SHARED_PUBLIC = REPO.parent / "shared" / "data" / "public"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The project root (holding params/, notebooks/, src/)."""
    return REPO


@pytest.fixture
def netlab_home(tmp_path, monkeypatch) -> Path:
    """A throw-away project root: params/, notebooks/, data/ and reports/ under tmp_path."""
    for sub in ("params", "notebooks", "data/raw", "data/processed", "reports"):
        (tmp_path / sub).mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("NETLAB_HOME", str(tmp_path))
    return tmp_path


def pytest_configure(config):
    # Problem tables wrap to the terminal's width; a worker process has none, so every
    # worker reads messages as the same wide terminal would show them.
    os.environ["COLUMNS"] = "200"


def pytest_report_header(config):
    return f"netlab tests; NETLAB_HOME={os.environ.get('NETLAB_HOME', '(repo)')}"


# --------------------------------------------------------------------------------------
# The demo, built once per session
# --------------------------------------------------------------------------------------

DEMO_SEED = 2026  # the seed `netlab demo` uses, so the notebooks' defaults exist


@dataclass
class Demo:
    """A built demo run in a throw-away project root."""

    home: Path
    params: object
    result: batch.BuildResult
    seconds: float
    code_hash: str = ""
    render_hash: str = ""

    @property
    def out(self) -> Path:
        return self.home / "reports" / self.params.run


def make_home(root: Path) -> Path:
    """A project root whose notebooks and template are the repository's own."""
    (root / "params").mkdir(parents=True, exist_ok=True)
    (root / "data" / "processed").mkdir(parents=True, exist_ok=True)
    (root / "reports").mkdir(parents=True, exist_ok=True)
    for sub in ("notebooks", "templates"):
        link = root / sub
        if not link.exists():
            link.symlink_to(REPO / sub, target_is_directory=True)
    return root


def params_like_demo(run: str, **keys: str) -> str:
    """The demo's params text for another run: its own name, raw folder and other keys."""
    text = (REPO / "params" / "demo.yaml").read_text()
    for key, value in {"run": run, "raw_dir": f"data/raw/{run}", **keys}.items():
        text = re.sub(rf"(?m)^{key}: .*$", f"{key}: {value}", text)
    return text


def prepare_spring_term(home: Path, network) -> None:
    """The demo's spring term before the fall, prepared into the history as `netlab demo`
    keeps it (NETLAB_HOME must point at ``home``)."""
    shutil.copy(REPO / "params" / "demo-spring.yaml", home / "params" / "demo-spring.yaml")
    spring = paths.demo_dir("network") / "exports-spring"
    synth.write_term_exports(network, spring, through=synth.DEMO_EARLIER_CLASS)
    pipeline.prepare(load_params("demo-spring"))


def demo_build(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """Build the demo once per session and share it across test modules."""
    cached = getattr(config, "_netlab_demo", None)
    if cached is not None:
        return cached
    home = make_home(tmp_path_factory.mktemp("netlab-home"))
    shutil.copy(REPO / "params" / "demo.yaml", home / "params" / "demo.yaml")
    mp = pytest.MonkeyPatch()
    mp.setenv("NETLAB_HOME", str(home))
    try:
        network = synth.generate(30, seed=DEMO_SEED)
        synth.write(network, paths.demo_dir("network"))
        synth.write_exports(network, paths.demo_dir("network") / "exports")
        prepare_spring_term(home, network)
        params = load_params("demo")
        started = time.perf_counter()
        result = batch.build(params, jobs=2, progress=False)
        seconds = time.perf_counter() - started
        code = pipeline.manifest("demo")["code_hash"]
        render = pipeline.report_code_hash(paths.notebooks_dir(), paths.templates_dir())
    finally:
        mp.undo()
    demo = Demo(home, params, result, seconds, code_hash=code, render_hash=render)
    config._netlab_demo = demo
    return demo


@pytest.fixture(scope="session")
def demo(request, tmp_path_factory) -> Demo:
    return demo_build(request.config, tmp_path_factory)


@pytest.fixture
def in_demo(demo, monkeypatch) -> Demo:
    monkeypatch.setenv("NETLAB_HOME", str(demo.home))
    return demo


def rewrite_processed(path: Path, frame: pd.DataFrame) -> None:
    """Replace a processed table and its manifest entry, as preparing would have."""
    frame.to_parquet(path, index=False)
    manifest_path = path.parent / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][path.name] = {
        "bytes": path.stat().st_size,
        "sha256": _checksum(path),
    }
    manifest_path.write_text(json.dumps(manifest))
