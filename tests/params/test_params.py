"""Run parameters: validated before anything runs, unknown keys rejected by name."""

from __future__ import annotations

import pytest
import yaml

from netlab.exceptions import ParamsError
from netlab.params import from_dict, load_params

BASE = {"run": "t", "raw_dir": "data/raw/t"}


def test_defaults_fill_in():
    p = from_dict(BASE)
    assert p.min_cell == 10
    assert p.unit == "school"
    assert p.name_peers is False
    assert p.aim.group == "focal"


def test_unknown_key_is_named():
    with pytest.raises(ParamsError, match="min_cel: unknown key"):
        from_dict({**BASE, "min_cel": 5})


def test_unknown_nested_key_is_named():
    with pytest.raises(ParamsError, match=r"aim\.targt: unknown key"):
        from_dict({**BASE, "aim": {"targt": 0.5}})


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("min_cell", 0, "min_cell"),
        ("unit", "county", "unit"),
        ("grad_rate_threshold", 1.5, "grad_rate_threshold"),
        ("run", "bad name/with slash", "run"),
    ],
)
def test_bad_values_name_the_key(key, value, fragment):
    with pytest.raises(ParamsError, match=fragment):
        from_dict({**BASE, key: value})


def test_missing_required_key():
    with pytest.raises(ParamsError, match="raw_dir: required but missing"):
        from_dict({"run": "t"})


def test_school_ids_stay_text():
    p = from_dict({**BASE, "schools": [1234, "0042"]})
    assert p.schools == ["1234", "0042"]


def test_load_params_reads_yaml_and_reports_bad_yaml(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump({**BASE, "focal_measure": "fafsa_complete"}))
    assert load_params(good).focal_measure == "fafsa_complete"
    bad = tmp_path / "bad.yaml"
    bad.write_text("run: [unclosed\n")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(bad)
    with pytest.raises(ParamsError, match="No parameter file"):
        load_params(tmp_path / "absent.yaml")


@pytest.mark.parametrize("run", ["spring", "spring.2026"])
def test_a_run_name_means_its_params_file_whatever_folder_shares_the_name(
    run, netlab_home, tmp_path, monkeypatch
):
    (netlab_home / "params" / f"{run}.yaml").write_text(yaml.safe_dump({**BASE, "run": run}))
    work = tmp_path / "work"
    (work / run).mkdir(parents=True)  # a folder named like the run (its exports, say)
    monkeypatch.chdir(work)
    assert load_params(run).run == run
    # an existing file is read as given, run name or not
    (work / "mine").write_text(yaml.safe_dump({**BASE, "run": "mine"}))
    assert load_params("mine").run == "mine"
    # a folder given as a path is a message naming it, not a traceback
    with pytest.raises(ParamsError, match=rf"{run} is a folder, not a parameter file"):
        load_params(work / run)
    with pytest.raises(ParamsError, match=r"No parameter file at .*params.absent\.yaml"):
        load_params("absent")


def test_every_params_file_in_the_repo_validates(repo_root):
    files = sorted((repo_root / "params").glob("*.yaml"))
    assert files, "params/ holds no run"
    for path in files:
        assert load_params(path).run == path.stem


def test_yaml_identifiers_are_read_as_written(tmp_path):
    # YAML 1.1 reads 0123456 as octal 42798, 00042 as 34 and `no` as false.
    path = tmp_path / "ids.yaml"
    path.write_text(
        "run: ids\n"
        "raw_dir: data/raw/ids\n"
        "term: 2025\n"
        "schools: [0123456, 00042, 1e3, 12:30]\n"
        "districts:\n  - no\n  - Yes\n  - 'Quoted Unified'\n"
        "team_measures: {0123: fafsa_complete}\n"
        "min_cell: 011\n"  # not an identifier: YAML's own reading stands
    )
    p = load_params(path)
    assert p.schools == ["0123456", "00042", "1e3", "12:30"]
    assert p.districts == ["no", "Yes", "Quoted Unified"]
    assert p.team_measures == {"0123": "fafsa_complete"}
    assert p.term == "2025"
    assert p.min_cell == 9


def test_an_empty_selection_stays_empty(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("run: e\nraw_dir: data/raw/e\nschools:\ndistricts: ~\n")
    p = load_params(path)
    assert p.schools is None and p.districts is None


def test_a_boolean_given_as_an_identifier_is_an_error():
    with pytest.raises(ParamsError, match="districts.*False is not an identifier"):
        from_dict({**BASE, "districts": [False]})


def test_exclusion_allowances_need_a_share_and_a_reason():
    p = from_dict(
        {
            **BASE,
            "allow_excluded": {
                "students.school_id_blank": {"share": 0.15, "reason": "transfers not placed"}
            },
        }
    )
    assert p.max_excluded_share == 0.01
    assert p.allow_excluded["students.school_id_blank"].share == 0.15
    with pytest.raises(ParamsError, match=r"allow_excluded\.students\.x\.reason: required"):
        from_dict({**BASE, "allow_excluded": {"students.x": {"share": 0.2}}})
    with pytest.raises(ParamsError, match="max_excluded_share"):
        from_dict({**BASE, "max_excluded_share": 2})
