"""Shared fixtures: seeded synthetic data, figures closed after each test."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

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


def pytest_report_header(config):
    return f"netlab tests; NETLAB_HOME={os.environ.get('NETLAB_HOME', '(repo)')}"
