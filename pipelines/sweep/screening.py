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
from matching.frames import gather_rows, take
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
    if hits.height <= FEW_ROWS:
        keys = hits["pair_key"].to_list()
        if not any(k is None or k in suppressed or k in confirmed for k in keys):
            # the desk's few hits, none judged (nor keyless): the columnar steps change nothing
            return hits
        if _decided_in_python(hits):
            return _decisions_rows(hits, keys, suppressed, confirmed)
    return _columnar_decisions(hits, suppressed, confirmed)


def _decided_in_python(hits: pl.DataFrame) -> bool:
    """Whether `_decisions_rows` gives the columnar frame: text keys and decisions (another
    dtype goes by polars' casts)."""
    schema = hits.schema
    return schema.get("pair_key") == pl.String and schema.get("match_decision") == pl.String


def _decisions_rows(
    hits: pl.DataFrame,
    keys: list[str | None],
    suppressed: Collection[str],
    confirmed: Collection[str],
) -> pl.DataFrame:
    """`_columnar_decisions` on a few hits (a confirmed person at the desk again), without an
    expression, a filter or a frame gather, which wait on polars' pool."""
    # `is_in` gives a null key null, and the filter drops it as it drops a suppressed key
    kept = [i for i, k in enumerate(keys) if k is not None and k not in suppressed]
    out = hits if len(kept) == hits.height else gather_rows(hits, kept)
    promoted = [keys[i] in confirmed for i in kept]
    if not any(promoted):
        return out
    decisions = out["match_decision"].to_list()
    column = pl.Series(
        "match_decision",
        [MatchDecision.MATCH.value if p else d for p, d in zip(promoted, decisions, strict=True)],
        dtype=pl.String,
    )
    out = out.clone()  # the caller's frame keeps its column
    out.replace_column(out.get_column_index("match_decision"), column)
    return out


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


# The entry's facts joined onto hits (entries column -> hit column), then those joined when the
# list has them; the screened party's facts from the query parties, likewise.
ENTRY_FACTS = {
    "list_type": "list_type",
    "status": "entry_status",
    "name": "list_name",
    "id_number": "list_id_number",
}
OPTIONAL_ENTRY_FACTS = ("case_no", "court", "removed_on")
QUERY_FACTS = {"role": "query_role", "name": "query_name", "id_number": "query_id_number"}


def _entry_facts(entries: pl.DataFrame) -> pl.DataFrame:
    return entries.select(
        "entry_id",
        *[pl.col(c).alias(name) for c, name in ENTRY_FACTS.items()],
        *[c for c in OPTIONAL_ENTRY_FACTS if c in entries.columns],
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
    if ruled.height <= FEW_ROWS and query.height <= FEW_ROWS and records.height <= FEW_ROWS:
        few = _enriched_rows(ruled, records, entries, query, agency)
        if few is not None:
            return few
    names = query.select("record_id", *[pl.col(c).alias(name) for c, name in QUERY_FACTS.items()])
    context = records.select("record_id", *[c for c in CONTEXT_COLUMNS if c in records.columns])
    return _joined_hits(ruled, _entry_facts(entries), context, names, agency)


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


def _enriched_rows(
    ruled: pl.DataFrame,
    records: pl.DataFrame,
    entries: pl.DataFrame,
    query: pl.DataFrame,
    agency: str,
) -> pl.DataFrame | None:
    """`_joined_hits` for the desk's few hits, or None when polars must decide (a column name
    the joins would suffix, key types that differ). The three left joins, row by row: every
    right row whose keys equal (nulls never match), in order, else one row of nulls; the right
    columns taken off the frames as they are (renamed, gathered only when rows move)."""
    facts = {
        "entry_id": entries["entry_id"],
        **{name: entries[c].alias(name) for c, name in ENTRY_FACTS.items()},
        **{c: entries[c] for c in OPTIONAL_ENTRY_FACTS if c in entries.columns},
    }
    context = {c: records[c] for c in ("record_id", *CONTEXT_COLUMNS) if c in records.columns}
    names = {"record_id": query["record_id"]}
    names.update({name: query[c].alias(name) for c, name in QUERY_FACTS.items()})
    joins = (
        (facts, ("entry_id",), False),
        (context, ("record_id",), True),  # the records' first row of an id only
        (names, ("record_id", "query_role"), False),
    )
    added = [c for right, on, _ in joins for c in right if c not in on]
    if set(added) & set(ruled.columns) or len(set(added)) < len(added) or "agency" in added:
        return None
    if any(ruled.schema[k] != right[k].dtype for right, on, _ in joins for k in on):
        return None
    matches: list[list[list[int | None]]] = []  # per join, per left row: right rows
    for right, on, first_only in joins:
        where: dict[tuple, list[int]] = {}
        for j, key in enumerate(zip(*(right[k].to_list() for k in on), strict=True)):
            if None not in key and (not first_only or key not in where):
                where.setdefault(key, []).append(j)
        left = zip(*(ruled[k].to_list() for k in on), strict=True)
        matches.append([list(where.get(key, [None])) for key in left])
    li: list[int] = []
    ri: list[list[int | None]] = [[], [], []]
    for i in range(ruled.height):
        for f in matches[0][i]:
            for c in matches[1][i]:
                for n in matches[2][i]:
                    li.append(i)
                    for k, r in enumerate((f, c, n)):
                        ri[k].append(r)
    out = ruled if li == list(range(ruled.height)) else gather_rows(ruled, li)
    columns = [
        _taken(s, rows)
        for (right, on, _), rows in zip(joins, ri, strict=True)
        for c, s in right.items()
        if c not in on
    ]
    columns.append(pl.Series("agency", [agency] * len(li), dtype=pl.String))
    return out.hstack(columns)


def _taken(column: pl.Series, rows: list[int | None]) -> pl.Series:
    """`column` at `rows` (None: a null), without a gather when the rows are all of it."""
    if rows == list(range(column.len())):
        return column
    return take(column, pl.Series(rows, dtype=pl.UInt32))


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
