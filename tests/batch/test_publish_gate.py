"""The publish gate: a report that would send out what it may not is held back.

A four-school run of its own, built from notebooks with planted leaks (test doubles of a
section): one school's report names a peer, another's workbook gets a table cell on six
students that its page never shows. And a new version of a library that draws the
reports renders them all again (in a copy of that run).
"""

from __future__ import annotations

import json
import re
import shutil
from importlib import metadata
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from netlab import batch, paths, pipeline, publish
from netlab.batch import RenderTask, ReportOutcome
from netlab.batch import _gate as gate
from netlab.params import load_params
from tests._support import REPO, built_once, copy_home, few_home, plant_live_cases

RUN = "few"

SMALL_TABLE = (
    '<table class="netlab-table" data-min-cell="10"><thead><tr><th>Group</th>'
    '<th class="netlab-num">Rate</th></tr></thead><tbody><tr data-n="6"><td>Planted</td>'
    '<td class="netlab-value netlab-num">50%</td></tr></tbody></table>'
)


def _plant(notebook, names_peer_in: str, peer: str, small_in: str):
    nb = nbformat.read(notebook, as_version=4)
    naming = nbformat.v4.new_code_cell(
        "from IPython.display import Markdown, display\n"
        f"if unit_id == {names_peer_in!r}:\n"
        f"    display(Markdown('Schools like {peer} do this well.'))",
        metadata={"tags": ["hide-input"]},
    )
    # shown only in the workbook: the template removes the cell from the page
    workbook_only = nbformat.v4.new_code_cell(
        "from IPython.display import HTML, display\n"
        f"if unit_id == {small_in!r}:\n"
        f"    display(HTML({SMALL_TABLE!r}))",
        metadata={"tags": ["remove-cell"]},
    )
    nb.cells += [nbformat.v4.new_markdown_cell("## Planted"), naming, workbook_only]
    nbformat.write(nb, notebook)


def _build_leaky(root: Path, tmp_path_factory) -> tuple:
    home = few_home(tmp_path_factory, root / "home", pdf=True)
    (home / "notebooks").unlink()  # notebooks of its own rather than the repository's
    shutil.copytree(REPO / "notebooks", home / "notebooks")
    mp = pytest.MonkeyPatch()
    mp.setenv("NETLAB_HOME", str(home))
    try:
        params = load_params(RUN)
        units = pd.read_parquet(paths.processed_dir(RUN) / "units.parquet")
        ids, names = units["unit_id"].astype(str).tolist(), units["unit_name"].tolist()
        _plant(home / "notebooks" / "school.ipynb", ids[0], names[1], ids[2])
        result = batch.build(params, jobs=2, progress=False)
    finally:
        mp.undo()
    assert not result.prepared  # the copy came prepared
    return home, params, ids, names, result


@pytest.fixture(scope="module")
def leaky(tmp_path_factory):
    """A copy of a prepared four-school run, printed to PDF, built from planted notebooks
    once per session (read it only)."""
    return built_once(tmp_path_factory, "leaky", lambda root: _build_leaky(root, tmp_path_factory))


def test_a_report_naming_a_peer_is_held_back(leaky, monkeypatch):
    home, params, ids, names, result = leaky
    monkeypatch.setenv("NETLAB_HOME", str(home))
    out = paths.reports_dir(RUN)
    by_id = {r.id: r for r in result.reports}
    held = by_id[f"school:{ids[0]}"]
    assert held.status == "held"
    assert "another unit's name" in held.error and "html" in held.error
    assert names[1] not in held.error  # the message repeats nothing that must not go out
    for suffix in (".html", ".xlsx", ".pdf"):
        assert not (out / "schools" / f"{ids[0]}{suffix}").exists()
    details = held.error.rsplit("what was found: ", 1)[1].rstrip(")")
    assert names[1] in Path(details).read_text()  # the details stay in the private work area
    # every other school's report is sent out
    assert all(by_id[f"school:{u}"].status == "ok" for u in ids[3:])
    assert not result.ok and f"school:{ids[0]}" in result.summary()
    manifest = json.loads((out / "manifest.json").read_text())
    assert {r["id"]: r["status"] for r in manifest["reports"]}[f"school:{ids[0]}"] == "held"
    index = (out / "index.html").read_text()
    assert "held back" in index and names[1] not in index.split("netlab-status-held")[1][:400]


def test_a_workbook_cell_on_six_students_is_held_back(leaky, monkeypatch):
    home, _, ids, _, result = leaky
    monkeypatch.setenv("NETLAB_HOME", str(home))
    out = paths.reports_dir(RUN)
    held = {r.id: r for r in result.reports}[f"school:{ids[2]}"]
    assert held.status == "held"
    assert "too few students" in held.error and "xlsx" in held.error and "html" not in held.error
    assert not (out / "schools" / f"{ids[2]}.html").exists()
    assert not (out / "schools" / f"{ids[2]}.xlsx").exists()
    assert (out / "schools" / f"{ids[3]}.xlsx").exists()


def test_a_new_version_of_a_drawing_library_renders_every_report_again(
    leaky, monkeypatch, tmp_path
):
    built, _, _, _, first = leaky
    home = copy_home(built, tmp_path / "gate")  # the build below changes the run
    monkeypatch.setenv("NETLAB_HOME", str(home))
    params = load_params(RUN)
    # the PDFs are not what this is about: none is printed
    monkeypatch.setattr(publish, "print_pdfs", lambda jobs, **_: publish.PdfOutcome())
    real = metadata.version
    keys = {t.id: t.key for t in batch.plan(params)}
    monkeypatch.setattr(
        metadata, "version", lambda name: "99.0" if name == "seaborn" else real(name)
    )
    again = {t.id: t.key for t in batch.plan(params)}
    assert all(keys[i] != again[i] for i in keys)
    assert pipeline.stale_reason(params) is None  # drawing does not prepare the data again
    result = batch.build(params, jobs=2, progress=False)
    assert not result.prepared
    assert len(result.skipped) == 0
    sent = [r for r in first.reports if r.status == "ok"]
    assert {r.id for r in result.rendered} >= {r.id for r in sent}


def test_a_new_version_of_a_computing_library_prepares_the_data_again(leaky, monkeypatch):
    home, params, _, _, _ = leaky
    monkeypatch.setenv("NETLAB_HOME", str(home))
    real = metadata.version
    assert pipeline.stale_reason(params) is None
    monkeypatch.setattr(
        metadata, "version", lambda name: "9.9" if name == "statsmodels" else real(name)
    )
    assert "library" in pipeline.stale_reason(params)


# --------------------------------------------------------------------------------------
# Prints that name a peer: checked before they reach reports/, their reports not linked
# --------------------------------------------------------------------------------------


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF whose text is ``text`` (what a print of a page would hold)."""
    stream = f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % at for at in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


def _build_with_leaky_prints(root: Path, tmp_path_factory) -> tuple:
    """A four-school run whose prints of one brief and one school name a peer (a stand-in
    for the browser writes each print); which prints were made where."""
    home = few_home(tmp_path_factory, root / "home", pdf=True)
    mp = pytest.MonkeyPatch()
    mp.setenv("NETLAB_HOME", str(home))
    try:
        params = load_params(RUN)
        plant_live_cases(RUN, params)
        units = pd.read_parquet(paths.processed_dir(RUN) / "units.parquet")
        names = dict(zip(units["unit_id"].astype(str), units["unit_name"], strict=True))
        tasks = batch.plan(params)
        brief = next(t for t in tasks if t.kind == "livecase")
        pair = brief.id.split(":")[1:]
        school = next(t for t in tasks if t.kind == "school" and t.id.split(":")[1] not in pair)
        peer = {
            brief.rel_html: next(n for u, n in names.items() if u not in pair),
            school.rel_html: next(n for u, n in names.items() if u != school.id.split(":")[1]),
        }
        out, printed = paths.reports_dir(RUN), []

        def print_pdfs(jobs, **_):
            for source, target, *_ in jobs:
                rel = Path(source).relative_to(out).as_posix()
                in_out = Path(target).resolve().is_relative_to(out.resolve())
                # the links of the page as it was printed
                printed.append(
                    (rel, in_out, re.findall(r'href="([^"]+)"', Path(source).read_text()))
                )
                Path(target).parent.mkdir(parents=True, exist_ok=True)
                Path(target).write_bytes(_tiny_pdf(f"A print; like {peer.get(rel, 'no one')}"))
            return publish.PdfOutcome(written=[Path(t) for _, t, *_ in jobs])

        mp.setattr(publish, "print_pdfs", print_pdfs)
        result = batch.build(params, jobs=2, progress=False)
    finally:
        mp.undo()
    return home, brief.id, school.id, printed, result


@pytest.fixture(scope="module")
def leaky_prints(tmp_path_factory):
    """A copy of the four-school run built once with prints naming a peer (read it only)."""
    return built_once(
        tmp_path_factory,
        "leaky-prints",
        lambda root: _build_with_leaky_prints(root, tmp_path_factory),
    )


@pytest.mark.render
def test_a_print_reaches_the_reports_folder_only_once_checked(leaky_prints, monkeypatch):
    home, brief_id, school_id, printed, result = leaky_prints
    monkeypatch.setenv("NETLAB_HOME", str(home))
    out = paths.reports_dir(RUN)
    assert {rel for rel, *_ in printed} == {r.html for r in result.reports}
    # every report was printed into the work area, none into the folder sent out
    assert [rel for rel, in_out, _ in printed if in_out] == []
    by_id = {r.id: r for r in result.reports}
    for held in (by_id[brief_id], by_id[school_id]):
        assert held.status == "held" and "another unit's name" in held.error, held
        assert "in its pdf" in held.error and held.pdf is None
        for suffix in (".html", ".xlsx", ".pdf"):  # the whole report is held back
            assert not (out / paths.beside(held.html, suffix)).exists(), (held.id, suffix)
    for r in result.reports:
        if r.id not in (brief_id, school_id):
            assert r.status == "ok" and r.pdf and (out / r.pdf).exists(), r.id
    assert not list((paths.work_dir(RUN) / gate.STAGED).rglob("*.pdf"))
    manifest = {r["id"]: r for r in json.loads((out / "manifest.json").read_text())["reports"]}
    assert manifest[brief_id]["status"] == "held" and not manifest[brief_id].get("pdf")


@pytest.mark.render
def test_the_index_links_no_report_that_was_not_published(leaky_prints, monkeypatch):
    home, brief_id, school_id, _, result = leaky_prints
    monkeypatch.setenv("NETLAB_HOME", str(home))
    index = (paths.reports_dir(RUN) / "index.html").read_text()
    by_id = {r.id: r for r in result.reports}
    links = set(re.findall(r'href="([^"]+)"', index))
    for held in (by_id[brief_id], by_id[school_id]):
        assert not {paths.beside(held.html, s) for s in (".html", ".xlsx", ".pdf")} & links
    why = "not published: held back by the privacy check"
    # the brief, where its two teams' rows name it, and the school's own row say why
    assert index.count(f"(brief {why})") == 2
    assert f'<td class="netlab-links">{why}</td>' in index
    # every report sent out is linked, briefs included
    sent = [r for r in result.reports if r.status == "ok"]
    assert {r.html for r in sent} <= links


@pytest.mark.render
def test_the_network_report_links_no_brief_that_was_not_published(leaky_prints, monkeypatch):
    home, brief_id, _, printed, result = leaky_prints
    monkeypatch.setenv("NETLAB_HOME", str(home))
    out = paths.reports_dir(RUN)
    briefs = [r for r in result.reports if r.kind == "livecase"]
    held = next(r for r in briefs if r.id == brief_id)
    sent = [r for r in briefs if r.id != brief_id]
    assert held.status == "held" and len(sent) == 1 and sent[0].status == "ok"
    page = (out / "network.html").read_text()
    links = set(re.findall(r'href="([^"]+)"', page))
    assert held.html not in links and not (out / held.html).exists()
    assert sent[0].html in links and (out / sent[0].html).exists()
    # in the table's row of the pairing, where its link was, the index's words
    why = "not published: held back by the privacy check"
    assert f'<span data-brief="{held.html}">{why}</span>' in page
    # the brief was held back by its print, after the network page was printed: the page
    # was printed again once mended, and that print went out
    network = [hrefs for rel, _, hrefs in printed if rel == "network.html"]
    assert len(network) == 2 and held.html in network[0]
    assert held.html not in network[-1] and sent[0].html in network[-1]
    assert (out / "network.pdf").exists()
    # the manifest holds the mended page's checksum: the next build leaves it as it is
    manifest = {r["id"]: r for r in json.loads((out / "manifest.json").read_text())["reports"]}
    assert manifest["network"]["sha256"] == publish.file_sha256(out / "network.html")


# --------------------------------------------------------------------------------------
# The gate's parts, on hand-made reports
# --------------------------------------------------------------------------------------


def _gate(tmp_path, name_peers=False):
    names = {"S1": "Lincoln High", "S2": "Roosevelt High", "S3": "Lincoln"}
    return gate.Gate(
        min_cell=10, names=names, name_peers=name_peers, student_keys=frozenset(), work=tmp_path
    )


def test_who_a_report_may_name(tmp_path):
    g = _gate(tmp_path)
    # "Lincoln" is part of the report's own name, and still a peer's: the scan looks for it
    # outside the report's own name
    assert g.forbidden("school:S1", "school") == ["Roosevelt High", "Lincoln"]
    assert g.own("school:S1") == ["Lincoln High"]
    assert g.forbidden("school:S2", "school") == ["Lincoln High", "Lincoln"]
    assert g.forbidden("livecase:S2:S3", "livecase") == ["Lincoln High"]
    assert g.own("livecase:S2:S3") == ["Roosevelt High", "Lincoln"]
    assert g.forbidden("network", "network") == []
    assert _gate(tmp_path, name_peers=True).forbidden("school:S2", "school") == []


@pytest.mark.parametrize(
    ("report_id", "text", "found"),
    [
        # a peer's name inside the report's own: the report naming itself, as given and
        # as reports show a name in capitals
        ("school:N", "<h1>North Central High</h1><p>North Central High's seniors</p>", []),
        ("school:N", "<p>North Central High</p>", []),
        # the same peer's name standing alone names the peer
        ("school:N", "<h1>North Central High</h1><p>Like Central High, it</p>", ["Central"]),
        ("school:N", "<p>Central High and North Central High</p>", ["Central"]),
        ("livecase:N:R", "<p>North Central High hosts Roosevelt High</p>", []),
        ("livecase:N:R", "<p>North Central High hosts; Central High too</p>", ["Central"]),
        # the other way: the report's own name inside a peer's
        ("school:C", "<h1>Central High</h1><p>Central High's seniors</p>", []),
        ("school:C", "<h1>Central High</h1><p>North Central High does it</p>", ["North"]),
        ("livecase:C:R", "<p>Central High hosts Roosevelt High</p>", []),
        ("livecase:C:R", "<p>Central High, like North Central High</p>", ["North"]),
        # a print's text may break a line after a hyphen, in the own name or a peer's
        ("school:W", "<p>Advanced Studies- Wolfson</p>", []),
        ("school:W", "<p>Advanced Studies- Wolfson; Advanced Studies</p>", ["Advanced"]),
        ("school:A", "<p>Advanced Studies and Advanced Studies- Wolfson</p>", ["Advanced"]),
    ],
)
def test_a_peer_whose_name_holds_or_is_held_in_the_reports_own_is_found(
    tmp_path, report_id, text, found
):
    names = {"N": "NORTH CENTRAL HIGH", "C": "CENTRAL HIGH", "R": "Roosevelt High",
             "W": "Advanced Studies-Wolfson", "A": "Advanced Studies"}  # fmt: skip
    g = gate.Gate(min_cell=10, names=names, name_peers=False, work=tmp_path)
    page = tmp_path / "page.html"
    page.write_text(text.replace("North Central High</h1>", "NORTH CENTRAL HIGH</h1>"))
    problems = g.check(report_id, report_id.split(":")[0], [page])
    named = [p.split("appears: ", 1)[1] for p in problems if "another unit's name" in p]
    assert [n.strip("'").split()[0] for n in named] == found, problems


def test_a_held_report_leaves_nothing_behind_and_its_message_names_no_one(tmp_path):
    g = _gate(tmp_path / "work")
    out = tmp_path / "out"
    (out / "schools").mkdir(parents=True)
    page = '<p>Roosevelt High</p><table class="netlab-table"><tbody><tr data-n="4"></tr></table>'
    (out / "schools" / "S1.html").write_text(page)
    (out / "schools" / "S1.pdf").write_bytes(b"%PDF")
    (out / "schools" / "S2.html").write_text("<p>Roosevelt High</p>")
    r1 = ReportOutcome(id="school:S1", kind="school", title="S1", html="schools/S1.html")
    r2 = ReportOutcome(id="school:S2", kind="school", title="S2", html="schools/S2.html")
    for r in (r1, r2):  # as publish and publish_pdfs hold back a report that fails
        problems = g.check(r.id, r.kind, [out / r.html])
        if problems:
            gate._hold(g, r, problems, out)
    assert r1.status == "held" and r2.status == "pending"
    assert "another unit's name" in r1.error and "too few students" in r1.error
    assert "Roosevelt" not in r1.error
    assert not list((out / "schools").glob("S1.*"))
    assert (out / "schools" / "S2.html").exists()


def test_a_staged_report_reaches_the_reports_folder_only_when_it_passes(tmp_path):
    g = _gate(tmp_path / "work")
    out, work = tmp_path / "out", tmp_path / "work"
    (out / "schools").mkdir(parents=True)
    (out / "schools" / "S1.html").write_text("<p>the last build's version</p>")
    tasks = {
        sid: gate.staged(
            RenderTask(
                id=f"school:{sid}",
                notebook="school.ipynb",
                work_notebook=str(work / f"{sid}.ipynb"),
                html=str(out / f"schools/{sid}.html"),
                rel_html=f"schools/{sid}.html",
            ),
            work,
        )
        for sid in ("S1", "S2")
    }
    assert Path(tasks["S1"].html).is_relative_to(work)
    for sid, text in (("S1", "<p>Roosevelt High</p>"), ("S2", "<p>Roosevelt High</p>")):
        Path(tasks[sid].html).parent.mkdir(parents=True, exist_ok=True)
        Path(tasks[sid].html).write_text(text)
    r1 = ReportOutcome(id="school:S1", kind="school", title="S1", html="schools/S1.html")
    r2 = ReportOutcome(id="school:S2", kind="school", title="S2", html="schools/S2.html")
    assert not gate.publish(g, r1, tasks["S1"], out)  # names a peer: held back
    assert gate.publish(g, r2, tasks["S2"], out)  # its own name: sent out
    assert not (out / "schools" / "S1.html").exists()  # nor the last build's version
    assert (out / "schools" / "S2.html").read_text() == "<p>Roosevelt High</p>"
    assert not list((work / gate.STAGED).rglob("*.html"))
