"""What several test files share: throw-away project roots, the demo's params, and builds
made once per test session.

A build made with :func:`built_once` is made once per session, not once per worker: with
``pytest -n 2`` the first worker to ask builds it under the session's common temporary
folder, holding a file lock, and the other worker reads what it left (the build's outcome
is pickled beside it). Tests read these builds; a test that changes a run works on its own
copy of a prepared four-school run (:func:`few_home`), never on the 30-school demo.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from filelock import FileLock

from netlab import batch, paths, pipeline, synth
from netlab.params import load_params
from netlab.pipeline._store import _checksum

REPO = Path(__file__).resolve().parents[1]
SHARED_PUBLIC = REPO.parent / "shared" / "data" / "public"

DEMO_SEED = 2026  # the seed `netlab demo` uses, so the notebooks' defaults exist


# --------------------------------------------------------------------------------------
# Project roots and params
# --------------------------------------------------------------------------------------


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


def rewrite_processed(path: Path, frame: pd.DataFrame) -> None:
    """Replace a processed table (or fitted model) and its manifest entry, as preparing
    would have."""
    frame.to_parquet(path, index=False)
    folder = next(p for p in path.parents if (p / "manifest.json").exists())
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][path.relative_to(folder).as_posix()] = {
        "bytes": path.stat().st_size,
        "sha256": _checksum(path),
    }
    manifest_path.write_text(json.dumps(manifest))


def plant_live_cases(run: str, params) -> None:
    """Two live cases in a prepared run too small for a bright spot of its own (the four
    schools of :func:`few_home`): the matcher's pairs for the unit that leads the focal
    measure, as if it were one (NETLAB_HOME must point at the run's project)."""
    from netlab import livecase

    prepared = pipeline.load(run)

    def pairs_of(host):
        return livecase.match(
            prepared.rates, prepared.units, bright_spots=[host], measure=params.focal_measure,
            min_gap_pp=0, max_visitors=2, exclude_bottom=0, min_cell=params.min_cell,
        )  # fmt: skip

    pairs = max((pairs_of(u) for u in prepared.units["unit_id"]), key=len)
    assert len(pairs) == 2
    rewrite_processed(paths.processed_dir(run) / "models" / "livecase__pairs.parquet", pairs)


# --------------------------------------------------------------------------------------
# Builds made once per session, shared by the workers
# --------------------------------------------------------------------------------------

_BUILT: dict[str, Any] = {}


def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's folder every worker sees (its own base folder without workers)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Any]
) -> Any:
    """``build(folder)`` once per test session, whichever worker asks first.

    Parameters
    ----------
    tmp_path_factory : pytest.TempPathFactory
        The session's temporary folders.
    name : str
        The build's name: its folder, lock and saved outcome are named after it.
    build : callable
        Makes the build in the empty folder it is given and returns its outcome, which
        must pickle (the other workers read it back).

    Returns
    -------
    object
        The outcome ``build`` returned, in every worker.
    """
    if name in _BUILT:
        return _BUILT[name]
    root = shared_root(tmp_path_factory) / "shared-builds"
    root.mkdir(parents=True, exist_ok=True)
    folder, saved = root / name, root / f"{name}.pickle"
    with FileLock(str(root / f"{name}.lock")):
        if saved.exists():
            outcome = pickle.loads(saved.read_bytes())
        else:
            if folder.exists():  # a build that failed in another worker
                shutil.rmtree(folder)
            folder.mkdir()
            outcome = build(folder)
            saved.write_bytes(pickle.dumps(outcome))
    _BUILT[name] = outcome
    return outcome


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


def _build_demo(root: Path) -> Demo:
    home = make_home(root)
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
    return Demo(home, params, result, seconds, code_hash=code, render_hash=render)


def demo_build(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The 30-school demo with its spring term, built once per session (read it only)."""
    return built_once(tmp_path_factory, "demo", _build_demo)


def copy_home(home: Path, target: Path) -> Path:
    """A copy of a project root (times kept), its files naming the root pointed at the copy."""
    shutil.copytree(home, target, symlinks=True)
    for path in target.rglob("*.json"):
        text = path.read_text()
        if str(home) in text:
            path.write_text(text.replace(str(home), str(target)))
    return target


# --------------------------------------------------------------------------------------
# A prepared run of four schools, without PDFs, for tests that render it themselves
# --------------------------------------------------------------------------------------


def _prepare_few(root: Path) -> tuple[Path, Any]:
    home = make_home(root)
    (home / "params" / "few.yaml").write_text(params_like_demo("few") + "pdf: false\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("NETLAB_HOME", str(home))
    try:
        synth.write(
            synth.generate(4, seed=7, n_bright_spots=1, n_lookalikes=1),
            home / "data" / "raw" / "few",
        )
        params = load_params("few")
        pipeline.prepare(params)
    finally:
        mp.undo()
    return home, params


def few_home(tmp_path_factory: pytest.TempPathFactory, target: Path, *, pdf: bool = False) -> Path:
    """A copy in ``target`` of a four-school run (``few``), prepared once per session and
    never rendered: a test renders and changes its own copy. Its reports are printed to
    PDF only with ``pdf`` (a switch of the rendering: the data stays prepared)."""
    home, _ = built_once(tmp_path_factory, "few-prepared", _prepare_few)
    copy = copy_home(home, target)
    if pdf:
        params = copy / "params" / "few.yaml"
        params.write_text(params.read_text().replace("pdf: false\n", "pdf: true\n"))
    return copy


# --------------------------------------------------------------------------------------
# A run rendered on a local Dask cluster, once per session
# --------------------------------------------------------------------------------------


@dataclass
class ClusterBuild:
    """A four-school run (``few``, printed to PDF) rendered on two local Dask workers.

    The workers see the project through another path (``mount``, a second mount of the
    same folder) and each works in a folder of its own. The first build renders every
    report, the scheduler named by its address; the second, given the client itself,
    renders again the one report (``redone``) whose page was removed.
    """

    home: Path
    mount: Path
    params: Any
    result: batch.BuildResult
    again: batch.BuildResult
    redone: str
    sent: list  # the tasks as sent to the cluster, by the first build
    sent_again: list  # and by the second
    printed_here: list  # PDFs printed in this process (none should be)
    folders: dict[str, str]  # each worker's own folder
    cwd: dict[str, str]  # each worker's working folder after the builds
    homes: dict[str, str]  # each worker's NETLAB_HOME
    warm: dict[str, bool]  # whether each worker started its own warm server
    warm_here: bool  # whether this process started one


def _build_on_cluster(root: Path, tmp_path_factory: pytest.TempPathFactory) -> ClusterBuild:
    from dask import distributed

    from netlab import publish
    from netlab.batch import _dask
    from netlab.batch import _engine as engine

    home = few_home(tmp_path_factory, root / "project", pdf=True)
    mount = root / "mounts" / "project"
    mount.parent.mkdir()
    mount.symlink_to(home, target_is_directory=True)
    sent, printed_here = [], []
    portable, real_print = _dask.portable, publish.print_pdfs
    mp = pytest.MonkeyPatch()
    mp.setenv("NETLAB_HOME", str(home))
    mp.setattr(_dask, "portable", lambda *a, **k: sent.append(portable(*a, **k)) or sent[-1])
    mp.setattr(
        publish, "print_pdfs", lambda jobs, **k: printed_here.extend(jobs) or real_print(jobs, **k)
    )
    try:
        params = load_params("few")
        with (
            distributed.LocalCluster(
                processes=True,
                n_workers=2,
                threads_per_worker=1,
                dashboard_address=None,
                env={"NETLAB_HOME": str(mount)},
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            folders = {}
            for i, worker in enumerate(sorted(client.scheduler_info()["workers"])):
                folders[worker] = str(root / f"worker{i}")
                Path(folders[worker]).mkdir()
                client.run(os.chdir, folders[worker], workers=[worker])
            result = batch.build(
                params, force=True, scheduler=cluster.scheduler_address, progress=False
            )
            first = len(sent)
            redone = next(r for r in result.reports if r.kind == "school")
            (paths.reports_dir("few") / redone.html).unlink()
            again = batch.build(params, scheduler=client, progress=False)
            cwd = client.run(os.getcwd)
            homes = client.run(lambda: __import__("os").environ.get("NETLAB_HOME"))
            warm = client.run(
                lambda: __import__("netlab.batch._engine").batch._engine._WORKER_POOL is not None
            )
        warm_here = engine._WORKER_POOL is not None
    finally:
        mp.undo()
    return ClusterBuild(
        home, mount, params, result, again, redone.id, sent[:first], sent[first:],
        printed_here, folders, cwd, homes, warm, warm_here,
    )  # fmt: skip


def cluster_build(tmp_path_factory: pytest.TempPathFactory) -> ClusterBuild:
    """:class:`ClusterBuild`, made once per session (read it only); needs dask.distributed."""
    return built_once(
        tmp_path_factory, "cluster", lambda root: _build_on_cluster(root, tmp_path_factory)
    )
