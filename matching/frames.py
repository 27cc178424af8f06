"""Frame helpers for the desk's few rows: the same frames, without polars' thread pool.

A DataFrame gather (`frame[idx]`) runs its columns on polars' pool even for one row: the
request's thread hands the work over and sleeps until a pool thread, which a busy machine is
slow to wake, hands it back. A Series gather runs on the calling thread. `Series.gather` itself
builds and runs an expression (tens of microseconds a column); indexing a Series by a Series
of positions gathers natively, and a frame's columns as one struct Series (which shares their
buffers) are gathered by one such index.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl


def gather_rows(frame: pl.DataFrame, idx: pl.Series | Sequence[int]) -> pl.DataFrame:
    """`frame[idx]` (same columns, dtypes, values and order), gathered on the calling thread:
    for the desk's few rows; the night's many keep `frame[idx]`'s parallel one.

    `idx`: row positions, a UInt32 Series (a null position gives a row of nulls, as
    `frame[idx]` does) or non-negative ints."""
    if not isinstance(idx, pl.Series):
        idx = pl.Series(list(idx), dtype=pl.UInt32)
    if frame.width == 0:  # no column to carry the height: polars decides it
        return frame[idx]
    return take(frame.to_struct(), idx).struct.unnest()


def take(column: pl.Series, idx: pl.Series) -> pl.Series:
    """`column.gather(idx)` for `idx` a UInt32 Series of positions (a null gives a null), without
    the expression `gather` runs."""
    return column[idx]
