"""One vocabulary for a figure not shown: reasons set where the rule runs, marks where drawn."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from netlab import privacy, reasons
from netlab.publish._workbook import html_tables, write_workbook
from netlab.reasons import Reason
from netlab.report import Col, table


def test_marks_and_legends_are_one_per_reason():
    marks = {w: reasons.mark(w, min_cell=10, until=dt.date(2027, 8, 14), rate=1.0) for w in Reason}
    assert marks[Reason.SMALL] == "<10"
    assert marks[Reason.OPEN] == "open until 14 Aug 2027"
    assert marks[Reason.BANDED] == "≥95%"
    assert len(set(marks.values())) == len(Reason)
    lines = {reasons.legend(w, min_cell=10) for w in Reason}
    assert len(lines) == len(Reason)
    assert all(reasons.is_mark(m) for w, m in marks.items() if w is not Reason.BANDED)
    assert not reasons.is_mark("45%") and not reasons.is_mark("≥95%")


@pytest.mark.parametrize(
    ("rate", "n", "shown"),
    [(1.0, 12, "≥95%"), (0.0, 19, "≤5%"), (1.0, 20, None), (0.5, 12, None), (0.0, 25, None)],
)
def test_band_below_twice_min_cell(rate, n, shown):
    assert reasons.band(rate, n, below=20) == shown


def test_privacy_rules_set_their_reason():
    f = pd.DataFrame({"group": ["focal", "rest", "all"], "denominator": [6, 317, 323]})

    def why(frame):
        return [w if isinstance(w, str) else None for w in frame[privacy.WHY]]

    f = privacy.flag_small(f)
    assert why(f) == ["small", None, None]
    f = privacy.complementary(f, by=[], total=("group", "all"))
    assert why(f) == ["small", "complementary", None]


def _page() -> str:
    frame = pd.DataFrame(
        {
            "label": ["focal", "rest", "tiny", "open", "all yes"],
            "n": [6, 317, np.nan, 50, 12],
            "rate": [0.5, 0.4, np.nan, np.nan, 1.0],
            "suppressed": [True, True, False, False, False],
            "why": ["small", "complementary", None, None, None],
            "cell_why": [None, None, None, "open", None],
            "until": [None, None, None, dt.date(2027, 8, 14), None],
        }
    )
    cols = [
        Col("label", "Group"),
        Col("n", "Students", "n", n="n"),
        Col("rate", "Rate", "rate", n="n", why="cell_why", until="until"),
    ]
    return table(frame, cols, min_cell=10)


def test_each_hidden_cell_shows_its_own_reason():
    rows = html_tables(_page())[0].rows
    # a complementary cell on 317 students is never said to be "<10"
    assert rows[0] == ["focal", "<10", "<10"]
    assert rows[1] == ["rest", "†", "†"]
    assert rows[2] == ["tiny", "—", "—"]
    assert rows[3] == ["open", "50", "open until 14 Aug 2027"]
    assert rows[4] == ["all yes", "12", "≥95%"]


def test_scans_check_banded_extremes(tmp_path):
    page = _page()
    assert privacy.scan_html(page, min_cell=10) == []
    unbanded = page.replace("≥95%", "100%")
    assert any("band it" in p for p in privacy.scan_html(unbanded, min_cell=10))
    assert privacy.scan_html(unbanded, min_cell=10, band_below=12) == []
    good = write_workbook(tmp_path / "good.xlsx", {"min_cell": 10}, [("S", html_tables(page))])
    assert privacy.scan_xlsx(good, min_cell=10) == []
    bad = write_workbook(tmp_path / "bad.xlsx", {"min_cell": 10}, [("S", html_tables(unbanded))])
    assert any("band it" in p for p in privacy.scan_xlsx(bad, min_cell=10))


def test_workbook_about_sheet_has_the_date_and_every_legend_line(tmp_path):
    from openpyxl import load_workbook

    legend = [[w.value, reasons.legend(w, min_cell=10)] for w in Reason]
    meta = {"min_cell": 10, "as_of": "15 Nov 2026", "legend": legend}
    path = write_workbook(tmp_path / "r.xlsx", meta, [("S", html_tables(_page()))])
    about = [c.value for c in load_workbook(path)["About"]["A"] if c.value]
    assert "Data as of 15 Nov 2026" in about
    for _, line in legend:
        assert f"  {line}" in about


def test_a_gap_beside_a_banded_rate_is_hidden_too():
    # focal 15% of 346, others 0 of 13: the gap (+15.0) would give the 0% away
    frame = pd.DataFrame(
        {"fn": [346, 346], "fr": [0.15, 0.15], "on": [13, 40], "orate": [0.0, 0.0],
         "gap": [15.0, 15.0]}
    )  # fmt: skip
    cols = [
        Col("fr", "Focal", "rate", n="fn"),
        Col("orate", "Others", "rate", n="on"),
        Col("gap", "Gap", "num1", n="on"),
    ]
    rows = html_tables(table(frame, cols, min_cell=10))[0].rows
    assert rows[0] == ["15%", "≤5%", "†"]
    assert rows[1] == ["15%", "0%", "+15.0"]  # 40 students: not banded
