"""What a live-case brief says about a pair: why alike, the learning stance, a paragraph."""

from __future__ import annotations

from typing import Any

import pandas as pd

from netlab.names import display_name

__all__ = [
    "NO_CONTEXT",
    "alike",
    "context_words",
    "gap_words",
    "pair_reasons_words",
    "paragraphs",
    "rubric_score",
    "stance",
]


def _labels(pairs: pd.DataFrame, unit_label: str, name_units: bool) -> dict[str, str]:
    if name_units:
        named = dict(zip(pairs["host"], pairs["host_name"], strict=True))
        named.update(zip(pairs["visitor"], pairs["visitor_name"], strict=True))
        return {k: display_name(v) for k, v in named.items()}
    # Unnamed: hosts are "School A", "School B"; their visitors "School A1", "School A2".
    names: dict[str, str] = {}
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for i, host in enumerate(dict.fromkeys(pairs["host"])):
        tag = letters[i % 26] + (str(i // 26) if i >= 26 else "")
        names[host] = f"{unit_label} {tag}"
        for j, visitor in enumerate(pairs.loc[pairs["host"] == host, "visitor"], start=1):
            names.setdefault(visitor, f"{unit_label} {tag}{j}")
    return names


def rubric_score(value: float) -> str:
    """A rubric score: whole as "3", a district's mean of its schools' as "2.7".

    Parameters
    ----------
    value : float
        A traction rubric score (1 to 4), or a mean of such scores.

    Returns
    -------
    str
        A whole score as it is ("3"), any other with one decimal ("2.7").
    """
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


def _share(x: Any) -> str | None:
    return None if x is None or pd.isna(x) else f"{100 * float(x):.0f}%"


def _who(group_label: str) -> str:
    """ "Black, Latinx, Indigenous or low-income students"; "all students" for everyone."""
    from netlab.names import in_sentence

    label = in_sentence(str(group_label).strip())
    if label.lower() in ("all", "all students", "students", ""):
        return "all students"
    return label if label.lower().endswith("students") else f"{label} students"


def pair_reasons_words(row: Any) -> str:
    """Why a pair was suggested, in one short line: distance, district, gap, stance.

    Parameters
    ----------
    row : Series or mapping
        One row of :func:`netlab.livecase.match`.

    Returns
    -------
    str
        E.g. "context distance 0.42; gap 12.0 pp (95% CI 4.1 to 19.8)".
    """
    parts = [f"context distance {row['distance']:.2f}"]
    if row["same_district"]:
        parts.append("same district")
    parts.append(
        f"gap {row['gap_pp']:.1f} pp (95% CI {row['gap_low_pp']:.1f} to {row['gap_high_pp']:.1f})"
    )
    if pd.notna(row["visitor_pdsa_cycles"]):
        parts.append(f"{int(row['visitor_pdsa_cycles'])} PDSA cycles in the last year")
    if pd.notna(row["visitor_ownership"]):
        parts.append(f"ownership {rubric_score(row['visitor_ownership'])}/4")
    return "; ".join(parts)


def alike(
    row: Any,
    *,
    size_label: str = "seniors",
    name_units: bool = True,
    unit_label: str = "school",
    focal_label: str = "focal students",
) -> str:
    """Why a host and a visitor are alike, in a few words (only what the data holds).

    Parameters
    ----------
    row : namedtuple or Series
        One row of :func:`match`.
    size_label : str
        What the size counts.
    name_units : bool
        Name the district when both units are in it.
    unit_label : str
        "school" or "district".
    focal_label : str
        What the share of focal students is called.

    Returns
    -------
    str
        e.g. "focal students 62% and 58%; low-income 71% and 66%; 410 and 380 seniors;
        same district"; "context not in the data" when none of it is.
    """
    parts = []
    hf, vf = _share(row.host_share_focal), _share(row.visitor_share_focal)
    if hf and vf:
        parts.append(f"{focal_label} {hf} and {vf}")
    hl, vl = _share(row.host_share_low_income), _share(row.visitor_share_low_income)
    if hl and vl:
        parts.append(f"low-income {hl} and {vl}")
    if pd.notna(row.host_size) and pd.notna(row.visitor_size):
        parts.append(f"{row.host_size:,.0f} and {row.visitor_size:,.0f} {size_label}")
    if not parts:  # shares and size: what "alike in context" rests on
        parts.append(f"{unit_label} context not in the data")
    if bool(row.same_district) and pd.notna(row.host_district):
        parts.append(
            f"both in {display_name(row.host_district)}" if name_units else "same district"
        )
    return "; ".join(parts)


def stance(row: Any) -> str:
    """The visitor's learning stance in a few words, from PDSA cycles and ownership.

    Parameters
    ----------
    row : Any
        The visitor's row of the live-case context (PDSA cycles, ownership).

    Returns
    -------
    str
        The visitor's PDSA cycles in the last year ("no PDSA cycles in the last year") and
        its ownership score out of 4, joined by "; ", each only where known; "not in the
        data" when neither is.
    """
    parts = []
    if pd.notna(row.visitor_pdsa_cycles):
        n = int(row.visitor_pdsa_cycles)
        count = "no" if n == 0 else str(n)
        parts.append(f"{count} PDSA cycle{'s' if n != 1 else ''} in the last year")
    if pd.notna(row.visitor_ownership):
        parts.append(f"ownership {rubric_score(row.visitor_ownership)} of 4")
    return "; ".join(parts) if parts else "not in the data"


def paragraphs(
    pairs: pd.DataFrame,
    *,
    unit_label: str = "school",
    measure_label: str,
    group_label: str,
    name_units: bool = True,
    size_label: str = "seniors",
    focal_phrase: str = "in the focal group",
) -> list[str]:
    """A short plain paragraph for each suggested pair.

    A clause whose values the data does not hold (a school's share of focal students, its
    size) is left out rather than written with a placeholder; when no context is known the
    paragraph says that the pair rests on results alone.

    Parameters
    ----------
    pairs : DataFrame
        Output of :func:`match`.
    unit_label : str, default "school"
    measure_label : str
        The measure as a noun phrase, e.g. ``"Enrolled where likely to graduate"`` (its
        first letter is lowered inside the sentence unless it starts a name or an acronym).
    group_label : str
        The focal group, e.g. ``"Black, Latinx, Indigenous or low-income"`` (``"students"``
        is added when the label does not end with it).
    name_units : bool, default True
        Name the units; if False, call hosts "School A", "School B", ... and their
        visitors "School A1", "School A2", ...
    size_label : str, default "seniors"
        What the size counts.
    focal_phrase : str, default "in the focal group"
        How the share of focal students reads ("... of their students are <phrase>");
        empty, the share is not said (when every student is focal).

    Returns
    -------
    list of str
        One paragraph per row of ``pairs``, in order.
    """
    from netlab.names import in_sentence

    if pairs.empty:
        return []
    names = _labels(pairs, unit_label.capitalize(), name_units)
    who = _who(group_label)
    measure = in_sentence(measure_label)
    out = []
    for row in pairs.itertuples(index=False):
        host, visitor = names[row.host], names[row.visitor]
        text = _pair_words(row, host, visitor, unit_label, name_units, size_label, focal_phrase)
        text += _rates_words(row, host, visitor, measure, who)
        said = stance(row)
        if said != "not in the data":
            text += f" {visitor}'s learning stance: {said}."
        out.append(text)
    return out


def _pair_words(
    row: Any,
    host: str,
    visitor: str,
    unit_label: str,
    name_units: bool,
    size_label: str,
    focal_phrase: str,
) -> str:
    """Who could host whom, and how alike their contexts are (what the data holds)."""
    context = []
    hf, vf = _share(row.host_share_focal), _share(row.visitor_share_focal)
    hl, vl = _share(row.host_share_low_income), _share(row.visitor_share_low_income)
    if hf and vf and focal_phrase:
        context.append(f"{hf} and {vf} of their students are {focal_phrase}")
    if hl and vl:
        context.append(f"{hl} and {vl} are from low-income families")
    if pd.notna(row.host_size) and pd.notna(row.visitor_size):
        context.append(f"with {row.host_size:,.0f} and {row.visitor_size:,.0f} {size_label}")
    where = ""
    if bool(row.same_district):
        where = (
            f"both in {display_name(row.host_district)}"
            if name_units and pd.notna(row.host_district)
            else "in the same district"
        )
    if context:
        return (
            f"{host} could host {visitor}, one of the {unit_label}s closest to it in "
            f"context: {', '.join(context)}" + (f", {where}." if where else ".")
        )
    return (
        f"{host} could host {visitor}"
        + (f", {where}" if where else "")
        + (
            ". Their context (shares of focal and low-income students, size) is not in "
            "the data, so the pair rests on results alone."
        )
    )


def _rates_words(row: Any, host: str, visitor: str, measure: str, who: str) -> str:
    """The two rates on the measure and the gap with its interval ("" when not known)."""
    rates = _share(row.host_rate), _share(row.visitor_rate)
    if not all(rates):
        return ""
    text = (
        f" In {row.year}, {measure} for {who} was {rates[0]} at {host} and {rates[1]} at {visitor}"
    )
    if pd.notna(row.gap_pp):
        text += f", a gap of {row.gap_pp:.0f} percentage points"
        if pd.notna(row.gap_low_pp) and pd.notna(row.gap_high_pp):
            text += f" (95% interval {row.gap_low_pp:.0f} to {row.gap_high_pp:.0f})"
    return text + "."


#: What a report says when the schools table gives the matching nothing to compare.
NO_CONTEXT = (
    "No live cases: the schools table holds no context (size, share of low-income or focal "
    "students) by which to find {noun}s alike, and pairing without it would be arbitrary. "
    "Add seniors or enrollment to schools.csv."
)


def context_words(context: pd.DataFrame | None, noun: str) -> str | None:
    """What the matching compared units on, in words ("size (seniors, or enrollment): 36
    schools"); "" when it had nothing; None when the run kept no record of it.

    Parameters
    ----------
    context : DataFrame or None
        :func:`netlab.livecase.context_used` of the run.
    noun : str
        "school" or "district".

    Returns
    -------
    str or None
        One "label: N units" part per context variable the matching used (the district
        aside), joined by "; " ("size (seniors, or enrollment): 36 schools"); "" when it
        used none; None when the run kept no record of it.
    """
    if context is None or not len(context) or "used" not in context.columns:
        return None
    used = context[context["used"].astype(bool) & (context["variable"] != "district")]
    parts = [f"{row.label}: {int(row.units_with):,} {noun}s" for row in used.itertuples()]
    return "; ".join(parts)


def gap_words(gap: float, low: float, high: float) -> str:
    """A gap in percentage points with its interval, kept on one line: "12 points (3 to 20)".

    Parameters
    ----------
    gap, low, high : float
        The gap and its interval, in percentage points (missing: "—").

    Returns
    -------
    str
        The gap in whole points, then its interval in brackets when both ends are known,
        joined by no-break spaces so it stays on one line; "—" when the gap is missing.
    """
    if pd.isna(gap):
        return "—"
    # no-break spaces: the interval stays on one line in a narrow column
    text = f"{gap:.0f}\u00a0points"
    if pd.notna(low) and pd.notna(high):
        text += f" ({low:.0f}\u00a0to\u00a0{high:.0f})"
    return text
