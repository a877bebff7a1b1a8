"""Rendering on a Dask cluster: tasks without the client's paths, PDFs printed on workers.

Two local workers, each in a working directory of its own, see the project at another
path than the client does (a second mount of the same folder, as on a cluster whose
nodes mount the shared project elsewhere).
"""

from __future__ import annotations

import json

import pytest

from netlab import paths
from netlab.batch import _dask
from tests._support import cluster_build


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
    pytest.importorskip("dask.distributed")
    # a four-school run rendered on two workers, shared with the build's own Dask test
    built = cluster_build(tmp_path_factory)
    home, mount, result = built.home, built.mount, built.result
    monkeypatch.setenv("NETLAB_HOME", str(home))
    assert result.ok, result.summary()
    assert built.cwd == built.folders  # each worker worked in its own folder
    assert set(built.homes.values()) == {str(mount)}
    assert len(built.sent) == len(result.reports)
    for task in built.sent + built.sent_again:
        assert str(home) not in task.to_json().replace(json.dumps(task.client_home), "")
    out = paths.reports_dir("few")
    for r in result.reports:
        assert r.pdf is not None and (out / r.pdf).stat().st_size > 1000, r.id
    assert built.printed_here == []  # every PDF was printed on a worker
    # given the client itself rather than its address, the build renders on it as well
    # (and leaves it open: the workers answered afterwards)
    again = built.again
    assert again.ok, again.summary()
    assert [r.id for r in again.rendered] == [built.redone]
    assert [t.id for t in built.sent_again] == [built.redone]
    redone = next(r for r in again.reports if r.id == built.redone)
    assert (out / redone.html).stat().st_size > 10_000 and (out / redone.pdf).exists()
