"""The sentences that interpret results, tested on small hand-made inputs."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from netlab.words import (
    aim_outlook_words,
    aim_status_words,
    bright_rule_words,
    bright_spot_words,
    constellation_words,
    covariance_words,
    for_whom_words,
    funnel_hidden_words,
    funnel_place,
    funnel_position_words,
    gap_words,
    how_many_more_words,
    learn_from_words,
    like_this_one_words,
    more_students_words,
    names_words,
    no_bright_spot_words,
    no_status_words,
    not_compared_words,
    pace_words,
    season_status_words,
    share_words,
    spread_card_words,
    spread_words,
    stage_of_teams,
    staggered_words,
    to_target_words,
    transition_words,
    unreported_caption_words,
)

WHO = "focal students"


def _spots(names, **kw):
    args = dict(
        noun="school",
        phrase="enrolled",
        who=WHO,
        first=2020,
        last=2024,
        probability=0.8,
        share=0.1,
    )
    return bright_spot_words(names, **{**args, **kw})


def test_one_bright_spot_is_said_in_the_singular():
    text = _spots(["Lincoln High"])
    assert text.startswith("1 school is a bright spot on enrolled for focal students")
    assert "pooling 2020–2024, it is at least 80% likely" in text
    assert "best tenth of schools, its estimate" in text
    assert text.count("Lincoln High") == 1


def test_several_bright_spots_are_said_in_the_plural_and_listed_best_first():
    text = _spots(["A", "B", "C"], share=0.2)
    assert text.startswith("3 schools are bright spots")
    assert "each is at least 80% likely" in text
    assert "best 20% of schools, each one’s estimate" in text
    assert ": A, B and C." in text


def test_a_bright_spot_margin_is_said_only_when_set():
    assert "by more than" not in _spots(["A"])
    assert "above the network rate by more than 5 points with 95%" in _spots(["A"], margin=0.05)


def test_bright_spot_names_are_escaped():
    assert "A &amp; B" in _spots(["A & B"])


def test_no_bright_spot_names_the_rule():
    text = no_bright_spot_words(noun="district", phrase="enrolled", who=WHO, share=0.25)
    assert text == (
        "No district is a bright spot on enrolled for focal students: none is clearly "
        "among the network's best 25% of districts, in each of the last 3 years of data (a "
        "district with fewer years of data is not one)."
    )
    assert "last 4 years" in _spots(["A"], years=4)
    assert share_words(0.1) == "tenth"


def test_the_bright_spot_rule_is_worded_once_for_the_index_the_report_and_the_table():
    rule = dict(share=0.1, probability=0.8, years=3)
    assert bright_rule_words("school", brief=True, **rule) == (
        "at least 80% likely, among the network's best 10% of schools, in each of the last "
        "3 years of data (a school with fewer years of data is not one)"
    )
    # the network report's sentence carries the full rule as it is
    full = bright_rule_words("school", one=False, **rule)
    assert full in _spots(["A", "B"])
    assert full.startswith("each is at least 80% likely to be among the network's best tenth")
    # a lower-is-better measure's bright spot sits below the network; a set minimum of years
    low = bright_rule_words("school", direction="lower", level=0.9, min_years=2, **rule)
    assert "is below the network rate with 90% confidence" in low
    assert "better than the network in at least 2 of 3 single years too" in low
    assert "most single years" in bright_rule_words("school", **rule)
    # the network's sentence for a lower-is-better measure says the same rule, below
    said = bright_spot_words(
        ["A"], noun="school", phrase="melted away in the summer", who="focal students",
        first=2022, last=2024, direction="lower", **rule,
    )  # fmt: skip
    assert "below the network rate" in said and "above the network rate" not in said


def test_the_fitted_bright_spots_record_the_rule_in_the_same_words():
    from netlab import variation

    rng = np.random.default_rng(4)
    rows = []
    for u in range(12):
        p = 0.85 if u == 0 else 0.45
        for y in (2022, 2023, 2024):
            den = 200
            rows.append((f"S{u:02d}", y, "m", "focal", int(rng.binomial(den, p)), den))
    rates = pd.DataFrame(
        rows, columns=["unit_id", "year", "measure", "group", "numerator", "denominator"]
    )
    rates["rate"] = rates["numerator"] / rates["denominator"]
    spots = variation.bright_spots(rates, measure="m", min_years=2)
    assert spots["unit_id"].tolist() == ["S00"]
    expected = bright_rule_words("unit", share=0.1, probability=0.8, years=3, min_years=2)
    assert spots["rule"].iloc[0] == f"pooled over 2022-2024: {expected}"


def test_the_constellation_trend_reads_both_ends():
    text = constellation_words(
        first_year=2019, last_year=2024, rates=(0.41, 0.47), iqrs=(0.123, 0.081), noun="school"
    )
    assert text == (
        "From 2019 to 2024 the network rate went from 41% to 47%. The middle half of "
        "schools sat in a band 12.3 points wide in 2019 and 8.1 points wide in 2024: "
        "narrower, schools drawing closer together."
    )


@pytest.mark.parametrize(
    ("flag", "place", "unusual"),
    [("above", "above the upper limit", True), ("below", "below the lower limit", True),
     ("within", "within the limits", False), (None, "within the limits", False)],
)  # fmt: skip
def test_funnel_position_says_whether_the_difference_is_unusual(flag, place, unusual):
    assert funnel_place(flag) == place
    text = funnel_position_words(
        short="Enrolled", year=2024, rate=0.5, n=120, who=WHO, where="Lincoln",
        network_rate=0.4, flag=flag,
    )  # fmt: skip
    assert text.startswith("Enrolled, 2024: 50% of 120 focal students at Lincoln, against 40%")
    assert f"the network: {place} (a difference" in text
    assert ("is unusual" in text) is unusual
    assert ("within what chance" in text) is not unusual


def test_funnel_hidden_units_agree_in_number():
    assert funnel_hidden_words(1, "school", 10).startswith("1 school with fewer than 10")
    assert funnel_hidden_words(1, "school", 10).endswith(") is not drawn.")
    assert funnel_hidden_words(3, "school", 10).startswith("3 schools with fewer")
    assert funnel_hidden_words(3, "school", 10).endswith(") are not drawn.")


def test_spread_says_the_typical_distance_only_when_known():
    with_sd = spread_words(phrase="enrolled", who=WHO, noun="school", sd=0.083)
    assert "schools' rates typically sit about 8 percentage points" in with_sd
    without = spread_words(phrase="enrolled", who=WHO, noun="school", sd=np.nan)
    assert without == (
        "The network varies most on <strong>enrolled</strong> for focal students. Where "
        "schools differ most, there is most to learn from each other."
    )


def test_the_gap_keeps_its_interval_on_one_line():
    assert gap_words(12.4, 3.2, 20.6) == "12\u00a0points (3\u00a0to\u00a021)"
    assert gap_words(12.4, np.nan, 20.6) == "12\u00a0points"
    assert gap_words(np.nan, 1, 2) == "—"


@pytest.mark.parametrize(
    ("more", "said"),
    [(0, "That is as many students as in 2020."),
     (1, "That is 1 more students than in 2020."),
     (-1500, "That is 1,500 fewer students than in 2020.")],
)  # fmt: skip
def test_more_students_says_more_fewer_or_as_many(more, said):
    assert more_students_words(more, "students", 2020) == said


def test_aim_status_names_the_path_and_the_status():
    text = aim_status_words(
        target=0.6, by=date(2027, 6, 1), rate=0.52, year=2024, expected=0.5, base_rate=0.45,
        baseline_year=2021, where="A & B", status="on track",
    )  # fmt: skip
    assert text == (
        "The aim is 60% by June 2027. At 52% in 2024, against about 50% on a straight path "
        "from the baseline (45% in 2021), A &amp; B is <strong>on track</strong>."
    )


def _outlook(low, high, pace=1.5, **kw):
    return {"reason": "", "projected": (low + high) / 2, "n_years": 5, "pace_pp": pace,
            "first_year": 2020, "low": low, "high": high, "level": 0.8, **kw}  # fmt: skip


@pytest.mark.parametrize(
    ("low", "high", "direction", "said"),
    [(0.40, 0.50, "higher", "lies beyond that range: at this pace it would not be met."),
     (0.62, 0.70, "higher", "The whole range clears the target of 60%."),
     (0.55, 0.65, "higher", "The target of 60% lies within that range."),
     (0.62, 0.70, "lower", "lies beyond that range: at this pace it would not be met."),
     (0.40, 0.50, "lower", "The whole range clears the target of 60%.")],
)  # fmt: skip
def test_aim_outlook_sets_the_range_against_the_target(low, high, direction, said):
    text = aim_outlook_words(
        _outlook(low, high), by=date(2027, 6, 1), baseline_year=2020, target=0.6,
        direction=direction,
    )  # fmt: skip
    assert text.startswith("At this pace (up about 1.5 points a year since 2020)")
    assert f"between {low:.0%} and {high:.0%} by June 2027 (80% range" in text
    assert text.endswith(said)


def test_aim_outlook_without_target_or_years_or_time():
    kw = dict(by=date(2027, 6, 1), baseline_year=2020)
    down = aim_outlook_words(_outlook(0.3, 0.4, pace=-2.0), target=None, **kw)
    assert "down about 2.0 points" in down and "target" not in down
    short = aim_outlook_words(_outlook(0.3, 0.4, projected=np.nan, n_years=2), target=0.6, **kw)
    assert (
        short
        == "A range for June 2027 needs at least four years of results since 2020; there are 2."
    )
    over = _outlook(0.3, 0.4, reason="the aim's year has been reached")
    assert aim_outlook_words(over, target=0.6, **kw) == ""


def test_a_unit_of_several_teams_says_its_furthest_stage_and_how_many():
    assert stage_of_teams(["spread"], 1) == "spread"
    found = ["initiation", "spread", "spread", "no traction"]
    assert stage_of_teams(found, 5) == "spread (2 of 4 teams)"
    assert stage_of_teams(["sustainability"], 3) == "sustainability (1 of 1 team)"


def test_transitions_are_counted_over_team_years():
    moves = pd.DataFrame({"change": ["moved up", "stayed", "fell back"], "teams": [4, 10, 1]})
    assert transition_words(moves) == (
        "Over all pairs of years, of 15 team-years: 4 moved up, 10 stayed, 1 fell back."
    )
    assert transition_words(moves.assign(teams=0)) is None


def test_covariance_words_warn_only_when_cr3_fell_back():
    assert covariance_words({""}, "school") is None
    honest = covariance_words({"CR3", ""}, "school")
    assert honest.startswith("Intervals within schools leave each school out in turn")
    warned = covariance_words({"CR3", "CR1"}, "district")
    assert "could not be computed" in warned and "few dozen districts" in warned


def test_staggered_words_say_how_a_district_adopts():
    assert "A district counts as adopting" in staggered_words("district")
    assert "A district counts" not in staggered_words("school")


def test_not_compared_names_what_is_missing():
    assert not_compared_words(by_context=True, by_group=True, noun="school") is None
    both = not_compared_words(by_context=False, by_group=False, noun="school")
    assert both.startswith("Not compared: by context, as the schools file gives")
    assert "; focal against other students" in both and both.endswith(".")
    assert "20 schools that switched" in for_whom_words("school", 20)


@pytest.mark.parametrize(
    ("modifier", "above", "estimate", "like", "more"),
    [("share_low_income", True, 3.2, "with more low-income students than the median", "more"),
     ("share_low_income", False, -1.5, "with fewer low-income students than the median", "fewer"),
     ("size", True, 0.0, "in the larger half of the network by size", "more"),
     ("size", False, 2.0, "in the smaller half of the network by size", "more")],
)  # fmt: skip
def test_like_this_one_says_which_side_of_the_split(modifier, above, estimate, like, more):
    text = like_this_one_words(
        noun="school", modifier=modifier, above=above, practice="FAFSA time in class",
        estimate=estimate, low=-1.0, high=4.0, phrase="enrolled in college",
    )  # fmt: skip
    assert text.startswith(f"In schools like this one ({like}), FAFSA time in class tracked")
    assert f"with {abs(estimate):.1f} points {more} focal students who enrolled" in text
    assert "(95% interval -1.0 to +4.0)" in text


def test_like_this_one_says_nothing_for_another_split():
    assert (
        like_this_one_words(
            noun="school",
            modifier="focal",
            above=True,
            practice="p",
            estimate=1.0,
            low=0.0,
            high=2.0,
            phrase="x",
        )  # fmt: skip
        is None
    )


def test_to_target_follows_the_status_sentence():
    assert to_target_words(1234, "students") == (
        " At the target rate, about 1,234 more of this year's students would count."
    )


def test_without_a_baseline_the_status_is_not_computed():
    text = no_status_words(phrase="enrolled", who=WHO, rate=0.5, year=2024, baseline_year=2020)
    assert text.startswith("Enrolled for focal students: 50% in 2024; the baseline year 2020")
    assert text.endswith("so the aim's status is not computed.")


def _more(**kw):
    args = dict(phrase="enrolled", people="students", more=120, year=2024, baseline_year=2020,
                count=620, base_count=500, to_target=None, target=0.6)  # fmt: skip
    return how_many_more_words(**{**args, **kw})


def test_how_many_more_counts_against_the_baseline_and_the_target():
    assert _more() == (
        "Enrolled: 120 more students in 2024 than in the baseline year 2020 (620 against 500)."
    )
    assert ": 30 fewer students in 2024" in _more(more=-30)
    assert _more(to_target=45).endswith(
        " About 45 more this year would reach the target rate of 60%."
    )
    assert _more(to_target=0).endswith(" This year's rate meets the target of 60%.")
    assert (
        _more(more=None, to_target=3)
        == "About 3 more this year would reach the target rate of 60%."
    )
    assert _more(more=None) is None


def test_spread_card_says_the_distance_only_with_the_network_rate():
    kw = dict(phrase="enrolled", who=WHO, noun="school", sd=0.07)
    assert spread_card_words(**kw, network_rate=0.45) == (
        "On <strong>enrolled</strong> for focal students: schools typically sit about 7 "
        "percentage points from the network rate of 45%."
    )
    assert spread_card_words(**kw, network_rate=None).endswith("focal students.")


def test_names_are_listed_and_counted_past_the_limit():
    assert names_words([]) == ""
    assert names_words(["A"]) == "A"
    assert names_words(["A", "B & C"]) == "A and B &amp; C"
    assert names_words(list("ABCDEF")) == "A, B, C, D and 2 more"


def test_learn_from_names_bright_spots_and_their_live_cases():
    kw = dict(noun="school", phrase="enrolled")
    one = learn_from_words(**kw, spots=["A"], hosts=["A"], pairs=2, hosts_are_spots=True)
    assert one == (
        "1 bright spot on enrolled: A. 2 live cases suggested, hosted by this school "
        "(see Live cases, and each pairing's brief)."
    )
    two = learn_from_words(**kw, spots=["A", "B"], hosts=["A", "B"], pairs=3, hosts_are_spots=True)
    assert "hosted by these schools" in two
    other = learn_from_words(**kw, spots=[], hosts=["C"], pairs=1, hosts_are_spots=False)
    assert other.startswith(
        "No school is a credible bright spot on enrolled this year. 1 live case"
    )
    assert "hosted by C (see" in other
    assert learn_from_words(**kw, spots=None, hosts=[], pairs=0, hosts_are_spots=False) is None


# ---------------------------------------------------------------- the FAFSA season


def test_season_status_says_the_gap_only_when_it_is_large():
    near = season_status_words(day="2024-04-26", week=29, rate=0.40, prior=0.42)
    assert near == (
        "By 26 April 2024 (week 29 of the season), 40% of seniors had completed a FAFSA, "
        "against 42% at the same week last season."
    )
    behind = season_status_words(day="2024-04-26", week=29, rate=0.18, prior=0.25)
    assert "This season is unlike the last: 7 percentage points behind" in behind
    ahead = season_status_words(day="2024-04-26", week=29, rate=0.31, prior=0.25)
    assert "6 percentage points ahead" in ahead
    alone = season_status_words(day="2024-04-26", week=29, rate=0.31, prior=None)
    assert "last season" not in alone and alone.endswith("completed a FAFSA.")


def test_season_status_names_the_unreported_weeks_singular_and_plural():
    one = season_status_words(
        day="2024-04-26", week=29, rate=0.3, prior=None, not_reported={22: "2024-03-08"}
    )
    assert "In week 22 (8 March 2024) the counts were suppressed" in one
    assert "that week is shaded as not reported" in one
    three = season_status_words(
        day="2024-04-26",
        week=29,
        rate=0.3,
        prior=None,
        not_reported={24: "2024-03-22", 22: "2024-03-08", 23: None},
    )
    assert "In weeks 22, 23 and 24 (8 March 2024 and 22 March 2024)" in three
    assert "those weeks are shaded" in three and "not a drop in completion." in three


def test_unreported_caption_counts_the_snapshots():
    assert unreported_caption_words(0) == ""
    assert "1 weekly snapshot was not a measurement" in unreported_caption_words(1)
    assert "3 weekly snapshots were not measurements" in unreported_caption_words(3)


def _pace(useful: int, *, run: bool = False, crossing: bool = False, change: float = 1.0):
    return pd.DataFrame(
        {
            "n_useful": [useful] * 3,
            "run_signal": [run] * 3,
            "crossing_signal": [crossing] * 3,
            "in_long_run": [run] * 3,
            "change": [change] * 3,
            "longest_run": [8] * 3,
        }
    )


def test_pace_words_follow_the_run_chart_rules():
    assert pace_words(None).startswith("There is no earlier season")
    assert "With 4 weeks that can be compared" in pace_words(_pace(4, run=True))
    assert "pulling ahead of last season's pace" in pace_words(_pace(12, run=True))
    assert "falling behind" in pace_words(_pace(12, run=True, change=-2.0))
    assert "for unusually long stretches" in pace_words(_pace(12, crossing=True))
    assert "no sign that the pace differs" in pace_words(_pace(12))


def test_pace_words_follow_the_longest_run_not_the_average_of_all():
    """Nine weeks well ahead, then twelve weeks a little behind: both runs are long, the
    average change is ahead, and the sentence names the twelve weeks, which are behind."""
    from netlab.spc import run_chart

    change = [3.0] * 9 + [-0.5] * 12
    pace = run_chart(pd.DataFrame({"week": range(21), "change": change}), x="week",
                     y="change", centre=0.0)  # fmt: skip
    assert int(pace["longest_run"].max()) == 12 and pace["in_long_run"].sum() == 21
    said = pace_words(pace)
    assert said.startswith("For 12 compared weeks in a row, fewer seniors") and "behind" in said


def test_names_sort_as_a_reader_expects():
    from netlab.names import natural_key

    shuffled = ["School AA", "S10", "School B", "Lincoln High", "S2", "School Z", "School A"]
    assert sorted(shuffled, key=natural_key) == [
        "Lincoln High", "S2", "S10", "School A", "School B", "School Z", "School AA",
    ]  # fmt: skip
    assert sorted(["Hall 12", "hall 3", "Hall 1"], key=natural_key) == [
        "Hall 1", "hall 3", "Hall 12",
    ]  # fmt: skip


def test_overdispersion_is_said_in_points():
    from netlab.words import overdispersion_words

    # tau = sqrt(0.0046) = 0.068: about 7 points beyond chance
    assert "about 7 points more than chance" in overdispersion_words(
        phi=6.57, tau=0.0046**0.5, noun="school"
    )
    assert "no more than chance" in overdispersion_words(phi=0.8, tau=0.0, noun="school")
    assert overdispersion_words(phi=np.nan, tau=0.1, noun="school") == ""


def test_constellation_says_band_width_and_direction():
    from netlab.words import constellation_words

    args = dict(first_year=2019, last_year=2026, rates=(0.2, 0.3), noun="school")
    narrowing = constellation_words(**args, iqrs=(0.10, 0.06), floors=(0.15, 0.27))
    assert "10.0 points wide in 2019 and 6.0 points wide in 2026" in narrowing
    assert "toward a constellation" in narrowing
    widening = constellation_words(**args, iqrs=(0.06, 0.10), floors=(0.15, 0.16))
    assert "widening around a few stars" in widening
    steady = constellation_words(**args, iqrs=(0.06, 0.065), floors=(0.15, 0.25))
    assert "about as wide" in steady and "constellation" not in steady and "stars" not in steady


def test_pretrend_is_said_in_words():
    from netlab.words import pretrend_words

    assert pretrend_words(0.62) == "steady before"
    assert pretrend_words(0.01).startswith("already changing")
    assert pretrend_words(np.nan) == "not tested"


def test_everyone_focal_reads_as_students():
    from netlab.words import funnel_position_words

    text = funnel_position_words(short="FAFSA completed", year=2024, rate=0.5, n=437,
                                 who="all students", where="Blake", network_rate=0.4,
                                 flag="within")  # fmt: skip
    assert "of 437 students at Blake" in text and "all students" not in text
