"""Report sections only a school (or district) report shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netlab import plots, privacy
from netlab.report._html import (
    _E,
    Col,
    Section,
    _capital,
    _draw,
    _measure_label,
    _note,
    _sentence,
    _suppressed_note,
    no_table,
    table,
    unavailable,
)
from netlab.report._lookup import lookup
from netlab.report._runcharts import charted, pace_of, unit_rows
from netlab.words import (
    like_this_one_words,
    pace_words,
    school_covariance_words,
    season_pace_words,
    season_status_words,
    unreported_caption_words,
)

if TYPE_CHECKING:
    from netlab.report._context import Report


# --------------------------------------------------------------------------------------
# School sections
# --------------------------------------------------------------------------------------


def process_measures(r: Report) -> Section:
    """Interim and process measures over time, as run charts, beside the outcome they serve.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("process")
    table_ = r.prepared.tables.get("process")
    if table_ is None or table_.empty:
        return s.add(unavailable("Interim and process measures", no_table("process")))
    series = unit_rows(r, "runcharts__process_charts")
    if series is None:
        return s.add(unavailable("Interim and process measures"))
    if series.empty:
        return s.add(unavailable(f"Interim and process measures for {r.unit_name}"))
    for measure, cell in list(series.groupby("measure", sort=True))[:4]:
        rates_like = bool(cell["is_rate"].any())
        several = int(cell["schools"].max()) > 1
        shown = privacy.visible(cell).sort_values("date")
        label = _capital(_measure_label(r, measure))
        if len(shown) < 2:
            s.add(_suppressed_note(r, f"The series of {label.lower()}"))
            continue
        chart = charted(shown)
        s.add(
            _draw(
                plots.run_chart,
                chart,
                x="date",
                y="value",
                percent=rates_like,
                title=label,
                alt=f"Run chart of {label}",
                caption=f"{_E(label)} over time"
                + (" (all its schools together)" if several else "")
                + ", with the median and the run-chart rules (a long run or too few crossings "
                "signals non-random change).",
                n_min=shown["denominator"].min() if rates_like else None,
            )
        )
        signal = bool(chart["signal"].any()) if "signal" in chart else False
        s.add(
            _sentence(
                f"{_E(label)}: "
                + ("a signal of non-random change." if signal else "no signal of change yet.")
            )
        )
    return s


def fafsa_season(r: Report) -> Section:
    """The unit's weekly FAFSA completion this season against last season (run chart).

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("fafsa")
    weekly = r.prepared.tables.get("fafsa_weekly")
    if weekly is None or weekly.empty:
        return s.add(unavailable("The weekly FAFSA run chart", no_table("fafsa_weekly")))
    weeks = unit_rows(r, "runcharts__fafsa_season")
    if weeks is None:
        return s.add(unavailable("The weekly FAFSA run chart"))
    not_reported = sorted(int(w) for w in weeks.loc[weeks["unreported"], "week"])
    skipped = len(not_reported)
    series = weeks.loc[weeks["denominator"].notna()]
    if series.empty:
        return s.add(unavailable("The weekly FAFSA run chart", "no reported week this season"))
    season = int(weeks["season"].max())
    name = f"{season}-{str(season + 1)[-2:]} FAFSA"
    shown = privacy.visible(series)
    if shown.empty:
        return s.add(_suppressed_note(r, "The FAFSA season"))
    pace = pace_of(shown)
    chart = _season_chart(shown, pace)
    # People think of a season in dates: each week is drawn at its snapshot's date.
    chart = chart.merge(shown[["week", "as_of"]], on="week", how="left")
    chart["as_of"] = pd.to_datetime(chart["as_of"])
    dates = pd.to_datetime(weeks.set_index("week")["week_of"])
    gaps = [dates[w] for w in not_reported if w <= int(shown["week"].max()) and w in dates]
    s.add(
        _draw(
            plots.run_chart,
            chart,
            x="as_of",
            y="rate",
            title=f"{name}: completed, share of seniors",
            not_reported=gaps,
            alt=f"Weekly FAFSA completion, {name}, with last season",
            caption=f"Cumulative FAFSA completion by week of the {name} season, with last "
            "season at the same weeks. The season is judged on its pace: highlighted weeks "
            "belong to a run of weeks in which new completions kept beating (or trailing) "
            "last season's at the same weeks; the cumulative curve itself always rises and "
            "is not tested." + unreported_caption_words(skipped),
            n_min=shown["denominator"].min(),
        )
    )
    last = chart.iloc[-1]
    prior = last.get("prior_rate")
    has_pace = pace is not None and not pace.empty
    text = season_status_words(
        day=last.as_of,
        week=int(last.week),
        rate=float(last.rate),
        # with a pace test, where the season stands against last is said with its interval
        prior=None if has_pace or pd.isna(prior) else float(prior),
        not_reported={w: dates.get(w) for w in not_reported},
    )
    # last season's seniors are not in the chart's rows: taken as this season's number
    seniors = int(last.denominator) if pd.notna(last.get("denominator")) else None
    moving = season_pace_words(pace, n=seniors, prior_n=seniors) if has_pace else pace_words(pace)
    s.add(_sentence(text + " " + moving, shown["denominator"].min()))
    return s


def _season_chart(shown: pd.DataFrame, pace: pd.DataFrame | None) -> pd.DataFrame:
    """The cumulative curve to draw, carrying the pace test's runs (no median line)."""
    chart = shown[["week", "rate", "prior_rate", "denominator"]].reset_index(drop=True)
    chart = chart.assign(phase=0, centre=np.nan)
    if pace is None or pace.empty or "in_long_run" not in pace:
        return chart
    if int(pace["n_useful"].max()) < 10:  # too few weeks to test: say nothing on the chart
        return chart
    runs = pace[["week", "in_long_run"]]
    chart = chart.merge(runs, on="week", how="left")
    chart["in_long_run"] = chart["in_long_run"].astype("boolean").fillna(False).astype(bool)
    for c in ("run_signal", "crossing_signal"):
        chart[c] = bool(pace[c].dropna().any())
    return chart


def _schools_of(r: Report, unit: str | None = None) -> list[str]:
    """The school ids of a unit (the report's own by default): itself, or its schools."""
    return r.prepared.schools_of(r.unit_id if unit is None else unit)


def _with_network_estimates(r: Report, now: pd.DataFrame) -> pd.DataFrame:
    """The network-wide within-unit and staggered-adoption estimates beside each practice."""
    within = lookup(r, "practices__within", "", group=None, n=None).frame
    if within is not None and len(within):
        est = within.copy().set_index("practice")
        for col, key in (
            ("estimate_pp", "estimate"),
            ("ci_low_pp", "low"),
            ("ci_high_pp", "high"),
            ("evidence", "evidence"),
        ):
            src = next((c for c in (col, key) if c in est.columns), None)
            now[col] = now["practice"].map(est[src]) if src else np.nan
        if "covariance" in est.columns:
            now["covariance"] = now["practice"].map(est["covariance"])
    robust = lookup(r, "practices__imputation", "", group=None, n=None).frame
    if robust is not None and len(robust):
        rob = robust.set_index("practice")
        now["staggered_pp"] = now["practice"].map(rob["estimate_pp"].where(rob["estimable"]))
        now["staggered_evidence"] = now["practice"].map(rob["evidence"].where(rob["estimable"]))
    return now


def _practices_columns(now: pd.DataFrame, latest: int | None) -> list[Col]:
    """Practice and in place, then the estimates the frame has."""
    cols = [Col("practice_label", "Practice"), Col("in_place", f"In place ({latest})")]
    if "estimate_pp" in now.columns:
        cols += [
            Col("estimate_pp", "Tracks with (points, network)", "num1"),
            Col("ci_low_pp", "from", "num1"),
            Col("ci_high_pp", "to", "num1"),
        ]
        if "covariance" in now.columns and (now["covariance"] == "CR1").any():
            cols.append(Col("covariance", "Errors"))
        cols.append(Col("evidence", "Evidence"))
        if "staggered_pp" in now.columns:
            cols.append(Col("staggered_pp", "Staggered-adoption check (points)", "num1"))
            cols.append(Col("staggered_evidence", "Evidence (check)"))
    return cols


def practices(r: Report) -> Section:
    """The practices the unit has in place, beside what tracks with gains network-wide.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("practices")
    table_ = r.prepared.tables.get("practices")
    if table_ is None or table_.empty:
        return s.add(unavailable("Practices", no_table("practices")))
    from netlab import practices as pr

    mine = table_.loc[table_["school_id"].astype(str).isin(_schools_of(r))]
    latest = int(mine["year"].max()) if len(mine) else None
    now = mine.loc[mine["year"] == latest].groupby("practice", as_index=False)["level"].max()
    now["in_place"] = np.where(now["level"] > 0, "yes", "no")
    now["practice_label"] = [_capital(pr.practice_label(p)) for p in now["practice"]]
    now = _with_network_estimates(r, now)
    s.add(
        table(
            now,
            _practices_columns(now, latest),
            min_cell=r.min_cell,
            band_below=r.band_below,
            caption="Practices in place, beside the network-wide estimate of how each tracks with the focal measure (percentage points; association, not cause)",
        )
    )
    if "covariance" in now.columns and (now["covariance"] == "CR1").any():
        s.add(
            _note(
                school_covariance_words(),
                cls="netlab-caveat netlab-covariance-warning",
            )
        )
    s.add(_like_this_one(r))
    return s


def _like_this_one(r: Report) -> str | None:
    """Strong context differences, said for units on this unit's side of the split."""
    hetero = lookup(r, "practices__heterogeneity", "", group=None, n=None).frame
    units = getattr(r.prepared, "units", None)
    if hetero is None or hetero.empty or units is None or "unit_id" not in units:
        return None
    from netlab import practices as pr

    me = units.loc[units["unit_id"].astype(str) == str(r.unit_id)]
    strong = hetero.loc[(hetero["evidence"] == "strong") & (hetero["modifier"] != "focal")]
    said = []
    noun = r.noun.lower()
    phrase = pr.measure_words(r.prepared)[0] if len(strong) else ""
    for row in strong.itertuples(index=False):
        if me.empty or row.modifier not in me.columns:
            continue
        value = pd.to_numeric(me[row.modifier], errors="coerce").iloc[0]
        if not np.isfinite(value):
            continue
        mine = value > row.threshold
        est = row.estimate_a_pp if mine else row.estimate_b_pp
        lo = row.ci_a_low_pp if mine else row.ci_b_low_pp
        hi = row.ci_a_high_pp if mine else row.ci_b_high_pp
        like = like_this_one_words(
            noun=noun,
            modifier=row.modifier,
            above=mine,
            practice=pr.practice_label(row.practice),
            estimate=est,
            low=lo,
            high=hi,
            phrase=phrase,
        )
        if like is not None:
            said.append(like)
    if not said:
        return None
    return '<div class="netlab-sentences">' + "".join(_sentence(_E(t)) for t in said) + "</div>"
