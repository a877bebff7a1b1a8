"""A hub adds its own measure and group in YAML only, and they reach the rates, a funnel and a
rendered report."""

from __future__ import annotations

import pytest
import yaml

from netlab import batch as build
from netlab import synth, variation
from netlab.params import load_params
from tests._support import built_once, make_home

MEASURE = {
    "label": "FAFSA done among seniors with a 3.0 GPA or higher",
    "denominator": "gpa >= 3.0",
    "numerator": "fafsa_complete or dream_act_complete",
    "denominator_label": "seniors with a GPA of 3.0 or higher",
    "kind": "interim",
}
GROUP = {
    "label": "low-income first-generation students",
    "condition": "low_income and first_gen",
}


@pytest.fixture(scope="module")
def yaml_run(tmp_path_factory):
    """The run built once per test session (every worker reads the same build)."""

    def make(root):
        home = make_home(root)
        mp = pytest.MonkeyPatch()
        mp.setenv("NETLAB_HOME", str(home))
        net = synth.generate(5, years=range(2022, 2027), seed=7, n_bright_spots=1, n_lookalikes=1)
        synth.write(net, home / "data" / "raw" / "yaml-aim")
        params = {
            "run": "yaml-aim",
            "network": "YAML network",
            "raw_dir": "data/raw/yaml-aim",
            "as_of": "2026-11-15",  # the synthetic files carry no search date; the class of 2026 is final
            "focal_group": "li_first_gen",
            "focal_measure": "fafsa_gpa3",
            "aim": {
                "measure": "fafsa_gpa3",
                "group": "focal",
                "baseline_year": 2022,
                "target": 0.9,
                "by": "2027-06-30",
            },
            "measures": {"fafsa_gpa3": MEASURE},
            "groups": {"li_first_gen": GROUP},
            "pdf": False,  # the checks read the rates and the HTML
        }
        (home / "params" / "yaml-aim.yaml").write_text(yaml.safe_dump(params))
        try:
            result = build.build(load_params("yaml-aim"), jobs=2, progress=False)
        finally:
            mp.undo()
        return home, net, result

    return built_once(tmp_path_factory, "yaml-aim", make)


def test_new_measure_and_group_reach_the_rates_with_hand_checked_counts(yaml_run):
    home, net, result = yaml_run
    import pandas as pd

    rates = pd.read_parquet(home / "data" / "processed" / "yaml-aim" / "rates.parquet")
    assert {"fafsa_gpa3"} <= set(rates["measure"]) and {"li_first_gen"} <= set(rates["group"])
    s = net.tables["students"]
    one = s[(s["grad_year"] == 2026) & s["low_income"] & s["first_gen"] & (s["gpa"] >= 3.0)]
    school = one["school_id"].iloc[0]
    mine = one[one["school_id"] == school]
    expected_num = int((mine["fafsa_complete"] | mine["dream_act_complete"]).sum())
    got = rates.query(
        "unit_id == @school and year == 2026 and group == 'li_first_gen' "
        "and measure == 'fafsa_gpa3'"
    ).iloc[0]
    assert (int(got["numerator"]), int(got["denominator"])) == (expected_num, len(mine))
    # The focal group is the YAML group: the same cells under the name "focal".
    focal = rates.query("group == 'focal' and measure == 'fafsa_gpa3'")
    named = rates.query("group == 'li_first_gen' and measure == 'fafsa_gpa3'")
    assert focal["numerator"].sum() == named["numerator"].sum()


def test_new_measure_gets_a_funnel(yaml_run):
    home, _, _ = yaml_run
    import pandas as pd

    rates = pd.read_parquet(home / "data" / "processed" / "yaml-aim" / "rates.parquet")
    f = variation.funnel(rates, measure="fafsa_gpa3", group="li_first_gen")
    assert len(f) == rates["unit_id"].nunique()
    assert f["flag"].isin(["above", "within", "below"]).all()


def test_rendered_reports_lead_with_the_yaml_measure_and_group(yaml_run):
    home, _, result = yaml_run
    assert result.ok, result.summary()
    network = home / "reports" / "yaml-aim"
    html = (network / "network.html").read_text()
    assert MEASURE["label"] in html
    assert GROUP["label"] in html
    school_html = next((network / "schools").glob("*.html")).read_text()
    assert MEASURE["label"] in school_html and GROUP["label"] in school_html
