"""The network report's links to the briefs, and what is said where a brief is missing."""

from __future__ import annotations

from netlab import report

WHY = "not published: it failed to render"


def _page(*rels: str) -> str:
    rows = "\n".join(f"<tr><td>Host</td><td>{report.brief_link(rel)}</td></tr>" for rel in rels)
    return (
        '<html><body><p>See <a href="schools/a.html">a school</a>; data-brief is a word '
        f"here.</p>\n<table>{rows}</table><script>var s = '<a data-brief=\"x\">';</script>"
        "</body></html>"
    )


def test_a_link_to_a_brief_not_sent_out_says_why_and_comes_back_when_it_is():
    page = _page("livecases/h--v1.html", "livecases/h--v2.html")
    missing = {"livecases/h--v1.html": WHY}
    mended = report.relink_briefs(page, missing.get)
    assert 'href="livecases/h--v1.html"' not in mended
    assert f'<td><span data-brief="livecases/h--v1.html">{WHY}</span></td>' in mended
    assert report.brief_link("livecases/h--v2.html") in mended
    # the rest of the page as it was: another link, the text, a script's string
    assert mended.replace(f'<span data-brief="livecases/h--v1.html">{WHY}</span>', "") == (
        page.replace(report.brief_link("livecases/h--v1.html"), "")
    )
    # mended again: unchanged; once the brief is sent out: the page as first written
    assert report.relink_briefs(mended, missing.get) == mended
    assert report.relink_briefs(mended, lambda rel: None) == page


def test_the_links_and_the_words_are_escaped():
    rel = "livecases/a&b--c.html"
    page = _page(rel)
    assert 'href="livecases/a&amp;b--c.html"' in page
    seen = []
    mended = report.relink_briefs(page, lambda r: seen.append(r) or "held <back> & why")
    assert seen == [rel]  # the path as the page means it, its entity read
    assert '<span data-brief="livecases/a&amp;b--c.html">held &lt;back&gt; &amp; why</span>' in (
        mended
    )
