"""Planted practice effects that change with exposure, adoption cohort, context and group.

Private to :mod:`netlab.synth`. When practice ``p`` is in place at school ``i`` in year
``t``, the planted effect on enrolled_likely_grad (probability points) is::

    effect_p * (1 + growth * years_since) * max(0, 1 + cohort_gradient * (mid - adoption))
      + sum over "low_income", "size" of modifiers[m][p] * (school i above the median of m)
      + modifiers["focal"][p] for focal students

where ``years_since`` is ``t - adoption year`` (0 in the adoption year; schools with the
practice from the first year count from that year) and ``mid`` is the middle of the years in
which a school can switch. With the defaults (no growth, no cohort gradient, no modifiers)
the effect is ``effect_p``, as before.

The truth then carries what an estimator on the focal students' panel should recover: the
average effect on the adopters (schools that adopted after the first year; each treated
focal student counted once, so school-years are weighted by their focal students, as the
panel's denominators weight them), its profile by years since adoption, and the planted
differences by context and group.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from netlab.checks import check_argument

#: What an effect modifier can name: schools above the network's median share of
#: low-income students, schools above the median number of seniors, and focal students.
MODIFIERS = ("low_income", "size", "focal")


def _check_modifiers(
    modifiers: Mapping[str, Mapping[str, float]] | None, names: list[str]
) -> dict[str, dict[str, float]]:
    """The modifiers as plain dicts, every key checked."""
    out: dict[str, dict[str, float]] = {}
    for key, extra in dict(modifiers or {}).items():
        check_argument("effect_modifiers", list(MODIFIERS), key)
        for practice in extra:
            check_argument(f"effect_modifiers[{key!r}]", names, practice)
        out[key] = {str(p): float(v) for p, v in extra.items()}
    return out


def _above_median(values: np.ndarray) -> np.ndarray:
    """Schools strictly above the median (the split the analysis uses)."""
    values = np.asarray(values, dtype=float)
    return values > np.median(values)


def _effect_cells(
    effects: np.ndarray,
    adopt: np.ndarray,
    years: np.ndarray,
    *,
    growth: float,
    cohort_gradient: float,
    schools: pd.DataFrame,
    modifiers: dict[str, dict[str, float]],
    names: list[str],
) -> np.ndarray:
    """Planted effect of each practice at each school-year, were it in place (school x year x k).

    The focal-students extra is not included (see :func:`_focal_extras`).
    """
    since = years[None, :, None] - np.where(np.isfinite(adopt), adopt, years[0])[:, None, :]
    scale = 1.0 + growth * np.clip(since, 0, None)
    if cohort_gradient:
        mid = (years[0] + 1 + years[-1]) / 2 if len(years) > 1 else years[0]
        when = np.where(np.isfinite(adopt), adopt, mid)
        scale = scale * np.clip(1.0 + cohort_gradient * (mid - when), 0, None)[:, None, :]
    cells = effects[None, None, :] * scale
    columns = {"low_income": "share_low_income", "size": "seniors"}
    for key, column in columns.items():
        extra = np.array([modifiers.get(key, {}).get(p, 0.0) for p in names])
        if np.any(extra):
            flag = _above_median(schools[column].to_numpy(float))
            cells = cells + flag[:, None, None] * extra[None, None, :]
    return cells


def _focal_extras(modifiers: dict[str, dict[str, float]], names: list[str]) -> np.ndarray:
    """Extra effect of each practice for focal students (k,)."""
    return np.array([modifiers.get("focal", {}).get(p, 0.0) for p in names])


def _student_effects(sim: dict, cells: np.ndarray, focal_extra: np.ndarray, k: int) -> np.ndarray:
    """Each student's planted effect of practice ``k`` (were it in place)."""
    flat = cells.reshape(-1, cells.shape[2])
    return flat[sim["cell"], k] + focal_extra[k] * sim["focal"]


def _adopter_truth(
    sim: dict,
    in_place: np.ndarray,
    cells: np.ndarray,
    focal_extra: np.ndarray,
    adopt: np.ndarray,
    years: np.ndarray,
    names: list[str],
) -> tuple[dict[str, float], pd.DataFrame]:
    """Average effect on focal students of adopters, overall and by years since adoption.

    Effects are realised ones: the change each treated student's clipped probability
    carries, so clipping at 0.01 and 0.99 is accounted for.
    """
    n_years = len(years)
    placed = in_place.reshape(-1, len(names))[sim["cell"]]
    school = sim["cell"] // n_years
    year = years[sim["cell"] % n_years]
    focal = sim["focal"].astype(bool)
    att: dict[str, float] = {}
    profile = []
    for k, name in enumerate(names):
        adopter = np.isfinite(adopt[:, k]) & (adopt[:, k] > years[0])
        mask = placed[:, k] & adopter[school] & focal
        if not mask.any():
            att[name] = float("nan")
            continue
        raw = sim["raw_l"][mask]
        eff = _student_effects(sim, cells, focal_extra, k)[mask]
        diff = np.clip(raw, 0.01, 0.99) - np.clip(raw - eff, 0.01, 0.99)
        att[name] = float(diff.mean())
        since = (year[mask] - adopt[school[mask], k]).astype(int)
        count = np.bincount(since)
        total = np.bincount(since, weights=diff)
        seen = np.flatnonzero(count)
        profile.append(
            pd.DataFrame(
                {
                    "practice": name,
                    "years_since": seen,
                    "effect": total[seen] / count[seen],
                    "students": count[seen],
                }
            )
        )
    frame = (
        pd.concat(profile, ignore_index=True)
        if profile
        else pd.DataFrame(columns=["practice", "years_since", "effect", "students"])
    )
    return att, frame


def _heterogeneity_truth(modifiers: dict[str, dict[str, float]], names: list[str]):
    """Planted difference of each practice's effect by modifier (0 where none is planted)."""
    return pd.DataFrame(
        [
            {"practice": p, "modifier": m, "difference": modifiers.get(m, {}).get(p, 0.0)}
            for m in MODIFIERS
            for p in names
        ]
    )


def _realized_effects(
    sim: dict,
    in_place: np.ndarray,
    cells: np.ndarray,
    focal_extra: np.ndarray,
    names: list[str],
) -> dict[str, float]:
    """Mean change in treated students' clipped probabilities that each practice made."""
    placed = in_place.reshape(-1, len(names))[sim["cell"]]
    out = {}
    for k, name in enumerate(names):
        mask = placed[:, k]
        raw = sim["raw_l"][mask]
        eff = _student_effects(sim, cells, focal_extra, k)[mask]
        diff = np.clip(raw, 0.01, 0.99) - np.clip(raw - eff, 0.01, 0.99)
        out[name] = float(diff.mean()) if len(diff) else float("nan")
    return out
