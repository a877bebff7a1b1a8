"""Cells are values: typed text never becomes a formula in a workbook or a CSV download."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from netlab import cells, privacy
from netlab.publish._workbook import Table, write_workbook

HOSTILE = [
    '=HYPERLINK("http://x.example/24","click24")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_put_writes_text_as_text(tmp_path, text):
    wb = Workbook()
    cells.put(wb.active, 1, 1, text)
    cells.put(wb.active, 1, 2, 42)
    path = tmp_path / "w.xlsx"
    wb.save(path)
    back = load_workbook(path).active
    assert back["A1"].data_type == "s"
    assert back["A1"].value.strip() == text.strip()
    assert back["B1"].value == 42 and back["B1"].data_type == "n"
    assert cells.formula_cells(path) == []


def test_openpyxl_alone_would_store_a_formula(tmp_path):
    """The check can fail: the plain openpyxl assignment makes a formula cell."""
    wb = Workbook()
    wb.active["A1"] = HOSTILE[0]
    path = tmp_path / "w.xlsx"
    wb.save(path)
    assert cells.formula_cells(path) == ["Sheet!A1"]
    assert any("formula" in p for p in privacy.scan_xlsx(path, min_cell=10))


def test_a_workbook_of_hostile_names_has_no_formula_cell(tmp_path):
    name = HOSTILE[0]
    table = Table(
        caption=name,
        header=["School", "=Rate", "Students"],
        rows=[[name, "45%", "120"], ["@evil", "-3.2", "1,234"], ["Ok", "=1+1", "*"]],
        values=[[False, True, False]] * 3,
        counts=[120, 40, None],
    )
    path = write_workbook(
        tmp_path / "r.xlsx",
        {"title": name, "network": "+net", "term": "-t", "min_cell": 10},
        [(name, [table])],
    )
    assert cells.formula_cells(path) == []
    wb = load_workbook(path)
    shown = [c.value for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.value]
    assert name in shown and "@evil" in shown and "=1+1" in shown
    numbers = [v for v in shown if isinstance(v, (int, float))]
    assert 0.45 in numbers and -3.2 in numbers and 1234 in numbers  # numbers stay numbers


def test_csv_cells_that_would_run_get_a_leading_quote():
    frame = pd.DataFrame(
        {"school": HOSTILE + ["Escuela", "-3.2"], "rate": [0.5] * 6 + [-0.25, 1.0]}
    )
    text = cells.to_csv(frame)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row, original in zip(rows, frame["school"], strict=True):
        if original in ("Escuela", "-3.2"):
            assert row["school"] == original
        else:
            assert row["school"] == "'" + original
            assert not row["school"].startswith(cells.FORMULA_START)
    assert [float(r["rate"]) for r in rows] == frame["rate"].tolist()


def test_the_explorer_download_is_escaped():
    import base64
    import re

    from netlab.widgets._output import download_link

    link = download_link(pd.DataFrame({"name": ["=cmd()"], "n": [3]}), "x.csv")
    data = base64.b64decode(re.search(r"base64,([^\"]+)", link).group(1)).decode()
    assert "'=cmd()" in data and "\n=cmd" not in data
