"""Measurement windows and the run's date, on hand-made dates (closed form)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from netlab import measures
from netlab.exceptions import MeasureError
from netlab.measures import Window, apply_windows, split_rates
from netlab.params import from_dict
from netlab.pipeline._prepare import as_of_date

D = dt.date
ONE = dt.timedelta(days=1)

# NSC's definitions for the class graduating in 2026.
BOUNDARIES = {
    "fafsa_complete": D(2026, 6, 30),
    "enrolled_any": D(2026, 10, 31),
    "enrolled_year1": D(2027, 8, 14),
    "persisted": D(2027, 10, 31),
    "completed_6yr": D(2032, 8, 14),
    "applied_4yr": D(2026, 6, 15),  # known at graduation
}


@pytest.mark.parametrize(("measure", "closes"), sorted(BOUNDARIES.items()))
def test_builtin_windows_close_on_nsc_days(measure, closes):
    w = measures.registry().measures[measure].window
    assert w.closes(2026) == closes
    assert w.status(2026, closes - ONE) == "open"
    assert w.status(2026, closes) == "final"
    assert w.status(2026, closes + ONE) == "final"
    # a year earlier class closes a year earlier
    assert w.is_final(2025, closes - ONE)


def test_window_describes_itself_and_rejects_impossible_days():
    assert Window(1, 8, 14).describe() == "14 August of the year after graduation"
    assert Window(6, 8, 14).describe() == "14 August 6 years after graduation"
    with pytest.raises(MeasureError, match="month=2, day=30"):
        Window(0, 2, 30)
    with pytest.raises(MeasureError, match="years=11"):
        Window(11, 8, 14)


def _rates(measure: str, years: list[int]) -> pd.DataFrame:
    n = len(years)
    return pd.DataFrame(
        {
            "unit_id": ["S1"] * n,
            "year": years,
            "group": ["focal"] * n,
            "measure": [measure] * n,
            "numerator": [30] * n,
            "denominator": [30] * n,  # only the students already enrolled: 100%
            "rate": [1.0] * n,
        }
    )


def test_open_class_has_no_rate_and_is_kept_apart():
    w = {"enrolled_year1": Window(1, 8, 14)}
    out = apply_windows(_rates("enrolled_year1", [2024, 2025, 2026]), w, D(2026, 11, 15))
    assert out["status"].tolist() == ["final", "final", "open"]
    assert out["reason"].isna().tolist() == [True, True, False]
    assert pd.isna(out["rate"].iloc[2]) and pd.isna(out["numerator"].iloc[2])
    assert out["final_on"].iloc[2] == pd.Timestamp("2027-08-14")
    final, pending = split_rates(out)
    assert final["year"].tolist() == [2024, 2025]
    assert final["numerator"].dtype == np.int64
    assert pending["year"].tolist() == [2026]
    # the day the window closes, the class is final
    out = apply_windows(_rates("enrolled_year1", [2026]), w, D(2027, 8, 14))
    assert out["status"].tolist() == ["final"]


def test_provisional_is_over_every_student_of_the_class():
    w = {"enrolled_year1": Window(1, 8, 14, provisional=True)}
    sofar = _rates("enrolled_year1", [2026]).assign(numerator=30, denominator=120, rate=0.25)
    out = apply_windows(_rates("enrolled_year1", [2026]), w, D(2026, 11, 15), sofar=sofar)
    assert out["status"].tolist() == ["provisional"]
    assert out["denominator"].tolist() == [120] and out["rate"].tolist() == [0.25]
    # without so-far counts (a counts file), a provisional measure stays open
    out = apply_windows(_rates("enrolled_year1", [2026]), w, D(2026, 11, 15))
    assert out["status"].tolist() == ["open"] and out["rate"].isna().all()


def test_sofar_rates_count_every_senior():
    params = {
        "measures": {
            "enrolled_year1": {
                "label": "Enrolled within a year",
                "denominator": "enrolled_year1 in [true, false]",
                "numerator": "enrolled_year1",
                "window": {"years": 1, "month": 8, "day": 14},
                "provisional": True,
            }
        }
    }
    students = pd.DataFrame(
        {
            "school_id": ["S1"] * 4,
            "grad_year": [2026] * 4,
            "enrolled_year1": pd.array([True, None, None, False], dtype="boolean"),
        }
    )
    full = measures.compute_rates({"students": students}, params)
    sofar = measures.sofar_rates({"students": students}, params)
    row = full[(full["measure"] == "enrolled_year1") & (full["group"] == "all")]
    assert row[["numerator", "denominator"]].to_numpy().tolist() == [[1, 2]]
    row = sofar[sofar["group"] == "all"]
    assert row[["numerator", "denominator"]].to_numpy().tolist() == [[1, 4]]


def test_as_of_date_order_params_then_search_date_then_data_then_today():
    p = from_dict({"run": "x", "raw_dir": "r"})
    tables = {"pdsa": pd.DataFrame({"start": pd.to_datetime(["2025-03-01", "2025-04-02"])})}
    assert as_of_date(p.model_copy(update={"as_of": D(2026, 1, 2)}), D(2026, 11, 15), {}) == D(
        2026, 1, 2
    )
    assert as_of_date(p, D(2026, 11, 15), tables) == D(2026, 11, 15)
    assert as_of_date(p, None, tables) == D(2025, 4, 2)
    assert as_of_date(p, None, {}) == dt.datetime.now(dt.UTC).date()


def test_params_as_of_and_band():
    p = from_dict({"run": "x", "raw_dir": "r", "as_of": "2026-11-15", "min_cell": 10})
    assert p.as_of == D(2026, 11, 15) and p.band_limit == 20
    assert from_dict({"run": "x", "raw_dir": "r", "band_below": 5}).band_limit == 5


def test_the_run_date_and_open_classes_are_saved_with_the_run(netlab_home):
    from netlab import load, pipeline, synth

    raw = netlab_home / "data" / "raw" / "w1"
    synth.write(synth.generate(12, years=range(2023, 2027), seed=3), raw)
    # as of 1 Sept 2026: the class of 2026 has no fall-enrollment figure yet (31 Oct)
    params = from_dict({"run": "w1", "raw_dir": str(raw), "as_of": "2026-09-01"})
    prepared = pipeline.prepare(params, fit=False)
    assert prepared.as_of == D(2026, 9, 1)
    r = prepared.rates
    assert not ((r["measure"] == "enrolled_any") & (r["year"] == 2026)).any()
    assert ((r["measure"] == "fafsa_complete") & (r["year"] == 2026)).any()  # final 30 June
    p = prepared.pending
    opened = p[(p["measure"] == "enrolled_any") & (p["year"] == 2026)]
    assert len(opened) and opened["rate"].isna().all() and (opened["status"] == "open").all()
    again = load("w1")
    assert again.as_of == D(2026, 9, 1)
    assert len(again.pending) == len(p)
    assert "data as of 2026-09-01" in pipeline.summary(again)
