"""The measure registry and the rates table, checked against hand counts and closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from netlab import intervals, measures
from netlab.exceptions import InputError, MeasureError
from netlab.params import from_dict

MEASURES = [
    "fafsa_complete",
    "cal_grant",
    "applied_4yr",
    "enrolled_any",
    "enrolled_4yr",
    "enrolled_likely_grad",
    "summer_melt",
]
BOOLS = [
    "low_income",
    "english_learner",
    "first_gen",
    "fafsa_complete",
    "dream_act_complete",
    "cal_grant",
    "applied_4yr",
    "admitted_4yr",
    "intent_4yr",
    "enrolled",
]

# school, year, race, then 0/1 for the BOOLS in order, then level and graduation rate
ROWS = """
A 2024 Black            1 0 1 1 0 1 1 1 1 1 4-year 0.80
A 2024 Latinx           1 1 1 0 1 0 1 1 1 0 -      -
A 2024 White            0 0 1 1 0 0 1 1 0 1 4-year 0.55
A 2024 Asian            0 0 0 1 0 1 0 0 0 1 2-year 0.30
A 2024 White            1 0 1 0 0 0 0 0 0 0 -      -
A 2024 Indigenous       0 0 0 1 0 1 1 0 0 1 2-year 0.25
B 2024 Latinx           1 1 1 1 0 1 1 1 1 1 4-year 0.65
B 2024 Latinx           0 0 0 0 0 0 1 1 1 0 -      -
B 2024 Multiracial      0 0 0 1 0 0 0 0 0 1 4-year 0.60
B 2024 Pacific_Islander 1 0 1 0 0 0 0 0 0 0 -      -
A 2025 Black            0 0 0 1 0 1 1 1 1 1 4-year 0.90
A 2025 Unknown          1 0 0 0 0 0 0 0 0 0 -      -
"""

# (school, year) -> group -> (numerator, denominator) per measure in MEASURES order, counted
# by hand from ROWS; None = nobody in the denominator (no row expected). Threshold 0.6.
EXPECTED = {
    ("A", 2024): {
        "all": [(5, 6), (3, 6), (4, 6), (4, 6), (2, 6), (1, 6), (1, 2)],
        "black": [(1, 1), (1, 1), (1, 1), (1, 1), (1, 1), (1, 1), (0, 1)],
        "latinx": [(1, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)],
        "indigenous": [(1, 1), (1, 1), (1, 1), (1, 1), (0, 1), (0, 1), None],
        "asian": [(1, 1), (1, 1), (0, 1), (1, 1), (0, 1), (0, 1), None],
        "white": [(1, 2), (0, 2), (1, 2), (1, 2), (1, 2), (0, 2), None],
        "low_income": [(2, 3), (1, 3), (2, 3), (1, 3), (1, 3), (1, 3), (1, 2)],
        "first_gen": [(3, 4), (1, 4), (3, 4), (2, 4), (2, 4), (1, 4), (1, 2)],
        "english_learner": [(1, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)],
        "focal": [(3, 4), (2, 4), (3, 4), (2, 4), (1, 4), (1, 4), (1, 2)],
    },
    ("B", 2024): {
        "all": [(2, 4), (1, 4), (2, 4), (2, 4), (2, 4), (2, 4), (1, 2)],
        "latinx": [(1, 2), (1, 2), (2, 2), (1, 2), (1, 2), (1, 2), (1, 2)],
        "pacific_islander": [(0, 1)] * 6 + [None],
        "multiracial": [(1, 1), (0, 1), (0, 1), (1, 1), (1, 1), (1, 1), None],
        "low_income": [(1, 2)] * 6 + [(0, 1)],
        "first_gen": [(1, 2)] * 6 + [(0, 1)],
        "english_learner": [(1, 1)] * 6 + [(0, 1)],
        "focal": [(1, 3), (1, 3), (2, 3), (1, 3), (1, 3), (1, 3), (1, 2)],
    },
    ("A", 2025): {
        "all": [(1, 2)] * 6 + [(0, 1)],
        "black": [(1, 1)] * 6 + [(0, 1)],
        "low_income": [(0, 1)] * 6 + [None],
        "focal": [(1, 2)] * 6 + [(0, 1)],
    },
}


def tiny_students() -> pd.DataFrame:
    """Twelve seniors typed as clean produces them."""
    records = []
    for i, line in enumerate(ROWS.strip().splitlines()):
        school, year, race, *flags, level, grad_rate = line.split()
        record = {
            "student_key": f"k{i:02d}",
            "school_id": school,
            "grad_year": int(year),
            "race_ethnicity": race.replace("_", " "),
        }
        record |= {name: flag == "1" for name, flag in zip(BOOLS, flags, strict=True)}
        record["enrolled_level"] = None if level == "-" else level
        record["enrolled_grad_rate"] = np.nan if grad_rate == "-" else float(grad_rate)
        records.append(record)
    frame = pd.DataFrame(records)
    frame["gender"] = "F"
    frame["gpa"] = 3.0
    return frame.astype({name: bool for name in BOOLS} | {"grad_year": np.int64})


def tiny_schools() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "school_id": ["A", "B", "C"],
            "school_name": ["Alder High", "Birch High", "Cedar High"],
            "district": ["North", "North", "South"],
            "cohort": [2021, 2022, 2021],
            "enrollment": [1200, 800, 1000],
            "share_low_income": [0.5, 0.8, 0.2],
        }
    )


def random_students(n: int = 4000, n_schools: int = 12, seed: int = 7) -> pd.DataFrame:
    """Seeded random seniors across schools and years (enough for every group to appear)."""
    rng = np.random.default_rng(seed)
    races = np.array(
        ["Black", "Latinx", "Indigenous", "Asian", "Pacific Islander", "White", "Multiracial"]
        + ["Unknown"]
    )
    enrolled = rng.random(n) < 0.6
    four = enrolled & (rng.random(n) < 0.5)
    frame = pd.DataFrame(
        {
            "student_key": [f"k{i}" for i in range(n)],
            "school_id": np.array([f"{i:03d}" for i in range(n_schools)])[
                rng.integers(0, n_schools, n)
            ],
            "grad_year": rng.integers(2021, 2025, n).astype(np.int64),
            "race_ethnicity": races[rng.integers(0, len(races), n)],
            "enrolled_level": np.where(four, "4-year", np.where(enrolled, "2-year", None)),
            "enrolled_grad_rate": np.where(enrolled, rng.random(n).round(2), np.nan),
        }
    )
    for name in BOOLS:
        frame[name] = rng.random(n) < 0.4
    frame["enrolled"] = enrolled
    return frame


def as_cells(rates: pd.DataFrame) -> dict:
    return {
        (r.unit_id, r.year, r.group, r.measure): (r.numerator, r.denominator)
        for r in rates.itertuples(index=False)
    }


# ---------------------------------------------------------------------------- rates


def test_rates_match_hand_counts():
    rates = measures.compute_rates({"students": tiny_students()}, {})
    expected = {
        (school, year, group, measure): cell
        for (school, year), groups in EXPECTED.items()
        for group, cells in groups.items()
        for measure, cell in zip(MEASURES, cells, strict=True)
        if cell is not None
    }
    assert as_cells(rates[rates["measure"].isin(MEASURES)]) == expected
    assert list(rates.columns) == measures.RATES_COLUMNS
    assert np.allclose(rates["rate"], rates["numerator"] / rates["denominator"])
    assert rates["numerator"].dtype == np.int64 and rates["year"].dtype == np.int64


def test_threshold_is_a_parameter():
    rates = measures.compute_rates({"students": tiny_students()}, {"grad_rate_threshold": 0.5})
    cells = as_cells(rates)
    # graduation rates at or above 0.5 among the enrolled: A 2024 rows 1 (0.80) and 3 (0.55)
    assert cells[("A", 2024, "all", "enrolled_likely_grad")] == (2, 6)
    assert cells[("B", 2024, "all", "enrolled_likely_grad")] == (2, 4)


def test_both_grains_give_identical_rates():
    for students in (tiny_students(), random_students()):
        params = from_dict({"run": "t", "raw_dir": "."})
        counts = measures.counts_from_students(students, params)
        assert list(counts.columns) == [
            "school_id",
            "year",
            "group",
            "measure",
            "numerator",
            "denominator",
        ]
        from_students = measures.compute_rates({"students": students}, params)
        from_counts = measures.compute_rates({"counts": counts}, params)
        pd.testing.assert_frame_equal(from_students, from_counts)


def test_builtin_and_yaml_definitions_give_identical_rates():
    text = """
    measures:
      my_likely_grad:
        label: Enrolled where likely to graduate (ours)
        denominator: true
        numerator: enrolled and enrolled_grad_rate >= grad_rate_threshold
      my_melt:
        label: Summer melt (ours)
        denominator: intent_4yr and admitted_4yr
        numerator: not enrolled
        direction: lower
    """
    students = random_students()
    rates = measures.compute_rates({"students": students}, yaml.safe_load(text))
    for builtin, ours in (("enrolled_likely_grad", "my_likely_grad"), ("summer_melt", "my_melt")):
        a = rates[rates["measure"] == builtin].drop(columns="measure").reset_index(drop=True)
        b = rates[rates["measure"] == ours].drop(columns="measure").reset_index(drop=True)
        assert len(a) > 0
        pd.testing.assert_frame_equal(a, b)


def test_override_of_a_builtin_measure_replaces_it():
    params = {"measures": {"cal_grant": {"label": "Cal Grant", "numerator": "not cal_grant"}}}
    rates = measures.compute_rates({"students": tiny_students()}, params)
    assert as_cells(rates)[("A", 2024, "all", "cal_grant")] == (3, 6)


def test_new_measure_and_group_from_yaml_only_appear_in_the_rates():
    students = tiny_students()
    students["counselor_meetings"] = np.array([2, 0, 3, 1, 0, 5, 2, 2, 0, 1, 4, 0], dtype=np.int64)
    text = """
    extra_columns:
      students: {counselor_meetings: int}
    measures:
      met_counselor:
        label: Met a counselor at least twice
        numerator: counselor_meetings >= 2
        kind: process
    groups:
      li_not_first_gen:
        label: Low-income, not first-generation
        condition: low_income and not first_gen
    """
    params = yaml.safe_load(text)
    rates = measures.compute_rates({"students": students}, params)
    cells = as_cells(rates)
    # A 2024 meetings 2,0,3,1,0,5 -> 3 of 6; B 2024 2,2,0,1 -> 2 of 4; A 2025 4,0 -> 1 of 2
    assert cells[("A", 2024, "all", "met_counselor")] == (3, 6)
    assert cells[("B", 2024, "all", "met_counselor")] == (2, 4)
    assert cells[("A", 2025, "all", "met_counselor")] == (1, 2)
    # low-income and not first-generation: only row 12 (A 2025), who is not enrolled
    group = rates[rates["group"] == "li_not_first_gen"]
    assert set(zip(group["unit_id"], group["year"], strict=True)) == {("A", 2025)}
    assert cells[("A", 2025, "li_not_first_gen", "enrolled_any")] == (0, 1)
    assert cells[("A", 2025, "li_not_first_gen", "met_counselor")] == (0, 1)
    frame = measures.measures_frame(measures.registry(params))
    row = frame.set_index("measure").loc["met_counselor"]
    assert (row["kind"], row["table"]) == ("process", "students")


def test_focal_group_can_name_another_group_or_be_defined():
    students = tiny_students()
    by_name = as_cells(measures.compute_rates({"students": students}, {"focal_group": "white"}))
    assert by_name[("A", 2024, "focal", "fafsa_complete")] == (1, 2)
    defined = {"focal_group": {"label": "Black", "condition": "race_ethnicity == 'Black'"}}
    reg = measures.registry(defined)
    assert reg.group_label("focal") == "Black"
    cells = as_cells(measures.compute_rates({"students": students}, defined, registry=reg))
    assert cells[("A", 2024, "focal", "summer_melt")] == (0, 1)
    assert ("B", 2024, "focal", "fafsa_complete") not in cells


def test_missing_values_never_meet_a_condition():
    students = tiny_students()
    students["enrolled_grad_rate"] = students["enrolled_grad_rate"].astype(float)
    students["enrolled_level"] = students["enrolled_level"].astype("str")
    rates = as_cells(measures.compute_rates({"students": students}, {}))
    assert rates[("A", 2024, "all", "enrolled_4yr")] == (2, 6)


def test_district_unit_sums_school_counts():
    students = random_students()
    schools = pd.DataFrame(
        {
            "school_id": [f"{i:03d}" for i in range(12)],
            "school_name": [f"School {i}" for i in range(12)],
            "district": ["D1"] * 5 + ["D2"] * 4 + ["D3"] * 3,
            "cohort": 2021,
            "enrollment": 900,
            "share_low_income": 0.5,
        }
    )
    tables = {"students": students, "schools": schools}
    by_school = measures.compute_rates(tables, {})
    by_district = measures.compute_rates(tables, {"unit": "district"})
    district = by_school["unit_id"].map(schools.set_index("school_id")["district"])
    summed = (
        by_school.assign(unit_id=district)
        .groupby(["unit_id", "year", "group", "measure"])[["numerator", "denominator"]]
        .sum()
    )
    got = by_district.set_index(["unit_id", "year", "group", "measure"])[
        ["numerator", "denominator"]
    ]
    pd.testing.assert_frame_equal(got.sort_index(), summed.sort_index())
    assert set(by_district["unit_id"]) == {"D1", "D2", "D3"}
    assert np.allclose(by_district["rate"], by_district["numerator"] / by_district["denominator"])


def test_counts_grain_keeps_suppressed_numerators_missing():
    counts = pd.DataFrame(
        {
            "school_id": ["A", "A", "B", "B"],
            "year": [2024, 2024, 2024, 2024],
            "group": ["all", "focal", "all", "all"],
            "measure": ["fafsa_complete"] * 3 + ["cal_grant"],
            "numerator": [40.0, np.nan, 12.0, 0.0],
            "denominator": [100, 3, 30, 0],
            "numerator_suppressed": [False, True, False, False],
        }
    )
    schools = tiny_schools()
    rates = measures.compute_rates({"counts": counts, "schools": schools}, {})
    assert len(rates) == 3  # the cell with denominator 0 is left out
    focal = rates[rates["group"] == "focal"].iloc[0]
    assert np.isnan(focal["numerator"]) and np.isnan(focal["rate"]) and focal["denominator"] == 3
    district = measures.compute_rates({"counts": counts, "schools": schools}, {"unit": "district"})
    north = district.set_index(["group", "measure"])
    assert north.loc[("all", "fafsa_complete"), "numerator"] == 52
    assert north.loc[("all", "fafsa_complete"), "denominator"] == 130
    assert np.isnan(north.loc[("focal", "fafsa_complete"), "numerator"])


def test_student_records_win_over_counts_for_the_same_cell():
    students = tiny_students()
    counts = pd.DataFrame(
        {
            "school_id": ["A", "A"],
            "year": [2024, 2024],
            "group": ["all", "all"],
            "measure": ["fafsa_complete", "public_fafsa"],
            "numerator": [1, 7],
            "denominator": [2, 9],
        }
    )
    params = {"measures": {"public_fafsa": {"label": "FAFSA (federal file)", "table": "counts"}}}
    cells = as_cells(measures.compute_rates({"students": students, "counts": counts}, params))
    assert cells[("A", 2024, "all", "fafsa_complete")] == (5, 6)
    assert cells[("A", 2024, "all", "public_fafsa")] == (7, 9)


def test_no_students_or_counts_is_an_input_error():
    with pytest.raises(InputError, match="neither a students nor a counts"):
        measures.compute_rates({"schools": tiny_schools()}, {})


# ------------------------------------------------------------------- bad definitions


def _raises(params: dict) -> MeasureError:
    with pytest.raises(MeasureError) as info:
        measures.registry(params)
    return info.value


def test_unknown_column_is_named():
    err = _raises({"measures": {"on_track": {"label": "On track", "numerator": "credits >= 5"}}})
    assert err.column == "credits"
    assert "'on_track'" in str(err) and "`credits >= 5`" in str(err)
    assert "does not have" in str(err)


def test_unknown_operator_is_named():
    err = _raises({"groups": {"strong": {"label": "Strong", "condition": "gpa ** 2 > 9"}}})
    assert err.column == "gpa"
    assert "'strong'" in str(err) and "`gpa ** 2 > 9`" in str(err) and "`**`" in str(err)


def test_function_call_is_refused():
    err = _raises({"measures": {"evil": {"label": "x", "numerator": "__import__('os')"}}})
    assert "'evil'" in str(err) and "cannot call functions" in str(err)
    assert "__import__('os')" in str(err)


def test_type_mismatch_is_named():
    err = _raises({"measures": {"odd": {"label": "x", "numerator": "race_ethnicity >= 3"}}})
    assert err.column == "race_ethnicity"
    assert "'odd'" in str(err) and "type mismatch" in str(err)


def test_unknown_focal_group_is_named():
    err = _raises({"focal_group": "low_income_first_gen"})
    assert "'low_income_first_gen'" in str(err) and "not a known group" in str(err)


def test_unknown_table_and_undefined_team_measure():
    err = _raises({"measures": {"m": {"label": "x", "table": "grades", "numerator": "true"}}})
    assert "'grades'" in str(err) and "extra_columns" in str(err)
    err = _raises({"team_measures": {"A": "ninth_on_track"}})
    assert "'ninth_on_track'" in str(err)


def test_every_bad_definition_is_listed_at_once():
    err = _raises(
        {
            "measures": {"m1": {"label": "x", "numerator": "nope"}},
            "groups": {"g1": {"label": "x", "condition": "gpa"}},
        }
    )
    text = str(err)
    assert "2 measure or group definitions" in text
    assert "'m1'" in text and "'nope'" in text and "'g1'" in text and "`gpa`" in text


def test_counts_measures_are_described_without_conditions():
    reg = measures.registry(
        {"measures": {"fafsa_public": {"label": "FAFSA completed (federal)", "table": "counts"}}}
    )
    assert reg.measures["fafsa_public"].from_counts
    err = _raises(
        {"measures": {"bad": {"label": "x", "table": "counts", "numerator": "fafsa_complete"}}}
    )
    assert "'bad'" in str(err)


def test_builtin_measures_are_all_described():
    frame = measures.measures_frame(measures.registry())
    from_exports = ["enrolled_year1", "persisted", "completed_6yr", "completed_certificate",
                    "admitted_4yr", "admitted_likely_grad"]  # fmt: skip
    assert list(frame["measure"]) == MEASURES + from_exports
    assert list(frame.columns) == [
        "measure",
        "label",
        "direction",
        "kind",
        "table",
        "denominator_label",
        "short_label",
        "window_years",
        "window_month",
        "window_day",
        "provisional",
        "final_when",
    ]
    assert frame["denominator_label"].str.len().min() > 10
    # every measure has a short label for sentences and axes, no longer than its label
    assert (frame["short_label"].str.len() <= frame["label"].str.len()).all()
    melt = frame.set_index("measure").loc["summer_melt"]
    assert melt["direction"] == "lower" and "intended" in melt["denominator_label"]
    groups = measures.registry().groups
    assert list(groups)[0] == "all" and "focal" in groups
    assert groups["focal"].label == "Black, Latinx, Indigenous or low-income"


# ----------------------------------------------------------------------------- units


def test_units_frame_for_schools_and_districts():
    schools = tiny_schools().assign(seniors=[300, 100, 200], share_focal=[0.6, 0.9, 0.3])
    units = measures.units_frame(schools, {})
    assert list(units["unit_id"]) == ["A", "B", "C"]
    assert list(units["size"]) == [300, 100, 200]
    districts = measures.units_frame(schools, {"unit": "district"}).set_index("unit_id")
    north = districts.loc["North"]
    assert north["size"] == 400 and north["n_schools"] == 2 and north["cohort"] == 2021
    assert north["share_low_income"] == pytest.approx((0.5 * 300 + 0.8 * 100) / 400)
    assert north["share_focal"] == pytest.approx((0.6 * 300 + 0.9 * 100) / 400)


def test_units_frame_takes_focal_share_and_size_from_students():
    units = measures.units_frame(tiny_schools(), {}, students=tiny_students()).set_index("unit_id")
    # A: 8 seniors over 2 years; focal rows 1, 2, 5, 6, 11, 12 -> 6 of 8
    assert units.loc["A", "size"] == 4
    assert units.loc["A", "share_focal"] == pytest.approx(6 / 8)
    # B: focal rows 7, 8, 10 -> 3 of 4; C has no seniors: enrollment and unknown share
    assert units.loc["B", "share_focal"] == pytest.approx(3 / 4)
    assert units.loc["C", "size"] == 1000 and np.isnan(units.loc["C", "share_focal"])


def test_unit_map():
    mapping = measures.unit_map(tiny_schools(), {"unit": "district"})
    assert dict(zip(mapping["school_id"], mapping["unit_id"], strict=True)) == {
        "A": "North",
        "B": "North",
        "C": "South",
    }


# ------------------------------------------------------- intervals and team progress


def test_wilson_and_newcombe_match_published_values():
    # Newcombe (1998a) 81/263; Newcombe (1998b) method 10, examples (a) and (b)
    assert np.round(intervals.wilson(81, 263), 4).tolist() == [0.2553, 0.3662]
    assert np.round(intervals.wilson(0, 10), 4).tolist() == [0.0, 0.2775]
    assert np.round(intervals.newcombe_diff(56, 70, 48, 80), 4).tolist() == [0.2, 0.0524, 0.3339]
    assert np.round(intervals.newcombe_diff(9, 10, 3, 10), 4).tolist() == [0.6, 0.1705, 0.8090]
    d, lo, hi = intervals.newcombe_diff(np.array([56, 9]), np.array([70, 10]), [48, 3], [80, 10])
    assert np.allclose([lo[1], hi[1]], [0.1705, 0.8090], atol=5e-5)
    assert np.isnan(intervals.wilson(0, 0)[0])


def test_team_progress_uses_each_team_indicator():
    rows = [
        ("A", 2022, "focal", "enrolled_likely_grad", 48, 80),
        ("A", 2024, "focal", "enrolled_likely_grad", 56, 70),
        ("A", 2024, "focal", "summer_melt", 1, 10),
        ("B", 2022, "focal", "summer_melt", 56, 70),
        ("B", 2023, "focal", "summer_melt", 50, 70),
        ("B", 2024, "focal", "summer_melt", 48, 80),
        ("B", 2024, "all", "summer_melt", 1, 80),
    ]
    rates = pd.DataFrame(
        rows, columns=["unit_id", "year", "group", "measure", "numerator", "denominator"]
    )
    rates["rate"] = rates["numerator"] / rates["denominator"]
    params = {"team_measures": {"B": "summer_melt"}}
    out = measures.team_progress(rates, params, baseline_year=2022).set_index("unit_id")
    a, b = out.loc["A"], out.loc["B"]
    assert a["measure"] == "enrolled_likely_grad" and a["latest_year"] == 2024
    assert round(a["change_pp"], 2) == 20.0
    assert (round(a["change_low_pp"], 2), round(a["change_high_pp"], 2)) == (5.24, 33.39)
    assert a["n"] == 150 and a["signal"] == "better"
    # B's melt fell by 20 points: lower is better
    assert b["measure"] == "summer_melt" and b["direction"] == "lower"
    assert round(b["change_pp"], 2) == -20.0
    assert (round(b["change_low_pp"], 2), round(b["change_high_pp"], 2)) == (-33.39, -5.24)
    assert b["signal"] == "better"
    fixed = measures.team_progress(rates, params, baseline_year=2022, latest_year=2023)
    assert fixed.set_index("unit_id").loc["B", "latest_rate"] == pytest.approx(50 / 70)


# ------------------------------------------------------------------ process measures


def test_process_series_rates_values_and_months():
    process = pd.DataFrame(
        {
            "school_id": ["A", "A", "A", "A", "B"],
            "date": pd.to_datetime(
                ["2024-10-07", "2024-10-14", "2024-11-04", "2024-10-07", "2024-10-07"]
            ),
            "measure": [
                "college_list",
                "college_list",
                "college_list",
                "workshops",
                "college_list",
            ],
            "numerator": [10, 20, 30, np.nan, 5],
            "denominator": [100, 100, 100, np.nan, 0],
            "value": [np.nan, np.nan, np.nan, 3.0, np.nan],
        }
    )
    weekly = measures.process_series(process)
    a = weekly[(weekly["unit_id"] == "A") & (weekly["measure"] == "college_list")]
    assert a["value"].tolist() == [0.1, 0.2, 0.3]
    assert weekly.loc[weekly["measure"] == "workshops", "value"].tolist() == [3.0]
    assert np.isnan(weekly.loc[weekly["unit_id"] == "B", "value"].iloc[0])
    monthly = measures.process_series(process, measure="college_list", freq="month")
    a = monthly[monthly["unit_id"] == "A"]
    assert a["date"].dt.month.tolist() == [10, 11]
    assert a["value"].tolist() == pytest.approx([30 / 200, 0.3])
    assert list(monthly.columns) == [
        "unit_id",
        "date",
        "measure",
        "value",
        "numerator",
        "denominator",
    ]


# ------------------------------------------------------------------------------ speed


def test_compute_rates_at_scale_counts_every_senior_once():
    """400,000 seniors: every one of them is in the all-students denominator once.

    How fast this is is measured in bench/prepare.py, not asserted here.
    """
    students = random_students(n=400_000, n_schools=300, seed=3)
    rates = measures.compute_rates({"students": students}, {})
    every = rates.loc[(rates["group"] == "all") & (rates["measure"] == "fafsa_complete")]
    assert int(every["denominator"].sum()) == len(students)
    done = students["fafsa_complete"].fillna(False) | students["dream_act_complete"].fillna(False)
    by_school = done.groupby(students["school_id"]).sum()
    got = every.groupby("unit_id")["numerator"].sum()
    assert (got.reindex(by_school.index).to_numpy() == by_school.to_numpy()).all()


def test_measure_on_another_student_level_table():
    ninth = pd.DataFrame(
        {
            "school_id": ["A", "A", "A", "B", "B"],
            "year": np.array([2024, 2024, 2024, 2024, 2025], dtype=np.int64),
            "race_ethnicity": ["Black", "White", "Latinx", "Asian", "Black"],
            "low_income": [True, False, False, True, False],
            "on_track": [True, False, True, True, False],
            "repeating": [False, True, True, False, False],
        }
    )
    params = from_dict(
        {
            "run": "districts",
            "raw_dir": ".",
            "extra_columns": {
                "ninth_graders": {
                    "school_id": "str",
                    "year": "int",
                    "race_ethnicity": "str",
                    "low_income": "bool",
                    "on_track": "bool",
                    "repeating": "bool",
                }
            },
            "groups": {"repeating": {"label": "Repeating ninth grade", "condition": "repeating"}},
            "measures": {
                "ninth_on_track": {
                    "label": "Ninth graders on track",
                    "table": "ninth_graders",
                    "numerator": "on_track",
                }
            },
            "team_measures": {"A": "ninth_on_track"},
        }
    )
    rates = measures.compute_rates({"ninth_graders": ninth}, params)
    cells = as_cells(rates)
    assert cells[("A", 2024, "all", "ninth_on_track")] == (2, 3)
    assert cells[("A", 2024, "focal", "ninth_on_track")] == (2, 2)
    assert cells[("B", 2025, "black", "ninth_on_track")] == (0, 1)
    assert cells[("A", 2024, "repeating", "ninth_on_track")] == (1, 2)
    # groups whose columns the table lacks are left out, not guessed
    assert "first_gen" not in set(rates["group"])
    assert set(rates["measure"]) == {"ninth_on_track"}


def test_misspelt_focal_measure_suggests_the_defined_one():
    from netlab.exceptions import MeasureError

    with pytest.raises(MeasureError, match="did you mean 'enrolled_any'"):
        measures.registry({"run": "t", "raw_dir": ".", "focal_measure": "enroled_any"})


def test_aim_outlook_is_the_least_squares_prediction_interval():
    import statsmodels.api as sm

    yearly = pd.DataFrame(
        {"year": range(2020, 2026), "rate": [0.30, 0.33, 0.32, 0.36, 0.37, 0.40]}
    )
    out = measures.aim_outlook(yearly, by_year=2027, since=2021)
    part = yearly[yearly["year"] >= 2021]
    fit = sm.OLS(part["rate"], sm.add_constant(part["year"].astype(float))).fit()
    frame = fit.get_prediction(np.array([[1.0, 2027.0]])).summary_frame(alpha=0.05)
    assert out["projected"] == pytest.approx(frame["mean"].iloc[0])
    assert out["low"] == pytest.approx(frame["obs_ci_lower"].iloc[0])
    assert out["high"] == pytest.approx(frame["obs_ci_upper"].iloc[0])
    assert out["pace_pp"] == pytest.approx(100 * fit.params["year"])
    assert out["n_years"] == 5 and out["first_year"] == 2021
    narrow = measures.aim_outlook(yearly, by_year=2027, since=2021, level=0.5)
    assert out["low"] < narrow["low"] < narrow["high"] < out["high"]
    # too few years, or the year already reached: no range, and the reason says so
    few = measures.aim_outlook(yearly, by_year=2027, since=2023)
    assert np.isnan(few["projected"]) and "a range needs 4" in few["reason"]
    assert "reached" in measures.aim_outlook(yearly, by_year=2024)["reason"]
    hidden = yearly.assign(suppressed=[False] * 5 + [True])
    assert measures.aim_outlook(hidden, by_year=2027)["last_year"] == 2024


@pytest.mark.stats
def test_aim_outlook_covers_the_realised_rate_in_simulated_networks():
    """Fit 2021-2024, look at 2027: the 95% range holds the realised network rate ~95%."""
    from netlab import synth

    hits, school_hits = [], []
    for seed in range(60):
        net = synth.generate(30, seed=500 + seed, grain="counts", years=range(2019, 2028))
        c = net.tables["counts"]
        c = c[(c["measure"] == "enrolled_likely_grad") & (c["group"] == "focal")]
        c = c.assign(rate=c["numerator"] / c["denominator"])
        tot = c.groupby("year", as_index=False)[["numerator", "denominator"]].sum()
        tot["rate"] = tot["numerator"] / tot["denominator"]
        o = measures.aim_outlook(tot[tot["year"] <= 2024], by_year=2027, since=2021)
        real = tot.loc[tot["year"] == 2027, "rate"].iloc[0]
        hits.append(o["low"] <= real <= o["high"])
        for _, g in c.groupby("school_id"):
            o = measures.aim_outlook(g[g["year"] <= 2024], by_year=2027, since=2021)
            real = g.loc[g["year"] == 2027, "rate"].iloc[0]
            school_hits.append(o["low"] <= real <= o["high"])
    assert 0.88 <= np.mean(hits) <= 1.0  # 60 networks: SE about 0.03
    assert 0.91 <= np.mean(school_hits) <= 0.98  # 1,800 schools


def test_direction_and_labels_have_one_home_in_the_registry():
    from netlab.measures import DEFAULT_MEASURE, direction, measure_label, measures_frame
    from netlab.params import Aim, RunParams

    reg = measures.registry(
        {
            "measures": {
                "late_forms": {
                    "label": "Late forms",
                    "short_label": "late",
                    "table": "counts",
                    "direction": "lower",
                },
                "summer_melt": {"label": "Melt, as we count it", "table": "counts"},
            }
        }
    )
    frame = measures_frame(reg)
    for known in (reg, frame):  # the registry and the prepared run's frame agree
        assert direction("late_forms", known) == "lower"
        assert direction("summer_melt", known) == "higher"  # the run's own overrides
        assert measure_label("late_forms", known) == "Late forms"
        assert measure_label("late_forms", known, short=True) == "late"
        assert measure_label("summer_melt", known, short=True) == "Melt, as we count it"
    assert reg.direction("late_forms") == "lower" and reg.label("late_forms") == "Late forms"
    # a measure the run does not describe: its built-in direction, its name as a label
    assert direction("summer_melt") == "lower" and direction("nowhere", frame) == "higher"
    assert measure_label("no_such_thing", frame) == "No such thing"
    assert reg.label("no_such_thing") == "no_such_thing"
    # the default focal measure is written once
    assert RunParams(run="r", raw_dir=".").focal_measure == DEFAULT_MEASURE
    assert Aim().measure == DEFAULT_MEASURE
