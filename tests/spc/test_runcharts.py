"""The run charts fitted once per run: each unit's frame equals the chart drawn directly.

The fitted ``runcharts__process_charts`` and ``runcharts__fafsa_season`` frames hold, for
every unit a report is made for and for the network, what the school report draws. Here
each is checked against the chart computed directly from the unit's own rows with
``spc.run_chart`` / ``spc.season_pace``, with the small-cell rule applied first.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from netlab import pipeline, privacy, report, spc, synth
from netlab.params import from_dict
from netlab.pipeline import _runcharts as rc
from netlab.testing import make_prepared

MIN_CELL = 10
DATES = pd.date_range("2025-09-01", periods=20, freq="7D")


def _process() -> pd.DataFrame:
    """Three schools' weekly share of seniors with a college list, rising after week 12."""
    rng = np.random.default_rng(3)
    rows = []
    for school, seniors in (("A", 120), ("B", 80), ("C", 60)):
        for i, date in enumerate(DATES):
            share = 0.2 + (0.15 if i >= 12 else 0) + rng.normal(0, 0.02)
            # school A's ninth week rests on 6 seniors: an outlier the chart may not see
            n = 6 if (school == "A" and i == 8) else seniors
            k = n if n == 6 else round(share * n)
            rows.append(
                {"school_id": school, "date": date, "measure": "college_list"}
                | {"numerator": float(k), "denominator": float(n), "value": np.nan}
            )
            rows.append(
                {"school_id": school, "date": date, "measure": "visits", "numerator": np.nan}
                | {"denominator": np.nan, "value": float(rng.poisson(5))}
            )
    return pd.DataFrame(rows)


def _weekly() -> pd.DataFrame:
    """Two seasons of weekly FAFSA snapshots; week 3 of 2024 was not a measurement."""
    rows = []
    start = {2023: dt.date(2022, 10, 2), 2024: dt.date(2023, 10, 1)}
    for school, seniors in (("A", 200), ("B", 8), ("C", 150)):
        for season in (2023, 2024):
            for week in range(16):
                reported = not (season == 2024 and week == 3)
                done = int(seniors * min(0.9, 0.03 * (week + 1) * (1.3 if season == 2024 else 1)))
                rows.append(
                    {
                        "school_id": school,
                        "season": season,
                        "as_of": pd.Timestamp(start[season] + dt.timedelta(weeks=week)),
                        "week": week,
                        "seniors": seniors,
                        "submitted": done + 2,
                        "completed": done if reported else 0,
                        "submitted_suppressed": False,
                        "completed_suppressed": False,
                        "reported": reported,
                    }
                )
    return pd.DataFrame(rows)


def _schools() -> pd.DataFrame:
    return pd.DataFrame({"school_id": ["A", "B", "C"], "district": ["D1", "D1", "D2"]})


def _prepared(unit: str = "school", **models) -> object:
    ids = ["D1", "D2"] if unit == "district" else ["A", "B", "C"]
    rates = pd.DataFrame(
        {"unit_id": ids, "year": 2024, "group": "focal", "measure": "m"}
        | {"numerator": 50, "denominator": 100, "rate": 0.5}
    )
    return make_prepared(
        rates,
        tables={"schools": _schools(), "process": _process(), "fafsa_weekly": _weekly()},
        units=pd.DataFrame({"unit_id": ids, "unit_name": [f"Name of {u}" for u in ids]}),
        models=models,
        unit=unit,
        min_cell=MIN_CELL,
    )


def _fitted(prepared) -> object:
    for short, frame in rc.models_for_run(prepared).items():
        prepared.models[f"runcharts__{short}"] = frame
    return prepared


def _rows(frame: pd.DataFrame, unit: str | None, **where) -> pd.DataFrame:
    mine = frame["unit_id"].isna() if unit is None else frame["unit_id"] == unit
    for column, value in where.items():
        mine &= frame[column] == value
    return frame.loc[mine].reset_index(drop=True)


def _direct_process(schools: list[str] | None) -> pd.DataFrame:
    """The unit's college-list rate by date, suppressed below the minimum, charted."""
    rows = _process()
    rows = rows.loc[rows["measure"] == "college_list"]
    if schools is not None:
        rows = rows.loc[rows["school_id"].isin(schools)]
    by_date = rows.groupby("date", as_index=False)[["numerator", "denominator"]].sum()
    by_date["value"] = by_date["numerator"] / by_date["denominator"]
    shown = by_date.loc[by_date["denominator"] >= MIN_CELL]
    return spc.run_chart(shown, x="date", y="value")


@pytest.mark.parametrize(
    ("unit", "unit_id", "schools"),
    [
        ("school", "A", ["A"]),
        ("school", "C", ["C"]),
        ("school", None, None),
        ("district", "D1", ["A", "B"]),
    ],
)
def test_process_chart_of_a_unit_equals_the_run_chart_of_its_own_series(unit, unit_id, schools):
    fitted = rc.models_for_run(_prepared(unit))["process_charts"]
    mine = _rows(fitted, unit_id, measure="college_list")
    direct = _direct_process(schools)
    assert len(mine) == len(DATES)  # one row per date, the suppressed one too
    charted = mine.loc[~mine["suppressed"]].reset_index(drop=True)
    assert charted["date"].tolist() == direct["date"].tolist()
    assert charted["value"].to_numpy() == pytest.approx(direct["value"].to_numpy())
    for column in ("centre", "longest_run", "crossings", "in_long_run", "run_signal", "signal"):
        assert charted[column].astype(float).tolist() == pytest.approx(
            direct[column].astype(float).tolist()
        ), column
    # the median is that of the shown points (a closed form, not spc's own word for it)
    assert charted["centre"].iloc[0] == pytest.approx(np.median(direct["value"]))
    assert bool(mine["is_rate"].all()) and int(mine["schools"].max()) == (
        3 if schools is None else len(schools)
    )


def test_a_suppressed_point_is_kept_flagged_and_does_not_move_the_median():
    fitted = rc.models_for_run(_prepared())["process_charts"]
    a = _rows(fitted, "A", measure="college_list")
    small = a.loc[a["date"] == DATES[8]].iloc[0]
    assert small["suppressed"] and small["denominator"] == 6
    assert pd.isna(small["centre"]) and pd.isna(small["run_signal"])
    shown = a.loc[~a["suppressed"], "value"]
    assert a["centre"].dropna().unique() == pytest.approx([np.median(shown)])
    # the 100% point would have pulled the median of all points up
    assert np.median(a["value"]) > np.median(shown)


def test_a_value_measure_is_summed_over_the_unit_and_never_suppressed():
    fitted = rc.models_for_run(_prepared("district"))["process_charts"]
    visits = _rows(fitted, "D1", measure="visits")
    raw = _process()
    raw = raw.loc[(raw["measure"] == "visits") & raw["school_id"].isin(["A", "B"])]
    want = raw.groupby("date")["value"].sum()
    assert visits["value"].tolist() == want.tolist()
    assert not visits["suppressed"].any() and not visits["is_rate"].any()
    assert visits["centre"].iloc[0] == pytest.approx(want.median())


def _direct_season(schools: list[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The unit's season series after the small-cell rule, and its pace, drawn directly."""
    series = spc.season_series(_weekly(), season=2024, unit=schools)
    series = privacy.flag_small(series, min_cell=MIN_CELL)
    small = series["prior_denominator"] < MIN_CELL
    series.loc[small, ["prior_rate", "prior_numerator"]] = np.nan
    shown = series.loc[~series["suppressed"]]
    return shown, spc.season_pace(shown)


@pytest.mark.parametrize(
    ("unit", "unit_id", "schools"),
    [("school", "A", ["A"]), ("school", None, None), ("district", "D1", ["A", "B"])],
)
def test_fafsa_season_of_a_unit_equals_the_pace_of_its_own_series(unit, unit_id, schools):
    fitted = rc.models_for_run(_prepared(unit))["fafsa_season"]
    mine = _rows(fitted, unit_id)
    shown, pace = _direct_season(schools)
    assert mine["week"].tolist() == list(range(16))  # every week, the unreported one too
    assert mine["unreported"].tolist() == [w == 3 for w in range(16)]
    fitted_shown = mine.loc[mine["denominator"].notna() & ~mine["suppressed"].astype(bool)]
    assert fitted_shown["week"].tolist() == shown["week"].tolist()
    assert fitted_shown["rate"].to_numpy(dtype=float) == pytest.approx(
        shown["rate"].to_numpy(dtype=float)
    )
    tested = mine.loc[mine["n_useful"].notna()].reset_index(drop=True)
    want = pace.dropna(subset=["n_useful"]).reset_index(drop=True)
    assert tested["week"].tolist() == want["week"].tolist() and len(want) >= 10
    for column in ("change", "in_long_run", "longest_run", "crossings", "run_signal"):
        assert tested[column].astype(float).tolist() == pytest.approx(
            want[column].astype(float).tolist()
        ), column
    assert bool(mine["season"].eq(2024).all())


def test_a_school_below_the_minimum_has_its_weeks_suppressed():
    fitted = rc.models_for_run(_prepared())["fafsa_season"]
    b = _rows(fitted, "B")
    reported = b.loc[b["denominator"].notna()]
    assert len(reported) == 15 and reported["suppressed"].all()
    assert b["n_useful"].isna().all()  # no pace test on points nobody may see
    html = report.fafsa_season(report.from_prepared(_fitted(_prepared()), "B")).html()
    assert "rests on fewer than 10 students and is not shown" in html
    assert "<img" not in html


def test_the_school_report_draws_the_fitted_season_and_says_the_gap():
    prepared = _fitted(_prepared())
    html = report.fafsa_season(report.from_prepared(prepared, "A")).html()
    assert "<img" in html and "2024-25 FAFSA" in html
    assert "In week 3 (22 October 2023)" in html  # the snapshot that was not a measurement
    network = report.fafsa_season(report.from_prepared(prepared, None)).html()
    assert "<img" in network and 'data-n-min="358"' in network  # every school, B too


def test_the_school_report_draws_the_fitted_process_charts():
    prepared = _fitted(_prepared("district"))
    html = report.process_measures(report.from_prepared(prepared, "D1")).html()
    assert html.count("<img") == 2 and "(all its schools together)" in html
    assert 'data-n-min="86"' in html  # the week school A rests on 6


def test_without_the_fitted_model_the_sections_say_so_and_an_unknown_key_raises():
    prepared = _prepared()  # tables, but no model fitted
    r = report.from_prepared(prepared, "A")
    assert "not available in this run" in report.fafsa_season(r).html()
    assert "not available in this run" in report.process_measures(r).html()
    for name in ("runcharts__fafsa_seasons", "runcharts__process", "charts__fafsa_season"):
        with pytest.raises(pipeline.UnknownModelError, match=name):
            prepared.model(name)
        with pytest.raises(pipeline.UnknownModelError):
            r.model(name)


def test_every_run_chart_model_is_declared_with_what_a_row_is():
    fitted = rc.models_for_run(_prepared())
    assert set(fitted) == {"process_charts", "fafsa_season"}
    for short in fitted:
        model = pipeline.MODELS[f"runcharts__{short}"]
        assert model.producer == "runcharts" and "×" in model.row


def test_a_prepared_run_read_again_holds_the_same_run_charts(netlab_home):
    net = synth.generate_districts(4, years=range(2023, 2027), seed=11)
    raw = netlab_home / "data" / "raw" / "t-charts"
    synth.write(net, raw)
    params = from_dict({"run": "t-charts", "raw_dir": str(raw), "unit": "district"})
    prepared = pipeline.prepare(params)
    loaded = pipeline.load("t-charts")
    for key in ("runcharts__process_charts", "runcharts__fafsa_season"):
        assert prepared.model(key) is not None and len(prepared.model(key)), key
        pd.testing.assert_frame_equal(loaded.model(key), prepared.model(key), check_like=False)
    assert pipeline.is_fresh(params)
    # every unit a report is made for has its rows, and the network its own
    units = set(loaded.units["unit_id"].astype(str))
    season = loaded.model("runcharts__fafsa_season")
    assert set(season["unit_id"].dropna()) == units and season["unit_id"].isna().any()
