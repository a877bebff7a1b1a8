"""The run as a whole: raw folder → processed tables, rates, models; and back by ``load``."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from netlab import load, measures, paths, pipeline, synth
from netlab.exceptions import InputError
from netlab.params import from_dict


@pytest.fixture
def demo_raw(netlab_home):
    net = synth.generate(12, years=range(2022, 2027), seed=5)
    raw = netlab_home / "data" / "raw" / "t1"
    synth.write(net, raw)
    return raw, net


@pytest.fixture(scope="module")
def prepared_once(tmp_path_factory):
    """The twelve-school run prepared once for the tests that only read it, with what
    preparing said at INFO."""
    import logging

    home = tmp_path_factory.mktemp("prepared-once")
    for sub in ("params", "notebooks", "data/raw", "data/processed", "reports"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    raw = home / "data" / "raw" / "t-once"
    synth.write(synth.generate(12, years=range(2022, 2027), seed=5), raw)
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("netlab")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("NETLAB_HOME", str(home))
            prepared = pipeline.prepare(from_dict({"run": "t-once", "raw_dir": str(raw)}))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return prepared, " | ".join(r.getMessage() for r in records)


def test_prepare_writes_tables_rates_models_and_load_reads_them_back(demo_raw):
    raw, net = demo_raw
    params = from_dict({"run": "t1", "raw_dir": str(raw)})
    prepared = pipeline.prepare(params)
    out = paths.processed_dir("t1")
    for name in ("schools", "students", "rates", "units", "quality", "exclusions", "measures"):
        assert (out / f"{name}.parquet").exists(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["input_hash"] == pipeline.input_hash(params)
    assert pipeline.is_fresh(params)
    # PDFs on or off change the reports, not the data
    assert pipeline.is_fresh(params.model_copy(update={"pdf": not params.pdf}))
    assert not pipeline.is_fresh(params.model_copy(update={"min_cell": params.min_cell + 1}))
    assert any(k.startswith("variation__") for k in prepared.models)

    again = load("t1")
    pd.testing.assert_frame_equal(
        again.rates.reset_index(drop=True),
        prepared.rates.reset_index(drop=True),
        check_dtype=False,
    )
    assert set(again.models) == set(prepared.models)
    assert again.params == params


def test_rows_in_equal_rows_kept_plus_excluded(demo_raw):
    raw, _ = demo_raw
    prepared = pipeline.prepare(from_dict({"run": "t1", "raw_dir": str(raw)}), fit=False)
    q = prepared.quality
    assert (q["rows_in"] == q["rows_kept"] + q["rows_excluded"]).all()
    kept = {t: len(f) for t, f in prepared.tables.items()}
    for row in q.itertuples():
        if row.table in kept:
            assert kept[row.table] == row.rows_kept


def test_students_are_pseudonymized_and_raw_ids_never_written(demo_raw):
    raw, net = demo_raw
    pipeline.prepare(from_dict({"run": "t1", "raw_dir": str(raw)}), fit=False)
    students = pd.read_parquet(paths.processed_dir("t1") / "students.parquet")
    assert "student_id" not in students.columns
    raw_ids = set(net.tables["students"]["student_id"].astype(str))
    assert not raw_ids & set(students["student_key"])
    for path in paths.processed_dir("t1").rglob("*.parquet"):
        frame = pd.read_parquet(path)
        for col in frame.columns:
            if frame[col].dtype == object or str(frame[col].dtype).startswith("str"):
                assert not raw_ids & set(frame[col].dropna().astype(str)), (path, col)


def test_network_selection_by_district_keeps_only_its_schools(demo_raw):
    raw, net = demo_raw
    district = net.tables["schools"]["district"].iloc[0]
    chosen = set(net.tables["schools"].query("district == @district")["school_id"].astype(str))
    params = from_dict({"run": "t1", "raw_dir": str(raw), "districts": [district]})
    prepared = pipeline.prepare(params, fit=False, write=False)
    assert set(prepared.rates["unit_id"]) == chosen
    q = prepared.quality
    assert (q["rows_in"] == q["rows_kept"] + q["rows_excluded"]).all()
    outside = prepared.exclusions.query("reason.str.startswith('outside')", engine="python")
    assert len(outside) > 0


def test_no_matching_district_is_a_clear_error(demo_raw):
    raw, _ = demo_raw
    params = from_dict({"run": "t1", "raw_dir": str(raw), "districts": ["Nowhere Unified"]})
    with pytest.raises(InputError, match="districts not in the schools table: 'Nowhere Unified'"):
        pipeline.prepare(params, fit=False, write=False)


def test_every_school_and_district_the_params_name_must_be_in_the_data(demo_raw):
    raw, net = demo_raw
    schools = net.tables["schools"]
    real = str(schools["school_id"].iloc[0])
    district = str(schools["district"].iloc[0])
    params = from_dict(
        {
            "run": "t1",
            "raw_dir": str(raw),
            "districts": [district.upper(), "Nowhere Unified"],  # district names: any case
            "schools": [real, "S-404", real[:-1] + "x"],
        }
    )
    with pytest.raises(InputError) as caught:
        pipeline.prepare(params, fit=False, write=False)
    text = str(caught.value)
    assert "'Nowhere Unified'" in text and repr(district.upper()) not in text
    assert "'S-404'" in text and f"did you mean {real!r}?" in text
    assert f"{real!r}," not in text  # the school that is there is not named
    assert "What to do" in text


def test_a_code_that_lost_its_leading_zeros_in_the_params_is_named_with_the_real_one(
    demo_raw,
):
    _, net = demo_raw
    old = str(net.tables["schools"]["school_id"].iloc[0])
    tables = {}
    for name, frame in net.tables.items():
        if "school_id" in frame.columns:
            frame = frame.assign(school_id=frame["school_id"].astype(str).replace(old, "00042"))
        tables[name] = frame
    params = from_dict({"run": "t1", "raw_dir": "unused", "schools": ["42"]})
    with pytest.raises(InputError, match=r"'42' \(did you mean '00042'\?\)"):
        pipeline.prepare_frames(tables, params, key="0123456789abcdef")


def test_missing_raw_folder_is_a_clear_error(netlab_home):
    params = from_dict({"run": "t2", "raw_dir": "data/raw/absent"})
    with pytest.raises(InputError, match="does not exist"):
        pipeline.prepare(params)


def test_load_of_an_unprepared_run_says_what_to_do(netlab_home):
    with pytest.raises(InputError, match="netlab prepare"):
        load("never-prepared")


def test_load_of_a_run_an_earlier_netlab_prepared_says_to_prepare_it_again(
    tmp_path_factory, tmp_path, monkeypatch
):
    """A processed run whose manifest lists no file of a table this netlab reads (written
    before that table existed) is refused with what to do, never a missing-file traceback."""
    from tests._support import few_home

    home = few_home(tmp_path_factory, tmp_path / "home")
    monkeypatch.setenv("NETLAB_HOME", str(home))
    folder = paths.processed_dir("few")
    found = json.loads((folder / "manifest.json").read_text())
    del found["files"]["pending.parquet"]
    (folder / "manifest.json").write_text(json.dumps(found))
    (folder / "pending.parquet").unlink()
    with pytest.raises(InputError, match=r"did not write pending\.parquet") as err:
        load("few")
    assert "netlab build params/few.yaml" in err.value.hint


def test_rates_from_counts_grain_equal_rates_from_students(netlab_home):
    net = synth.generate(12, years=range(2023, 2027), seed=11)
    params = from_dict({"run": "t3", "raw_dir": "."})
    from_students = pipeline.prepare_frames(
        {k: v for k, v in net.tables.items()}, params, key="0123456789abcdef"
    )
    counts = measures.counts_from_students(from_students.tables["students"], params)
    tables = {k: v for k, v in net.tables.items() if k != "students"} | {"counts": counts}
    from_counts = pipeline.prepare_frames(tables, params, key="0123456789abcdef")
    key = ["unit_id", "year", "group", "measure"]
    a = from_students.rates.sort_values(key).reset_index(drop=True)
    b = from_counts.rates.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


# --- A processed cache that checks itself -------------------------------------------------


def test_the_manifest_records_each_file_checksum_and_the_versions(demo_raw):
    raw, _ = demo_raw
    params = from_dict({"run": "t1", "raw_dir": str(raw)})
    pipeline.prepare(params, fit=False)
    found = pipeline.manifest("t1")
    out = paths.processed_dir("t1")
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*.parquet")}
    assert set(found["files"]) == on_disk
    for rel, entry in found["files"].items():
        assert entry["bytes"] == (out / rel).stat().st_size
        assert len(entry["sha256"]) == 64
    assert found["versions"]["pandas"] == pd.__version__
    assert found["versions"]["netlab"] == found["netlab_version"]
    assert len(found["key_id"]) == 8
    assert pipeline.check("t1") == [] and pipeline.stale_reason(params) is None


def test_a_damaged_or_missing_processed_file_is_found_and_named(demo_raw):
    raw, _ = demo_raw
    params = from_dict({"run": "t1", "raw_dir": str(raw)})
    pipeline.prepare(params, fit=False)
    out = paths.processed_dir("t1")
    rates = out / "rates.parquet"
    data = rates.read_bytes()
    rates.write_bytes(data[: len(data) // 2])  # truncated
    assert "rates.parquet is damaged" in pipeline.stale_reason(params)
    with pytest.raises(InputError, match=r"rates\.parquet is damaged.*") as caught:
        load("t1")
    assert "netlab prepare" in str(caught.value)

    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF  # same size, one byte changed
    rates.write_bytes(bytes(flipped))
    assert pipeline.check("t1") == [
        "rates.parquet is damaged (its checksum differs from the manifest's)"
    ]
    (out / "units.parquet").unlink()
    assert "units.parquet is missing" in pipeline.stale_reason(params)


def test_a_run_prepared_by_another_version_or_key_is_prepared_again(demo_raw):
    raw, _ = demo_raw
    params = from_dict({"run": "t1", "raw_dir": str(raw)})
    pipeline.prepare(params, fit=False)
    path = paths.processed_dir("t1") / "manifest.json"
    found = json.loads(path.read_text())
    path.write_text(json.dumps({**found, "netlab_version": "0.0.9"}))
    assert "prepared by netlab 0.0.9" in pipeline.stale_reason(params)
    path.write_text(json.dumps({**found, "key_id": "00000000"}))
    # another key, not made by `netlab rekey`: stale, and preparing stops naming the fix
    assert pipeline.stale_reason(params) == "the pseudonym key is not the one it was prepared with"
    with pytest.raises(InputError, match="netlab rekey"):
        pipeline.prepare(params, fit=False)
    path.write_text(json.dumps({k: v for k, v in found.items() if k != "files"}))
    assert "no checksums" in pipeline.stale_reason(params)


def test_prepare_and_fit_say_what_they_do_at_info(prepared_once):
    prepared, said = prepared_once
    for step in ("reading the raw folder", "cleaning", "computing", "fitting the network models"):
        assert step in said, said
    assert f"fitted {len(prepared.models)} model frames" in said


def test_every_fitted_model_is_declared_and_an_undeclared_name_is_an_error(prepared_once):
    from netlab import report
    from netlab.testing import make_prepared

    prepared, _ = prepared_once
    assert prepared.models and set(prepared.models) <= set(pipeline.MODELS)
    assert {pipeline.MODELS[k].producer for k in prepared.models} == set(pipeline.PRODUCERS)
    # declared but not fitted in this run: None (the section says "not available")
    assert make_prepared().model("variation__funnel") is None
    with pytest.raises(pipeline.UnknownModelError, match="variation__funel"):
        prepared.model("variation__funel")
    r = report.from_prepared(prepared, None)
    with pytest.raises(pipeline.UnknownModelError):
        r.model("practices__withn")
