"""PDSA activity: cycles each team ran per term or school year, and what it decided."""

from __future__ import annotations

import pandas as pd

from netlab.checks import check_argument, check_columns
from netlab.traction._stages import _TEAM
from netlab.traction._terms import _school_year, term_of

__all__ = ["pdsa_activity"]

DECISIONS = ("adopt", "adapt", "abandon")


def pdsa_activity(pdsa: pd.DataFrame, *, by: str = "term") -> pd.DataFrame:
    """PDSA activity per team and term: cycles run, drivers covered, decisions.

    Parameters
    ----------
    pdsa : DataFrame
        The pdsa table: ``school_id``, ``cycle_id``, ``driver``, ``start_date``,
        ``decision`` (``"adopt"``, ``"adapt"``, ``"abandon"`` or missing while a cycle runs).
    by : {"term", "school_year"}, default "term"
        ``"term"``: the term a cycle started in (see :func:`term_of`); ``"school_year"``:
        the school year it started in, named by its spring (August 2025 to July 2026 is 2026).

    Returns
    -------
    DataFrame
        ``school_id``, the ``by`` column, ``cycles`` (distinct cycles started), ``drivers``
        (distinct drivers they addressed), ``adopt``, ``adapt``, ``abandon`` and ``pending``
        (cycles without a decision yet).
    """
    check_argument("by", ["term", "school_year"], by)
    check_columns(pdsa, [_TEAM, "cycle_id", "driver", "start_date", "decision"], what="pdsa")
    frame = pdsa[[_TEAM, "cycle_id", "driver", "start_date", "decision"]].copy()
    frame[_TEAM] = frame[_TEAM].astype(str)
    frame[by] = term_of(frame["start_date"]) if by == "term" else _school_year(frame["start_date"])
    decision = frame["decision"].astype("string").str.strip().str.lower()
    frame["decision"] = decision.where(decision.isin(DECISIONS), "pending")
    cycles = frame.drop_duplicates([_TEAM, "cycle_id"])
    keys = [_TEAM, by]
    out = cycles.groupby(keys, dropna=False).agg(
        cycles=("cycle_id", "nunique"), drivers=("driver", "nunique")
    )
    decisions = pd.crosstab([cycles[_TEAM], cycles[by]], cycles["decision"])
    decisions = decisions.reindex(columns=[*DECISIONS, "pending"], fill_value=0)
    out = out.join(decisions).fillna(0).reset_index()
    for c in ["cycles", "drivers", *DECISIONS, "pending"]:
        out[c] = out[c].astype(int)
    return out.sort_values(keys, ignore_index=True)
