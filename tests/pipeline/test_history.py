"""The history across terms: DuckDB tables, revisions, since last term, the key's guard."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from netlab import clean, cli, paths, pipeline, synth
from netlab.exceptions import InputError
from netlab.params import load_params
from netlab.words import since_cell, unit_since_words
from tests._support import built_once


def _prepare_two_terms(root: Path) -> tuple[Path, synth.SynthNetwork]:
    """A small network prepared for two terms in ``root``: spring (class 2025, a late
    college) and fall."""
    for sub in ("params", "notebooks", "data/raw", "data/processed", "reports"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    network = synth.generate(4, seed=5, n_bright_spots=0)
    synth.write_term_exports(network, root / "data" / "raw" / "spring", through=2025)
    synth.write_exports(network, root / "data" / "raw" / "fall")
    mp = pytest.MonkeyPatch()
    mp.setenv("NETLAB_HOME", str(root))
    try:
        for run, term in TERMS.items():
            pipeline.prepare(load_params(_write_params(root, run, term)), fit=False)
    finally:
        mp.undo()
    return root, network


def _write_params(home: Path, run: str, term: str) -> Path:
    # the raw folder is named from the project root, so a copy's params (and the hash of
    # its inputs) are the same as the shared run's
    path = home / "params" / f"{run}.yaml"
    path.write_text(f"run: {run}\nnetwork: Small\nterm: {term}\nraw_dir: data/raw/{run}\n")
    return path


TERMS = {"spring": "Spring 2026", "fall": "Fall 2026"}


@pytest.fixture
def two_terms(netlab_home, tmp_path_factory):
    """The two terms prepared once per test session, copied into this test's project root."""
    shared, network = built_once(tmp_path_factory, "history-two-terms", _prepare_two_terms)
    shutil.copytree(shared, netlab_home, symlinks=True, dirs_exist_ok=True)
    for path in netlab_home.rglob("*.json"):  # files naming the shared root name the copy
        text = path.read_text()
        if str(shared) in text:
            path.write_text(text.replace(str(shared), str(netlab_home)))
    return network


def _truth_enrolled(network, school: str, year: int, *, late: bool) -> float:
    """The class's fall enrollment by hand from the tracker file written for the term."""
    s = network.tables["students"]
    s = s[(s["school_id"] == school) & (s["grad_year"] == year)]
    return float(s["enrolled"].mean())


def test_both_terms_are_kept_and_read_back(two_terms):
    terms = pipeline.history("Small", table="terms")
    assert terms["term"].tolist() == ["Spring 2026", "Fall 2026"]
    # the StudentTracker pull's search date is each term's date
    assert terms["as_of"].tolist() == [dt.date(2025, 11, 15), dt.date(2026, 11, 15)]
    assert terms["key_id"].nunique() == 1 and terms["key_id"].iloc[0] == clean.key_id()
    rates = pipeline.history("Small")
    assert rates.groupby("term")["year"].max().to_dict() == {
        "Fall 2026": 2026,
        "Spring 2026": 2025,
    }
    heads = pipeline.history("Small", table="headlines")
    assert {"aim"} <= set(heads["kind"])


def test_the_late_college_is_a_revision_with_both_values(two_terms):
    rates = pipeline.history("Small")
    fall = rates[rates["term"] == "Fall 2026"]
    enrolled = fall[(fall["measure"] == "enrolled_any") & (fall["group"] == "all")]
    revised = enrolled[enrolled["revised"]]
    # only the class the spring pull lacked the college's fall for, and only upwards
    assert set(revised["year"]) == {2025}
    assert (revised["rate"] > revised["previous_rate"]).all()
    assert (revised["previous_as_of"] == dt.date(2025, 11, 15)).all()
    # the earlier classes' enrollment did not change between the pulls
    assert not enrolled.loc[enrolled["year"] < 2025, "revised"].any()
    # by hand: the fall pull's class-2025 rate is the students' own enrollment
    for row in revised.itertuples():
        truth = _truth_enrolled(two_terms, row.unit_id, 2025, late=False)
        assert row.rate == pytest.approx(truth, abs=0.02)
    found = pipeline.revisions("Small")
    assert len(found) and set(found["year"]) >= {2025}


def test_since_last_term_sets_the_latest_classes_side_by_side(two_terms):
    since = pipeline.since_last_term("Small", measure="enrolled_any", group="all")
    assert len(since) == 4
    assert (since["year"] == 2026).all() and (since["previous_year"] == 2025).all()
    assert (since["change"] == since["rate"] - since["previous_rate"]).all()
    assert set(since["previous_term"]) == {"Spring 2026"}


def test_the_history_is_parquet_that_duckdb_queries_from_python(two_terms):
    import duckdb

    folder = pipeline.history_file()
    assert folder.is_relative_to(paths.processed_dir())  # the private work area
    files = f"{folder.as_posix()}/rates/*/*.parquet"
    got = duckdb.sql(
        f"select term, count(*) as n from read_parquet('{files}') group by term order by term"
    ).df()
    assert got["term"].tolist() == ["Fall 2026", "Spring 2026"] and (got["n"] > 0).all()
    con = pipeline.connect()  # the same, through netlab's views
    n = con.sql("select count(*) from rates").fetchall()[0][0]
    con.close()
    assert n == got["n"].sum()


def test_netlab_history_command(two_terms, capsys):
    assert cli.main(["history", "--network", "Small"]) == 0
    out = capsys.readouterr().out
    assert "Spring 2026" in out and "Fall 2026" in out
    assert cli.main(["history", "--table", "rates"]) == 0
    assert "revised by a later pull" in capsys.readouterr().out
    assert cli.main(["history", "--table", "since", "--network", "Small"]) == 0
    out = capsys.readouterr().out
    assert "previous_rate" in out and "Spring 2026" in out  # fall set beside spring


def test_building_again_replaces_the_same_term_not_appends(two_terms, netlab_home):
    before = len(pipeline.history("Small"))
    pipeline.prepare(load_params(netlab_home / "params" / "fall.yaml"), fit=False)
    assert len(pipeline.history("Small")) == before


@pytest.mark.faults
def test_another_key_against_the_history_stops(two_terms, netlab_home, capsys):
    """A lost key made anew must not re-key the history's network (real build)."""
    paths.key_file().unlink()
    params = netlab_home / "params" / "fall.yaml"
    # a real build stops before rendering (one render server warms meanwhile, not one a core)
    assert cli.main(["build", str(params), "--jobs", "1"]) != 0
    err = capsys.readouterr().err
    assert "netlab rekey" in err and "is missing" in err and "Traceback" not in err
    assert not paths.key_file().exists()  # nothing was made silently
    # a key written by hand (another key) stops as well, earlier terms included
    paths.key_file().write_text("0123456789abcdef")
    for run in ("fall", "spring"):
        with pytest.raises(InputError, match="Restore the key file|netlab rekey"):
            pipeline.prepare(load_params(netlab_home / "params" / f"{run}.yaml"), fit=False)
    assert pipeline.stale_reason(load_params(params)) == (
        "the pseudonym key is not the one it was prepared with"
    )


def test_rekey_on_purpose_lets_the_next_terms_build(two_terms, netlab_home, capsys):
    params = netlab_home / "params" / "fall.yaml"
    old = clean.key_id()
    assert cli.main(["rekey", str(params), "--yes"]) == 0
    assert clean.key_changed_on_purpose(old)
    # the other term is prepared again with the new key, saying why
    spring = load_params(netlab_home / "params" / "spring.yaml")
    assert pipeline.stale_reason(spring) == "the pseudonym key changed (netlab rekey)"
    pipeline.prepare(spring, fit=False)
    assert set(pipeline.history("Small", table="terms")["key_id"]) == {clean.key_id()}


def test_words_say_a_change_only_on_enough_students():
    row = {"rate": 0.62, "previous_rate": 0.55, "change": 0.07, "denominator": 40,
           "previous_denominator": 38, "funnel": "above", "previous_funnel": "within",
           "bright_spot": True, "previous_bright_spot": False, "stage": "spread",
           "previous_stage": "initiation", "year": 2026, "previous_year": 2025,
           "term": "Fall 2026", "previous_term": "Spring 2026"}  # fmt: skip
    cell = since_cell(row, 10)
    assert cell.startswith("+7.0 points") and "now a bright spot" in cell
    assert "initiation → spread" in cell and "above the limits" in cell
    assert "pp" not in since_cell({**row, "previous_denominator": 9}, 10)
    text = unit_since_words(row, phrase="enrolled", who="focal students", min_cell=10)
    assert "55%" in text and "62%" in text and "class of 2025" in text
    small = unit_since_words({**row, "denominator": 5}, phrase="x", who="y", min_cell=10)
    assert "%" not in small and "fewer than 10" in small


def test_headlines_hold_funnel_places_and_practices(netlab_home):
    from netlab.testing import make_prepared

    rates = pd.DataFrame({"unit_id": ["A", "B"], "year": [2025, 2025], "group": ["focal"] * 2,
                          "measure": ["enrolled_likely_grad"] * 2, "numerator": [5, 30],
                          "denominator": [50, 50]}).assign(rate=lambda f: f.numerator / f.denominator)  # fmt: skip
    funnel = rates.assign(flag=["below", "above"], lower=0.1, upper=0.5, suppressed=False)
    prepared = make_prepared(rates, models={"variation__funnel": funnel})
    heads = pipeline.headlines(prepared)
    places = heads[heads["kind"] == "funnel"].set_index("unit_id")["value"].to_dict()
    assert places == {"A": "below", "B": "above"}
    aim = heads[heads["kind"] == "aim"].iloc[0]
    assert aim["estimate"] == pytest.approx(35 / 100) and aim["value"] == "not yet reached"


def test_since_words_on_hand_made_rows():
    from netlab.words import moves, network_since_words, since_cell

    up = {"funnel": "above", "previous_funnel": "within"}
    assert moves(up) == ["moved above the limits (was within the limits)"]
    back = {"funnel": "within", "previous_funnel": "below"}
    assert moves(back) == ["back within the limits (was below the limits)"]
    # a change resting on too few students is hidden, and the cell says why, not "no change"
    small = {"change": 0.2, "denominator": 40, "previous_denominator": 6}
    assert since_cell(small, 10) == "change not shown (fewer than 10 students in a term)"
    assert since_cell({}, 10) == "no change in place"
    row = {**up, "change": 0.01, "denominator": 50, "previous_denominator": 50}
    frame = pd.DataFrame([{**row, "previous_term": "Spring 2026"}])
    said = " ".join(network_since_words(frame, noun="school", min_cell=10))
    assert "1 school: moved above the limits." in said


def _by_hand(term: str, measure: str) -> pd.DataFrame:
    """Each unit's latest class with a rate in a term's rates snapshot, by hand."""
    r = pipeline.history("Small")
    r = r[(r["term"] == term) & (r["measure"] == measure) & (r["group"] == "focal")]
    r = r[r["rate"].notna()]
    return r[r["year"] == r.groupby("unit_id")["year"].transform("max")].set_index("unit_id")


def test_the_stored_comparison_equals_the_one_from_the_snapshots(two_terms, netlab_home):
    measure = load_params(netlab_home / "params" / "fall.yaml").focal_measure
    stored = pipeline.history("Small", table="since")
    fall = stored[stored["term"] == "Fall 2026"]
    assert set(fall["measure"]) == {measure} and set(fall["previous_term"]) == {"Spring 2026"}
    since = pipeline.since_last_term("Small", measure=measure, group="focal")
    now, then = _by_hand("Fall 2026", measure), _by_hand("Spring 2026", measure)
    got = since.set_index(since["unit_id"].astype(str))
    assert sorted(got.index) == sorted(now.index)
    for unit in now.index:
        assert got.loc[unit, "rate"] == now.loc[unit, "rate"]
        assert got.loc[unit, "previous_rate"] == then.loc[unit, "rate"]
        assert got.loc[unit, "year"] == now.loc[unit, "year"]
        assert got.loc[unit, "previous_denominator"] == then.loc[unit, "denominator"]
    # the same read from the two snapshots' rates and headlines, not the stored table
    from netlab.pipeline._since import compared

    pd.testing.assert_frame_equal(since, compared("Small", measure=measure, group="focal"))
    # another measure is worked out from the snapshots
    other = pipeline.since_last_term("Small", measure="fafsa_complete", group="focal")
    assert (other["rate"].dropna() == _by_hand("Fall 2026", "fafsa_complete")
            .loc[other.dropna(subset=["rate"])["unit_id"], "rate"].to_numpy()).all()  # fmt: skip


def test_a_term_built_again_is_not_read_from_a_stale_comparison(two_terms, netlab_home):
    """Fall's stored table is what is read, until the spring term is built again: then it
    names the old build, and the comparison is worked out afresh from the snapshots."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    measure = load_params(netlab_home / "params" / "fall.yaml").focal_measure
    (file,) = (pipeline.history_file() / "since").glob("*/*Fall*2026*.parquet")
    table = pq.read_table(file)
    at = table.column_names.index("rate")
    pq.write_table(table.set_column(at, "rate", pc.multiply(table["rate"], 0.0)), file)
    since = pipeline.since_last_term("Small", measure=measure, group="focal")
    assert (since["rate"].dropna() == 0).all()  # the stored table, as written above
    pipeline.prepare(load_params(netlab_home / "params" / "spring.yaml"), fit=False)
    since = pipeline.since_last_term("Small", measure=measure, group="focal")
    now = _by_hand("Fall 2026", measure)
    got = since.set_index(since["unit_id"].astype(str))
    assert (got.loc[now.index, "rate"].to_numpy() == now["rate"].to_numpy()).all()
    assert (now["rate"] > 0).any()


def test_a_term_that_fails_while_kept_leaves_the_history_as_it_was(two_terms, monkeypatch):
    from netlab.pipeline import _keep

    prepared = pipeline.load("fall")
    files = sorted(p.relative_to(pipeline.history_file())
                   for p in pipeline.history_file().rglob("*") if p.is_file())  # fmt: skip
    rows = len(pipeline.history(table="rates"))

    def broken(*args, **kwargs):
        raise RuntimeError("the comparison failed")

    monkeypatch.setattr(_keep, "stored_since", broken)
    monkeypatch.setattr(prepared.params, "term", "Winter 2027")  # a new snapshot
    with pytest.raises(RuntimeError, match="comparison failed"):
        pipeline.append(prepared)
    after = sorted(p.relative_to(pipeline.history_file())
                   for p in pipeline.history_file().rglob("*") if p.is_file())  # fmt: skip
    assert after == files  # no rates file of a term the history does not hold
    assert len(pipeline.history(table="rates")) == rows


def test_a_side_and_the_join_by_hand():
    """Each unit's latest class with a rate (a class without one is passed over), its
    places from the headlines, and two sides joined with the change, on rows made by hand."""
    from netlab.pipeline._compare import joined, side

    rates = pd.DataFrame({
        "unit_id": ["a", "a", "a", "b", "b", "c", "a"],
        "year": [2024, 2025, 2026, 2025, 2025, 2025, 2026],
        "measure": ["m", "m", "m", "m", "m", "m", "other"],
        "group": ["focal", "focal", "focal", "focal", "all", "focal", "focal"],
        "numerator": [3, 4, 0, 5, 9, 1, 7],
        "denominator": [10, 10, 0, 20, 30, 2, 8],
        "rate": [0.3, 0.4, float("nan"), 0.25, 0.3, 0.5, 0.875],
    })  # fmt: skip
    rates["unit_id"] = rates["unit_id"].astype("str")
    heads = pd.DataFrame({
        "unit_id": ["a", "b", "b", "d", "c", None],
        "kind": ["funnel", "funnel", "traction_stage", "traction_stage", "bright_spot", "aim"],
        "measure": ["m", "other", None, None, "m", "m"],
        "group": ["focal", "focal", None, None, "focal", "focal"],
        "value": ["above", "below", "spread", "depth", "bright spot", "reached"],
    })  # fmt: skip
    now = side(rates, heads, "m", "focal").to_pandas().set_index("unit_id")
    assert sorted(now.index) == ["a", "b", "c", "d"]
    assert now.loc["a", "year"] == 2025 and now.loc["a", "rate"] == 0.4  # 2026 has no rate
    assert now.loc["b", "denominator"] == 20 and now.loc["c", "rate"] == 0.5
    assert now.loc["a", "funnel"] == "above" and pd.isna(now.loc["b", "funnel"])  # other measure
    assert now.loc["b", "stage"] == "spread" and now.loc["d", "stage"] == "depth"
    assert pd.isna(now.loc["d", "rate"])
    assert now["bright_spot"].to_dict() == {"a": False, "b": False, "c": True, "d": False}
    earlier = rates.assign(rate=rates["rate"] / 2)
    out = joined(side(rates, heads, "m", "focal"),
                 side(earlier[earlier["unit_id"] != "c"], heads.iloc[:0], "m", "focal"))  # fmt: skip
    out = out.to_pandas().set_index("unit_id")
    assert list(out.index) == ["a", "b", "c", "d"]
    assert out.loc["a", "change"] == pytest.approx(0.2) and pd.isna(out.loc["c", "change"])
    assert out.loc["c", "bright_spot"] and not out["previous_bright_spot"].any()


def test_a_network_whose_name_makes_anothers_folder_stops(two_terms, netlab_home):
    """A network named as another's history folder would share it: keeping its term stops
    with a message naming the other network, and the history is left as it was."""
    prepared = pipeline.load("fall")
    prepared.params.network = "Small x"  # kept in a folder named from its name
    pipeline.append(prepared)
    folder = paths.slug("Small x")
    assert folder != "Small x" and (pipeline.history_file() / "terms" / folder).is_dir()
    files = sorted(pipeline.history_file().rglob("*.parquet"))
    prepared.params.network = folder  # a name that makes the same folder
    with pytest.raises(InputError, match=r"keeps the terms of the network 'Small x'") as err:
        pipeline.append(prepared)
    assert "network:" in (err.value.hint or "")
    assert sorted(pipeline.history_file().rglob("*.parquet")) == files
