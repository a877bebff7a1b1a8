"""Report sections only a school (or district) report shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netlab import privacy
from netlab._report_html import (
    _E,
    Col,
    Section,
    _capital,
    _draw,
    _list,
    _measure_label,
    _pct,
    _plural,
    _sentence,
    _suppressed_note,
    no_table,
    table,
    unavailable,
)

if TYPE_CHECKING:
    from netlab.report import Report


# --------------------------------------------------------------------------------------
# School sections
# --------------------------------------------------------------------------------------


def process_measures(r: Report) -> Section:
    """Interim and process measures over time, as run charts, beside the outcome they serve."""
    s = Section("process")
    table_ = r.prepared.tables.get("process")
    if table_ is None or table_.empty:
        return s.add(unavailable("Interim and process measures", no_table("process")))
    from netlab import measures, spc

    series = measures.process_series(table_, unit="school_id")
    mine = {str(r.unit_id), *_schools_of(r)} if r.unit_id is not None else None
    if mine is not None:
        series = series.loc[series["unit_id"].isin(mine)]
    if series.empty:
        return s.add(unavailable(f"Interim and process measures for {r.unit_name}"))
    for measure, cell in list(series.groupby("measure", sort=True))[:4]:
        rates_like = bool(cell["denominator"].notna().any())
        several = cell["unit_id"].nunique() > 1
        # one point per date for the whole unit (a district's schools, or the network)
        if rates_like:
            cell = cell.groupby("date", as_index=False)[["numerator", "denominator"]].sum()
            cell["value"] = cell["numerator"] / cell["denominator"].where(cell["denominator"] > 0)
            cell["suppressed"] = cell["denominator"] < r.min_cell
        else:
            cell = cell.groupby("date", as_index=False)["value"].sum().assign(suppressed=False)
        shown = privacy.visible(cell).sort_values("date")
        label = _capital(_measure_label(r, measure))
        if len(shown) < 2:
            s.add(_suppressed_note(r, f"The series of {label.lower()}"))
            continue
        chart = spc.run_chart(shown, x="date", y="value")
        s.add(
            _draw(
                "run_chart",
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
    """The unit's weekly FAFSA completion this season against last season (run chart)."""
    s = Section("fafsa")
    weekly = r.prepared.tables.get("fafsa_weekly")
    if weekly is None or weekly.empty:
        return s.add(unavailable("The weekly FAFSA run chart", no_table("fafsa_weekly")))
    from netlab import spc

    schools = _schools_of(r) if r.unit_id is not None else None
    season = int(weekly["season"].max())
    name = f"{season}-{str(season + 1)[-2:]} FAFSA"
    this = weekly.loc[weekly["season"] == season]
    if schools is not None:
        this = this.loc[this["school_id"].astype(str).isin(schools)]
    missing = (
        (~this["reported"].fillna(False).astype(bool)).groupby(this["week"]).all()
        if "reported" in this.columns
        else pd.Series(dtype=bool)
    )
    not_reported = sorted(int(w) for w in missing.index[missing.to_numpy()])
    skipped = len(not_reported)
    series = spc.season_series(weekly, season=season, unit=schools)
    series = series.loc[series["denominator"].notna()]
    if series.empty:
        return s.add(unavailable("The weekly FAFSA run chart", "no reported week this season"))
    series = privacy.flag_small(series, min_cell=r.min_cell)
    prior_small = series["prior_denominator"].fillna(0) < r.min_cell
    series.loc[prior_small, ["prior_rate", "prior_numerator"]] = np.nan
    shown = privacy.visible(series)
    if shown.empty:
        return s.add(_suppressed_note(r, "The FAFSA season"))
    chart = spc.run_chart(shown.rename(columns={"week": "x", "rate": "y"}), x="x", y="y")
    chart = chart.rename(columns={"x": "week", "y": "rate"}).merge(
        shown[["week", "as_of", "prior_rate", "denominator"]], on="week", how="left"
    )
    # People think of a season in dates: each week is drawn at its snapshot's date.
    chart["as_of"] = pd.to_datetime(chart["as_of"])
    dates = pd.to_datetime(this.groupby("week")["as_of"].first())
    gaps = [dates[w] for w in not_reported if w <= int(shown["week"].max()) and w in dates]
    s.add(
        _draw(
            "run_chart",
            chart,
            x="as_of",
            y="rate",
            title=f"{name}: completed, share of seniors",
            not_reported=gaps,
            alt=f"Weekly FAFSA completion, {name}, with last season",
            caption=f"Cumulative FAFSA completion by week of the {name} season (median line; "
            "highlighted points break the run-chart rules), with last season at the same "
            "weeks."
            + (
                f" {_capital(_plural(skipped, 'weekly snapshot'))} "
                + ("was not a measurement" if skipped == 1 else "were not measurements")
                + " (counts suppressed for nearly every school): shaded, not drawn as zero."
                if skipped
                else ""
            ),
            n_min=shown["denominator"].min(),
        )
    )
    last = chart.iloc[-1]
    signal = bool(chart["signal"].any()) if "signal" in chart else False
    prior = last.get("prior_rate")
    text = (
        f"By {_day(last.as_of)} (week {int(last.week)} of the season), {_pct(last.rate)} of "
        "seniors had completed a FAFSA"
    )
    if pd.notna(prior):
        text += f", against {_pct(prior)} at the same week last season"
        gap = float(last.rate) - float(prior)
        if abs(gap) >= 0.05:
            text += (
                f". This season is unlike the last: {abs(100 * gap):.0f} percentage points "
                + ("behind" if gap < 0 else "ahead")
                + " at the same week"
            )
    if skipped:
        weeks = _list([str(w) for w in not_reported])
        days = _list([_day(dates[w]) for w in not_reported if w in dates])
        text += (
            f". In {'week' if skipped == 1 else 'weeks'} {weeks}"
            + (f" ({days})" if days else "")
            + " the counts were suppressed for nearly every school, so "
            + ("that week is" if skipped == 1 else "those weeks are")
            + " shaded as not reported: a cause outside the schools' work (a late or "
            "disrupted FAFSA launch shows up this way), not a drop in completion"
        )
    useful = int(chart["n_useful"].max()) if "n_useful" in chart else len(chart)
    if signal:
        text += ". The run chart shows a signal of non-random change this season."
    elif useful < 10:
        text += (
            f". With {len(chart)} reported weeks the run-chart rules cannot yet tell a shift from "
            "ordinary week-to-week variation."
        )
    else:
        text += ". The run chart shows no signal of non-random change this season."
    s.add(_sentence(text, shown["denominator"].min()))
    return s


def _day(value: object) -> str:
    """A date as people write it: "8 March 2024"."""
    t = pd.Timestamp(value)
    return f"{t.day} {t:%B %Y}"


def _schools_of(r: Report, unit: str | None = None) -> list[str]:
    """The school ids of a unit (the report's own by default): itself, or its schools."""
    unit = str(r.unit_id if unit is None else unit)
    schools = r.prepared.tables.get("schools")
    if r.params.unit == "district" and schools is not None:
        return (
            schools.loc[schools["district"].astype(str) == unit, "school_id"].astype(str).tolist()
        )
    return [unit]


def practices(r: Report) -> Section:
    """The practices the unit has in place, beside what tracks with gains network-wide."""
    s = Section("practices")
    table_ = r.prepared.tables.get("practices")
    within = r.model("practices__within")
    if table_ is None or table_.empty:
        return s.add(unavailable("Practices", no_table("practices")))
    from netlab import practices as pr

    mine = table_.loc[table_["school_id"].astype(str).isin(_schools_of(r))]
    latest = int(mine["year"].max()) if len(mine) else None
    now = mine.loc[mine["year"] == latest].groupby("practice", as_index=False)["level"].max()
    now["in_place"] = np.where(now["level"] > 0, "yes", "no")
    now["practice_label"] = [_capital(pr.practice_label(p)) for p in now["practice"]]
    if within is not None and len(within):
        w = within.copy()
        est = w.set_index("practice")
        for col, key in (
            ("estimate_pp", "estimate"),
            ("ci_low_pp", "low"),
            ("ci_high_pp", "high"),
            ("evidence", "evidence"),
        ):
            src = next((c for c in (col, key) if c in est.columns), None)
            now[col] = now["practice"].map(est[src]) if src else np.nan
    cols = [Col("practice_label", "Practice"), Col("in_place", f"In place ({latest})")]
    if "estimate_pp" in now.columns:
        cols += [
            Col("estimate_pp", "Tracks with (pp, network)", "num1"),
            Col("ci_low_pp", "from", "num1"),
            Col("ci_high_pp", "to", "num1"),
            Col("evidence", "Evidence"),
        ]
    s.add(
        table(
            now,
            cols,
            min_cell=r.min_cell,
            caption="Practices in place, beside the network-wide estimate of how each tracks with the focal measure (percentage points; association, not cause)",
        )
    )
    return s
