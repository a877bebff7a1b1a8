"""The two other networks a hub meets: a network of districts and a real network built from
public files. Each is built end to end and passes the same privacy scan and real-browser
checks as the demo."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_browser import CHROMIUM, NETWORK_HEADINGS, SCHOOL_HEADINGS, _check_page, open_page
from test_build import REPO, make_home

from netlab import build, paths, privacy, sources, synth
from netlab.params import load_params

PUBLIC = REPO.parent / "shared" / "data" / "public" / "florida-fafsa-2024"

pytestmark = [pytest.mark.slow]


def _build(home: Path, run: str, make_raw) -> dict:
    shutil.copy(REPO / "params" / f"{run}.yaml", home / "params" / f"{run}.yaml")
    mp = pytest.MonkeyPatch()
    mp.setenv("NETLAB_HOME", str(home))
    try:
        params = load_params(run)
        make_raw(paths.resolve(params.raw_dir))
        result = build.build(params, jobs=2, progress=False)
        units = pd.read_parquet(paths.processed_dir(run) / "units.parquet")
        tables = pipeline_tables(run)
    finally:
        mp.undo()
    out = home / "reports" / run
    pages = {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*.html")}
    return {"params": params, "result": result, "units": units, "out": out, "pages": pages,
            "keys": tables}  # fmt: skip


def pipeline_tables(run: str) -> list[str]:
    students = paths.processed_dir(run) / "students.parquet"
    return (
        pd.read_parquet(students)["student_key"].astype(str).tolist() if students.exists() else []
    )


@pytest.fixture(scope="module")
def florida(tmp_path_factory):
    if not PUBLIC.is_dir():
        pytest.skip(f"the public files are not here ({PUBLIC}); they come with ../shared")
    home = make_home(tmp_path_factory.mktemp("florida-home"))
    return _build(home, "florida-2024", lambda raw: sources.import_public("florida", PUBLIC, raw))


@pytest.fixture(scope="module")
def districts(tmp_path_factory):
    home = make_home(tmp_path_factory.mktemp("districts-home"))
    return _build(
        home, "districts-demo", lambda raw: synth.write(synth.generate_districts(seed=2027), raw)
    )


def _scan(run: dict, folder: str) -> None:
    assert run["result"].ok, run["result"].summary()
    names = dict(zip(run["units"]["unit_id"], run["units"]["unit_name"], strict=True))
    for name, text in run["pages"].items():
        others: list[str] = []
        if name.startswith(f"{folder}/"):
            own = next(n for u, n in names.items() if name == f"{folder}/{build._slug(u)}.html")
            others = [n for n in names.values() if n != own]
        problems = privacy.scan_html(
            text, min_cell=run["params"].min_cell, student_keys=run["keys"],
            forbidden_names=others,
        )  # fmt: skip
        assert problems == [], (name, problems[:3])


@pytest.mark.public
def test_florida_network_renders_every_hillsborough_school(florida):
    schools = [n for n in florida["pages"] if n.startswith("schools/")]
    assert len(schools) == len(florida["units"]) >= 30
    network = florida["pages"]["network.html"]
    assert "not available from public files" in network or "not available" in network
    assert "grade-12 membership" in network
    # The whole state's accounting of the import travels into the report's data-quality notes.
    assert "The public-file import read 1,188 schools: 607 kept and 581 excluded" in network


@pytest.mark.public
def test_florida_reports_pass_the_privacy_scan(florida):
    _scan(florida, "schools")


def test_district_reports_pass_the_privacy_scan(districts):
    assert any(n.startswith("districts/") for n in districts["pages"])
    _scan(districts, "districts")


@pytest.fixture(scope="module")
def page():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make browser)")
    with open_page() as opened:
        yield opened


def _browse(run: dict, page, folder: str) -> None:
    pg, log = page
    pg.goto((run["out"] / "index.html").as_uri())
    pg.wait_for_load_state("load")
    links = pg.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    unit = next(link for link in links if link.startswith(f"{folder}/"))
    for key in log:
        log[key].clear()
    pg.click("a[href='network.html']")
    _check_page(pg, log, NETWORK_HEADINGS)
    pg.go_back()
    pg.click(f"a[href='{unit}']")
    _check_page(pg, log, SCHOOL_HEADINGS)


@pytest.mark.browser
@pytest.mark.public
def test_florida_reports_in_a_real_browser(florida, page):
    _browse(florida, page, "schools")
    assert page[0].inner_text("h1").startswith("School report: ")


@pytest.mark.browser
def test_district_reports_in_a_real_browser(districts, page):
    _browse(districts, page, "districts")
    assert page[0].inner_text("h1").startswith("District report: ")


@pytest.mark.public
def test_florida_season_shades_the_weeks_that_were_not_measurements(florida):
    school = next(t for n, t in florida["pages"].items() if n.startswith("schools/"))
    # The 8, 15 and 22 March 2024 snapshots had "<5" for every school: weeks 22-24.
    assert "In week(s) 22, 23, 24 the counts were suppressed for nearly every school" in school
    assert "This season is unlike the last" in school
