"""Safe conditions: the grammar, the checks before data is read, and vectorized evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netlab.exceptions import MeasureError
from netlab.measures.conditions import Condition, check, column_kind, evaluate, parse

KINDS = {
    "grade": "int",
    "credits_earned": "float",
    "core_fails": "int",
    "race_ethnicity": "str",
    "low_income": "bool",
    "enrolled": "bool",
    "enrolled_grad_rate": "float",
    "fafsa_date": "date",
}


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "grade": pd.array([9, 9, 10, None, 9], dtype="Int64"),
            "credits_earned": [6.0, 4.5, 7.0, 5.0, np.nan],
            "core_fails": np.array([0, 0, 1, 0, 0], dtype=np.int64),
            "race_ethnicity": pd.array(["Black", "White", None, "Latinx", "Asian"], dtype="str"),
            "low_income": [False, True, False, False, False],
            "enrolled": pd.array([True, None, False, True, False], dtype="boolean"),
            "enrolled_grad_rate": [0.7, np.nan, np.nan, 0.5, np.nan],
            "fafsa_date": pd.to_datetime(["2024-01-10", None, "2024-03-05", "2023-12-01", None]),
        }
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("grade == 9", [1, 1, 0, 0, 1]),
        ("credits_earned >= 5 and core_fails == 0", [1, 0, 0, 1, 0]),
        ("race_ethnicity in ['Black', 'Latinx', 'Indigenous'] or low_income", [1, 1, 0, 1, 0]),
        ("race_ethnicity not in ('Black', 'White')", [0, 0, 0, 1, 1]),
        ("not enrolled", [0, 0, 1, 0, 1]),
        ("enrolled", [1, 0, 0, 1, 0]),
        ("enrolled == true", [1, 0, 0, 1, 0]),
        ("enrolled_grad_rate >= grad_rate_threshold", [1, 0, 0, 0, 0]),
        ("true", [1, 1, 1, 1, 1]),
        ("True", [1, 1, 1, 1, 1]),
        ("false", [0, 0, 0, 0, 0]),
        ("9 <= grade < 10", [1, 1, 0, 0, 1]),
        ("5 < credits_earned", [1, 0, 1, 0, 0]),
        ("credits_earned > -1.5", [1, 1, 1, 1, 0]),
        ("fafsa_date < '2024-02-01'", [1, 0, 0, 1, 0]),
        ("credits_earned >= core_fails", [1, 1, 1, 1, 0]),
        ("(grade == 9 or grade == 10) and not low_income", [1, 0, 1, 0, 1]),
    ],
)
def test_evaluate(frame, text, expected):
    got = evaluate(text, frame, {"grad_rate_threshold": 0.6})
    assert got.dtype == bool
    assert got.astype(int).tolist() == expected


def test_missing_values_meet_neither_a_condition_nor_its_negation(frame):
    # row 4 has no grade, row 3 no race, row 2 no enrolled flag, row 5 no credits
    for text in ("grade == 9", "race_ethnicity != 'White'", "enrolled", "credits_earned < 5"):
        yes = evaluate(text, frame)
        no = evaluate(f"not ({text})", frame)
        assert not (yes & no).any()
    assert evaluate("not (grade == 9)", frame).tolist() == [False, False, True, False, False]
    assert evaluate("race_ethnicity != 'White'", frame).tolist() == [
        True,
        False,
        False,
        True,
        True,
    ]
    # but a missing part does not matter once the answer is known
    assert evaluate("low_income or grade == 9", frame)[1]
    assert evaluate("not (low_income and grade == 9)", frame)[3]


def test_columns_come_before_constants():
    frame = pd.DataFrame({"limit": [1.0, 3.0], "x": [2.0, 2.0]})
    assert evaluate("x >= limit", frame, {"limit": 0.0}).tolist() == [True, False]


def test_parse_reports_names():
    cond = parse("credits_earned >= 5 and core_fails == 0 or not low_income or true")
    assert isinstance(cond, Condition)
    assert cond.columns == {"credits_earned", "core_fails", "low_income"}
    assert parse(cond) is cond


@pytest.mark.parametrize(
    ("text", "fragment", "column"),
    [
        ("x ** 2 > 4", "`**`", "x"),
        ("grade + 1 == 10", "`+`", "grade"),
        ("__import__('os')", "cannot call functions", "__import__"),
        ("open('/etc/passwd').read()", "cannot call functions", None),
        ("grade.real == 9", "attribute", "grade"),
        ("grade is None", "`is`", "grade"),
        ("grade in 9", "list of values", "grade"),
        ("grade in [core_fails]", "may hold only values", "core_fails"),
        ("lambda: 1", "Lambda", None),
        ("grade[0] == 9", "Subscript", "grade"),
        ("grade = 9", "not a valid condition", None),
        ("grade == None", "None", None),
        ("[x for x in y]", "ListComp", "x"),
    ],
)
def test_parse_refuses_what_is_not_allowed(text, fragment, column):
    with pytest.raises(MeasureError) as info:
        parse(text)
    assert fragment in str(info.value)
    assert f"`{text}`" in str(info.value)
    if column is not None:
        assert info.value.column == column


def test_parse_refuses_empty_and_non_text():
    with pytest.raises(MeasureError, match="empty"):
        parse("  ")
    with pytest.raises(MeasureError, match="must be text"):
        parse(3)  # type: ignore[arg-type]


def test_check_unknown_column_suggests_a_spelling():
    with pytest.raises(MeasureError) as info:
        check("credit_earned >= 5", KINDS, table="students")
    err = info.value
    assert err.column == "credit_earned" and err.table == "students"
    assert "credits_earned" in err.hint


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("race_ethnicity == 3", "race_ethnicity"),
        ("grade == '9'", "grade"),
        ("low_income == 1", "low_income"),
        ("low_income > false", "low_income"),
        ("race_ethnicity < 'M'", "race_ethnicity"),
        ("grade", "grade"),
        ("race_ethnicity", "race_ethnicity"),
        ("grade in ['9', '10']", "grade"),
        ("fafsa_date < 'soon'", "fafsa_date"),
        ("fafsa_date > 3", "fafsa_date"),
        ("enrolled_grad_rate >= label", "enrolled_grad_rate"),
        ("race_ethnicity == grade", "race_ethnicity"),
    ],
)
def test_check_type_mismatch(text, column):
    with pytest.raises(MeasureError, match="type mismatch") as info:
        check(text, KINDS, {"label": "x"})
    assert info.value.column == column
    assert f"`{text}`" in str(info.value)


def test_check_accepts_well_typed_conditions():
    for text in (
        "grade == 9 and credits_earned >= 5.5",
        "low_income == true and race_ethnicity in ['Black']",
        "fafsa_date <= '2024-03-02'",
        "enrolled_grad_rate >= grad_rate_threshold",
        "1 == 1",
    ):
        assert isinstance(check(text, KINDS, {"grad_rate_threshold": 0.6}), Condition)


def test_check_mixed_list():
    with pytest.raises(MeasureError, match="mixes kinds"):
        check("grade in [9, 'ten']", KINDS)


def test_evaluate_checks_against_the_frame(frame):
    with pytest.raises(MeasureError, match="does not have"):
        evaluate("gpa > 3", frame)
    with pytest.raises(MeasureError, match="type mismatch"):
        evaluate("race_ethnicity > 3", frame)


def test_column_kinds():
    assert column_kind("int") == column_kind(np.dtype("int64")) == "number"
    assert column_kind(pd.BooleanDtype()) == column_kind("b") == "bool"
    assert column_kind(pd.CategoricalDtype(["a"])) == column_kind("str") == "str"
    assert column_kind(np.dtype("datetime64[ns]")) == "date"


def test_object_columns_and_categoricals():
    frame = pd.DataFrame(
        {
            "flag": pd.Series([True, None, False], dtype=object),
            "race": pd.Categorical(["Black", "White", None]),
        }
    )
    assert evaluate("flag", frame).tolist() == [True, False, False]
    assert evaluate("not flag", frame).tolist() == [False, False, True]
    assert evaluate("race in ['Black', 'Latinx']", frame).tolist() == [True, False, False]


def test_columns_with_no_values_meet_nothing():
    frame = pd.DataFrame(
        {
            "rate": pd.Series([None, None], dtype=object),
            "mixed": pd.Series([0.7, None], dtype=object),
        }
    )
    assert evaluate("rate >= 0.6", frame).tolist() == [False, False]
    assert evaluate("not rate >= 0.6", frame).tolist() == [False, False]
    assert evaluate("rate == 'x' or true", frame).tolist() == [True, True]
    assert evaluate("mixed >= 0.6", frame).tolist() == [True, False]
