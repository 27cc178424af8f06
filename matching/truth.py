"""Generator truth and hits keyed alike, by (record_id, screened role, entry_id).

A hit is keyed by the *screened* role. The sweep's rules rewrite `role` to `legal_rep` when the
listed party is an org's representative and keep the screened role in `query_role`; that column
is used when present (see `_screened_role`).
"""

from __future__ import annotations

import polars as pl

KEY = ["record_id", "role", "entry_id"]
REMOVED = "removed_entry"


def ratio(num: int, den: int) -> float:
    """num / den, and 1.0 for an empty denominator (nothing claimed, nothing wrong)."""
    return num / den if den else 1.0


def agency_truth(truth: pl.DataFrame, agency: str) -> pl.DataFrame:
    """This agency's truth rows with string keys, one row per (record, role, entry, noise)."""
    return (
        truth.filter(pl.col("agency") == agency)
        .select(
            pl.col("record_id").cast(pl.String),
            pl.col("role").cast(pl.String),
            pl.col("entry_id").cast(pl.String),
            pl.col("noise").cast(pl.String).fill_null("none"),
        )
        .unique(maintain_order=True)
    )


def _is_true(col: str) -> pl.Expr:
    """A bool column, or the text `true`/`false` a CSV carries."""
    return pl.col(col).cast(pl.String).str.to_lowercase().is_in(["true", "1"])


def _screened_role(hits: pl.DataFrame) -> pl.Expr:
    """The role that was screened: `query_role` if carried, else a best recovery of it.

    Without `query_role`, a hit rewritten to `legal_rep` lost its screened role. The truth row of
    the same (record, entry) names the slot that holds that entry; failing that, a record with a
    single screened slot can only have come from it. Otherwise `legal_rep` stays (rare: it can
    only then be a false positive, which the role does not change).
    """
    if "query_role" in hits.columns:
        return pl.coalesce(pl.col("query_role").cast(pl.String), pl.col("role"))
    return pl.coalesce(pl.col("_slot_role"), pl.col("_only_role"), pl.col("role"))


def keyed_hits(hits: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Every hit row with string keys, a bool intercept and `role` set to the screened role."""
    h = hits.with_columns(
        pl.col("record_id").cast(pl.String),
        pl.col("role").cast(pl.String),
        pl.col("entry_id").cast(pl.String),
        (_is_true("intercept") if "intercept" in hits.columns else pl.lit(False)).alias(
            "intercept"
        ),
    )
    if "query_role" not in h.columns:
        slot = (
            truth.filter(pl.col("entry_id").is_not_null())
            .group_by("record_id", "entry_id")
            .agg(pl.col("role").unique())
            .filter(pl.col("role").list.len() == 1)
            .select("record_id", "entry_id", pl.col("role").list.first().alias("_slot_role"))
        )
        only = (
            truth.group_by("record_id")
            .agg(pl.col("role").unique())
            .filter(pl.col("role").list.len() == 1)
            .select("record_id", pl.col("role").list.first().alias("_only_role"))
        )
        h = (
            h.join(slot, on=["record_id", "entry_id"], how="left")
            .join(only, on="record_id", how="left")
            .with_columns(
                pl.when(pl.col("role") == "legal_rep")
                .then(pl.col("_slot_role"))
                .alias("_slot_role"),
                pl.when(pl.col("role") == "legal_rep")
                .then(pl.col("_only_role"))
                .alias("_only_role"),
            )
        )
    return h.with_columns(_screened_role(h).alias("role"))
