"""The run's params against its data: what the files cannot produce is one error each."""

from __future__ import annotations

from pathlib import Path

from netlab import paths, pipeline
from netlab.cli import main
from netlab.params import load_params

COUNTS = """County,District,School,Year,Enrollment,FAFSA/CADAA Submitted,FAFSA/CADAA Completed
San Diego,Sweetwater Union,Bonita Vista High,2024,500,300,250
"""


def demo_params_at(folder: Path, tmp_path: Path) -> Path:
    text = (paths.params_dir() / "demo.yaml").read_text()
    lines = [f"raw_dir: {folder}" if ln.startswith("raw_dir:") else ln for ln in text.splitlines()]
    out = tmp_path / "demo-here.yaml"
    out.write_text("\n".join(lines) + "\n")
    return out


def test_demo_params_on_a_counts_folder_name_measure_and_group(tmp_path, capsys):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "county_aid_2024.csv").write_text(COUNTS)
    params_path = demo_params_at(folder, tmp_path)
    problems = pipeline.validate_dir(folder, params=load_params(params_path))
    errors = problems[problems["severity"] == "error"].set_index("column")
    assert (
        "enrolled_likely_grad is computed from students' records"
        in (errors.loc["focal_measure", "rule"])
    )
    assert errors.loc["focal_measure", "what_to_do"] == (
        "Write `focal_measure: fafsa_complete` in the params"
    )
    assert errors.loc["focal_group", "what_to_do"].startswith("Write `focal_group: all`")
    assert main(["validate", str(folder), "--params", str(params_path)]) == 1
    out = capsys.readouterr().out
    assert "focal_measure" in out and "focal_group" in out


def test_roster_without_race_and_the_focal_group_says_all_or_the_columns(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "roster.csv").write_text("SSID,Grad_Year,School_Code\n1,2024,S1\n")
    (folder / "roster.yaml").write_text("format: sis-roster\n")
    (folder / "schools.csv").write_text("school_id,school_name\nS1,One\n")
    problems = pipeline.validate_dir(folder, params=load_params(demo_params_at(folder, tmp_path)))
    row = problems[problems["column"] == "focal_group"].iloc[0]
    assert row["severity"] == "error" and "focal_group: all" in row["what_to_do"]
    assert "race_1" in row["what_to_do"] and "extra_columns" not in row["what_to_do"]


def test_a_measure_whose_inputs_are_absent_is_unknown_not_zero():
    import warnings

    from netlab import synth
    from netlab.params import from_dict

    net = synth.generate(12, seed=1, years=range(2023, 2025))
    tables = {k: v.copy() for k, v in net.tables.items() if k != "institutions"}
    # no institutions table: no graduation rate for any college a student was admitted to
    tables["students"]["admitted_grad_rate"] = float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = pipeline.prepare_frames(tables, from_dict({"run": "x", "raw_dir": "x"}),
                                           key="0123456789abcdef")  # fmt: skip
    measures = set(prepared.rates["measure"])
    assert "admitted_likely_grad" not in measures  # not a rate of 0
    assert "admitted_4yr" in measures


def _roster_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "roster.csv").write_text(
        "SSID,Grad_Year,School_Code,Race_Code_1,GPA,FRL\n1,2024,S1,700,3.1,Y\n2,2024,S1,600,2.5,N\n"
    )
    (folder / "roster.yaml").write_text("format: sis-roster\n")
    (folder / "schools.csv").write_text("school_id,school_name\nS1,One\n")
    return folder


def _params_file(tmp_path: Path, folder: Path, more: str) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(f"run: t\nraw_dir: {folder}\nfocal_group: all\n{more}\n")
    return path


def _params_problems(folder: Path, path: Path):
    problems = pipeline.validate_dir(folder, params=load_params(path), params_file=path)
    return problems[problems["file"] == str(path)].set_index("column")


def test_a_groups_condition_is_checked_against_the_students_columns(tmp_path, capsys):
    folder = _roster_folder(tmp_path)
    # columns the roster gives: no problem about the params
    ok = _params_file(tmp_path, folder, "groups: {top: {label: Top, condition: 'gpa >= 3 and "
                      "low_income'}}\ncase_mix: [low_income, gpa]")  # fmt: skip
    assert len(_params_problems(folder, ok)) == 0
    bad = _params_file(tmp_path, folder, "groups: {top: {label: Top, condition: 'gpaa >= 3'}}")
    row = _params_problems(folder, bad).loc["groups.top.condition"]
    assert row["severity"] == "error"
    assert "reads the column 'gpaa'" in row["rule"] and "did you mean 'gpa'?" in row["rule"]
    assert str(bad) in row["what_to_do"] and "extra_columns" in row["what_to_do"]
    assert main(["validate", str(folder), "--params", str(bad)]) == 1
    assert "groups.top.condition" in capsys.readouterr().out
    # a condition that does not parse is named by its key too
    syntax = _params_file(tmp_path, folder, "focal_group: {label: X, condition: 'gpa >> 3'}")
    syntax.write_text(syntax.read_text().replace("focal_group: all\n", ""))
    row = _params_problems(folder, syntax).loc["focal_group.condition"]
    assert row["severity"] == "error" and "`>>`" in row["rule"]


def test_case_mix_covariates_are_checked_against_the_students_columns(tmp_path):
    folder = _roster_folder(tmp_path)
    typo = _params_file(tmp_path, folder, "case_mix: [low_incme, gpa]")
    row = _params_problems(folder, typo).loc["case_mix"]
    assert row["severity"] == "error" and "'low_incme'" in row["rule"]
    assert "did you mean 'low_income'?" in row["what_to_do"] and str(typo) in row["what_to_do"]
    # a column of the contract this roster lacks: the model goes without it (a warning)
    absent = _params_file(tmp_path, folder, "case_mix: [first_gen, gpa]")
    row = _params_problems(folder, absent).loc["case_mix"]
    assert row["severity"] == "warning" and "adjusts without it" in row["rule"]
    # a counts-only folder has no students to adjust for
    counts = tmp_path / "counts"
    counts.mkdir()
    (counts / "county_aid_2024.csv").write_text(COUNTS)
    path = _params_file(tmp_path, counts, "focal_measure: fafsa_complete\ncase_mix: [gpa]\n"
                        "aim: {measure: fafsa_complete, group: all}")  # fmt: skip
    row = _params_problems(counts, path).loc["case_mix"]
    assert row["severity"] == "warning" and "school counts only" in row["rule"]


def test_a_select_value_the_schools_do_not_hold_is_an_error_at_validate(tmp_path, capsys):
    folder = _roster_folder(tmp_path)
    (folder / "schools.csv").write_text(
        "school_id,school_name,county\nS1,One,Hillsborough County\nS2,Two,Pinellas County\n"
    )
    ok = _params_file(tmp_path, folder, "select: {county: Hillsborough County}")
    assert "select" not in _params_problems(folder, ok).index
    (tmp_path / "bad").mkdir()
    bad = _params_file(tmp_path / "bad", folder, "select: {county: Hilsborough County}")
    row = _params_problems(folder, bad).loc["select"]
    assert row["severity"] == "error"
    assert "'Hilsborough County' (did you mean 'Hillsborough County'?)" in row["rule"]
    # the params file alone: netlab validate checks its raw folder with it
    assert main(["validate", str(bad)]) == 1
    assert "did you mean 'Hillsborough County'?" in capsys.readouterr().out
    assert main(["validate", str(ok)]) == 0
