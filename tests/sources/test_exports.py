"""Exports described in YAML: headers, values, types, ids, wide to long, joins, messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netlab import clean, pipeline, sources
from netlab.exceptions import InputError
from netlab.params import from_dict
from netlab.sources import _io as nio
from netlab.sources._describe import build_ids, load_description
from netlab.sources._header_match import plan_headers
from netlab.sources._read import read_export

KEY = "0123456789abcdef"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def read_dir(folder: Path, **params):
    # These files are a few rows long, so one row set aside on purpose is a large share of
    # its table: the exclusion limit itself is tested in test_faults.py.
    params = {"max_excluded_share": 0.5, **params}
    p = from_dict({"run": "t", "raw_dir": str(folder), **params})
    tables, problems = nio.scan(folder, params=p)
    assert not [x for x in problems if x["severity"] == "error"], problems
    return clean.clean_tables(tables, p, key=KEY)


def by_student(result, ids):
    keys = clean.pseudonymize(pd.Series(ids), key=KEY)
    return result.tables["students"].set_index("student_key").loc[keys.to_numpy()]


# --------------------------------------------------------------------------- the machinery
def test_aliases_ignore_case_spaces_and_punctuation():
    plan = plan_headers(
        ["Record Found Y/N", "COLLEGE_CODE/BRANCH", "Graduated?", "x"],
        {"found": ["record_found_y_n"], "code": ["college code branch"], "grad": ["graduated"]},
    )
    assert plan.columns == {"found": 0, "code": 1, "grad": 2}
    assert plan.unused == ["x"]


def test_regex_patterns_and_ambiguity():
    plan = plan_headers(["Race 1", "Race 2", "Grade"], {"race": ["^race"], "grade": ["grade"]})
    assert plan.ambiguous == {"race": ["Race 1", "Race 2"]} and plan.columns == {"grade": 2}


def test_build_ids_from_names():
    ids = build_ids(
        {"district": pd.Series(["Alhambra Unified ", "ALHAMBRA UNIFIED", None]),
         "school_name": pd.Series(["Alhambra High", "alhambra  high", "X"])},
        "{district}.{school_name}",
    )  # fmt: skip
    assert ids.tolist()[:2] == ["alhambra_unified.alhambra_high"] * 2 and pd.isna(ids[2])
    padded = build_ids({"d": pd.Series(["7", "98Z"]), "s": pd.Series(["12", "3"])},
                       "FL-{d}-{s}", slug=False, widths={"d": 2, "s": 4}, upper=True)  # fmt: skip
    assert padded.tolist() == ["FL-07-0012", "FL-98Z-0003"]


def test_description_keys_are_checked_and_format_merges(tmp_path):
    bad = write(tmp_path / "x.yaml", "format: applications\ncolums: {}\n")
    with pytest.raises(InputError, match="colums: unknown key"):
        load_description(bad)
    with pytest.raises(InputError, match="No built-in description called 'navaince'"):
        load_description(write(tmp_path / "y.yaml", "format: navaince\n"))
    good = write(
        tmp_path / "z.yaml", "format: applications\nvalues: {result: {Likely: admitted}}\n"
    )
    desc = load_description(good)
    assert desc.kind == "applications" and desc.spec.values["result"]["Likely"] == "admitted"
    assert desc.spec.values["result"]["denied"] == "denied"  # the built-in's map is kept


def test_types_dates_and_value_maps(tmp_path):
    path = write(
        tmp_path / "aid.csv",
        "SSID,Application Type,Completed Date,Cal Grant Status\n"
        "1,FAFSA,20240115,Offered\n2,CADAA,45306,Not Offered\n3,FAFSA,1/15/2024,Maybe\n"
        "4,PELL,2024-01-15,\n",
    )
    rx = read_export(
        path, load_description(write(tmp_path / "aid.yaml", "format: aid-completion\n"))
    )
    assert rx.frame["completed_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-15"] * 4
    assert rx.frame["cal_grant"].tolist()[:2] == [True, False]
    assert rx.frame["app_type"].tolist()[:2] == ["fafsa", "cadaa"]
    warnings = {p["column"]: p for p in rx.problems}
    # one message per value outside a map, naming the file, column, rows and what to write
    assert warnings["Cal Grant Status"]["rows"] == [3] and warnings["Cal Grant Status"][
        "values"
    ] == ["Maybe"]
    assert "values: cal_grant:" in warnings["Cal Grant Status"]["what_to_do"]
    assert "aid.yaml" in warnings["Application Type"]["what_to_do"]
    assert warnings["Application Type"]["values"] == ["PELL"]


# --------------------------------------------------------------------------- roster
ROSTER = """Student Number,SSID,Last Name,School Code,Grade,Grad Year,Gender,Hispanic Indicator,Race Code 1,Race Code 2,Race Code 3,EL Status,Meal Code,Parent Education,GPA
00101,1000000001,A,S1,12,2025,F,Y,600,,,EO,F,13,3.1
00102,1000000002,B,S1,12,2025,M,N,201,400,,EL,N,11,3.9
00103,1000000003,C,S1,12,2025,F,N,400,,,RFEP,R,12,2.5
00104,1000000004,D,S1,12,2025,M,N,400,700,,TBD,N,15,3.0
00105,1000000005,E,S1,12,2025-26,X,N,301,302,,IFEP,,10,
00106,1000000006,F,S1,11,2026,F,N,700,,,EO,N,13,3.3
00107,1000000007,G,S1,12,2025,F,N,,,,EO,N,13,3.3
00108,1000000008,H,S1,12,2025,F,N,600,100,,EO,N,13,3.3
"""


def test_roster_calpads_codes_filipino_and_grade(tmp_path):
    write(tmp_path / "schools.csv", "school_id,school_name\nS1,One\n")
    write(tmp_path / "seniors_roster.csv", ROSTER)
    result = read_dir(tmp_path)
    s = by_student(result, [f"100000000{i}" for i in (1, 2, 3, 4, 5, 7, 8)])
    assert s["race_ethnicity"].tolist() == [
        "Latinx",  # Hispanic indicator wins over the race code
        "Asian",  # Chinese and Filipino: Asian, not two races
        "Asian",  # Filipino alone
        "Multiracial",  # Filipino and White
        "Pacific Islander",  # two Pacific Islander codes
        "Unknown",
        "Multiracial",
    ]
    assert s["english_learner"].tolist()[:4] == [False, True, False, None] or pd.isna(
        s["english_learner"].iloc[3]
    )
    assert s["english_learner"].iloc[:3].tolist() == [False, True, False]
    assert pd.isna(s["english_learner"].iloc[3])  # TBD is not known
    assert s["low_income"].iloc[:3].tolist() == [True, False, True]
    assert s["first_gen"].iloc[:3].tolist() == [True, False, True] and pd.isna(
        s["first_gen"].iloc[3]
    )
    assert s["grad_year"].iloc[4] == 2026  # "2025-26"
    ex = result.exclusions[result.exclusions["table"] == "roster"]
    assert ex[["row", "reason", "value"]].values.tolist() == [[6, "not in grade 12", "11"]]
    assert any("direct identifiers not read: Last Name" in n for n in result.notes)
    assert "local_id" not in result.tables["students"].columns  # never carried further


APPS = """Student ID,College,NCES,Type,Result,Attending,Level
00101,UC Berkeley,110635,RD,accepted,yes,4-year
00101,SDSU,122409,EA,accepted,no,NULL
00102,SDSU,122409,RD,incomplete,NULL,
00103,UC Berkeley,110635,RD,waitlisted,unknown,
00103,UC Berkeley,110635,RD,waitlisted,unknown,
00103,Harbor CC,113333,ROLL,accepted,yes,2-year
99999,UC Berkeley,110635,RD,accepted,no,
"""
INSTITUTIONS = """unitid,name,level,opeid,grad_rate,grad_rate_pell
110635,University of California-Berkeley,4-year,00131200,0.93,0.88
122409,San Diego State University,4-year,00115100,0.78,0.74
113333,Harbor Community College,2-year,00999900,0.30,0.25
"""


def test_applications_join_on_local_number(tmp_path):
    write(tmp_path / "schools.csv", "school_id,school_name\nS1,One\n")
    write(tmp_path / "roster.csv", ROSTER)
    write(tmp_path / "institutions.csv", INSTITUTIONS)
    write(tmp_path / "naviance.csv", APPS)
    write(tmp_path / "naviance.yaml", "format: applications\njoin_on: local_id\n")
    result = read_dir(tmp_path, grad_rate_column="grad_rate_pell")
    s = by_student(result, ["1000000001", "1000000002", "1000000003", "1000000004"])
    assert s["applied_4yr"].tolist() == [True, False, True, False]  # incomplete is not applied
    assert s["admitted_4yr"].tolist() == [True, False, False, False]
    assert s["intent_4yr"].tolist() == [True, False, False, False]  # a 2-year "yes" is not 4-year
    assert s["admitted_grad_rate"].iloc[0] == pytest.approx(0.88)  # the run's chosen rate
    q = result.quality.set_index("table").loc["applications"]
    assert (q["rows_in"], q["rows_kept"], q["rows_excluded"]) == (7, 5, 2)
    reasons = set(result.exclusions.loc[result.exclusions["table"] == "applications", "reason"])
    assert reasons == {"exact duplicate of an earlier row",
                       "no roster student with this identifier (joined on local_id)"}  # fmt: skip


def test_school_not_covered_by_a_file_is_unknown_not_none(tmp_path):
    write(tmp_path / "schools.csv", "school_id,school_name\nS1,One\nS2,Two\n")
    roster = ROSTER + "00109,1000000009,I,S2,12,2025,F,N,700,,,EO,N,13,3.3\n"
    write(tmp_path / "roster.csv", roster)
    write(tmp_path / "aid_completion.csv",
          "SSID,Application Type,Completed Date,Cal Grant Status\n1000000001,FAFSA,20240115,Offered\n")  # fmt: skip
    result = read_dir(tmp_path)
    s = by_student(result, ["1000000001", "1000000002", "1000000009"])
    assert s["fafsa_complete"].iloc[:2].tolist() == [True, False]
    assert pd.isna(s["fafsa_complete"].iloc[2])
    warn = result.problems[result.problems["rule"].str.contains("has a row in aid_completion")]
    assert warn["values"].iloc[0] == ["S2"]


def test_student_exports_without_a_roster_are_one_error(tmp_path):
    write(tmp_path / "schools.csv", "school_id,school_name\nS1,One\n")
    write(tmp_path / "naviance.csv", APPS)
    problems = pipeline.validate_dir(tmp_path)
    errors = problems[problems["severity"] == "error"]
    assert errors["rule"].str.contains("need a roster").sum() == 1


def test_bad_description_in_the_folder_is_listed(tmp_path):
    write(tmp_path / "schools.csv", "school_id,school_name\nS1,One\n")
    write(tmp_path / "roster.csv", ROSTER)
    write(tmp_path / "roster.yaml", "format: sis-roster\ncolumns: {grad_year: [Graduation]}\n")
    problems = pipeline.validate_dir(tmp_path)
    err = problems[problems["severity"] == "error"]
    assert len(err) == 1
    assert "grad_year" in err["rule"].iloc[0] and "roster.yaml" in err["what_to_do"].iloc[0]
    write(tmp_path / "roster.yaml", "format: sis-roster\nkidn: roster\n")
    err = pipeline.validate_dir(tmp_path)
    assert err.loc[err["severity"] == "error", "rule"].str.contains("kidn: unknown key").any()


def test_describe_folder(tmp_path):
    write(tmp_path / "roster.csv", ROSTER)
    write(tmp_path / "naviance.csv", APPS)
    write(tmp_path / "naviance.yaml", "format: applications\njoin_on: local_id\n")
    got = sources.describe_folder(tmp_path).set_index("file")
    assert got.loc["roster.csv", "description"] == "sis-roster"
    assert got.loc["naviance.csv", "how"] == "described in naviance.yaml"


# --------------------------------------------------------------------------- wide counts
COUNTY = """County,District,School,Academic Year,12th Grade Enrollment,FAFSA Submitted,FAFSA Completed,CADAA Submitted,CADAA Completed,Cal Grant Awards
Southland,Alhambra Unified,Alhambra High,2023-24,400,250,200,12,10,150
Southland,Alhambra Unified,Alhambra High,2024-25,410,260,230,14,12,*
Southland,Alhambra Unified,Mark Keppel High,2023-24,380,240,190,10,8,140
Southland,Alhambra Unified,Mark Keppel High,2024-25,390,250,<11,9,8,130
Southland,Baldwin Unified,,2024-25,100,50,40,2,2,30
"""


def test_wide_county_file_to_counts_and_schools(tmp_path):
    write(tmp_path / "csac_fafsa_cadaa_by_school.csv", COUNTY)
    result = read_dir(tmp_path)
    c = result.tables["counts"].set_index(["school_id", "year", "measure"])
    key = ("alhambra_unified.alhambra_high", 2024, "fafsa_complete")
    assert (c.loc[key, "numerator"], c.loc[key, "denominator"]) == (210, 400)
    # a suppressed part suppresses the sum; a "*" count is suppressed, not zero
    sup = c.loc[("alhambra_unified.mark_keppel_high", 2025, "fafsa_complete")]
    assert pd.isna(sup["numerator"]) and bool(sup["numerator_suppressed"])
    assert bool(
        c.loc[("alhambra_unified.alhambra_high", 2025, "cal_grant"), "numerator_suppressed"]
    )
    s = result.tables["schools"].set_index("school_id")
    assert s.loc["alhambra_unified.mark_keppel_high", "school_name"] == "Mark Keppel High"
    # the row without a school name is set aside with its reason, and accounted
    q = result.quality.set_index("table")
    assert q.loc["counts (as exported)", "rows_in"] == 5
    excluded = result.exclusions[result.exclusions["table"] == "counts"]
    assert set(excluded["file"]) == {"csac_fafsa_cadaa_by_school.csv"} and set(
        excluded["row"]
    ) == {5}


def test_wide_by_year_matched_to_schools_by_name(tmp_path):
    write(tmp_path / "schools.csv",
          "school_id,school_name,district\n01234560000001,Alhambra High,Alhambra Unified\n")  # fmt: skip
    write(tmp_path / "county.csv",
          "District,School,Seniors 2024,Completed 2024,Seniors 2025,Completed 2025\n"
          "Alhambra Unified,ALHAMBRA HIGH,400,210,410,242\n"
          "Alhambra Unified,Nowhere High,100,50,100,60\n")  # fmt: skip
    write(
        tmp_path / "county.yaml",
        """kind: counts
columns: {district: [district], school_name: [school], seniors: [seniors], done: [completed]}
school_id: {format: "{district}.{school_name}"}
wide:
  years: '(?P<year>20\\d\\d)$'
  denominator: seniors
  measures: {fafsa_complete: done}
""",
    )
    result = read_dir(tmp_path)
    c = result.tables["counts"]
    assert c[["school_id", "year", "numerator", "denominator"]].values.tolist() == [
        ["01234560000001", 2024, 210, 400],
        ["01234560000001", 2025, 242, 410],
    ]
    ex = result.exclusions[result.exclusions["table"] == "counts"]
    assert ex["reason"].tolist() == ["school_id not in the schools table"] * 2
    assert ex["value"].tolist() == ["alhambra_unified.nowhere_high"] * 2
    assert ex["row"].tolist() == [2, 2] and ex["file"].tolist() == ["county.csv"] * 2
    joins = result.sources["joins"].set_index("what")["count"]
    assert joins["schools matched to schools.csv by name"] == 1


def test_every_row_accounted_per_file_and_join(tmp_path):
    write(tmp_path / "schools.csv", "school_id,school_name\nS1,One\n")
    write(tmp_path / "roster.csv", ROSTER + ROSTER.splitlines()[1] + "\n")  # a repeated row
    write(tmp_path / "institutions.csv", INSTITUTIONS)
    write(tmp_path / "naviance.csv", APPS)
    write(tmp_path / "naviance.yaml", "format: applications\njoin_on: local_id\n")
    result = read_dir(tmp_path)
    q = result.quality
    assert (q["rows_in"] == q["rows_kept"] + q["rows_excluded"]).all()
    per_file = result.exclusions.groupby(["table", "file"]).size()
    for row in q.itertuples():
        assert per_file.get((row.table, row.file), 0) == row.rows_excluded, row
    joins = result.sources["joins"].set_index(["source", "what"])["count"]
    assert joins[("roster", "student ids on more than one roster row")] == 1
    dup = result.exclusions[result.exclusions["table"] == "students"]
    assert dup["reason"].str.startswith("exact duplicate of row 1").all()
    assert dup["file"].tolist() == ["roster.csv"] and dup["row"].tolist() == [9]
    students = (
        joins[("applications", "roster students with a row")]
        + joins[("applications", "roster students without one (counted as none)")]
    )
    assert students == joins[("roster", "roster students")]


@pytest.mark.render
def test_county_file_to_rendered_reports_with_yaml_only(tmp_path, monkeypatch):
    """A wide, code-less county file goes from the raw folder to reports: no pandas, YAML only."""
    from netlab import batch as build
    from netlab.params import load_params
    from tests._support import make_home

    netlab_home = make_home(tmp_path / "home")
    monkeypatch.setenv("NETLAB_HOME", str(netlab_home))
    raw = netlab_home / "data" / "raw" / "county"
    rows = [COUNTY.splitlines()[0]]
    rng = np.random.default_rng(3)
    for i in range(5):
        for year in ("2022-23", "2023-24", "2024-25"):
            seniors = int(rng.integers(150, 450))
            done = int(seniors * rng.uniform(0.4, 0.8))
            rows.append(
                f"Southland,District {i % 3},School {i},{year},{seniors},{done + 20},{done},"
                f"5,{min(5, seniors - done)},{int(done * 0.6)}"
            )
    write(raw / "county_fafsa_cadaa_by_school.csv", "\n".join(rows) + "\n")
    params = write(
        netlab_home / "params" / "county.yaml",
        """run: county
network: County FAFSA network
raw_dir: data/raw/county
focal_group: all
focal_measure: fafsa_complete
aim: {measure: fafsa_complete, group: all, baseline_year: 2023, target: 0.7}
pdf: false
measures:
  fafsa_submitted:
    label: FAFSA or Dream Act submitted
    table: counts
    denominator_label: 12th-grade enrollment
""",
    )
    result = build.build(load_params(params), jobs=1, progress=False)
    assert result.ok, result.summary()
    out = netlab_home / "reports" / "county"
    schools = sorted((out / "schools").glob("*.html"))
    assert len(schools) == 5
    html = (out / "network.html").read_text()
    assert "FAFSA or Dream Act completed" in html
    assert "county_fafsa_cadaa_by_school.csv" in html  # the data-quality section names the file
    assert "has no district" not in html  # districts came from the file
    assert "The schools table has no cohort" in html  # and what it lacked is said


def test_excel_roster_and_a_headerless_caret_file(tmp_path):
    """Any layout: an Excel roster, and a CALPADS-style extract (caret, no header, cp1252)."""
    write(tmp_path / "schools.csv", "school_id,school_name\nS1,One\n")
    frame = pd.read_csv(pd.io.common.StringIO(ROSTER), dtype=str)
    frame.to_excel(tmp_path / "roster.xlsx", index=False)
    extract = "1000000001^S1^2025^Peña^F\n1000000002^S1^2025^Li^M\n"
    (tmp_path / "calpads_extract.txt").write_bytes(extract.encode("cp1252"))
    write(
        tmp_path / "calpads_extract.yaml",
        "kind: roster\nheader: none\ndelimiter: '^'\n"
        "columns: {student_id: 1, school_id: 2, grad_year: 3, gender: 5}\n",
    )
    tables, problems = nio.scan(tmp_path)
    assert not problems
    result = clean.clean_tables(
        tables,
        from_dict({"run": "t", "raw_dir": str(tmp_path), "max_excluded_share": 0.5}),
        key=KEY,
    )
    q = result.quality.set_index(["table", "file"])["rows_in"]
    assert q[("roster", "roster.xlsx")] == 8 and q[("roster", "calpads_extract.txt")] == 2
    assert len(result.tables["students"]) == 7 + 2 - 2  # the extract repeats two students
    assert any("Windows-1252" in n for n in result.notes)


def test_ambiguous_header_is_one_error_naming_what_to_write(tmp_path):
    write(tmp_path / "schools.csv", "school_id,school_name\nS1,One\n")
    roster = ROSTER.replace("Student Number,SSID", "SSID,State Student ID")
    write(tmp_path / "roster.csv", roster)
    problems = pipeline.validate_dir(tmp_path)
    errors = problems[problems["severity"] == "error"]
    assert len(errors) == 1, errors["rule"].tolist()
    e = errors.iloc[0]
    assert (
        e["file"] == "roster.csv" and "SSID" in e["column"] and "State Student ID" in e["column"]
    )
    assert "all fit student_id" in e["rule"]
    assert "columns: student_id:" in e["what_to_do"]
    assert "roster.yaml beside it (starting `format: sis-roster`)" in e["what_to_do"]


def test_header_not_found_names_the_data_file_and_its_yaml(tmp_path):
    write(tmp_path / "schools.csv", "school_id,school_name\nS1,One\n")
    write(tmp_path / "roster.csv", ROSTER)
    write(tmp_path / "roster.yaml", "format: sis-roster\nheader: [Pupil Number]\n")
    problems = pipeline.validate_dir(tmp_path)
    e = problems[(problems["severity"] == "error") & (problems["file"] == "roster.csv")]
    assert len(e) == 1
    assert e["rule"].iloc[0].startswith("roster.csv: no row among the first")
    assert "fix `header:` in roster.yaml" in e["what_to_do"].iloc[0]


def test_unknown_race_code_is_one_warning_with_its_rows(tmp_path):
    write(tmp_path / "schools.csv", "school_id,school_name\nS1,One\n")
    write(tmp_path / "roster.csv", ROSTER.replace(",400,,,RFEP", ",799,,,RFEP"))
    result = read_dir(tmp_path)
    hit = result.problems[result.problems["rule"].str.startswith("race code(s) not in")]
    assert len(hit) == 1 and hit["file"].iloc[0] == "roster.csv"
    assert list(hit["values"].iloc[0]) == ["799"] and list(hit["rows"].iloc[0]) == [3]
    assert "race_codes:` in roster.yaml beside it" in hit["what_to_do"].iloc[0]
    assert len(result.tables["students"]) == 7  # the student is kept, with no race code
