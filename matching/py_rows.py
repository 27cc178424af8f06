"""Frames read as Python rows and rebuilt from them, for the row-at-a-time paths.

On the desk's one record a frame built from a list of Python rows in one call costs a fraction
of one built from Series (each a construction of its own) or put together by `concat`. A column
can only pass through Python unchanged when its dtype's values come back exactly.

`frame_of_rows` calls polars' own row constructor: the public `pl.DataFrame(rows, schema=...,
orient="row")` reaches the same constructor after Python steps per column (schema unpacking
twice, a dtype check per column) that cost ~3 µs a column, 90 µs for the desk's feature frame.
Should a polars release move that constructor, the public one is used instead; the row paths'
property tests hold either to the columnar frames, and `tests/test_py_rows.py` the two to each
other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import polars as pl

_from_rows: Callable[..., Any] | None
try:
    from polars._plr import PyDataFrame

    _from_rows = PyDataFrame.from_rows
except ImportError:  # pragma: no cover - another polars layout: the public constructor
    _from_rows = None

ROUND_TRIP: frozenset[type[pl.DataType]] = frozenset(
    (pl.String, pl.Int64, pl.Int32, pl.Float64, pl.Boolean, pl.Date)
)
"""Dtypes whose values come back from Python unchanged (a nanosecond time, a decimal or a
category would not). None has parameters: a dtype's class says whether it is one."""


def kind_of(dtype: pl.DataType | type[pl.DataType]) -> type[pl.DataType]:
    """A dtype's class: for a dtype without parameters (`pl.String`, `pl.Date`), `kind_of(d) is
    pl.String` says what `d == pl.String` says, at a tenth of the cost (a microsecond a test,
    a dozen tests a record)."""
    return dtype if isinstance(dtype, type) else type(dtype)


def round_trips(dtypes: Iterable[pl.DataType | type[pl.DataType]]) -> bool:
    """Whether every dtype is one of `ROUND_TRIP`."""
    return all(kind_of(d) in ROUND_TRIP for d in dtypes)


class NoPythonValue(Exception):
    """A value Python cannot hold (a date of year 0): only the columnar path can take the frame."""


def python_rows(frame: pl.DataFrame) -> list[tuple[Any, ...]]:
    """`frame.rows()`, raising `NoPythonValue` where a value has no Python equivalent."""
    try:
        return frame.rows()
    except (ValueError, OverflowError) as e:
        raise NoPythonValue from e


def frame_of_rows(
    rows: list[tuple[Any, ...]], schema: Mapping[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    """The frame of `rows` (values in `schema`'s order, each already of its column's dtype: the
    constructor converts leniently, a float into an integer column would be truncated)."""
    if _from_rows is None:
        return public_frame_of_rows(rows, schema)
    return pl.DataFrame._from_pydf(_from_rows(rows, schema=schema, infer_schema_length=None))


def public_frame_of_rows(
    rows: list[tuple[Any, ...]], schema: Mapping[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    """`frame_of_rows` through polars' public constructor."""
    return pl.DataFrame(rows, schema=schema, orient="row")
