"""A real browser opens a built demo: Debian's chromium driven by Playwright.

It starts at index.html, follows the links to the network, traction and a school report,
and checks each page: no console error, no request leaving the file, every image loaded,
the expected section headings, no code shown.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from netlab.publish._pdf import CHROMIUM_ARGS

CHROMIUM = Path("/usr/bin/chromium")
ARGS = CHROMIUM_ARGS  # the flags the PDF printer launches Debian's chromium with

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium is not installed (make browser)"
    ),
]

SCHOOL_HEADINGS = [
    "Progress toward the aim",
    "Results on every measure",
    "Place in the network",
    "Equity gaps",
    "FAFSA season",
    "Practices",
    "Data quality",
]
NETWORK_HEADINGS = [
    "At a glance",
    "Where the network varies most",
    "Progress toward the aim",
    "Constellation or a few stars",
    "Funnel",
    "Bright spots",
    "Practices that track with gains",
    "Live cases",
    "Data quality",
]
TRACTION_HEADINGS = ["Stages of traction", "Moving between stages", "Traction and outcomes"]


@contextlib.contextmanager
def open_page():
    """Debian's chromium with one page whose console errors and requests are logged."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        log: dict[str, list] = {"console": [], "requests": [], "failed": []}
        page.on(
            "console",
            lambda m: log["console"].append(f"{m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: log["console"].append(f"pageerror: {e}"))
        page.on("request", lambda r: log["requests"].append(r.url))
        page.on("requestfailed", lambda r: log["failed"].append(r.url))
        try:
            yield page, log
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser_page(demo):
    with open_page() as (page, log):
        yield demo, page, log


def _check_page(page, log, headings, *, images_expected=True):
    page.wait_for_load_state("load")
    assert log["console"] == [], log["console"]
    assert log["failed"] == [], log["failed"]
    outside = [u for u in log["requests"] if not u.startswith(("file://", "data:"))]
    assert outside == [], outside
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.complete, e.naturalWidth, e.alt])"
    )
    assert images or not images_expected, "no figure on the page"
    broken = [alt for complete, width, alt in images if not complete or width == 0]
    assert broken == [], broken
    found = page.eval_on_selector_all("main h2", "els => els.map(e => e.textContent.trim())")
    found = [h.rstrip("¶").strip() for h in found]
    for heading in headings:
        assert heading in found, (heading, found)
    toc = page.eval_on_selector_all(".netlab-toc a", "els => els.map(e => e.textContent)")
    assert toc[: len(found)] == found
    # no code: neither inputs nor prompts are shown
    assert page.locator(".jp-CodeCell .jp-InputArea").count() == 0
    assert page.locator(".cm-editor").count() == 0
    assert "from netlab" not in page.inner_text("body")
    assert page.locator("footer.netlab-footer").count() == 1
    for key in log:
        log[key].clear()


def test_index_network_traction_and_a_school_report(browser_page):
    demo, page, log = browser_page
    page.goto((demo.out / "index.html").as_uri())
    page.wait_for_load_state("load")
    assert log["console"] == [] and log["failed"] == []
    links = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert "network.html" in links and "traction.html" in links
    school = next(link for link in links if link.startswith("schools/"))
    log["requests"].clear()

    page.click("a[href='network.html']")
    _check_page(page, log, NETWORK_HEADINGS)
    assert "Network report" in page.inner_text("h1")

    page.go_back()
    page.click("a[href='traction.html']")
    _check_page(page, log, TRACTION_HEADINGS)

    page.go_back()
    page.click(f"a[href='{school}']")
    _check_page(page, log, SCHOOL_HEADINGS)
    assert page.inner_text("h1").startswith("School report: ")
    assert "Provenance" in page.inner_text("footer")


def test_the_index_fits_1280_px_and_names_only_units_outside_the_limits(browser_page):
    """With "Since last term" the hub's table fits a 1280 px window (no sideways scroll),
    and the funnel column names the units outside the limits, nothing for those within."""
    demo, page, log = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto((demo.out / "index.html").as_uri())
    page.wait_for_load_state("load")
    heads = page.eval_on_selector_all(
        "table.netlab-glance-table thead th", "els => els.map(e => e.textContent.trim())"
    )
    assert any(h.startswith("Since last term") for h in heads), heads
    sizes = page.evaluate(
        """() => { const t = document.querySelector('table.netlab-glance-table');
        const doc = document.documentElement;
        return {table: t.scrollWidth, box: t.parentElement.clientWidth,
                page: doc.scrollWidth, window: doc.clientWidth}; }"""
    )
    assert sizes["table"] <= sizes["box"] and sizes["page"] <= sizes["window"], sizes
    col = heads.index("Outside the funnel limits")
    places = page.eval_on_selector_all(
        f"table.netlab-glance-table tbody td:nth-child({col + 1})",
        "els => els.map(e => e.textContent.trim())",
    )
    assert set(places) <= {"", "above the limits", "below the limits", "—"}, set(places)
    assert "" in places and "within" not in places
    said = page.inner_text(".netlab-note >> nth=0") + page.inner_text("main")
    above = places.count("above the limits")
    assert (f"{above} above" in said) if above else "above the limits" not in said
