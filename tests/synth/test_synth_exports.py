"""Round trip: synth's contract tables equal what netlab reads back from its hub-shaped files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netlab import clean, synth
from netlab.params import from_dict
from netlab.sources import _io as nio

KEY = "fedcba9876543210"


def _clean(tables: dict, folder) -> clean.CleanResult:
    return clean.clean_tables(tables, from_dict({"run": "rt", "raw_dir": str(folder)}), key=KEY)


@pytest.fixture(scope="module")
def network():
    return synth.generate(8, years=range(2017, 2027), seed=11, n_bright_spots=1)


@pytest.fixture(scope="module")
def round_trip(network, tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    written = synth.write_exports(network, folder)
    tables, problems = nio.scan(folder)
    assert not problems
    back = _clean(tables, folder)
    contract = dict(network.tables)
    contract["institutions"] = synth.institutions()
    truth = _clean(nio.raw_tables(contract), folder)
    return written, back, truth


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


def test_files_a_hub_holds_are_written(round_trip):
    names = {p.name for p in round_trip[0]}
    assert {"roster.csv", "naviance_applications.csv", "naviance_applications.yaml",
            "aid_completion.csv", "institutions.csv"} <= names  # fmt: skip
    assert any(n.startswith("StudentTracker_HS_detail_") for n in names)
    assert "students.csv" not in names  # the exports, not the contract table


def test_students_read_back_equal_the_contract(round_trip):
    _, back, truth = round_trip
    got = _sorted(back.tables["students"], ["student_key"])
    want = _sorted(truth.tables["students"], ["student_key"])
    assert list(got.columns) == list(want.columns)
    for col in want.columns:
        pd.testing.assert_series_equal(got[col], want[col], check_dtype=False, obj=col)
    # The new outcomes are really there, and blank only where a class has not had the time.
    assert got["persisted"].notna().any() and got["completed_6yr"].notna().any()
    young = got["grad_year"] == got["grad_year"].max()
    assert got.loc[young, "persisted"].isna().all()
    assert got.loc[got["grad_year"] <= 2020, "completed_6yr"].notna().all()
    assert got.loc[got["grad_year"] > 2020, "completed_6yr"].isna().all()


def test_other_tables_and_accounting(round_trip):
    _, back, truth = round_trip
    for name in ("schools", "practices", "fafsa_weekly", "traction", "pdsa", "survey"):
        pd.testing.assert_frame_equal(back.tables[name], truth.tables[name], check_dtype=False)
    q = back.quality
    assert (q["rows_in"] == q["rows_kept"] + q["rows_excluded"]).all()
    assert q["rows_excluded"].sum() == 0  # synth's files are clean
    joins = back.sources["joins"].set_index(["source", "what"])["count"]
    roster = joins[("roster", "roster students")]
    nsc = [w for s, w in joins.index if s == "studenttracker"]
    assert (
        sum(joins[("studenttracker", w)] for w in nsc if w.startswith("roster students")) == roster
    )
    assert back.sources["college_codes"]["how"].isin(["code and branch", "main campus"]).all()
    assert (back.sources["college_codes"]["how"] == "main campus").any()


def test_studenttracker_file_has_every_quirk_of_the_dialect(network, round_trip):
    path = next(p for p in round_trip[0] if p.name.startswith("StudentTracker"))
    nsc = pd.read_csv(path, dtype=str)
    assert nsc.columns[0] == "YOUR_UNIQUE_IDENTIFIER" and len(nsc.columns) == 23
    assert nsc["YOUR_UNIQUE_IDENTIFIER"].str.endswith("_").all()
    assert set(nsc["RECORD_FOUND_Y/N"]) == {"Y", "N"}
    assert (nsc["GRADUATED"] == "Y").any() and nsc["DEGREE_TITLE"].str.contains(
        "CERTIFICATE"
    ).any()
    # College Sequence only on a college's first row
    assert nsc["COLLEGE_SEQUENCE"].isna().sum() > nsc["COLLEGE_SEQUENCE"].notna().sum()
    assert nsc["ENROLLMENT_BEGIN"].dropna().str.fullmatch(r"\d{8}").all()
    per_student = nsc.groupby("YOUR_UNIQUE_IDENTIFIER").size()
    assert per_student.max() >= 8  # several rows each for the older classes


def test_counts_grain_reads_back_from_the_wide_county_file(tmp_path):
    net = synth.generate(6, years=range(2023, 2026), seed=5, grain="counts", n_bright_spots=0)
    synth.write_exports(net, tmp_path)
    tables, problems = nio.scan(tmp_path)
    assert not problems and "counts" in tables
    back = _clean(tables, tmp_path).tables["counts"]
    want = net.tables["counts"]
    want = want[(want["group"] == "all") & want["measure"].isin(["fafsa_complete", "cal_grant"])]
    got = back[back["measure"].isin(["fafsa_complete", "cal_grant"])]
    keys = ["school_id", "year", "measure"]
    got, want = _sorted(got, keys), _sorted(want, keys)
    assert got[keys].astype(str).values.tolist() == want[keys].astype(str).values.tolist()
    np.testing.assert_array_equal(
        got["numerator"].to_numpy(float), want["numerator"].to_numpy(float)
    )
    np.testing.assert_array_equal(
        got["denominator"].to_numpy(float), want["denominator"].to_numpy(float)
    )
