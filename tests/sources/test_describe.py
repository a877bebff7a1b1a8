"""Files netlab has never seen: recognised, or drafted by ``netlab describe``, or one message."""

from __future__ import annotations

from pathlib import Path

from netlab import clean, pipeline, sources
from netlab.cli import main
from netlab.params import from_dict
from netlab.sources import _io as nio

KEY = "0123456789abcdef"

# A state aid agency's counts: `Enrollment` (not "12th Grade Enrollment") and FAFSA and
# Dream Act completions in one combined column.
COMBINED = """County,District,School,Year,Enrollment,FAFSA/CADAA Submitted,FAFSA/CADAA Completed
San Diego,Sweetwater Union,Bonita Vista High,2024,500,300,250
San Diego,Sweetwater Union,Chula Vista High,2024,450,200,150
Fresno,Fresno Unified,Roosevelt High,2024,400,210,170
"""
ROSTER = """Student_Number,Grad_Year,Hispanic_Indicator,Race_Code_1,Race_Code_2
1001,2024,N,600,
1002,2024,Y,700,
1003,2024,N,201,400
1004,2024,N,700,600
"""
SCHOOLS = "school_id,school_name\nS1,One High\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def cleaned(folder: Path):
    p = from_dict({"run": "t", "raw_dir": str(folder), "max_excluded_share": 0.5})
    tables, problems = nio.scan(folder, params=p)
    errors = [x for x in problems if x["severity"] == "error"]
    assert not errors, errors
    return clean.clean_tables(tables, p, key=KEY)


def test_combined_column_file_with_enrollment_is_recognised(tmp_path):
    write(tmp_path / "county_aid_2024.csv", COMBINED)
    assert sources.describe_folder(tmp_path)["description"].tolist() == ["county-aid-counts"]
    c = cleaned(tmp_path).tables["counts"].set_index(["school_id", "measure"])
    # the combined column is the count; Enrollment the denominator (hand counts above)
    row = c.loc[("sweetwater_union.bonita_vista_high", "fafsa_complete")]
    assert (row["numerator"], row["denominator"]) == (250, 500)
    row = c.loc[("fresno_unified.roosevelt_high", "fafsa_submitted")]
    assert (row["numerator"], row["denominator"]) == (210, 400)


# A county file with FAFSA columns only: no Dream Act column, combined or apart.
FAFSA_ONLY = """County,District,School,Year,Enrollment,FAFSA Submitted,FAFSA Completed
San Diego,Sweetwater Union,Bonita Vista High,2024,500,300,250
Fresno,Fresno Unified,Roosevelt High,2024,400,210,170
"""


def test_fafsa_only_county_file_is_recognised_and_sums_what_it_has(tmp_path):
    write(tmp_path / "county_fafsa_2024.csv", FAFSA_ONLY)
    assert sources.describe_folder(tmp_path)["description"].tolist() == ["county-aid-counts"]
    result = cleaned(tmp_path)
    c = result.tables["counts"].set_index(["school_id", "measure"])
    # hand counts: the FAFSA column alone is the count, Enrollment the denominator
    row = c.loc[("sweetwater_union.bonita_vista_high", "fafsa_complete")]
    assert (row["numerator"], row["denominator"]) == (250, 500)
    assert c.loc[("fresno_unified.roosevelt_high", "fafsa_submitted"), "numerator"] == 210
    assert set(c.index.get_level_values("measure")) == {"fafsa_submitted", "fafsa_complete"}
    notes = " ".join(result.notes)
    assert "FAFSA completed counts the file's 'FAFSA Completed' only" in notes
    assert "it has no cadaa_completed column" in notes


def test_a_roster_with_fafsa_and_enrollment_columns_is_not_a_counts_file(tmp_path):
    roster = "Student_ID,School,Grad_Year,Enrollment_Status,FAFSA_Completed\n1,S1,2024,Y,Y\n"
    write(tmp_path / "seniors.csv", roster)
    assert sources.describe_folder(tmp_path)["description"].tolist() != ["county-aid-counts"]


def test_format_with_own_aliases_and_no_dream_act_column_reads(tmp_path):
    write(tmp_path / "aid.csv", COMBINED.replace("FAFSA/CADAA", "Fafsa"))
    write(tmp_path / "aid.yaml", "format: county-aid-counts\ncolumns:\n  seniors: [Enrollment]\n"
          "wide:\n  measures:\n    cal_grant: [fafsa_submitted]\n")  # fmt: skip
    c = cleaned(tmp_path).tables["counts"].set_index(["school_id", "measure"])
    assert c.loc[("fresno_unified.roosevelt_high", "fafsa_complete"), "numerator"] == 170
    # the hub's wide block changes one measure and keeps the built-in's others
    assert c.loc[("fresno_unified.roosevelt_high", "cal_grant"), "numerator"] == 210


def test_race_code_headers_are_read(tmp_path):
    for spelling in ("Race_Code_1", "RACE_CODE_1", "race1", "Race 1"):
        folder = tmp_path / spelling.replace(" ", "_")
        second = spelling.replace("1", "2")
        write(folder / "roster.csv", ROSTER.replace("Race_Code_1", spelling)
              .replace("Race_Code_2", second).replace("Student_Number", "SSID"))  # fmt: skip
        write(folder / "schools.csv", SCHOOLS)
        write(folder / "roster.yaml", "format: sis-roster\ndefaults:\n  school_id: S1\n")
        s = cleaned(folder).tables["students"]
        # CALPADS: 600 Black; Hispanic Y is Latinx whatever the codes; Chinese + Filipino
        # is Asian; White + Black is two or more races.
        assert sorted(s["race_ethnicity"]) == sorted(["Black", "Latinx", "Asian", "Multiracial"])


def test_roster_keyed_by_student_number_as_the_docs_show(tmp_path):
    write(tmp_path / "roster.csv", ROSTER)
    write(tmp_path / "schools.csv", SCHOOLS)
    write(tmp_path / "roster.yaml", "format: sis-roster\ncolumns:\n  student_id: [Student_Number]"
          "\ndefaults:\n  school_id: S1\n")  # fmt: skip
    assert len(cleaned(tmp_path).tables["students"]) == 4


def test_one_header_for_two_roles_is_one_message(tmp_path):
    write(tmp_path / "roster.csv", ROSTER)
    write(tmp_path / "roster.yaml", "format: sis-roster\ncolumns:\n  grad_year: [Grad_Year]\n"
          "  grade: [Grad_Year]\n")  # fmt: skip
    problems = pipeline.validate_dir(tmp_path)
    rule = problems.loc[problems["column"] == "Grad_Year", "rule"].tolist()
    assert rule and "fits 2 roles (grad_year, grade)" in rule[0]


def test_describe_drafts_a_yaml_that_reads_without_edits(tmp_path, capsys):
    write(tmp_path / "roster.csv", ROSTER)
    write(tmp_path / "schools.csv", SCHOOLS)
    assert main(["describe", str(tmp_path / "roster.csv")]) == 0
    draft = (tmp_path / "roster.yaml").read_text()
    assert "format: sis-roster" in draft and "student_id: ['Student_Number']" in draft
    assert "race_1: ['Race_Code_1']  # seen: 600, 700, 201" in draft
    with (tmp_path / "roster.yaml").open("a") as fh:
        fh.write("defaults:\n  school_id: S1\n")  # the file has no school column
    assert len(cleaned(tmp_path).tables["students"]) == 4
    # never over a YAML that exists: one message, exit status 2
    assert main(["describe", str(tmp_path / "roster.csv")]) == 2
    assert "exists already" in capsys.readouterr().err


def test_describe_marks_a_doubtful_header_and_lists_what_it_lacks(tmp_path):
    path = write(tmp_path / "aid.csv", "Cnty,District,School,Year,Grade12 Enrolment,"
                 "FAFSA Submitted,FAFSA Completed\nX,D,S,2024,10,5,4\n")  # fmt: skip
    _, text = sources.draft_description(path, write=False)
    assert "format: county-aid-counts" in text
    assert "seniors: ['Grade12 Enrolment']  # IN DOUBT" in text
    assert "#  cal_grant: ['<header>']" in text
    assert not (tmp_path / "aid.yaml").exists()


def test_validate_names_the_nearest_builtin_and_the_command(tmp_path):
    write(tmp_path / "fa.csv", "Cnty,Dist,High School,Yr,Seniors Total,Submits,Completes\n"
          "X,D,S,2024,10,5,4\n")  # fmt: skip
    problems = pipeline.validate_dir(tmp_path)
    row = problems[problems["file"] == "fa.csv"].iloc[0]
    assert "nearest built-in description: county-aid-counts" in row["rule"]
    assert f"netlab describe {tmp_path / 'fa.csv'}" in row["what_to_do"]
    assert "extra_columns" not in row["what_to_do"]


def test_unread_look_alike_of_a_group_role_is_a_warning_naming_the_yaml(tmp_path):
    write(tmp_path / "roster.csv", "SSID,Grad_Year,Hispanic_Indicator,Race_Cd_One,Meal_Cd\n"
          "1001,2024,N,600,F\n")  # fmt: skip
    write(tmp_path / "roster.yaml", "format: sis-roster\n")
    problems = pipeline.validate_dir(tmp_path).set_index("column")
    race = problems.loc["Race_Cd_One"]
    assert race["severity"] == "warning" and "race_1" in race["rule"]
    assert "`columns: race_1: ['Race_Cd_One']` in roster.yaml" in race["what_to_do"]
    assert "low_income" in problems.loc["Meal_Cd", "rule"]
    # once written, the roster's race is read and the warning is gone
    write(tmp_path / "roster.yaml", "format: sis-roster\ncolumns:\n  race_1: [Race_Cd_One]\n"
          "  low_income: [Meal_Cd]\n")  # fmt: skip
    problems = pipeline.validate_dir(tmp_path)
    assert not problems["rule"].str.contains("no column was read as").any()


def test_duplicate_message_names_the_columns_rows_agree_on(tmp_path):
    write(tmp_path / "schools.csv", "school_id,school_name,note\nS1,One,a\nS1,One,b\nS2,Two,c\n")
    write(tmp_path / "counts.csv", "school_id,year,group,measure,numerator,denominator\n"
          "S1,2024,all,fafsa_complete,5,10\n")  # fmt: skip
    problems = pipeline.validate_dir(tmp_path)
    rule = problems.loc[problems["rule"].str.contains("duplicate"), "rule"].iloc[0]
    # the rows differ in `note`, a column netlab does not read: the message says which agree
    assert "in the columns netlab reads (school_id, school_name)" in rule


def test_a_school_with_enrollment_and_no_counts_is_named(tmp_path):
    write(
        tmp_path / "county_aid_2024.csv", COMBINED + "Fresno,Fresno Unified,Empty High,2024,90,,\n"
    )
    notes = " ".join(cleaned(tmp_path).notes)
    assert "1 school-year row(s) have an enrollment but no count" in notes
    assert "so those schools have no rates that year: Empty High" in notes
