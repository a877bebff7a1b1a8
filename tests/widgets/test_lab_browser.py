"""explore.ipynb in a real browser: JupyterLab on loopback, chromium through Playwright.

Starts JupyterLab (token, loopback, a throw-away project root holding a prepared run named
"demo"), opens ``explore.ipynb``, runs every cell from the Run menu, waits for the
explorer's widgets, picks another measure in its dropdown and checks that the figure is
redrawn and that nothing went wrong (no error output, no page errors, no widget errors in the
console). The server and its kernel are always stopped.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests._support import REPO
from tests.report.test_browser import ARGS, CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

JUPYTER = Path(sys.executable).parent / "jupyter"
# The status bar once the notebook's kernel is up ("No Kernel | Idle" before it is).
IDLE_KERNEL = re.compile(r"^(?!No Kernel).+\| Idle$")
# Console messages that say nothing about the notebook or its widgets.
BENIGN = ("favicon", "status of 404", "DevTools", "[Violation]")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare_demo_like(home: Path) -> None:
    """A prepared run named "demo" under ``home`` (the notebook's default run)."""
    from netlab import params, pipeline, synth
    from netlab.sources import _io as netlab_io

    net = synth.generate(30, seed=5)
    from_frame = getattr(netlab_io.RawTable, "from_frame", None)
    raw = {
        name: from_frame(name, frame)
        if from_frame
        else netlab_io.RawTable(name, Path(f"{name}.csv"), frame)
        for name, frame in net.tables.items()
    }
    run_params = params.from_dict({"run": "demo", "raw_dir": "data/demo/network"})
    prepared = pipeline.prepare_frames(raw, run_params, key="k" * 32)
    pipeline.write_prepared(prepared)


def _wait_for_server(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and its kernel (its own process group, started by this test)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with_kill = proc.poll() is None
            if with_kill:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def lab(netlab_home, tmp_path_factory):
    """JupyterLab serving ``netlab_home/notebooks`` with a prepared "demo" run; yields its URL."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (make browser)")
    if not JUPYTER.exists():
        pytest.skip(f"jupyter is not installed beside {sys.executable}")
    _prepare_demo_like(netlab_home)
    shutil.copy(REPO / "notebooks" / "explore.ipynb", netlab_home / "notebooks")
    state = tmp_path_factory.mktemp("jupyter-state")
    # No "official Jupyter news?" prompt over the notebook.
    notify = state / "settings" / "@jupyterlab" / "apputils-extension"
    notify.mkdir(parents=True)
    (notify / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = {
        **os.environ,
        "NETLAB_HOME": str(netlab_home),
        # A clean Jupyter state: no user settings, workspaces or profiles leak in.
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(state / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
        "IPYTHONDIR": str(state / "ipython"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
    }
    port, token = _free_port(), secrets.token_hex(16)
    log = (state / "lab.log").open("w")
    proc = subprocess.Popen(
        [
            str(JUPYTER),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--notebook-dir={netlab_home / 'notebooks'}",
            "--ServerApp.terminals_enabled=False",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        cwd=netlab_home,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={token}", proc, timeout=90)
        yield f"{base}/lab/tree/explore.ipynb?token={token}"
    finally:
        _stop(proc)
        log.close()
        print("JupyterLab log (end):\n" + (state / "lab.log").read_text()[-3000:])


def test_explore_notebook_runs_and_redraws_in_jupyterlab(lab):
    sync_api = pytest.importorskip("playwright.sync_api")
    start = time.monotonic()
    console: list[str] = []
    page_errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=ARGS,
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.goto(lab, wait_until="domcontentloaded", timeout=90_000)
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
            # Run only once the notebook's kernel is up: running earlier asks for a kernel.
            kernel = page.locator(".jp-StatusBar-TextItem", has_text=IDLE_KERNEL)
            kernel.wait_for(timeout=90_000)

            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

            explorer = page.locator(".netlab-explorer")
            explorer.wait_for(state="visible", timeout=120_000)
            image = explorer.locator("img.widget-image, .widget-image img, img").first
            image.wait_for(state="visible", timeout=60_000)
            page.wait_for_function(
                "el => el.naturalWidth > 0", arg=image.element_handle(), timeout=60_000
            )
            first_src = image.get_attribute("src")
            assert first_src

            measure = explorer.locator(".widget-dropdown", has_text="Measure").locator("select")
            labels = measure.evaluate("s => Array.from(s.options).map(o => o.label)")
            current = measure.evaluate("s => s.options[s.selectedIndex].label")
            assert len(labels) >= 2 and current in labels
            new = next(label for label in labels if label != current)
            measure.select_option(label=new)

            page.wait_for_function(
                "([el, old]) => el.getAttribute('src') !== old && el.naturalWidth > 0",
                arg=[image.element_handle(), first_src],
                timeout=60_000,
            )
            # The table behind the view follows the new measure.
            explorer.locator("table.netlab-table caption", has_text=new).wait_for(timeout=30_000)
            errors = page.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'], "
                ".netlab-error"
            )
            assert errors.count() == 0, errors.all_inner_texts()
            assert page.get_by_text("Error displaying widget").count() == 0
            assert explorer.locator("a.netlab-download[download]").count() == 1
        finally:
            browser.close()
    mattering = [m for m in console if not any(b in m for b in BENIGN)]
    elapsed = time.monotonic() - start
    print(f"\nbrowser test: {elapsed:.1f} s in the browser; console errors: {console}")
    assert page_errors == []
    assert mattering == []
