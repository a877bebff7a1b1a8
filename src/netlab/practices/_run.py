"""The practice models of a run, fitted once: within-unit, gains, staggered, for whom.

The package asks which practices track with gains. Every model returns one tidy table with a row per practice (see :data:`RESULT_COLUMNS`):
the estimate in percentage points with its 95% interval, the p-value, the
Benjamini-Hochberg q-value across the practices estimated in that model, how many
units ever had the practice and how many switched, an evidence label, and the errors the
fit used (``covariance``: ``"CR3"``, ``"CR1"`` when CR3 could not be computed, ``"HC3"``,
or for :mod:`netlab.practices._staggered` ``"analytic"`` / ``"jackknife"``).

Evidence labels (one rule for every model, :func:`evidence_label`, checked in this order;
a row's sentence follows its label, see :func:`sentences`):

- ``"too few switchers to say"``: between 1 and ``min_switchers - 1`` units switched.
- ``"not estimable"``: the practice never changed within a unit, or its indicator is
  collinear with other practices (or with the network's year-to-year trend); the row
  says why in ``reason`` and names the practices in ``collinear_with``.
- ``"strong"``: q < 0.05, at least ``2 * min_switchers`` switchers and no pre-trend flag.
- ``"suggestive"``: q < 0.10 otherwise (including q < 0.05 with a pre-trend flag or
  fewer than ``2 * min_switchers`` switchers).
- ``"no clear pattern"``: q >= 0.10.

Beside them: :func:`netlab.practices._staggered.imputation` (staggered adoption, robust to effects
that grow or differ by adoption year) and :func:`heterogeneity` (for whom, under what
conditions), both fitted by :func:`models_for_run`.

The within-unit model and its pre-trend check live in ``_within``, the gains model and the
naive comparison in ``_between``, the student-level model in ``_logit``, the words in
``_text``; this module fits every model of a run (:func:`models_for_run`).

An estimate *tracks with* a change in the rate; none of these models shows that a
practice causes one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netlab.exceptions import NetlabError
from netlab.practices._between import gains
from netlab.practices._hetero import heterogeneity, other_students
from netlab.practices._logit import student_level
from netlab.practices._panel import panel
from netlab.practices._within import within_school
from netlab.words import (
    MEASURE_PHRASES,
    heterogeneity_sentences,
    staggered_sentences,
)
from netlab.words import practice_sentences as sentences

if TYPE_CHECKING:
    from netlab.pipeline import Prepared


def student_outcome(prepared: Prepared) -> tuple[pd.DataFrame, np.ndarray] | None:
    """The focal group's students in the focal measure's denominator, and their outcome.

    Returns ``None`` when the run has no student records or the focal measure is not
    defined on the students table.

    Parameters
    ----------
    prepared : Prepared
        The prepared run (from :func:`netlab.prepare` or :func:`netlab.load`).

    Returns
    -------
    tuple[DataFrame, ndarray] or None
        The focal group's students in the focal measure's denominator, and their outcome.
    """
    students = prepared.tables.get("students")
    if students is None or students.empty:
        return None
    from netlab import measures
    from netlab.measures import conditions as conditions

    reg = measures.registry(prepared.params)
    measure = reg.get(prepared.params.focal_measure)
    if measure is None or measure.table != "students" or "focal" not in reg.groups:
        return None
    consts = dict(reg.constants)
    den = conditions.evaluate(measure.denominator or "true", students, consts)
    num = conditions.evaluate(measure.numerator or "false", students, consts)
    den &= conditions.evaluate(reg.groups["focal"].condition, students, consts)
    # only classes whose window has closed at the run's date, as in the rates
    den &= measures.final_mask(students, measure, getattr(prepared, "as_of", None))
    return students.loc[den], num[den].astype(float)


def measure_words(prepared: Prepared) -> tuple[str, str]:
    """The focal measure as a verb phrase for sentences, and its direction.

    The phrase is the run's measure registry's (:meth:`netlab.measures.Registry.phrase`):
    the run's own ``phrase:`` first, then the built-in one, else 'count toward “<label>”'.

    Parameters
    ----------
    prepared : Prepared
        The prepared run (from :func:`netlab.prepare` or :func:`netlab.load`).

    Returns
    -------
    tuple[str, str]
        The focal measure as a verb phrase for sentences, and its direction.
    """
    name = prepared.params.focal_measure
    try:
        from netlab import measures

        reg = measures.registry(prepared.params)
        return reg.phrase(name), reg.direction(name)
    except NetlabError:  # words are a nicety: fall back to the name, higher is better
        return MEASURE_PHRASES.get(name, f"count toward “{name}”"), "higher"


def practice_sentences(
    prepared: Prepared, models: dict[str, pd.DataFrame]
) -> dict[str, list[str]]:
    """The practice models' sentences, worded from their numbers when a report is drawn.

    Parameters
    ----------
    prepared : netlab.pipeline.Prepared
        Gives the focal measure's phrase and direction (:func:`measure_words`) and the unit.
    models : dict of str to DataFrame
        ``"within"``, ``"imputation"`` and ``"heterogeneity"`` frames as fitted by
        :func:`models_for_run` (a missing one gives no sentences).

    Returns
    -------
    dict of str to list of str
        ``"within"`` (one sentence per within-unit result), ``"staggered"`` and
        ``"heterogeneity"``.
    """
    unit_label = "district" if prepared.params.unit == "district" else "school"
    measure, direction = measure_words(prepared)
    words = {
        "measure_label": measure,
        "group_label": "focal students",
        "unit_label": unit_label,
        "direction": direction,
    }
    within = models.get("within")
    robust = models.get("imputation")
    hetero = models.get("heterogeneity")
    return {
        "within": sentences(within, **words) if within is not None else [],
        "staggered": staggered_sentences(within, robust, unit_label=unit_label),
        "heterogeneity": heterogeneity_sentences(hetero, **words),
    }


def models_for_run(prepared: Prepared) -> dict[str, pd.DataFrame]:
    """Fit the practice models of one prepared run (called once by the pipeline).

    Parameters
    ----------
    prepared : netlab.pipeline.Prepared
        Uses ``rates``, ``units``, ``tables["practices"]`` (and ``tables["students"]`` when
        the run has student records), ``params.focal_measure``, ``params.min_switchers``
        and ``params.unit``.

    Returns
    -------
    dict of str to DataFrame
        ``"panel"`` (unit-year panel, no student rows), ``"within"``, ``"gains"``,
        ``"student_level"`` (only with student records), ``"imputation"`` and
        ``"imputation_profile"`` (:func:`netlab.practices._staggered.imputation`) and
        ``"heterogeneity"`` (:func:`heterogeneity`): numbers only; their sentences are
        worded when a report is drawn (:func:`practice_sentences`). Empty without a
        practices table.
    """
    practices_table = prepared.tables.get("practices")
    if practices_table is None or practices_table.empty:
        return {}
    params = prepared.params
    unit_label = "district" if params.unit == "district" else "school"
    mapping = None
    if unit_label == "district":
        from netlab import measures

        mapping = measures.unit_map(prepared.tables["schools"], params)
    pan = panel(prepared.rates, practices_table, measure=params.focal_measure, units=mapping)
    pan.attrs = {}
    within = within_school(pan, min_switchers=params.min_switchers, unit_label=unit_label)
    aim = getattr(params, "aim", None)
    baseline = getattr(aim, "baseline_year", None)  # the network's aim baseline, if covered
    out = {
        "panel": pan,
        "within": within,
        "gains": gains(
            pan,
            baseline_year=baseline if baseline in set(pan["year"]) else None,
            context=prepared.units,
            min_switchers=params.min_switchers,
            unit_label=unit_label,
        ),
    }
    picked = student_outcome(prepared) if prepared.has_students else None
    if picked is not None and len(picked[0]):
        studs, y = picked
        out["student_level"] = student_level(
            studs, practices_table, outcome=y, min_switchers=params.min_switchers
        )
    from netlab.practices._staggered import imputation

    fit = imputation(pan, min_switchers=params.min_switchers, unit_label=unit_label)
    out["imputation"] = fit.results
    out["imputation_profile"] = fit.profile
    other = other_students(
        prepared.rates, practices_table, measure=params.focal_measure, units=mapping
    )
    hetero = heterogeneity(
        pan,
        context=prepared.units,
        other=other,
        min_switchers=params.min_switchers,
        unit_label=unit_label,
    )
    out["heterogeneity"] = hetero
    return out
