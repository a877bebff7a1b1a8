"""The explorer's widgets, driven from Python: controls in, view data and figure out."""

from __future__ import annotations

import base64
import dataclasses
import io
import re
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netlab import params as params_module
from netlab import pipeline, privacy, synth, widgets
from netlab.sources import _io as netlab_io


def _raw(tables: dict[str, pd.DataFrame]) -> dict:
    """Raw-like tables for ``prepare_frames`` (as if each frame had been read from a file)."""
    from_frame = getattr(netlab_io.RawTable, "from_frame", None)
    if from_frame is not None:
        return {name: from_frame(name, frame) for name, frame in tables.items()}
    return {
        name: netlab_io.RawTable(name, Path(f"{name}.csv"), frame)
        for name, frame in tables.items()
    }


@pytest.fixture(scope="module")
def prepared():
    net = synth.generate(30, seed=11)
    run_params = params_module.from_dict({"run": "wtest", "raw_dir": "."})
    return pipeline.prepare_frames(_raw(net.tables), run_params, key="k" * 32)


@pytest.fixture
def explorer(prepared):
    return widgets.Explorer(prepared)


def _rates(prepared, *, measure, group, year=None):
    r = prepared.rates
    rows = r[(r["measure"] == measure) & (r["group"] == group)]
    if year is not None:
        rows = rows[rows["year"] == year]
    return rows


def _names(prepared) -> dict[str, str]:
    u = prepared.units
    return dict(zip(u["unit_id"].astype(str), u["unit_name"].astype(str), strict=True))


def _by_label(explorer, frame: pd.DataFrame) -> pd.DataFrame:
    """Map the view's unit labels back to ids (the labels the explorer used)."""
    sel = explorer.selection
    labels = widgets.unit_labels(explorer.prepared, unit=sel.unit, name_peers=sel.name_peers)
    back = {v: k for k, v in labels.items()}
    return frame.assign(unit_id=frame["unit"].map(back))


def test_starts_on_the_runs_focal_measure_and_group(explorer, prepared):
    data = explorer.view_data()
    assert set(data["measure"]) == {prepared.params.focal_measure}
    assert set(data["group"]) == {"focal"}
    assert explorer.png.startswith(b"\x89PNG")
    assert explorer.figure is not None and len(explorer.figure.axes) == 1
    assert explorer.redraws == 1
    assert explorer.image.value == explorer.png


def test_changing_the_measure_changes_data_and_figure(explorer, prepared):
    before_png, before = explorer.png, explorer.redraws
    explorer.controls["measure"].value = "fafsa_complete"
    data = _by_label(explorer, explorer.view_data())
    assert set(data["measure"]) == {"fafsa_complete"}
    assert explorer.redraws == before + 1
    assert explorer.png != before_png
    # The funnel's counts are the rates table's, for the last year of the range.
    year = int(prepared.rates["year"].max())
    truth = _rates(prepared, measure="fafsa_complete", group="focal", year=year)
    shown = data[~data["suppressed"]].merge(truth, on="unit_id", suffixes=("", "_truth"))
    assert len(shown) == (~data["suppressed"]).sum() > 20
    np.testing.assert_array_equal(shown["numerator"], shown["numerator_truth"])
    np.testing.assert_array_equal(shown["denominator"], shown["denominator_truth"])


def test_changing_the_group_changes_data_and_figure(explorer, prepared):
    before_png = explorer.png
    explorer.controls["group"].value = "low_income"
    data = _by_label(explorer, explorer.view_data())
    assert set(data["group"]) == {"low_income"}
    assert explorer.png != before_png
    year = int(data["year"].iloc[0])
    truth = _rates(prepared, measure=prepared.params.focal_measure, group="low_income", year=year)
    merged = data[~data["suppressed"]].merge(truth, on="unit_id", suffixes=("", "_truth"))
    np.testing.assert_allclose(merged["rate"], merged["rate_truth"])


def test_year_range_picks_the_funnel_year_and_the_trend_years(explorer):
    explorer.controls["years"].value = (2020, 2023)
    assert set(explorer.view_data()["year"]) == {2023}
    funnel_png = explorer.png
    explorer.controls["view"].value = "constellation"
    assert explorer.view_data()["year"].tolist() == [2020, 2021, 2022, 2023]
    explorer.controls["years"].value = (2022, 2026)
    assert explorer.view_data()["year"].tolist() == [2022, 2023, 2024, 2025, 2026]
    assert explorer.png != funnel_png


def test_choosing_a_school_gives_its_run_chart(explorer, prepared):
    c = explorer.controls
    c["view"].value = "run_chart"
    network = explorer.view_data()
    assert set(network["unit"]) == {"Network"}
    pooled = (
        _rates(prepared, measure=prepared.params.focal_measure, group="focal")
        .groupby("year")[["numerator", "denominator"]]
        .sum()
    )
    np.testing.assert_array_equal(network["denominator"], pooled["denominator"])
    network_png = explorer.png

    unit = c["unit"].options[3][1]
    c["unit"].value = unit
    data = explorer.view_data()
    assert set(data["unit"]) == {_names(prepared)[unit]}
    truth = _rates(prepared, measure=prepared.params.focal_measure, group="focal")
    truth = truth[truth["unit_id"].astype(str) == unit].sort_values("year")
    shown = data[~data["suppressed"]]
    np.testing.assert_array_equal(
        shown["numerator"], truth.set_index("year").loc[shown["year"], "numerator"]
    )
    assert explorer.png != network_png
    # the median line is the median of the years shown
    assert shown["centre"].iloc[0] == pytest.approx(shown["rate"].median())


def test_choosing_a_school_highlights_it_in_the_funnel(explorer, prepared):
    plain = explorer.png
    unit = explorer.controls["unit"].options[5][1]
    explorer.controls["unit"].value = unit
    data = explorer.view_data()
    assert _names(prepared)[unit] in set(data["unit"])
    assert explorer.png != plain


@pytest.mark.parametrize("view", list(widgets.VIEWS))
def test_every_view_draws_one_axes(explorer, view):
    first = explorer.png
    explorer.controls["view"].value = view
    assert explorer.error is None
    assert len(explorer.view_data())
    assert len(explorer.figure.axes) == 1
    if view != "funnel":
        assert explorer.png != first


def test_other_schools_are_unnamed_unless_asked(explorer, prepared):
    c = explorer.controls
    names = _names(prepared)
    unit = c["unit"].options[2][1]
    c["unit"].value = unit
    c["view"].value = "caterpillar"
    others = [n for u, n in names.items() if u != unit]
    data = explorer.view_data()
    assert "unit_id" not in data.columns
    assert set(data["unit"]) - {names[unit]} <= {
        f"School {privacy.letters(i)}" for i in range(len(names))
    }
    # rows in letter order, not in the (guessable) order of the ids
    key = [(len(u), u) for u in data["unit"]]
    assert key == sorted(key)
    for text in (explorer.csv(), explorer.table.value):
        assert not [n for n in others if n in text]
    assert (
        privacy.scan_html(
            explorer.table.value, min_cell=prepared.params.min_cell, forbidden_names=others
        )
        == []
    )
    unnamed_png = explorer.png

    c["name_peers"].value = True
    data = explorer.view_data()
    assert set(data["unit"]) == set(names.values())
    assert "hub's own eyes" in explorer.notice.value
    assert 'download="' in explorer.download.value and "hub-only" in explorer.download.value
    assert explorer.png != unnamed_png


def test_small_cells_are_masked(explorer, prepared):
    min_cell = prepared.params.min_cell
    explorer.controls["group"].value = "black"
    data = _by_label(explorer, explorer.view_data())
    year = int(data["year"].iloc[0])
    truth = _rates(prepared, measure=prepared.params.focal_measure, group="black", year=year)
    small = set(truth.loc[truth["denominator"] < min_cell, "unit_id"].astype(str))
    assert small, "the synthetic network should have schools with few Black seniors"
    flagged = set(data.loc[data["suppressed"], "unit_id"])
    assert small <= flagged
    masked = data[data["suppressed"]]
    assert masked[["numerator", "denominator", "rate", "lower", "upper"]].isna().all().all()
    assert (data.loc[~data["suppressed"], "denominator"] >= min_cell).all()
    table = explorer.table.value
    assert table.count('data-suppressed="true"') == len(masked)
    assert privacy.scan_html(table, min_cell=min_cell) == []
    assert f"fewer than {min_cell} students" in explorer.notice.value


def test_a_larger_min_cell_masks_more(prepared):
    strict = dataclasses.replace(
        prepared, params=prepared.params.model_copy(update={"min_cell": 60})
    )
    ex = widgets.Explorer(strict)
    ex.controls["view"].value = "equity_gaps"
    data = ex.view_data()
    assert data["suppressed"].any()
    assert (data.loc[~data["suppressed"], "n_min"] >= 60).all()
    assert data.loc[data["suppressed"], ["gap_pp", "focal_rate", "ref_rate"]].isna().all().all()


def test_the_download_holds_exactly_the_view_data(explorer):
    explorer.controls["view"].value = "equity_gaps"
    html = explorer.download.value
    href = re.search(r'href="data:text/csv;base64,([^"]+)"', html).group(1)
    text = base64.b64decode(href).decode("utf-8")
    assert text == explorer.csv()
    back = pd.read_csv(io.StringIO(text))
    data = explorer.view_data()
    assert list(back.columns) == list(data.columns)
    pd.testing.assert_frame_equal(
        back, data.reset_index(drop=True), check_dtype=False, check_exact=False
    )
    name = re.search(r'download="([^"]+)"', html).group(1)
    assert name.endswith(".csv") and "equity_gaps" in name


def test_an_impossible_selection_says_why(explorer):
    explorer.controls["view"].value = "equity_gaps"
    explorer.controls["group"].value = "all"
    assert explorer.error and "group other than" in explorer.notice.value
    assert explorer.view_data().empty and explorer.download.value == ""
    explorer.controls["group"].value = "focal"
    assert explorer.error is None and len(explorer.view_data())


def test_switching_runs_loads_a_prepared_run(prepared, netlab_home):
    year = int(prepared.rates["year"].max())
    focal = _rates(prepared, measure=prepared.params.focal_measure, group="focal", year=year)
    min_cell = int(focal["denominator"].median()) + 1  # about half the schools fall below
    other = dataclasses.replace(
        prepared,
        run="wdisk",
        params=prepared.params.model_copy(update={"run": "wdisk", "min_cell": min_cell}),
    )
    pipeline.write_prepared(other)
    assert widgets.available_runs() == ["wdisk"]
    ex = widgets.Explorer(prepared)
    # the term selector: each run by its term, chosen by its name
    assert {v for _, v in ex.controls["run"].options} == {"wtest", "wdisk"}
    assert ex.controls["run"].description == "Term"
    before = ex.view_data()
    ex.controls["run"].value = "wdisk"
    assert ex.prepared.params.min_cell == min_cell
    after = _by_label(ex, ex.view_data())
    small = set(focal.loc[focal["denominator"] < min_cell, "unit_id"].astype(str))
    assert len(small) >= 10 and before["suppressed"].sum() < len(small)
    assert small <= set(after.loc[after["suppressed"], "unit_id"])
    assert (after.loc[~after["suppressed"], "denominator"] >= min_cell).all()


def test_view_frame_without_widgets(prepared):
    unit = str(prepared.units["unit_id"].iloc[0])
    frame = widgets.view_frame(prepared, view="equity_gaps", unit=unit, years=(2021, 2024))
    assert frame["year"].tolist() == [2021, 2022, 2023, 2024]
    assert set(frame["unit"]) == {_names(prepared)[unit]}
    with pytest.raises(Exception, match="view"):
        widgets.view_frame(prepared, view="pie")


def test_explore_returns_the_widget(prepared):
    box = widgets.explore(prepared)
    assert box.explorer.controls["run"].value == "wtest"
    assert box.explorer.image in box.children


def test_explore_an_unprepared_run_says_what_to_do(netlab_home):
    shown = widgets.explore("nowhere")
    assert "netlab-error" in shown.value and "has not been prepared" in shown.value
    assert "What to do" in shown.value


def test_every_control_redraws_without_error(explorer):
    c = explorer.controls
    changes = [
        ("measure", "fafsa_complete"),
        ("group", "low_income"),
        ("years", (2020, 2025)),
        ("unit", c["unit"].options[4][1]),
        ("name_peers", True),
        ("view", "caterpillar"),
        ("measure", "enrolled_4yr"),
        ("view", "constellation"),
        ("view", "equity_gaps"),
        ("view", "run_chart"),
        ("group", "focal"),
        ("view", "funnel"),
    ]
    times = []
    for key, value in changes:
        start = time.perf_counter()
        c[key].value = value
        times.append(time.perf_counter() - start)
        assert explorer.error is None, (key, value, explorer.error)
    print(
        f"\nredraw seconds: median {statistics.median(times):.3f}, max {max(times):.3f}: "
        + ", ".join(f"{k}={t:.2f}" for (k, _), t in zip(changes, times, strict=True))
    )
    # How long a redraw takes is measured in bench/, not asserted here (shared machines).
