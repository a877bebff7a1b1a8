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


def test_every_params_file_in_the_repo_validates(repo_root):
    files = sorted((repo_root / "params").glob("*.yaml"))
    assert files, "params/ holds no run"
    for path in files:
        assert load_params(path).run == path.stem
