"""Rendering on a Dask cluster: tasks without the client's paths, PDFs printed on workers.

Two local workers, each in a working directory of its own, see the project at another
path than the client does (a second mount of the same folder, as on a cluster whose
nodes mount the shared project elsewhere).
"""

from __future__ import annotations

import json
import os

import pytest

from netlab import batch, paths, pipeline, publish, synth
from netlab.batch import _dask
from netlab.params import load_params
from tests._support import make_home, params_like_demo


def test_a_task_names_its_files_relative_to_the_project_or_the_package(tmp_path, monkeypatch):
    root = tmp_path / "project"
    task = {
        "id": "school:S01",
        "kind": "livecase",
        "rel_html": "schools/S01.html",
        "notebook": str(paths.PACKAGE / "nb" / "school.ipynb"),
        "html": str(root / "reports" / "run" / "schools" / "S01.html"),
        "work_notebook": str(root / "data" / "processed" / "run" / "_work" / "x.ipynb"),
        "template_dir": "/elsewhere/templates",
        "home": str(root),
        "parameters": {"unit_id": "S01"},
    }
    sent = _dask.portable(task, root, pdf=True)
    shown = sent.to_json().replace(json.dumps(str(root)), "")  # all but the client's root
    assert str(root) not in shown
    assert sent.html == "reports/run/schools/S01.html" and sent.one_page and sent.pdf
    mount = tmp_path / "mounted-elsewhere"
    monkeypatch.setenv("NETLAB_HOME", str(mount))
    here = _dask.on_this_worker(sent)
    assert here.html == str(mount / "reports" / "run" / "schools" / "S01.html")
    assert here.notebook == str(paths.PACKAGE / "nb" / "school.ipynb")
    assert here.template_dir == "/elsewhere/templates"  # outside both: sent as it is
    assert here.home == str(mount) and here.parameters == {"unit_id": "S01"}
    monkeypatch.delenv("NETLAB_HOME")
    assert _dask.on_this_worker(sent).home == str(root)  # no root of its own


@pytest.mark.slow
def test_workers_in_their_own_folders_render_and_print(tmp_path_factory, monkeypatch):
    distributed = pytest.importorskip("dask.distributed")
    home = make_home(tmp_path_factory.mktemp("netlab-dask"))
    (home / "params" / "spread.yaml").write_text(params_like_demo("spread"))
    monkeypatch.setenv("NETLAB_HOME", str(home))
    synth.write(
        synth.generate(5, seed=9, n_bright_spots=1, n_lookalikes=1),
        home / "data" / "raw" / "spread",
    )
    params = load_params("spread")
    pipeline.prepare(params)
    mount = tmp_path_factory.mktemp("mounts") / "project"
    mount.symlink_to(home, target_is_directory=True)
    sent, printed_here = [], []
    portable = _dask.portable
    monkeypatch.setattr(
        _dask, "portable", lambda *a, **k: sent.append(portable(*a, **k)) or sent[-1]
    )
    real_print = publish.print_pdfs
    monkeypatch.setattr(
        publish, "print_pdfs", lambda jobs, **k: printed_here.extend(jobs) or real_print(jobs, **k)
    )
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
            folders[worker] = tmp_path_factory.mktemp(f"worker{i}")
            client.run(os.chdir, str(folders[worker]), workers=[worker])
        result = batch.build(params, force=True, scheduler=client, progress=False)
        assert result.ok, result.summary()
        assert client.run(os.getcwd) == {w: str(f) for w, f in folders.items()}
        used = client.run(lambda: __import__("os").environ.get("NETLAB_HOME"))
        assert set(used.values()) == {str(mount)}
    assert len(sent) == len(result.reports)
    for task in sent:
        assert str(home) not in task.to_json().replace(json.dumps(task.client_home), "")
    out = paths.reports_dir("spread")
    for r in result.reports:
        assert r.pdf is not None and (out / r.pdf).stat().st_size > 1000, r.id
    assert printed_here == []  # every PDF was printed on a worker
