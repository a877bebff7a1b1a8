"""Reports rendered in spawned processes (Windows, macOS) equal those of forked children."""

from __future__ import annotations

import os
import re
import shutil
import sys

import pytest
from conftest import REPO, make_home, prepare_spring_term

from netlab import batch, paths, synth
from netlab.batch import _engine as engine
from netlab.exceptions import BuildError
from netlab.params import load_params


def test_the_default_is_fork_on_linux_only(monkeypatch):
    monkeypatch.delenv(engine.START_METHOD_ENV, raising=False)
    for platform, expected in [("linux", "fork"), ("darwin", "spawn"), ("win32", "spawn")]:
        monkeypatch.setattr(sys, "platform", platform)
        assert engine.start_method() == expected
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv(engine.START_METHOD_ENV, "Spawn")
    assert engine.start_method() == "spawn"
    assert engine.start_method("fork") == "fork"  # an explicit choice wins


def test_a_bad_or_impossible_choice_says_what_to_do(monkeypatch):
    with pytest.raises(BuildError, match=r"(?s)Unknown start method 'forkserver'.*fork, spawn"):
        engine.start_method("forkserver")
    monkeypatch.delattr(os, "fork")
    with pytest.raises(BuildError, match="cannot fork"):
        engine.start_method("fork")
    assert engine.start_method("") == "spawn"  # where fork is missing, spawn is the default


def test_a_spawned_report_fails_like_a_forked_one(tmp_path):
    task = {
        "id": "x",
        "notebook": str(REPO / "notebooks" / "network.ipynb"),
        "parameters": {"run": "demo"},  # the notebook's parameter is run_name
        "work_notebook": str(tmp_path / "x.ipynb"),
        "html": str(tmp_path / "x.html"),
        "timeout": 120,
    }
    result = engine.spawn_render(task)
    assert result["status"] == "failed"
    assert "['run']" in result["error"] and "run_name" in result["error"]
    assert not (tmp_path / "x.html").exists()


_STAMP = re.compile(
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(\+00:00|Z| UTC)?"  # when it was rendered
    r"|\b\d+(\.\d+)?\s?s\b"  # how long it took
)


def _same_text(a: str, b: str) -> bool:
    return _STAMP.sub("<t>", a) == _STAMP.sub("<t>", b)


def _cells(workbook, sheet: str) -> list[tuple]:
    """A sheet's values, with the time it was rendered masked."""
    return [
        tuple(_STAMP.sub("<t>", v) if isinstance(v, str) else v for v in row)
        for row in workbook[sheet].iter_rows(values_only=True)
    ]


@pytest.mark.slow
def test_spawned_reports_equal_the_forked_ones(demo, tmp_path, monkeypatch):
    home = make_home(tmp_path / "spawned")
    shutil.copy(REPO / "params" / "demo.yaml", home / "params" / "demo.yaml")
    monkeypatch.setenv("NETLAB_HOME", str(home))
    monkeypatch.setenv(engine.START_METHOD_ENV, "spawn")
    network = synth.generate(30, seed=2026)  # the demo's seed, as conftest builds it
    synth.write(network, paths.demo_dir("network"))
    synth.write_exports(network, paths.demo_dir("network") / "exports")
    prepare_spring_term(home, network)  # the spring term before it, as in the demo fixture
    result = batch.build(load_params("demo"), jobs=2, progress=False)
    assert result.ok, result.summary()

    forked, spawned = demo.out, paths.reports_dir("demo")
    files = sorted(p.relative_to(forked) for p in forked.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(spawned) for p in spawned.rglob("*") if p.is_file())
    html = [f for f in files if f.suffix == ".html"]
    assert len(html) >= 30
    differ = [
        str(f) for f in html if not _same_text((forked / f).read_text(), (spawned / f).read_text())
    ]
    assert differ == []
    openpyxl = pytest.importorskip("openpyxl")
    for f in (f for f in files if f.suffix == ".xlsx"):
        a, b = (openpyxl.load_workbook(d / f, read_only=True) for d in (forked, spawned))
        assert a.sheetnames == b.sheetnames, f
        for name in a.sheetnames:
            assert _cells(a, name) == _cells(b, name), (f, name)


def test_the_command_line_offers_the_engines_methods():
    from netlab import cli

    assert cli.START_METHODS == engine.START_METHODS
