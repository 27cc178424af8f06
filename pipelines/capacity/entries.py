"""The active list at a date: snapshot first, then deltas, last version of each entry wins."""

from __future__ import annotations

import polars as pl


def active_entries(versions: list[pl.DataFrame]) -> pl.DataFrame:
    """Apply the snapshot then each delta in order; return the entries still active.

    A delta row upserts its entry; a `removed` row withdraws it even when it carries nothing but
    the entry id and the status. A null status reads as active (snapshots often omit it).
    """
    if not versions:
        raise ValueError("at least one list file is needed")
    stacked = pl.concat(
        [v.with_columns(pl.lit(i, pl.Int32).alias("_version")) for i, v in enumerate(versions)],
        how="diagonal_relaxed",
    ).with_row_index("_seq")
    last = stacked.sort("_seq").group_by("entry_id", maintain_order=True).last()
    status = pl.col("status").fill_null("active") if "status" in last.columns else pl.lit("active")
    return last.filter(status == "active").drop("_seq").sort("entry_id")
