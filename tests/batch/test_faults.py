"""Faults of a real term, through the real command: each ends with nothing lost and a message.

A build killed halfway (``kill -9``) and built again; a damaged processed file; two builds
of one run at once; one school whose report breaks; params naming schools that are not
there. Every build here is ``netlab build`` in its own process, on a four-school synthetic
network in a throw-away project root: each test starts from a copy of one good build (with
its PDFs), and a test whose builds are not about printing turns PDFs off in its copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from netlab import synth
from tests._support import REPO, built_once, copy_home, make_home, rewrite_processed

pytestmark = pytest.mark.faults

RUN = "faults"


def netlab(home: Path, *args: str, wait: bool = True, timeout: float = 300):
    """Run the ``netlab`` command in ``home``; return the finished (or running) process."""
    exe = Path(sys.executable).with_name("netlab")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "netlab.cli"]
    env = {**os.environ, "NETLAB_HOME": str(home)}
    proc = subprocess.Popen(
        [*cmd, *args],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if wait:
        proc.out, proc.err = proc.communicate(timeout=timeout)
    return proc


def _build(root: Path) -> Path:
    """A four-school run built by the command, in a project root of its own."""
    root = make_home(root)
    text = (REPO / "params" / "demo.yaml").read_text()
    text = re.sub(r"(?m)^run: .*$", f"run: {RUN}", text)
    text = re.sub(r"(?m)^raw_dir: .*$", f"raw_dir: data/raw/{RUN}", text)
    (root / "params" / f"{RUN}.yaml").write_text(text)
    net = synth.generate(4, seed=11, n_bright_spots=1, n_lookalikes=1)
    synth.write(net, root / "data" / "raw" / RUN)
    done = netlab(root, "build", f"params/{RUN}.yaml", "--jobs", "2")
    assert done.returncode == 0, done.err
    return root


@pytest.fixture
def home(tmp_path_factory, tmp_path):
    """A good build of our own: a copy of the run built once per session."""
    return copy_home(built_once(tmp_path_factory, "faults", _build), tmp_path / "home")


def _no_pdfs(home: Path) -> None:
    """Turn PDFs off in the run's params (every report is then rendered again, unprinted)."""
    path = home / "params" / f"{RUN}.yaml"
    path.write_text(path.read_text() + "pdf: false\n")


def _out(home: Path) -> Path:
    return home / "reports" / RUN


def _manifest(home: Path) -> dict:
    return json.loads((_out(home) / "manifest.json").read_text())


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.seen: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.seen.add(tag)
        if tag in ("html", "body", "main"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in ("html", "body", "main") and tag in self.open:
            self.open.remove(tag)


def assert_whole(home: Path) -> dict:
    """Every report valid, none half-written, the manifest consistent with the files."""
    out = _out(home)
    assert not list(out.rglob("*.tmp")), "a half-written file is left in reports/"
    manifest = _manifest(home)
    listed = {r["html"] for r in manifest["reports"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*.html")} - {"index.html"}
    assert on_disk == listed
    for r in manifest["reports"]:
        assert r["status"] in ("ok", "skipped"), r
        path = out / r["html"]
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["sha256"], r["html"]
        text = data.decode("utf-8")
        assert text.rstrip().endswith("</html>"), r["html"]
        checker = _Checker()
        checker.feed(text)
        checker.close()
        assert {"html", "body", "footer"} <= checker.seen and not checker.open, r["html"]
    assert manifest["ok"] is True
    assert manifest["versions"]["netlab"] == manifest["netlab_version"]
    assert {"python", "pandas", "statsmodels", "nbconvert"} <= set(manifest["versions"])
    return manifest


def _ours(home: Path) -> list[int]:
    """Processes still running with this project root (render servers, report children)."""
    mine = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            env = (proc / "environ").read_bytes()
        except OSError:
            continue
        if f"NETLAB_HOME={home}".encode() in env.split(b"\0"):
            mine.append(int(proc.name))
    return mine


def test_a_build_killed_halfway_is_built_again_with_nothing_lost(home):
    before = assert_whole(home)
    started = time.time()
    proc = netlab(home, "build", f"params/{RUN}.yaml", "--force", "--jobs", "2", wait=False)
    deadline = time.monotonic() + 240
    fresh: list[Path] = []
    while len(fresh) < 2 and time.monotonic() < deadline and proc.poll() is None:
        fresh = [p for p in _out(home).rglob("*.html") if p.stat().st_mtime > started]
        time.sleep(0.05)
    assert proc.poll() is None and len(fresh) >= 2, "the build ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)  # halfway: some reports new, others not yet
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    deadline = time.monotonic() + 30
    while _ours(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _ours(home), "the killed build left processes behind"
    assert len(_manifest(home)["reports"]) == len(before["reports"])

    again = netlab(home, "build", f"params/{RUN}.yaml", "--jobs", "2")
    assert again.returncode == 0, again.err
    assert f"A previous build of run '{RUN}' did not finish (process {proc.pid}" in again.err
    assert_whole(home)


def test_a_damaged_processed_file_is_found_and_the_run_prepared_again(home):
    target = home / "data" / "processed" / RUN / "rates.parquet"
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 3])
    done = netlab(home, "build", f"params/{RUN}.yaml", "--jobs", "2")
    assert done.returncode == 0, done.err
    assert f"Preparing the data of run '{RUN}' again: rates.parquet is damaged" in done.err
    assert "data prepared" in done.out and "0 failed" in done.out
    assert_whole(home)


def test_two_builds_at_once_one_waits_or_exits_with_a_message(home):
    _no_pdfs(home)
    first = netlab(home, "build", f"params/{RUN}.yaml", "--force", "--jobs", "1", wait=False)
    lock = home / "data" / "processed" / RUN / "_work" / "build.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and str(first.pid) not in (
        lock.read_text() if lock.exists() else ""
    ):
        time.sleep(0.05)
    second = netlab(home, "build", f"params/{RUN}.yaml", "--force")
    assert second.returncode == 2
    assert (
        f"Another build of run '{RUN}' is running: process {first.pid} (netlab build params/{RUN}.yaml), started"
        in second.err
    )
    assert "--wait" in second.err and "Traceback" not in second.err

    third = netlab(home, "build", f"params/{RUN}.yaml", "--wait", "--jobs", "2", wait=False)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    out, err = third.communicate(timeout=300)
    assert third.returncode == 0, err
    assert f"Another build of run '{RUN}' is running (process {first.pid}" in err
    assert "waiting for it" in err
    assert "0 failed" in out
    assert_whole(home)


def test_one_broken_school_fails_alone_and_the_last_good_reports_are_kept(home):
    good = assert_whole(home)
    folder = home / "data" / "processed" / RUN
    original = {p: p.read_bytes() for p in (folder / "rates.parquet", folder / "manifest.json")}
    rates = pd.read_parquet(folder / "rates.parquet")
    broken = sorted(rates["unit_id"].unique())[2]
    _no_pdfs(home)
    rewrite_processed(folder / "rates.parquet", rates[rates["unit_id"] != broken])
    try:
        done = netlab(home, "build", f"params/{RUN}.yaml", "--force", "--jobs", "2")
    finally:
        for path, data in original.items():
            path.write_bytes(data)
    assert done.returncode == 1
    assert "FAILED School report" in done.out and broken in done.out
    assert "Failed reports are not in" in done.out
    kept = Path(re.search(r"The last good reports of this run are kept in (\S+)", done.out)[1])
    assert kept.is_relative_to(home / "data" / "processed" / RUN / "_work" / "kept")
    assert not (_out(home) / "schools" / f"{broken}.html").exists()
    # the kept folder is the whole last good build, the broken school's report included
    kept_manifest = json.loads((kept / "manifest.json").read_text())
    assert kept_manifest["built"] == good["built"]
    for r in kept_manifest["reports"]:
        assert hashlib.sha256((kept / r["html"]).read_bytes()).hexdigest() == r["sha256"]
    assert (kept / "schools" / f"{broken}.html").exists() and (kept / "index.html").exists()

    fixed = netlab(home, "build", f"params/{RUN}.yaml", "--jobs", "2")
    assert fixed.returncode == 0, fixed.err
    assert "1 rendered" in fixed.out
    assert_whole(home)


def test_params_naming_schools_that_are_not_there_stop_the_build_and_lose_nothing(home):
    before = {p: p.read_bytes() for p in _out(home).rglob("*") if p.is_file()}
    text = (home / "params" / f"{RUN}.yaml").read_text()
    bad = home / "params" / "bad-ids.yaml"
    bad.write_text(
        text.replace(f"run: {RUN}", "run: bad-ids")
        + "schools: [0123456, 00042]\ndistricts: [no]\n"
    )
    done = netlab(home, "build", "params/bad-ids.yaml")
    assert done.returncode == 2
    err = done.err
    assert "districts not in the schools table: 'no'" in err
    assert "schools not in the schools table: '0123456', '00042'" in err
    assert "Traceback" not in err
    assert not (home / "reports" / "bad-ids" / "index.html").exists()
    assert {p: p.read_bytes() for p in _out(home).rglob("*") if p.is_file()} == before
