"""The sweep's matching step: every screened role of every record against the current list.

Analyst decisions are applied here (rejected pairs dropped, confirmed pairs promoted), then the
agency's sanction rule, then the facts the outputs and the capacity score need are joined on.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from matching.config import FEW_ROWS
from matching.vocab import MatchDecision
from pipelines.runtime.stage_clock import StageClock
from pipelines.settings import Settings
from pipelines.sweep.list_side_cache import ListSideStore, night_list_side

if TYPE_CHECKING:
    from pipelines.sanctions.config import AgencySettings
    from pipelines.sweep.analyst import AnalystInput

# Consumption facts of the record, carried into hits.csv for the capacity score.
CONTEXT_COLUMNS = (
    "hotel_star",
    "room_rate",
    "check_in",
    "school_type",
    "annual_fee",
    "enrolled_on",
    "amount",
    "applied_on",
    "registered_on",
)
def apply_decisions(
    hits: pl.DataFrame, suppressed: Collection[str], confirmed: Collection[str]
) -> pl.DataFrame:
    """Drop analyst-rejected pairs and promote analyst-confirmed ones to `match`."""
    if hits.is_empty():
        return hits
    if hits.height <= FEW_ROWS and not any(
        k in suppressed or k in confirmed for k in hits["pair_key"].to_list()
    ):
        return hits  # the desk's few hits, none judged: the columnar steps would change nothing
    return _columnar_decisions(hits, suppressed, confirmed)


def _columnar_decisions(
    hits: pl.DataFrame, suppressed: Collection[str], confirmed: Collection[str]
) -> pl.DataFrame:
    kept = hits.filter(~pl.col("pair_key").is_in(list(suppressed)))
    return kept.with_columns(
        pl.when(pl.col("pair_key").is_in(list(confirmed)))
        .then(pl.lit(MatchDecision.MATCH.value))
        .otherwise(pl.col("match_decision"))
        .alias("match_decision")
    )


def pair_engine(settings: Settings) -> dict:
    """`link`'s pair scoring runner for the configured engine (none: its local default)."""
    if settings.engine.engine != "spark":
        return {}
    from pipelines.sweep.spark_engine import SparkPairScorer

    return {"score_pairs": SparkPairScorer(settings.engine.spark_master)}


def _entry_facts(entries: pl.DataFrame) -> pl.DataFrame:
    return entries.select(
        "entry_id",
        "list_type",
        pl.col("status").alias("entry_status"),
        pl.col("name").alias("list_name"),
        pl.col("id_number").alias("list_id_number"),
        *[c for c in ("case_no", "court", "removed_on") if c in entries.columns],
    )


def screen(
    records: pl.DataFrame,
    entries: pl.DataFrame,
    analyst: AnalystInput,
    *,
    agency: str,
    agency_rules: AgencySettings,
    settings: Settings,
    run_date: date,
    clock: StageClock | None = None,
    list_store: ListSideStore | None = None,
) -> tuple[pl.DataFrame, dict]:
    """Screen every role of every record against the list; return hits with rule verdicts.

    `agency_rules` are the agency's resolved settings; `analyst` what the review store held at
    the start of the run (`pipelines.sweep.analyst`); `list_store` keeps the list side of
    matching between the night's sweeps (`pipelines.sweep.list_side_cache`).
    """
    from matching import link
    from matching.link import lowest_review
    from matching.parties import list_parties, query_parties
    from pipelines.review.feedback import matching_from_labels, with_thresholds_used
    from pipelines.sanctions.rules import apply_rule

    clock = clock or StageClock()
    with clock.stage("parties"):
        query = query_parties(records, agency_rules.roles)
        listed = list_parties(entries)
    with clock.stage("match"):
        # analyst labels refine the packaged model and may move the thresholds; in
        # target mode link derives the thresholds from this sweep's own scores
        model, rule, feedback = matching_from_labels(settings, analyst.labels)
    with clock.stage("list_side"):  # the same for every agency of the night: kept by `list_store`
        # held in a list popped into the call, so `link` holds the only reference and can free
        # the list's blocking keys once the pairs are made
        first, saving = night_list_side(listed, model, lowest_review(rule), run_date, list_store)
        side = [first]
        del first
    with clock.stage("match"):
        result = link(
            query,
            listed,
            model=model,
            thresholds=rule,
            as_of=run_date,
            confirmed=analyst.confirmed,
            review_budget=math.ceil(agency_rules.review_budget_share * records.height),
            list_side=side.pop(),
            **pair_engine(settings),
        )
    if saving is not None:
        with clock.stage("list_side"):
            saving.join()  # stored whole (or not at all) before the run goes on
    rep_rows = listed.filter(pl.col("list_role") == "legal_rep")
    listed_reps = (rep_rows.height, int(rep_rows["id_number"].is_not_null().sum()))
    del listed
    with clock.stage("rules"):
        hits = apply_decisions(result.hits, analyst.suppressed, analyst.confirmed)
        ruled = apply_rule(hits, records, entries, agency_rules)
    with clock.stage("rules"):
        enriched = enrich_hits(ruled, records, entries, query, agency)
    stats = dict(result.stats)
    stats["suppressed_pairs_dropped"] = result.hits.height - hits.height
    stats["legal_reps"] = {"listed": listed_reps[0], "with_number": listed_reps[1]}
    stats["feedback"] = with_thresholds_used(feedback, result.stats)
    return enriched, stats


def enrich_hits(
    ruled: pl.DataFrame,
    records: pl.DataFrame,
    entries: pl.DataFrame,
    query: pl.DataFrame,
    agency: str,
) -> pl.DataFrame:
    """Ruled hits plus the entry's facts, the record's context and the screened party's name."""
    # rules rewrite `role` to legal_rep for a listed org's representative;
    # the screened role stays in query_role
    names = query.select(
        "record_id",
        pl.col("role").alias("query_role"),
        pl.col("name").alias("query_name"),
        pl.col("id_number").alias("query_id_number"),
    )
    context = records.select("record_id", *[c for c in CONTEXT_COLUMNS if c in records.columns])
    facts = _entry_facts(entries)
    if ruled.height <= FEW_ROWS and names.height <= FEW_ROWS and records.height <= FEW_ROWS:
        # the desk's few hits: three left joins by row positions instead of three joins
        out = _left_rows(ruled, facts, ("entry_id",))
        out = _left_rows(out, context.unique("record_id", keep="first"), ("record_id",))
        out = _left_rows(out, names, ("record_id", "query_role"))
        return out.with_columns(pl.lit(agency).alias("agency"))
    return _joined_hits(ruled, facts, context, names, agency)


def _joined_hits(
    ruled: pl.DataFrame,
    facts: pl.DataFrame,
    context: pl.DataFrame,
    names: pl.DataFrame,
    agency: str,
) -> pl.DataFrame:
    return (
        ruled.join(facts, on="entry_id", how="left")
        .join(context.unique("record_id", keep="first"), on="record_id", how="left")
        .join(names, on=["record_id", "query_role"], how="left")
        .with_columns(pl.lit(agency).alias("agency"))
    )


def _left_rows(left: pl.DataFrame, right: pl.DataFrame, on: tuple[str, ...]) -> pl.DataFrame:
    """`left.join(right, on=on, how="left")` for a few rows: every right row whose keys equal
    (nulls never match), in order, or one row of nulls; the same columns and types."""
    clash = set(left.columns) & set(right.columns) - set(on)
    if clash or any(left.schema[k] != right.schema[k] for k in on):
        return left.join(right, on=list(on), how="left")  # suffixes and casts: polars decides
    rkeys = list(zip(*(right[k].to_list() for k in on), strict=True))
    lkeys = list(zip(*(left[k].to_list() for k in on), strict=True))
    li: list[int] = []
    ri: list[int | None] = []
    for i, key in enumerate(lkeys):
        found = [j for j, k in enumerate(rkeys) if None not in key and k == key]
        li.extend([i] * max(len(found), 1))
        ri.extend(found or [None])
    taken = right.drop(list(on)).select(pl.all().gather(pl.Series(ri, dtype=pl.UInt32)))
    return left[li].hstack(taken.get_columns())


def review_payload(
    hits: pl.DataFrame, records: pl.DataFrame, entries: pl.DataFrame
) -> pl.DataFrame:
    """Every hit plus both records as JSON: the queue takes the `review` ones, while the agency
    page and the agency's outcomes need the automatic matches too."""
    reviewable = hits
    record_json = records.select(
        pl.col("record_id"),
        pl.struct(pl.exclude("record_id", "_source", "_row"))
        .struct.json_encode()
        .alias("record_json"),
    )
    entry_json = entries.select(
        pl.col("entry_id"),
        pl.struct(pl.exclude("entry_id")).struct.json_encode().alias("entry_json"),
    )
    return reviewable.join(record_json, on="record_id", how="left").join(
        entry_json.unique("entry_id"), on="entry_id", how="left"
    )
