"""Two demo terms, as `netlab demo` builds them: since last term and the planted revision
on the pages a person reads."""

from __future__ import annotations

import html
import re

import pytest

from netlab import pipeline, synth

pytestmark = [pytest.mark.render]


def _text(path) -> str:
    page = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", html.unescape(page))


def test_two_terms_show_since_last_term_and_the_revision(in_demo):
    network = in_demo.params.network
    terms = pipeline.history(network, table="terms")
    assert terms["term"].tolist() == ["Spring 2026", "Fall 2026"]

    index = _text(in_demo.out / "index.html")
    assert "Since last term (Spring 2026)" in index and " points" in index
    network_page = _text(in_demo.out / "network.html")
    said = network_page.find("Since last term (Spring 2026):")
    assert 0 <= said < network_page.find("On track?")  # the first screen, before the glance
    assert "did better" in network_page
    school = next((in_demo.out / "schools").glob("*.html"))
    assert "Since last term (Spring 2026), " in _text(school)

    # the planted revision: the late college's fall enrollments of the spring term's class
    rev = pipeline.revisions(network)
    enrolled = rev[(rev["measure"] == "enrolled_any") & (rev["group"] == "all")]
    assert set(enrolled["year"]) == {synth.DEMO_EARLIER_CLASS}
    assert (enrolled["rate"] > enrolled["previous_rate"]).all()
    quality = network_page[network_page.rfind("Revised by the new data") :]
    assert "Enrolled in college in the fall" in quality
    row = re.search(
        r"Enrolled in college in the fall (\d{4}) \d+ ([\d.]+)% 2025-11-15 ([\d.]+)% 2026-11-15",
        quality,
    )
    assert row is not None and int(row.group(1)) == synth.DEMO_EARLIER_CLASS
    assert float(row.group(3)) > float(row.group(2))  # both values, with their dates
