"""The fitted models of a run, each declared once: its name, who fits it, what it holds.

A report reads a model by its name (``r.model("variation__funnel")``). A name declared
here but not fitted in a run (no student records, too few schools) reads as None, and
the report says the section is not available; a name declared nowhere is an error, so a
misspelt name fails loudly instead of hiding a section. The producers are fitted in the
order of :data:`PRODUCERS` (live cases reuse the bright spots).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

import pandas as pd

from netlab.exceptions import NetlabError

if TYPE_CHECKING:
    from netlab.pipeline._prepared import Prepared

__all__ = ["MODELS", "PRODUCERS", "Model", "UnknownModelError", "fit_models", "model_frame"]


@dataclass(frozen=True)
class Model:
    """One fitted model frame: ``<producer>__<name>``, and what one row of it is."""

    producer: str
    name: str
    row: str

    @property
    def key(self) -> str:
        return f"{self.producer}__{self.name}"


#: The analysis packages that fit models, in the order they are fitted.
PRODUCERS = ("variation", "practices", "livecase", "traction", "runcharts")

_DECLARED = (
    Model("variation", "funnel", "a unit × year × measure × group: its rate and funnel flag"),
    Model("variation", "funnel_limits", "a point of the funnel's 95% and 99.8% limits"),
    Model("variation", "shrunken", "a unit's rate pulled toward the network (partial pooling)"),
    Model("variation", "spread", "a measure: how much units vary beyond chance"),
    Model("variation", "bright_spots", "a unit that is a bright spot, with its evidence"),
    Model("variation", "constellation", "a unit × measure: where it stands on each measure"),
    Model("variation", "equity_gaps", "a unit × year × measure: focal minus the rest"),
    Model("variation", "equity_trend", "a unit × measure: the gap's trend over the years"),
    Model("variation", "case_mix", "a unit: observed against expected given its students"),
    Model("variation", "case_mix_limits", "a point of the case-mix funnel's limits"),
    Model("variation", "adjustment", "how the case-mix model was fitted (one row)"),
    Model("practices", "panel", "a unit × year: its rate beside the practices in place"),
    Model("practices", "within", "a practice: its within-unit association with the rate"),
    Model("practices", "gains", "a practice: its association with the gain since baseline"),
    Model("practices", "student_level", "a practice: the student-level sensitivity model"),
    Model("practices", "imputation", "a practice: the staggered-adoption estimate"),
    Model("practices", "imputation_profile", "a practice × years since adoption"),
    Model("practices", "heterogeneity", "a practice × modifier: for whom, under what conditions"),
    Model("livecase", "pairs", "a host × visitor pairing, why alike, the gap"),
    Model("livecase", "context", "a context column the matching used or lacked"),
    Model("traction", "stages", "a team × year: its stage of traction"),
    Model("traction", "shares", "a cohort × year × stage: the share of teams"),
    Model("traction", "shares_network", "a year × stage: the network's share of teams"),
    Model("traction", "transitions", "a stage → stage move between years, counted"),
    Model("traction", "time_to_stage", "a team × stage: the years it took to reach it"),
    Model("traction", "reach_curve", "a cohort × years in: the share that reached each stage"),
    Model("traction", "stage_outcomes", "a stage × year: the outcomes of teams at that stage"),
    Model("traction", "pdsa_activity", "a team × term: its PDSA cycles"),
    Model("traction", "survey_trends", "a survey item × wave: the network's mean"),
    Model("traction", "survey_change", "a survey item: its change, clustered by team"),
    Model(
        "runcharts",
        "process_charts",
        "a unit (none: the network) × process measure × date: the point, suppressed or "
        "not, and the run chart of the shown points",
    ),
    Model(
        "runcharts",
        "fafsa_season",
        "a unit (none: the network) × week of the latest FAFSA season: completion beside "
        "last season's, suppressed or not, and the pace test on the shown weeks",
    ),
)

#: Every model a run may hold, by key (``"variation__funnel"``).
MODELS: dict[str, Model] = {m.key: m for m in _DECLARED}


class UnknownModelError(NetlabError, KeyError):
    """A model name that no producer declares."""


def _check_key(key: str) -> None:
    if key not in MODELS:
        near = sorted(k for k in MODELS if k.split("__")[0] == key.split("__")[0])
        raise UnknownModelError(
            f"No model is named {key!r}. "
            + (f"The {key.split('__')[0]} models are: {', '.join(near)}." if near else "")
            + " Declare a new model in netlab.pipeline._models.",
        )


def model_frame(prepared: Prepared, key: str) -> pd.DataFrame | None:
    """A fitted model frame of a prepared run, or None when this run did not fit it.

    Parameters
    ----------
    prepared : Prepared
        The prepared run (from :func:`netlab.prepare` or :func:`netlab.load`).
    key : str
        The model's name, ``"<producer>__<name>"`` (declared in :data:`MODELS`).

    Returns
    -------
    DataFrame or None
        A fitted model frame of a prepared run, or None when this run did not fit it.

    Raises
    ------
    UnknownModelError
        When no producer declares ``key``.
    """
    _check_key(key)
    return (getattr(prepared, "models", None) or {}).get(key)


def _producer(name: str) -> ModuleType:
    """The module whose ``models_for_run`` fits a producer's models."""
    if name == "variation":
        from netlab import variation

        return variation
    if name == "practices":
        from netlab import practices

        return practices
    if name == "livecase":
        from netlab import livecase

        return livecase
    if name == "traction":
        from netlab import traction

        return traction
    import netlab.pipeline._runcharts as runcharts

    return runcharts


def fit_models(prepared: Prepared) -> dict[str, pd.DataFrame]:
    """Fit every producer's models once, in :data:`PRODUCERS` order.

    A producer that fails is reported in ``prepared.notes`` and its report sections say
    "not available in this run"; the other producers still run. A producer that returns
    a model nobody declared is a bug, and raises.

    Parameters
    ----------
    prepared : Prepared
        The prepared run (from :func:`netlab.prepare` or :func:`netlab.load`).

    Returns
    -------
    dict[str, DataFrame]
        Every fitted model frame, by ``"<producer>__<name>"``.
    """
    models: dict[str, pd.DataFrame] = {}
    for name in PRODUCERS:
        try:
            frames = _producer(name).models_for_run(prepared)
        except Exception as err:
            msg = f"{name} models could not be fitted: {type(err).__name__}: {err}"
            prepared.notes.append(msg)
            warnings.warn(msg, stacklevel=2)
            continue
        for short, frame in (frames or {}).items():
            key = f"{name}__{short}"
            _check_key(key)
            models[key] = frame
            prepared.models[key] = frame  # later producers may reuse earlier ones
    return models
