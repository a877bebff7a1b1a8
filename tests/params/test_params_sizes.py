"""Sizes checked: labels, names and phrases over a sensible length are an error naming the key."""

from __future__ import annotations

import pytest
import yaml

from netlab import params as P
from netlab.exceptions import ParamsError

BASE = {"run": "x", "raw_dir": "."}
MEASURE = {"label": "M", "numerator": "fafsa_complete", "denominator": "true"}
LONG = "L" * 10_000

#: (params with one long text, the key the message must name, its limit)
CASES = [
    ({"network": LONG}, "network", P.MAX_LABEL),
    ({"term": LONG}, "term", P.MAX_NAME),
    ({"focal_group": {"label": LONG, "condition": "true"}}, "focal_group.GroupDef.label", 120),
    ({"groups": {"g": {"label": LONG, "condition": "true"}}}, "groups.g.label", P.MAX_LABEL),
    ({"measures": {"m": {**MEASURE, "label": LONG}}}, "measures.m.label", P.MAX_LABEL),
    ({"measures": {"m": {**MEASURE, "short_label": LONG}}}, "measures.m.short_label", 120),
    ({"measures": {"m": {**MEASURE, "phrase": LONG}}}, "measures.m.phrase", P.MAX_PHRASE),
    (
        {"measures": {"m": {**MEASURE, "denominator_label": LONG}}},
        "measures.m.denominator_label",
        P.MAX_PHRASE,
    ),
    (
        {"allow_excluded": {"students.x": {"share": 0.1, "reason": LONG}}},
        "allow_excluded.students.x.reason",
        P.MAX_PHRASE,
    ),
    ({"focal_measure": LONG}, "focal_measure", P.MAX_NAME),
    ({"measures": {LONG: MEASURE}}, "measures", P.MAX_NAME),
]


@pytest.mark.parametrize(("extra", "key", "limit"), CASES)
def test_a_text_over_its_limit_is_an_error_naming_the_key(tmp_path, extra, key, limit):
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump({**BASE, **extra}))
    with pytest.raises(ParamsError) as err:
        P.load_params(path)
    said = str(err.value)
    assert f"  {key}" in said and f"at most {limit} characters" in said, said
    assert len(said) < 1500  # the long text is quoted, not repeated


@pytest.mark.parametrize(("extra", "key", "limit"), CASES)
def test_a_text_at_its_limit_is_accepted(extra, key, limit):
    def at_limit(value):
        if isinstance(value, dict):
            return {(k[:limit] if k == LONG else k): at_limit(v) for k, v in value.items()}
        return value[:limit] if value == LONG else value

    if key == "focal_measure":
        # a measure name must also be a known measure: at its limit, the name may be refused
        # as unknown, never as too long
        try:
            P.from_dict({**BASE, **at_limit(extra)})
        except ParamsError as err:
            assert "characters" not in str(err), str(err)
        return
    P.from_dict({**BASE, **at_limit(extra)})
