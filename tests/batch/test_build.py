"""The batch runner: every report of a run, in parallel, isolated, skipped when unchanged.

The 30-school demo is built once per test session (:func:`demo_build`, shared with the
privacy, notebook and browser tests) in a throw-away project root, so nothing here touches
the project's own ``data/`` or ``reports/``. A test that changes a run renders its own copy
of a prepared four-school run; the Dask test reads a four-school run rendered on a local
cluster once per session, and the district test the districts demo the report tests build.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import pickle
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from netlab import batch as build
from netlab import paths, pipeline, publish
from netlab.batch import _engine as engine
from netlab.names import display_name
from netlab.params import load_params
from tests._support import REPO, cluster_build, few_home, rewrite_processed
from tests.report.test_public_reports import districts  # noqa: F401 (a fixture)

# --------------------------------------------------------------------------------------
# The demo build
# --------------------------------------------------------------------------------------


def test_build_writes_every_report(in_demo):
    d = in_demo
    assert d.result.ok, d.result.summary()
    units = pd.read_parquet(paths.processed_dir("demo") / "units.parquet")
    assert len(units) == 30
    for uid in units["unit_id"]:
        assert (d.out / "schools" / f"{uid}.html").stat().st_size > 10_000
    for name in ("index.html", "network.html", "traction.html", "manifest.json"):
        assert (d.out / name).exists(), name
    manifest = json.loads((d.out / "manifest.json").read_text())
    statuses = {r["id"]: r["status"] for r in manifest["reports"]}
    briefs = [r for r in statuses if r.startswith("livecase:")]
    # every shown pairing has its brief, at most two visitors per host by default
    pairs = pd.read_parquet(paths.processed_dir("demo") / "models" / "livecase__pairs.parquet")
    assert len(briefs) == len(pairs) > 0 and pairs.groupby("host").size().max() <= 2
    assert len(statuses) == 32 + len(briefs) and set(statuses.values()) == {"ok"}
    for r in manifest["reports"]:  # beside each report: its workbook and its PDF
        for suffix in (".xlsx", ".pdf"):
            assert (d.out / Path(r["html"]).with_suffix(suffix)).stat().st_size > 1000, r["id"]
    assert manifest["input_hash"] == pipeline.manifest("demo")["input_hash"]


def test_demo_is_built_from_the_files_a_hub_holds(in_demo):
    """The demo reads synth's roster, StudentTracker, application and aid exports."""
    d = in_demo
    raw = paths.demo_dir("network") / "exports"
    assert Path(d.params.raw_dir).name == "exports" and (raw / "roster.csv").exists()
    assert not (raw / "students.csv").exists()  # the exports, not the contract tables
    quality = pd.read_parquet(paths.processed_dir("demo") / "quality.parquet")
    files = set(quality["file"].dropna())
    assert {"roster.csv", "naviance_applications.csv", "aid_completion.csv"} <= files
    assert any(f.startswith("StudentTracker_HS_detail_") for f in files)
    assert (quality["rows_in"] == quality["rows_kept"] + quality["rows_excluded"]).all()
    joins = pd.read_parquet(paths.processed_dir("demo") / "sources" / "joins.parquet")
    assert {"roster", "studenttracker", "applications"} <= set(joins["source"])
    # the network's data-quality section shows each export and every join counted
    html = (d.out / "network.html").read_text()
    assert "Every join counted" in html and "roster.csv" in html
    assert "StudentTracker_HS_detail_" in html


def test_executed_notebooks_stay_in_the_work_area(in_demo):
    d = in_demo
    assert not list(d.out.rglob("*.ipynb"))
    work = paths.work_dir("demo")
    assert work.resolve().is_relative_to((d.home / "data").resolve())
    assert len(list((work / "notebooks").glob("*.ipynb"))) == len(d.result.reports)


def test_index_links_every_report_with_status_and_time(in_demo):
    d = in_demo
    index = (d.out / "index.html").read_text()
    links = re.findall(r'href="([^"]+)"', index)
    assert "network.html" in links and "traction.html" in links
    assert sum(link.startswith("schools/") and link.endswith(".html") for link in links) >= 30
    assert any(link.startswith("livecases/") for link in links)
    for link in links:
        assert (d.out / link).exists(), link
    assert index.count("rendered") >= 32 and re.search(r"\d+\.\d s", index)
    # the run does not name peers, yet the hub's own page names every school; the network
    # report, shared with the network's teams, names none
    names = pd.read_parquet(paths.processed_dir("demo") / "units.parquet")["unit_name"]
    network = (d.out / "network.html").read_text()
    assert all(html.escape(display_name(n)) in index for n in names)
    assert not [n for n in names if html.escape(display_name(n)) in network]
    assert "For the hub's staff" in index and "School A<" not in index


def test_second_build_skips_unchanged_reports(in_demo):
    before = {
        p: p.stat().st_mtime_ns for p in in_demo.out.rglob("*.html") if p.name != "index.html"
    }
    again = build.build(in_demo.params, jobs=2, progress=False)
    assert again.ok
    if again.prepared or again.rendered:
        # legitimate only when the package's code changed while the tests ran
        if again.prepared:
            assert pipeline.manifest("demo")["code_hash"] != in_demo.code_hash
        else:
            now = pipeline.report_code_hash(paths.notebooks_dir(), paths.templates_dir())
            assert now != in_demo.render_hash, again.summary()
        pytest.skip("the package's code changed during the test session")
    assert len(again.skipped) == len(again.reports) and not again.rendered
    after = {p: p.stat().st_mtime_ns for p in before}
    assert after == before  # nothing rewritten


def test_build_rejects_a_bad_number_of_jobs(in_demo):
    with pytest.raises(ValueError, match="jobs"):
        build.build(in_demo.params, jobs=0, progress=False)


def test_a_render_task_travels_as_one_json_line_and_as_a_pickle():
    task = build.RenderTask(
        id="school:S01",
        notebook="school.ipynb",
        work_notebook="w/school-S01.ipynb",
        html="reports/schools/S01.html",
        parameters={"run_name": "demo", "unit_id": "S01"},
        outputs=(("xlsx", "reports/schools/S01.xlsx", "netlab.publish:workbook_of_notebook"),),
        where=(("html", "project"),),
    )
    line = task.to_json()
    assert "\n" not in line and build.RenderTask.from_json(line) == task  # a warm server's
    assert pickle.loads(pickle.dumps(task)) == task  # a Dask worker's
    with pytest.raises(dataclasses.FrozenInstanceError):
        task.html = "elsewhere.html"
    with pytest.raises(TypeError, match=r"no field\(s\) \['xlsx'\]"):
        build.RenderTask.of(
            {"id": "x", "notebook": "n", "work_notebook": "w", "html": "h", "xlsx": "x"}
        )


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "a" / "b.html"
    build.atomic_write(target, "one")
    build.atomic_write(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["b.html"]


# --------------------------------------------------------------------------------------
# Failure isolation, re-running only what failed, and a Dask cluster
# --------------------------------------------------------------------------------------


@pytest.fixture
def few(tmp_path_factory, tmp_path, monkeypatch):
    """A copy of a prepared four-school run without PDFs, not yet rendered, for one test to
    render and change; its project root and params."""
    home = few_home(tmp_path_factory, tmp_path / "few")
    monkeypatch.setenv("NETLAB_HOME", str(home))
    return home, load_params("few")


@pytest.mark.render
def test_one_failure_never_stops_the_others(few):
    home, params = few
    folder = paths.processed_dir("few")
    rates_file = folder / "rates.parquet"
    original = rates_file.read_bytes()
    original_manifest = (folder / "manifest.json").read_text()
    rates = pd.read_parquet(rates_file)
    broken = sorted(rates["unit_id"].unique())[1]
    # A data fault in one school only: its rows vanish from the prepared rates, as if
    # preparing had written them so (the manifest agrees; this is not a damaged file).
    rewrite_processed(rates_file, rates.loc[rates["unit_id"] != broken])
    try:
        result = build.build(params, jobs=2, progress=False)
        assert not result.ok
        # its report fails, and the briefs of live cases it takes part in; nothing else
        failed_ids = [r.id for r in result.failures]
        assert failed_ids[0] == f"school:{broken}"
        assert all(i.startswith("livecase:") and broken in i for i in failed_ids[1:])
        assert len(result.rendered) == len(result.reports) - len(failed_ids)  # all the others
        failed = result.failures[0]
        assert "no figures" in failed.error
        kept = Path(failed.notebook)
        assert kept.name.endswith(".failed.ipynb") and kept.is_relative_to(paths.work_dir("few"))
        assert "papermill-error-cell-tag" in kept.read_text()
        assert not (paths.reports_dir("few") / "schools" / f"{broken}.html").exists()
        assert broken in result.summary() and "FAILED" in result.summary()
        index = (paths.reports_dir("few") / "index.html").read_text()
        assert "netlab-status-failed" in index
        with pytest.raises(Exception, match=broken):
            result.raise_for_failures()

        from netlab import cli

        assert cli.main(["build", str(home / "params" / "few.yaml")]) != 0
    finally:
        rates_file.write_bytes(original)
        (folder / "manifest.json").write_text(original_manifest)

    fixed = build.build(params, jobs=2, progress=False)
    assert fixed.ok, fixed.summary()
    assert [r.id for r in fixed.rendered] == failed_ids  # only what failed is rendered again
    assert len(fixed.skipped) == len(fixed.reports) - len(failed_ids)
    assert (paths.reports_dir("few") / "schools" / f"{broken}.html").exists()
    assert not list(paths.work_dir("few").glob("notebooks/*.failed.ipynb"))


@pytest.mark.render
def test_renders_on_a_dask_cluster(tmp_path_factory, monkeypatch):
    pytest.importorskip("dask.distributed")
    # a four-school run rendered on two local workers, the scheduler named by its address
    # (built once, shared with the Dask tests)
    built = cluster_build(tmp_path_factory)
    result = built.result
    monkeypatch.setenv("NETLAB_HOME", str(built.home))
    assert result.ok, result.summary()
    assert len(result.rendered) == len(result.reports)
    # each worker rendered through its own warm server
    assert any(built.warm.values())
    assert not built.warm_here  # nothing was rendered in this process
    assert engine._WORKER_POOL is None
    for r in result.reports:
        assert (paths.reports_dir("few") / r.html).stat().st_size > 10_000


_TOY = """
from pathlib import Path


def write(path, nb):
    code = sum(c.cell_type == "code" for c in nb.cells)
    Path(path).write_text(f"{code} code cells ran\\n", encoding="utf-8")
"""


@pytest.mark.render
def test_a_registered_output_is_written_linked_listed_and_kept(few, monkeypatch, tmp_path):
    """A new kind of output beside every report is one registry entry, nothing in batch."""
    home, params = few
    (tmp_path / "netlab_toy_summary.py").write_text(_TOY)
    # the reports render in other processes: they import the writer by its name
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    toy = publish.Output("txt", ".txt", writer="netlab_toy_summary:write", label="summary")
    publish.register_output(toy)
    out = paths.reports_dir("few")
    try:
        result = build.build(params, jobs=2, force=True, progress=False)
        assert result.ok, result.summary()
        index = (out / "index.html").read_text()
        manifest = json.loads((out / "manifest.json").read_text())
        for r, entry in zip(result.reports, manifest["reports"], strict=True):
            summary = out / Path(r.html).with_suffix(".txt")
            cells = nbformat.read(REPO / "notebooks" / f"{_notebook(r.kind)}.ipynb", as_version=4)
            code = sum(c.cell_type == "code" for c in cells.cells)
            # the executed notebook has the injected parameters cell as well
            assert summary.read_text() == f"{code + 1} code cells ran\n", r.id
            assert f'<a href="{html.escape(paths.beside(r.html, ".txt"))}">summary</a>' in index
            assert entry["outputs"]["txt"] == paths.beside(r.html, ".txt")
        held = publish.hold_last_good(out, paths.work_dir("few"), True)
        one = Path(result.reports[0].html).with_suffix(".txt")
        assert (held / one).read_text() == (out / one).read_text()  # kept with its report
        publish.remove_report(out, result.reports[0].html)
        assert not (out / one).exists()  # and removed with it
    finally:
        publish.OUTPUTS.pop("txt", None)
        shutil.rmtree(paths.work_dir("few") / publish.LAST_GOOD, ignore_errors=True)
        for f in out.rglob("*.txt"):
            f.unlink()
    assert not build.build(params, jobs=2, progress=False).failures  # the run is whole again


def _notebook(kind: str) -> str:
    return "school" if kind in ("school", "district") else kind


def test_the_output_registry_refuses_a_taken_name_or_suffix():
    with pytest.raises(ValueError, match="taken"):
        publish.register_output(publish.Output("sheet", ".xlsx"))
    with pytest.raises(ValueError, match="taken"):
        publish.register_output(publish.Output("page", ".html"))
    with pytest.raises(ValueError, match="registered"):
        publish.register_output(publish.Output("pdf", ".pdf2"))
    with pytest.raises(ValueError, match="xlsx"):
        publish.get_output("csv")
    assert list(publish.OUTPUTS) == ["xlsx", "pdf"]


def test_a_misspelt_parameter_fails_instead_of_running_on_defaults(tmp_path):
    result = engine.render(
        {
            "id": "x",
            "notebook": str(REPO / "notebooks" / "network.ipynb"),
            "parameters": {"run": "demo"},
            "work_notebook": str(tmp_path / "x.ipynb"),
            "html": str(tmp_path / "x.html"),
        }
    )
    assert result["status"] == "failed"
    assert "['run']" in result["error"] and "run_name" in result["error"]
    assert not (tmp_path / "x.html").exists()


def test_a_district_run_writes_district_reports_leading_with_each_team_indicator(
    districts,  # noqa: F811 (the fixture imported above)
    monkeypatch,
):
    from netlab import privacy
    from netlab.names import in_sentence

    # the districts demo as the reports' own tests build it, once per session (read only)
    params = districts["params"]
    monkeypatch.setenv("NETLAB_HOME", str(districts["home"]))
    assert params.run == "districts-demo" and params.unit == "district"
    assert districts["result"].ok, districts["result"].summary()
    out = paths.reports_dir("districts-demo")
    units = pd.read_parquet(paths.processed_dir("districts-demo") / "units.parquet")
    labels = pd.read_parquet(paths.processed_dir("districts-demo") / "measures.parquet")
    label = dict(zip(labels["measure"], labels["short_label"], strict=True))
    keys = pd.read_parquet(paths.processed_dir("districts-demo") / "students.parquet")
    names = units["unit_name"].tolist()
    for uid, name in zip(units["unit_id"], names, strict=True):
        page = out / "districts" / f"{paths.slug(uid)}.html"
        text = page.read_text()
        assert f"District report: {name}" in text
        own = params.team_measures.get(uid, params.focal_measure)
        assert f"Leading with {in_sentence(label[own])}" in text
        others = [n for n in names if n != name]
        assert (
            privacy.scan_html(
                text,
                min_cell=params.min_cell,
                student_keys=keys["student_key"].astype(str),
                forbidden_names=others,
            )
            == []
        ), uid
    assert not (out / "schools").exists()
