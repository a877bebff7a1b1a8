"""Four generated FAFSA seasons: the sentences say what the chart's data show."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netlab import spc
from netlab.words import season_pace_words

WEEKS = np.arange(1, 31)
N = 3000  # seniors each season: enough for the standing's interval to exclude 0


def _season(pace_now: np.ndarray, pace_before: np.ndarray) -> pd.DataFrame:
    """Cumulative curves from weekly new completions (shares of seniors)."""
    return pd.DataFrame(
        {"week": WEEKS, "rate": np.cumsum(pace_now), "prior_rate": np.cumsum(pace_before)}
    )


def _wiggle() -> np.ndarray:
    return np.where(WEEKS % 2 == 0, 0.0015, -0.0015)  # crosses 0 every week: no signal


BASE = np.full(len(WEEKS), 0.02)
SHAPES = {
    # early weeks faster, then 18 weeks slower: still ahead at the end, the lead narrowing
    "ahead_slowing": (BASE + np.where(WEEKS <= 12, 0.01, -0.004), BASE),
    "behind_catching_up": (BASE + np.where(WEEKS <= 12, -0.01, 0.004), BASE),
    "level": (BASE + _wiggle(), BASE),
    # last season started late (nothing until week 4); this season ahead all year, same pace
    "ahead_throughout": (BASE + _wiggle(), np.where(WEEKS < 4, 0.0, BASE + 0.0)),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_sentences_agree_with_the_chart(shape):
    series = _season(*SHAPES[shape])
    pace = spc.season_pace(series)
    text = season_pace_words(pace, n=N, prior_n=N)
    stands, moving = text.split(" How it is moving: ")
    last = series.iloc[-1]
    gap = last["rate"] - last["prior_rate"]
    # where it stands: the chart's last point, this season against last
    assert f"{100 * last['rate']:.0f}% against {100 * last['prior_rate']:.0f}%" in stands
    if shape == "level":
        assert "not clearly ahead of or behind last season" in stands
    else:
        assert ("ahead of" in stands) == (gap > 0) and ("behind" in stands) == (gap < 0)
    # how it is moving: the latest weeks' new completions against last season's
    recent = (series["rate"].diff() - series["prior_rate"].diff()).iloc[-10:].mean()
    if shape == "ahead_slowing":
        assert recent < 0 and "fewer seniors" in moving and "lead is narrowing" in moving
        assert "for 18 compared weeks in a row" in moving  # weeks 13 to 30, as planted
    elif shape == "behind_catching_up":
        assert recent > 0 and "more seniors" in moving and "catching up" in moving
    else:
        assert "no run-chart signal" in moving and "falling behind" not in text
    if shape == "ahead_throughout":
        assert "Last season started late" in text and "lead holds" in moving
    else:
        assert "started late" not in text
