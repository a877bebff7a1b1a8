"""Traction: stages from rubric rows, shares, transitions, time to stage, outcomes, PDSA, survey."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from netlab import traction as T
from netlab.testing import make_prepared


def _rubric(rows, year=2025):
    """rows: (team, ownership, depth, spread, sustainability)."""
    frame = pd.DataFrame(
        rows, columns=["school_id", "ownership", "depth", "spread", "sustainability"]
    )
    frame.insert(1, "year", year)
    return frame


# ---------------------------------------------------------------- stages


BOUNDARIES = [
    # team, ownership, depth, spread, sustainability, expected stage, out of sequence
    ("none-all-low", 1, 1, 1, 1, "no traction", False),
    ("own-below", 2, 3, 1, 1, "no traction", False),
    ("depth-below", 3, 2, 1, 1, "no traction", False),
    ("init-exact", 3, 3, 1, 1, "initiation", False),
    ("init-spread-below", 3, 3, 2, 4, "initiation", True),
    ("spread-exact", 3, 3, 3, 2, "spread", False),
    ("spread-without-own", 2, 4, 4, 4, "no traction", True),
    ("spread-without-depth", 4, 2, 3, 1, "no traction", True),
    ("sust-exact", 3, 3, 3, 3, "sustainability", False),
    ("all-four", 4, 4, 4, 4, "sustainability", False),
    ("sust-without-spread", 4, 4, 1, 4, "initiation", True),
]


@pytest.mark.parametrize("row", BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_stage_at_each_boundary(row):
    team, own, depth, spread, sust, expected, oos = row
    out = T.stages(_rubric([(team, own, depth, spread, sust)]), threshold=3.0)
    assert out["stage"].iloc[0] == expected
    assert out["stage_level"].iloc[0] == T.STAGES.index(expected)
    assert bool(out["out_of_sequence"].iloc[0]) is oos


def test_threshold_is_at_or_above_and_a_parameter():
    rows = _rubric(
        [
            ("exact", 2.5, 2.5, 2.5, 2.5),
            ("just-below-own", 2.49, 4, 4, 4),
            ("just-below-depth", 4, 2.49, 4, 4),
            ("just-below-spread", 4, 4, 2.49, 4),
            ("just-below-sust", 4, 4, 4, 2.49),
        ]
    )
    out = T.stages(rows, threshold=2.5).set_index("school_id")["stage"]
    assert out["exact"] == "sustainability"
    assert out["just-below-own"] == "no traction"
    assert out["just-below-depth"] == "no traction"
    assert out["just-below-spread"] == "initiation"
    assert out["just-below-sust"] == "spread"
    # With the default threshold 3 the same "exact" row has no traction.
    assert T.stages(rows.iloc[:1])["stage"].iloc[0] == "no traction"


def test_missing_score_unknown_only_when_it_matters():
    rows = _rubric(
        [
            ("own-missing", np.nan, 4, 4, 4),
            ("own-low-rest-missing", 1, np.nan, np.nan, np.nan),
            ("spread-missing", 3, 3, np.nan, 4),
            ("init-spread-low-sust-missing", 3, 3, 1, np.nan),
        ]
    )
    out = T.stages(rows).set_index("school_id")["stage"]
    assert pd.isna(out["own-missing"])
    assert out["own-low-rest-missing"] == "no traction"
    assert pd.isna(out["spread-missing"])
    assert out["init-spread-low-sust-missing"] == "initiation"


def test_stages_does_not_mutate_and_orders_categories():
    rows = _rubric([("B", 4, 4, 4, 4), ("A", 1, 1, 1, 1)])
    before = rows.copy()
    out = T.stages(rows)
    pd.testing.assert_frame_equal(rows, before)
    assert list(out["school_id"]) == ["A", "B"]
    assert out["stage"].cat.ordered
    assert list(out["stage"].cat.categories) == list(T.STAGES)


# ---------------------------------------------------------------- shares

# Two cohorts, two years. Stages chosen by hand:
#   cohort 2023: A none→init, B init→spread, C init→init, D none→(missing year 2025)
#   cohort 2024: E none→none, F spread→sust
LEVELS = {
    ("A", 2024): 0, ("A", 2025): 1,
    ("B", 2024): 1, ("B", 2025): 2,
    ("C", 2024): 1, ("C", 2025): 1,
    ("D", 2024): 0,
    ("E", 2024): 0, ("E", 2025): 0,
    ("F", 2024): 2, ("F", 2025): 3,
}  # fmt: skip
SCORES = {0: (1, 1, 1, 1), 1: (3, 3, 1, 1), 2: (3, 3, 3, 1), 3: (4, 4, 4, 4)}
SCHOOLS = pd.DataFrame(
    {"school_id": list("ABCDEF"), "cohort": [2023, 2023, 2023, 2023, 2024, 2024]}
)


@pytest.fixture
def network_stages():
    rows = [(team, year, *SCORES[lvl]) for (team, year), lvl in LEVELS.items()]
    frame = pd.DataFrame(
        rows, columns=["school_id", "year", "ownership", "depth", "spread", "sustainability"]
    )
    return T.stages(frame)


def test_shares_reproduce_hand_table(network_stages):
    out = T.stage_shares(network_stages, SCHOOLS)
    got = out.set_index(["cohort", "year", "stage"])[["teams", "total", "share"]]
    # cohort, year: counts of (none, initiation, spread, sustainability)
    hand = {
        (2023, 2024): (2, 2, 0, 0),
        (2023, 2025): (0, 2, 1, 0),
        (2024, 2024): (1, 0, 1, 0),
        (2024, 2025): (1, 0, 0, 1),
    }
    assert len(out) == 4 * len(hand)
    for (cohort, year), counts in hand.items():
        total = sum(counts)
        for stage, n in zip(T.STAGES, counts, strict=True):
            row = got.loc[(cohort, year, stage)]
            assert row["teams"] == n
            assert row["total"] == total
            assert row["share"] == pytest.approx(n / total)


def test_shares_by_year_and_from_units_frame(network_stages):
    units = SCHOOLS.rename(columns={"school_id": "unit_id"})
    out = T.stage_shares(network_stages, units, by=("year",))
    y2025 = out.loc[out["year"] == 2025].set_index("stage")
    assert list(y2025["teams"]) == [1, 2, 1, 1]
    assert y2025["share"].sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="by"):
        T.stage_shares(network_stages, SCHOOLS, by=("district",))


# ---------------------------------------------------------------- transitions


def test_transitions_match_hand_counts_and_sum(network_stages):
    out = T.transitions(network_stages)
    assert set(zip(out["from_year"], out["to_year"], strict=True)) == {(2024, 2025)}
    assert len(out) == 16
    # D has no 2025 row: 5 teams observed in both years.
    assert out["teams"].sum() == 5
    cell = out.set_index(["from_stage", "to_stage"])["teams"]
    assert cell[("no traction", "initiation")] == 1  # A
    assert cell[("no traction", "no traction")] == 1  # E
    assert cell[("initiation", "spread")] == 1  # B
    assert cell[("initiation", "initiation")] == 1  # C
    assert cell[("spread", "sustainability")] == 1  # F
    rows = out.groupby("from_stage", observed=True).agg(
        teams=("teams", "sum"), row_total=("row_total", "first"), share=("share", "sum")
    )
    assert (rows["teams"] == rows["row_total"]).all()
    observed = rows.loc[rows["row_total"] > 0, "share"]
    assert np.allclose(observed, 1.0)
    change = out.groupby("change")["teams"].sum()
    assert change["moved up"] == 3 and change["stayed"] == 2 and change.get("slipped", 0) == 0


def test_transitions_slipped_and_pooled():
    frame = _rubric([("A", 4, 4, 4, 4), ("B", 3, 3, 1, 1)], year=2024)
    frame = pd.concat(
        [
            frame,
            _rubric([("A", 3, 3, 1, 1), ("B", 3, 3, 1, 1)], year=2025),
            _rubric([("A", 1, 1, 1, 1), ("B", 3, 3, 3, 1)], year=2026),
        ]
    )
    st = T.stages(frame)
    by_year = T.transitions(st)
    assert by_year.groupby("from_year")["teams"].sum().tolist() == [2, 2]
    pooled = T.transitions(st, pooled=True)
    assert pooled["teams"].sum() == 4
    change = pooled.groupby("change")["teams"].sum()
    assert change["slipped"] == 2 and change["stayed"] == 1 and change["moved up"] == 1


# ---------------------------------------------------------------- time to stage


def test_time_to_stage_counts_censored(network_stages):
    out = T.time_to_stage(network_stages, SCHOOLS).set_index(["school_id", "stage"])
    a = out.loc[("A", "initiation")]
    assert a["reached"] and a["year_reached"] == 2025 and a["years"] == 2 and not a["censored"]
    a_spread = out.loc[("A", "spread")]
    assert a_spread["censored"] and a_spread["years"] == 2  # followed 2023 → 2025
    f = out.loc[("F", "initiation")]  # reached spread at once: initiation counts too
    assert f["reached"] and f["years"] == 0
    assert out.loc[("F", "sustainability"), "years"] == 1
    d = out.loc[("D", "initiation")]
    assert d["censored"] and d["years"] == 1


def test_reach_curve_kaplan_meier_by_hand():
    ttr = pd.DataFrame(
        {
            "school_id": list("ABCD"),
            "cohort": 2020,
            "stage": "initiation",
            "reached": [True, False, True, False],
            "year_reached": [2020, pd.NA, 2022, pd.NA],
            "years": [0, 1, 2, 2],
            "censored": [False, True, False, True],
        }
    )
    curve = T.reach_curve(ttr).set_index("years")
    # t=0: 1 of 4 → S=3/4; t=1: none reached (B censored) ; t=2: 1 of 2 → S=3/8
    assert curve.loc[0, "share_reached"] == pytest.approx(0.25)
    assert curve.loc[1, "share_reached"] == pytest.approx(0.25)
    assert curve.loc[2, "share_reached"] == pytest.approx(1 - 3 / 8)
    assert list(curve["at_risk"]) == [4, 3, 2]
    # log-log interval by hand (Greenwood's sum, Kalbfleisch and Prentice's transform):
    # S ** exp(±z sqrt(V)), V = sum d / (n (n - d)) / log(S)^2
    z = 1.959963984540054
    for t, surv, greenwood in ((0, 3 / 4, 1 / 12), (2, 3 / 8, 1 / 12 + 1 / 2)):
        v = np.sqrt(greenwood) / abs(np.log(surv))
        low, high = 1 - surv ** np.exp(-z * v), 1 - surv ** np.exp(z * v)
        got = curve.loc[t, ["share_low", "share_high"]].to_numpy(float)
        assert got == pytest.approx([low, high], rel=1e-9), t


def test_reach_curve_interval_matches_the_published_6mp_example():
    # Freireich's 6-MP arm (Gehan 1965), weeks of remission, 0 = censored; R's
    # survfit(conf.type = "log-log") as printed in Kleinbaum and Klein, Survival Analysis:
    # survival and 95% interval at 6, 13 and 23 weeks.
    weeks = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    event = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    ttr = pd.DataFrame(
        {
            "school_id": [f"S{i}" for i in range(21)],
            "stage": "initiation",
            "reached": [bool(e) for e in event],
            "years": pd.array(weeks, dtype="Int64"),
        }
    )
    curve = T.reach_curve(ttr).set_index("years")
    published = {6: (0.857, 0.620, 0.952), 13: (0.690, 0.432, 0.849), 23: (0.448, 0.188, 0.680)}
    for t, (surv, low, high) in published.items():
        row = curve.loc[t]
        assert 1 - row["share_reached"] == pytest.approx(surv, abs=5e-4), t
        assert (1 - row["share_high"], 1 - row["share_low"]) == pytest.approx(
            (low, high), abs=5e-4
        ), t
    assert np.isnan(curve.loc[5, "share_low"])  # before any event: no interval


# ---------------------------------------------------------------- outcomes


def test_stage_outcomes_mean_change_and_interval():
    st = T.stages(
        _rubric(
            [("A", 4, 4, 4, 4), ("B", 4, 4, 4, 4), ("C", 1, 1, 1, 1), ("D", 1, 1, 1, 1)],
            year=2025,
        )
    )
    # changes in pp: A +10, B +20 (sustainability); C 0, D 0 (no traction)
    base = {"A": 30, "B": 30, "C": 40, "D": 50}
    end = {"A": 40, "B": 50, "C": 40, "D": 50}
    rows = [(u, 2022, n, 100) for u, n in base.items()] + [
        (u, 2025, n, 100) for u, n in end.items()
    ]
    rates = pd.DataFrame(rows, columns=["unit_id", "year", "numerator", "denominator"])
    rates = rates.assign(group="focal", measure="m", rate=rates["numerator"] / 100)
    out = T.stage_outcomes(st, rates, measure="m").set_index("stage")
    sus = out.loc["sustainability"]
    assert sus["teams"] == 2 and sus["mean_change_pp"] == pytest.approx(15.0)
    # t interval, n = 2: 15 ± t(0.975, 1) · 7.0711 / √2 = 15 ± 12.7062 · 5
    assert sus["ci_low_pp"] == pytest.approx(15 - 12.7062 * 5, abs=1e-3)
    assert sus["ci_high_pp"] == pytest.approx(15 + 12.7062 * 5, abs=1e-3)
    assert out.loc["no traction", "mean_change_pp"] == pytest.approx(0.0)
    assert out.loc["initiation", "teams"] == 0 and np.isnan(out.loc["initiation", "ci_low_pp"])
    assert out.attrs["caveat"] == T.STAGE_OUTCOME_CAVEAT
    assert "cause" in T.STAGE_OUTCOME_CAVEAT


def test_stage_outcomes_leaves_out_small_cells_and_flags_single_team():
    st = T.stages(_rubric([("A", 4, 4, 4, 4), ("B", 1, 1, 1, 1), ("C", 1, 1, 1, 1)]))
    rates = pd.DataFrame(
        {
            "unit_id": ["A", "A", "B", "B", "C", "C"],
            "year": [2024, 2025] * 3,
            "numerator": [1, 2, 10, 20, 10, 30],
            "denominator": [5, 5, 50, 50, 50, 50],
        }
    ).assign(group="focal", measure="m")
    out = T.stage_outcomes(st, rates, measure="m").set_index("stage")
    assert out.loc["sustainability", "teams"] == 0  # A rests on 5 students
    assert out.loc["no traction", "teams"] == 2
    assert out.loc["no traction", "mean_change_pp"] == pytest.approx(30.0)
    out10 = T.stage_outcomes(st, rates, measure="m", min_cell=5).set_index("stage")
    assert out10.loc["sustainability", "suppressed"]


# ---------------------------------------------------------------- PDSA and survey


def test_pdsa_activity_by_term():
    pdsa = pd.DataFrame(
        {
            "school_id": ["A", "A", "A", "A", "B"],
            "cycle_id": ["c1", "c2", "c3", "c4", "c5"],
            "driver": ["advising", "advising", "fafsa", "fafsa", "advising"],
            "change_idea": "x",
            "start_date": pd.to_datetime(
                ["2025-09-01", "2025-10-01", "2025-11-15", "2026-02-01", "2025-12-01"]
            ),
            "decision": ["adopt", "abandon", None, "adapt", "Adopt"],
        }
    )
    out = T.pdsa_activity(pdsa).set_index(["school_id", "term"])
    a = out.loc[("A", "2025-fall")]
    assert (a["cycles"], a["drivers"], a["adopt"], a["abandon"], a["pending"]) == (3, 2, 1, 1, 1)
    assert out.loc[("A", "2026-spring"), "adapt"] == 1
    assert out.loc[("B", "2025-fall"), "adopt"] == 1
    yearly = T.pdsa_activity(pdsa, by="school_year").set_index(["school_id", "school_year"])
    assert yearly.loc[("A", 2026), "cycles"] == 4
    with pytest.raises(ValueError, match="by"):
        T.pdsa_activity(pdsa, by="week")


def test_survey_before_after_hand_means():
    survey = pd.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(6)],
            "school_id": "A",
            "term": ["2025-fall"] * 3 + ["2026-spring"] * 3,
            "date": pd.to_datetime(
                [
                    "2025-10-01",
                    "2025-10-02",
                    "2025-12-01",
                    "2026-03-01",
                    "2026-03-02",
                    "2026-03-03",
                ]
            ),
            "role": "teacher",
            "connected": [2, 3, 4, 4, 5, 3],
            "voice": [1, 1, 5, 5, 5, 5],
            "implementing": [3, 3, 3, 3, 3, 3],
        }
    )
    date = dt.date(2025, 11, 1)
    trends = T.survey_trends(survey, date=date)
    conn = trends.loc[trends["item"] == "connected"].set_index(["term", "period"])
    assert conn.loc[("2025-fall", "before"), "mean"] == pytest.approx(2.5)
    assert conn.loc[("2025-fall", "after"), "n"] == 1
    assert conn.loc[("2026-spring", "after"), "mean"] == pytest.approx(4.0)
    change = T.survey_change(survey, date=date).set_index("item")
    assert change.loc["connected", "mean_before"] == pytest.approx(2.5)
    assert change.loc["connected", "mean_after"] == pytest.approx(4.0)
    assert change.loc["voice", "difference"] == pytest.approx(4.0)
    # One team answered: the interval counts teams, so there is none to give.
    assert np.isnan(change.loc["voice", "ci_low"]) and change.loc["voice", "teams"] == 1
    assert change.loc["implementing", "difference"] == pytest.approx(0.0)
    assert T.survey_change(survey, date=None).empty
    assert set(T.survey_trends(survey)["period"]) == {"all"}


def test_term_of():
    out = T.term_of(pd.Series(pd.to_datetime(["2025-07-31", "2025-08-01", "2026-01-15"])))
    assert list(out) == ["2025-spring", "2025-fall", "2026-spring"]


# ---------------------------------------------------------------- the run and the figures


def _prepared(network_stages):

    from netlab.params import from_dict

    params = from_dict(
        {
            "run": "t",
            "raw_dir": "data/raw/t",
            "focal_measure": "m",
            "traction": {"threshold": 3.0, "spotlight_date": "2025-01-01"},
        }
    )
    traction = network_stages[["school_id", "year", *T.DIMENSIONS]]
    rates = pd.DataFrame(
        {
            "unit_id": list("ABCDEF") * 2,
            "year": [2024] * 6 + [2025] * 6,
            "group": "focal",
            "measure": "m",
            "numerator": [20, 30, 30, 30, 30, 30, 40, 30, 30, 30, 30, 60],
            "denominator": 100,
        }
    )
    survey = pd.DataFrame(
        {
            "respondent_id": ["r1", "r2", "r3", "r4"],
            "school_id": "A",
            "date": pd.to_datetime(["2024-10-01", "2024-11-01", "2025-02-01", "2025-03-01"]),
            "connected": [2, 2, 4, 4],
            "voice": [3, 3, 3, 3],
            "implementing": [1, 2, 3, 4],
        }
    )
    pdsa = pd.DataFrame(
        {
            "school_id": ["A"],
            "cycle_id": ["c"],
            "driver": ["d"],
            "start_date": pd.to_datetime(["2025-01-10"]),
            "decision": ["adopt"],
        }
    )
    tables = {"schools": SCHOOLS, "traction": traction, "survey": survey, "pdsa": pdsa}
    return make_prepared(rates, params=params, tables=tables)


def test_models_for_run(network_stages):
    prepared = _prepared(network_stages)
    models = T.models_for_run(prepared)
    expected = {
        "stages", "shares", "shares_network", "transitions", "time_to_stage", "reach_curve",
        "stage_outcomes", "pdsa_activity", "survey_trends", "survey_change",
    }  # fmt: skip
    assert set(models) == expected
    assert all(isinstance(f, pd.DataFrame) for f in models.values())
    outcomes = models["stage_outcomes"].set_index("stage")
    assert outcomes.loc["sustainability", "mean_change_pp"] == pytest.approx(30.0)  # F
    assert outcomes.loc["spread", "mean_change_pp"] == pytest.approx(0.0)  # B
    change = models["survey_change"].set_index("item")
    assert change.loc["connected", "difference"] == pytest.approx(2.0)
    prepared.tables = {"schools": SCHOOLS}
    assert T.models_for_run(prepared) == {}


def test_stage_shares_chart_draws_the_shares(network_stages):
    from netlab import plots

    shares = T.stage_shares(network_stages, SCHOOLS)
    ax = plots.stage_shares(shares)
    heights = sorted(round(p.get_height(), 6) for p in ax.patches if p.get_height() > 0)
    expected = sorted(round(v, 6) for v in shares["share"] if v > 0)
    assert heights == expected
    hatches = {p.get_hatch() for p in ax.patches}
    assert len(hatches) == 4  # one hatch per stage, readable without colour


def test_transition_heatmap_shows_row_shares(network_stages):
    from netlab import plots

    tr = T.transitions(network_stages)
    ax = plots.transitions(tr)
    image = ax.collections[0].get_array().reshape(4, 4)  # seaborn's heatmap mesh
    assert image[1, 2] == pytest.approx(0.5)  # initiation → spread: B of B, C
    assert image[2, 3] == pytest.approx(1.0)  # spread → sustainability: F


def test_outcome_and_survey_plots_skip_suppressed():
    from netlab import plots

    outcomes = pd.DataFrame(
        {
            "stage": list(T.STAGES),
            "teams": [5, 3, 1, 0],
            "mean_change_pp": [1.0, 3.0, 9.0, np.nan],
            "ci_low_pp": [-2.0, 0.0, np.nan, np.nan],
            "ci_high_pp": [4.0, 6.0, np.nan, np.nan],
            "suppressed": [False, False, True, False],
        }
    )
    ax = plots.stage_outcomes(outcomes)
    from matplotlib.collections import PathCollection

    xs = [x for c in ax.collections if isinstance(c, PathCollection) for x, _ in c.get_offsets()]
    assert list(xs) == [1.0, 3.0]
    trends = pd.DataFrame(
        {
            "item": ["voice", "voice"],
            "term": ["2025-fall", "2026-spring"],
            "period": ["before", "after"],
            "first_date": pd.to_datetime(["2025-09-01", "2026-02-01"]),
            "n": [10, 12],
            "mean": [3.0, 3.5],
            "ci_low": [2.5, 3.0],
            "ci_high": [3.5, 4.0],
        }
    )
    ax = plots.survey_trends(trends, date=dt.date(2026, 1, 1))
    assert len(ax.get_legend().get_texts()) == 1


# ---------------------------------------------------------------- synthetic networks


def _synth():
    import importlib.util

    if importlib.util.find_spec("netlab.synth") is None:
        return None
    from netlab import synth

    return synth if hasattr(synth, "generate") else None


@pytest.mark.skipif(_synth() is None, reason="netlab.synth not available")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stages_and_survey_recover_planted_truth(seed):
    net = _synth().generate(n_schools=30, seed=seed, grain="counts")
    st = T.stages(net.tables["traction"])
    shares = st["stage"].value_counts(normalize=True)
    planted = net.truth.traction_shares
    for stage, key in zip(
        T.STAGES, ("none", "initiation", "spread", "sustainability"), strict=True
    ):
        assert shares.get(stage, 0.0) == pytest.approx(planted[key], abs=1e-9)
    change = T.survey_change(net.tables["survey"], date=net.truth.spotlight_date)
    for item, effect in net.truth.survey_effects.items():
        row = change.set_index("item").loc[item]
        assert row["difference"] == pytest.approx(effect, abs=0.15)
        assert row["ci_low"] < row["difference"] < row["ci_high"]
    models_shares = T.stage_shares(st, net.tables["schools"])
    assert np.allclose(models_shares.groupby(["cohort", "year"])["share"].sum(), 1.0)


def _clustered_survey(rng, *, teams=30, change_sd=0.3):
    """Teams with their own level and their own before/after change; no average change."""
    rows = []
    level, change = rng.normal(0, 0.4, teams), rng.normal(0, change_sd, teams)
    for t in range(teams):
        for period, date in ((0, "2024-11-05"), (1, "2025-04-05")):
            for _ in range(int(rng.integers(8, 30))):
                score = 3 + level[t] + period * change[t] + rng.normal(0, 0.8)
                rows.append((f"S{t:02d}", date, int(np.clip(np.round(score), 1, 5))))
    frame = pd.DataFrame(rows, columns=["school_id", "date", "connected"])
    frame["respondent_id"] = [f"R{i:05d}" for i in range(len(frame))]
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_survey_change_is_clustered_by_team_as_statsmodels_does():
    import statsmodels.api as sm

    survey = _clustered_survey(np.random.default_rng(3))
    row = T.survey_change(survey, date=dt.date(2025, 1, 1)).iloc[0]
    after = (survey["date"] >= "2025-01-01").astype(float)
    fit = sm.OLS(survey["connected"].astype(float), sm.add_constant(after)).fit(
        cov_type="cluster-crv3", cov_kwds={"groups": survey["school_id"]}, use_t=True
    )
    assert row["difference"] == pytest.approx(fit.params["date"], rel=1e-10)
    low, high = fit.conf_int().loc["date"]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-8)
    assert row["teams"] == 30 and row["covariance"] == "CR3"
    trends = T.survey_trends(survey, date=dt.date(2025, 1, 1))
    before = survey[survey["date"] < "2025-01-01"]
    mean_fit = sm.OLS(before["connected"].astype(float), np.ones(len(before))).fit(
        cov_type="cluster-crv3", cov_kwds={"groups": before["school_id"]}, use_t=True
    )
    first = trends[trends["period"] == "before"].iloc[0]
    assert (first["ci_low"], first["ci_high"]) == pytest.approx(
        tuple(mean_fit.conf_int().iloc[0]), rel=1e-8
    )


def test_survey_mean_interval_is_the_leave_one_team_out_jackknife():
    # CR3 of a mean by hand: (G - 1) / G times the sum of squared deviations of the
    # leave-one-team-out means from the full mean, t on G - 1 degrees of freedom.
    from scipy import stats

    survey = _clustered_survey(np.random.default_rng(5), teams=12)
    y, team = survey["connected"].to_numpy(float), survey["school_id"].to_numpy()
    mean = y.mean()
    loo = np.array([y[team != t].mean() for t in np.unique(team)])
    g = len(loo)
    se = np.sqrt((g - 1) / g * np.sum((loo - mean) ** 2))
    got = T.survey_trends(survey.assign(term="T1")).iloc[0]
    half = stats.t.ppf(0.975, g - 1) * se
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((mean - half, mean + half))
    assert got["covariance"] == "CR3"


def test_survey_change_falls_back_to_cr1_and_says_so():
    from netlab.words import survey_covariance_words

    survey = _clustered_survey(np.random.default_rng(4), teams=8)
    # one team alone answered before the date: no fit without it, so CR3 cannot be had
    alone = (survey["date"] < "2025-01-01") & (survey["school_id"] != "S00")
    row = T.survey_change(survey.loc[~alone], date=dt.date(2025, 1, 1)).iloc[0]
    assert row["covariance"] == "CR1" and row["ci_low"] < row["difference"] < row["ci_high"]
    words = survey_covariance_words([("connected", row["covariance"]), ("voice", "CR3")])
    assert "For connected," in words and "wider than shown" in words and "voice" not in words
    assert "CR" not in words  # the errors' names stay in the analysts' lines
    assert "leave each team out in turn" in survey_covariance_words([("voice", "CR3")])
    assert survey_covariance_words([("voice", "")]) is None


@pytest.mark.stats
def test_survey_change_interval_covers_with_team_level_change():
    """No average change, teams that differ: clustered intervals cover the truth ~95%."""
    rng = np.random.default_rng(8)
    clustered, naive = [], []
    for _ in range(300):
        survey = _clustered_survey(rng)
        row = T.survey_change(survey, date=dt.date(2025, 1, 1)).iloc[0]
        clustered.append(row["ci_low"] <= 0 <= row["ci_high"])
        a = survey.loc[survey["date"] < "2025-01-01", "connected"].to_numpy(float)
        b = survey.loc[survey["date"] >= "2025-01-01", "connected"].to_numpy(float)
        half = 1.96 * np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        naive.append(abs(b.mean() - a.mean()) <= half)
    assert 0.92 <= np.mean(clustered) <= 0.98
    assert np.mean(naive) < 0.85  # responses counted as independent: far too narrow


def test_terms_sort_by_date_and_survey_items_read_as_words():
    from netlab.traction import survey_label, term_key

    terms = ["2020-spring", "2019-fall", "2019-spring", "2020-fall"]
    assert sorted(terms, key=term_key) == ["2019-spring", "2019-fall", "2020-spring", "2020-fall"]
    assert survey_label("voice") == "Having a voice in the network"
    assert survey_label("connected") == "Feeling connected to other teams"
    assert survey_label("new_item") == "New item"
