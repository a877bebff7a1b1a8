"""Tests for netlab.sources: the federal FAFSA workbook, a state's files, the import.

Tests marked ``public`` read the published Florida files in
``../shared/data/public/florida-fafsa-2024/`` (never copied into the repository) and are
skipped when that folder is absent. Expected values were looked up in the files by hand
with xlrd and openpyxl (not with the code under test); each says where it came from.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netlab import schemas, sources
from netlab.exceptions import InputError
from netlab.params import load_params
from netlab.sources._state import _school_code
from tests._support import REPO, SHARED_PUBLIC

PUBLIC = SHARED_PUBLIC / "florida-fafsa-2024"
SNAPSHOT_DATES = [
    dt.date(2024, 3, 8),
    dt.date(2024, 3, 15),
    dt.date(2024, 3, 22),
    dt.date(2024, 3, 29),
    dt.date(2024, 4, 5),
    dt.date(2024, 4, 12),
    dt.date(2024, 4, 19),
    dt.date(2024, 4, 26),
]
NOT_REPORTED = SNAPSHOT_DATES[:3]

needs_public = pytest.mark.skipif(
    not PUBLIC.is_dir(), reason=f"the public Florida files are not at {PUBLIC}"
)


def _fsa_path(date: dt.date) -> Path:
    return PUBLIC / "fsa" / f"FL-FAFSA submissions-{date:%Y-%m-%d}.xls"


@pytest.fixture(scope="module")
def snapshots():
    if not PUBLIC.is_dir():
        pytest.skip(f"the public Florida files are not at {PUBLIC}")
    return [sources.read_fsa_workbook(_fsa_path(d)) for d in SNAPSHOT_DATES]


@pytest.fixture(scope="module")
def weekly(snapshots):
    return sources.fafsa_weekly(snapshots)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    if not PUBLIC.is_dir():
        pytest.skip(f"the public Florida files are not at {PUBLIC}")
    out = tmp_path_factory.mktemp("florida-2024")
    return sources.import_public("florida", PUBLIC, out)


@pytest.fixture(scope="module")
def state_files(imported):
    return imported.state_files


# --------------------------------------------------------------------------- real snapshots
@pytest.mark.public
@needs_public
def test_header_rows_and_dates_in_all_eight_snapshots(snapshots):
    # Header row 4 and the "Through ..." labels above it, checked with xlrd.
    for snap, date in zip(snapshots, SNAPSHOT_DATES, strict=True):
        assert snap.header_row == 4
        assert snap.sheet == "FL School Level Data"
        assert (snap.state, snap.season, snap.as_of) == ("FL", 2024, date)
        through = {c.period: (c.cycle, c.through) for c in snap.columns}
        assert through == {
            "current": (2024, date),
            "prior": (2023, date.replace(year=2023)),
            "prior_june": (2023, dt.date(2023, 6, 30)),
            "prior_december": (2023, dt.date(2023, 12, 31)),
        }
        assert [c.measure for c in snap.columns] == ["submitted", "completed"] * 4


@pytest.mark.public
@needs_public
def test_count_of_schools_read(snapshots):
    # Rows after the header with a school code, and distinct codes, counted with xlrd.
    rows = [1163, 1163, 1163, 1185, 1187, 1188, 1190, 1199]
    codes = [1159, 1159, 1159, 1176, 1178, 1179, 1180, 1185]
    assert [len(s.data) for s in snapshots] == rows
    assert [s.data["school_code"].nunique() for s in snapshots] == codes
    latest = snapshots[-1].data
    assert latest["school_code"].map(type).eq(str).all()
    lengths = set(latest["school_code"].str.len())
    assert lengths == {8, 9, 12}
    assert "00256904" in set(latest["school_code"])  # leading zeros kept (xlrd: text cell)


@pytest.mark.public
@needs_public
def test_suppressed_counts_are_kept_not_zero(snapshots):
    first, latest = snapshots[0], snapshots[-1]
    # xlrd: every one of the 1,163 rows says "<5" for 2024-25 completions through 8 March.
    assert first.data["current_completed_suppressed"].all()
    assert first.data["current_completed"].isna().all()
    # xlrd: 307 "<5" completions and 275 "<5" submissions through 26 April 2024.
    assert latest.data["current_completed_suppressed"].sum() == 307
    assert latest.data["current_submitted_suppressed"].sum() == 275
    for c in latest.columns:
        sup = latest.data[f"{c.column}_suppressed"]
        assert latest.data.loc[sup, c.column].isna().all()
    # xlrd, 26 April file row 5: 3DLEARN INTERACTIVE ACADEMY "<5", "<5", 8, 7, 9, 9, 10, 10.
    row = latest.data.set_index("school_code").loc["A0700418"]
    assert row["current_submitted_suppressed"] and pd.isna(row["current_submitted"])
    assert (row["prior_submitted"], row["prior_completed"]) == (8, 7)
    assert (row["prior_june_completed"], row["prior_december_completed"]) == (9, 10)
    assert row["row"] == 5


@pytest.mark.public
@needs_public
def test_not_reported_weeks_are_marked(weekly):
    assert list(weekly.columns) == list(schemas.columns_of("fafsa_weekly"))
    problems = schemas.validate_frame("fafsa_weekly", weekly)
    assert not (problems["severity"] == "error").any(), problems.head()
    cur = weekly[weekly["season"] == 2024]
    off = cur.loc[~cur["reported"], "as_of"].dt.date.unique()
    assert sorted(off) == NOT_REPORTED
    assert cur.loc[cur["as_of"].dt.date.isin(NOT_REPORTED), "completed"].isna().all()
    # The prior season was measured at the same dates.
    prior = weekly[weekly["season"] == 2023]
    assert prior["reported"].all()
    assert sorted(prior["as_of"].dt.date.unique()) == [
        d.replace(year=2023) for d in SNAPSHOT_DATES
    ]
    weeks = cur.groupby(cur["as_of"].dt.date)["week"].first()
    assert weeks.loc[dt.date(2024, 3, 8)] == (dt.date(2024, 3, 8) - dt.date(2023, 10, 1)).days // 7
    assert set(prior["week"]) == set(cur["week"])


@pytest.mark.public
@needs_public
def test_weekly_series_monotone_or_flagged(weekly):
    flagged = sources.fafsa_decreases(weekly)
    flagged_keys = set(
        zip(flagged["school_id"], flagged["season"], flagged["measure"], strict=True)
    )
    # Walk each school's series in plain Python: a "<5" is 1 to 4, so a fall is certain only
    # when the later value's largest possibility is below the earlier value's smallest.
    rows = weekly.sort_values(["school_id", "season", "as_of"]).to_dict("records")
    falls: set[tuple] = set()
    for m in ("submitted", "completed"):
        for before, after in zip(rows, rows[1:], strict=False):
            if (before["school_id"], before["season"]) != (after["school_id"], after["season"]):
                continue
            lo = 1 if before[f"{m}_suppressed"] else before[m]
            hi = 4 if after[f"{m}_suppressed"] else after[m]
            if lo is not pd.NA and hi is not pd.NA and hi < lo:
                falls.add((after["school_id"], after["season"], m))
    assert falls == flagged_keys
    assert len(rows) > 15000
    # Every flag is a real fall in known counts.
    known = flagged[(flagged["before"] != "<5") & (flagged["after"] != "<5")]
    assert (known["after"].astype(int) < known["before"].astype(int)).all()


# --------------------------------------------------------------------------- the import
@pytest.mark.public
@needs_public
def test_join_accounts_for_the_whole_state(imported, snapshots):
    q = imported.quality_log
    all_codes = set().union(*(set(s.data["school_code"]) for s in snapshots))
    assert set(q["school_id"]) == all_codes and len(q) == len(all_codes)
    kept, excluded = q[q["kept"]], q[~q["kept"]]
    assert len(kept) + len(excluded) == len(q)
    assert (kept["reason"].fillna("") == "").all()
    assert set(excluded["reason"]) <= {
        "no crosswalk row",
        "no membership",
        "suppressed grade-12 membership",
        "zero grade-12 membership",
        "more completions than seniors",
        "not in the latest snapshot",
    }
    # Private-school codes (8-9 characters) cannot be in the NCES public-school crosswalk.
    private = q[q["school_id"].str.len() < 12]
    assert not private["kept"].any()
    assert set(kept["school_id"]) == set(imported.schools["school_id"])
    assert imported.counts.groupby("year").size().loc[2024] == 2 * len(kept)
    summary = imported.summary.set_index("what")["schools"]
    assert summary["schools in FAFSA files"] == summary["kept"] + summary["excluded"]
    assert summary.drop(["schools in FAFSA files", "kept", "excluded"]).sum() == len(excluded)


@pytest.mark.public
@needs_public
def test_files_written_read_back_with_text_ids(imported):
    read = {
        name: pd.read_csv(path, dtype={"school_id": str}) for name, path in imported.files.items()
    }
    assert set(read) == {"schools", "counts", "fafsa_weekly", "_import_log"}
    assert len(read["schools"]) == len(imported.schools)
    assert read["schools"]["school_id"].str.fullmatch(r"\d{12}").all()
    assert read["_import_log"]["school_id"].str.len().isin([8, 9, 12]).all()
    c = read["counts"]
    assert set(c["measure"]) == {"fafsa_submitted", "fafsa_complete"}
    assert set(c["group"]) == {"all"}
    assert c.loc[c["numerator_suppressed"], "numerator"].isna().all()
    assert (c["denominator"] > 0).all()
    full = c[~c["numerator_suppressed"] & (c["measure"] == "fafsa_complete")]
    assert (full["numerator"] <= full["denominator"]).all()
    w = read["fafsa_weekly"]
    assert set(w["school_id"]) == set(read["schools"]["school_id"])


# Completions through 26 April 2024 (xlrd, FL-FAFSA submissions-2024-04-26.xls, column F),
# the state id (openpyxl, ncesdata_441DE4E0.xlsx) and grade-12 membership 2023-24 (openpyxl,
# 2324MembBySchoolByGrade.xlsx, sheet School, column R).
HAND_CHECKED = {
    # NCES id: (name, FAFSA file row, completions, state id, membership row, grade 12)
    "120087003711": ("ALONSO HIGH SCHOOL", 36, 160, "FL-29-0151", 1727, 649),
    "120087000918": ("BRANDON HIGH SCHOOL", 130, 68, "FL-29-0291", 1735, 368),
    "120087000960": ("HILLSBOROUGH HIGH SCHOOL", 467, 120, "FL-29-1881", 1797, 400),
    "120087004091": ("NEWSOME HIGH SCHOOL", 707, 343, "FL-29-3171", 1843, 852),
    "120087008050": ("PIVOT CHARTER SCHOOL", 831, 7, "FL-29-6656", 1952, 33),
}


@pytest.mark.public
@needs_public
def test_hillsborough_completion_rates_by_hand(imported):
    c = imported.counts
    c = c[(c["year"] == 2024) & (c["measure"] == "fafsa_complete")].set_index("school_id")
    q = imported.quality_log.set_index("school_id")
    schools = imported.schools.set_index("school_id")
    for nces, (name, _, done, state_id, _, seniors) in HAND_CHECKED.items():
        assert q.loc[nces, "state_school_id"] == state_id
        assert schools.loc[nces, "school_name"] == name
        assert schools.loc[nces, "district"] == "HILLSBOROUGH"
        assert (c.loc[nces, "numerator"], c.loc[nces, "denominator"]) == (done, seniors)
        rate = c.loc[nces, "numerator"] / c.loc[nces, "denominator"]
        assert rate == pytest.approx(done / seniors)
    # The prior season at the same date (xlrd, same file, column H: through 26 April 2023)
    # over grade 12 of 2022-23 (openpyxl, 2223MembBySchoolByGrade.xlsx, School rows 1728,
    # 1737, 1843).
    p = imported.counts
    p = p[(p["year"] == 2023) & (p["measure"] == "fafsa_complete")].set_index("school_id")
    for nces, done, seniors in (
        ("120087003711", 212, 589),
        ("120087000918", 92, 368),
        ("120087004091", 329, 702),
    ):
        assert (p.loc[nces, "numerator"], p.loc[nces, "denominator"]) == (done, seniors)
    # Brandon 68 / 368 = 18.5%; Newsome 343 / 852 = 40.3%.
    assert c.loc["120087000918", "numerator"] / c.loc["120087000918", "denominator"] == (
        pytest.approx(0.1848, abs=1e-4)
    )


@pytest.mark.public
@needs_public
def test_hillsborough_network_from_params(imported):
    params = load_params(REPO / "params" / "florida-2024.yaml")
    # the network is chosen by county; the same schools as Hillsborough's school district
    [(column, wanted)] = params.select.items()
    net = imported.schools[imported.schools[column].isin(wanted)]
    by_district = imported.schools[imported.schools["district"].isin(["HILLSBOROUGH"])]
    assert set(net["school_id"]) == set(by_district["school_id"])
    # The district has about 37 public high schools with seniors.
    assert 30 <= len(net) <= 45
    assert set(HAND_CHECKED) <= set(net["school_id"])
    assert (net["seniors"] > 0).all()
    assert params.focal_group == "all" and params.focal_measure == "fafsa_complete"
    for name, spec in sources.MEASURES.items():
        assert params.measures[name].table == "counts"
        assert params.measures[name].direction == spec["direction"]
    assert set(imported.counts["measure"]) == set(params.measures)


@pytest.mark.public
@needs_public
def test_state_files_by_hand(state_files):
    mem = state_files.membership.set_index(["state_school_id", "year"])
    # openpyxl, 2223MembBySchoolByGrade.xlsx sheet School rows 1728, 1737, 1843 (grade 12).
    assert mem.loc[("FL-29-0151", 2023), "seniors"] == 589
    assert mem.loc[("FL-29-0291", 2023), "seniors"] == 368
    assert mem.loc[("FL-29-3171", 2023), "seniors"] == 702
    assert mem.loc[("FL-29-3171", 2024), "seniors"] == 852
    assert mem["seniors_suppressed"].any()
    assert mem.loc[mem["seniors_suppressed"], "seniors"].isna().all()
    # Lunch: the two years' sheets are in different orders; rates from openpyxl
    # (2223FS3 'Lunch Status' rows 1734, 1841; 2324FS2 rows 1730, 1838).
    lunch = state_files.lunch.set_index(["state_school_id", "year"])["share_low_income"]
    assert lunch.loc[("FL-29-0291", 2023)] == pytest.approx(1.0)
    assert lunch.loc[("FL-29-3171", 2023)] == pytest.approx(0.199)
    assert lunch.loc[("FL-29-0291", 2024)] == pytest.approx(0.928)
    assert lunch.loc[("FL-29-3171", 2024)] == pytest.approx(0.177)
    # Race, grade 12 of 2023-24 (openpyxl, 2324MembBySchoolByGradeByRace.xlsx, School row
    # 10543): White 98, Black 89, Hispanic 159, Asian 10, NHPI 0, AIAN *, Two+ 10; the "*"
    # (1 to 9) counts as 5.
    race = state_files.race.set_index(["state_school_id", "year"])
    total = 98 + 89 + 159 + 10 + 0 + 5 + 10
    assert race.loc[("FL-29-0291", 2024), "share_focal"] == pytest.approx((89 + 159 + 5) / total)
    assert race.loc[("FL-29-0291", 2024), "share_black"] == pytest.approx(89 / total)
    # Crosswalk: 813 schools (the file's own note), ids as 12-digit text.
    xw = state_files.crosswalk
    assert len(xw) == 813
    assert xw["school_id"].str.fullmatch(r"\d{12}").all()
    assert xw["state_school_id"].str.fullmatch(r"FL-\d{2}-\d{4}").all()


# --------------------------------------------------------------------------- robustness
def _fsa_rows(state: str, date: dt.date, schools: list[list], extra: int = 0) -> list[list]:
    """A FAFSA-by-high-school sheet in the published layout, as cells."""
    prior = date.replace(year=date.year - 1)
    title = [f"FAFSA Submissions by High School\nthrough {date:%B} {date.day}"] + [""] * 11
    cycles = ["", "", "", "", f" {date.year}/ {date.year + 1} Cycle", ""]
    cycles += [f" {date.year - 1}/ {date.year} Cycle"] + [""] * 5
    dates = ["", "", "", "", f"Through {date:%B} {date.day},  {date.year}", ""]
    dates += [f"Through {prior:%B} {prior.day},  {prior.year}", ""]
    dates += [f"Through June  {date.year - 1}", "", f"Through December  {date.year - 1}", ""]
    header = ["School Code", "Name", "City", "State"]
    for lab in ("Mar8  2024", "Mar8  2023", "Jun  2023", "Dec  2023"):
        header += [f"Applications\nSubmitted\n{lab}", f"Applications\nComplete\n{lab}"]
    notes = [[f"note {i}"] + [""] * 11 for i in range(extra)]
    return [*notes, title, cycles, dates, header, *[[*s[:3], state, *s[3:]] for s in schools]]


TX_SCHOOLS = [
    [
        "480000100001",
        "ALAMO HIGH SCHOOL",
        "SAN ANTONIO",
        " 120",
        " 98",
        " 130",
        " 110",
        " 150",
        " 140",
        " 170",
        " 160",
    ],
    ["A1234567", "PRIVATE ACADEMY", "AUSTIN", "<5", "<5", " 7", " 6", " 9", " 9", " 10", " 10"],
    ["048000100002", "ZERO LEAD", "EL PASO", " 12", "<5", "<5", "<5", " 5", " 5", " 6", " 6"],
]


def _write_xlsx(path: Path, rows: list[list], sheet: str) -> Path:
    width = max(len(r) for r in rows)
    pd.DataFrame([[*r, *[""] * (width - len(r))] for r in rows]).to_excel(
        path, sheet_name=sheet, header=False, index=False
    )
    return path


def test_another_state_same_layout_extra_rows(tmp_path):
    date = dt.date(2025, 2, 14)
    rows = _fsa_rows("TX", date, TX_SCHOOLS, extra=3)
    path = _write_xlsx(tmp_path / "TX-FAFSA.xlsx", rows, "TX School Level Data")
    snap = sources.read_fsa_workbook(path)
    assert (snap.state, snap.season, snap.as_of, snap.header_row) == ("TX", 2025, date, 7)
    d = snap.data.set_index("school_code")
    assert list(d.index) == ["480000100001", "A1234567", "048000100002"]
    assert d.loc["480000100001", "current_completed"] == 98
    assert d.loc["A1234567", "current_completed_suppressed"]
    assert pd.isna(d.loc["A1234567", "current_completed"])
    assert d.loc["048000100002", "prior_december_submitted"] == 6
    assert d.loc["048000100002", "row"] == 10
    assert {c.period for c in snap.columns} == {"current", "prior", "prior_june", "prior_december"}


def test_csv_with_numeric_codes(tmp_path):
    rows = _fsa_rows("AL", dt.date(2025, 2, 14), TX_SCHOOLS)
    path = tmp_path / "AL.csv"
    pd.DataFrame(rows).to_csv(path, header=False, index=False)
    snap = sources.read_fsa_workbook(path)
    assert snap.data["school_code"].tolist() == ["480000100001", "A1234567", "048000100002"]
    assert _school_code(48000100002.0) == "048000100002"


def test_wrong_kind_of_file_is_named(tmp_path):
    other = _write_xlsx(
        tmp_path / "membership.xlsx",
        [["District #", "School #", "12"], [1, 31, 200]],
        "School",
    )
    with pytest.raises(InputError, match="membership.xlsx is not a Federal Student Aid"):
        sources.read_fsa_workbook(other)
    fake = tmp_path / "page.xls"
    fake.write_text("<html>not a workbook</html>")
    with pytest.raises(InputError, match="page.xls"):
        sources.read_fsa_workbook(fake)
    with pytest.raises(InputError, match="notes.txt"):
        sources.read_fsa_workbook(tmp_path / "notes.txt")


def test_bad_count_cell_is_reported(tmp_path):
    schools = [list(TX_SCHOOLS[0])]
    schools[0][4] = "n/a"
    path = _write_xlsx(tmp_path / "bad.xlsx", _fsa_rows("TX", dt.date(2025, 2, 14), schools), "S")
    with pytest.raises(InputError, match="n/a") as err:
        sources.read_fsa_workbook(path)
    assert err.value.rows == [5]


def test_weekly_marks_unreported_snapshot_and_combines_rows(tmp_path):
    first = [
        ["480000100001", "A", "X", " 50", "<5", " 60", " 40", "1", "1", "1", "1"],
        ["480000100002", "B", "X", " 30", "<5", " 20", " 10", "1", "1", "1", "1"],
        ["480000100002", "B2", "Y", " 5", "<5", "<5", "<5", "1", "1", "1", "1"],
    ]
    second = [
        ["480000100001", "A", "X", " 70", " 50", " 70", " 45", "1", "1", "1", "1"],
        ["480000100002", "B", "X", " 40", " 20", " 25", " 12", "1", "1", "1", "1"],
        ["480000100002", "B2", "Y", " 6", "<5", "<5", "<5", "1", "1", "1", "1"],
    ]
    d1, d2 = dt.date(2025, 2, 7), dt.date(2025, 2, 14)
    snaps = [
        sources.read_fsa_workbook(_write_xlsx(tmp_path / f"{i}.xlsx", _fsa_rows("TX", d, s), "S"))
        for i, (d, s) in enumerate(((d1, first), (d2, second)))
    ]
    seniors = pd.DataFrame({"school_id": ["480000100001"], "season": [2025], "seniors": [200]})
    w = sources.fafsa_weekly(snaps, seniors=seniors).set_index(["school_id", "season", "as_of"])
    # First snapshot: every 2025 completion is "<5", so it is not a measurement.
    assert not w.loc[("480000100001", 2025, pd.Timestamp(d1)), "reported"]
    assert w.loc[("480000100001", 2025, pd.Timestamp(d2)), "reported"]
    assert w.loc[("480000100001", 2024, pd.Timestamp(d1.replace(year=2024))), "reported"]
    # Two rows of one school: 40 + 6 submissions; 20 + a "<5" (at least 1) completions.
    b = w.loc[("480000100002", 2025, pd.Timestamp(d2))]
    assert (b["submitted"], b["completed"]) == (46, 21)
    assert w.loc[("480000100001", 2025, pd.Timestamp(d2)), "seniors"] == 200
    assert pd.isna(w.loc[("480000100002", 2025, pd.Timestamp(d2)), "seniors"])


def test_decreases_treat_suppressed_as_one_to_four():
    base = {"season": 2024, "submitted": pd.array([None] * 2, dtype="Int64")}
    cases = [  # (before, after, flagged); None = "<5"
        (5, None, True),
        (None, None, False),
        (10, 9, True),
        (None, 6, False),
        (4, None, False),
        (8, 8, False),
    ]
    frames = []
    for i, (before, after, _) in enumerate(cases):
        vals = pd.array([before, after], dtype="Int64")
        frames.append(
            pd.DataFrame(
                {
                    **base,
                    "school_id": f"S{i}",
                    "as_of": pd.to_datetime(["2024-03-01", "2024-03-08"]),
                    "completed": vals,
                    "completed_suppressed": [before is None, after is None],
                    "submitted_suppressed": False,
                }
            )
        )
    flagged = sources.fafsa_decreases(pd.concat(frames, ignore_index=True))
    expected = {f"S{i}" for i, (_, _, f) in enumerate(cases) if f}
    assert set(flagged["school_id"]) == expected
    assert set(flagged["measure"]) == {"completed"}


def test_state_description_by_path_and_unknown_state(tmp_path):
    spec = sources.load_source_spec("florida")
    assert spec["state"] == "FL" and spec["race"]["focal"] == ["black", "latinx", "indigenous"]
    copy = tmp_path / "elsewhere.yaml"
    copy.write_text("state: XX\n")
    assert sources.load_source_spec(copy) == {"state": "XX"}
    with pytest.raises(InputError, match="atlantis"):
        sources.load_source_spec("atlantis")


@pytest.mark.public
@needs_public
def test_real_snapshot_with_extra_rows_and_as_csv(tmp_path):
    path = _fsa_path(SNAPSHOT_DATES[-1])
    original = sources.read_fsa_workbook(path)
    cells = pd.read_excel(
        path, sheet_name="FL School Level Data", header=None, dtype=object, engine="calamine"
    )
    extra = pd.DataFrame([["Downloaded from studentaid.gov"], [np.nan]])
    moved = pd.concat([extra, cells], ignore_index=True)
    xlsx = tmp_path / "moved.xlsx"
    moved.to_excel(xlsx, sheet_name="FL School Level Data", header=False, index=False)
    csv = tmp_path / "FL-FAFSA submissions-2024-04-26.csv"
    cells.to_csv(csv, header=False, index=False)
    cols = [c for c in original.data.columns if c != "row"]
    for other, shift in (
        (sources.read_fsa_workbook(xlsx), 2),
        (sources.read_fsa_workbook(csv), 0),
    ):
        assert (other.as_of, other.season, other.state) == (original.as_of, 2024, "FL")
        assert other.header_row == original.header_row + shift
        pd.testing.assert_frame_equal(other.data[cols], original.data[cols])
        assert (other.data["row"] == original.data["row"] + shift).all()


# --------------------------------------------------------------------------- another state
XX_SPEC = """
state: XX
name: Example State
fsa:
  files: ["federal/*.xlsx"]
year:
  title: '(?P<start>20\\d\\d)-\\d\\d school year'
suppressed: ["<10"]
school_id:
  format: "XX{district}.{school}"
  district_width: 3
  school_width: 3
crosswalk:
  files: ["ccd.csv"]
  header: ['^ncessch$', '^st_schid$']
  columns: {nces_id: '^ncessch$', state_id: '^st_schid$', school_name: '^sch_name$',
            district: '^lea_name$'}
  state_id: '^XX(?P<district>\\d+)\\.(?P<school>\\d+)$'
membership:
  files: ["state/enrollment.xlsx"]
  header: ['^campus$', '^grade 12$']
  columns: {district_number: '^lea$', district: '^lea name$', school_number: '^campus$',
            school_name: '^campus name$', seniors: '^grade 12$'}
enrollment:
  files: ["state/enrollment.xlsx"]
  header: ['^campus$', '^all grades$']
  columns: {district_number: '^lea$', school_number: '^campus$', enrollment: '^all grades$'}
lunch:
  files: ["state/meals.xlsx"]
  header: ['^campus$', 'economically']
  columns: {district_number: '^lea$', school_number: '^campus$', students: '^enrolled$',
            rate: 'economically'}
race:
  files: ["state/race.xlsx"]
  header: ['^campus$', '^grade$']
  grade: "12"
  columns: {district_number: '^lea$', school_number: '^campus$', grade: '^grade$',
            black: '^african', latinx: '^hispanic', white: '^white$', indigenous: '^native'}
  focal: [black, latinx, indigenous]
"""


def test_another_state_described_by_yaml_only(tmp_path):
    """A state laid out differently from Florida imports through a new YAML, no new code."""
    (tmp_path / "federal").mkdir()
    (tmp_path / "state").mkdir()
    # Six schools, one listed on two rows; expected fate of each in the comments.
    rows = [
        ["480000000001", "KEPT HIGH", "A", " 60", " 40", " 50", " 30", "1", "1", "1", "1"],
        ["480000000001", "KEPT HIGH IB", "A", " 9", "<5", "<5", "<5", "1", "1", "1", "1"],
        ["480000000002", "OVER HIGH", "B", " 31", " 30", " 9", " 8", "1", "1", "1", "1"],
        ["480000000003", "SMALL HIGH", "C", " 6", " 5", " 6", " 5", "1", "1", "1", "1"],
        ["480000000004", "NO SENIORS", "D", "<5", "<5", "<5", "<5", "1", "1", "1", "1"],
        ["480000000005", "NEW HIGH", "E", " 20", " 10", "<5", "<5", "1", "1", "1", "1"],
        ["A1234567", "PRIVATE", "F", " 12", " 11", " 10", " 9", "1", "1", "1", "1"],
    ]
    for d in (dt.date(2025, 2, 7), dt.date(2025, 2, 14)):
        _write_xlsx(tmp_path / "federal" / f"XX-{d}.xlsx", _fsa_rows("XX", d, rows), "XX")
    pd.DataFrame(
        [
            ["Common Core of Data", "", "", ""],
            ["", "", "", ""],
            ["NCESSCH", "ST_SCHID", "SCH_NAME", "LEA_NAME"],
            *[[f"48000000000{i}", f"XX7.{i}", f"SCHOOL {i}", "RIVER"] for i in range(1, 6)],
        ]
    ).to_csv(tmp_path / "ccd.csv", header=False, index=False)
    title = ["2024-25 school year", "", "", "", "", ""]
    grades = [
        title,
        ["LEA", "LEA Name", "Campus", "Campus Name", "Grade 11", "Grade 12"],
        *[
            ["007", "RIVER", n, f"SCHOOL {n}", 100, g]
            for n, g in ((1, 100), (2, 20), (3, "<10"), (4, 0))
        ],
        ["007", "RIVER", 6, "OTHER", 50, 50],
    ]
    totals = [title[:3], ["LEA", "Campus", "All Grades"], *[[7, n, 400] for n in (1, 2, 3, 4, 6)]]
    with pd.ExcelWriter(tmp_path / "state" / "enrollment.xlsx") as xl:
        pd.DataFrame(totals).to_excel(xl, sheet_name="Totals", header=False, index=False)
        pd.DataFrame(grades).to_excel(xl, sheet_name="Grades", header=False, index=False)
    meals = [title[:4], ["LEA", "Campus", "Enrolled", "Economically disadvantaged (share)"]]
    meals += [[7, 1, 400, 0.5], [7, 2, 400, 0.25]]
    _write_xlsx(tmp_path / "state" / "meals.xlsx", meals, "Meals")
    race = [title, ["LEA", "Campus", "Grade", "African American", "Hispanic", "White", "Native"]]
    race += [[7, 1, "11", 10, 10, 80, 0], [7, 1, "12", 20, 30, 40, "<10"]]
    _write_xlsx(tmp_path / "state" / "race.xlsx", race, "Race")
    spec = tmp_path / "xx.yaml"
    spec.write_text(XX_SPEC)

    result = sources.import_public(spec, tmp_path, tmp_path / "raw")
    q = result.quality_log.set_index("school_id")
    assert q["reason"].fillna("").to_dict() == {
        "480000000001": "",
        "480000000002": "more completions than seniors",
        "480000000003": "suppressed grade-12 membership",
        "480000000004": "zero grade-12 membership",
        "480000000005": "no membership",
        "A1234567": "no crosswalk row",
    }
    assert q.loc["480000000001", "state_school_id"] == "XX007.001"
    assert "2 rows" in q.loc["480000000001", "note"]
    (school,) = result.schools.to_dict("records")
    assert school["school_id"] == "480000000001" and school["district"] == "RIVER"
    assert (school["seniors"], school["enrollment"], school["cohort"]) == (100, 400, 2025)
    assert school["share_low_income"] == pytest.approx(0.5)
    # Grade 12: 20 Black, 30 Latinx, 40 White, "<10" Native counted as 5.
    assert school["share_focal"] == pytest.approx((20 + 30 + 5) / 95)
    c = result.counts.set_index(["year", "measure"])
    # 40 completions plus a "<5" row counted at its least, 1; 60 + 9 submissions.
    assert c.loc[(2025, "fafsa_complete"), "numerator"] == 41
    assert c.loc[(2025, "fafsa_submitted"), "numerator"] == 69
    assert c.loc[(2025, "fafsa_complete"), "denominator"] == 100
    # Two snapshots, each with this season and the prior one at the same date.
    w = result.fafsa_weekly
    assert len(w) == 4 and w["reported"].all()
    assert set(w["season"]) == {2024, 2025} and w["seniors"].isna().sum() == 2
