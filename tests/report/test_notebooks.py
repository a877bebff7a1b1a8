"""Report notebooks: sanity (parameters, tags, no outputs, params files) and execution.

Execution runs each notebook with its defaults under plain papermill and an ordinary
kernel, on the demo run, and renders it through the netlab template.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from netlab.batch import _engine as engine
from netlab.exceptions import InputError, ParamsError
from netlab.params import load_params
from tests._support import REPO

REPORTS = ("school", "network", "traction", "livecase")
NOTEBOOKS = {name: REPO / "notebooks" / f"{name}.ipynb" for name in REPORTS}
_PARAM = re.compile(r"^(\w+): ([^=]+) = (.+?)  # \S.*$")


@pytest.mark.parametrize("name", REPORTS)
def test_first_cell_holds_literal_annotated_parameters(name):
    nb = nbformat.read(NOTEBOOKS[name], as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "code" and "parameters" in first.metadata.get("tags", [])
    lines = [ln for ln in first.source.splitlines() if ln.strip()]
    assert lines and lines[0].startswith("run_name: str = ")
    for line in lines:
        m = _PARAM.match(line)
        assert m, f"not `name: type = literal  # comment`: {line!r}"
        ast.literal_eval(m.group(3))  # a literal, nothing derived


@pytest.mark.parametrize("name", REPORTS)
def test_notebooks_are_thin_and_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS[name], as_version=4)
    nbformat.validate(nb)
    assert (
        nb.metadata["kernelspec"]["name"] == "netlab"
    )  # the kernel `netlab init` and `make setup` install
    assert nb.metadata["kernelspec"]["display_name"] == "Python (netlab)"
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert not cell.outputs and cell.execution_count is None
        tags = set(cell.metadata.get("tags", []))
        assert tags & {"hide-input", "remove-cell"}, cell.source
        assert "def " not in cell.source and "class " not in cell.source
        assert len(cell.source.splitlines()) <= 3
    headings = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert len(headings) >= 4 and all(h.startswith("## ") for h in headings)


def test_every_params_file_validates():
    files = sorted((REPO / "params").glob("*.yaml"))
    assert files
    for f in files:
        assert load_params(f).run


def test_an_unknown_key_is_rejected(tmp_path):
    text = (REPO / "params" / "demo.yaml").read_text() + "\nmin_cel: 5\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(ParamsError, match="min_cel"):
        load_params(bad)


@pytest.fixture(scope="module")
def demo_home(demo):
    return demo.home


@pytest.mark.render
@pytest.mark.parametrize("name", REPORTS)
def test_each_notebook_runs_with_its_defaults_under_plain_papermill(
    name, demo_home, tmp_path, monkeypatch
):
    papermill = pytest.importorskip("papermill")
    monkeypatch.setenv("NETLAB_HOME", str(demo_home))
    out = tmp_path / f"{name}.ipynb"
    nb = papermill.execute_notebook(
        str(NOTEBOOKS[name]),
        str(out),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(demo_home),
    )
    assert nb.metadata.papermill.get("exception") in (None, False)
    html = engine.export_html(nb, title=name)
    for heading in (c.source for c in nb.cells if c.cell_type == "markdown"):
        title = heading.splitlines()[0][3:]
        assert f'id="{title.replace(" ", "-")}"' in html
    assert "netlab-footer" in html and "Traceback" not in html
    body = html.split("<main>", 1)[1]
    assert "cm-editor" not in body and "from netlab import report" not in body  # no code shown
    assert "run_name" not in body  # nor the parameters


@pytest.mark.parametrize("name", [*REPORTS, "explore"])
def test_papermill_infers_every_parameter(name):
    """Every parameter is one papermill can parse, so `-p name value` is injected."""
    iorw = pytest.importorskip("papermill.inspection")
    path = REPO / "notebooks" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    declared = {
        ln.split(":", 1)[0]
        for ln in nb.cells[0].source.splitlines()
        if ln.strip() and not ln.startswith("#")
    }
    inferred = iorw.inspect_notebook(str(path))
    assert set(inferred) == declared


def test_traction_cohorts_read_as_papermill_hands_them_over():
    from netlab.report._open import _cohort_list

    assert _cohort_list([]) == [] and _cohort_list(None) == [] and _cohort_list("") == []
    assert _cohort_list(2019) == [2019]
    assert _cohort_list("2019, 2020") == [2019, 2020]
    assert _cohort_list("[2019,2020]") == [2019, 2020]
    assert _cohort_list([2019, "2020"]) == [2019, 2020]
    with pytest.raises(InputError, match="cohorts"):
        _cohort_list("spring")


def test_header_shows_a_title_block_under_stock_front_ends():
    from IPython.core.formatters import DisplayFormatter

    from netlab import report
    from netlab.testing import make_prepared

    meta = report.header(report.from_prepared(make_prepared(), None))
    data, _ = DisplayFormatter().format(meta)
    assert data["text/plain"].startswith("Network report:")
    assert "\n" not in data["text/plain"] and "name_peers" not in data["text/plain"]
    assert "<h1>Network report:" in data["text/html"] and "name_peers" not in data["text/html"]
    assert data[report.META_MIME]["params"]["min_cell"] == meta["min_cell"]
