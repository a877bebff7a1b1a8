"""Cleaning real exports: headers, values, codes, duplicates, privacy and the quality log."""

from __future__ import annotations

import os
import stat

import numpy as np
import pandas as pd
import pytest

from netlab import clean, pipeline, schemas
from netlab.exceptions import SchemaError
from netlab.params import from_dict
from netlab.sources import _io as nio
from tests.sources.broken_exports import CDS, SCHOOL_NAMES, write_exports

KEY = "0123456789abcdef"


@pytest.fixture
def params(tmp_path):
    # The fixtures here are a few rows each, so any rule they break excludes far more than
    # the default limit (1% of a table); the limits have tests of their own.
    return from_dict({"run": "test", "raw_dir": str(tmp_path), "max_excluded_share": 1})


def _schools(**extra):
    base = {
        "school_id": ["S01", "S02"],
        "school_name": ["A", "B"],
        "district": ["D", "D"],
        "cohort": ["2021", "2022"],
        "enrollment": ["1000", "800"],
        "share_low_income": ["0.5", "0.6"],
    }
    return pd.DataFrame({**base, **extra})


def _students(n=4, **columns):
    base = {
        "student_id": [f"{900 + i}" for i in range(n)],
        "school_id": ["S01", "S02"] * (n // 2) + ["S01"] * (n % 2),
        "grad_year": ["2024"] * n,
    }
    return pd.DataFrame({**base, **columns})


def _clean(params, key=KEY, **frames):
    frames.setdefault("schools", _schools())
    return clean.clean_tables(nio.raw_tables(frames), params, key=key)


def _check_quality(result):
    q = result.quality
    assert (q["rows_in"] == q["rows_kept"] + q["rows_excluded"]).all()
    per_table = result.exclusions.groupby("table").size()
    for row in q.itertuples():
        assert per_table.get(row.table, 0) == row.rows_excluded
        if row.table in result.tables:
            assert len(result.tables[row.table]) == row.rows_kept


# --- The folder of broken exports ------------------------------------------------------------


@pytest.fixture
def broken(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    return write_exports(folder)


@pytest.fixture
def messy(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    return write_exports(folder, fatal=False)


def _one(problems, **where):
    mask = pd.Series(True, index=problems.index)
    for col, text in where.items():
        mask &= problems[col].fillna("").astype(str).str.contains(text, regex=False)
    hits = problems[mask]
    assert len(hits) == 1, problems[["file", "column", "rule"]].to_string()
    return hits.iloc[0]


def test_validate_dir_names_each_broken_file(broken, params):
    problems = pipeline.validate_dir(broken.folder, params=params)
    empty = _one(problems, file="traction.csv", rule="empty")
    assert empty["severity"] == "error"
    wrong = _one(problems, file="pdsa.xlsx", rule="looks like a text (CSV) file")
    assert wrong["severity"] == "error"
    typo = _one(problems, file="practices.csv", column="year", rule="'yaer'")
    assert typo["severity"] == "error"
    assert "Rename 'yaer' to 'year'" in typo["what_to_do"]
    # errors come first, so the command line shows what stops a run at the top
    assert problems["severity"].iloc[0] == "error"


def test_validate_dir_reports_misspelled_optional_header(broken, params):
    problems = pipeline.validate_dir(broken.folder, params=params)
    row = _one(problems, file="students.xlsx", column="fafsa_complet")
    assert row["severity"] == "warning"
    assert "did you mean 'fafsa_complete'" in row["rule"]


def test_names_column_is_dropped_with_a_message(messy, params):
    result = clean.clean_tables(nio.read_raw(messy.folder), params, key=KEY)
    row = _one(result.problems, column="First Name")
    assert "direct identifier" in row["rule"]
    assert row["file"] == "students.xlsx"
    assert any("'First Name' dropped" in n for n in result.notes)
    for table in result.tables.values():
        assert "First Name" not in table.columns
        assert not table.isin(["Ana", "Ben", "Cai"]).any().any()


def test_duplicates_exact_and_conflicting(messy, params):
    result = clean.clean_tables(nio.read_raw(messy.folder), params, key=KEY)
    ex = result.exclusions.set_index("row")
    dup_row, copied = messy.exact_duplicate
    assert ex.loc[dup_row, "reason"] == f"exact duplicate of row {copied}"
    lost, kept = messy.conflicting
    assert ex.loc[lost, "reason"].endswith(f"kept row {kept}")
    assert ex.loc[lost, "reason"].startswith("conflicting duplicate")
    problem = _one(result.problems, rule="exact duplicate")
    assert problem["rows"] == [dup_row]
    problem = _one(result.problems, rule="conflicting duplicate")
    assert problem["rows"] == [lost]
    students = result.tables["students"]
    assert len(students) == messy.students_rows - 2
    assert not students.duplicated(["student_key", "grad_year"]).any()
    # the kept copy is the more complete one: it has the FAFSA date
    assert students["fafsa_date"].eq(pd.Timestamp("2024-02-28")).sum() == 1


def test_excel_serials_flags_and_codes(messy, params):
    result = clean.clean_tables(nio.read_raw(messy.folder), params, key=KEY)
    students = result.tables["students"]
    row, iso = messy.serial_date
    assert students.loc[row - 1, "fafsa_date"] == pd.Timestamp(iso)
    assert students["fafsa_date"].dtype == "datetime64[ns]"
    assert students["low_income"].dtype == "boolean"
    assert students["low_income"].tolist()[:4] == [True, False, True, False]
    flag = _one(result.problems, column="low_income")
    assert flag["rows"] == [messy.unknown_flag_row]
    assert flag["values"] == ["maybe"]
    assert set(students["school_id"]) <= set(CDS)
    zeros = _one(result.problems, rule="leading zeros")
    assert zeros["rows"] == messy.padded_rows
    assert any("leading zeros restored" in n for n in result.notes)


def test_latin1_and_semicolon_files(messy, params):
    raw = nio.read_raw(messy.folder)
    assert any("not UTF-8" in n for n in raw["schools"].notes)
    assert any("';'" in n for n in raw["institutions"].notes)
    result = clean.clean_tables(raw, params, key=KEY)
    assert result.tables["schools"]["school_name"].tolist() == SCHOOL_NAMES
    assert result.tables["schools"]["share_low_income"].between(0, 1).all()
    inst = result.tables["institutions"]
    assert inst.columns.tolist() == ["unitid", "name", "level", "grad_rate"]
    assert inst["grad_rate"].tolist() == [0.92, 0.92, 0.21]


def test_enrolled_grad_rate_joined(messy, params):
    result = clean.clean_tables(nio.read_raw(messy.folder), params, key=KEY)
    s = result.tables["students"]
    rates = dict(zip(s["enrolled_unitid"].dropna(), s["enrolled_grad_rate"].dropna(), strict=True))
    assert rates == {"110635": 0.92, "123961": 0.92, "117140": 0.21}
    assert s.loc[~s["enrolled"].astype(bool), "enrolled_grad_rate"].isna().all()


def test_quality_invariant_on_messy_folder(messy, params):
    result = clean.clean_tables(nio.read_raw(messy.folder), params, key=KEY)
    _check_quality(result)
    assert result.quality.set_index("table").loc["students", "rows_in"] == messy.students_rows


def test_clean_raises_schema_error_listing_every_error(broken, params):
    with pytest.raises(SchemaError) as err:
        clean.clean_tables(nio.scan(broken.folder)[0], params, key=KEY)
    text = str(err.value)
    assert "practices.csv" in text and "'yaer'" in text
    assert (err.value.problems["severity"] == "error").sum() >= 1


def test_format_problems_is_a_readable_table(broken, params):
    text = clean.format_problems(pipeline.validate_dir(broken.folder, params=params), width=160)
    lines = text.splitlines()
    assert lines[0].split("|")[1].strip() == "file"
    assert "traction.csv" in text and "pdsa.xlsx" in text and "practices.csv" in text
    assert "ERROR" in text and "WARNING" in text
    assert lines[-1].startswith("3 error(s)")
    assert max(len(line) for line in lines) <= 160
    assert clean.format_problems(schemas.problems_frame()) == "No problems found."


def test_format_problems_shows_rows_and_values(params):
    students = _students(3, low_income=["Y", "sometimes", "N"])
    result = _clean(params, students=students)
    text = clean.format_problems(result.problems)
    assert "low_income" in text and "'sometimes'" in text
    row = [line for line in text.splitlines() if "low_income" in line][0]
    assert row.split("|")[3].strip() == "2"


def test_validate_dir_clean_folder_has_no_errors(messy, params):
    problems = pipeline.validate_dir(messy.folder, params=params)
    assert not (problems["severity"] == "error").any()
    assert (problems["severity"] == "warning").any()


def test_validate_dir_does_not_create_a_key(messy, tmp_path, monkeypatch):
    monkeypatch.setenv("NETLAB_HOME", str(tmp_path / "home"))
    pipeline.validate_dir(messy.folder)
    assert not (tmp_path / "home" / ".netlab").exists()


# --- Headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Student ID", "student_id"),
        ("SSID", "student_id"),
        ("student_number", "student_id"),
        ("School Code", "school_id"),
        ("CDS code", "school_id"),
        ("school", "school_id"),
        ("Grad Year", "grad_year"),
        ("cohort year", "grad_year"),
        ("FRL", "low_income"),
        ("FRPL", "low_income"),
        ("econ_disadv", "low_income"),
        ("low income", "low_income"),
        ("Ethnicity", "race_ethnicity"),
        ("race", "race_ethnicity"),
        ("EL", "english_learner"),
        ("ELL", "english_learner"),
        ("first generation", "first_gen"),
        ("FAFSA Complete", "fafsa_complete"),
        ("CADAA", "dream_act_complete"),
        ("UNITID", "enrolled_unitid"),
        (" GPA ", "gpa"),
    ],
)
def test_header_aliases(header, column):
    plan = clean.header_map("students", [header])
    assert plan["rename"] == {header: column}


def test_alias_depends_on_the_table():
    assert clean.header_map("schools", ["cohort year"])["rename"] == {"cohort year": "cohort"}
    assert clean.header_map("counts", ["Grad Year"])["rename"] == {"Grad Year": "year"}
    assert clean.header_map("institutions", ["unitid"])["rename"] == {"unitid": "unitid"}


def test_near_miss_and_repeated_headers():
    plan = clean.header_map("students", ["student_id", "school_id", "grad_yaer", "SSID"])
    assert plan["missing"] == [("grad_year", "grad_yaer")]
    assert plan["repeated"] == [("SSID", "student_id")]


@pytest.mark.parametrize(
    "header",
    ["First Name", "last_name", "Student Name", "DOB", "Birth Date", "Home Address", "Street",
     "Phone", "Parent Email", "SSN", "zip code"],
)  # fmt: skip
def test_direct_identifiers_detected(header):
    plan = clean.header_map("students", ["student_id", "school_id", "grad_year", header])
    assert plan["identifiers"] == [header]


def test_school_name_is_not_an_identifier():
    plan = clean.header_map("schools", ["school_id", "School Name", "district_name"])
    assert plan["identifiers"] == []
    assert plan["rename"]["School Name"] == "school_name"


def test_renames_are_noted_and_identifiers_never_reach_output(params):
    students = _students(2).rename(columns={"student_id": "Student ID"})
    students["Last Name"] = ["Zed", "Yu"]
    students["Date of Birth"] = ["2006-01-01", "2006-02-02"]
    result = _clean(params, students=students)
    assert any("'Student ID' read as student_id" in n for n in result.notes)
    out = result.tables["students"]
    assert not {"Last Name", "Date of Birth"} & set(out.columns)
    warned = result.problems[result.problems["rule"].str.contains("direct identifier")]
    assert set(warned["column"]) == {"Last Name", "Date of Birth"}
    assert (warned["severity"] == "warning").all()


# --- Values --------------------------------------------------------------------------------


def test_booleans():
    raw = pd.Series(["Y", "n", "Yes", "NO", "1", "0", "TRUE", "false", "T", "f", "", None, "x"])
    values, bad = clean.parse_column(raw, "bool")
    expected = [True, False, True, False, True, False, True, False, True, False, None, None, None]
    assert values.astype(object).where(values.notna(), None).tolist() == expected
    assert bad.tolist() == [False] * 12 + [True]


@pytest.mark.parametrize(
    ("label", "category"),
    [
        ("Hispanic or Latino", "Latinx"),
        ("Latina", "Latinx"),
        ("Latine", "Latinx"),
        ("latinx", "Latinx"),
        ("Black or African American", "Black"),
        ("African American", "Black"),
        ("American Indian or Alaska Native", "Indigenous"),
        ("Native American", "Indigenous"),
        ("Indigenous", "Indigenous"),
        ("Asian", "Asian"),
        ("Filipino", "Asian"),
        ("Native Hawaiian or Other Pacific Islander", "Pacific Islander"),
        ("White", "White"),
        ("Two or More Races", "Multiracial"),
        ("Multiracial", "Multiracial"),
        ("", "Unknown"),
        ("Declined to State", "Unknown"),
        ("Other", "Unknown"),
    ],
)
def test_race_labels(label, category):
    values, bad = clean.parse_column(pd.Series([label]), "race")
    assert values.tolist() == [category]
    assert not bad.any()


def test_unrecognised_race_label_is_unknown_with_a_warning(params):
    students = _students(2, race_ethnicity=["Martian", "White"])
    result = _clean(params, students=students)
    assert result.tables["students"]["race_ethnicity"].tolist() == ["Unknown", "White"]
    row = _one(result.problems, column="race_ethnicity")
    assert row["values"] == ["Martian"] and row["rows"] == [1]


def test_dates_iso_us_and_excel_serials():
    raw = pd.Series(["2024-01-30", "1/30/2024", "01/30/24", "45321", "2024-01-30 00:00:00", ""])
    values, bad = clean.parse_column(raw, "date")
    assert values.dtype == "datetime64[ns]"
    assert values.iloc[:5].eq(pd.Timestamp("2024-01-30")).all()
    assert pd.isna(values.iloc[5])
    assert not bad.any()
    _, bad = clean.parse_column(pd.Series(["soon"]), "date")
    assert bad.tolist() == [True]


def test_numbers_and_ids():
    values, bad = clean.parse_column(pd.Series(["1,250", "3", "2.5", "x"]), "Int")
    assert values.tolist()[:2] == [1250, 3]
    assert bad.tolist() == [False, False, True, True]
    ids, _ = clean.parse_column(pd.Series(["123.0", " 0456 ", "1.234567e+06", None]), "id")
    assert ids.iloc[:3].tolist() == ["123", "0456", "1234567"]
    assert pd.isna(ids.iloc[3])


def test_typed_input_from_memory(params):
    students = pd.DataFrame(
        {
            "student_id": [1, 2],
            "school_id": ["S01", "S02"],
            "grad_year": [2024, 2025],
            "low_income": [True, False],
            "fafsa_date": pd.to_datetime(["2024-01-30", None]),
        }
    )
    out = _clean(params, students=students).tables["students"]
    assert out["grad_year"].dtype == "int64"
    assert out["low_income"].tolist() == [True, False]
    assert out["fafsa_date"].iloc[0] == pd.Timestamp("2024-01-30")


def test_gender_and_level(params):
    students = _students(4, gender=["Female", "m", "Non-binary", "?"],
                         enrolled_level=["4 year", "Community College", "2-yr", "university"])  # fmt: skip
    out = _clean(params, students=students).tables["students"]
    assert out["gender"].tolist()[:3] == ["F", "M", "X"]
    assert pd.isna(out["gender"].iloc[3])
    assert out["enrolled_level"].tolist() == ["4-year", "2-year", "2-year", "4-year"]


# --- School codes --------------------------------------------------------------------------


def test_leading_zeros_restored_only_where_schools_show_them(params):
    schools = _schools(school_id=["01234567890123", "11234567890123"])
    students = _students(3, school_id=["1234567890123", "11234567890123", "234567890123"])
    result = _clean(params, schools=schools, students=students)
    out = result.tables["students"]
    assert out["school_id"].tolist() == ["01234567890123", "11234567890123"]
    ex = result.exclusions
    assert ex["reason"].tolist() == ["school_id not in the schools table"]
    assert ex["value"].tolist() == ["234567890123"]  # padding would not make it a known school
    assert ex["row"].tolist() == [3]


def test_schools_own_codes_padded_to_their_width(params):
    schools = _schools(school_id=["1234567890123", "11234567890123"])
    result = _clean(
        params,
        schools=schools,
        students=_students(2, school_id=["01234567890123", "11234567890123"]),
    )
    assert result.tables["schools"]["school_id"].tolist() == ["01234567890123", "11234567890123"]
    assert len(result.tables["students"]) == 2


def test_short_numeric_ids_are_left_alone(params):
    schools = _schools(school_id=["7", "12"])
    result = _clean(params, schools=schools, students=_students(2, school_id=["7", "12"]))
    assert result.tables["schools"]["school_id"].tolist() == ["7", "12"]


def test_excel_float_codes(params):
    schools = _schools(school_id=["101.0", "102.0"])
    result = _clean(params, schools=schools, students=_students(2, school_id=["101", "102.0"]))
    assert result.tables["students"]["school_id"].tolist() == ["101", "102"]


# --- Rows excluded, not lost ---------------------------------------------------------------


def test_row_rules_exclude_with_reasons(params):
    students = _students(
        6,
        student_id=["1", "2", "", "4", "5", "6"],
        school_id=["S01", "", "S01", "S09", "S01", "S02"],
        grad_year=["2024", "2024", "2024", "2024", "1850", "2024"],
        gpa=["3.1", "2.0", "2.5", "3.3", "3.0", "9.9"],
    )
    result = _clean(params, students=students)
    ex = result.exclusions.set_index("row")
    assert ex.loc[2, "reason"] == "school_id is blank or not understood"
    assert ex.loc[3, "reason"] == "student_id is blank or not understood"
    assert ex.loc[4, "reason"] == "school_id not in the schools table"
    assert ex.loc[4, "value"] == "S09"
    assert ex.loc[5, "reason"] == "grad_year must be at least 1990"
    out = result.tables["students"]
    assert len(out) == 2
    # a bad value in a column that may be blank is blanked, not a reason to drop the senior
    assert np.isnan(out["gpa"].iloc[1])
    assert _one(result.problems, column="gpa")["rows"] == [6]
    _check_quality(result)


def test_counts_rules_and_suppression(params):
    counts = pd.DataFrame(
        {
            "School Code": ["S01", "S01", "S02", "S02", "S01"],
            "Year": ["2024"] * 5,
            "Student Group": ["All Students", "Black or African American", "Hispanic or Latino",
                              "Socioeconomically Disadvantaged", "English Learners"],
            "measure": ["FAFSA Complete"] * 5,
            "numerator": ["12", "<5", "30", "*", "-1"],
            "denominator": ["40", "8", "25", "10", "5"],
        }
    )  # fmt: skip
    result = _clean(params, counts=counts)
    out = result.tables["counts"]
    assert out["group"].tolist() == ["all", "black", "low_income"]
    assert (out["measure"] == "fafsa_complete").all()
    assert out["numerator_suppressed"].tolist() == [False, True, True]
    assert out["numerator"].isna().tolist() == [False, True, True]
    ex = result.exclusions.set_index("row")
    assert ex.loc[3, "reason"] == "numerator must not exceed denominator"
    assert ex.loc[3, "value"] == "numerator=30, denominator=25"
    assert ex.loc[5, "reason"] == "numerator must be at least 0"
    _check_quality(result)


def test_unknown_table_is_reported_and_accounted_for(params):
    result = _clean(params, students=_students(2), mascots=pd.DataFrame({"name": ["Owls"] * 3}))
    row = _one(result.problems, table="mascots")
    assert row["severity"] == "warning" and "unknown table" in row["rule"]
    q = result.quality.set_index("table").loc["mascots"]
    assert (q["rows_in"], q["rows_kept"], q["rows_excluded"]) == (3, 0, 3)
    assert "mascots" not in result.tables
    _check_quality(result)


def test_missing_tables_and_columns_raise(params):
    with pytest.raises(SchemaError, match="no students or counts table"):
        _clean(params)
    with pytest.raises(SchemaError, match="required column 'grad_year'") as err:
        _clean(params, students=_students(2).drop(columns=["grad_year"]))
    assert err.value.problems.iloc[0]["file"] == "<students>"


def test_extra_columns_declared_are_typed_and_kept(tmp_path):
    params = from_dict(
        {
            "run": "x",
            "raw_dir": str(tmp_path),
            "extra_columns": {
                "students": {"credits_earned": "float", "on_track": "bool"},
                "ninth_grade": {"grade": "int", "core_fails": "int"},
            },
        }
    )
    students = _students(2, credits_earned=["5.5", "6"], on_track=["Y", "N"], locker=["1", "2"])
    ninth = pd.DataFrame({"school_id": ["S01"], "student_id": ["77"], "grade": ["9"],
                          "core_fails": ["0"]})  # fmt: skip
    result = _clean(params, students=students, ninth_grade=ninth)
    out = result.tables["students"]
    assert out["credits_earned"].tolist() == [5.5, 6.0]
    assert out["on_track"].tolist() == [True, False]
    assert "locker" not in out.columns
    assert _one(result.problems, column="locker")["severity"] == "warning"
    ninth_out = result.tables["ninth_grade"]
    assert ninth_out.columns.tolist() == ["student_key", "school_id", "grade", "core_fails"]
    assert ninth_out["grade"].tolist() == [9]


def test_duplicate_rule_prefers_complete_then_later_rows(params):
    students = _students(
        5,
        student_id=["1", "1", "2", "2", "2"],
        school_id=["S01"] * 5,
        fafsa_complete=["Y", "Y", "N", "Y", ""],
        cal_grant=["", "N", "N", "Y", "Y"],
    )
    result = _clean(params, students=students)
    ex = result.exclusions.set_index("row")["reason"]
    # student 1: row 2 has more filled in; student 2: rows 3 and 4 tie, the later (4) wins
    assert ex[1].endswith("kept row 2")
    assert ex[3].endswith("kept row 4")
    assert ex[5].endswith("kept row 4")
    assert len(result.tables["students"]) == 2
    _check_quality(result)


def test_same_student_in_two_years_is_not_a_duplicate(params):
    students = _students(2, student_id=["1", "1"], grad_year=["2024", "2025"])
    assert len(_clean(params, students=students).tables["students"]) == 2


# --- Pseudonymization ----------------------------------------------------------------------


def test_pseudonyms_are_keyed_and_stable():
    ids = pd.Series(["A100", "A101", "A100"])
    one = clean.pseudonymize(ids, key=KEY)
    assert one.iloc[0] == one.iloc[2] != one.iloc[1]
    assert one.str.fullmatch(r"[0-9a-f]{16}").all()
    assert one.equals(clean.pseudonymize(ids, key=KEY))
    other = clean.pseudonymize(ids, key="fedcba9876543210")
    assert not (one == other).any()


def test_pseudonyms_are_keyed_blake2b_and_pinned():
    # Known outputs: keyed BLAKE2b, 8-byte digest, of each id's UTF-8 text (RFC 7693). A change
    # here breaks every link between terms, so these values must never change.
    ids = pd.Series(["123", "0123", "S-0001", "Müller-7", None])
    assert clean.pseudonymize(ids, key=KEY).tolist()[:4] == [
        "1cce4965babd4b53",
        "db0340a4d4dadf14",
        "6ba5bd97064b8ce4",
        "3ca823f8122599b5",
    ]
    assert clean.pseudonymize(ids, key=KEY).isna().tolist() == [False] * 4 + [True]
    import hashlib

    independent = hashlib.blake2b(b"S-0001", key=KEY.encode(), digest_size=8).hexdigest()
    assert independent == "6ba5bd97064b8ce4"


def test_the_student_key_of_a_cleaned_roster_is_the_pinned_pseudonym(params):
    students = _students(2).assign(student_id=["123", "S-0001"], school_id=["S01", "S02"])
    result = _clean(params, students=students)
    keys = result.tables["students"]["student_key"].tolist()
    assert keys == ["1cce4965babd4b53", "6ba5bd97064b8ce4"]


def test_raw_ids_appear_nowhere_in_outputs(messy, params):
    result = clean.clean_tables(nio.read_raw(messy.folder), params, key=KEY)
    outputs = [*result.tables.values(), result.exclusions, result.problems.astype(str)]
    for frame in outputs:
        text = frame.astype(str)
        for raw_id in messy.student_ids:
            assert (
                not text.apply(lambda col, r=raw_id: col.str.contains(r, regex=False)).any().any()
            )
    assert "student_id" not in result.tables["students"].columns
    assert KEY not in " ".join(result.notes)


def test_key_file_created_private_and_reused(tmp_path, monkeypatch, params):
    monkeypatch.setenv("NETLAB_HOME", str(tmp_path))
    first = _clean(params, key=None, students=_students(2))
    key_path = tmp_path / ".netlab" / "pseudonym.key"
    assert key_path.exists()
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    key = key_path.read_text().strip()
    assert len(key) == 16
    second = _clean(params, key=None, students=_students(2))
    a, b = first.tables["students"], second.tables["students"]
    assert a["student_key"].tolist() == b["student_key"].tolist()
    assert (
        a["student_key"].tolist()
        == clean.pseudonymize(pd.Series(["900", "901"]), key=key).tolist()
    )
    for frame in (*first.tables.values(), first.exclusions, first.problems.astype(str)):
        assert not frame.astype(str).isin([key]).any().any()


def test_other_keys_are_stretched_to_16_characters():
    assert len(clean.pseudonym_key("short")) == 16
    assert clean.pseudonym_key("short") == clean.pseudonym_key("short")
    assert clean.pseudonym_key(KEY) == KEY


def test_one_row_per_key_in_other_tables(params):
    schools = _schools(school_id=["S01", "S02", "S02"], school_name=["A", "B", "B"],
                       district=["D", "D", "D"], cohort=["2021", "2022", "2022"],
                       enrollment=["1000", "800", "800"], share_low_income=["0.5", "0.6", "0.6"])  # fmt: skip
    counts = pd.DataFrame(
        {
            "school_id": ["S01", "S01", "S01"],
            "year": ["2024"] * 3,
            "group": ["all"] * 3,
            "measure": ["fafsa_complete"] * 3,
            "numerator": ["10", "12", ""],
            "denominator": ["20", "20", "20"],
        }
    )
    result = _clean(params, schools=schools, counts=counts)
    ex = result.exclusions.set_index(["table", "row"])["reason"]
    assert ex[("schools", 3)] == "exact duplicate of row 2"
    assert ex[("counts", 1)].endswith("kept row 2")  # tie on completeness: the later row
    assert ex[("counts", 3)].endswith("kept row 2")  # less complete
    assert result.tables["counts"]["numerator"].tolist() == [12]
    assert result.tables["schools"]["school_id"].tolist() == ["S01", "S02"]
    _check_quality(result)


# --- Exclusion limits ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def roster(tmp_path_factory):
    """A 12-school synthetic network's exports, as written for a term."""
    from netlab import synth

    folder = tmp_path_factory.mktemp("roster")
    synth.write(synth.generate(12, years=range(2022, 2027), seed=5), folder)
    return folder, pd.read_csv(folder / "students.csv", dtype=str, keep_default_na=False)


def _blank_school_ids(roster, tmp_path, every: int):
    folder, students = roster
    out = tmp_path / "raw"
    out.mkdir()
    for f in folder.iterdir():
        (out / f.name).write_bytes(f.read_bytes())
    blank = np.arange(len(students)) % every == 0
    students.assign(school_id=np.where(blank, "", students["school_id"])).to_csv(
        out / "students.csv", index=False
    )
    return out, int(blank.sum()), len(students)


def test_a_rule_excluding_more_than_the_limit_is_an_error_naming_the_share_and_key(
    roster, tmp_path
):
    folder, n_blank, n = _blank_school_ids(roster, tmp_path, every=7)  # 14%
    problems = pipeline.validate_dir(folder)
    errors = problems[problems["severity"] == "error"]
    assert len(errors) == 1, clean.format_problems(problems)
    err = errors.iloc[0]
    assert err["file"] == "students.csv" and err["column"] == "school_id"
    assert f"{n_blank:,} of {n:,} rows (14%) excluded" in err["rule"]
    assert "max_excluded_share" in err["rule"]
    assert "allow_excluded: {students.school_id_blank: {share: 0.15" in err["what_to_do"]
    assert err["n_rows"] == n_blank
    text = clean.format_problems(problems, width=200)
    assert f"(+{n_blank - 8:,} more)" in text  # the true count, not the rows listed

    # build stops: preparing raises with the same error
    params = from_dict({"run": "t", "raw_dir": str(folder)})
    with pytest.raises(SchemaError, match="14%"):
        clean.clean_tables(nio.read_raw(folder), params, key=KEY)


def test_a_params_allowance_with_its_reason_lets_the_rule_pass_and_says_why(roster, tmp_path):
    folder, n_blank, _ = _blank_school_ids(roster, tmp_path, every=7)
    allow = {"students.school_id_blank": {"share": 0.15, "reason": "transfers not yet placed"}}
    params = from_dict({"run": "t", "raw_dir": str(folder), "allow_excluded": allow})
    result = clean.clean_tables(nio.read_raw(folder), params, key=KEY)
    assert not (result.problems["severity"] == "error").any()
    assert any("transfers not yet placed" in note and "15%" in note for note in result.notes)
    _check_quality(result)
    # the allowance is for that rule only, and only up to its share
    tight = {"students.school_id_blank": {"share": 0.10, "reason": "too tight"}}
    params = from_dict({"run": "t", "raw_dir": str(folder), "allow_excluded": tight})
    with pytest.raises(SchemaError) as caught:
        clean.clean_tables(nio.read_raw(folder), params, key=KEY)
    rule = _one(caught.value.problems, severity="error")["rule"]
    assert "allows (10%, allow_excluded.students.school_id_blank)" in rule


def test_below_the_limit_an_exclusion_stays_a_warning(roster, tmp_path):
    folder, n_blank, n = _blank_school_ids(roster, tmp_path, every=200)  # 0.5%
    problems = pipeline.validate_dir(folder)
    assert not (problems["severity"] == "error").any()
    row = _one(problems, column="school_id", severity="warning")
    assert f"{n_blank:,} of {n:,} rows (0.5%) excluded" in row["rule"]


def test_exact_copies_lose_nothing_and_have_no_limit(params, tmp_path):
    strict = from_dict({"run": "test", "raw_dir": str(tmp_path)})
    students = _students(4)
    result = _clean(strict, students=pd.concat([students, students], ignore_index=True))
    assert not (result.problems["severity"] == "error").any()
    assert len(result.tables["students"]) == 4
