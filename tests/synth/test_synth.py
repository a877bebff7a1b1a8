"""Tests for netlab.synth: reproducibility, internal consistency and the planted truth."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from netlab import synth

RECENT = 2024  # the last three of the default graduating years 2019-2026


@pytest.fixture(scope="module")
def students_net():
    return synth.generate(seed=3)


@pytest.fixture(scope="module")
def counts_net():
    return synth.generate(seed=3, grain="counts")


@pytest.fixture(scope="module")
def districts_net():
    return synth.generate_districts(seed=5)


def _focal_likely(counts: pd.DataFrame, since: int = RECENT) -> tuple[pd.Series, float]:
    rows = counts[
        (counts["group"] == "focal")
        & (counts["measure"] == "enrolled_likely_grad")
        & (counts["year"] >= since)
    ]
    tot = rows.groupby("school_id")[["numerator", "denominator"]].sum()
    return tot["numerator"] / tot["denominator"], tot["numerator"].sum() / tot["denominator"].sum()


def _aggregate(students: pd.DataFrame, institutions: pd.DataFrame) -> pd.DataFrame:
    """Student rows to the counts grain, written independently of the generator."""
    race = students["race_ethnicity"]
    groups = {
        "all": pd.Series(True, index=students.index),
        "black": race == "Black",
        "latinx": race == "Latinx",
        "indigenous": race == "Indigenous",
        "asian": race == "Asian",
        "pacific_islander": race == "Pacific Islander",
        "white": race == "White",
        "multiracial": race == "Multiracial",
        "low_income": students["low_income"],
        "first_gen": students["first_gen"],
        "english_learner": students["english_learner"],
        "focal": race.isin(["Black", "Latinx", "Indigenous"]) | students["low_income"],
    }
    grad = students["enrolled_unitid"].map(institutions.set_index("unitid")["grad_rate"])
    intending = students["admitted_4yr"] & students["intent_4yr"]
    everyone = groups["all"]
    measures = {
        "fafsa_complete": (students["fafsa_complete"] | students["dream_act_complete"], everyone),
        "cal_grant": (students["cal_grant"], everyone),
        "applied_4yr": (students["applied_4yr"], everyone),
        "enrolled_any": (students["enrolled"], everyone),
        "enrolled_4yr": (
            students["enrolled"] & (students["enrolled_level"] == "4-year"),
            everyone,
        ),
        "enrolled_likely_grad": (students["enrolled"] & (grad >= 0.6), everyone),
        "summer_melt": (intending & ~students["enrolled"], intending),
    }
    frames = []
    for group, member in groups.items():
        for measure, (num, den) in measures.items():
            part = pd.DataFrame(
                {
                    "school_id": students["school_id"],
                    "year": students["grad_year"],
                    "n": (num & member).astype(int),
                    "d": (den & member).astype(int),
                }
            )
            part = part.groupby(["school_id", "year"], as_index=False).sum()
            frames.append(part.assign(group=group, measure=measure))
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("grain", ["students", "counts"])
def test_same_seed_same_tables_and_other_seed_differs(grain):
    a = synth.generate(n_schools=12, seed=11, grain=grain, n_bright_spots=2, n_lookalikes=1)
    b = synth.generate(n_schools=12, seed=11, grain=grain, n_bright_spots=2, n_lookalikes=1)
    c = synth.generate(n_schools=12, seed=12, grain=grain, n_bright_spots=2, n_lookalikes=1)
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    pd.testing.assert_frame_equal(a.truth.school_year_rates, b.truth.school_year_rates)
    assert a.truth.bright_spots == b.truth.bright_spots
    main = "students" if grain == "students" else "counts"
    assert not a.tables[main].equals(c.tables[main])
    assert not a.tables["schools"].equals(c.tables["schools"])


def test_tables_and_columns_follow_the_contract(students_net, counts_net):
    assert set(students_net.tables) == {
        "schools",
        "students",
        "institutions",
        "practices",
        "fafsa_weekly",
        "traction",
        "pdsa",
        "survey",
    }
    assert "counts" in counts_net.tables and "students" not in counts_net.tables
    st = students_net.tables["students"]
    assert "student_id" in st.columns
    assert "student_key" not in st.columns and "enrolled_grad_rate" not in st.columns
    assert st["student_id"].is_unique
    assert set(st["race_ethnicity"]) <= set(synth.RACES)
    assert set(st["gender"]) <= {"F", "M", "X"}
    assert set(st["enrolled_level"].dropna()) == {"4-year", "2-year"}
    schools = students_net.tables["schools"]
    assert schools["school_id"].str.fullmatch(r"\d{14}").all()
    assert schools["school_id"].is_unique and schools["school_name"].is_unique
    assert schools["enrollment"].between(800, 3200).all()
    assert schools["district"].nunique() in range(6, 9)
    assert schools["cohort"].between(2019, 2023).all() and schools["cohort"].nunique() >= 3
    shares = schools.filter(like="share_")
    assert ((shares >= 0) & (shares <= 1)).all().all()
    majority_latinx = (schools["share_latinx"] > 0.5).mean()
    assert 0.3 < majority_latinx < 0.95
    inst = students_net.tables["institutions"]
    assert inst["unitid"].is_unique and len(inst) >= 40
    assert (inst.loc[inst["level"] == "2-year", "grad_rate"] < 0.6).all()
    assert (inst.loc[inst["level"] == "4-year", "grad_rate"] >= 0.6).sum() >= 15


# --------------------------------------------------------------------------- consistency


def test_counts_grain_is_the_student_grain_aggregated(students_net, counts_net):
    counts = counts_net.tables["counts"]
    assert set(counts["group"]) == set(synth.GROUPS)
    assert set(counts["measure"]) == set(synth.MEASURES)
    assert len(counts) == 30 * 8 * len(synth.GROUPS) * len(synth.MEASURES)
    assert (counts["numerator"] <= counts["denominator"]).all()
    assert (counts["numerator"] >= 0).all()
    ours = _aggregate(students_net.tables["students"], students_net.tables["institutions"])
    both = counts.merge(ours, on=["school_id", "year", "group", "measure"], validate="1:1")
    assert len(both) == len(counts) == len(ours)
    np.testing.assert_array_equal(both["numerator"], both["n"])
    np.testing.assert_array_equal(both["denominator"], both["d"])


def test_student_pipeline_is_consistent(students_net):
    st = students_net.tables["students"]
    inst = students_net.tables["institutions"].set_index("unitid")
    grad = st["enrolled_unitid"].map(inst["grad_rate"])
    level = st["enrolled_unitid"].map(inst["level"])
    likely = st["enrolled"] & (grad >= 0.6)
    assert st.loc[likely, ["applied_4yr", "admitted_4yr", "intent_4yr"]].all().all()
    assert (st["admitted_4yr"] <= st["applied_4yr"]).all()
    assert (st["intent_4yr"] <= st["admitted_4yr"]).all()
    # enrolled_unitid is the first college: the fall one, or a spring start's (within a year)
    first = st["enrolled"] | st["enrolled_year1"].fillna(False).astype(bool)
    assert (first == st["enrolled_unitid"].notna()).all()
    assert (st["enrolled"] <= st["enrolled_year1"].fillna(True)).all()
    assert (level.dropna() == st["enrolled_level"].dropna()).all()
    four = st["enrolled_level"] == "4-year"
    assert (four <= st["admitted_4yr"]).all()
    gpa_ok = st["gpa"].fillna(0) >= 2.0
    assert (st["cal_grant"] <= ((st["fafsa_complete"] | st["dream_act_complete"]) & gpa_ok)).all()
    assert not (st["fafsa_complete"] & st["dream_act_complete"]).any()
    assert (st["fafsa_date"].notna() == st["fafsa_complete"]).all()
    dated = st[st["fafsa_complete"]]
    season_start = pd.to_datetime((dated["grad_year"] - 1).astype(str) + "-10-01")
    deadline = pd.to_datetime(dated["grad_year"].astype(str) + "-03-02")
    assert ((dated["fafsa_date"] >= season_start) & (dated["fafsa_date"] <= deadline)).all()
    # the late 2024-25 form: nobody completed before it opened on 31 December 2023
    assert (dated.loc[dated["grad_year"] == 2024, "fafsa_date"] >= "2023-12-31").all()
    melt = st[st["admitted_4yr"] & st["intent_4yr"]]
    assert 0.03 < (~melt["enrolled"]).mean() < 0.25
    assert st["gpa"].isna().mean() < 0.05
    assert (
        st["race_ethnicity"].isin(["Black", "Latinx", "Indigenous"]) | st["low_income"]
    ).mean() > 0.6


def test_seniors_per_school_year_match_the_schools_table(students_net):
    st = students_net.tables["students"]
    per = st.groupby(["school_id", "grad_year"]).size().groupby("school_id").mean()
    seniors = students_net.tables["schools"].set_index("school_id")["seniors"]
    ratio = per / seniors.loc[per.index]
    assert ratio.between(0.85, 1.15).all()
    assert abs(students_net.tables["schools"]["seniors"].mean() - 320) < 80


def test_fafsa_weekly_matches_the_students_dates(students_net):
    weekly = students_net.tables["fafsa_weekly"]
    st = students_net.tables["students"]
    assert weekly.groupby(["school_id", "season"]).size().eq(22).all()
    assert weekly["reported"].all() and not weekly["completed_suppressed"].any()
    w = weekly.sort_values(["school_id", "season", "week"])
    assert (w.groupby(["school_id", "season"])["completed"].diff().dropna() >= 0).all()
    assert (w["completed"] <= w["submitted"]).all() and (w["submitted"] <= w["seniors"]).all()
    last = w[w["week"] == 21].set_index(["school_id", "season"])
    assert (last["as_of"].dt.strftime("%m-%d") == "03-02").all()
    done = st[st["fafsa_complete"]].groupby(["school_id", "grad_year"]).size()
    done.index = done.index.set_names(["school_id", "season"])
    np.testing.assert_array_equal(last["completed"].loc[done.index].to_numpy(), done.to_numpy())
    seniors = st.groupby(["school_id", "grad_year"]).size()
    np.testing.assert_array_equal(last["seniors"].loc[done.index].to_numpy(), seniors.to_numpy())
    # an independent count at one mid-season snapshot
    snap = w[(w["week"] == 10) & (w["season"] == 2022)].set_index("school_id")
    by_date = st[(st["grad_year"] == 2022) & st["fafsa_date"].le(snap["as_of"].iloc[0])]
    expected = by_date.groupby("school_id").size().reindex(snap.index, fill_value=0)
    np.testing.assert_array_equal(snap["completed"].to_numpy(), expected.to_numpy())


# --------------------------------------------------------------------------- planted truth


def test_expected_rates_are_what_the_counts_scatter_around(counts_net):
    """Binomial z-scores of every school-year cell against the planted p have variance ~1."""
    counts = counts_net.tables["counts"]
    truth = counts_net.truth.school_year_rates
    for measure in ("enrolled_likely_grad", "fafsa_complete", "applied_4yr", "cal_grant"):
        for group in ("all", "focal"):
            obs = counts[(counts["measure"] == measure) & (counts["group"] == group)]
            exp = truth[(truth["measure"] == measure) & (truth["group"] == group)]
            both = obs.merge(exp, on=["school_id", "year", "group", "measure"], validate="1:1")
            n = both["denominator"]
            z = (both["numerator"] - n * both["p"]) / np.sqrt(n * both["p"] * (1 - both["p"]))
            assert len(both) == 240
            # 240 cells: mean of z**2 lies within about +-0.3 of 1 when p is right
            assert 0.65 < float((z**2).mean()) < 1.4, (measure, group)
            assert abs(float(z.mean())) < 0.25, (measure, group)


def test_truth_defaults_and_types(counts_net):
    truth = counts_net.truth
    effects = truth.practice_effects
    assert set(effects) == set(synth.PRACTICES)
    values = np.array(list(effects.values()))
    assert (values == 0).sum() >= 1 and (values >= 0.05).sum() >= 2 and (values < 0).sum() == 1
    assert truth.tau == pytest.approx(0.06)
    assert truth.grad_rate_threshold == 0.6 and truth.seed == 3
    assert isinstance(truth.school_effects, pd.Series)
    assert set(truth.school_effects.index) == set(counts_net.tables["schools"]["school_id"])
    assert len(truth.bright_spots) == 3
    assert all(truth.bright_spot_start[b] <= 2024 for b in truth.bright_spots)
    for practice, realized in truth.practice_effects_realized.items():
        assert realized == pytest.approx(effects[practice], abs=0.005)
    assert set(truth.school_year_rates["group"]) == {"all", "focal"}
    assert {"enrolled_likely_grad", "fafsa_complete"} <= set(truth.school_year_rates["measure"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bright_spots_and_lookalikes_as_planted(seed):
    net = synth.generate(seed=seed, grain="counts")
    truth, schools = net.truth, net.tables["schools"].set_index("school_id")
    rate, network = _focal_likely(net.tables["counts"])
    for b in truth.bright_spots:
        assert rate[b] > network + 0.05
    assert len(truth.lookalikes) == 3
    for host, visitors in truth.lookalikes.items():
        assert len(visitors) == 2 and host in truth.bright_spots
        for v in visitors:
            assert schools.loc[v, "district"] == schools.loc[host, "district"]
            assert rate[v] < rate[host] - 0.06
            assert (rate < rate[v]).sum() >= 2  # not the lowest
            for col in ("share_low_income", "share_focal", "share_latinx"):
                assert abs(schools.loc[v, col] - schools.loc[host, col]) < 0.06
            assert abs(schools.loc[v, "enrollment"] / schools.loc[host, "enrollment"] - 1) < 0.1
    pdsa = net.tables["pdsa"].groupby("school_id").size()
    visitors = [v for vs in truth.lookalikes.values() for v in vs]
    assert pdsa.reindex(visitors, fill_value=0).mean() > pdsa.mean()
    owned = net.tables["traction"].query("year >= 2024 and ownership >= 3 and depth >= 3")
    assert set(visitors) <= set(owned["school_id"])


def _fe_estimates(net) -> pd.Series:
    """Weighted least squares of focal school-year rates on practices, school and year dummies."""
    counts = net.tables["counts"]
    rows = counts[(counts["group"] == "focal") & (counts["measure"] == "enrolled_likely_grad")]
    on = net.tables["practices"].assign(on=lambda d: (d["level"] > 0).astype(float))
    wide = on.pivot_table(index=["school_id", "year"], columns="practice", values="on")
    data = rows.join(wide, on=["school_id", "year"])
    names = list(net.truth.practice_effects)
    x = pd.concat(
        [
            data[names],
            pd.get_dummies(data["school_id"], dtype=float),
            pd.get_dummies(data["year"], drop_first=True, dtype=float),
        ],
        axis=1,
    ).to_numpy()
    y = (data["numerator"] / data["denominator"]).to_numpy()
    w = np.sqrt(data["denominator"].to_numpy())
    beta = np.linalg.lstsq(x * w[:, None], y * w, rcond=None)[0]
    return pd.Series(beta[: len(names)], index=names)


def test_practice_effects_recovered_by_a_fixed_effects_panel():
    estimates = pd.concat(
        [_fe_estimates(synth.generate(seed=s, grain="counts")) for s in range(4)], axis=1
    )
    mean = estimates.mean(axis=1)
    for practice, effect in synth.DEFAULT_PRACTICE_EFFECTS.items():
        assert mean[practice] == pytest.approx(effect, abs=0.02), practice


def test_every_practice_has_enough_switchers(counts_net):
    practices = counts_net.tables["practices"].sort_values(["school_id", "practice", "year"])
    levels = practices.groupby(["school_id", "practice"])["level"]
    switched = (levels.first() == 0) & (levels.last() > 0)
    per = switched.groupby(level="practice").sum()
    assert (per >= 8).all()
    assert set(practices["level"]) <= {0, 2, 3}
    # once in place, a practice stays in place (its level may move between 2 and 3)
    assert levels.apply(lambda s: s.gt(0).is_monotonic_increasing).all()


def test_null_network_has_no_school_variation():
    net = synth.generate(seed=4, null=True, grain="counts")
    truth = net.truth
    assert truth.tau == 0 and truth.tau_realized == 0
    assert (truth.school_effects == 0).all()
    assert truth.bright_spots == [] and truth.lookalikes == {}
    assert all(v == 0 for v in truth.practice_effects.values())
    # every school's expected rates equal the network's (Cal Grant still follows income)
    p = truth.school_year_rates.query("measure != 'cal_grant'")
    spread = p.groupby(["year", "group", "measure"])["p"].agg(lambda s: s.max() - s.min())
    assert spread.max() < 1e-9


def test_confounded_adoption_fools_a_cross_section_not_the_panel():
    net = synth.generate(
        seed=6,
        grain="counts",
        confounded=True,
        practice_effects=dict.fromkeys(synth.PRACTICES, 0.0),
    )
    effects = net.truth.school_effects
    practices = net.tables["practices"]
    adopted = (
        practices[practices["year"] == 2026]
        .groupby("school_id")["level"]
        .apply(lambda s: (s > 0).sum())
    )
    assert np.corrcoef(adopted.loc[effects.index], effects)[0, 1] > 0.3
    assert net.truth.confounded
    assert _fe_estimates(net).abs().max() < 0.04


def test_pretrend_practice_rises_before_adoption_with_no_effect():
    net = synth.generate(seed=7, grain="counts", pretrend="college_visits")
    truth = net.truth
    assert truth.pretrend_practices == ["college_visits"] and truth.pretrend_slope > 0
    assert truth.practice_effects["college_visits"] == 0
    adopt = truth.adoption.query("practice == 'college_visits'").set_index("school_id")
    switchers = adopt.index[adopt["adoption_year"].gt(2019).fillna(False)]
    p = truth.school_year_rates.query("group == 'all' and measure == 'enrolled_likely_grad'")
    p = p.merge(adopt["adoption_year"], left_on="school_id", right_index=True)
    before = p[p["school_id"].isin(switchers) & (p["year"] < p["adoption_year"])]
    slope = before.groupby("school_id").apply(
        lambda d: np.polyfit(d["year"], d["p"], 1)[0] if len(d) > 2 else np.nan
    )
    assert slope.dropna().mean() > 0.015


def test_constant_practice_is_opt_in():
    net = synth.generate(seed=2, grain="counts", constant_practice=True)
    practices = net.tables["practices"]
    const = practices[practices["practice"] == synth.CONSTANT_PRACTICE]
    assert len(const) == 30 * 8 and (const["level"] > 0).all()
    assert (
        synth.CONSTANT_PRACTICE
        not in synth.generate(seed=2, grain="counts").truth.adoption["practice"].unique()
    )


# --------------------------------------------------------------------------- team tables


def test_traction_stage_shares_near_published(counts_net):
    tr = counts_net.tables["traction"]
    for col in ("spread", "depth", "ownership", "sustainability"):
        assert tr[col].between(1, 4).all()
    initiation = (tr["ownership"] >= 3) & (tr["depth"] >= 3)
    spread = initiation & (tr["spread"] >= 3)
    none = 1 - initiation.mean()
    assert none == pytest.approx(0.49, abs=0.08)
    assert (initiation & ~spread).mean() == pytest.approx(0.36, abs=0.08)
    assert spread.mean() == pytest.approx(0.15, abs=0.06)
    schools = counts_net.tables["schools"].set_index("school_id")
    since = tr["year"] - tr["school_id"].map(schools["cohort"])
    assert (since >= 0).all()
    assert initiation[since >= 3].mean() > initiation[since == 0].mean()
    all_four = spread & (tr["sustainability"] >= 3)
    assert all_four[since <= 2].mean() < 0.02
    shares = counts_net.truth.traction_shares
    assert shares["none"] == pytest.approx(none)


def test_pdsa_and_survey(counts_net):
    pdsa = counts_net.tables["pdsa"]
    assert pdsa["cycle_id"].is_unique
    assert set(pdsa["decision"]) == {"adopt", "adapt", "abandon"}
    assert (pdsa["end_date"] > pdsa["start_date"]).all()
    survey = counts_net.tables["survey"]
    assert survey["respondent_id"].is_unique
    assert set(survey["term"]) == {
        "2023-fall",
        "2024-spring",
        "2024-fall",
        "2025-spring",
        "2025-fall",
        "2026-spring",
    }
    post = survey["date"] >= pd.Timestamp(counts_net.truth.spotlight_date)
    for item, effect in counts_net.truth.survey_effects.items():
        assert survey[item].between(1, 5).all()
        diff = survey.loc[post, item].mean() - survey.loc[~post, item].mean()
        assert diff == pytest.approx(effect, abs=0.15), item


# --------------------------------------------------------------------------- districts


def test_district_network(districts_net):
    schools = districts_net.tables["schools"]
    per = schools.groupby("district").size()
    assert len(per) == 15 and per.between(2, 4).all()
    truth = districts_net.truth
    assert set(truth.team_measures) == set(per.index)
    assert "ninth_on_track" in truth.team_measures.values()
    st = districts_net.tables["students"]
    assert set(st["grade"]) == {9, 12}
    assert st["student_id"].is_unique
    ninth = st[st["grade"] == 9]
    assert not ninth[["fafsa_complete", "applied_4yr", "enrolled", "ag_complete"]].any().any()
    assert ninth["enrolled_unitid"].isna().all()
    on_track = (ninth["credits_earned"] >= 5) & (ninth["core_fails"] == 0)
    assert 0.5 < on_track.mean() < 0.9
    seniors = st[st["grade"] == 12]
    assert 0.2 < seniors["ag_complete"].mean() < 0.7
    assert seniors.loc[seniors["enrolled_level"] == "4-year", "ag_complete"].mean() > 0.7
    process = districts_net.tables["process"]
    assert list(process.columns) == [
        "school_id",
        "date",
        "measure",
        "numerator",
        "denominator",
        "value",
    ]
    assert {"college_list_complete", "counselor_meetings"} <= set(process["measure"])
    ratio = process.dropna(subset=["denominator"])
    assert (ratio["numerator"] <= ratio["denominator"]).all()
    rates = truth.school_year_rates
    assert {"ninth_on_track", "ag_complete"} <= set(rates["measure"])


def test_district_teams_gain_on_their_own_indicator():
    net = synth.generate_districts(seed=8, grain="counts", team_gain=0.03)
    counts = net.tables["counts"]
    assert {"ninth_on_track", "ag_complete"} <= set(counts["measure"])
    assert (counts["numerator"] <= counts["denominator"]).all()
    schools = net.tables["schools"].set_index("school_id")
    p = net.truth.school_year_rates.query("group == 'all'")
    p = p.assign(district=p["school_id"].map(schools["district"]))
    p = p.assign(since=p["year"] - p["school_id"].map(schools["cohort"]))
    gains = {}
    for district, measure in net.truth.team_measures.items():
        d = p[(p["district"] == district) & (p["measure"] == measure)]
        gains[district] = d.loc[d["since"] >= 3, "p"].mean() - d.loc[d["since"] <= 0, "p"].mean()
    ninth = [gains[d] for d, m in net.truth.team_measures.items() if m == "ninth_on_track"]
    assert np.nanmean(ninth) > 0.06


# --------------------------------------------------------------------------- I/O and errors


def test_write_creates_csvs_and_truth(tmp_path):
    net = synth.generate(n_schools=8, years=range(2023, 2026), seed=1, n_bright_spots=1,
                         n_lookalikes=1)  # fmt: skip
    out = tmp_path / "deep" / "demo"
    written = synth.write(net, out)
    names = {p.name for p in written}
    assert names == {f"{t}.csv" for t in net.tables} | {"_truth.json"}
    truth = json.loads((out / "_truth.json").read_text())
    assert truth["bright_spots"] == net.truth.bright_spots
    assert truth["practice_effects"] == pytest.approx(net.truth.practice_effects)
    back = pd.read_csv(out / "schools.csv", dtype={"school_id": str})
    assert list(back["school_id"]) == list(net.tables["schools"]["school_id"])
    students = pd.read_csv(out / "students.csv")
    assert len(students) == len(net.tables["students"])


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="grain"):
        synth.generate(grain="rows")
    with pytest.raises(ValueError, match="pretrend"):
        synth.generate(pretrend="not_a_practice")
    with pytest.raises(ValueError, match="n_bright_spots"):
        synth.generate(n_schools=5)
    with pytest.raises(ValueError, match="years"):
        synth.generate(years=[])


def test_custom_practices_and_small_networks():
    net = synth.generate(
        n_schools=10,
        years=range(2022, 2026),
        seed=0,
        grain="counts",
        practice_effects={"advising": 0.1, "texting": 0.0},
        n_bright_spots=1,
        n_lookalikes=1,
    )
    assert set(net.tables["practices"]["practice"]) == {"advising", "texting"}
    assert set(net.tables["counts"]["year"]) == {2022, 2023, 2024, 2025}
    assert len(net.truth.bright_spots) == 1


# --------------------------------------------------- effects that change with exposure
def test_default_effects_are_constant_and_the_att_is_the_effect(counts_net):
    truth = counts_net.truth
    assert truth.effect_growth == 0 and truth.cohort_gradient == 0
    assert truth.effect_modifiers == {}
    for practice, effect in truth.practice_effects.items():
        assert truth.practice_att[practice] == pytest.approx(effect, abs=0.002), practice
    assert (truth.effect_heterogeneity["difference"] == 0).all()


def test_growing_effects_grow_linearly_with_years_since_adoption():
    net = synth.generate(n_schools=30, seed=2, grain="counts", effect_growth=0.5, case_mix=False)
    prof = net.truth.practice_effect_profile
    adv = prof.loc[prof["practice"] == "one_on_one_advising"].set_index("years_since")
    effect = net.truth.practice_effects["one_on_one_advising"]
    for k, value in adv["effect"].items():
        assert value == pytest.approx(effect * (1 + 0.5 * k), abs=0.003), k
    # The average effect on adopters is the students' average over that profile.
    att = np.average(adv["effect"], weights=adv["students"])
    assert net.truth.practice_att["one_on_one_advising"] == pytest.approx(att)
    assert net.truth.practice_att["one_on_one_advising"] > 1.5 * effect
    assert net.truth.practice_att["college_visits"] == 0.0


def test_cohort_gradient_gives_early_adopters_larger_effects():
    net = synth.generate(n_schools=40, seed=3, grain="counts", cohort_gradient=0.2)
    adoption = net.truth.adoption
    years = sorted(net.tables["practices"]["year"].unique())
    mid = (years[0] + 1 + years[-1]) / 2
    practice = "one_on_one_advising"
    effect = net.truth.practice_effects[practice]
    # Focal students of adopters in their years with it: each cohort's planted effect.
    adopters = adoption.loc[(adoption["practice"] == practice) & ~adoption["from_start"]]
    adopters = adopters.dropna(subset=["adoption_year"])
    expected = effect * np.clip(1 + 0.2 * (mid - adopters["adoption_year"].astype(float)), 0, None)
    assert expected.max() > expected.min()
    att = net.truth.practice_att[practice]
    assert expected.min() - 0.002 <= att <= expected.max() + 0.002


def test_planted_modifiers_reach_the_right_schools_and_students():
    mods = {"low_income": {"one_on_one_advising": 0.08}, "focal": {"summer_outreach": 0.05}}
    net = synth.generate(n_schools=30, seed=4, grain="counts", effect_modifiers=mods,
                         case_mix=False, n_bright_spots=0, n_lookalikes=0)  # fmt: skip
    het = net.truth.effect_heterogeneity.set_index(["practice", "modifier"])["difference"]
    assert het[("one_on_one_advising", "low_income")] == 0.08
    assert het[("summer_outreach", "focal")] == 0.05
    assert (
        het.drop([("one_on_one_advising", "low_income"), ("summer_outreach", "focal")]).eq(0).all()
    )
    # Realised: focal students of summer_outreach adopters gain effect + 0.05.
    base = net.truth.practice_effects
    assert net.truth.practice_att["summer_outreach"] == pytest.approx(
        base["summer_outreach"] + 0.05, abs=0.003
    )
    assert net.truth.practice_effects_realized["summer_outreach"] > base["summer_outreach"]
    with pytest.raises(ValueError, match="effect_modifiers"):
        synth.generate(effect_modifiers={"region": {"summer_outreach": 0.1}})
    with pytest.raises(ValueError, match="effect_modifiers"):
        synth.generate(effect_modifiers={"focal": {"not_a_practice": 0.1}})
