"""Frame helpers for the desk's few rows: the same frames, without polars' thread pool.

A DataFrame gather (`frame[idx]`) runs its columns on polars' pool even for one row: the
request's thread hands the work over and sleeps until a pool thread, which a busy machine is
slow to wake, hands it back. A Series gather runs on the calling thread, so gathering a few
rows column by column costs the gathers alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl


def gather_rows(frame: pl.DataFrame, idx: pl.Series | Sequence[int]) -> pl.DataFrame:
    """`frame[idx]` (same columns, dtypes, values and order), gathered column by column on the
    calling thread: for the desk's few rows; the night's many keep `frame[idx]`'s parallel one.

    `idx`: row positions, a UInt32 Series (a null position gives a row of nulls, as
    `frame[idx]` does) or non-negative ints."""
    if not isinstance(idx, pl.Series):
        idx = pl.Series(list(idx), dtype=pl.UInt32)
    if frame.width == 0:  # no column to carry the height: polars decides it
        return frame[idx]
    return pl.DataFrame([s.gather(idx) for s in frame.get_columns()])
