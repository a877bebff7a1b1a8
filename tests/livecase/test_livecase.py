"""Live-case matching: hosts, look-alike visitors, the rules, the gap interval, paragraphs."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from netlab import livecase as L
from netlab import words
from netlab.exceptions import InputError
from netlab.intervals import newcombe_diff
from netlab.livecase._match import _COLUMNS, _stance
from netlab.livecase._run import _by_unit
from netlab.testing import make_prepared

# ---------------------------------------------------------------- Newcombe (1998), Table II


@pytest.mark.parametrize(
    ("counts", "low", "high"),
    [
        ((56, 70, 48, 80), 0.0524, 0.3339),
        ((9, 10, 3, 10), 0.1705, 0.8090),
        ((6, 7, 2, 7), 0.0582, 0.8062),
        ((5, 56, 0, 29), -0.0381, 0.1926),
        ((0, 10, 0, 20), -0.1611, 0.2775),
        ((10, 10, 0, 20), 0.6791, 1.0000),
    ],
)
def test_newcombe_hybrid_score_matches_published_values(counts, low, high):
    d, lo, hi = newcombe_diff(*counts)
    assert d == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert float(lo) == pytest.approx(low, abs=1e-4)
    assert float(hi) == pytest.approx(high, abs=1e-4)


# ---------------------------------------------------------------- a hand-made network


def _network(seed=0, n=30):
    """Units with random context; H is a planted host; L1, L2 planted look-alikes."""
    rng = np.random.default_rng(seed)
    ids = [f"S{i:02d}" for i in range(n)]
    units = pd.DataFrame(
        {
            "unit_id": ids,
            "unit_name": [f"School {i}" for i in range(n)],
            "district": rng.choice(["North", "South", "East"], n),
            "share_focal": rng.uniform(0.2, 0.9, n),
            "share_low_income": rng.uniform(0.2, 0.9, n),
            "size": rng.integers(60, 500, n),
        }
    )
    rate = rng.uniform(0.30, 0.42, n)
    host = {"share_focal": 0.55, "share_low_income": 0.60, "size": 220, "district": "North"}

    def plant(uid, r, **ctx):
        i = ids.index(uid)
        for k, v in {**host, **ctx}.items():
            units.loc[i, k] = v
        rate[i] = r

    plant("S00", 0.65)  # the host
    plant("S01", 0.36, share_focal=0.57, size=230)  # look-alike 1
    plant("S02", 0.37, share_low_income=0.58, size=210)  # look-alike 2
    rates = pd.DataFrame(
        {
            "unit_id": ids,
            "year": 2025,
            "group": "focal",
            "measure": "m",
            "denominator": units["size"],
        }
    )
    rates["numerator"] = np.round(rate * rates["denominator"]).astype(int)
    rates["rate"] = rates["numerator"] / rates["denominator"]
    earlier = [rates.assign(year=y) for y in (2023, 2024)]
    return units, pd.concat([*earlier, rates], ignore_index=True)


def test_planted_lookalikes_are_the_first_suggestions():
    units, rates = _network()
    pairs = L.match(rates, units, bright_spots=["S00"], measure="m", max_visitors=3)
    assert list(pairs.columns) == _COLUMNS
    assert (pairs["host"] == "S00").all()
    assert list(pairs["rank"]) == [1, 2, 3]
    assert set(pairs["visitor"].iloc[:2]) == {"S01", "S02"}
    assert (pairs["year"] == 2025).all()
    assert (pairs["gap_pp"] >= 5).all()
    assert (pairs["gap_low_pp"] < pairs["gap_pp"]).all()
    assert (pairs["gap_pp"] < pairs["gap_high_pp"]).all()
    assert pairs["score"].is_monotonic_increasing
    first = pairs.iloc[0]
    assert first["share_focal_diff_pp"] == pytest.approx(
        100 * (first["host_share_focal"] - first["visitor_share_focal"])
    )
    assert first["size_ratio"] == pytest.approx(first["visitor_size"] / first["host_size"])
    assert "reasons" not in pairs.columns  # numbers only; words.pair_reasons_words says them
    assert words.pair_reasons_words(first).startswith(
        f"context distance {first['distance']:.2f}; "
    )
    assert f"gap {first['gap_pp']:.1f} pp (95% CI" in words.pair_reasons_words(first)


def test_bottom_performer_and_small_gap_are_not_suggested():
    units, rates = _network()
    i = rates.index[(rates["unit_id"] == "S01") & (rates["year"] == 2025)]
    # S01 becomes the network's lowest: no longer suggested, though the closest in context.
    rates.loc[i, "numerator"] = 5
    pairs = L.match(rates, units, bright_spots=["S00"], measure="m")
    assert "S01" not in set(pairs["visitor"])
    assert "S02" in set(pairs["visitor"])
    # With no bottom exclusion it comes back.
    pairs = L.match(rates, units, bright_spots=["S00"], measure="m", exclude_bottom=0)
    assert "S01" in set(pairs["visitor"])
    # A gap below min_gap_pp rules a look-alike out.
    units, rates = _network()
    j = rates.index[(rates["unit_id"] == "S02") & (rates["year"] == 2025)]
    rates.loc[j, "numerator"] = int(0.62 * 210)
    pairs = L.match(rates, units, bright_spots=["S00"], measure="m", min_gap_pp=5)
    assert "S02" not in set(pairs["visitor"])
    pairs = L.match(rates, units, bright_spots=["S00"], measure="m", min_gap_pp=2)
    assert "S02" in set(pairs["visitor"])


def test_same_district_and_learning_stance_are_preferred():
    units, rates = _network()
    units.loc[units["unit_id"] == "S01", "district"] = "South"
    units.loc[units["unit_id"] == "S02", "size"] = 300  # a little further away
    base = L.match(rates, units, bright_spots=["S00"], measure="m", same_district_bonus=0)
    d1 = base.set_index("visitor").loc["S01", "distance"]
    d2 = base.set_index("visitor").loc["S02", "distance"]
    assert d1 < d2
    assert base["visitor"].iloc[0] == "S01"
    bonus = L.match(rates, units, bright_spots=["S00"], measure="m", same_district_bonus=1.0)
    assert bonus["visitor"].iloc[0] == "S02"
    assert bool(bonus["same_district"].iloc[0])
    # Learning stance: S01 runs PDSA cycles, S02 does not; with no district bonus S01 stays
    # ahead, and with the district bonus a large stance bonus brings S01 back to the top.
    pdsa = pd.DataFrame(
        {
            "school_id": ["S01", "S01", "S01"],
            "cycle_id": ["a", "b", "c"],
            "start_date": pd.to_datetime(["2025-09-01", "2025-10-01", "2024-01-01"]),
        }
    )
    with_stance = L.match(
        rates, units, bright_spots=["S00"], measure="m", pdsa=pdsa, same_district_bonus=1.0,
        stance_bonus=2.0,
    )  # fmt: skip
    top = with_stance.iloc[0]
    assert top["visitor"] == "S01"
    assert top["visitor_pdsa_cycles"] == 2  # the 2024 cycle is more than a year old
    assert bool(top["visitor_learning_stance"])
    assert "2 PDSA cycles in the last year" in words.pair_reasons_words(top)
    traction = pd.DataFrame(
        {"school_id": ["S02", "S02"], "year": [2024, 2025], "ownership": [4, 2]}
    )
    own = L.match(rates, units, bright_spots=["S00"], measure="m", traction=traction)
    row = own.set_index("visitor").loc["S02"]
    assert row["visitor_ownership"] == 2  # the latest year counts
    assert not bool(row["visitor_learning_stance"])


def test_max_visitors_hosts_and_inputs():
    units, rates = _network()
    spots = pd.DataFrame({"unit_id": ["S00", "S05"], "measure": "m"})
    pairs = L.match(rates, units, bright_spots=spots, measure="m", max_visitors=2)
    assert pairs.groupby("host").size().max() <= 2
    assert not set(pairs["visitor"]) & {"S00", "S05"}  # hosts never visit
    assert pairs["host"].iloc[0] == "S00"  # hosts in order of their rate
    flagged = spots.assign(bright_spot=[True, False])
    only = L.match(rates, units, bright_spots=flagged, measure="m")
    assert set(only["host"]) == {"S00"}
    with pytest.raises(InputError, match="not in the units"):
        L.match(rates, units, bright_spots=["nope"], measure="m")
    with pytest.raises(ValueError, match="direction"):
        L.match(rates, units, bright_spots=["S00"], measure="m", direction="up")
    assert L.match(rates, units, bright_spots=[], measure="m").empty
    before = rates.copy()
    L.match(rates, units, bright_spots=["S00"], measure="m")
    pd.testing.assert_frame_equal(rates, before)


def test_a_district_learning_stance_counts_its_schools_cycles():
    from types import SimpleNamespace

    schools = pd.DataFrame({"school_id": ["a1", "a2", "b1"], "district": ["A", "A", "B"]})
    pdsa = pd.DataFrame({"school_id": ["a1", "a1", "a2", "b1"], "cycle_id": ["c1", "c2", "c1", "c1"],
                         "start_date": ["2026-01-05", "2026-02-05", "2026-03-05", "2026-03-09"]})  # fmt: skip
    traction = pd.DataFrame(
        {"school_id": ["a1", "a2", "b1"], "year": 2026, "ownership": [2, 3, 4]}
    )
    prepared = SimpleNamespace(tables={"schools": schools})
    by = _by_unit(pdsa, prepared, "district")
    stance = _stance(pd.Series(["A", "B"]), by, _by_unit(traction, prepared, "district"),
                     as_of=None)  # fmt: skip
    # a2's cycle c1 is not a1's c1: three cycles in district A
    assert stance["pdsa_cycles"].tolist() == [3, 1]
    assert stance["ownership"].tolist() == [2.5, 4.0]
    assert _by_unit(pdsa, prepared, "school") is pdsa
    row = SimpleNamespace(visitor_pdsa_cycles=0, visitor_ownership=2 + 2 / 3)
    assert L.stance(row) == "no PDSA cycles in the last year; ownership 2.7 of 4"


def test_direction_lower_flips_the_gap():
    units, rates = _network()
    flipped = rates.assign(numerator=rates["denominator"] - rates["numerator"])
    pairs = L.match(flipped, units, bright_spots=["S00"], measure="m", direction="lower")
    assert set(pairs["visitor"].iloc[:2]) == {"S01", "S02"}
    assert (pairs["gap_pp"] > 0).all()
    assert (pairs["visitor_rate"] > pairs["host_rate"]).all()
    assert (pairs["gap_low_pp"] < pairs["gap_pp"]).all()


def test_paragraphs_named_and_unnamed():
    units, rates = _network()
    pairs = L.match(rates, units, bright_spots=["S00"], measure="m")
    named = L.paragraphs(
        pairs, measure_label="Enrollment where likely to graduate", group_label="focal"
    )
    assert len(named) == len(pairs)
    assert named[0].startswith("School 0 could host School")
    assert "percentage points (95% interval" in named[0]
    anon = L.paragraphs(pairs, measure_label="Enrollment", group_label="focal", name_units=False)
    assert anon[0].startswith("School A could host School A1")
    assert not any("School 0" in p for p in anon)
    assert L.paragraphs(pairs.iloc[:0], measure_label="x", group_label="y") == []
    everyone = L.paragraphs(pairs, measure_label="FAFSA completed", group_label="All students")
    assert "FAFSA completed for all students was" in everyone[0]
    assert "of their students are in the focal group" in named[0]
    # every student focal: the schools file's focal share is not said
    quiet = L.paragraphs(pairs, measure_label="FAFSA completed", group_label="All students",
                         focal_phrase="")  # fmt: skip
    assert not any("of their students are" in p for p in quiet)


def test_paragraphs_leave_out_the_context_the_data_lacks():
    units, rates = _network()
    pairs = L.match(rates, units, bright_spots=["S00"], measure="m")
    blank = pairs.assign(
        host_share_focal=np.nan, visitor_share_focal=np.nan, host_share_low_income=np.nan,
        visitor_share_low_income=np.nan, host_size=np.nan, visitor_size=np.nan,
    )  # fmt: skip
    text = L.paragraphs(blank, measure_label="Enrolled", group_label="Low-income")
    assert all("?" not in t and "nan" not in t for t in text)
    assert "is not in the data, so the pair rests on results alone" in text[0]
    assert "enrolled for low-income students was" in text[0]
    # the district they share is said, and so is the context the data lacks
    said = L.alike(next(blank.itertuples(index=False)))
    assert said.startswith("school context not in the data; both in "), said
    blank = blank.assign(same_district=False)
    assert L.alike(next(blank.itertuples(index=False))) == "school context not in the data"
    some = blank.assign(host_size=400.0, visitor_size=380.0)
    assert L.alike(next(some.itertuples(index=False))) == "400 and 380 seniors"
    assert (
        "with 400 and 380 seniors"
        in L.paragraphs(some, measure_label="Enrolled", group_label="focal")[0]
    )


def test_models_for_run_uses_bright_spots_and_params():

    from netlab.params import from_dict

    units, rates = _network()
    params = from_dict(
        {
            "run": "t",
            "raw_dir": "data/raw/t",
            "focal_measure": "m",
            "livecase": {"max_visitors": 2},
        }
    )
    measures = pd.DataFrame({"measure": ["m"], "direction": ["higher"]})
    prepared = make_prepared(rates, params=params, units=units, measures=measures)
    pairs = L.models_for_run(prepared)["pairs"]
    assert "S00" in set(pairs["host"])  # the planted host is a bright spot
    assert pairs.groupby("host").size().max() <= 2
    assert set(pairs.loc[pairs["host"] == "S00", "visitor"]) == {"S01", "S02"}
    fitted = pd.DataFrame({"unit_id": ["S05"], "measure": ["m"], "group": ["focal"]})
    prepared.models = {"variation__bright_spots": fitted}
    assert set(L.models_for_run(prepared)["pairs"]["host"]) <= {"S05"}


def test_context_plot_draws_hosts_and_visitors():
    from netlab import plots

    units, rates = _network()
    pairs = L.match(rates, units, bright_spots=["S00"], measure="m")
    ax = plots.livecase_context(pairs, units, name_units=False)
    assert len(ax.lines) == len(pairs)  # one line per suggested pair
    assert [t.get_text() for t in ax.texts] == ["A"]


# ---------------------------------------------------------------- synthetic networks


def _has_synth() -> bool:
    if importlib.util.find_spec("netlab.synth") is None:
        return False
    from netlab import synth

    return hasattr(synth, "generate")


HAS_SYNTH = _has_synth()


def _synth_inputs(seed):
    from netlab import synth

    net = synth.generate(n_schools=30, seed=seed, grain="counts")
    tables, truth = net.tables, net.truth
    schools = tables["schools"]
    units = schools.rename(columns={"school_id": "unit_id", "school_name": "unit_name"})
    size = "seniors" if "seniors" in units.columns else "enrollment"
    units = units.assign(size=units[size])
    if "counts" in tables:
        rates = tables["counts"].rename(columns={"school_id": "unit_id"})
        rates = rates.assign(rate=rates["numerator"] / rates["denominator"])
    else:
        from netlab import pipeline
        from netlab.params import from_dict

        params = from_dict({"run": "t", "raw_dir": "data/raw/t"})
        prepared = pipeline.prepare_frames(tables, params)
        rates, units = prepared.rates, prepared.units
    return tables, truth, units, rates


@pytest.mark.skipif(not HAS_SYNTH, reason="netlab.synth not available")
def test_planted_lookalikes_found_on_synthetic_networks():
    """For the planted hosts, the planted look-alikes are the suggested visitors.

    A planted visitor that the year's draw puts among the network's lowest three is left
    out by design (the bottom-performer rule), so a few misses are expected.
    """
    hosts = hosts_hit = top_hit = planted = found = 0
    for seed in range(5):
        tables, truth, units, rates = _synth_inputs(seed)
        lookalikes = {str(h): {str(v) for v in vs} for h, vs in truth.lookalikes.items()}
        pairs = L.match(
            rates,
            units,
            bright_spots=list(lookalikes),
            measure=truth.bright_spot_measure,
            pdsa=tables.get("pdsa"),
            traction=tables.get("traction"),
        )
        assert pairs.groupby("host").size().max() <= 3
        for host, visitors in lookalikes.items():
            suggested = pairs.loc[pairs["host"] == host].sort_values("rank")["visitor"]
            hosts += 1
            hosts_hit += bool(set(suggested) & visitors)
            top_hit += bool(len(suggested)) and suggested.iloc[0] in visitors
            planted += len(visitors)
            found += len(set(suggested) & visitors)
    assert hosts >= 10
    assert hosts_hit / hosts >= 0.8
    assert top_hit / hosts >= 0.8
    assert found / planted >= 0.75


def test_missing_context_uses_the_variables_present():
    units, rates = _network()
    no_focal = units.assign(share_focal=np.nan)
    pairs = L.match(rates, no_focal, bright_spots=["S00"], measure="m")
    assert set(pairs["visitor"].iloc[:2]) == {"S01", "S02"}
    assert pairs["distance"].notna().all()
    # Compared over two of three variables, rescaled to the full weight: with equal weights
    # and sizes equal, the distance is √(3/2) × the share_low_income difference in SDs.
    same = units.assign(share_focal=np.nan, size=200)
    one = L.match(rates, same, bright_spots=["S00"], measure="m", weights=(1, 1, 1)).iloc[0]
    sd = same["share_low_income"].std(ddof=1)
    expected = np.sqrt(3 / 2) * abs(one["share_low_income_diff_pp"] / 100) / sd
    assert one["distance"] == pytest.approx(expected)


def test_context_used_names_what_the_matching_lacked():
    units, rates = _network()
    bare = units.drop(columns=["share_low_income", "district"])
    used = L.context_used(bare).set_index("variable")
    assert (
        not used.loc["share_low_income", "used"]
        and used.loc["share_low_income", "units_with"] == 0
    )
    assert not used.loc["district", "used"]
    assert used.loc["share_focal", "used"] and used.loc["share_focal", "units_with"] == len(units)
    # matching still runs on what there is
    pairs = L.match(rates, bare, bright_spots=["S00"], measure="m")
    assert len(pairs) and pairs["distance"].notna().all()


def _has_pipeline() -> bool:
    try:
        from netlab import pipeline
        from netlab.sources import _io as io
    except ImportError:
        return False
    return hasattr(pipeline, "prepare_frames") and hasattr(io, "raw_tables")


@pytest.mark.skipif(not (HAS_SYNTH and _has_pipeline()), reason="synth or pipeline missing")
def test_run_pairs_planted_hosts_with_planted_lookalikes():
    """End to end: prepared run → variation's bright spots → livecase pairs."""
    from netlab import pipeline, synth
    from netlab.params import from_dict
    from netlab.sources import _io as io

    params = from_dict({"run": "t", "raw_dir": "data/raw/t"})
    hosts = hosts_found = planted = found = 0
    for seed in range(3):
        net = synth.generate(n_schools=30, seed=seed, grain="counts", bright_spot_effect=0.18)
        prepared = pipeline.prepare_frames(io.raw_tables(net.tables), params, key="k" * 32)
        pairs = L.models_for_run(prepared)["pairs"]
        for host, visitors in net.truth.lookalikes.items():
            hosts += 1
            hosts_found += host in set(pairs["host"])
            planted += len(visitors)
            found += len(set(pairs.loc[pairs["host"] == host, "visitor"]) & set(visitors))
    assert hosts_found / hosts >= 0.75
    assert found / planted >= 0.7


def test_no_context_gives_no_pairs_and_says_so():
    units, rates = _network()
    blank = units.assign(share_focal=np.nan, share_low_income=np.nan, size=np.nan)
    pairs = L.match(rates, blank, bright_spots=["S00"], measure="m")
    assert pairs.empty  # not the first schools in id order
    used = L.context_used(blank)
    assert L.context_words(used, "school") == ""
    assert "No live cases" in L.NO_CONTEXT.format(noun="school")
    sized = L.context_used(blank.assign(size=units["size"]))
    assert L.context_words(sized, "school") == (
        f"size (seniors, or enrollment): {len(units)} schools"
    )


def test_a_run_measure_lower_is_better_is_read_from_the_registry_everywhere():
    # One home for a measure's direction: the run's own definition says lower is better,
    # and both the bright spots (variation) and the pairs (live case) follow it.
    from netlab import measures, variation
    from netlab.params import from_dict

    units, rates = _network()
    flipped = rates.assign(
        measure="late_forms", numerator=rates["denominator"] - rates["numerator"]
    )
    flipped["rate"] = flipped["numerator"] / flipped["denominator"]
    params = from_dict(
        {
            "run": "t",
            "raw_dir": "data/raw/t",
            "focal_measure": "late_forms",
            "aim": {"measure": "late_forms"},
            "measures": {
                "late_forms": {"label": "Late forms", "table": "counts", "direction": "lower"}
            },
        }
    )
    frame = measures.measures_frame(measures.registry(params))
    assert measures.direction("late_forms", frame) == "lower"
    prepared = make_prepared(flipped, params=params, units=units, measures=frame)
    spots = variation.models_for_run(prepared)["bright_spots"]
    assert "S00" in set(spots.loc[spots["measure"] == "late_forms", "unit_id"])
    pairs = L.models_for_run(prepared)["pairs"]
    assert set(pairs.loc[pairs["host"] == "S00", "visitor"]) >= {"S01", "S02"}
    assert (pairs["visitor_rate"] > pairs["host_rate"]).all()
    # the same run read as higher-is-better finds no host at S00 (it has the worst rate)
    higher = frame.assign(direction="higher")
    prepared = make_prepared(flipped, params=params, units=units, measures=higher)
    assert "S00" not in set(variation.models_for_run(prepared)["bright_spots"]["unit_id"])
    assert "S00" not in set(L.models_for_run(prepared)["pairs"]["host"])


def test_the_pairs_shown_are_decided_once_for_the_reports_and_the_briefs(tmp_path, monkeypatch):
    # netlab.livecase.shown_pairs is the one rule: the network report's pairs and the
    # briefs the build plans are the same pairs, each side resting on min_cell students.
    from netlab import paths, report
    from netlab.batch import _plan
    from netlab.report._glance import shown_pairs

    pairs = pd.DataFrame(
        {
            "host": ["S00", "S00", "S03", "S03"],
            "visitor": ["S01", "S02", "S04", "S05"],
            "host_denominator": [40, 40, 9, 40],
            "visitor_denominator": [10, 9, 30, 5],
        }
    )
    shown = L.shown_pairs(pairs, min_cell=10)
    assert list(zip(shown["host"], shown["visitor"], strict=True)) == [("S00", "S01")]
    assert L.shown_pairs(pairs, min_cell=9)["visitor"].tolist() == ["S01", "S02", "S04"]
    assert (
        L.shown_pairs(None, min_cell=10).empty and L.shown_pairs(pairs.iloc[:0], min_cell=1).empty
    )
    # a side whose count is missing is too small, however large the other side's
    one_sided = pairs.assign(visitor_denominator=[float("nan"), 30.0, 30.0, 30.0])
    assert L.shown_pairs(one_sided, min_cell=9)["visitor"].tolist() == ["S02", "S04", "S05"]

    prepared = make_prepared(min_cell=9, models={"livecase__pairs": pairs})
    on_page = shown_pairs(report.from_prepared(prepared, None))
    models = tmp_path / "t" / "models"
    models.mkdir(parents=True)
    pairs.to_parquet(models / "livecase__pairs.parquet")
    monkeypatch.setattr(paths, "processed_dir", lambda run=None: tmp_path / (run or ""))
    briefs = _plan._brief_pairs(prepared.params)
    assert briefs == list(zip(on_page["host"], on_page["visitor"], strict=True))
    assert briefs == [("S00", "S01"), ("S00", "S02"), ("S03", "S04")]
