"""Reading raw exports: formats, encodings, delimiters and the files that cannot be read."""

from __future__ import annotations

import pandas as pd
import pytest

from netlab.exceptions import InputError
from netlab.sources import _io as nio

SCHOOLS = "school_id,school_name\n0123,Niños Héroes\n0456,Lincoln\n"


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "cp1252"])
def test_csv_encodings_keep_accents_and_zeros(tmp_path, encoding):
    raw = nio.read_file(_write(tmp_path / "schools.csv", SCHOOLS, encoding))
    assert list(raw.frame.columns) == ["school_id", "school_name"]
    assert raw.frame["school_name"].tolist() == ["Niños Héroes", "Lincoln"]
    assert raw.frame["school_id"].tolist() == ["0123", "0456"]
    not_utf8 = any("not UTF-8" in n for n in raw.notes)
    assert not_utf8 == (encoding in ("latin-1", "cp1252"))


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path, sep):
    text = SCHOOLS.replace(",", sep)
    raw = nio.read_file(_write(tmp_path / "schools.csv", text))
    assert raw.frame.shape == (2, 2)
    assert raw.frame.iloc[1].tolist() == ["0456", "Lincoln"]


def test_sniff_ignores_delimiters_inside_quotes():
    text = 'name;note\n"Smith, Jo";"a, b, c"\n"Lee, Al";x\n'
    assert nio.sniff_delimiter(text) == ";"


def test_semicolon_file_with_decimal_commas_in_text(tmp_path):
    text = "unitid;name;grad_rate\n110635;Berkeley, UC;0.92\n"
    raw = nio.read_file(_write(tmp_path / "institutions.csv", text))
    assert raw.frame.loc[0, "name"] == "Berkeley, UC"


def test_excel_and_parquet_read_by_name(tmp_path):
    frame = pd.DataFrame({"school_id": ["0123", "0456"], "enrollment": [10, 20]})
    frame.to_excel(tmp_path / "Schools.xlsx", index=False)
    raw = nio.read_file(tmp_path / "Schools.xlsx")
    assert raw.name == "schools"
    assert raw.frame["school_id"].tolist() == ["0123", "0456"]
    assert raw.frame["enrollment"].tolist() == ["10", "20"]
    frame.to_parquet(tmp_path / "counts.parquet")
    raw = nio.read_file(tmp_path / "counts.parquet")
    assert raw.name == "counts"
    pd.testing.assert_frame_equal(raw.frame, frame)


def test_excel_notes_ignored_sheets(tmp_path):
    with pd.ExcelWriter(tmp_path / "schools.xlsx") as writer:
        pd.DataFrame({"school_id": ["1"]}).to_excel(writer, sheet_name="data", index=False)
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="notes", index=False)
    raw = nio.read_file(tmp_path / "schools.xlsx")
    assert raw.frame.columns.tolist() == ["school_id"]
    assert any("'data'" in n and "notes" in n for n in raw.notes)


def test_empty_file_names_the_file(tmp_path):
    (tmp_path / "students.csv").write_bytes(b"")
    with pytest.raises(InputError) as err:
        nio.read_file(tmp_path / "students.csv")
    assert err.value.file == "students.csv"
    assert "empty" in str(err.value)
    assert "What to do" in str(err.value)


def test_header_only_file_reads_as_no_rows(tmp_path):
    raw = nio.read_file(_write(tmp_path / "pdsa.csv", "school_id,cycle_id\n"))
    assert len(raw.frame) == 0
    assert raw.frame.columns.tolist() == ["school_id", "cycle_id"]
    assert any("no data rows" in n for n in raw.notes)


@pytest.mark.parametrize(
    ("name", "content", "looks"),
    [
        ("students.xlsx", b"school_id,grad_year\n1,2024\n", "text (CSV)"),
        ("students.csv", b"PK\x03\x04" + b"\x00" * 64, "Excel workbook"),
        ("students.parquet", b"school_id\n1\n", "text (CSV)"),
        ("students.csv", b"%PDF-1.4\n" + b"\x00" * 20, "PDF"),
    ],
)
def test_wrong_kind_is_named(tmp_path, name, content, looks):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError) as err:
        nio.read_file(tmp_path / name)
    assert err.value.file == name
    assert looks in str(err.value)


def test_unreadable_excel_is_reported(tmp_path):
    (tmp_path / "students.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError) as err:
        nio.read_file(tmp_path / "students.xlsx")
    assert "cannot be read" in str(err.value)


def test_read_raw_needs_schools_and_a_grain(tmp_path):
    _write(tmp_path / "student.csv", "student_id,school_id\n1,2\n")
    with pytest.raises(InputError) as err:
        nio.read_raw(tmp_path)
    text = str(err.value)
    assert "no schools table" in text
    assert "no students or counts table" in text
    assert "student.csv looks like a misspelling" in text


def test_read_raw_lists_every_bad_file(tmp_path):
    _write(tmp_path / "schools.csv", SCHOOLS)
    (tmp_path / "students.csv").write_bytes(b"")
    (tmp_path / "counts.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError) as err:
        nio.read_raw(tmp_path)
    text = str(err.value)
    assert "students.csv is empty" in text
    assert "counts.parquet" in text


def test_read_raw_reads_every_table_and_skips_hidden_files(tmp_path):
    _write(tmp_path / "schools.csv", SCHOOLS)
    _write(tmp_path / "students.csv", "student_id,school_id\n1,0123\n")
    _write(tmp_path / ".DS_Store", "junk")
    _write(tmp_path / "~$students.xlsx", "lock")
    _write(tmp_path / "README.md", "notes")
    _write(tmp_path / "_truth.json", "{}")
    raw = nio.read_raw(tmp_path)
    assert set(raw) == {"schools", "students", "readme"}
    assert len(raw["readme"].frame) == 0  # listed so cleaning can report it, not read
    assert raw["students"].frame.loc[0, "school_id"] == "0123"


def test_two_files_for_one_table(tmp_path):
    _write(tmp_path / "schools.csv", SCHOOLS)
    pd.DataFrame({"school_id": ["1"]}).to_excel(tmp_path / "schools.xlsx", index=False)
    _write(tmp_path / "students.csv", "student_id,school_id\n1,0123\n")
    with pytest.raises(InputError, match="two files hold table 'schools'"):
        nio.read_raw(tmp_path)


def test_missing_folder(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        nio.read_raw(tmp_path / "nope")


def test_known_table_with_unreadable_format(tmp_path):
    _write(tmp_path / "schools.csv", SCHOOLS)
    _write(tmp_path / "students.pdf", "x")
    tables, problems = nio.scan(tmp_path)
    assert any(p["file"] == "students.pdf" and "not a format" in p["rule"] for p in problems)


def test_raw_tables_wraps_frames():
    raw = nio.raw_tables({"Schools": pd.DataFrame({"school_id": ["1"]}, index=[7])})
    assert raw["schools"].frame.index.tolist() == [0]
    assert raw["schools"].path.name == "<schools>"


def test_one_encoding_order_for_every_reader(tmp_path):
    # netlab.sources._sheets.text_encoding decides for the folder reader, the described
    # exports and the public files alike: UTF-8 (with or without its mark), Windows-1252,
    # then Latin-1, each not-UTF-8 choice noted.
    from netlab.sources._sheets import _read_sheets, text_encoding

    text = "school_id,school_name\n0123,O’Brien Café\n"
    assert text_encoding(text.encode("utf-8")) == ("utf-8", None)
    assert text_encoding(text.encode("utf-8-sig")) == ("utf-8-sig", None)
    assert text_encoding(text.encode("cp1252"))[0] == "cp1252"
    assert text_encoding(b"caf\xe9 \x81") == ("latin-1", "not UTF-8: read as Latin-1")
    assert text_encoding(b"x", declared="utf-16") == ("utf-16", None)
    cut = "é".encode()[:1]  # a sample ending inside a character is still UTF-8
    assert text_encoding(b"abc" + cut, sample=True)[0] == "utf-8"
    assert text_encoding(b"abc" + cut)[0] == "cp1252"
    path = _write(tmp_path / "schools.csv", text, "cp1252")
    raw = nio.read_file(path)
    cells = _read_sheets(path)["schools"]
    assert raw.frame["school_name"].tolist() == ["O’Brien Café"]
    assert cells.iloc[1].tolist() == ["0123", "O’Brien Café"]  # the same curly quote
    assert "not UTF-8: read as Windows-1252 (Latin-1)" in raw.notes


def test_one_workbook_path_for_every_reader(tmp_path):
    from netlab.sources._sheets import _engine_for, _read_sheets

    path = tmp_path / "schools.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"school_id": ["0123"], "n": [12]}).to_excel(
            xl, sheet_name="first", index=False
        )
        pd.DataFrame({"x": [1]}).to_excel(xl, sheet_name="second", index=False)
    raw = nio.read_file(path)
    sheets = _read_sheets(path)
    assert raw.frame.iloc[0].tolist() == ["0123", "12"]
    assert [str(v) for v in sheets["first"].iloc[1]] == ["0123", "12"]
    assert list(sheets) == ["first", "second"]
    # xlrd reads only .xls and openpyxl only .xlsx: either name picks the one that reads
    assert _engine_for(path, "xlrd") == "openpyxl"
    assert _engine_for(tmp_path / "old.xls", "openpyxl") == "xlrd"
    assert _engine_for(path, "calamine") == "calamine"
    assert [str(v) for v in _read_sheets(path, "xlrd")["first"].iloc[1]] == ["0123", "12"]
