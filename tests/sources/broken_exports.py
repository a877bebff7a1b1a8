"""Write a folder of deliberately broken exports, as hubs really send them.

Nothing binary is committed: the files are written on the fly into a temporary folder.
:func:`write_exports` returns the facts the tests check against (which rows are
duplicates, which codes lost their zeros), defined here once.

The folder holds, one flaw (or a few) per file:

- ``schools.csv``: Latin-1 (Windows) encoding with accented school names, 14-digit CDS
  codes with leading zeros, share of low-income students given in percent.
- ``students.xlsx``: an Excel workbook with headers spelled the export's way ("Student
  ID", "School Code", "Grad Year", "Ethnicity", "FRL"), a misspelled optional header
  (``fafsa_complet``), Y/N and Yes/No flags, FAFSA dates as Excel serial numbers, school
  codes stored as numbers (leading zeros dropped), a first-name column, an exact duplicate
  row and a conflicting duplicate.
- ``institutions.csv``: semicolon-separated.
- with ``fatal=True`` also: ``traction.csv`` (empty), ``pdsa.xlsx`` (a CSV file with an
  Excel name) and ``practices.csv`` (the required ``year`` header misspelled ``yaer``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

# California CDS codes: 2-digit county, 5-digit district, 7-digit school.
CDS = ["01611190130229", "01612590130567", "19647331930312", "07616300730440"]
SCHOOL_NAMES = ["Escuela Niños Héroes", "Académie Saint-Rémi", "Lincoln High", "Peña Valley"]


@dataclass
class Expected:
    """Facts about the written files, for the tests to check against."""

    folder: Path
    students_rows: int
    exact_duplicate: tuple[int, int]  # (excluded row, row it copies), 1-based data rows
    conflicting: tuple[int, int]  # (excluded row, kept row)
    padded_rows: list[int]  # student rows whose school code lost its leading zero
    serial_date: tuple[int, str]  # (row, ISO date the Excel serial stands for)
    unknown_flag_row: int  # row whose FRL value is not a yes/no
    student_ids: list[str] = field(default_factory=list)
    fatal_files: list[str] = field(default_factory=list)


def _schools() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "CDS Code": CDS,
            "School Name": SCHOOL_NAMES,
            "District": ["Alameda", "Alameda", "Los Angeles", "Contra Costa"],
            "Cohort": [2021, 2021, 2022, 2023],
            "Enrollment": ["1,250", "980", "2,310", "1,045"],
            "% Low Income": [62.5, 48.0, 81.2, 55.0],
        }
    )


def _students() -> pd.DataFrame:
    rows = [
        # id, school (as a number: leading zero lost), year, ethnicity, FRL, fafsa, date, name
        ("A100", int(CDS[0]), 2024, "Hispanic or Latino", "Y", "Yes", 45321, "Ana"),
        ("A101", int(CDS[1]), 2024, "Black or African American", "N", "No", None, "Ben"),
        ("A102", int(CDS[2]), 2024, "Filipino", "y", "YES", 45330, "Cai"),
        ("A103", int(CDS[3]), 2024, "Two or More Races", "n", "no", None, "Dee"),
        ("A104", int(CDS[2]), 2024, "White", "maybe", "Yes", 45340, "Eli"),
        # row 6 copies row 3 exactly
        ("A102", int(CDS[2]), 2024, "Filipino", "y", "YES", 45330, "Cai"),
        # rows 7 and 8: same student and year, different values; row 8 is more complete
        ("A105", int(CDS[2]), 2024, "Declined to State", "N", None, None, "Fay"),
        ("A105", int(CDS[2]), 2024, "Declined to State", "N", "Yes", 45350, "Fay"),
        ("A106", int(CDS[0]), 2025, "American Indian or Alaska Native", "Y", "No", None, "Gus"),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "Student ID",
            "School Code",
            "Grad Year",
            "Ethnicity",
            "FRL",
            "fafsa_complet",
            "FAFSA Date",
            "First Name",
        ],
    )
    frame["Enrolled"] = ["Yes", "No", "Yes", "No", "Yes", "Yes", "No", "Yes", "No"]
    frame["Enrolled UNITID"] = [
        "110635",
        None,
        "123961",
        None,
        "110635",
        "123961",
        None,
        "117140",
        None,
    ]
    return frame


def _institutions_csv() -> str:
    return (
        "unitid;Institution Name;Level;Graduation Rate\n"
        "110635;University of California-Berkeley;4-year;0.92\n"
        "123961;University of Southern California;4-year;0.92\n"
        "117140;Los Angeles City College;2-year;0.21\n"
    )


def write_exports(folder: str | Path, *, fatal: bool = True) -> Expected:
    """Write the broken exports into ``folder`` and return what the tests should find.

    Parameters
    ----------
    folder : str or Path
        An existing (temporary) folder.
    fatal : bool, default True
        Also write the files that stop a run (empty, wrong kind, missing required column).
    """
    folder = Path(folder)
    _schools().to_csv(folder / "schools.csv", index=False, encoding="latin-1")
    students = _students()
    students.to_excel(folder / "students.xlsx", index=False)
    (folder / "institutions.csv").write_text(_institutions_csv(), encoding="utf-8")
    fatal_files = []
    if fatal:
        (folder / "traction.csv").write_bytes(b"")
        (folder / "pdsa.xlsx").write_text("school_id,cycle_id\nS1,C1\n", encoding="utf-8")
        (folder / "practices.csv").write_text(
            "school_id,yaer,practice,level\n" + f"{CDS[0]},2024,FAFSA nights,2\n",
            encoding="utf-8",
        )
        fatal_files = ["traction.csv", "pdsa.xlsx", "practices.csv"]
    padded = [i + 1 for i, code in enumerate(students["School Code"]) if len(str(code)) < 14]
    return Expected(
        folder=folder,
        students_rows=len(students),
        exact_duplicate=(6, 3),
        conflicting=(7, 8),
        padded_rows=padded,
        serial_date=(1, "2024-01-30"),
        unknown_flag_row=5,
        student_ids=sorted(set(students["Student ID"])),
        fatal_files=fatal_files,
    )


#: Damaged CSVs: what each error must say (a pattern naming the fault and its row).
DAMAGED = {
    "cut": r"cut short.*line 5.*data row 4",
    "utf16": r"UTF-16 detected.*encoding:",
    "garbage": r"binary|not text",
    "garbage_late": r"not text from line 503",
    "unclosed": r"row 2|line 3",
}


def write_damaged(folder: str | Path, case: str) -> Path:
    """Write one damaged ``students.csv`` (a case of :data:`DAMAGED`) into ``folder``."""
    folder = Path(folder)
    head = "student_id,school_id,grad_year,low_income,fafsa_complete\n"
    good = head + "".join(f"A{i},S{i % 3},2024,True,False\n" for i in range(1, 5))
    path = folder / "students.csv"
    if case == "cut":  # a copy stopped mid-row, as at row 17,165 of 34,494
        path.write_bytes(good.encode()[: good.rindex("True,False") + 2])
    elif case == "utf16":  # Excel's "Unicode text"
        path.write_bytes(good.encode("utf-16"))
    elif case == "garbage":  # a binary file named .csv
        path.write_bytes(bytes(range(256)) * 8)
    elif case == "garbage_late":  # bytes that are not text after 501 good rows
        rows = head + "".join(f"A{i},S{i % 3},2024,True,False\n" for i in range(1, 502))
        path.write_bytes(rows.encode() + b"\x00\x01\x02\xff\x00" * 40)
    elif case == "unclosed":  # a quote opened and never closed swallows the rows below
        path.write_text(good.replace("A2,S2,", 'A2,"S2,'))
    return path
