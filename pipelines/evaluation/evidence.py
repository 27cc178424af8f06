"""Which identifiers the two sides of a true pair carry: the evidence class of each positive.

Without an identifier only a name is left, and a name alone never identifies a person, so recall
per class tells "the matcher failed" apart from "there was nothing to match on".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from matching.features import party_features
from pipelines.evaluation.truth import KEY

EVIDENCE_CLASSES = ("both_ids", "query_no_id", "list_no_id", "neither")
NOT_SCREENED = "not_screened"
# The identifier columns of `party_features`; `link` treats a party with none of them as unnumbered.
ID_COLUMNS = ("pid", "uscc", "org_code")


@dataclass(frozen=True)
class Parties:
    """Both sides as matching saw them (`query_parties`, `list_parties`) and the run date."""

    query: pl.DataFrame
    listed: pl.DataFrame
    as_of: date


def _has_id(parties: pl.DataFrame, keys: list[str], as_of: date) -> pl.DataFrame:
    """Per party key: whether matching's features found any usable identifier (masked counts)."""
    if parties.is_empty():
        return pl.DataFrame(schema={**{k: pl.String for k in keys}, "has_id": pl.Boolean})
    usable = pl.any_horizontal(pl.col(c).is_not_null() for c in ID_COLUMNS)
    return (
        party_features(parties, as_of)
        .select(*[pl.col(k).cast(pl.String) for k in keys], usable.alias("has_id"))
        .group_by(keys)  # a duplicated record id: the matcher saw every copy
        .agg(pl.col("has_id").any())
    )


def _evidence_expr(query_ok: pl.Expr, list_ok: pl.Expr) -> pl.Expr:
    """The evidence class from whether each side carries a usable identifier."""
    return (
        pl.when(query_ok & list_ok)
        .then(pl.lit("both_ids"))
        .when(list_ok)
        .then(pl.lit("query_no_id"))
        .when(query_ok)
        .then(pl.lit("list_no_id"))
        .otherwise(pl.lit("neither"))
    )


def classify_evidence(
    positives: pl.DataFrame, parties: Parties, screened: pl.Series | None = None
) -> pl.DataFrame:
    """Class each positive (record_id, role, entry_id, list_role) by the IDs its two sides carry.

    Only the parties the positives name go through `party_features`, so this stays cheap on a
    large list. A side matching never saw (role left empty, entry not current) carries nothing.
    Positives on records outside `screened` are `not_screened`: the contract, not the matcher,
    lost them. One row per (record_id, role, entry_id); several list roles keep the best class.
    """
    q_keys, l_keys = ["record_id", "role"], ["entry_id", "list_role"]
    wanted_q = positives.select(q_keys).unique()
    wanted_l = positives.select(l_keys).unique()
    query = parties.query.with_columns(pl.col(k).cast(pl.String) for k in q_keys)
    listed = parties.listed.with_columns(pl.col(k).cast(pl.String) for k in l_keys)
    if "status" in listed.columns:  # matching screens active entries only
        listed = listed.filter(pl.col("status").fill_null("active") == "active")
    q_ids = _has_id(query.join(wanted_q, on=q_keys, how="semi"), q_keys, parties.as_of)
    l_ids = _has_id(listed.join(wanted_l, on=l_keys, how="semi"), l_keys, parties.as_of)
    sides = (
        positives.join(q_ids.rename({"has_id": "_q"}), on=q_keys, how="left")
        .join(l_ids.rename({"has_id": "_l"}), on=l_keys, how="left")
        .group_by(KEY, maintain_order=True)
        .agg(pl.col("_q").fill_null(False).any(), pl.col("_l").fill_null(False).any())
    )
    evidence = _evidence_expr(pl.col("_q"), pl.col("_l"))
    if screened is not None:
        seen = pl.col("record_id").is_in(screened.cast(pl.String).implode())
        evidence = pl.when(seen).then(evidence).otherwise(pl.lit(NOT_SCREENED))
    return sides.select(*KEY, evidence.alias("evidence"))
