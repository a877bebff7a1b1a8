"""Hostile input through the real command: nothing executes, collides, goes stale or is lost.

One six-school synthetic run is built with ``netlab build`` in its own process, in a
throw-away project root, after its exports and params are made hostile as a tester would:
school names that are spreadsheet formulas or script, school ids that share a slug, a
Windows device name and a 300-character id, and every text field of the params carrying
a script payload. It is built once per test session and read only; on a copy of it, a
second build without Chromium must leave no stale PDF, and a students file cut mid-row
must stop the build naming the row.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from netlab import cells, paths, synth
from tests._support import REPO, built_once, copy_home, make_home

pytestmark = pytest.mark.faults

RUN = "hostile"
XSS = "<img src=x onerror=alert({n})>"
FORMULA = '=HYPERLINK("http://x.example/24","click24")'
#: New ids for four of the six schools: two share the slug "Escuela", one is a Windows
#: device name, one is longer than any file name may be.
IDS = ["Escuela-ñ-学校", "Escuela-ü", "CON", "y" * 300]
NAMES = [FORMULA, "@SUM(1+1)", XSS.format(n=90) + " High", "-2+3 Academy"]

#: Every text field of the params, each with its own payload number.
PARAMS_TEXT = {
    "network": XSS.format(n=1),
    "term": "<b onmouseover=alert(2)>",
    "focal_group": {
        "label": XSS.format(n=3),
        "condition": "race_ethnicity in ['Black', 'Latinx', 'Indigenous'] or low_income",
    },
    "measures": {
        "hm": {
            "label": XSS.format(n=4),
            "short_label": XSS.format(n=5),
            "phrase": XSS.format(n=6),
            "denominator_label": XSS.format(n=7),
            "table": "students",
            "denominator": "true",
            "numerator": "fafsa_complete",
            "counts_every_senior": True,
        }
    },
    "groups": {"hg": {"label": XSS.format(n=8), "condition": "low_income"}},
    "focal_measure": "hm",
    "aim": {"measure": "hm", "group": "focal", "baseline_year": 2021, "target": 0.4},
}


def netlab(home: Path, *args: str, timeout: float = 600, env: dict | None = None):
    """Run the ``netlab`` command in ``home``; return the finished process."""
    exe = Path(sys.executable).with_name("netlab")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "netlab.cli"]
    return subprocess.run(
        [*cmd, *args],
        cwd=home,
        env={**os.environ, "NETLAB_HOME": str(home), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _params_text(run: str, raw: str) -> str:
    import yaml

    text = (REPO / "params" / "demo.yaml").read_text()
    base = yaml.safe_load(text)
    base.update({"run": run, "raw_dir": raw, **PARAMS_TEXT})
    return yaml.safe_dump(base, allow_unicode=True)


def _build(root: Path) -> Path:
    """The hostile run, built by the command in a project root of its own."""
    root = make_home(root)
    (root / "params" / f"{RUN}.yaml").write_text(_params_text(RUN, f"data/raw/{RUN}"))
    raw = root / "data" / "raw" / RUN
    synth.write(synth.generate(6, seed=11, n_bright_spots=1, n_lookalikes=1), raw)
    old = pd.read_csv(raw / "schools.csv", dtype=str)["school_id"].tolist()[:4]
    for f in raw.glob("*.csv"):
        text = f.read_text(encoding="utf-8")
        for a, b in zip(old, IDS, strict=True):
            text = text.replace(a, b)
        f.write_text(text, encoding="utf-8")
    schools = pd.read_csv(raw / "schools.csv", dtype=str)
    for uid, name in zip(IDS, NAMES, strict=True):
        schools.loc[schools["school_id"] == uid, "school_name"] = name
    schools.to_csv(raw / "schools.csv", index=False)
    pdsa = pd.read_csv(raw / "pdsa.csv", dtype=str)
    pdsa.loc[pdsa.index[:5], "change_idea"] = FORMULA
    pdsa.to_csv(raw / "pdsa.csv", index=False)
    done = netlab(root, "build", f"params/{RUN}.yaml", "--jobs", "2", timeout=900)
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def home(tmp_path_factory):
    """The hostile run, built once per test session (read it only)."""
    return built_once(tmp_path_factory, "hostile", _build)


@pytest.fixture
def own_home(home, tmp_path):
    """A copy of the hostile run for a test that changes it."""
    return copy_home(home, tmp_path / "home")


def _out(home: Path) -> Path:
    return home / "reports" / RUN


class _Live(HTMLParser):
    """Elements a payload would make live: any tag with an on* handler, any img to "x"."""

    def __init__(self):
        super().__init__()
        self.live: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {k.lower() for k, _ in attrs}
        if any(n.startswith("on") for n in names) or (tag == "img" and ("src", "x") in attrs):
            self.live.append(f"<{tag} {attrs}>")


def test_no_workbook_holds_a_formula_cell(home):
    books = sorted(_out(home).rglob("*.xlsx"))
    assert len(books) >= 8
    for book in books:
        assert cells.formula_cells(book) == [], book
    from openpyxl import load_workbook

    texts = {
        c.value
        for book in books
        for ws in load_workbook(book).worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    }
    # the hostile name is there, at the start of a cell, and written as text
    assert any(t.startswith(FORMULA) for t in texts)


def test_colliding_ids_get_their_own_files_and_the_index_links_each(home):
    out = _out(home)
    manifest = json.loads((out / "manifest.json").read_text())
    rels = [r["html"] for r in manifest["reports"] if r["kind"] == "school"]
    assert len(rels) == len(set(rels)) == 6
    names = dict(zip(IDS, NAMES, strict=True))
    index = (out / "index.html").read_text()
    for uid, name in names.items():
        rel = f"schools/{paths.slug(uid)}.html"
        assert len(Path(rel).name) < 100
        assert f'href="{rel}"' in index
        page = (out / rel).read_text()
        title = re.search(r'<h1 class="netlab-title">(.*?)</h1>', page, re.S).group(1)
        from html import unescape

        assert unescape(title).endswith(name), (uid, title)
    assert "CON.html" not in index


def test_no_params_text_makes_a_live_element_in_any_page(home):
    pages = sorted(_out(home).rglob("*.html"))
    assert len(pages) >= 8
    seen = False
    for page in pages:
        text = page.read_text()
        seen = seen or "onerror=alert(3)" in text.replace("&lt;", "<").replace("&gt;", ">")
        live = _Live()
        live.feed(text)
        assert live.live == [], (page.name, live.live[:3])
    assert seen  # the focal group's label is shown, as text


def test_a_build_without_chromium_leaves_no_stale_pdf(own_home):
    home = own_home
    out = _out(home)
    before = sorted(out.rglob("*.pdf"))
    if not before:
        pytest.skip("the first build printed no PDF (no Chromium here)")
    done = netlab(
        home,
        "build",
        f"params/{RUN}.yaml",
        "--jobs",
        "2",
        "--force",
        timeout=900,
        env={"NETLAB_CHROMIUM": str(home / "no-chromium-here")},
    )
    assert done.returncode == 0, done.stderr
    assert sorted(out.rglob("*.pdf")) == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert all(not r.get("pdf") for r in manifest["reports"])
    assert not re.search(r'href="[^"]*\.pdf"', (out / "index.html").read_text())
    assert "earlier build removed" in done.stdout + done.stderr


def test_a_students_file_cut_mid_row_stops_the_build_naming_the_row(own_home):
    home, run = own_home, "hostile-cut"
    raw = home / "data" / "raw" / run
    shutil.copytree(home / "data" / "raw" / RUN, raw)
    data = (raw / "students.csv").read_bytes()
    lines = data.count(b"\n")
    cut = data[: data.rindex(b"\n", 0, len(data) // 2) + 12]  # 11 bytes into a row
    (raw / "students.csv").write_bytes(cut)
    (home / "params" / f"{run}.yaml").write_text(_params_text(run, f"data/raw/{run}"))
    done = netlab(home, "build", f"params/{run}.yaml", timeout=600)
    assert done.returncode != 0
    said = done.stdout + done.stderr
    row = cut.count(b"\n") + 1
    assert "students.csv" in said and "cut short" in said and f"line {row:,}" in said, said
    assert row < lines
    assert "Traceback" not in said
