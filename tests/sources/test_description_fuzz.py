"""Any description and any header: a message naming the YAML, never a traceback.

Generated descriptions (every key, wrong types, overlapping aliases, regular expressions
that do not compile, roles the file lacks, a wide block over absent columns, a format that
does not exist) are read against generated headers; the reader either reads the file or
says why in a NetlabError, and problem records name the file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlab.exceptions import NetlabError
from netlab.params import RunParams, from_dict
from netlab.sources._describe import DescriptionModel, builtin_names, load_description
from netlab.sources._read import read_export
from netlab.sources._wide_counts import _counts

HEADERS = [
    "Student_Number", "SSID", "Grad_Year", "Race_Code_1", "race1", "Hispanic_Indicator",
    "School", "District", "County", "Year", "Enrollment", "FAFSA/CADAA Completed",
    "FAFSA Submitted", "School_Code", "Record Found Y/N", "College Code/Branch",
    "Enrollment Begin", "", "x", "Student ID",
]  # fmt: skip
ROLES = [
    "student_id", "local_id", "grad_year", "race_1", "school_name", "district", "county",
    "year", "seniors", "fafsa_completed", "cadaa_completed", "school_id", "record_found",
    "college_code", "enrollment_begin", "numerator", "measure", "anything",
]  # fmt: skip
KEYS = [*DescriptionModel.model_fields, "colums", "wide_measures"]

text = st.sampled_from(HEADERS) | st.text(max_size=8)
pattern = (
    text
    | st.integers(min_value=-2, max_value=30)
    | st.sampled_from(["(", "[a-", "race.*1", "^school$", "*x", "a{2,1}", "(?P<x>", "\\"])
)
scalar = st.none() | st.booleans() | st.integers(-5, 5000) | text
value = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)
columns = st.dictionaries(
    st.sampled_from(ROLES) | text, st.lists(pattern, max_size=3) | pattern, max_size=6
)
wide = st.fixed_dictionaries(
    {},
    optional={
        "measures": st.dictionaries(
            st.sampled_from(["fafsa_complete", "x"]),
            st.sampled_from(ROLES) | st.lists(st.sampled_from(ROLES), max_size=3),
            max_size=2,
        ),
        "denominator": st.sampled_from(ROLES) | scalar,
        "years": st.sampled_from(["(\\d{4})", "(", "20\\d\\d", "x"]) | scalar,
        "group": scalar,
    },
)
description = st.fixed_dictionaries(
    {},
    optional={
        "format": st.sampled_from([*builtin_names(), "nope"]) | scalar,
        "kind": st.sampled_from(["roster", "counts", "studenttracker", "aid", "x"]) | scalar,
        "columns": columns | value,
        "wide": wide | value,
        "school_id": st.fixed_dictionaries(
            {"format": st.sampled_from(["{district}.{school_name}", "{x}", "{", "a"]) | scalar},
            optional={"widths": value, "slug": value},
        )
        | value,
        "detect": st.lists(pattern, max_size=2) | value,
        "values": st.dictionaries(st.sampled_from(ROLES), value, max_size=2) | value,
        "types": st.dictionaries(
            st.sampled_from(ROLES),
            st.sampled_from(["year", "int", "date", "bool", "x"]) | text,
            max_size=2,
        )
        | value,
        "dates": value,
        "defaults": value,
        "race_codes": value,
        "header": value,
        "suppressed": value,
        "other": st.sampled_from(KEYS),
    },
)
rows = st.lists(st.lists(st.sampled_from(["1", "2024", "Y", "", "<5", "*", "a,b", "700"]),
                         min_size=1, max_size=6), max_size=4)  # fmt: skip


def _csv_cell(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if ("," in cell or '"' in cell) else cell


@pytest.mark.faults
@settings(
    max_examples=int(os.environ.get("NETLAB_FUZZ_EXAMPLES", "1000")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    desc=description,
    header=st.lists(st.sampled_from(HEADERS) | st.text(max_size=6), min_size=1, max_size=8),
    body=rows,
)
def test_any_description_and_header_gives_a_message_not_a_traceback(desc, header, body):
    if "other" in desc:
        desc[desc.pop("other")] = desc.get("columns", "x")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lines = [",".join(_csv_cell(h) for h in header)]
        lines += [",".join(_csv_cell(c) for c in r) for r in body]
        data = folder / "export.csv"
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        yml = folder / "export.yaml"
        yml.write_text(yaml.safe_dump(desc, allow_unicode=True), encoding="utf-8")
        try:
            d = load_description(yml)
            rx = read_export(data, d)
            if d.kind == "counts" and not any(p["severity"] == "error" for p in rx.problems):
                _counts(rx)
        except NetlabError as err:
            assert "export.yaml" in str(err) or "export.csv" in str(err) or err.file
            return
        for p in rx.problems:
            assert p["what_to_do"], p


@pytest.mark.faults
@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    data=st.dictionaries(
        st.sampled_from([*RunParams.model_fields, "colums", "network"]),
        value | st.dictionaries(st.sampled_from(["county", "label", "measure", "x"]), value),
        max_size=6,
    )
)
def test_any_params_mapping_gives_a_message_not_a_traceback(data):
    try:
        from_dict({"run": "r", "raw_dir": "x", **data}, source="p.yaml")
    except NetlabError as err:
        assert "p.yaml" in str(err)
