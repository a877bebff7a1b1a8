"""Reports rendered in spawned processes (Windows, macOS) equal those of forked children."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from netlab import batch, paths
from netlab.batch import _engine as engine
from netlab.exceptions import BuildError
from netlab.params import load_params
from tests._support import REPO, few_home


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


@pytest.mark.render
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


@pytest.mark.render
def test_spawned_reports_equal_the_forked_ones(tmp_path_factory, tmp_path, monkeypatch):
    # two copies of a prepared four-school run (no PDFs: printing is done by the build's
    # own process, whatever the start method), one rendered in forked children and one in
    # spawned ones
    built = {}
    for method in ("fork", "spawn"):
        home = few_home(tmp_path_factory, tmp_path / method)
        monkeypatch.setenv("NETLAB_HOME", str(home))
        monkeypatch.setenv(engine.START_METHOD_ENV, method)
        result = batch.build(load_params("few"), jobs=2, progress=False)
        assert result.ok, result.summary()
        assert len(result.rendered) == len(result.reports)
        built[method] = paths.reports_dir("few")
    forked, spawned = built["fork"], built["spawn"]

    files = sorted(p.relative_to(forked) for p in forked.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(spawned) for p in spawned.rglob("*") if p.is_file())
    html = [f for f in files if f.suffix == ".html"]
    assert len(html) == len(result.reports) + 1  # every report and the index
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


@pytest.mark.render
def test_a_render_server_starts_without_what_reports_never_use_and_still_renders():
    # the server's own start line, then what a report needs: nbformat, pandera's schemas
    code = engine._SERVE.removesuffix("serve()") + (
        "import sys, nbformat; from netlab import report, schemas; "
        f"nbformat.validate(nbformat.read({str(REPO / 'notebooks' / 'school.ipynb')!r}, 4)); "
        "print([sys.modules.get(m, 'never') for m in ('rfc3987_syntax', 'dask.dataframe')])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[None, None]"
    # the command line's own set-up keeps Dask's frames (a --scheduler build uses Dask)
    code = "from netlab._startup import own_process; own_process(); import dask.dataframe"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
