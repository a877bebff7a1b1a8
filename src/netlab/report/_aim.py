"""The aim's sections: where the unit (or the network) stands against the run's aim, in
rates and in students, whether it is on track, and where its present pace may lead."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from netlab import plots, privacy
from netlab.report._html import (
    _E,
    Col,
    Section,
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
    unavailable,
)
from netlab.report._notes import year_notes
from netlab.report._shared import yearly
from netlab.words import (
    aim_outlook_words,
    aim_status_words,
    more_students_words,
    to_target_words,
)

if TYPE_CHECKING:
    from netlab.report._context import Report


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


def _no_baseline_sentence(r: Report, facts: dict[str, Any]) -> str:
    """The latest rate when the baseline year has no figure that can be shown."""
    aim, latest = r.params.aim, facts["latest"]
    return _sentence(
        f"<strong>{_E(facts['short'])}</strong> for {_E(facts['who'])} {facts['at']}: "
        f"{_pct(latest.rate)} in "
        f"{int(latest.year)} ({_int(latest.numerator)} of {_int(latest.denominator)}). "
        + (
            f"The baseline year {aim.baseline_year} has no figure that can be shown, so "
            "progress since then is not computed."
            if int(latest.year) != aim.baseline_year
            else "This is the baseline year; progress is measured from here."
        ),
        latest.denominator,
    )


def _progress_sentences(r: Report, facts: dict[str, Any]) -> list[str]:
    """The latest rate against the baseline, the aim's status and the outlook."""
    aim, latest, b = r.params.aim, facts["latest"], facts["base"]
    parts = [
        f"<strong>{_E(facts['short'])}</strong> for {_E(facts['who'])} {facts['at']}: "
        f"{_pct(latest.rate)} in "
        f"{int(latest.year)} ({_int(latest.numerator)} of {_int(latest.denominator)}), "
        f"against {_pct(b.rate)} in the baseline year {aim.baseline_year} "
        f"({_int(b.numerator)} of {_int(b.denominator)})."
    ]
    parts.append(more_students_words(facts["more"], facts["people"], aim.baseline_year))
    out = [_sentence(" ".join(parts), facts["n_min"])]
    status = aim_status_sentence(r, facts)
    if status:
        gap = facts["to_target"]
        if gap:
            status += to_target_words(gap, facts["people"])
        out.append(_sentence(status, facts["n_min"], cls="netlab-sentence netlab-aim-status"))
    outlook = _outlook_words(r, facts["yearly"], not facts["own"], facts["direction"])
    if outlook:
        out.append(_sentence(outlook))
    return out


def _aim_chart_and_table(r: Report, facts: dict[str, Any]) -> list[str]:
    """The trend with the target line, a note on suppressed years and the yearly table."""
    aim, yr, shown = r.params.aim, facts["yearly"], facts["shown"]
    who, label, where = facts["who"], facts["label"], facts["where"]
    target = aim.target if not facts["own"] else None
    out = [
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
    ]
    if yr["suppressed"].any():
        out.append(_suppressed_note(r, "A year's figure"))
    out.append(
        table(
            yr,
            [
                Col("year", "Year"),
                Col("denominator", "Students", "n", n="denominator"),
                Col("numerator", facts["short"], "count", n="denominator"),
                Col("rate", "Rate", "rate", n="denominator"),
            ],
            min_cell=r.min_cell,
            band_below=r.band_below,
            caption=f"{_E(label)}: {_E(who)}, {_E(where)}",
            fold=True,
        )
    )
    return out


def aim_progress(r: Report) -> Section:
    """Progress toward the run's aim, in rates and in students, with the target line.

    Parameters
    ----------
    r : Report
        The report's context (from :func:`netlab.report.open_report`).

    Returns
    -------
    Section
        What the notebook cell shows: sentences, table and figure, privacy rules applied.
    """
    s = Section("aim")
    aim = r.params.aim
    facts = aim_facts(r)
    if facts is None:
        label = _measure_label(r, r.params.team_measures.get(str(r.unit_id), aim.measure))
        return s.add(unavailable(f"The aim's measure ({label})"))
    who, phrase, latest = facts["who"], facts["phrase"], facts["latest"]
    if latest is None:
        plain_at = f"at {facts['where']}" if r.unit_id is not None else "across the network"
        return s.add(_suppressed_note(r, f"Progress on {phrase} for {who} {plain_at}"))
    note = year_notes(r, [aim.baseline_year, latest.year])
    if note:
        s.add(note)
    if facts["own"]:
        s.add(
            _note(
                f"This {r.noun.lower()}'s team works on its own indicator, {_E(phrase)}; "
                f"the network's target ({_pct(aim.target)}) is for "
                f"{_E(_phrase(r, aim.measure))} and is not drawn here."
            )
        )
    if facts["base"] is None:
        s.add(_no_baseline_sentence(r, facts))
    else:
        for part in _progress_sentences(r, facts):
            s.add(part)
    for part in _aim_chart_and_table(r, facts):
        s.add(part)
    return s
