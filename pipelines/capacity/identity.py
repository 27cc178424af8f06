"""Tie welfare and asset rows, and legal-rep roles, to list entries with the matching engine.

Court evidence must not rest on a maybe, so only `match` decisions attach a record to a debtor.
A `review` pair is not scored; it is counted per entry (`unconfirmed_records`) and named in the
evidence text as "identity unconfirmed", so the court sees that something may be missing.
Gender is blanked on both sides before linking: the ID's sequence digit already carries it, and
the capacity score must not move when only the declared gender does (tests pin this).
Only `matching.link`'s signature and its hit columns are relied on, so the matcher's internals
may change without touching capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import polars as pl

from matching.config import MatchThresholds
from matching.parties import QUERY_SCHEMA

Source = Literal["welfare", "assets"]
# Role label of a welfare/asset party inside the engine; it never reaches an agency file.
SOURCE_ROLE = "subject"
_KEY = ("_id_key", "_name_key")


@dataclass(frozen=True)
class Links:
    """Source rows with the entry they belong to, plus per-entry counts (no personal data)."""

    welfare: pl.DataFrame
    assets: pl.DataFrame
    legal_reps: pl.DataFrame
    unconfirmed: pl.DataFrame
    stats: dict[str, int] = field(default_factory=dict)


def _org_shaped(ids: pl.Series) -> pl.Series:
    """True where an ID is a USCC or a bare organisation code, not a resident ID."""
    from matching.ids import is_org_number

    return is_org_number(ids)


def _keyed(records: pl.DataFrame) -> pl.DataFrame:
    """Records with null-safe identity keys (a null name or ID still forms one identity)."""
    return records.with_columns(
        pl.col("id_number").cast(pl.String).fill_null("").alias("_id_key"),
        pl.col("name").cast(pl.String).fill_null("").alias("_name_key"),
    )


def source_parties(records: pl.DataFrame, source: Source) -> pl.DataFrame:
    """One engine query party per distinct (id_number, name) of a source, with its `record_id`.

    Welfare rows are people by definition; an asset inquiry may concern an organisation, which
    only its number's shape tells (USCC / organisation code).
    """
    distinct = _keyed(records).select(*_KEY, "id_number", "name").unique(list(_KEY)).sort(_KEY)
    is_org = (
        _org_shaped(distinct["id_number"].cast(pl.String))
        if source == "assets"
        else pl.Series([False] * distinct.height, dtype=pl.Boolean)
    )
    return distinct.with_row_index("_i").select(
        (pl.lit(f"{source}:") + pl.col("_i").cast(pl.String)).alias("record_id"),
        pl.lit(SOURCE_ROLE).alias("role"),
        pl.when(is_org).then(pl.lit("org")).otherwise(pl.lit("person")).alias("party_type"),
        pl.col("name").cast(pl.String),
        pl.col("id_number").cast(pl.String),
        pl.lit(None, pl.String).alias("id_type"),
        pl.lit(None, pl.String).alias("gender"),
        pl.lit(None, pl.Date).alias("birth_date"),
        *_KEY,
    )


def debtor_parties(entries: pl.DataFrame) -> pl.DataFrame:
    """List parties of the entries themselves (not their legal reps), gender blanked."""
    from matching.parties import list_parties

    parties = list_parties(entries)
    return parties.filter(pl.col("list_role") == "debtor").with_columns(
        pl.lit(None, pl.String).alias("gender")
    )


def _hits(
    query: pl.DataFrame,
    listed: pl.DataFrame,
    thresholds: MatchThresholds,
    as_of: date,
) -> pl.DataFrame:
    """`record_id, entry_id, list_role, match_decision` of the engine's hits (empty-safe)."""
    from matching import link

    if query.is_empty() or listed.is_empty():
        return pl.DataFrame(
            schema={
                "record_id": pl.String,
                "entry_id": pl.String,
                "list_role": pl.String,
                "match_decision": pl.String,
            }
        )
    result = link(
        query.select(list(QUERY_SCHEMA)).cast(QUERY_SCHEMA),  # type: ignore[arg-type]
        listed,
        model=None,
        thresholds=thresholds,
        as_of=as_of,
    )
    return result.hits.select("record_id", "entry_id", "list_role", "match_decision")


def link_source(
    entries: pl.DataFrame,
    records: pl.DataFrame,
    source: Source,
    *,
    thresholds: MatchThresholds,
    as_of: date,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(records with `entry_id` for `match` hits, per-entry count of `review`-only rows)."""
    parties = source_parties(records, source)
    hits = _hits(parties, debtor_parties(entries), thresholds, as_of).filter(
        pl.col("list_role") == "debtor"
    )
    keyed = _keyed(records).join(parties.select("record_id", *_KEY), on=list(_KEY), how="left")
    confirmed = hits.filter(pl.col("match_decision") == "match").select("record_id", "entry_id")
    linked = keyed.join(confirmed, on="record_id", how="inner").drop("record_id", *_KEY)
    maybe = hits.filter(pl.col("match_decision") == "review").select("record_id", "entry_id")
    # A pair already confirmed for that entry is not also "unconfirmed".
    maybe = maybe.join(confirmed, on=["record_id", "entry_id"], how="anti")
    unconfirmed = (
        keyed.join(maybe, on="record_id", how="inner")
        .group_by("entry_id")
        .agg(pl.len().cast(pl.Int64).alias("unconfirmed_records"))
    )
    return linked, unconfirmed


def legal_rep_roles(
    entries: pl.DataFrame, *, thresholds: MatchThresholds, as_of: date
) -> pl.DataFrame:
    """Per person entry, how many listed organisations name them as legal representative.

    The person entries are screened against the org entries' `legal_rep` parties; only `match`
    counts, so a rep named without any ID never ties a 张伟 to every company run by a 张伟.
    """
    from matching.parties import list_parties

    parties = list_parties(entries).with_columns(pl.lit(None, pl.String).alias("gender"))
    people = parties.filter(
        (pl.col("list_role") == "debtor") & (pl.col("party_type") == "person")
    ).select(
        pl.col("entry_id").alias("record_id"),
        pl.lit(SOURCE_ROLE).alias("role"),
        "party_type",
        "name",
        "id_number",
        pl.lit(None, pl.String).alias("id_type"),
        "gender",
        pl.lit(None, pl.Date).alias("birth_date"),
    )
    reps = parties.filter(pl.col("list_role") == "legal_rep")
    hits = _hits(people, reps, thresholds, as_of).filter(
        (pl.col("match_decision") == "match") & (pl.col("record_id") != pl.col("entry_id"))
    )
    return hits.group_by(pl.col("record_id").alias("entry_id")).agg(
        pl.col("entry_id").n_unique().cast(pl.Int64).alias("legal_rep_roles")
    )


def link_all(
    entries: pl.DataFrame,
    *,
    welfare: pl.DataFrame,
    assets: pl.DataFrame,
    thresholds: MatchThresholds,
    as_of: date,
) -> Links:
    """Everything the features need from identity: linked rows, rep roles, unconfirmed counts."""
    wel, wel_maybe = link_source(entries, welfare, "welfare", thresholds=thresholds, as_of=as_of)
    ast, ast_maybe = link_source(entries, assets, "assets", thresholds=thresholds, as_of=as_of)
    unconfirmed = (
        pl.concat([wel_maybe, ast_maybe])
        .group_by("entry_id")
        .agg(pl.col("unconfirmed_records").sum())
    )
    reps = legal_rep_roles(entries, thresholds=thresholds, as_of=as_of)
    stats = {
        "welfare_rows": welfare.height,
        "welfare_rows_linked": wel.height,
        "asset_rows": assets.height,
        "asset_rows_linked": ast.height,
        "rows_identity_unconfirmed": int(unconfirmed["unconfirmed_records"].sum() or 0),
        "legal_rep_links": int(reps["legal_rep_roles"].sum() or 0),
    }
    return Links(wel, ast, reps, unconfirmed, stats)
