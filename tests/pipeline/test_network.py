"""The network chosen by any column of the schools table, and limits over its own rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab import pipeline
from netlab.exceptions import InputError, ParamsError
from netlab.params import from_dict, load_params

HEAD = "County,City,District,School,Year,Enrollment,FAFSA/CADAA Submitted,FAFSA/CADAA Completed"


def state_file(folder: Path, *, bad: str | None = None) -> Path:
    """5 San Diego schools and 50 Fresno ones; ``bad`` gives one school of that county more
    completions than seniors (a row the counts table's rules set aside)."""
    rows = [HEAD]
    for county, n, city in (("San Diego", 5, "Chula Vista"), ("Fresno", 50, "Fresno")):
        for s in range(n):
            done = 140 if bad == county and s == 0 else 40
            rows.append(f"{county},{city},{county} Unified,{county} High {s},2024,100,50,{done}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "county_aid_2024.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def params(folder: Path, **more):
    return from_dict({"run": "n", "raw_dir": str(folder), "focal_measure": "fafsa_complete",
                      "focal_group": "all",
                      "aim": {"measure": "fafsa_complete", "group": "all"}, **more})  # fmt: skip


def test_county_chooses_the_network_and_keeps_geography(tmp_path):
    state_file(tmp_path)
    prepared = pipeline.prepare(params(tmp_path, select={"county": "san diego"}), fit=False,
                                write=False)  # fmt: skip
    schools = prepared.tables["schools"]
    assert len(schools) == 5 and set(schools["county"]) == {"San Diego"}
    assert set(schools["city"]) == {"Chula Vista"}
    assert set(prepared.rates["unit_id"]) == set(schools["school_id"])
    # a city, or a list, chooses too
    fresno = pipeline.prepare(params(tmp_path, select={"city": "Fresno"}), fit=False,
                              write=False).tables["schools"]  # fmt: skip
    assert len(fresno) == 50
    both = pipeline.prepare(params(tmp_path, select={"city": ["Fresno", "chula vista"]}),
                            fit=False, write=False).tables["schools"]  # fmt: skip
    assert len(both) == 55


def test_select_names_what_the_schools_table_lacks(tmp_path):
    state_file(tmp_path)
    with pytest.raises(InputError, match=r"select: countie: the schools table has no 'countie'"
                       r" column \(did you mean 'county'\?\)"):  # fmt: skip
        pipeline.prepare(params(tmp_path, select={"countie": "San Diego"}), fit=False, write=False)
    with pytest.raises(InputError, match=r"select: county: not in the schools table: 'San Deigo'"
                       r" \(did you mean 'San Diego'\?\)"):  # fmt: skip
        pipeline.prepare(params(tmp_path, select={"county": "San Deigo"}), fit=False, write=False)
    with pytest.raises(ParamsError, match="select.county"):
        params(tmp_path, select={"county": {"a": 1}})


def test_exclusion_limit_is_over_the_networks_rows(tmp_path):
    # One bad row in San Diego: 2 of the state's 110 counts rows (under 2%, but 1 school of
    # 55), and 2 of the network's 10 rows: over the network it is an error.
    state_file(tmp_path, bad="San Diego")
    p = params(tmp_path, select={"county": "San Diego"}, max_excluded_share=0.02)
    problems = pipeline.validate_dir(tmp_path, params=p)
    row = problems[problems["rule"].str.contains("network")]
    assert len(row) == 1 and row.iloc[0]["severity"] == "error"
    assert "1 of 10 rows (10%)" in row.iloc[0]["rule"]
    # the same bad row in Fresno is outside the network: 0 of its 10 rows
    state_file(tmp_path, bad="Fresno")
    problems = pipeline.validate_dir(tmp_path, params=p)
    assert not (problems["severity"] == "error").any(), problems["rule"].tolist()


def test_rows_no_school_places_count_with_the_networks_rows(tmp_path):
    # San Diego: 5 schools x 2 measures = 10 counts rows. Two file rows name no school
    # (one in San Diego, one with no geography at all): 2 x 2 = 4 counts rows that no
    # school places, so they count with the network's: 4 of 14 rows, not 0 of 10.
    path = state_file(tmp_path, bad="Fresno")
    with path.open("a") as f:
        f.write("San Diego,Chula Vista,San Diego Unified,,2024,100,50,40\n,,,,2024,100,50,40\n")
    p = params(tmp_path, select={"county": "San Diego"}, max_excluded_share=0.02)
    problems = pipeline.validate_dir(tmp_path, params=p)
    row = problems[problems["rule"].str.startswith("school_id is blank")]
    assert len(row) == 1 and row.iloc[0]["severity"] == "error"
    assert "4 of 14 rows (29%)" in row.iloc[0]["rule"]
    allowed = params(tmp_path, select={"county": "San Diego"}, max_excluded_share=0.3,
                     min_cell=2)  # fmt: skip
    prepared = pipeline.prepare(allowed, fit=False, write=False)
    q = prepared.quality.set_index("table")
    # the network's own rows: Fresno's 50 schools and 100 counts rows are not counted
    assert tuple(q.loc["schools", ["rows_in", "rows_kept", "rows_excluded"]]) == (5, 5, 0)
    assert tuple(q.loc["counts", ["rows_in", "rows_kept", "rows_excluded"]]) == (14, 10, 4)
    assert (q["rows_in"] == q["rows_kept"] + q["rows_excluded"]).all()
    notes = " ".join(prepared.notes)
    assert "4 rows of the counts table could not be placed in any school" in notes
    assert "school_id is blank or not understood: 4" in notes
    assert "150 rows of the files belong to schools outside it" in notes
    # a handful is not printed as a count where rows may be students
    few = pipeline.prepare(params(tmp_path, select={"county": "San Diego"},
                                  max_excluded_share=0.3), fit=False, write=False)  # fmt: skip
    assert "Fewer than 10 rows of the counts table" in " ".join(few.notes)


def test_select_in_a_params_file_keeps_codes_as_written(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("run: n\nraw_dir: x\nselect:\n  zip: 01234\n  county: [San Diego, 'No']\n")
    assert load_params(path).select == {"zip": ["01234"], "county": ["San Diego", "No"]}


def test_described_measures_have_words_and_enrollment_is_context(tmp_path):
    state_file(tmp_path)
    prepared = pipeline.prepare(params(tmp_path, select={"county": "San Diego"}), fit=False,
                                write=False)  # fmt: skip
    m = prepared.measures.set_index("measure")
    assert m.loc["fafsa_submitted", "label"] == "FAFSA or Dream Act submitted"
    assert m.loc["fafsa_submitted", "short_label"] == "FAFSA submitted"
    # its window is the one its figures were judged on (known at graduation: 15 June), so a
    # report can say when a class's figure is final
    window = m.loc["fafsa_submitted", ["window_years", "window_month", "window_day"]]
    assert tuple(int(v) for v in window) == (0, 6, 15)
    assert m.loc["fafsa_submitted", "final_when"] == "15 June of the graduation year"
    # the counts file's Enrollment is each school's seniors, and its size for matching
    assert set(prepared.tables["schools"]["seniors"]) == {100}
    assert set(prepared.units["size"]) == {100}


def test_a_measure_without_words_reads_as_words():
    from netlab.pipeline._described import label_from_id

    assert label_from_id("fafsa_submitted") == "FAFSA submitted"
    assert label_from_id("cadaa_gpa_ok") == "CADAA GPA ok"
