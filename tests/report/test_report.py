"""Report sections: numbers from the rates table, privacy applied, plain notes when absent."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from netlab import report
from netlab.batch import _build
from netlab.exceptions import InputError
from netlab.params import from_dict
from netlab.report._aim import _aim_status
from netlab.report._html import _measure_label
from netlab.testing import make_prepared


def _prepared(rates: pd.DataFrame, *, models=None, min_cell=10, name_peers=False, **params):
    return make_prepared(
        rates,
        models=models,
        min_cell=min_cell,
        name_peers=name_peers,
        measures=pd.DataFrame({"measure": ["m"], "label": ["Enrolled"], "direction": ["higher"]}),
        **params,
    )


def _rates(rows):
    f = pd.DataFrame(
        rows, columns=["unit_id", "year", "group", "measure", "numerator", "denominator"]
    )
    f["rate"] = f["numerator"] / f["denominator"]
    return f


@pytest.fixture
def small_rates():
    rows = []
    for uid, sizes in {"A": (40, 50, 60), "B": (8, 9, 30), "C": (100, 100, 100)}.items():
        for year, n in zip((2021, 2022, 2023), sizes, strict=True):
            rows.append((uid, year, "focal", "m", n // 4, n))
            rows.append((uid, year, "all", "m", n // 3, n + 20))
    return _rates(rows)


def test_yearly_sums_the_rates_and_hides_small_years(small_rates):
    r = report.from_prepared(_prepared(small_rates), "B")
    out = report.yearly(r, measure="m", group="focal", unit_id="B")
    assert out["denominator"].tolist() == [8, 9, 30]
    assert out["suppressed"].tolist() == [True, True, False]
    assert out["rate"].isna().tolist() == [True, True, False]
    net = report.yearly(r, measure="m", group="focal", unit_id=None)
    assert net["denominator"].tolist() == [148, 159, 190]
    assert net["numerator"].tolist() == [10 + 2 + 25, 12 + 2 + 25, 15 + 7 + 25]


def test_table_marks_small_cells_and_carries_the_fewest_students():
    f = pd.DataFrame({"year": [1, 2], "n": [40, 6], "rate": [0.5, 0.33]})
    html = report.table(
        f,
        [
            report.Col("year", "Year"),
            report.Col("n", "N", "n", n="n"),
            report.Col("rate", "R", "rate", n="n"),
        ],
        min_cell=10,
    )
    rows = re.findall(r"<tr([^>]*)>(.*?)</tr>", html.split("<tbody>")[1])
    assert 'data-n="40"' in rows[0][0] and "50%" in rows[0][1]
    assert 'data-suppressed="true"' in rows[1][0]
    # both cells of the small row say "<10", the reason they are hidden, as a value
    assert "33%" not in html and html.count('data-why="small">&lt;10<') == 2


@pytest.mark.parametrize(
    ("latest", "year", "direction", "status"),
    [
        (0.31, 2024, "higher", "on track"),  # expected 0.20 + 0.20 * 3/6 = 0.30
        (0.29, 2024, "higher", "not yet on track"),
        (0.41, 2027, "higher", "met"),
        (0.39, 2027, "higher", "not met"),
    ],
)
def test_aim_status_follows_the_straight_path_to_the_target(latest, year, direction, status):
    got, expected = _aim_status(0.20, latest, year, 2021, 0.40, 2027, direction)
    assert got == status
    if year < 2027:
        assert expected == pytest.approx(0.30)


def test_aim_sentence_counts_students_against_the_baseline(small_rates):
    prep = _prepared(
        small_rates, aim={"measure": "m", "group": "focal", "baseline_year": 2021, "target": 0.5}
    )
    html = report.aim_progress(report.from_prepared(prep, "C")).html()
    # C: 25 of 100 in 2021 and 25 of 100 in 2023 -> 0 more; target gap 0.5*100-25 = 25
    assert "That is as many" in html and "students as in 2021" in html and "about 25 more" in html
    assert "not yet on track" in html
    assert re.search(r'data-n-min="100"', html)


def test_aim_for_a_small_school_shows_no_small_year(small_rates):
    prep = _prepared(
        small_rates, aim={"measure": "m", "group": "focal", "baseline_year": 2021, "target": 0.5}
    )
    html = report.aim_progress(report.from_prepared(prep, "B")).html()
    assert "baseline year 2021 has no figure that can be shown" in html
    assert "netlab-suppressed" in html
    for m in re.findall(r'data-n(?:-min)?="(\d+)"', html):
        assert int(m) >= 10


def test_sections_without_their_model_say_so(small_rates):
    r = report.from_prepared(_prepared(small_rates), "A")
    net = report.from_prepared(_prepared(small_rates))
    for section in (
        report.funnel_position(r),
        report.equity_gaps(r),
        report.practices(r),
        report.fafsa_season(r),
        report.constellation(net),
        report.caterpillar(net),
        report.bright_spots(net),
        report.where_varies(net),
        report.practices_network(net),
        report.live_cases(net),
        report.traction_stages(net),
        report.traction_outcomes(net),
        report.traction_survey(net),
    ):
        html = section.html()
        assert "not available in this run" in html, section.name
        assert "<img" not in html, section.name


def test_open_report_names_the_unknown_unit(small_rates):
    with pytest.raises(InputError, match="'Z' is not in run"):
        report.from_prepared(_prepared(small_rates), "Z")


def test_a_unit_without_figures_is_an_error(small_rates):
    prep = _prepared(small_rates)
    prep.rates = small_rates.loc[small_rates["unit_id"] != "A"]
    with pytest.raises(InputError, match="no figures"):
        report.from_prepared(prep, "A")


def test_header_carries_the_provenance(small_rates):
    meta = report.header(report.from_prepared(_prepared(small_rates, term="Fall 2026"), "A"))
    bundle = meta._repr_mimebundle_()
    facts = bundle[report.META_MIME]
    assert facts["title"] == "School report: Name of A"
    assert facts["term"] == "Fall 2026" and facts["input_hash"] == "abc123"
    assert facts["params"]["min_cell"] == 10 and facts["netlab_version"]


# --------------------------------------------------------------------------------------
# On the demo run
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_prepared(demo):
    mp = pytest.MonkeyPatch()
    mp.setenv("NETLAB_HOME", str(demo.home))
    try:
        import netlab

        return netlab.load("demo")
    finally:
        mp.undo()


def test_school_funnel_names_no_peer(demo_prepared):
    units = demo_prepared.units
    uid = units["unit_id"].iloc[0]
    r = report.from_prepared(demo_prepared, uid)
    html = report.funnel_position(r).html() + report.equity_gaps(r).html()
    for other in units.loc[units["unit_id"] != uid, "unit_name"]:
        assert other not in html
    assert r.unit_name in html and "<img" in html


def test_school_aim_table_matches_the_rates(demo_prepared):
    rates = demo_prepared.rates
    uid = demo_prepared.units["unit_id"].iloc[3]
    r = report.from_prepared(demo_prepared, uid)
    html = report.aim_progress(r).html()
    aim = demo_prepared.params.aim
    truth = rates.loc[
        (rates["unit_id"] == uid)
        & (rates["measure"] == aim.measure)
        & (rates["group"] == aim.group)
    ].set_index("year")
    for year, n in re.findall(r"<tr[^>]*><td[^>]*>(\d{4})</td><td[^>]*>([\d,]+)</td>", html):
        assert int(n.replace(",", "")) == int(truth.loc[int(year), "denominator"])
    latest = truth.index.max()
    assert f"{100 * truth.loc[latest, 'rate']:.0f}%" in html


def test_every_network_section_renders(demo_prepared):
    r = report.from_prepared(demo_prepared)
    for name in (
        "where_varies",
        "aim_progress",
        "team_indicators",
        "constellation",
        "funnel",
        "caterpillar",
        "bright_spots",
        "equity_gaps",
        "practices_network",
        "live_cases",
        "data_quality",
    ):
        html = getattr(report, name)(r).html()
        assert "Traceback" not in html and len(html) > 100, name
    spread = demo_prepared.models["variation__spread"]
    top = _measure_label(r, spread.iloc[0]["measure"]).lower()
    assert top in report.where_varies(r).html()
    assert np.isfinite(spread["tau"]).all()


def test_footer_parameters_name_no_other_unit(small_rates):
    prep = _prepared(small_rates, team_measures={"A": "m", "B": "m"}, schools=["A", "B", "C"])
    facts = report.header(report.from_prepared(prep, "A"))._repr_mimebundle_()[report.META_MIME]
    assert facts["params"]["team_measures"] == {"A": "m"}
    assert facts["params"]["schools"] == "3 selected"
    # the network report names no unit unless the network agreed to (name_peers)
    network = report.header(report.from_prepared(prep))._repr_mimebundle_()[report.META_MIME]
    assert (
        network["params"]["team_measures"] == {} and network["params"]["schools"] == "3 selected"
    )
    agreed = _prepared(small_rates, team_measures={"A": "m", "B": "m"}, name_peers=True)
    network = report.header(report.from_prepared(agreed))._repr_mimebundle_()[report.META_MIME]
    assert network["params"]["team_measures"] == {"A": "m", "B": "m"}


def test_each_report_names_units_as_the_network_chose(small_rates):
    prep = _prepared(small_rates)
    ids = sorted(prep.units["unit_id"].astype(str))
    network = report.from_prepared(prep)
    assert all(network.label(u).startswith("School ") for u in ids)
    school = report.from_prepared(prep, ids[0])
    assert school.label(ids[0]) == school.names[ids[0]]
    assert all(school.label(u).startswith("School ") for u in ids[1:])
    agreed = report.from_prepared(_prepared(small_rates, name_peers=True))
    assert [agreed.label(u) for u in ids] == [agreed.names[u] for u in ids]


def test_aim_outlook_and_fafsa_pace_are_said_in_words(demo_prepared):
    r = report.from_prepared(demo_prepared, None)
    html = report.aim_progress(r).html()
    assert "At this pace" in html and "likely to be between" in html
    assert "by June 2027" in html and "it follows the pace" in html
    uid = demo_prepared.units["unit_id"].iloc[0]
    season = report.fafsa_season(report.from_prepared(demo_prepared, uid)).html()
    assert "judged on its pace" in season
    assert "signal of non-random change" not in season  # the old, always-true reading
    assert any(w in season for w in ("last season's pace", "last season's at the same weeks"))


def _with_models(prepared, **changes):
    import copy

    out = copy.copy(prepared)
    out.models = {**prepared.models, **changes}
    return out


def test_practice_section_names_the_errors_used(demo_prepared):
    within = demo_prepared.models["practices__within"]
    assert set(within.loc[within["estimable"], "covariance"]) == {"CR3"}
    html = report.practices_network(report.from_prepared(demo_prepared)).html()
    assert "leave each school out in turn" in html and '<th class="">Errors</th>' not in html
    assert "When schools adopted in different years" in html
    assert "For whom, under what conditions" in html
    assert html.count("<img") >= 2  # the forest plot and the profile by years since adoption
    assert "A filled marker is strong" in html
    # q-values below 0.01 are said so, not rounded to 0.00.
    strong = within.loc[within["q_value"] < 0.01]
    assert len(strong) and "&lt;0.01</td>" in html and ">0.00</td>" not in html
    # A fit that fell back to CR1 says so in the table and in the note.
    fallback = within.assign(covariance=within["covariance"].replace("CR3", "CR1"))
    prepared = _with_models(demo_prepared, practices__within=fallback)
    html = report.practices_network(report.from_prepared(prepared)).html()
    assert '<th class="">Errors</th>' in html and '<td class="">CR1</td>' in html
    assert "could not be computed" in html and "netlab-covariance-warning" in html
    uid = demo_prepared.units["unit_id"].iloc[0]
    school = report.practices(report.from_prepared(prepared, uid)).html()
    assert "CR1" in school and "netlab-covariance-warning" in school


def test_a_pre_trend_is_said_in_words_and_its_p_value_only_for_analysts(demo_prepared):
    within = demo_prepared.models["practices__within"]
    first = within.index[within["estimable"]][0]
    flagged = within.assign(pretrend_flag=False)
    flagged.loc[first, ["pretrend_flag", "pretrend_p"]] = [True, 0.031]
    prepared = _with_models(demo_prepared, practices__within=flagged)
    html = report.practices_network(report.from_prepared(prepared)).html()
    assert "already changing in the years before they did" in html
    analysts = re.findall(r'<p class="netlab-analyst-line">(.*?)</p>', html, flags=re.S)
    assert any("Pre-trend tests" in line and "p = 0.03" in line for line in analysts)
    outside = re.sub(r'<details class="netlab-fold netlab-analyst.*?</details>', "", html,
                     flags=re.S)  # fmt: skip
    assert "p = 0.03" not in outside


def test_school_practices_show_the_staggered_check_and_schools_like_this_one(demo_prepared):
    units = demo_prepared.units
    uid = units["unit_id"].iloc[2]
    html = report.practices(report.from_prepared(demo_prepared, uid)).html()
    assert "Staggered-adoption check" in html and "Evidence (check)" in html
    hetero = demo_prepared.models["practices__heterogeneity"].copy()
    row = hetero.index[
        (hetero["modifier"] == "share_low_income") & (hetero["practice"] == "summer_outreach")
    ][0]
    hetero.loc[row, ["evidence", "estimate_a_pp", "estimate_b_pp"]] = ["strong", 9.0, 1.0]
    mine = float(units.set_index("unit_id").loc[uid, "share_low_income"])
    prepared = _with_models(demo_prepared, practices__heterogeneity=hetero)
    html = report.practices(report.from_prepared(prepared, uid)).html()
    side = "more" if mine > hetero.loc[row, "threshold"] else "fewer"
    assert f"In schools like this one (with {side} low-income students" in html
    assert ("9.0 points more" if side == "more" else "1.0 points more") in html
    for other in units.loc[units["unit_id"] != uid, "unit_name"]:
        assert other not in html


# --------------------------------------------------------------------------------------
# Words on the page, folded detail, workbooks
# --------------------------------------------------------------------------------------


def test_names_in_capitals_read_in_title_case_and_labels_in_sentences():
    from netlab.names import display_name, in_sentence

    assert display_name("BLAKE HIGH SCHOOL") == "Blake High School"
    assert display_name("SCHOOL OF THE ARTS (IB) II") == "School of the Arts (IB) II"
    assert display_name("O'BRIEN ACADEMY") == "O'Brien Academy"
    assert display_name("Lincoln High") == "Lincoln High"
    assert in_sentence("Enrolled where likely to graduate") == "enrolled where likely to graduate"
    for kept in ("FAFSA completed", "A-G requirements complete", "Cal Grant offered", "Black"):
        assert in_sentence(kept) == kept


def test_the_text_check_finds_what_reads_badly():
    bad = {
        "placeholder '?'": "<p>? and ? of their students are in the focal group.</p>",
        "missing value 'nan'": "<p>The rate was nan in 2024.</p>",
        "missing value 'None'": "<p>District None has no figure.</p>",
        "doubled word 'students'": "<p>For All students students across the network.</p>",
        "FAFSA written 'fafsa'": "<p>The network varies most on fafsa or dream act.</p>",
        "name in capitals": "<td>School report: BLAKE HIGH SCHOOL</td>",
        "plural left open '(s)'": "<p>3 school(s) are bright spots.</p>",
        "sentence starts in lower case": "<p>Good. school A could host school B.</p>",
        "a dash stands for a value": "<p>A rate of — in 2024.</p>",
        "PDSA written 'pdsa'": "<td>pdsa.csv lists 12 pdsa cycles</td>",
        "StudentTracker written 'Studenttracker'": "<td>Studenttracker</td>",
    }
    for kind, html in bad.items():
        found = report.check_text(html)
        assert any(f.startswith(kind) for f in found), (kind, found)
    clean = (
        "<p>Is the work taking hold? In 2024, 45% of 120 Black students completed the FAFSA "
        "(95% interval 3 to 9 pp).</p><pre>None nan ?</pre><td>—</td>"
        # a file's name keeps its spelling, and may start a sentence
        "<td>pdsa.csv</td><p>naviance_applications.csv: read through its description.</p>"
        # a legend line starts with its mark
        "<p>Marks. n/a: does not apply here.</p>"
    )
    assert report.check_text(clean) == []


def test_a_long_table_folds_under_its_caption():
    frame = pd.DataFrame({"year": range(2015, 2027), "n": 50, "rate": 0.5})
    cols = [report.Col("year", "Year"), report.Col("rate", "Rate", "rate", n="n")]
    short = report.table(frame.head(3), cols, min_cell=10, caption="Rates", fold=8)
    long = report.table(frame, cols, min_cell=10, caption="Rates", fold=8)
    assert "<details" not in short and "<caption>Rates</caption>" in short
    assert long.startswith('<details class="netlab-fold"><summary>Rates (12 rows)</summary>')
    assert len(re.findall(r'<tr[^>]* data-n="50"', long)) == 12  # every row on the screen


def test_workbook_holds_the_shown_tables_with_their_suppression(tmp_path):
    from openpyxl import load_workbook

    from netlab import privacy
    from netlab.publish._workbook import cell_value, html_tables, write_workbook

    assert cell_value("45%") == (0.45, "0%")
    assert cell_value("1,234") == (1234, "#,##0") and cell_value("2024") == (2024, "0")
    assert (
        cell_value("+3.2 points")[0] == 3.2
        and cell_value("+3.2 pp")[0] == 3.2
        and cell_value("-0.5")[0] == -0.5
    )
    assert cell_value("*") == ("*", None) and cell_value("—") == (None, None)
    frame = pd.DataFrame({"unit": ["A", "B"], "n": [50, 4], "rate": [0.5, 0.25]})
    cols = [report.Col("unit", "School"), report.Col("rate", "Rate", "rate", n="n")]
    tables = html_tables(report.table(frame, cols, min_cell=10, caption="Rates"))
    path = write_workbook(tmp_path / "r.xlsx", {"title": "T", "min_cell": 10}, [("One", tables)])
    wb = load_workbook(path)
    assert wb.sheetnames[:2] == ["About", "One"]
    rows = [r for r in wb["One"].iter_rows(values_only=True) if any(v is not None for v in r)]
    assert rows[-2:] == [("A", 0.5), ("B", "<10")]  # the small school stays suppressed
    assert privacy.scan_xlsx(path, min_cell=10) == []
    assert privacy.scan_xlsx(path, min_cell=60)[0].startswith("One row")
    assert privacy.scan_xlsx(path, min_cell=10, forbidden_names=["A"]) != []


def test_without_chromium_the_build_says_what_to_do_and_pdf_off_stops_asking(
    tmp_path, monkeypatch
):
    from netlab import batch as build
    from netlab.publish._pdf import NO_CHROMIUM, print_pdfs

    monkeypatch.setenv("NETLAB_CHROMIUM", str(tmp_path / "no-such-browser"))
    page = tmp_path / "network.html"
    page.write_text("<html><body><h1>Network report</h1></body></html>")
    got = print_pdfs([(page, tmp_path / "network.pdf")])
    assert got.message == NO_CHROMIUM and not got.written
    assert "apt-get install chromium" in NO_CHROMIUM and "pdf: false" in NO_CHROMIUM
    done = [build.ReportOutcome("network", "network", "Network report", "network.html", "ok")]
    params = from_dict({"run": "t", "raw_dir": "x"})
    assert _build._print(done, tmp_path, params).notes == [NO_CHROMIUM]
    # with PDFs off, a report rendered again loses its old PDF (it would no longer match)
    (tmp_path / "network.pdf").write_bytes(b"%PDF old")
    off = from_dict({"run": "t", "raw_dir": "x", "pdf": False})
    assert _build._print(done, tmp_path, off).notes == []
    assert not (tmp_path / "network.pdf").exists()


def test_data_quality_names_each_export_and_counts_every_join(small_rates):
    prep = _prepared(small_rates, min_cell=10)
    prep.quality = pd.DataFrame(
        {
            "table": ["studenttracker", "roster", "students"],
            "file": ["StudentTracker_HS_detail_20261115.csv", "roster.csv", "roster.csv"],
            "rows_in": [120, 60, 60],
            "rows_kept": [117, 60, 60],
            "rows_excluded": [3, 0, 0],
        }
    )
    prep.sources = {
        "joins": pd.DataFrame(
            {
                "source": ["roster", "studenttracker", "studenttracker"],
                "file": ["roster.csv"] + ["StudentTracker_HS_detail_20261115.csv"] * 2,
                "what": [
                    "roster students",
                    "roster students with a row (found)",
                    "file rows with no roster student (set aside)",
                ],
                "count": [60, 52, 3],
            }
        )
    }
    html = report.data_quality(report.from_prepared(prep)).html()
    assert "Every join counted" in html
    assert html.count("StudentTracker (NSC)") == 3 and ">studenttracker<" not in html
    assert ">52<" in html and "fewer than 10" in html  # three set-aside rows: a small count


def test_a_school_report_counts_its_seniors_on_record(demo_prepared):
    uid = str(demo_prepared.units["unit_id"].iloc[0])
    html = report.data_quality(report.from_prepared(demo_prepared, uid)).html()
    assert "records behind this report" in html
    students = demo_prepared.tables["students"]
    mine = students.loc[students["school_id"].astype(str) == uid]
    per_year = mine.groupby("grad_year").size()
    for year, n in per_year.items():
        assert f"<td>{int(year)}</td>" in html or f">{int(year)}<" in html
        assert f">{int(n):,}<" in html, (year, n)


def test_a_year_note_sits_beside_the_figures_of_its_year(small_rates):
    aim = {"measure": "m", "group": "focal", "baseline_year": 2021, "target": 0.5}
    notes = {2023: "The form <opened> late.", 2019: "A year not shown."}
    prep = _prepared(small_rates, aim=aim, year_notes=notes)
    html = report.aim_progress(report.from_prepared(prep, "C")).html()
    assert "netlab-year-note" in html and "2023:</strong> The form &lt;opened&gt; late." in html
    assert "A year not shown" not in html
    first = html.index("netlab-year-note")
    assert first < html.index("<figure")  # on the first screen, before the chart
    plain = report.aim_progress(report.from_prepared(_prepared(small_rates, aim=aim), "C"))
    assert "netlab-year-note" not in plain.html()


def test_the_brief_and_the_school_report_count_the_same_seniors(demo_prepared):
    from netlab.report._glance import shown_pairs

    network = report.from_prepared(demo_prepared, None)
    pair = shown_pairs(network).iloc[0]
    brief = report.from_prepared(demo_prepared, pair["host"], kind="livecase")
    brief.partner = str(pair["visitor"])
    side = report.brief_side_by_side(brief).html()
    row = re.search(r"Seniors on record \((\d{4})\)</td><td[^>]*>([\d,]+)</td>", side)
    assert row, side[:500]
    school = report.data_quality(report.from_prepared(demo_prepared, pair["host"])).html()
    year, count = row.group(1), row.group(2)
    assert re.search(rf"<td[^>]*>{year}</td><td[^>]*>{count}</td>", school), (year, count)
    words = report.brief_pairing(brief).html()
    assert f"with {count} and " in words  # the host first, as the report counts it


def test_pdfs_print_from_inside_a_running_event_loop(tmp_path):
    """A researcher's build from JupyterLab runs inside the kernel's asyncio loop."""
    import asyncio

    from netlab.publish._pdf import find_chromium, print_pdfs

    if find_chromium() is None:
        pytest.skip("no Chromium on this machine (make browser)")
    page = tmp_path / "network.html"
    page.write_text("<html><body><h1>Network report</h1><p>Text.</p></body></html>")

    async def inside():
        return print_pdfs([(page, tmp_path / "network.pdf")])

    got = asyncio.run(inside())
    assert got.message is None, got.message
    assert (tmp_path / "network.pdf").read_bytes().startswith(b"%PDF")


def test_a_folded_table_prints_its_first_rows_and_says_how_many_more():
    from netlab.report._html import Col, table
    from netlab.report._paper import PAPER_ROWS

    frame = pd.DataFrame({"year": range(2000, 2020), "n": 50})
    mine = frame["year"] == 2015  # the report's own row prints wherever it is
    out = table(frame, [Col("year", "Year", fmt="int")], min_cell=10, caption="Years",
                fold=True, highlight=mine)  # fmt: skip
    rows = re.findall(r"<tr( class=\"[^\"]*\")?[^>]*><td[^>]*>(\d+)</td>", out)
    hidden = [int(year) for cls, year in rows if "netlab-paper-more" in cls]
    printed = [int(year) for cls, year in rows if "netlab-paper-more" not in cls]
    assert printed == [*range(2000, 2000 + PAPER_ROWS), 2015]
    assert len(hidden) == 20 - PAPER_ROWS - 1 and 2015 not in hidden
    assert f"… and {len(hidden)} more rows in the HTML report" in out
    # on screen nothing is left off: every row is in the page, the fold closed
    assert len(rows) == 20 and "<details" in out
    # a table that is not folded, or is only a little longer, prints whole
    for fold, n in ((False, 20), (True, PAPER_ROWS + 3)):
        whole = table(frame.head(n), [Col("year", "Year", fmt="int")], min_cell=10,
                      caption="Years", fold=fold)  # fmt: skip
        assert "netlab-paper-more" not in whole and "more rows" not in whole
