"""The one shape of a section's data: lookup's filter, suppression, labels and absences."""

from __future__ import annotations

import pandas as pd

from netlab import report
from netlab.report._lookup import lookup
from netlab.testing import make_prepared


def _report(models, unit=None):
    rates = pd.DataFrame(
        {"unit_id": ["A", "B", "C"], "year": 2023, "group": "focal", "measure": "m",
         "numerator": [5, 1, 40], "denominator": [20, 4, 100], "rate": [0.25, 0.25, 0.4]}
    )  # fmt: skip
    prepared = make_prepared(rates, models=models, min_cell=10, name_peers=True)
    return report.from_prepared(prepared, unit)


def _funnel():
    return pd.DataFrame(
        {"unit_id": ["A", "B", "C", "A", "B"], "year": [2023, 2023, 2023, 2022, 2022],
         "measure": ["m", "m", "m", "m", "other"], "group": ["focal"] * 4 + ["all"],
         "denominator": [20, 4, 100, 30, 50], "rate": [0.25, 0.25, 0.4, 0.2, 0.3]}
    )  # fmt: skip


def test_a_model_not_fitted_is_not_available_and_not_fitted():
    look = lookup(_report({}), "variation__funnel", "The funnel plot", why="no records")
    assert not look.fitted and look.frame is None
    assert "The funnel plot: not available in this run (no records)" in look.missing


def test_a_fitted_model_without_rows_here_is_fitted_but_missing():
    look = lookup(_report({"variation__funnel": _funnel()}), "variation__funnel", "The plot",
                  measure="absent")  # fmt: skip
    assert look.fitted and look.frame.empty
    assert "The plot of absent: not available in this run" in look.missing
    said = lookup(_report({"variation__funnel": _funnel()}), "variation__funnel", "The plot",
                  measure="absent", empty="Gaps on it")  # fmt: skip
    assert "Gaps on it: not available" in said.missing


def test_rows_are_filtered_flagged_and_labelled():
    look = lookup(_report({"variation__funnel": _funnel()}), "variation__funnel", "x",
                  measure="m", latest=True)  # fmt: skip
    assert look.missing is None
    assert list(look.frame["unit_id"]) == ["A", "B", "C"]  # the latest year, focal, m
    assert list(look.frame["suppressed"]) == [False, True, False]  # B rests on 4 students
    assert list(look.shown["unit_id"]) == ["A", "C"]
    assert list(look.frame["label"]) == ["Name of A", "Name of B", "Name of C"]


def test_one_unit_and_several_count_columns():
    gaps = pd.DataFrame(
        {"unit_id": ["A", "A", "B"], "year": [2022, 2023, 2023], "measure": "m",
         "focal_denominator": [30, 8, 50], "ref_denominator": [40, 60, 5]}
    )  # fmt: skip
    look = lookup(_report({"variation__equity_gaps": gaps}, unit="A"), "variation__equity_gaps",
                  "Gaps", measure="m", unit=True, n=("focal_denominator", "ref_denominator"))  # fmt: skip
    assert list(look.frame["year"]) == [2022, 2023]
    assert list(look.frame["n_min"]) == [30, 8]
    assert list(look.shown["year"]) == [2022]


def test_a_hidden_unit_that_the_total_would_give_away_hides_another():
    look = lookup(_report({"variation__funnel": _funnel()}), "variation__funnel", "x",
                  measure="m", latest=True, hide_by=["year"])  # fmt: skip
    # B is small; with the network rate shown, hiding B alone would give it away
    assert int(look.frame["suppressed"].sum()) == 2
    assert len(look.shown) == 1


def test_a_frame_without_counts_or_units_is_kept_whole():
    spread = pd.DataFrame({"measure": ["m", "other"], "tau": [0.1, 0.2]})
    look = lookup(_report({"variation__spread": spread}), "variation__spread", "x", n=None)
    assert look.missing is None and len(look.shown) == 2
    assert "label" not in look.frame and "suppressed" not in look.frame
