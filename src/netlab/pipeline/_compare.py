"""Since last term in Arrow: a term's side of the comparison and the two sides joined.

A side is one row per unit: its latest class with a rate on one measure for one group
(``year``, ``numerator``, ``denominator``, ``rate``), its funnel place and traction stage,
and whether it is a bright spot. The sides hold a few thousand rows at most, worked out
with Arrow's filters, group-by and join rather than pandas: keeping a term compares it
with the term before while its rates are being written (:mod:`netlab.pipeline._keep`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from collections.abc import Iterable

NOW = ["year", "numerator", "denominator", "rate", "funnel", "stage", "bright_spot"]
SIDE = pa.schema([("unit_id", pa.string()), ("year", pa.int64()),
                  ("numerator", pa.float64()), ("denominator", pa.float64()),
                  ("rate", pa.float64()), ("funnel", pa.string()), ("stage", pa.string()),
                  ("bright_spot", pa.bool_())])  # fmt: skip
_RATES = pa.schema([*(SIDE.field(c) for c in ("unit_id", "year", "numerator", "denominator",
                                              "rate")),
                    ("measure", pa.string()), ("group", pa.string())])  # fmt: skip
_HEADS = pa.schema([(c, pa.string()) for c in ("unit_id", "kind", "measure", "group", "value")])
_PANDAS = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype(),
           pa.int64(): pd.Int64Dtype()}  # fmt: skip


def arrow(frame: pd.DataFrame | pa.Table, schema: pa.Schema) -> pa.Table:
    """The schema's columns of a frame (pandas or Arrow) as an Arrow table.

    Columns keep the type they are stored in (pandas' text is Arrow already: nothing is
    copied) unless it has none of its own (all missing) or is a dictionary; the rows a
    comparison keeps are cast to the schema once they are chosen. A pandas float's NaN
    stays NaN (:func:`chosen` leaves out a NaN rate as it does a missing one).
    """
    if isinstance(frame, pa.Table):
        table = frame.select(schema.names)
    else:
        columns = [_column(frame[name]) for name in schema.names]
        table = pa.Table.from_arrays(columns, names=schema.names)
    for i, field in enumerate(schema):
        kind = table.schema.field(i).type
        if pa.types.is_null(kind) or pa.types.is_dictionary(kind):
            table = table.set_column(i, field, table.column(i).cast(field.type))
    return table


def _column(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A pandas column as Arrow (a float's NaN stays NaN: no pass to mark it missing)."""
    if values.dtype.kind == "f":
        return pa.array(values.to_numpy())
    return pa.array(values, from_pandas=True)


def side(rates: pd.DataFrame | pa.Table, heads: pd.DataFrame | pa.Table, measure: str,
         group: str) -> pa.Table:  # fmt: skip
    """Each unit's side of the comparison on one measure for one group.

    Parameters
    ----------
    rates : DataFrame or pyarrow.Table
        A term's rates (``unit_id``, ``year``, ``measure``, ``group``, ``numerator``,
        ``denominator``, ``rate``); other columns are left alone.
    heads : DataFrame or pyarrow.Table
        The term's headlines (:func:`netlab.pipeline.headlines`).
    measure, group : str
        The figure compared.

    Returns
    -------
    pyarrow.Table
        One row per unit with a rate or a headline, in the :data:`SIDE` schema: the unit's
        latest class with a rate (none where it has no rate), its funnel place on this
        measure and group, its traction stage and whether it is a bright spot.
    """
    places = _places(arrow(heads, _HEADS).cast(_HEADS), measure, group)
    both = _latest(rates, measure, group).join(
        places, "unit_id", join_type="full outer", coalesce_keys=True
    )
    flag = both["bright_spot"].fill_null(False)
    both = both.set_column(both.schema.get_field_index("bright_spot"), "bright_spot", flag)
    return both.select(SIDE.names).cast(SIDE)


def chosen(rates: pd.DataFrame | pa.Table, measure: str, group: str) -> pa.Table:
    """The rates of one measure for one group that have a rate.

    Parameters
    ----------
    rates : DataFrame or pyarrow.Table
        A term's rates (``unit_id``, ``year``, ``measure``, ``group``, ``numerator``,
        ``denominator``, ``rate``).
    measure, group : str
        The figure chosen.

    Returns
    -------
    pyarrow.Table
        ``unit_id``, ``year``, ``numerator``, ``denominator``, ``rate`` of every unit and
        class with a rate on that measure for that group (a missing or NaN rate is left out).
    """
    rates = arrow(rates, _RATES)
    ours = pc.and_kleene(pc.equal(rates["measure"], measure), pc.equal(rates["group"], group))
    mine = rates.filter(ours.fill_null(False)).cast(_RATES).drop_columns(["measure", "group"])
    rate = mine["rate"]
    return mine.filter(pc.and_kleene(pc.is_valid(rate), pc.invert(pc.is_nan(rate))))


def _latest(rates: pd.DataFrame | pa.Table, measure: str, group: str) -> pa.Table:
    """Each unit's latest class with a rate: ``unit_id``, ``year``, the counts, ``rate``."""
    mine = chosen(rates, measure, group)
    last = mine.group_by("unit_id").aggregate([("year", "max")])
    return mine.join(last, ["unit_id", "year"], right_keys=["unit_id", "year_max"],
                     join_type="inner")  # fmt: skip


def _places(heads: pa.Table, measure: str, group: str) -> pa.Table:
    """Each unit's funnel place and traction stage, and whether it is a bright spot."""
    kind = heads["kind"]
    ours = pc.and_kleene(pc.equal(heads["measure"], measure), pc.equal(heads["group"], group))
    mine = pc.and_kleene(pc.is_valid(heads["unit_id"]),
                         pc.or_kleene(pc.equal(kind, "traction_stage"), ours))  # fmt: skip
    heads = heads.filter(mine.fill_null(False))
    units = pa.table({"unit_id": pc.unique(heads["unit_id"])})
    for name, col in (("funnel", "funnel"), ("traction_stage", "stage")):
        rows = heads.filter(pc.equal(heads["kind"], name).fill_null(False))
        first = rows.group_by("unit_id", use_threads=False).aggregate([("value", "first")])
        units = units.join(first.rename_columns(["unit_id", col]), "unit_id")
    bright = heads.filter(pc.equal(heads["kind"], "bright_spot").fill_null(False))["unit_id"]
    return units.append_column("bright_spot", pc.is_in(units["unit_id"], value_set=bright))


def joined(now: pa.Table, then: pa.Table) -> pa.Table:
    """Two sides set beside each other: one row per unit, sorted, with the change.

    Parameters
    ----------
    now, then : pyarrow.Table
        The term's side and the term before's (:func:`side`, or a stored comparison's
        ``unit_id`` and :data:`NOW` columns).

    Returns
    -------
    pyarrow.Table
        ``unit_id``, the :data:`NOW` columns, the same with ``previous_`` before, and
        ``change`` (the rate now minus before; null where either is missing), a row for
        every unit on either side, sorted by unit.
    """
    then = then.select(SIDE.names).cast(SIDE)
    then = then.rename_columns(["unit_id", *(f"previous_{c}" for c in NOW)])
    out = now.select(SIDE.names).cast(SIDE).join(then, "unit_id", join_type="full outer",
                                                 coalesce_keys=True)  # fmt: skip
    for col in ("bright_spot", "previous_bright_spot"):
        out = out.set_column(out.schema.get_field_index(col), col, out[col].fill_null(False))
    out = out.append_column("change", pc.subtract(out["rate"], out["previous_rate"]))
    return out.sort_by("unit_id")


def frame(table: pa.Table, columns: Iterable[str]) -> pd.DataFrame:
    """The comparison's columns as pandas: text as ``string``, the class year as ``Int64``,
    counts and rates as floats (missing as NaN), the flags as ``bool``.

    Parameters
    ----------
    table : pyarrow.Table
        A comparison (:func:`joined`, or a stored one read back).
    columns : iterable of str
        The columns to keep, in order.

    Returns
    -------
    pandas.DataFrame
        The columns, one row per unit in the table's order.
    """
    columns = list(columns)
    table = table.select(columns).replace_schema_metadata(None)
    return table.to_pandas(types_mapper=_PANDAS.get)
