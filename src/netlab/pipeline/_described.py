"""Measures a file brings that the run's registry does not define: each gets its words.

A counts file's wide block may create a measure the run never declared (a state file's
``fafsa_submitted``); its description's ``labels`` say how it reads, and a measure with no
words anywhere reads as its name with acronyms in capitals, never as a raw id. Its figures
are judged on the window every measure without one has (known at graduation), and its row
says so, as the registry's rows do.
"""

from __future__ import annotations

import pandas as pd

from netlab import measures

# Written this way on every page (the text check's acronyms that can be one word of an id).
_CAPS = {a.casefold(): a for a in ("FAFSA", "CADAA", "GPA", "IPEDS", "NCES", "CSU", "UC", "AP")}


def label_from_id(measure: str) -> str:
    """``fafsa_submitted`` -> ``FAFSA submitted``: words, acronyms as written, a capital."""
    words = [_CAPS.get(w.casefold(), w) for w in str(measure).split("_") if w]
    text = " ".join(words) or str(measure)
    return text[:1].upper() + text[1:]


def with_described_measures(
    frame: pd.DataFrame, rates: pd.DataFrame, labels: pd.DataFrame | None
) -> pd.DataFrame:
    """The measures frame plus a row for each measure of ``rates`` it lacks.

    Parameters
    ----------
    frame : DataFrame
        :func:`netlab.measures.measures_frame` of the run's registry.
    rates : DataFrame
        The run's rates (a ``measure`` column).
    labels : DataFrame, optional
        ``measure``, ``label``, ``short_label``, ``denominator_label`` from descriptions.
    """
    known = set(frame["measure"])
    extra = [m for m in pd.unique(rates["measure"]) if m not in known] if len(rates) else []
    if not extra:
        return frame
    words = labels.set_index("measure") if labels is not None and len(labels) else None
    rows = []
    window = measures.AT_GRADUATION  # the window apply_windows gives a measure without one
    for m in extra:
        got = words.loc[m].to_dict() if words is not None and m in words.index else {}
        label = got.get("label") or label_from_id(m)
        rows.append(
            {
                "measure": m,
                "label": label,
                "direction": measures.direction(m),
                "kind": "interim",
                "table": "counts",
                "denominator_label": got.get("denominator_label") or "students counted",
                "short_label": got.get("short_label") or label,
                "window_years": int(window.years),
                "window_month": int(window.month),
                "window_day": int(window.day),
                "provisional": bool(window.provisional),
                "final_when": window.describe(),
            }
        )
    return pd.concat([frame, pd.DataFrame(rows, columns=frame.columns)], ignore_index=True)
