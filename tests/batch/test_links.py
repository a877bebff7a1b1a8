"""The network report links a live-case brief only while it is sent out.

A copy of the four-school run with two planted live cases, built from notebooks in which
one brief fails to render while a variable is set: built once with it set, then again
without it (only that brief is rendered again; the network report is left as it was).
"""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pytest

from netlab import batch, paths, publish
from netlab.params import load_params
from tests._support import REPO, few_home, plant_live_cases

RUN = "few"
FAIL = "NETLAB_PLANTED_BRIEF_FAILURE"  # host:visitor of the brief that fails while set


def _plant_failure(notebook) -> None:
    nb = nbformat.read(notebook, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(
        at + 1,
        nbformat.v4.new_code_cell(
            "import os\n"
            f"if os.environ.get({FAIL!r}) == f'{{host}}:{{visitor}}':\n"
            "    raise RuntimeError('a planted failure')",
            metadata={"tags": ["remove-cell"]},
        ),
    )
    nbformat.write(nb, notebook)


def _links(page: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page))


@pytest.mark.render
def test_a_brief_that_failed_is_not_linked_and_is_again_once_it_renders(
    tmp_path_factory, tmp_path, monkeypatch
):
    home = few_home(tmp_path_factory, tmp_path / "home")
    (home / "notebooks").unlink()  # notebooks of its own rather than the repository's
    shutil.copytree(REPO / "notebooks", home / "notebooks")
    _plant_failure(home / "notebooks" / "livecase.ipynb")
    monkeypatch.setenv("NETLAB_HOME", str(home))
    params = load_params(RUN)
    plant_live_cases(RUN, params)
    briefs = [t for t in batch.plan(params) if t.kind == "livecase"]
    failing, other = briefs
    monkeypatch.setenv(FAIL, ":".join(failing.id.split(":")[1:]))
    out = paths.reports_dir(RUN)

    first = {r.id: r for r in batch.build(params, jobs=2, progress=False).reports}
    assert first[failing.id].status == "failed" and first[other.id].status == "ok"
    page = (out / "network.html").read_text()
    assert failing.rel_html not in _links(page) and other.rel_html in _links(page)
    why = "not published: it failed to render"
    assert f'<span data-brief="{failing.rel_html}">{why}</span>' in page
    assert (out / other.rel_html).exists() and not (out / failing.rel_html).exists()

    # the brief renders again: the network report, unchanged, links it once more
    monkeypatch.delenv(FAIL)
    again = {r.id: r for r in batch.build(params, jobs=2, progress=False).reports}
    assert again[failing.id].status == "ok" and (out / failing.rel_html).exists()
    assert again["network"].status == "skipped"
    page = (out / "network.html").read_text()
    assert {failing.rel_html, other.rel_html} <= _links(page) and why not in page
    manifest = {r["id"]: r for r in json.loads((out / "manifest.json").read_text())["reports"]}
    assert manifest["network"]["sha256"] == publish.file_sha256(out / "network.html")
