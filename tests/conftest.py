"""Shared fixtures: the demo built once per session, throw-away project roots, figures
closed after each test, and the tiers every test belongs to.

The 30-school demo is built once per test session, not once per worker
(:func:`tests._support.demo_build`, the ``demo`` fixture), from its hub-shaped exports, in
a throw-away project root, so that no test touches the project's own ``data/`` or
``reports/``. Helpers the test files import live in ``tests/_support.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from tests._support import REPO, Demo, demo_build


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


# --------------------------------------------------------------------------------------
# Tiers
# --------------------------------------------------------------------------------------

#: The marked tiers, in the order a test is counted under when it carries several.
TIERS = ("browser", "faults", "public", "stats", "slow", "render")
#: Fixtures holding a rendered build: a test using one is in the render tier.
BUILDS = frozenset({"demo", "districts", "counts", "florida", "yaml_run", "leaky"})


def pytest_collection_modifyitems(config, items):
    """A test reading a rendered build is in the render tier (and Florida's in the public
    one); a test in no marked tier is in the fast tier."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & BUILDS:
            item.add_marker(pytest.mark.render)
        if "florida" in used:
            item.add_marker(pytest.mark.public)
        if not any(item.get_closest_marker(tier) for tier in TIERS):
            item.add_marker(pytest.mark.fast)


def _tier(keywords) -> str:
    return next((tier for tier in TIERS if tier in keywords), "fast")


def pytest_terminal_summary(terminalreporter):
    """One line: the seconds the tests of each tier took (setup and teardown included,
    summed over the workers) and how many there were."""
    seconds: dict[str, float] = {}
    tests: dict[str, set] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) not in ("setup", "call", "teardown"):
                continue
            tier = _tier(getattr(report, "keywords", {}))
            seconds[tier] = seconds.get(tier, 0.0) + getattr(report, "duration", 0.0)
            tests.setdefault(tier, set()).add(report.nodeid)
    if seconds:
        shown = ", ".join(
            f"{tier} {seconds[tier]:.0f} s ({len(tests[tier])})"
            for tier in ("fast", *reversed(TIERS))
            if tier in seconds
        )
        terminalreporter.write_line(f"time by tier, summed over workers: {shown}")


def pytest_report_header(config):
    return f"netlab tests; NETLAB_HOME={os.environ.get('NETLAB_HOME', '(repo)')}"


@pytest.fixture(scope="session")
def demo(request, tmp_path_factory) -> Demo:
    return demo_build(request.config, tmp_path_factory)


@pytest.fixture
def in_demo(demo, monkeypatch) -> Demo:
    monkeypatch.setenv("NETLAB_HOME", str(demo.home))
    return demo
