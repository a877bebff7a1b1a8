"""The data contract: every rule of every table, each with a failing example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netlab import schemas

VALID = {
    "schools": {
        "school_id": ["S01", "S02"],
        "school_name": ["A", "B"],
        "district": ["D1", "D1"],
        "cohort": [2021, 2022],
        "enrollment": [1000, 800],
        "seniors": [250, 200],
        "share_low_income": [0.5, 0.7],
        "share_black": [0.1, 0.2],
        "share_latinx": [0.5, 0.5],
        "share_indigenous": [0.0, 0.01],
        "share_asian": [0.1, 0.1],
        "share_white": [0.2, 0.1],
        "share_focal": [0.6, 0.8],
    },
    "students": {
        "student_key": ["k1", "k2"],
        "school_id": ["S01", "S02"],
        "grad_year": [2024, 2025],
        "race_ethnicity": ["Black", "Unknown"],
        "low_income": pd.array([True, None], dtype="boolean"),
        "gender": ["F", "X"],
        "gpa": [3.2, np.nan],
        "fafsa_complete": pd.array([True, False], dtype="boolean"),
        "fafsa_date": pd.to_datetime(["2024-01-30", None]),
        "enrolled": pd.array([True, False], dtype="boolean"),
        "enrolled_unitid": ["110635", None],
        "enrolled_level": ["4-year", None],
        "enrolled_control": ["public", None],
        "admitted_grad_rate": [0.92, np.nan],
        "enrolled_grad_rate": [0.92, np.nan],
    },
    "counts": {
        "school_id": ["S01", "S01"],
        "year": [2024, 2024],
        "group": ["all", "black"],
        "measure": ["fafsa_complete", "fafsa_complete"],
        "numerator": pd.array([10, None], dtype="Int64"),
        "denominator": [20, 4],
        "numerator_suppressed": pd.array([False, True], dtype="boolean"),
    },
    "institutions": {
        "unitid": ["110635", "117140"],
        "name": ["UC Berkeley", "LA City College"],
        "level": ["4-year", "2-year"],
        "grad_rate": [0.92, 0.21],
        "control": ["public", "public"],
        "grad_rate_pell": [0.88, np.nan],
        "award_rate_6yr": [0.93, 0.3],
    },
    "practices": {
        "school_id": ["S01", "S01"],
        "year": [2024, 2025],
        "practice": ["fafsa_nights", "fafsa_nights"],
        "level": [0, 3],
    },
    "fafsa_weekly": {
        "school_id": ["S01", "S01"],
        "season": [2024, 2024],
        "as_of": pd.to_datetime(["2023-10-06", "2023-10-13"]),
        "week": [0, 1],
        "seniors": pd.array([100, 100], dtype="Int64"),
        "submitted": pd.array([3, None], dtype="Int64"),
        "completed": pd.array([1, 4], dtype="Int64"),
        "submitted_suppressed": pd.array([False, True], dtype="boolean"),
        "completed_suppressed": pd.array([False, False], dtype="boolean"),
        "reported": pd.array([True, True], dtype="boolean"),
    },
    "traction": {
        "school_id": ["S01", "S02"],
        "year": [2024, 2024],
        "spread": [1, 4],
        "depth": [2, 3],
        "ownership": [3, 2],
        "sustainability": [4, 1],
    },
    "pdsa": {
        "school_id": ["S01", "S01"],
        "cycle_id": ["C1", "C2"],
        "driver": ["d", "d"],
        "change_idea": ["c", "c"],
        "start_date": pd.to_datetime(["2024-01-01", "2024-02-01"]),
        "end_date": pd.to_datetime(["2024-01-20", None]),
        "prediction": ["p", "p"],
        "result": ["r", None],
        "decision": ["adapt", None],
    },
    "survey": {
        "respondent_id": ["r1", "r2"],
        "school_id": ["S01", "S02"],
        "term": ["2025-fall", "2025-fall"],
        "date": pd.to_datetime(["2025-10-01", "2025-10-02"]),
        "role": ["counselor", "teacher"],
        "connected": [1, 5],
        "voice": [3, 3],
        "implementing": [2, 4],
    },
    "process": {
        "school_id": ["S01", "S01"],
        "date": pd.to_datetime(["2025-10-01", "2025-10-08"]),
        "measure": ["meetings", "meetings"],
        "numerator": [3.0, np.nan],
        "denominator": [10.0, np.nan],
        "value": [np.nan, 4.0],
    },
}

# (table, column, bad value placed in data row 2, words the rule must contain)
FAILING = [
    ("schools", "school_id", None, "must not be blank"),
    ("schools", "school_id", "S01", "unique"),
    ("schools", "cohort", 1890, "at least 1990"),
    ("schools", "enrollment", -5, "at least 0"),
    ("schools", "seniors", -1, "at least 0"),
    ("schools", "share_low_income", 70.0, "at most 1"),
    ("schools", "share_black", -0.1, "at least 0"),
    ("schools", "share_focal", 1.5, "at most 1"),
    ("schools", "share_latinx", 2.0, "at most 1"),
    ("schools", "share_indigenous", -0.5, "at least 0"),
    ("schools", "share_asian", 1.01, "at most 1"),
    ("schools", "share_white", 100.0, "at most 1"),
    ("students", "student_key", None, "must not be blank"),
    ("students", "school_id", None, "must not be blank"),
    ("students", "grad_year", 20245, "at most 2100"),
    ("students", "grad_year", "class of 24", "whole number"),
    ("students", "race_ethnicity", "Hispanic", "one of"),
    ("students", "race_ethnicity", None, "must not be blank"),
    ("students", "gender", "Female", "one of"),
    ("students", "gpa", 7.5, "at most 5"),
    ("students", "fafsa_date", "not a date", "date"),
    ("students", "enrolled_level", "4 year", "one of"),
    ("students", "enrolled_grad_rate", 92.0, "at most 1"),
    ("students", "enrolled_control", "state", "one of"),
    ("students", "admitted_grad_rate", 93.0, "at most 1"),
    ("counts", "year", 1900, "at least 1990"),
    ("counts", "group", None, "must not be blank"),
    ("counts", "measure", None, "must not be blank"),
    ("counts", "numerator", -1, "at least 0"),
    ("counts", "denominator", -1, "at least 0"),
    ("counts", "numerator", 9, "numerator must not exceed denominator"),
    ("institutions", "unitid", "110635", "unique"),
    ("institutions", "level", "less than 2-year", "one of"),
    ("institutions", "grad_rate", 1.2, "at most 1"),
    ("institutions", "control", "federal", "one of"),
    ("institutions", "grad_rate_pell", 1.5, "at most 1"),
    ("institutions", "award_rate_6yr", -0.1, "at least 0"),
    ("practices", "level", 4, "at most 3"),
    ("practices", "practice", None, "must not be blank"),
    ("fafsa_weekly", "as_of", None, "must not be blank"),
    ("fafsa_weekly", "week", -1, "at least 0"),
    ("fafsa_weekly", "completed", -2, "at least 0"),
    ("fafsa_weekly", "season", 3024, "at most 2100"),
    ("traction", "spread", 0, "at least 1"),
    ("traction", "depth", 5, "at most 4"),
    ("traction", "ownership", 7, "at most 4"),
    ("traction", "sustainability", -1, "at least 1"),
    ("pdsa", "cycle_id", None, "must not be blank"),
    ("pdsa", "decision", "keep", "one of"),
    ("survey", "respondent_id", None, "must not be blank"),
    ("survey", "connected", 6, "at most 5"),
    ("survey", "voice", 0, "at least 1"),
    ("survey", "implementing", 9, "at most 5"),
    ("process", "date", None, "must not be blank"),
    ("process", "denominator", -3.0, "at least 0"),
    ("process", "numerator", -1.0, "at least 0"),
    ("process", "measure", None, "must not be blank"),
    ("fafsa_weekly", "seniors", -1, "at least 0"),
    ("fafsa_weekly", "submitted", -1, "at least 0"),
    ("practices", "year", 2200, "at most 2100"),
    ("traction", "year", "2024-25", "whole number"),
] + [
    (table, "school_id", None, "must not be blank")
    for table in ("counts", "practices", "fafsa_weekly", "traction", "pdsa", "survey", "process")
]


def _valid(table):
    return pd.DataFrame(VALID[table])


@pytest.mark.parametrize("table", list(schemas.TABLES))
def test_valid_frames_pass(table):
    problems = schemas.validate_frame(table, _valid(table))
    assert problems.empty, problems.to_dict("records")


def test_every_table_has_a_valid_example():
    assert set(VALID) == set(schemas.TABLES)


@pytest.mark.parametrize(("table", "column", "value", "words"), FAILING)
def test_each_rule_fails_with_its_message(table, column, value, words):
    frame = _valid(table)
    frame[column] = frame[column].astype(object)
    frame.loc[1, column] = value
    problems = schemas.validate_frame(table, frame, file=f"{table}.csv")
    errors = problems[problems["severity"] == "error"]
    hits = errors[
        errors["column"].fillna("").str.contains(column) & errors["rule"].str.contains(words)
    ]
    assert len(hits) == 1, problems[["column", "rule"]].to_dict("records")
    hit = hits.iloc[0]
    # A repeated id fails on both of its rows; every other rule on the bad row only.
    assert hit["rows"] == ([1, 2] if words == "unique" else [2])
    assert hit["file"] == f"{table}.csv"
    assert hit["what_to_do"]


def test_rules_cover_every_check_of_every_model():
    # Every column with a check or a not-null rule has at least one failing example above.
    tested = {(t, c) for t, c, _, _ in FAILING}
    for table, model in schemas.TABLES.items():
        for name, column in model.to_schema().columns.items():
            if column.checks or not column.nullable or column.unique:
                assert (table, name) in tested, (table, name)


def test_missing_required_column_suggests_the_misspelling():
    frame = _valid("counts").rename(columns={"denominator": "denominatr"})
    problems = schemas.validate_frame("counts", frame, file="counts.csv")
    missing = problems[(problems["column"] == "denominator") & (problems["severity"] == "error")]
    assert len(missing) == 1
    assert "'denominatr'" in missing.iloc[0]["rule"]
    unknown = problems[problems["column"] == "denominatr"]
    assert unknown.iloc[0]["severity"] == "warning"
    assert "did you mean 'denominator'" in unknown.iloc[0]["rule"]


def test_optional_columns_may_be_absent():
    frame = _valid("students")[["student_key", "school_id", "grad_year"]]
    assert schemas.validate_frame("students", frame).empty


def test_unknown_columns_are_warnings_not_errors():
    frame = _valid("schools").assign(mascot=["Owls", "Hawks"])
    problems = schemas.validate_frame("schools", frame)
    assert problems["severity"].tolist() == ["warning"]
    assert problems.iloc[0]["column"] == "mascot"
    assert "not used" in problems.iloc[0]["rule"]


def test_unknown_table_is_a_warning_with_a_suggestion():
    problems = schemas.validate_frame("practises", _valid("practices"), file="practises.csv")
    assert problems["severity"].tolist() == ["warning"]
    assert "did you mean 'practices'" in problems.iloc[0]["rule"]


def test_extra_columns_are_typed_and_checked():
    extra = {"students": {"credits_earned": "float", "on_track": "bool"}}
    frame = _valid("students").assign(credits_earned=["5.5", "six"], on_track=[True, False])
    problems = schemas.validate_frame("students", frame, extra_columns=extra)
    assert problems["column"].tolist() == ["credits_earned"]
    assert problems.iloc[0]["rows"] == [2]
    assert problems.iloc[0]["values"] == ["six"]
    ok = frame.assign(credits_earned=["5.5", "6"])
    assert schemas.validate_frame("students", ok, extra_columns=extra).empty


def test_declared_table_is_known():
    extra = {"ninth_grade": {"credits_earned": "float"}}
    frame = pd.DataFrame({"credits_earned": [5.0]})
    assert schemas.validate_frame("ninth_grade", frame, extra_columns=extra).empty
    assert "ninth_grade" in schemas.known_tables(extra)


def test_columns_are_named_through_the_models():
    assert schemas.Students.grad_year == "grad_year"
    assert schemas.Counts.numerator == "numerator"
    assert schemas.columns_of("students")["student_key"] is True
    assert schemas.columns_of("students")["gpa"] is False


def test_problem_rows_are_one_based_data_rows():
    frame = _valid("practices")
    frame.loc[0, "level"] = 9
    problems = schemas.validate_frame("practices", frame)
    assert problems.iloc[0]["rows"] == [1]
    assert problems.iloc[0]["values"] == ["9"]


def test_problems_frame_has_the_contract_columns():
    assert schemas.problems_frame().columns.tolist() == schemas.PROBLEM_COLUMNS


def test_canonical_name():
    assert schemas.canonical_name("\ufeffStudent ID") == "student_id"
    assert schemas.canonical_name("Grad-Year ") == "grad_year"
    assert schemas.canonical_name("% FRPM") == "pct_frpm"
