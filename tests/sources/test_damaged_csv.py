"""Every row accounted, even in a damaged file: each damage is an error naming file and row."""

from __future__ import annotations

import re

import pytest

from netlab.exceptions import InputError
from netlab.sources import _io as nio
from netlab.sources._damage import check_rows, wide_encoding
from netlab.sources._describe import load_description
from netlab.sources._read import read_export
from tests.sources.broken_exports import DAMAGED, write_damaged

ROSTER = """kind: roster
files: [students.csv]
columns:
  student_id: [student_id]
  school_id: [school_id]
  grad_year: [grad_year]
  low_income: [low_income]
"""


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_a_damaged_csv_is_an_input_error_naming_file_and_row(tmp_path, case):
    path = write_damaged(tmp_path, case)
    with pytest.raises(InputError) as err:
        nio.read_file(path)
    assert "students.csv" in str(err.value)
    assert re.search(DAMAGED[case], str(err.value), re.S), str(err.value)


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_a_damaged_described_csv_is_an_input_error_too(tmp_path, case):
    path = write_damaged(tmp_path, case)
    (tmp_path / "students.yaml").write_text(ROSTER)
    desc = load_description(tmp_path / "students.yaml")
    with pytest.raises(InputError) as err:
        read_export(path, desc)
    assert "students.csv" in str(err.value)
    assert re.search(DAMAGED[case], str(err.value), re.S), str(err.value)


def test_a_whole_file_without_a_final_line_end_reads(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text("student_id,school_id\nA1,S1\nA2,S2")
    assert len(nio.read_file(path).frame) == 2


def test_rows_that_disagree_with_lines_are_named(tmp_path):
    data = b"a,b\n1,2\n3,4\n\n5,6\n"
    check_rows(tmp_path / "x.csv", data, encoding="utf-8", delimiter=",", skip=1, width=2,
               rows_read=3)  # fmt: skip
    with pytest.raises(InputError, match=r"3 data lines but 2 rows"):
        check_rows(tmp_path / "x.csv", data, encoding="utf-8", delimiter=",", skip=1, width=2,
                   rows_read=2)  # fmt: skip


def test_wide_encodings_are_named():
    assert wide_encoding("a,b\n1,2\n".encode("utf-16-le")) == "UTF-16"
    assert wide_encoding("a,b\n1,2\n".encode("utf-32")) == "UTF-32"
    assert wide_encoding(b"PK\x03\x04" + b"\x00" * 60) is None
    assert wide_encoding("Niños,Héroes\n".encode()) is None


def test_a_stray_quote_in_a_late_windows_1252_row_is_named_by_its_line(tmp_path):
    """A file UTF-8 in its first bytes and Windows-1252 further down is read in the
    encoding the whole file decides; its damage is looked for in that encoding too, so a
    stray quote in a row with an accented name is named by its line."""
    head = "student_id,school_id,grad_year,low_income\n"
    rows = "".join(f"A{i},S{i % 3},2024,True\n" for i in range(1, 8001))  # past the sample
    late = 'B1,"Montréal,2024,True\nB2,S1,2024,True\nB3,S2,2024,True\n'
    path = tmp_path / "students.csv"
    path.write_bytes((head + rows).encode() + late.encode("cp1252"))
    assert len(head + rows) > 1 << 16
    (tmp_path / "students.yaml").write_text(ROSTER)
    with pytest.raises(InputError, match=r"breaks at line 8,002"):
        read_export(path, load_description(tmp_path / "students.yaml"))


def test_a_late_windows_1252_row_reads_with_its_accent_and_a_note(tmp_path):
    """The same file without the stray quote reads whole: the accented name as written, and
    a note that the file is not UTF-8."""
    head = "student_id,school_id,grad_year,low_income\n"
    rows = "".join(f"A{i},S{i % 3},2024,True\n" for i in range(1, 8001))
    late = "B1,Montréal,2024,True\n"
    path = tmp_path / "students.csv"
    path.write_bytes((head + rows).encode() + late.encode("cp1252"))
    (tmp_path / "students.yaml").write_text(ROSTER)
    out = read_export(path, load_description(tmp_path / "students.yaml"))
    assert len(out.frame) == 8001 and out.frame["school_id"].iloc[-1] == "Montréal"
    assert any("Windows-1252" in n for n in out.notes)
