"""StudentTracker detail files: both dialects, every quirk, NSC's definitions per student."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netlab import clean, pipeline, sources
from netlab.params import from_dict
from netlab.sources import _io as nio

KEY = "0123456789abcdef"

HS = ["YOUR_UNIQUE_IDENTIFIER", "FIRST_NAME", "MIDDLE_NAME", "LAST_NAME", "NAME_SUFFIX",
      "REQUESTER_RETURN_FIELD", "RECORD_FOUND_Y/N", "HIGH_SCHOOL_CODE", "HIGH_SCHOOL_GRAD_DATE",
      "COLLEGE_CODE/BRANCH", "COLLEGE_NAME", "COLLEGE_STATE", "2-YEAR/4-YEAR", "PUBLIC/PRIVATE",
      "ENROLLMENT_BEGIN", "ENROLLMENT_END", "ENROLLMENT_STATUS", "GRADUATED", "GRADUATION_DATE",
      "DEGREE_TITLE", "MAJOR", "COLLEGE_SEQUENCE", "PROGRAM_CODE"]  # fmt: skip
TITLE = ["Your Unique Identifier", "First Name", "Middle Initial", "Last Name", "Name Suffix",
         "Requester Return Field", "Record Found Y/N", "Search Date", "College Code/Branch",
         "College Name", "College State", "2-year / 4-year", "Public / Private",
         "Enrollment Begin", "Enrollment End", "Enrollment Status", "Class Level",
         "Enrollment Major 1", "Enrollment CIP 1", "Graduated?", "Graduation Date",
         "Degree Title", "Degree Major 1", "Degree CIP 1", "College Sequence"]  # fmt: skip

INSTITUTIONS = """unitid,name,level,control,opeid,grad_rate
110635,University of California-Berkeley,4-year,public,00131200,0.93
122409,San Diego State University,4-year,public,00115100,0.78
113333,Harbor Community College,2-year,public,00999900,0.30
"""


def hs_row(sid, found="Y", code="", begin="", end="", grad="N", gdate="", title="", seq="",
           level="4-year", name="JOSÉ"):  # fmt: skip
    cells = dict.fromkeys(HS, "")
    cells.update({
        "YOUR_UNIQUE_IDENTIFIER": f"{sid}_", "FIRST_NAME": name, "LAST_NAME": "DOE",
        "RECORD_FOUND_Y/N": found, "HIGH_SCHOOL_CODE": "050123", "HIGH_SCHOOL_GRAD_DATE":
        "20220605", "COLLEGE_CODE/BRANCH": code, "2-YEAR/4-YEAR": level if code else "",
        "PUBLIC/PRIVATE": "Public" if code else "", "ENROLLMENT_BEGIN": begin,
        "ENROLLMENT_END": end, "GRADUATED": grad if found == "Y" else "",
        "GRADUATION_DATE": gdate, "DEGREE_TITLE": title, "COLLEGE_SEQUENCE": seq,
    })  # fmt: skip
    return [cells[h] for h in HS]


def write_folder(folder: Path, nsc_rows, *, header=HS, name="studenttracker_20241101.csv",
                 encoding="utf-8", roster=None, years=None) -> Path:  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    ids = roster or ["0000101", "0000102", "0000103", "0000104", "0000105"]
    years = years or [2022] * len(ids)
    pd.DataFrame({"school_id": ["S1"], "school_name": ["One High"]}).to_csv(
        folder / "schools.csv", index=False
    )
    pd.DataFrame(
        {
            "student_id": ids,
            "school_id": "S1",
            "grad_year": years,
            "race_ethnicity": "Latinx",
        }
    ).to_csv(folder / "students.csv", index=False)
    (folder / "institutions.csv").write_text(INSTITUTIONS)
    pd.DataFrame(nsc_rows, columns=header).to_csv(folder / name, index=False, encoding=encoding)
    return folder


def read(folder: Path):
    tables, problems = nio.scan(folder)
    params = from_dict({"run": "t", "raw_dir": str(folder)})
    return clean.clean_tables(tables, params, key=KEY), problems


def by_student(result, ids):
    s = result.tables["students"]
    keys = clean.pseudonymize(pd.Series(ids), key=KEY)
    return s.set_index("student_key").loc[keys.to_numpy()].reset_index(drop=True)


def test_hs_dialect_outcomes_by_nsc_definitions(tmp_path):
    rows = [
        # 101: fall 4-year, spring, second fall (persisted), bachelor's within six years
        hs_row("0000101", code="001312-00", begin="20220822", end="20221216", seq="1"),
        hs_row("0000101", code="001312-00", begin="20230109", end="20230512"),
        hs_row("0000101", code="001312-00", begin="20230821", end="20231215"),
        hs_row("0000101", code="001312-00", grad="Y", gdate="20260515", title="BACHELOR OF ARTS"),
        # 102: first enrolls in the spring at a 2-year college (within a year, not fall)
        hs_row(
            "0000102", code="009999-00", begin="20230110", end="20230515", seq="1", level="2-year"
        ),  # fmt: skip
        # 103: dual enrollment before graduating only; then a certificate
        hs_row(
            "0000103", code="009999-00", begin="20220110", end="20220520", seq="1", level="2-year"
        ),  # fmt: skip
        hs_row(
            "0000103",
            code="009999-00",
            grad="Y",
            gdate="20240520",
            title="CERTIFICATE",
            level="2-year",
        ),  # fmt: skip
        # 104: not found
        hs_row("0000104", found="N"),
        # a student the roster does not hold
        hs_row("0009999", code="001151-00", begin="20220822", end="20221216", seq="1"),
    ]
    result, _ = read(write_folder(tmp_path, rows))
    s = by_student(result, ["0000101", "0000102", "0000103", "0000104", "0000105"])
    assert s["enrolled"].iloc[:4].tolist() == [True, False, False, False]
    assert s["enrolled_year1"].iloc[:4].tolist() == [True, True, False, False]
    assert s["persisted"].iloc[:4].tolist() == [True, False, False, False]
    assert s["completed_6yr"].iloc[:4].isna().all()  # the class of 2022 has not had six years
    assert s["enrolled_unitid"].iloc[:2].tolist() == ["110635", "113333"]
    assert s["enrolled_level"].iloc[:2].tolist() == ["4-year", "2-year"]
    assert s["enrolled_control"].iloc[0] == "public"
    # 105 was not sent: every outcome unknown, not "not enrolled"
    assert s.loc[4, ["enrolled", "enrolled_year1", "persisted"]].isna().all()
    # every row in = kept + excluded, per file; the stranger is excluded with its reason
    q = result.quality.set_index("table").loc["studenttracker"]
    assert (q["rows_in"], q["rows_kept"], q["rows_excluded"]) == (9, 8, 1)
    ex = result.exclusions[result.exclusions["table"] == "studenttracker"]
    assert ex["reason"].str.startswith("no roster student").tolist() == [True]
    assert ex["row"].tolist() == [9] and ex["value"].isna().all()  # no raw id in the log
    joins = result.sources["joins"].set_index("what")["count"]
    assert joins["roster students not in the file (not sent: outcomes unknown)"] == 1
    assert joins["file rows with no roster student (set aside)"] == 1


def test_six_year_completion_only_for_old_classes_certificates_apart(tmp_path):
    rows = [
        hs_row("0000101", code="001312-00", begin="20160822", end="20161216", seq="1"),
        hs_row(
            "0000101", code="001312-00", grad="Y", gdate="20200515", title="BACHELOR OF SCIENCE"
        ),
        hs_row(
            "0000102", code="009999-00", begin="20160822", end="20161216", seq="1", level="2-year"
        ),  # fmt: skip
        hs_row(
            "0000102",
            code="009999-00",
            grad="Y",
            gdate="20180520",
            title="CERT OF ACHIEVEMENT",
            level="2-year",
        ),  # fmt: skip
        hs_row(
            "0000103", code="009999-00", begin="20160822", end="20161216", seq="1", level="2-year"
        ),  # fmt: skip
        hs_row(
            "0000103",
            code="009999-00",
            grad="Y",
            gdate="20230520",
            title="ASSOCIATE IN ARTS",
            level="2-year",
        ),  # fmt: skip
        hs_row("0000104", code="001312-00", begin="20220822", end="20221216", seq="1"),
        hs_row("0000105", found="N"),
    ]
    folder = write_folder(tmp_path, rows, years=[2016, 2016, 2016, 2022, 2016],
                          name="studenttracker_20280801.csv")  # fmt: skip
    s = by_student(read(folder)[0], ["0000101", "0000102", "0000103", "0000104", "0000105"])
    # 2016 + 6 years ends 14 August 2022, before the search (1 August 2028); 2022 + 6 after
    assert s["completed_6yr"].tolist()[:3] == [True, False, False]  # 103's degree came late
    assert s["completed_certificate"].tolist()[:3] == [False, True, False]
    assert not s["completed_6yr"].iloc[4]  # not found, old enough: no degree
    assert pd.isna(s["completed_6yr"].iloc[3])  # the class of 2022 is too young


def test_title_case_dialect_latin1_pulls_and_sequence(tmp_path):
    def row(sid, searched, begin, end, seq="", found="Y", code="001312-00"):
        cells = dict.fromkeys(TITLE, "")
        cells.update({"Your Unique Identifier": f"{sid}_", "First Name": "Zoë",
                      "Record Found Y/N": found, "Search Date": searched,
                      "College Code/Branch": code if found == "Y" else "",
                      "College Name": "UC BERKELEY" if found == "Y" else "",
                      "2-year / 4-year": "4" if found == "Y" else "",
                      "Public / Private": "Public" if found == "Y" else "",
                      "Enrollment Begin": begin, "Enrollment End": end,
                      "Graduated?": "N", "College Sequence": seq})  # fmt: skip
        return [cells[h] for h in TITLE]

    rows = [
        # first pull (2022): one fall term, end date later revised
        row("0000101", "20221101", "20220822", "20221201", seq="1"),
        # second pull (2023): the same term again, and the spring
        row("0000101", "20231101", "20220822", "20221216", seq="1"),
        row("0000101", "20231101", "20230109", "20230512"),
        row("0000101", "20231101", "20230821", "20231215"),
        # a student not found in the first pull and found in the second
        row("0000102", "20221101", "", "", found="N"),
        row("0000102", "20231101", "20230109", "20230512", seq="1", code="1151-00"),
    ]
    folder = write_folder(tmp_path, rows, header=TITLE, name="outreach_detail.csv",
                          encoding="latin-1")  # fmt: skip
    result, _ = read(folder)
    s = by_student(result, ["0000101", "0000102"])
    assert s["persisted"].tolist() == [True, False]
    assert s["enrolled_year1"].tolist() == [True, True]
    assert s["enrolled_level"].tolist() == ["4-year", "4-year"]  # "4" in this dialect
    ex = result.exclusions[result.exclusions["table"] == "studenttracker"]
    reasons = dict(zip(ex["row"], ex["reason"], strict=True))
    assert reasons[1].startswith("same term in an earlier search; the row searched 2023-11-01")
    assert reasons[5] == "not found in one search but found in another"
    assert any("Windows-1252" in n for n in result.notes)
    q = result.quality.set_index("table").loc["studenttracker"]
    assert q["rows_in"] == q["rows_kept"] + q["rows_excluded"] == 6


def test_college_sequence_filled_down_within_each_college(tmp_path):
    # 101 starts with a summer bridge at Berkeley (sequence 1, before the fall window); in the
    # spring both Berkeley (its second row, sequence blank) and San Diego State (sequence 2)
    # begin the same day. Berkeley's blank is its 1 carried down, so Berkeley comes first,
    # though the rows are listed by term and San Diego State sits between Berkeley's rows.
    rows = [
        hs_row("0000101", code="001312-00", begin="20220620", end="20220805", seq="1"),
        hs_row("0000101", code="001151-00", begin="20230109", end="20230512", seq="2"),
        hs_row("0000101", code="001312-00", begin="20230109", end="20230512"),
    ]
    s = by_student(read(write_folder(tmp_path, rows))[0], ["0000101"])
    assert s["enrolled_unitid"].tolist() == ["110635"]
    assert s["enrolled"].tolist() == [False] and s["enrolled_year1"].tolist() == [True]


def test_file_resaved_in_excel_is_named_and_read_back(tmp_path):
    rows = [
        hs_row("0000101", code="1312-00", begin="44795", end="44911", seq="1"),  # serial dates
        hs_row("0000102", code="001151-00", begin="8/22/2022", end="12/16/2022", seq="1"),
    ]
    result, _ = read(write_folder(tmp_path, rows))
    p = result.problems
    hit = p[p["rule"].str.contains("re-saved in Excel")]
    assert len(hit) == 1 and hit["file"].iloc[0] == "studenttracker_20241101.csv"
    rule = hit["rule"].iloc[0]
    assert "ENROLLMENT_BEGIN dates became numbers (e.g. 44795)" in rule
    assert "leading zeros (e.g. 1312-00)" in rule
    s = by_student(result, ["0000101", "0000102"])
    assert s["enrolled"].tolist() == [True, True]
    assert s["enrolled_unitid"].tolist() == ["110635", "122409"]


def test_unmapped_college_codes_are_listed_not_dropped(tmp_path):
    rows = [
        hs_row("0000101", code="777777-00", begin="20220822", end="20221216", seq="1"),
        hs_row("0000102", code="001312-03", begin="20220822", end="20221216", seq="1"),
    ]
    result, _ = read(write_folder(tmp_path, rows))
    s = by_student(result, ["0000101", "0000102"])
    assert s["enrolled"].tolist() == [True, True]  # still enrolled
    assert pd.isna(s["enrolled_unitid"].iloc[0]) and s["enrolled_unitid"].iloc[1] == "110635"
    codes = result.sources["college_codes"].set_index("college_code")
    assert codes.loc["001312-03", "how"] == "main campus"
    assert codes.loc["777777-00", "how"] == "not in IPEDS"
    warn = result.problems[result.problems["column"] == "college_code"]
    assert (
        "777777-00" in warn["values"].iloc[0] and "college_codes.csv" in warn["what_to_do"].iloc[0]
    )
    assert any("1 of 2 college codes map" in n for n in result.notes)


def test_override_file_wins_over_opeid(tmp_path):
    rows = [hs_row("0000101", code="777777-00", begin="20220822", end="20221216", seq="1")]
    folder = write_folder(tmp_path, rows)
    (folder / "college_codes.csv").write_text(
        "college_code,unitid,note\n777777-00,122409,merged\n"
    )
    result, problems = read(folder)
    assert by_student(result, ["0000101"])["enrolled_unitid"].tolist() == ["122409"]
    assert result.sources["college_codes"]["how"].tolist() == ["override"]
    assert "college_codes" in set(result.quality["table"])


def test_map_college_codes_branch_fallback_and_shared_opeid():
    inst = pd.DataFrame(
        {
            "unitid": ["1", "2", "3"],
            "opeid": ["00131200", "00353700", "00353700"],
            "grad_rate": [0.9, None, 0.5],
        }
    )
    got = sources.map_college_codes(
        pd.Series(["001312-00", "001312-07", "003537-00", "12-00", "garbage"]), inst
    ).set_index("college_code")
    assert got.loc["001312-07", ["unitid", "how"]].tolist() == ["1", "main campus"]
    # two institutions share the OPEID: the one with a graduation rate, and it is said
    assert got.loc["003537-00", "unitid"] == "3"
    assert "shared OPEID" in got.loc["003537-00", "how"]
    assert got.loc["12-00", "how"] == "not in IPEDS"
    assert got.loc["garbage", "how"] == "not a college code"


@pytest.mark.parametrize("missing", ["RECORD_FOUND_Y/N", "COLLEGE_CODE/BRANCH"])
def test_missing_required_field_is_one_error_naming_what_to_write(tmp_path, missing):
    rows = [hs_row("0000101", code="001312-00", begin="20220822", end="20221216", seq="1")]
    folder = write_folder(tmp_path, rows)
    path = folder / "studenttracker_20241101.csv"
    frame = pd.read_csv(path, dtype=str).drop(columns=[missing])
    frame.to_csv(path, index=False)
    problems = pipeline.validate_dir(folder)
    errors = problems[problems["severity"] == "error"]
    # Without its required fields the file is not recognised as a StudentTracker file, so a
    # description naming it is needed; with one, the message names the field and the YAML.
    (folder / "studenttracker_20241101.yaml").write_text("format: studenttracker\n")
    problems = pipeline.validate_dir(folder)
    errors = problems[problems["severity"] == "error"]
    assert len(errors) == 1, errors[["rule"]].to_dict("records")
    e = errors.iloc[0]
    assert e["file"] == "studenttracker_20241101.csv"
    assert "required field" in e["rule"] and "studenttracker_20241101.yaml" in e["what_to_do"]
    assert "columns:" in e["what_to_do"]
