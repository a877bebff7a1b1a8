"""The networks a hub meets, built end to end: the synthetic demo, a network of districts, a
real network from public files (Florida) and a counts-only network with no context values.

Each passes the same checks: every sentence reads well (the text check), every page,
workbook and PDF passes the privacy scan, every link resolves, workbooks hold the numbers
of the HTML tables, PDFs are paginated prints carrying the title, and in a real browser the
index sorts and filters, every image loads, nothing errs, and the network report's first
screen says whether the aim is on track.
"""

from __future__ import annotations

import html
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from netlab import batch as build
from netlab import paths, privacy, report, sources, synth
from netlab.names import display_name
from netlab.params import load_params
from tests._support import REPO, built_once, make_home, params_like_demo
from tests.report.test_browser import (
    CHROMIUM,
    NETWORK_HEADINGS,
    SCHOOL_HEADINGS,
    _check_page,
    open_page,
)

PUBLIC = REPO.parent / "shared" / "data" / "public" / "florida-fafsa-2024"

pytestmark = [pytest.mark.render]

RUNS = ["demo", "districts", pytest.param("florida", marks=pytest.mark.public), "counts"]
#: Context columns of the schools file a counts-only hub does not have.
CONTEXT = ["enrollment", "seniors", "share_low_income", "share_black", "share_latinx",
           "share_indigenous", "share_asian", "share_white", "share_focal"]  # fmt: skip


def _collect(home: Path, params, result) -> dict:
    run = params.run
    mp = pytest.MonkeyPatch()
    mp.setenv("NETLAB_HOME", str(home))
    try:
        units = pd.read_parquet(paths.processed_dir(run) / "units.parquet")
        measures = pd.read_parquet(paths.processed_dir(run) / "measures.parquet")
        students = paths.processed_dir(run) / "students.parquet"
        keys = (
            pd.read_parquet(students)["student_key"].astype(str).tolist()
            if students.exists()
            else []
        )
    finally:
        mp.undo()
    out = home / "reports" / run
    pages = {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*.html")}
    return {"params": params, "result": result, "units": units, "out": out, "pages": pages,
            "keys": keys, "measures": measures, "home": home}  # fmt: skip


def _build(
    tmp_path_factory, run: str, make_raw, params_text: str | None = None, *, name: str
) -> dict:
    """The run built once per test session in a project root of its own (read it only)."""

    def make(root: Path) -> dict:
        home = make_home(root)
        target = home / "params" / f"{run}.yaml"
        if params_text is None:
            shutil.copy(REPO / "params" / f"{run}.yaml", target)
        else:
            target.write_text(params_text)
        mp = pytest.MonkeyPatch()
        mp.setenv("NETLAB_HOME", str(home))
        try:
            params = load_params(run)
            make_raw(paths.resolve(params.raw_dir))
            result = build.build(params, jobs=2, progress=False)
        finally:
            mp.undo()
        return _collect(home, params, result)

    return built_once(tmp_path_factory, name, make)


@pytest.fixture(scope="module")
def demo(demo):
    return _collect(demo.home, demo.params, demo.result)


@pytest.fixture(scope="module")
def florida(tmp_path_factory):
    if not PUBLIC.is_dir():
        pytest.skip(f"the public files are not here ({PUBLIC}); they come with ../shared")
    return _build(
        tmp_path_factory,
        "florida-2024",
        lambda raw: sources.import_public("florida", PUBLIC, raw),
        name="florida",
    )


@pytest.fixture(scope="module")
def districts(tmp_path_factory):
    return _build(
        tmp_path_factory,
        "districts-demo",
        lambda raw: synth.write(synth.generate_districts(seed=2027), raw),
        name="districts",
    )


def write_counts_only(raw: Path, *, schools: int = 10, seed: int = 2029) -> None:
    """A counts-only network (school-level counts) whose schools file has no context values.

    The contract still lists the context columns, so they are left blank rather than out.
    Two bright spots are planted, with their look-alikes: three would need more schools.
    """
    synth.write(synth.generate(schools, seed=seed, grain="counts", n_bright_spots=2), raw)
    table = pd.read_csv(raw / "schools.csv", dtype=str)
    table[[c for c in CONTEXT if c in table.columns]] = ""
    table.to_csv(raw / "schools.csv", index=False)


@pytest.fixture(scope="module")
def counts(tmp_path_factory):
    text = params_like_demo("counts-only", network="Counts-only network (synthetic)")
    return _build(tmp_path_factory, "counts-only", write_counts_only, text, name="counts")


@pytest.fixture(params=RUNS)
def built(request):
    if request.param == "florida" and not PUBLIC.is_dir():
        pytest.skip(f"the public files are not here ({PUBLIC})")
    return request.getfixturevalue(request.param)


def _unit_names(run: dict) -> dict[str, str]:
    return dict(zip(run["units"]["unit_id"].astype(str), run["units"]["unit_name"], strict=True))


def _forbidden(run: dict, page: str) -> list[str]:
    """Names a page must not show when the network has not agreed to name its members:
    other units in a unit's report or brief, every unit in the network and traction
    reports. The index, the hub's own page, names them all."""
    names = _unit_names(run)
    if run["params"].name_peers:
        return []
    folder = "districts" if run["params"].unit == "district" else "schools"
    stem = Path(page).stem
    if page.startswith(f"{folder}/"):
        own = [u for u in names if paths.slug(u) == stem]
        return [n for u, n in names.items() if u not in own]
    if page.startswith("livecases/"):
        host, visitor = stem.split("--")
        return [n for u, n in names.items() if paths.slug(u) not in (host, visitor)]
    if page in ("network.html", "traction.html"):
        return list(names.values())
    return []


# --------------------------------------------------------------------------------------
# Every run: text, privacy, links, workbooks, PDFs
# --------------------------------------------------------------------------------------


def test_every_report_renders(built):
    assert built["result"].ok, built["result"].summary()
    folder = "districts" if built["params"].unit == "district" else "schools"
    units = [n for n in built["pages"] if n.startswith(f"{folder}/")]
    assert len(units) == len(built["units"])
    assert {"index.html", "network.html"} <= set(built["pages"])


def test_every_sentence_reads_well(built):
    # the run's own acronyms (capitals in its measure labels) must keep their capitals too
    labels = " ".join(built["measures"]["label"].astype(str))
    own = {w for w in re.findall(r"\b[A-Z][A-Z0-9-]+\b", labels) if len(w) > 1}
    findings = {
        name: found
        for name, page in built["pages"].items()
        if (found := report.check_text(page, acronyms=own))
    }
    assert findings == {}, list(findings.items())[:3]


#: Statistics' symbols and shorthand a reader should not meet outside the analysts' lines.
JARGON = re.compile(r"[φτ]|\bpp\b|\bCR3\b|(?<![\w'’.-])p(?![\w'’-])")


def _reader_text(page: str) -> str:
    """The words of a page a reader meets: no analysts' folds, scripts, styles or tags."""
    page = re.sub(r'<details class="[^"]*netlab-analyst[^"]*">.*?</details>', " ", page,
                  flags=re.S)  # fmt: skip
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<img\b[^>]*>", " ", page)  # figures' data
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_no_jargon_outside_the_analysts_lines(built):
    """φ, τ, "pp", "CR3" or a bare "p" only in the folded lines for analysts."""
    found = {}
    for name, page in built["pages"].items():
        hits = {m.group() for m in JARGON.finditer(_reader_text(page))}
        if hits:
            found[name] = sorted(hits)
    assert found == {}, list(found.items())[:5]
    network = built["pages"]["network.html"]
    if "φ =" in network:  # the funnel's statistics are there, folded, beside the words
        assert "more than chance alone would make them" in network


def test_pages_workbooks_and_pdfs_pass_the_privacy_scan(built):
    p, out = built["params"], built["out"]
    for name, text in built["pages"].items():
        forbidden = _forbidden(built, name)
        problems = privacy.scan_html(
            text, min_cell=p.min_cell, student_keys=built["keys"], forbidden_names=forbidden
        )
        assert problems == [], (name, problems[:3])
        for suffix in (".xlsx", ".pdf"):
            beside = out / Path(name).with_suffix(suffix)
            if name == "index.html":
                continue
            assert beside.exists(), beside
            problems = (
                privacy.scan_xlsx(beside, min_cell=p.min_cell, student_keys=built["keys"],
                                  forbidden_names=forbidden)
                if suffix == ".xlsx"
                else privacy.scan_pdf(beside, student_keys=built["keys"],
                                      forbidden_names=forbidden)
            )  # fmt: skip
            assert problems == [], (beside.name, problems[:3])


def test_every_link_resolves(built):
    out = built["out"]
    for name, text in built["pages"].items():
        page = out / name
        ids = set(re.findall(r'\bid="([^"]+)"', text))
        for link in re.findall(r'href="([^"]+)"', text):
            if link.startswith("#"):
                assert link[1:] in ids, (name, link)
            else:
                assert not re.match(r"[a-z]+://", link), (name, link)  # nothing outside
                assert (page.parent / link).resolve().exists(), (name, link)
    # the index links every report, brief, workbook and PDF the run wrote
    index = set(re.findall(r'href="([^"]+)"', built["pages"]["index.html"]))
    written = {p.relative_to(out).as_posix() for p in out.rglob("*")
               if p.suffix in (".html", ".xlsx", ".pdf") and p.name != "index.html"}  # fmt: skip
    assert written - index == set()
    network = built["pages"].get("network.html", "")
    no_pairs = "No live cases:" in network or "Live cases: not available" in network
    assert no_pairs or any(w.startswith("livecases/") for w in written), "no brief written"


def test_pdfs_are_paginated_prints_with_the_title(built):
    from pypdf import PdfReader

    out = built["out"]
    folder = "districts" if built["params"].unit == "district" else "schools"
    units = sorted(n for n in built["pages"] if n.startswith(f"{folder}/"))[:3]
    for name in ["traction.html", *units]:
        if name not in built["pages"] or not (out / Path(name).with_suffix(".pdf")).exists():
            continue
        reader = PdfReader(out / Path(name).with_suffix(".pdf"))
        pages = [(pg.extract_text() or "").split() for pg in reader.pages]
        text = built["pages"][name]
        title = " ".join(re.search(r'<h1 class="netlab-title">(.*?)</h1>', text).group(1).split())
        title = html.unescape(title)
        assert title in " ".join(pages[0]), (name, title)
        # page 1 is the title, the summary and the first section, not a title page
        assert len(pages[0]) > 100, (name, len(pages[0]))
        # no near-empty page: every page holds at least a few lines
        assert min(len(p) for p in pages) >= 25, (name, [len(p) for p in pages])
        assert not JARGON.search(" ".join(" ".join(p) for p in pages)), name
    for name, text in built["pages"].items():
        if name == "index.html" or not (name == "network.html" or name.startswith("live")):
            continue
        reader = PdfReader(out / Path(name).with_suffix(".pdf"))
        pages = [" ".join((pg.extract_text() or "").split()) for pg in reader.pages]
        title = " ".join(re.search(r'<h1 class="netlab-title">(.*?)</h1>', text).group(1).split())
        title = title.replace("&amp;", "&").replace("&#x27;", "'")
        assert title in pages[0], (name, title, pages[0][:200])
        assert all(pages), f"{name}: a blank page"
        for pg in reader.pages:  # Letter paper, as printed
            assert (round(float(pg.mediabox.width)), round(float(pg.mediabox.height))) == (
                612,
                792,
            )
        if name.startswith("livecases/"):
            assert len(pages) == 1, f"{name}: a brief is one page, got {len(pages)}"
        else:
            assert len(pages) > 2
            # folded detail prints in full: the spread table is folded on screen, and its
            # column heading (inside the fold, not its summary) is in the PDF
            noun = "district" if built["params"].unit == "district" else "school"
            assert '<details class="netlab-fold"><summary>Measures ranked' in text
            assert re.search(rf"Between- ?{noun} SD", " ".join(pages))  # may wrap at "-"
            # a long folded table prints its first rows and how many more there are
            left = re.findall(r"… and (\d+) more rows in the HTML report", text)
            hidden = text.count('class="netlab-paper-more"')
            assert sum(map(int, left)) == hidden
            said = " ".join(pages)
            assert all(f"… and {n} more rows" in said for n in left), (name, left)


def test_the_index_shows_the_network_at_a_glance(built):
    index = built["pages"]["index.html"]
    assert "For the hub's staff" in index
    assert index.count("<tr data-") == len(built["units"])
    assert "netlab-glance-table" in index and "<script>" in index
    # the hub's page names every unit, in a reader's order (S2 before S10, B before AA)
    first = re.findall(
        r'<tr data-[^>]*><td class="netlab-name" data-sort="(\d+)">([^<]*)</td>', index
    )
    shown = [html.unescape(name) for _, name in first]
    assert sorted(shown) == sorted(html.unescape(html.escape(display_name(n)))
                                   for n in built["units"]["unit_name"])  # fmt: skip
    assert [int(rank) for rank, _ in first] == list(range(len(first)))
    for a, b in zip(shown, shown[1:], strict=False):
        na, nb = re.match(r"(\D*)(\d+)$", a), re.match(r"(\D*)(\d+)$", b)
        if na and nb and na.group(1) == nb.group(1):  # "S2" before "S10"
            assert int(na.group(2)) < int(nb.group(2)), (a, b)
        if a.casefold().split()[:-1] == b.casefold().split()[:-1]:  # "School B", "School AA"
            last_a, last_b = a.split()[-1], b.split()[-1]
            if last_a.isalpha() and last_b.isalpha() and last_a.isupper() and last_b.isupper():
                assert (len(last_a), last_a) < (len(last_b), last_b), (a, b)


def test_the_index_leaves_out_a_column_no_unit_has(built):
    """A column that every unit would leave empty or mark n/a is left out, and a note
    under the words says why; a column some unit fills is there."""
    from bs4 import BeautifulSoup

    index = built["pages"]["index.html"]
    table = BeautifulSoup(index, "html.parser").select_one("table.netlab-glance-table")
    heads = [th.get_text(strip=True) for th in table.select("thead th")]
    rows = [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in table.tbody("tr")]
    bright = any(tr.get("data-bright") == "yes" for tr in table.tbody("tr"))
    assert ("Bright spot" in heads) == bright == ('id="netlab-bright-only"' in index)
    assert bright or "is a bright spot, so the column is left out" in index
    change = next((i for i, h in enumerate(heads) if h.startswith("Change since")), None)
    if change is None:
        assert "the column of change since the baseline is left out" in index or (
            "is the aim's baseline year, so the change since the baseline starts" in index
        )
    else:
        assert any(re.match(r"[+-]\d", row[change]) for row in rows)


# --------------------------------------------------------------------------------------
# What a counts-only network and Florida's files show
# --------------------------------------------------------------------------------------


def test_counts_only_live_cases_say_there_is_no_context_to_pair_by(counts):
    network = counts["pages"]["network.html"]
    assert "Live cases" in network
    # no size or shares to find schools alike by: no pairs, and the page says why
    assert "No live cases: the schools table holds no context" in network
    assert not re.search(r'<p class="netlab-sentence"[^>]*>[^<]*could host', network)
    assert not [n for n in counts["pages"] if n.startswith("livecases/")]
    # and data quality names the context the schools file lacks, size among it
    quality = " ".join(_reader_text(_section(network, "quality")).split())
    assert "The schools table has no" in quality and "enrollment feeds school size" in quality


def _section(page: str, name: str) -> str:
    start = page.index(f'data-section="{name}"')
    end = page.find('class="netlab-section"', start)
    return page[start : end if end > 0 else len(page)]


def test_counts_only_practices_say_what_could_not_be_compared(counts):
    practices = _section(counts["pages"]["network.html"], "practices")
    assert "When schools adopted in different years" in practices
    assert "negative weight" in practices and "<img" in practices
    assert (
        "Not compared: by context, as the schools file gives no share of low-income" in practices
    )
    assert "focal vs. other students" in practices and "median split" not in practices
    assert "context and between" not in practices  # no sentence claims a comparison not made


@pytest.mark.public
def test_florida_practices_say_why_they_are_not_there(florida):
    practices = _section(florida["pages"]["network.html"], "practices")
    assert "not available in this run (no practice inventory in the data)" in practices
    assert "A practices table (practices.csv" in practices and "<table" not in practices


@pytest.mark.public
def test_florida_network_renders_every_hillsborough_school(florida):
    schools = [n for n in florida["pages"] if n.startswith("schools/")]
    assert len(schools) == len(florida["units"]) >= 30
    network = florida["pages"]["network.html"]
    assert "not available from public files" in network or "not available" in network
    assert "grade-12 membership" in network
    # The whole state's accounting of the import travels into the report's data-quality notes.
    assert "The public-file import read 1,188 schools: 607 kept and 581 excluded" in network
    # names in capitals read in title case; sentences use the short label
    from netlab.names import display_name

    raw = [n for n in florida["units"]["unit_name"] if n.isupper()]
    index = florida["pages"]["index.html"]  # the hub's page names every school
    assert len(raw) >= 30 and not [n for n in raw if n in index]
    assert any(display_name(n) in index for n in raw)
    assert "varies most on <strong>FAFSA" in network
    # the latest final class is the aim's baseline, and one season cannot make a bright
    # spot: the index says so instead of a column of n/a and an empty one
    assert "The latest class with final figures, 2023, is the aim's baseline year" in index
    assert "Change since" not in index and "No school is a bright spot" in index


@pytest.mark.public
def test_florida_season_shades_the_weeks_that_were_not_measurements(florida):
    school = next(t for n, t in florida["pages"].items() if n.startswith("schools/"))
    # The 8, 15 and 22 March 2024 snapshots had "<5" for every school: weeks 22-24.
    assert (
        "In weeks 22, 23 and 24 (8 March 2024, 15 March 2024 and 22 March 2024) the counts "
        "were suppressed for nearly every school" in school
    )
    # where the season stands and how it moves: two statements, as the chart shows them
    assert "Where the season stands:" in school and "How it is moving:" in school
    assert "not drawn as zero" in school


# --------------------------------------------------------------------------------------
# A counts-only network chosen by county from a state-shaped file
# --------------------------------------------------------------------------------------

#: The state's counties and schools: the network is San Diego's 10 of 60 (the fewest whose
#: four rows with no school stay within the run's 10% of rows excluded).
COUNTIES = (
    ("San Diego", 10, "Chula Vista"),
    ("Fresno", 30, "Fresno"),
    ("Kern", 20, "Bakersfield"),
)
COUNTY_PARAMS = """run: county-state
network: "San Diego County high schools"
term: "FAFSA season 2024"
raw_dir: data/raw/county-state
select: {county: San Diego}
focal_measure: fafsa_complete
focal_group: all
aim: {measure: fafsa_complete, group: all, baseline_year: 2023, target: 0.7, by: 2025-06-30}
max_excluded_share: 0.1
min_cell: 10
name_peers: false
pdf: false
"""


def write_state_file(raw: Path, *, seed: int = 2031) -> None:
    """A state aid agency's wide counts file (one row per school and year, no codes, FAFSA
    and Dream Act in one combined column) for three counties, and two rows that name no
    school: one in San Diego, one with no county either."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = ["County,City,District,School,Year,Enrollment,"
            "FAFSA/CADAA Submitted,FAFSA/CADAA Completed"]  # fmt: skip
    for county, n, city in COUNTIES:
        for s in range(n):
            size, rate = int(rng.integers(120, 420)), rng.uniform(0.35, 0.75)
            for year in (2023, 2024):
                done = int(rng.binomial(size, min(rate + 0.03 * (year - 2023), 0.95)))
                sent = min(size, done + int(rng.integers(5, 40)))
                rows.append(f"{county},{city},{county} Unified,{county} High {s + 1},{year},"
                            f"{size},{sent},{done}")  # fmt: skip
    rows += ["San Diego,Chula Vista,San Diego Unified,,2024,200,90,80", ",,,,2024,150,70,60"]
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "county_aid_2024.csv").write_text("\n".join(rows) + "\n")


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    return _build(tmp_path_factory, "county-state", write_state_file, COUNTY_PARAMS, name="county")


def test_county_network_pages_read_well_and_pass_the_privacy_scan(county):
    assert county["result"].ok, county["result"].summary()
    schools = [n for n in county["pages"] if n.startswith("schools/")]
    assert len(schools) == len(county["units"]) == 10  # San Diego's schools, no others
    findings = {n: f for n, page in county["pages"].items() if (f := report.check_text(page))}
    assert findings == {}, list(findings.items())[:3]
    p, keys = county["params"], county["keys"]
    for name, text in county["pages"].items():
        forbidden = _forbidden(county, name)
        found = privacy.scan_html(text, min_cell=p.min_cell, student_keys=keys,
                                  forbidden_names=forbidden)  # fmt: skip
        assert found == [], (name, found[:3])
        book = county["out"] / Path(name).with_suffix(".xlsx")
        if book.exists():
            found = privacy.scan_xlsx(book, min_cell=p.min_cell, student_keys=keys,
                                      forbidden_names=forbidden)  # fmt: skip
            assert found == [], (book.name, found[:3])
    # no raw measure id on any page a reader meets (the provenance footer lists the run's
    # parameters as written): the description's labels are used
    for name, page in county["pages"].items():
        page = re.sub(r'<footer class="netlab-footer">.*?</footer>', " ", page, flags=re.S)
        assert not re.search(r"\bfafsa_(complete|submitted)\b", _reader_text(page)), name


def test_county_network_data_quality_counts_its_own_rows(county):
    mp = pytest.MonkeyPatch()
    mp.setenv("NETLAB_HOME", str(county["home"]))
    try:
        quality = pd.read_parquet(paths.processed_dir("county-state") / "quality.parquet")
    finally:
        mp.undo()
    q = quality.set_index("table")
    # hand counts: 10 schools x 2 years x 2 measures = 40 counts rows of the network, and
    # 2 file rows with no school (x 2 measures) that no school places: 44 counted, 4 out
    assert tuple(q.loc["schools", ["rows_in", "rows_kept", "rows_excluded"]]) == (10, 10, 0)
    assert tuple(q.loc["counts", ["rows_in", "rows_kept", "rows_excluded"]]) == (44, 40, 4)
    quality_section = _section(county["pages"]["network.html"], "quality")
    text = " ".join(_reader_text(quality_section).split())
    assert "Fewer than 10 rows of the counts table could not be placed in any school" in text
    # the state's other 50 schools: 50 schools rows and 50 x 2 x 2 counts rows
    assert "250 rows of the files belong to schools outside it" in text
    # each school's size is its seniors in the file: no word of a missing enrollment column
    assert "enrollment" not in text and "school size" not in text
    # live cases say what context they had (the file's enrollment is each school's size)
    network = county["pages"]["network.html"]
    assert (
        "Live cases" in network
        and "No live cases: the schools table holds no context" not in network
    )


# --------------------------------------------------------------------------------------
# In a real browser
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make browser)")
    with open_page() as opened:
        yield opened


def _number(text: str) -> float | None:
    m = re.fullmatch(r"([+\-−]?)(\d[\d,]*(?:\.\d+)?)(%| pp| points)?", text.strip())
    if not m:
        return None
    value = float(m.group(2).replace(",", "")) * (-1 if m.group(1) in ("-", "−") else 1)
    return value / 100 if m.group(3) == "%" else value


def _workbook_numbers(path: Path) -> list[float]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [
        float(v)
        for ws in wb.worksheets
        if ws.title not in ("About", "netlab-counts")
        for row in ws.iter_rows(values_only=True)
        for v in row
        if isinstance(v, int | float) and not isinstance(v, bool)
    ]


def _html_numbers(pg) -> list[float]:
    cells = pg.eval_on_selector_all(
        "main table.netlab-table",
        "ts => ts.flatMap(t => Array.from(t.tBodies[0].rows)"
        ".flatMap(r => Array.from(r.cells).map(c => c.textContent.trim())))",
    )
    return [n for n in map(_number, cells) if n is not None]


def _sorts_and_filters(pg) -> None:
    heads = pg.eval_on_selector_all(
        "table.netlab-glance-table thead th", "hs => hs.map(h => h.textContent.trim())"
    )
    # the change since the baseline where the index has it (else the rate: see
    # test_the_index_leaves_out_a_column_no_unit_has)
    col = next((i for i, h in enumerate(heads) if h.startswith("Change since")), 1)
    button = pg.locator("table.netlab-glance-table thead th button").nth(col)
    values = (
        "col => Array.from(document.querySelectorAll('table.netlab-glance-table tbody tr'))"
        ".filter(r => !r.hidden).map(r => r.cells[col].dataset.sort || '')"
    )
    for order in ("ascending", "descending"):
        button.click()
        got = pg.evaluate(values, col)
        numbers = [float(v) for v in got if v]
        assert numbers == sorted(numbers, reverse=order == "descending"), order
        assert all(got[: len(numbers)]), "missing values sort last"
    first = pg.eval_on_selector("table.netlab-glance-table tbody tr td", "c => c.textContent")
    pg.fill("#netlab-filter", first)
    shown = pg.eval_on_selector_all(
        "table.netlab-glance-table tbody tr", "rs => rs.filter(r => !r.hidden).length"
    )
    assert 1 <= shown < len(heads) * 100 and first in pg.inner_text("table.netlab-glance-table")
    pg.fill("#netlab-filter", "")
    flags = pg.eval_on_selector_all(
        "table.netlab-glance-table tbody tr", "rs => rs.map(r => r.dataset.bright)"
    )
    assert ("Bright spot" in heads) == ("yes" in flags) == bool(pg.query_selector_all(
        "#netlab-bright-only"))  # fmt: skip
    if "yes" not in flags:
        return
    pg.check("#netlab-bright-only")
    bright = pg.eval_on_selector_all(
        "table.netlab-glance-table tbody tr",
        "rs => rs.filter(r => !r.hidden).map(r => r.dataset.bright)",
    )
    assert set(bright) == {"yes"}
    pg.uncheck("#netlab-bright-only")


def test_reports_in_a_real_browser(built, page):
    pg, log = page
    out, unit = built["out"], "districts" if built["params"].unit == "district" else "schools"
    pg.set_viewport_size({"width": 1280, "height": 900})
    pg.goto((out / "index.html").as_uri())
    pg.wait_for_load_state("load")
    assert log["console"] == [] and log["failed"] == [], log
    _sorts_and_filters(pg)
    links = pg.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    school = next(link for link in links if link.startswith(f"{unit}/"))
    brief = next((link for link in links if link.startswith("livecases/")), None)
    for key in log:
        log[key].clear()

    pg.click("a[href='network.html']")
    _check_page(pg, log, NETWORK_HEADINGS)
    # The first screen (1280x900) answers the hub's four questions, the aim's status
    # sentence among them, each card whole above the fold.
    box = pg.locator(".netlab-aim-status").first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 900, box
    assert pg.locator(".netlab-aim-status").first.is_visible()
    cards = pg.locator(".netlab-glance .netlab-card")
    questions = [q.strip() for q in cards.locator("h3").all_inner_texts()]
    assert questions[0] == "On track?" and "Where does the network vary most?" in questions
    assert any(q.startswith("Which ") and q.endswith(" to learn from?") for q in questions)
    for i in range(cards.count()):
        card = cards.nth(i).bounding_box()
        assert card["y"] + card["height"] <= 900, (questions[i], card)
    assert _html_numbers(pg) == pytest.approx(_workbook_numbers(out / "network.xlsx"))
    # folded detail is closed on screen and opens
    fold = pg.locator("details.netlab-fold").first
    assert fold.evaluate("d => d.open") is False
    fold.locator("summary").click()
    assert fold.evaluate("d => d.open") is True

    pg.goto((out / school).as_uri())
    _check_page(pg, log, SCHOOL_HEADINGS)
    # printed, a school report runs about one page per 1,100 px of screen
    from pypdf import PdfReader

    tall = pg.evaluate("document.documentElement.scrollHeight")
    pdf = out / Path(school).with_suffix(".pdf")
    if pdf.exists():
        n_pages = len(PdfReader(pdf).pages)
        # about one page per 1,100 px of screen (folded tables print their first rows);
        # a page more where a chart and its sentence move to the next page together
        assert n_pages <= math.ceil(tall / 1100) + 1, (school, tall, n_pages)
    xlsx = out / Path(school).with_suffix(".xlsx")
    assert _html_numbers(pg) == pytest.approx(_workbook_numbers(xlsx))
    if brief is not None:
        pg.goto((out / brief).as_uri())
        _check_page(pg, log, ["The pairing", "Side by side", "Recent PDSA work"],
                    images_expected=False)  # fmt: skip
        xlsx = out / Path(brief).with_suffix(".xlsx")
        assert _html_numbers(pg) == pytest.approx(_workbook_numbers(xlsx))
