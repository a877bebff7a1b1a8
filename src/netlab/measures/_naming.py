"""The built-in measure and group definitions, and what a measure is called and which way
is better: decided here once, from a run's registry, a prepared run's measures frame or the
built-in YAML. Public names are re-exported by :mod:`netlab.measures`."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from netlab import paths, yamlfile
from netlab.params import GroupDef, MeasureDef


def _bools_as_text(defn: Mapping[str, Any]) -> dict[str, Any]:
    # YAML reads an unquoted `true` as a boolean; conditions want it as text.
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in defn.items()}


def _builtin(name: str) -> dict[str, Any]:
    text = (paths.PACKAGE_DATA / name).read_text(encoding="utf-8")
    data = yamlfile.load(text) or {}
    return {key: _bools_as_text(value) for key, value in data.items()}


def builtin_measures() -> dict[str, MeasureDef]:
    """The built-in measure definitions from ``netlab/data/measures.yaml``.

    Returns
    -------
    dict[str, MeasureDef]
        The built-in measure definitions from ``netlab/data/measures.yaml``.
    """
    return {k: MeasureDef(**v) for k, v in _builtin("measures.yaml").items()}


def builtin_groups() -> dict[str, GroupDef]:
    """The built-in group definitions from ``netlab/data/groups.yaml``.

    Returns
    -------
    dict[str, GroupDef]
        The built-in group definitions from ``netlab/data/groups.yaml``.
    """
    return {k: GroupDef(**v) for k, v in _builtin("groups.yaml").items()}


# ------------------------------------------------------------ what a measure is called


def _known_value(measure: str, known: Any, field_name: str) -> Any:
    """``field_name`` of ``measure`` in a registry or a measures frame (None when absent)."""
    if known is None:
        return None
    if isinstance(getattr(known, "measures", None), dict):  # a Registry
        m = known.measures.get(measure)
        return getattr(m, field_name, None) if m is not None else None
    columns = getattr(known, "columns", ())
    if not len(known) or "measure" not in columns or field_name not in columns:
        return None
    hit = known.loc[known["measure"] == measure, field_name]
    return hit.iloc[0] if len(hit) else None


@functools.lru_cache(maxsize=1)
def _builtin_directions() -> dict[str, str]:
    return {name: d.direction for name, d in builtin_measures().items()}


def direction(measure: str, known: Any = None) -> str:
    """Whether a higher or a lower rate of ``measure`` is better: the one place it is decided.

    Parameters
    ----------
    measure : str
        The measure's name.
    known : Registry or DataFrame, optional
        The run's registry, or a prepared run's measures frame
        (:func:`netlab.measures.measures_frame`). A measure it does not describe takes its
        built-in direction (``netlab/data/measures.yaml``), else higher.

    Returns
    -------
    str
        ``"higher"`` or ``"lower"``.

    Examples
    --------
    >>> direction("summer_melt"), direction("enrolled")
    ('lower', 'higher')
    """
    found = _known_value(measure, known, "direction")
    if found in ("higher", "lower"):
        return str(found)
    return _builtin_directions().get(measure, "higher")


def measure_label(
    measure: str, known: Any = None, *, short: bool = False, default: str | None = None
) -> str:
    """A measure's label (tables, headings), or its short label (sentences, axes).

    Parameters
    ----------
    measure : str
        The measure's name.
    known : Registry or DataFrame, optional
        The run's registry, or a prepared run's measures frame.
    short : bool, default False
        The short label, falling back to the label when there is none.
    default : str, optional
        What a measure ``known`` does not describe is called; by default its name with
        spaces for underscores and a capital first letter.

    Returns
    -------
    str

    Examples
    --------
    >>> measure_label("ninth_on_track")
    'Ninth on track'
    """
    for name in ("short_label", "label") if short else ("label",):
        found = _known_value(measure, known, name)
        if isinstance(found, str) and found:
            return found
    if default is not None:
        return default
    text = measure.replace("_", " ")
    return text[:1].upper() + text[1:]
