"""The truth table evaluation reads, and hits keyed alike, by (record_id, screened role, entry_id).

Evaluation knows no generator: any source of truth (`pipelines.synth.truth` for generated worlds,
a bench adapter for a labelled field sample) hands it one table of this shape:

| column      | meaning                                                                   |
|-------------|---------------------------------------------------------------------------|
| `agency`    | the agency whose record it is                                             |
| `record_id` | the agency's record                                                       |
| `role`      | the screened role of the record (guest, guardian, applicant, ...)         |
| `entry_id`  | the list entry the party truly is (null when none)                        |
| `list_role` | the listed side: `debtor` or `legal_rep` (optional; default `debtor`)     |
| `label`     | `match`, `removed`, `hard_negative` or `none` (`TruthLabel`)              |
| `category`  | the tag figures are broken down by (what made the pair hard, the kind of  |
|             | look-alike); free text chosen by the source                               |

One row per screened (record, role), and for a listed party one row per list entry it belongs
to. A `removed` row is a correct identity whose entry was removed: a hit on it is the right
person, neither a true nor a false positive, and an *intercept* on it must never happen. A
`hard_negative` row was built to look listed and is not: any hit on it is wrong.

A hit is keyed by the *screened* role. The sweep's rules rewrite `role` to `legal_rep` when the
listed party is an org's representative and keep the screened role in `query_role`; that column
is used when present (see `_screened_role`).
"""

from __future__ import annotations

from enum import StrEnum

import polars as pl

from pipelines.errors import InputError

KEY = ["record_id", "role", "entry_id"]


class TruthLabel(StrEnum):
    """What a truth row says about its (record, role, entry)."""

    MATCH = "match"
    """The screened party is this list entry: a positive."""
    REMOVED = "removed"
    """The screened party was this entry, removed from the list: neutral, never intercepted."""
    HARD_NEGATIVE = "hard_negative"
    """Built to resemble a listed party and is none: any hit is a false positive."""
    NONE = "none"
    """An ordinary record with no listed party."""


TRUTH_COLUMNS = ("agency", "record_id", "role", "entry_id", "label", "category")
"""Required columns; `list_role` is optional."""


def check_truth(truth: pl.DataFrame) -> pl.DataFrame:
    """The table itself when it has the required columns and known labels; else a one-line error."""
    missing = [c for c in TRUTH_COLUMNS if c not in truth.columns]
    if missing:
        raise InputError(f"truth table lacks column(s): {', '.join(missing)}")
    known = {str(label) for label in TruthLabel}
    unknown = sorted(set(truth["label"].drop_nulls().cast(pl.String).unique()) - known)
    if unknown:
        raise InputError(
            f"truth table has unknown label(s) {', '.join(unknown)}; expected {', '.join(known)}"
        )
    return truth


def ratio(num: int, den: int) -> float:
    """num / den, and 1.0 for an empty denominator (nothing claimed, nothing wrong)."""
    return num / den if den else 1.0


def agency_truth(truth: pl.DataFrame, agency: str) -> pl.DataFrame:
    """This agency's truth rows with string keys, one row per (record, role, entry, label)."""
    return (
        truth.filter(pl.col("agency") == agency)
        .select(
            pl.col("record_id").cast(pl.String),
            pl.col("role").cast(pl.String),
            pl.col("entry_id").cast(pl.String),
            pl.col("label").cast(pl.String).fill_null(TruthLabel.NONE),
            pl.col("category").cast(pl.String).fill_null("none"),
        )
        .unique(maintain_order=True)
    )


def positives(t: pl.DataFrame) -> pl.DataFrame:
    """Truth rows naming the true list entry of a screened party."""
    return t.filter(pl.col("entry_id").is_not_null() & (pl.col("label") == TruthLabel.MATCH))


def removed(t: pl.DataFrame) -> pl.DataFrame:
    """Truth rows of a right identity on an entry removed from the list."""
    return t.filter(pl.col("label") == TruthLabel.REMOVED)


def hard_negatives(t: pl.DataFrame) -> pl.DataFrame:
    """Truth rows built to look listed and not be."""
    return t.filter(pl.col("label") == TruthLabel.HARD_NEGATIVE)


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
