"""Report sections shared by school and network reports, and the rates they rest on."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netlab import plots, privacy
from netlab.report._aim_words import aim_outlook_words, aim_status_words, more_students_words
from netlab.report._html import (
    _E,
    Col,
    Section,
    _capital,
    _direction,
    _draw,
    _int,
    _measure_label,
    _note,
    _pct,
    _phrase,
    _sentence,
    _suppressed_note,
    _who,
    table,
    table_name,
    unavailable,
)
from netlab.report._lookup import lookup
from netlab.report._words import funnel_hidden_words, funnel_position_words

if TYPE_CHECKING:
    from netlab.report._context import Report


# --------------------------------------------------------------------------------------
# Shared computations on the rates table (computation only; drawing is in netlab.plots)
# --------------------------------------------------------------------------------------


def _rates(r: Report, *, measure: str, group: str) -> pd.DataFrame:
    rates = r.prepared.rates
    return rates.loc[(rates["measure"] == measure) & (rates["group"] == group)]


def yearly(r: Report, *, measure: str, group: str, unit_id: str | None) -> pd.DataFrame:
    """Counts and rate per year for one unit (or the network, pooled), suppression applied."""
    rows = _rates(r, measure=measure, group=group)
    if unit_id is not None:
        rows = rows.loc[rows["unit_id"].astype(str) == str(unit_id)]
    out = rows.groupby("year", as_index=False)[["numerator", "denominator"]].sum()
    out["rate"] = np.where(
        out["denominator"] > 0,
        out["numerator"] / out["denominator"].where(out["denominator"] > 0),
        np.nan,
    )
    return privacy.suppress(out, min_cell=r.min_cell).sort_values("year").reset_index(drop=True)


def _aim_status(
    base: float, latest: float, year: int, b_year: int, target: float, by_year: int, direction: str
) -> tuple[str, float]:
    sign = 1 if direction == "higher" else -1
    if year >= by_year:
        return ("met" if sign * (latest - target) >= 0 else "not met"), target
    span = max(by_year - b_year, 1)
    expected = base + (target - base) * (year - b_year) / span
    return ("on track" if sign * (latest - expected) >= 0 else "not yet on track"), expected


def _outlook_words(r: Report, yr: pd.DataFrame, has_target: bool, direction: str) -> str:
    """The range the rate may reach by the aim's date at its present pace, in words."""
    from netlab.measures import aim_outlook

    aim = r.params.aim
    o = aim_outlook(yr, by_year=aim.by.year, since=aim.baseline_year, level=aim.outlook_level)
    return aim_outlook_words(
        o,
        by=aim.by,
        baseline_year=aim.baseline_year,
        target=aim.target if has_target else None,
        direction=direction,
    )


# --------------------------------------------------------------------------------------
# Sections shared by school and network reports
# --------------------------------------------------------------------------------------


def aim_facts(r: Report) -> dict[str, Any] | None:
    """What the aim's sentences say, computed once: latest and baseline figures, status.

    Returns None when the aim's measure is not in the run. Keys: ``measure``, ``label``,
    ``phrase``, ``who`` (and ``people``, as it reads after a number), ``where``, ``at``,
    ``own`` (the team's own indicator, not the network's), ``yearly`` (suppression applied), ``latest`` (row or None when every year
    is suppressed), ``base`` (row or None when not shown), ``status``, ``expected``,
    ``more`` (students above the baseline count), ``to_target`` (more students this year
    would need to count to meet the target rate; 0 when met) and ``n_min``.
    """
    aim = r.params.aim
    measure = r.params.team_measures.get(str(r.unit_id), aim.measure)
    if measure not in set(r.prepared.rates["measure"]):
        return None
    unit = r.unit_id
    where = r.unit_name if unit is not None else "the network"
    yr = yearly(r, measure=measure, group=aim.group, unit_id=unit)
    shown = privacy.visible(yr)
    facts: dict[str, Any] = {
        "measure": measure,
        "label": _measure_label(r, measure),
        "short": _measure_label(r, measure, short=True),
        "phrase": _phrase(r, measure),
        "who": _who(r, aim.group),
        # after a number: "1,656 fewer students", not "fewer all students"
        "people": "students" if _who(r, aim.group) == "all students" else _who(r, aim.group),
        "where": where,
        "at": f"at {_E(where)}" if unit is not None else "across the network",
        "own": measure != aim.measure,
        "yearly": yr,
        "shown": shown,
        "latest": shown.iloc[-1] if len(shown) else None,
        "base": None,
        "status": None,
        "expected": None,
        "more": None,
        "to_target": None,
        "n_min": None,
        "direction": _direction(r, measure),
    }
    if facts["latest"] is None:
        return facts
    latest = facts["latest"]
    facts["n_min"] = latest.denominator
    base = yr.loc[yr["year"] == aim.baseline_year]
    if base.empty or bool(base["suppressed"].iloc[0]) or int(latest.year) == aim.baseline_year:
        return facts
    b = base.iloc[0]
    facts["base"] = b
    facts["n_min"] = min(latest.denominator, b.denominator)
    facts["more"] = int(latest.numerator - b.numerator)
    if not facts["own"]:
        facts["status"], facts["expected"] = _aim_status(
            float(b.rate), float(latest.rate), int(latest.year), aim.baseline_year,
            aim.target, aim.by.year, facts["direction"],
        )  # fmt: skip
        if facts["direction"] == "higher":
            need = math.ceil(aim.target * latest.denominator - latest.numerator)
            facts["to_target"] = max(int(need), 0)
    return facts


def aim_status_sentence(r: Report, facts: dict[str, Any]) -> str | None:
    """The one sentence that says whether the aim is on track (None without a baseline)."""
    aim = r.params.aim
    if facts["status"] is None:
        return None
    latest = facts["latest"]
    return aim_status_words(
        target=aim.target,
        by=aim.by,
        rate=latest.rate,
        year=int(latest.year),
        expected=facts["expected"],
        base_rate=facts["base"].rate,
        baseline_year=aim.baseline_year,
        where=facts["where"],
        status=facts["status"],
    )


def aim_progress(r: Report) -> Section:
    """Progress toward the run's aim, in rates and in students, with the target line."""
    s = Section("aim")
    aim = r.params.aim
    facts = aim_facts(r)
    if facts is None:
        label = _measure_label(r, r.params.team_measures.get(str(r.unit_id), aim.measure))
        return s.add(unavailable(f"The aim's measure ({label})"))
    who, label, phrase = facts["who"], facts["label"], facts["phrase"]
    where, at = facts["where"], facts["at"]
    yr, shown, latest, b = facts["yearly"], facts["shown"], facts["latest"], facts["base"]
    if latest is None:
        return s.add(_suppressed_note(r, f"Progress on {phrase} for {who} {at}"))
    if facts["own"]:
        s.add(
            _note(
                f"This {r.noun.lower()}'s team works on its own indicator, {_E(phrase)}; "
                f"the network's target ({_pct(aim.target)}) is for "
                f"{_E(_phrase(r, aim.measure))} and is not drawn here."
            )
        )
    if b is None:
        s.add(
            _sentence(
                f"<strong>{_E(facts['short'])}</strong> for {who} {at}: {_pct(latest.rate)} in "
                f"{int(latest.year)} ({_int(latest.numerator)} of {_int(latest.denominator)}). "
                + (
                    f"The baseline year {aim.baseline_year} has no figure that can be shown, so "
                    "progress since then is not computed."
                    if int(latest.year) != aim.baseline_year
                    else "This is the baseline year; progress is measured from here."
                ),
                latest.denominator,
            )
        )
    else:
        more = facts["more"]
        parts = [
            f"<strong>{_E(facts['short'])}</strong> for {who} {at}: {_pct(latest.rate)} in "
            f"{int(latest.year)} ({_int(latest.numerator)} of {_int(latest.denominator)}), "
            f"against {_pct(b.rate)} in the baseline year {aim.baseline_year} "
            f"({_int(b.numerator)} of {_int(b.denominator)})."
        ]
        parts.append(more_students_words(more, facts["people"], aim.baseline_year))
        s.add(_sentence(" ".join(parts), facts["n_min"]))
        status = aim_status_sentence(r, facts)
        if status:
            gap = facts["to_target"]
            if gap:
                status += (
                    f" At the target rate, about {gap:,} more of this year's {facts['people']} "
                    "would count."
                )
            s.add(_sentence(status, facts["n_min"], cls="netlab-sentence netlab-aim-status"))
        outlook = _outlook_words(r, yr, not facts["own"], facts["direction"])
        if outlook:
            s.add(_sentence(outlook))
    target = aim.target if not facts["own"] else None
    s.add(
        _draw(
            plots.trend_with_target,
            shown,
            target,
            target_year=aim.by.year if target is not None else None,
            baseline_year=aim.baseline_year,
            title=facts["short"],
            alt=f"{label} for {who} by year"
            + (f", with the target of {_pct(target)}" if target else ""),
            caption=f"{_E(label)}, {_E(who)}, {_E(where)}; suppressed years are not drawn.",
            n_min=shown["denominator"].min(),
        )
    )
    if yr["suppressed"].any():
        s.add(_suppressed_note(r, "A year's figure"))
    s.add(
        table(
            yr,
            [
                Col("year", "Year"),
                Col("denominator", "Students", "n", n="denominator"),
                Col("numerator", facts["short"], "count", n="denominator"),
                Col("rate", "Rate", "rate", n="denominator"),
            ],
            min_cell=r.min_cell,
            caption=f"{_E(label)}: {_E(who)}, {_E(where)}",
            fold=True,
        )
    )
    return s


def measure_results(r: Report) -> Section:
    """The unit's focal-group results on every measure over the years, with the network."""
    s = Section("measures")
    rates = r.prepared.rates
    group = "focal"
    rows = rates.loc[rates["group"] == group]
    if rows.empty:
        return s.add(unavailable("Results for the focal group"))
    mine = rows.loc[rows["unit_id"].astype(str) == str(r.unit_id)] if r.unit_id else rows
    unit_tot = mine.groupby(["measure", "year"], as_index=False)[
        ["numerator", "denominator"]
    ].sum()
    unit_tot = privacy.suppress(
        unit_tot.assign(
            rate=unit_tot["numerator"] / unit_tot["denominator"].where(unit_tot["denominator"] > 0)
        ),
        min_cell=r.min_cell,
    )
    net = rows.groupby(["measure", "year"], as_index=False)[["numerator", "denominator"]].sum()
    net = net.assign(
        network_rate=net["numerator"] / net["denominator"].where(net["denominator"] > 0)
    )
    years = sorted(unit_tot["year"].unique())[-5:]
    latest = years[-1] if years else None
    wide = []
    for measure, cell in unit_tot.groupby("measure", sort=False):
        row: dict[str, Any] = {"measure": _measure_label(r, measure, short=True)}
        for y in years:
            hit = cell.loc[cell["year"] == y]
            row[f"r{y}"] = hit["rate"].iloc[0] if len(hit) else np.nan
            row[f"n{y}"] = (
                hit["denominator"].iloc[0] if len(hit) and not hit["suppressed"].iloc[0] else 0
            )
        nhit = net.loc[(net["measure"] == measure) & (net["year"] == latest)]
        row["network"] = nhit["network_rate"].iloc[0] if len(nhit) else np.nan
        row["n_network"] = nhit["denominator"].iloc[0] if len(nhit) else 0
        wide.append(row)
    frame = pd.DataFrame(wide)
    cols = [Col("measure", "Measure")]
    cols += [Col(f"r{y}", str(y), "rate", n=f"n{y}") for y in years]
    if r.unit_id is not None:
        cols.append(Col("network", f"Network {latest}", "rate", n="n_network"))
    where = r.unit_name if r.unit_id else "the network"
    s.add(
        _sentence(
            f"Every measure for {_who(r, group)} at {_E(where)}, by graduating class"
            + (", with the whole network's latest rate for context." if r.unit_id else "."),
            cls="netlab-lede",
        )
    )
    s.add(
        table(
            frame,
            cols,
            min_cell=r.min_cell,
            caption=f"{_E(_capital(_who(r, group)))}: rate by year",
        )
    )
    if (unit_tot["suppressed"]).any():
        s.add(_suppressed_note(r, "A measure-year"))
    m = r.prepared.measures
    if m is not None and len(m) and "denominator_label" in m.columns:
        items = "".join(
            f"<li>{_E(str(row.label))}: of {_E(str(row.denominator_label))}.</li>"
            for row in m.itertuples()
            if isinstance(row.denominator_label, str) and row.measure in set(unit_tot["measure"])
        )
        if items:
            s.add(
                f'<details class="netlab-definitions"><summary>How each rate is counted'
                f"</summary><ul>{items}</ul></details>"
            )
    return s


def funnel_position(r: Report) -> Section:
    """The unit's place in the network's funnel for its measure (peers unnamed)."""
    return funnel(r, highlight=r.unit_id)


def funnel(r: Report, *, highlight: str | None = None) -> Section:
    """Funnel plot of the focal measure for the focal group in the latest year."""
    s = Section("funnel")
    measure = r.measure
    label = _measure_label(r, measure)
    short = _measure_label(r, measure, short=True)
    # The network rate is shown: one hidden unit could be recovered from the others.
    look = lookup(r, "variation__funnel", "The funnel plot", measure=measure, hide_by=["year"])
    limits = lookup(r, "variation__funnel_limits", "The funnel plot", measure=measure, n=None)
    if not (look.fitted and limits.fitted):
        return s.add(unavailable("The funnel plot"))
    if look.missing:
        return s.add(look.missing)
    f, shown, lim = look.frame, look.shown, limits.frame
    year = int(f["year"].max())
    hidden = int(f["suppressed"].sum())
    s.add(
        _draw(
            plots.funnel,
            shown.assign(unit_id=shown["label"]),
            lim,
            highlight=r.unit_name if highlight is not None else None,
            label_units=False,
            title=f"{short}, {year}",
            alt=f"Funnel plot of {label} for {_who(r, 'focal')}, {year}",
            caption=f"{_E(label)}, {_E(_who(r, 'focal'))}, {year}: each point is a "
            f"{r.noun.lower()}; the lines are the 95% and 99.8% limits around the network "
            "rate."
            + (
                " The limits are exact binomial ones, so a small "
                f"{r.noun.lower()} is not flagged by chance more often than the limits say."
                if "exact" in f and f["exact"].any()
                else ""
            )
            + ("" if r.names_peers else f" Other {r.noun.lower()}s are not named."),
            n_min=shown["denominator"].min() if len(shown) else None,
            size=(6.4, 4.0),
        )
    )
    if hidden:
        s.add(
            _note(
                funnel_hidden_words(hidden, r.noun.lower(), r.min_cell),
                cls="netlab-suppressed-note",
            )
        )
    target = float(f["target"].iloc[0]) if "target" in f.columns else np.nan
    if highlight is not None:
        mine = f.loc[f["unit_id"].astype(str) == str(highlight)]
        if mine.empty:
            s.add(unavailable(f"{r.unit_name}'s point"))
        elif bool(mine["suppressed"].iloc[0]):
            s.add(_suppressed_note(r, f"{r.unit_name}'s point"))
        else:
            m = mine.iloc[0]
            s.add(
                _sentence(
                    funnel_position_words(
                        short=short,
                        year=year,
                        rate=m.rate,
                        n=m.denominator,
                        who=_who(r, "focal"),
                        where=r.unit_name,
                        network_rate=target,
                        flag=m.get("flag"),
                    ),
                    m.denominator,
                )
            )
    else:
        flagged = (
            shown.loc[shown["flag"].isin(["above", "below"])]
            if "flag" in shown
            else shown.iloc[:0]
        )
        s.add(
            table(
                flagged.sort_values("rate", ascending=False),
                [
                    Col("label", r.noun),
                    Col("denominator", "Students", "n", n="denominator"),
                    Col("rate", "Rate", "rate", n="denominator"),
                    Col("flag", "Outside the 99.8% limits"),
                ],
                min_cell=r.min_cell,
                caption=f"{r.noun}s outside the outer limits ({len(flagged)} of {len(f)})",
                fold=8,
            )
            if len(flagged)
            else _sentence(f"No {r.noun.lower()} lies outside the outer (99.8%) limits in {year}.")
        )
    return s


def equity_gaps(r: Report) -> Section:
    """Gaps between focal students and the rest, with intervals."""
    s = Section("equity")
    measure = r.measure
    label = _measure_label(r, measure)
    look = lookup(
        r,
        "variation__equity_gaps",
        "Equity gaps",
        measure=measure,
        unit=True,
        latest=r.unit_id is None,
        n=("focal_denominator", "ref_denominator"),
        why=""
        if r.prepared.has_students
        else "not available from public files (they carry no student groups)",
        empty=f"Equity gaps on {_phrase(r, measure)}",
    )
    if look.missing:
        return s.add(look.missing)
    g, shown = look.frame, look.shown
    s.add(
        _draw(
            plots.equity_gaps,
            shown.assign(unit_id=shown["label"]),
            highlight=r.unit_name if r.unit_id is not None else None,
            label_units=False,  # the table below names them; names under the axis crowd it
            title=f"{_measure_label(r, measure, short=True)}: focal students minus the rest",
            tight=r.unit_id is None,
            alt=f"Gap in {label} between focal students and the rest",
            caption=f"{_E(label)}: focal students minus the rest, percentage points, "
            "with 95% intervals.",
            n_min=shown["n_min"].min() if len(shown) else None,
        )
        if len(shown)
        else _suppressed_note(r, "The gap")
    )
    cols = [Col("label", r.noun)] if r.unit_id is None else [Col("year", "Year")]
    cols += [
        Col("focal_denominator", "Focal students", "n", n="focal_denominator"),
        Col("focal_rate", "Focal", "rate", n="n_min"),
        Col("ref_denominator", "Other students", "n", n="ref_denominator"),
        Col("ref_rate", "Others", "rate", n="n_min"),
        Col("gap_pp", "Gap (pp)", "num1", n="n_min"),
        Col("low_pp", "from", "num1", n="n_min"),
        Col("high_pp", "to", "num1", n="n_min"),
    ]
    order = g.sort_values("gap_pp") if r.unit_id is None else g.sort_values("year")
    s.add(
        table(
            order,
            [c for c in cols if c.key in g.columns or c.key == "label"],
            min_cell=r.min_cell,
            caption=f"{_E(label)}: equity gap (focal minus other students)",
            fold=8 if r.unit_id is None else False,
        )
    )
    if g["suppressed"].any():
        s.add(_suppressed_note(r, "A gap"))
    return s


def data_quality(r: Report) -> Section:
    """What the data rests on: rows read, kept and excluded, and the unit's own records."""
    s = Section("quality")
    q = r.prepared.quality
    if q is not None and len(q):
        frame = q.loc[q["rows_in"] > 0].copy()
        frame["table"] = frame["table"].map(table_name)
        for col in ("rows_in", "rows_kept", "rows_excluded"):
            frame[col] = frame[col].astype("float64")
        # a handful of excluded rows is itself a small count: say "fewer than N"
        frame["excluded"] = [_small(v, r.min_cell) for v in frame["rows_excluded"]]
        s.add(
            table(
                frame,
                [
                    Col("table", "Table"),
                    Col("file", "File"),
                    Col("rows_in", "Rows read", "count"),
                    Col("rows_kept", "Rows kept", "count"),
                    Col("excluded", "Rows excluded"),
                ],
                min_cell=r.min_cell,
                caption=(
                    "The network's data this term: each export as the hub holds it, then "
                    "each table made from it"
                    if (getattr(r.prepared, "sources", None) or {}).get("joins") is not None
                    else "The network's data this term"
                )
                + " (every excluded row is listed, with its reason, in the hub's quality log)",
                fold=r.unit_id is None,
            )
        )
    _joins(r, s)
    others = [] if r.names_peers else _other_units(r)
    for note in getattr(r.prepared, "notes", []) or []:
        # a run-wide note that names another school stays out of this school's report
        if not any(o in str(note) for o in others):
            s.add(_note(_E(str(note))))
    if not r.prepared.has_students:
        s.add(
            _note(
                "This run has school-level counts only: sections that need student "
                "records (case-mix adjustment, student-level models) are not available."
            )
        )
    if r.unit_id is not None:
        rates = r.prepared.rates
        mine = rates.loc[rates["unit_id"].astype(str) == str(r.unit_id)]
        base = mine.loc[mine["measure"] == _base_measure(mine, _every_senior(r))]
        per = base.pivot_table(index="year", columns="group", values="denominator", aggfunc="sum")
        if "all" in per.columns:
            per = per.reset_index()
            focal = per["focal"] if "focal" in per.columns else per["all"]
            rest = per["all"] - focal
            # All seniors minus the focal students shown elsewhere would give away a small
            # group of other students: hide the total in those years.
            per["suppressed"] = (rest > 0) & privacy.too_small(rest, r.min_cell)
            s.add(
                table(
                    per,
                    [Col("year", "Year"), Col("all", "Seniors on record", "n", n="all")],
                    min_cell=r.min_cell,
                    caption=f"{_E(r.unit_name)}: records behind this report",
                )
            )
            if per["suppressed"].any():
                s.add(
                    _suppressed_note(
                        r,
                        "A year's total, which with the focal count would single out a small group,",
                    )
                )
    return s


def _small(value: float, min_cell: int) -> str:
    """A count of records as shown: none, fewer than the minimum cell, or the number."""
    if pd.isna(value) or value == 0:
        return "none"
    return f"fewer than {min_cell}" if privacy.too_small(value, min_cell) else f"{int(value):,}"


def _joins(r: Report, s: Section) -> None:
    """How the exports were joined on the student, the college codes, the schools' context."""
    sources = getattr(r.prepared, "sources", None) or {}
    joins = sources.get("joins")
    if joins is not None and len(joins):
        frame = joins.assign(shown=[_small(v, r.min_cell) for v in joins["count"]])
        frame["source"] = frame["source"].map(table_name)  # "studenttracker" → its label
        s.add(
            table(
                frame,
                [
                    Col("source", "Export"),
                    Col("file", "File"),
                    Col("what", "Joined on the student"),
                    Col("shown", "Count"),
                ],
                min_cell=r.min_cell,
                caption="Every join counted: roster students with and without a row in each "
                "file, and file rows whose student is not on the roster",
            )
        )
    codes = sources.get("college_codes")
    lost = codes[codes["unitid"].isna()] if codes is not None else None
    if lost is not None and len(lost):
        # The run's notes say how many codes mapped; this says whom the others concern.
        shown = int(lost["first_college_of"].sum()) if "first_college_of" in lost else 0
        s.add(
            _note(
                f"{len(lost):,} college code(s) in the StudentTracker file map to no IPEDS "
                f"UnitID: the first college of {_small(shown, r.min_cell)} students, whose "
                "college's graduation rate is therefore unknown (they still count as enrolled)."
            )
        )
    lacking = _lacking_context(r)
    if lacking:
        s.add(_note(_E(lacking)))


_CONTEXT_USE = {
    "district": "the district unit and the same-district preference in live cases",
    "cohort": "traction by cohort (the year a team joined)",
    "share_low_income": "live-case matching on the share of low-income students",
    "enrollment": "school size where seniors on record are not known",
}


def _lacking_context(r: Report) -> str:
    """A sentence naming the context columns the schools table lacks and what they feed."""
    schools = r.prepared.tables.get("schools")
    if schools is None:
        return ""
    missing = [c for c in _CONTEXT_USE if c not in schools.columns or schools[c].isna().all()]
    if not missing:
        return ""
    names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " or " + missing[-1]
    uses = "; ".join(f"{c} feeds {_CONTEXT_USE[c]}" for c in missing)
    return (
        f"The schools table has no {names} column, so the analyses that need "
        f"{'it' if len(missing) == 1 else 'them'} use what there is or are not shown ({uses})."
    )


def _other_units(r: Report) -> list[str]:
    """Ids and names of every unit but the report's own."""
    units = r.prepared.units
    mine = units["unit_id"].astype(str) == str(r.unit_id)
    rest = units.loc[~mine]
    names = rest.get("unit_name", rest["unit_id"]).astype(str).tolist()
    return [n for n in [*rest["unit_id"].astype(str).tolist(), *names] if n]


def _every_senior(r: Report) -> list[str]:
    """The measures whose denominator is every senior (``counts_every_senior`` in YAML)."""
    from netlab import measures

    defs = {**measures.builtin_measures(), **(r.params.measures or {})}
    return [name for name, d in defs.items() if d.counts_every_senior]


def _base_measure(rates: pd.DataFrame, every_senior: list[str]) -> str:
    """A measure whose denominator is every senior (for counts of records)."""
    found = set(rates["measure"])
    for m in every_senior:
        if m in found:
            return m
    return sorted(found)[0] if found else ""
