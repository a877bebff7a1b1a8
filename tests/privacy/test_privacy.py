"""Privacy: small cells, complementary suppression, unnamed peers, and a scan of a built run."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from netlab import paths, privacy

# --------------------------------------------------------------------------------------
# The rules, on hand-made frames
# --------------------------------------------------------------------------------------


def test_flag_small_marks_rows_under_min_cell_and_missing_counts():
    f = pd.DataFrame({"denominator": [9, 10, 11, np.nan, 0]})
    out = privacy.flag_small(f, min_cell=10)
    assert out["suppressed"].tolist() == [True, False, False, True, True]
    assert "suppressed" not in f.columns  # the argument is not mutated


def test_flag_small_keeps_an_existing_flag():
    f = pd.DataFrame({"denominator": [50, 50], "suppressed": [True, False]})
    assert privacy.flag_small(f)["suppressed"].tolist() == [True, False]


def test_complementary_hides_a_second_part_when_one_could_be_recovered():
    # focal + rest = all, all shown: a hidden rest would be all - focal.
    f = pd.DataFrame(
        {"group": ["focal", "rest", "all"], "numerator": [40, 3, 43], "denominator": [60, 7, 67]}
    )
    out = privacy.complementary(privacy.flag_small(f), by=[], total=("group", "all"))
    assert out["suppressed"].tolist() == [True, True, False]


def test_complementary_picks_the_smallest_other_part_and_leaves_safe_blocks_alone():
    f = pd.DataFrame(
        {
            "year": [2024] * 4 + [2025] * 3,
            "unit_id": ["a", "b", "c", "d", "a", "b", "c"],
            "denominator": [5, 40, 12, 300, 50, 60, 70],
        }
    )
    out = privacy.complementary(privacy.flag_small(f), by=["year"])
    assert out["suppressed"].tolist() == [True, False, True, False, False, False, False]


def test_complementary_with_two_hidden_cells_adds_nothing():
    f = pd.DataFrame({"unit_id": list("abc"), "denominator": [3, 4, 500]})
    out = privacy.complementary(privacy.flag_small(f), by=[])
    assert out["suppressed"].tolist() == [True, True, False]


def test_suppress_blanks_the_values_of_hidden_rows():
    f = pd.DataFrame({"numerator": [2, 30], "denominator": [8, 100]})
    f["rate"] = f["numerator"] / f["denominator"]
    out = privacy.suppress(f, min_cell=10)
    assert out["rate"].isna().tolist() == [True, False]
    assert out["numerator"].isna().tolist() == [True, False]
    assert len(privacy.visible(out)) == 1


def test_letters_count_like_spreadsheet_columns():
    assert [privacy.letters(i) for i in (0, 1, 25, 26, 27, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_peer_labels_name_only_the_focal_unit():
    ids = [f"S{i:02d}" for i in range(30)]
    names = {u: f"Name {u}" for u in ids}
    labels = privacy.peer_labels(ids, names=names, focal="S03", seed=1)
    assert labels["S03"] == "Name S03"
    others = [v for k, v in labels.items() if k != "S03"]
    assert all(re.fullmatch(r"School [A-Z]{1,2}", v) for v in others)
    assert len(set(labels.values())) == 30
    # the same run labels a peer the same way in every school's report
    again = privacy.peer_labels(ids, names=names, focal="S07", seed=1)
    assert again["S11"] == labels["S11"]
    # letters do not follow the id order
    assert [labels[u] for u in ids[:5] if u != "S03"] != sorted(labels[u] for u in ids[:4])


def test_peer_labels_name_everyone_when_allowed():
    labels = privacy.peer_labels(["a", "b"], names={"a": "Alpha", "b": "Beta"}, name_peers=True)
    assert labels == {"a": "Alpha", "b": "Beta"}


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ('<figure class="netlab-figure" data-n-min="7"></figure>', "rests on 7"),
        (
            '<table class="netlab-table"><tbody><tr data-suppressed="true">'
            '<td class="netlab-value">41%</td></tr></tbody></table>',
            "without a student count",
        ),
        ("<p>student abcdef1234</p>", "student key"),
        ("<p>Visit Lincoln High School today</p>", "Lincoln High School"),
    ],
)
def test_scan_finds_each_kind_of_leak(html, problem):
    found = privacy.scan_html(
        html, min_cell=10, student_keys=["abcdef1234"], forbidden_names=["Lincoln High School"]
    )
    assert any(problem in p for p in found), found


def test_scan_accepts_a_clean_page():
    html = (
        '<table class="netlab-table"><tbody><tr data-n="12"><td class="netlab-value">41%</td>'
        '</tr><tr data-suppressed="true"><td class="netlab-value netlab-suppressed">*</td></tr>'
        '</tbody></table><figure data-n-min="30"></figure>'
    )
    assert privacy.scan_html(html, min_cell=10, forbidden_names=["Lincoln"]) == []


def test_scan_looks_for_a_peer_outside_the_reports_own_name():
    own, peer = ["North Central High"], ["Central High"]
    page = "<h1>North Central High</h1><p>North Central High's seniors</p>"
    assert privacy.scan_html(page, min_cell=10, forbidden_names=peer, own_names=own) == []
    named = page + "<p>Like Central High, it</p>"
    found = privacy.scan_html(named, min_cell=10, forbidden_names=peer, own_names=own)
    assert found == ["another unit's name appears: 'Central High'"]
    # and the other way: the report's own name inside a peer's hides nothing
    other = "<h1>Central High</h1><p>North Central High does it</p>"
    found = privacy.scan_html(other, min_cell=10, forbidden_names=own, own_names=peer)
    assert found == ["another unit's name appears: 'North Central High'"]


# --------------------------------------------------------------------------------------
# Every HTML file of a built run
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(demo):
    mp = pytest.MonkeyPatch()
    mp.setenv("NETLAB_HOME", str(demo.home))
    try:
        students = pd.read_parquet(paths.processed_dir("demo") / "students.parquet")
        units = pd.read_parquet(paths.processed_dir("demo") / "units.parquet")
    finally:
        mp.undo()
    pages = {p.relative_to(demo.out).as_posix(): p.read_text() for p in demo.out.rglob("*.html")}
    return demo, students, units, pages


def test_no_page_shows_a_small_cell_or_a_student_key(built):
    demo, students, _, pages = built
    keys = students["student_key"].astype(str).tolist()
    # the index, and every report the build wrote (network, traction, schools, briefs)
    assert len(pages) == len(demo.result.reports) + 1
    assert sum(name.startswith("livecases/") for name in pages) >= 1
    for name, text in pages.items():
        problems = privacy.scan_html(text, min_cell=demo.params.min_cell, student_keys=keys)
        assert problems == [], (name, problems[:3])


def test_school_reports_name_no_other_school(built):
    _, _, units, pages = built
    names = dict(zip(units["unit_id"], units["unit_name"], strict=True))
    # the demo's network has not agreed to name its members: the network report names none,
    # the hub's own index names every school
    assert not [n for n in names.values() if n in pages["network.html"]]
    assert sum(n in pages["index.html"] for n in names.values()) >= 10
    for uid, own in names.items():
        text = pages[f"schools/{uid}.html"]
        assert own in text
        others = [n for u, n in names.items() if u != uid and n != own]
        assert privacy.scan_html(text, min_cell=10, forbidden_names=others) == [], uid
        assert not [u for u in names if u != uid and u in text], uid  # nor another's id


def test_the_scan_has_something_to_check(built):
    """Tables carry their student counts and the demo does hide some small groups."""
    _, _, _, pages = built
    school_pages = [t for n, t in pages.items() if n.startswith("schools/")]
    assert all(t.count('data-n="') >= 10 for t in school_pages)
    assert sum(t.count("netlab-suppressed") for t in pages.values()) > 0
    assert sum("data-n-min" in t for t in school_pages) == len(school_pages)


def test_no_student_level_rows(built):
    _, _, _, pages = built
    for name, text in pages.items():
        assert "student_key" not in text and "student_id" not in text, name
        assert len(re.findall(r"<tr\b", text)) < 400, name  # summaries, never a row per student
