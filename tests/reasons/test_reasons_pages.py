"""Every figure not shown says why, and no class has a rate before its window closes.

Walked over every table of every report and workbook of the demo, the districts demo and
the Florida public run (skipped where the public files are absent): each hidden cell
carries one reason, its mark and its legend line; "<10" only where the true count (the
rates table) is under ``min_cell``; no rate for a class whose window is open at the run's
date; no fitted model reads an open class.
"""

from __future__ import annotations

import datetime as dt
import html as _html
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import tests.report.test_public_reports as public
from netlab import paths, pipeline, reasons
from tests.report.test_public_reports import demo, districts, florida  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.render]

RUNS = ["demo", "districts", pytest.param("florida", marks=pytest.mark.public)]
_OPEN = re.compile(r"^open until (\d{1,2} [A-Z][a-z]{2} \d{4})$")


@pytest.fixture(params=RUNS)
def run(request):
    if request.param == "florida" and not public.PUBLIC.is_dir():
        pytest.skip(f"the public files are not here ({public.PUBLIC})")
    found = request.getfixturevalue(request.param)
    mp = pytest.MonkeyPatch()
    mp.setenv("NETLAB_HOME", str(found["home"]))
    try:
        prepared = pipeline.load(found["params"].run)
    finally:
        mp.undo()
    return found | {"prepared": prepared}


class _Tables(HTMLParser):
    """The netlab tables of a page: caption, header texts, rows of (attrs, text) cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._t: dict | None = None
        self._cell: list[str] | None = None
        self._attrs: dict = {}
        self._row: list | None = None
        self._in = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "netlab-table" in (a.get("class") or ""):
            self._t = {"caption": "", "header": [], "rows": []}
        if self._t is None:
            return
        if tag in ("thead", "tbody", "caption"):
            self._in = tag
            if tag == "caption":
                self._cell = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell, self._attrs = [], a

    def handle_endtag(self, tag):
        if self._t is None:
            return
        if tag == "table":
            self.tables.append(self._t)
            self._t = None
        elif tag == "caption" and self._cell is not None:
            self._t["caption"] = " ".join("".join(self._cell).split())
            self._cell = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append((self._attrs, " ".join("".join(self._cell).split())))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._in == "thead":
                self._t["header"] = [text for _, text in self._row]
            else:
                self._t["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(page: str) -> list[dict]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _closes(prepared, measure: str, year: int) -> dt.date:
    m = prepared.measures.set_index("measure").loc[measure]
    return dt.date(year + int(m["window_years"]), int(m["window_month"]), int(m["window_day"]))


def _measure_of(prepared) -> dict[str, str]:
    m = prepared.measures
    out = dict(zip(m["short_label"], m["measure"], strict=True))
    return out | dict(zip(m["label"], m["measure"], strict=True))


def _unit_of(run: dict, page: str) -> str | None:
    folder = "districts" if run["params"].unit == "district" else "schools"
    if not page.startswith(f"{folder}/"):
        return None
    stem = Path(page).stem
    hits = [u for u in run["units"]["unit_id"].astype(str) if paths.slug(u) == stem]
    assert len(hits) == 1, page
    return hits[0]


def _true_n(prepared, unit: str | None, measure: str, year: int) -> int:
    r = prepared.rates
    rows = r[(r["measure"] == measure) & (r["group"] == "focal") & (r["year"] == year)]
    if unit is not None:
        rows = rows[rows["unit_id"].astype(str) == unit]
    return int(rows["denominator"].sum())


def test_the_run_has_a_date_on_every_page_and_workbook(run):
    as_of = run["prepared"].as_of
    assert isinstance(as_of, dt.date)
    said = f"data as of {reasons.said_date(as_of)}"
    for name, page in run["pages"].items():
        assert said in _html.unescape(page), name
    from openpyxl import load_workbook

    books = sorted(run["out"].rglob("*.xlsx"))
    assert books
    for book in books:
        about = [c.value for c in load_workbook(book)["About"]["A"] if c.value]
        assert f"Data as of {reasons.said_date(as_of)}" in about, book.name


def test_every_hidden_cell_says_why_with_its_mark_and_legend(run):
    min_cell = run["params"].min_cell
    seen: set[str] = set()
    for name, page in run["pages"].items():
        text = _html.unescape(page)
        for t in _tables(page):
            for row in t["rows"]:
                for attrs, shown in row:
                    cls = attrs.get("class") or ""
                    if "netlab-suppressed" not in cls and "netlab-banded" not in cls:
                        if "netlab-value" in cls:
                            assert not re.match(r"^<\s?\d+$", shown), (name, shown)
                        continue
                    why = reasons.Reason(attrs.get("data-why"))
                    seen.add(why.value)
                    if why is reasons.Reason.OPEN:
                        assert _OPEN.match(shown), (name, shown)
                    elif why is not reasons.Reason.BANDED:
                        assert shown == reasons.mark(why, min_cell=min_cell), (name, shown)
                    else:
                        assert shown in ("≤5%", "≥95%"), (name, shown)
                    line = reasons.legend(
                        why, min_cell=min_cell, band_below=run["params"].band_limit
                    )
                    if name != "index.html" or why is not reasons.Reason.OPEN:
                        assert line in text, (name, why)
    if run["params"].run == "demo":  # the demo has small, complementary and open cells
        assert {"small", "complementary", "open"} <= seen, seen


def test_results_tables_give_no_rate_before_a_window_closes(run):
    prepared, min_cell = run["prepared"], run["params"].min_cell
    measure_of = _measure_of(prepared)
    walked = opened = small = 0
    for name, page in run["pages"].items():
        unit = _unit_of(run, name)
        if unit is None and not name.startswith("network"):
            continue
        for t in _tables(page):
            if "rate by year" not in t["caption"]:
                continue
            years = {j: int(h) for j, h in enumerate(t["header"]) if h.isdigit()}
            for row in t["rows"]:
                measure = measure_of[row[0][1]]
                for j, year in years.items():
                    attrs, shown = row[j]
                    walked += 1
                    final = _closes(prepared, measure, year) <= prepared.as_of
                    if not final:
                        opened += 1
                        assert (
                            attrs.get("data-why") == "open"
                            or attrs.get("data-status") == "provisional"
                        ), (name, measure, year, shown)
                        said = reasons.said_date(_closes(prepared, measure, year))
                        assert shown in (f"open until {said}",) or "so far" in shown
                    if shown == f"<{min_cell}":
                        small += 1
                        assert _true_n(prepared, unit, measure, year) < min_cell, (
                            name, measure, year)  # fmt: skip
                    if attrs.get("data-why") == "complementary":
                        assert _true_n(prepared, unit, measure, year) >= min_cell
    assert walked
    if run["params"].run == "demo":
        assert opened, "the demo's class of 2026 has open windows: the walk saw none"


def test_workbooks_give_no_rate_before_a_window_closes(run):
    from openpyxl import load_workbook

    prepared = run["prepared"]
    measure_of = _measure_of(prepared)
    checked = 0
    for book in sorted(run["out"].rglob("*.xlsx")):
        wb = load_workbook(book)
        for ws in wb.worksheets:
            rows = [[c.value for c in r] for r in ws.iter_rows()]
            for i, r in enumerate(rows):
                if not (r and isinstance(r[0], str) and "rate by year" in r[0]):
                    continue
                header = rows[i + 1]
                years = {j: int(h) for j, h in enumerate(header) if str(h or "").isdigit()}
                for data in rows[i + 2 :]:
                    if not data or data[0] is None:
                        break
                    measure = measure_of[data[0]]
                    for j, year in years.items():
                        checked += 1
                        if _closes(prepared, measure, year) > prepared.as_of:
                            assert str(data[j]).startswith("open until"), (book.name, data)
    assert checked


def test_no_model_reads_a_class_whose_window_is_open(run):
    prepared = run["prepared"]
    known = set(prepared.measures["measure"])
    final = prepared.rates["status"].eq("final").all()
    assert final
    for name, frame in prepared.models.items():
        if not {"measure", "year"} <= set(frame.columns) or frame.empty:
            continue
        pairs = frame[["measure", "year"]].dropna().drop_duplicates()
        for measure, year in pairs.itertuples(index=False):
            if measure in known:
                assert _closes(prepared, measure, int(year)) <= prepared.as_of, (
                    name,
                    measure,
                    year,
                )
    pending = prepared.pending
    if len(pending):
        assert (pending["status"] != "final").all()
        assert pending.loc[pending["status"] == "open", "rate"].isna().all()
    assert isinstance(prepared.rates, pd.DataFrame)


def test_tables_of_measures_by_year_show_final_classes_only(run):
    prepared = run["prepared"]
    measure_of = _measure_of(prepared)
    checked = 0
    for name, page in run["pages"].items():
        for t in _tables(page):
            head = t["header"]
            if "Measure" not in head or "Year" not in head:
                continue
            m, y = head.index("Measure"), head.index("Year")
            for row in t["rows"]:
                measure, year = measure_of.get(row[m][1]), row[y][1]
                if measure is None or not year.isdigit():
                    continue
                checked += 1
                assert _closes(prepared, measure, int(year)) <= prepared.as_of, (name, row)
    if run["params"].run == "demo":
        assert checked
