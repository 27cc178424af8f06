"""The generator's truth as the evaluation truth table (`pipelines.evaluation.truth`).

The generator tags each truth row with the one quirk that made it (`noise` in
`truth/matches.parquet`): a person quirk, `org_variant`, a look-alike ending in `_negative`,
`removed_entry` for an entry the delta removed, or `none`. Evaluation reads no such names: this
module turns them into the generic `label` (match / removed / hard_negative / none) and keeps the
tag as the `category` figures are broken down by. The label values are the evaluation table's
(`TruthLabel`); they are written here as text because the generator sits below evaluation.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

REMOVED_TAG = "removed_entry"
"""The tag of a truth row whose entry was removed in the delta (the right person, not listed)."""
NEGATIVE_SUFFIX = "_negative"
"""The tags of records built to look listed and not be (homonyms, birthdate, ID neighbours...)."""


def truth_table(matches: pl.DataFrame) -> pl.DataFrame:
    """`truth/matches.parquet` rows as the evaluation truth table (label and category added)."""
    noise = pl.col("noise").cast(pl.String).fill_null("none")
    label = (
        pl.when(noise == REMOVED_TAG)
        .then(pl.lit("removed"))
        .when(pl.col("entry_id").is_not_null())
        .then(pl.lit("match"))
        .when(noise.str.ends_with(NEGATIVE_SUFFIX))
        .then(pl.lit("hard_negative"))
        .otherwise(pl.lit("none"))
    )
    optional = [pl.col("list_role").cast(pl.String)] if "list_role" in matches.columns else []
    return matches.select(
        pl.col("agency").cast(pl.String),
        pl.col("record_id").cast(pl.String),
        pl.col("role").cast(pl.String),
        pl.col("entry_id").cast(pl.String),
        *optional,
        label.alias("label"),
        noise.alias("category"),
    )


def read_truth(path: Path) -> pl.DataFrame:
    """A generated world's `truth/matches.parquet` as the evaluation truth table."""
    return truth_table(pl.read_parquet(path))
