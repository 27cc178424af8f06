"""Property tests: `matching.py_rows` builds the frame polars' public constructor builds.

The row paths build their output frames with polars' own row constructor (`frame_of_rows`);
it must give what `pl.DataFrame(rows, schema=..., orient="row")` gives for the values the row
paths pass (each already of its column's dtype, or None), and the `ROUND_TRIP` dtypes must come
back from Python unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from matching.py_rows import (
    ROUND_TRIP,
    NoPythonValue,
    frame_of_rows,
    kind_of,
    public_frame_of_rows,
    python_rows,
    round_trips,
)

VALUES: dict[pl.DataType, st.SearchStrategy[Any]] = {
    pl.String(): st.text(max_size=6),
    pl.Int64(): st.integers(-(2**63), 2**63 - 1),
    pl.Int32(): st.integers(-(2**31), 2**31 - 1),
    pl.Float64(): st.floats(),
    pl.Boolean(): st.booleans(),
    pl.Date(): st.dates(),
    pl.Datetime("us"): st.datetimes(),
}
assert ROUND_TRIP <= {type(t) for t in VALUES}


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[tuple[Any, ...]], dict[str, pl.DataType]]:
    """0-8 rows of 1-30 columns of the row paths' dtypes, nulls anywhere."""
    dtypes = draw(st.lists(st.sampled_from(list(VALUES)), min_size=1, max_size=30))
    schema = {f"c{i}": t for i, t in enumerate(dtypes)}
    n = draw(st.integers(0, 8))
    rows = [tuple(draw(st.one_of(st.none(), VALUES[t])) for t in dtypes) for _ in range(n)]
    return rows, schema


@settings(max_examples=300, deadline=None)
@given(tables())
def test_rows_build_the_public_constructors_frame(
    table: tuple[list[tuple[Any, ...]], dict[str, pl.DataType]],
) -> None:
    rows, schema = table
    built = frame_of_rows(rows, schema)
    assert_frame_equal(built, public_frame_of_rows(rows, schema))
    if round_trips(schema.values()):
        back = python_rows(built)
        assert [tuple(map(repr, r)) for r in back] == [tuple(map(repr, r)) for r in rows]


def test_a_value_python_cannot_hold_is_said() -> None:
    year_zero = pl.Series("d", [-719528], dtype=pl.Int32).cast(pl.Date).to_frame()
    with pytest.raises(NoPythonValue):
        python_rows(year_zero)
    assert python_rows(frame_of_rows([(datetime(2024, 1, 1, 1),)], {"t": pl.Datetime("us")}))


# Sorted: a set of classes iterates by address, which differs between processes, and every
# xdist worker must collect the same ids in the same order.
_ROUND_TRIP_SORTED = sorted(ROUND_TRIP, key=lambda t: t.__name__)
DTYPES = (
    *(t() for t in _ROUND_TRIP_SORTED),
    *_ROUND_TRIP_SORTED,
    pl.Int8(),
    pl.UInt32(),
    pl.UInt64(),
    pl.Float32(),
    pl.Null(),
    pl.Binary(),
    pl.Categorical(),
    pl.Enum(["a"]),
    pl.Decimal(10, 2),
    pl.Datetime("us"),
    pl.Datetime("ns", "Asia/Shanghai"),
    pl.Duration("us"),
    pl.Time(),
    pl.List(pl.String),
    pl.Array(pl.Int64, 2),
    pl.Struct({"a": pl.String}),
    pl.Object(),
)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_a_dtypes_class_says_what_equality_says(dtype: pl.DataType) -> None:
    for kind in (*ROUND_TRIP, pl.Date, pl.String):
        assert (kind_of(dtype) is kind) == (dtype == kind)
    assert round_trips([dtype]) == any(dtype == k for k in ROUND_TRIP)
