"""The screening desk: records in, the nightly sweep's decisions out, one record at a time.

Each step is the sweep's own: the data contract's row checks (`data_contracts.rows`), query
parties (`matching.parties`), the matcher (`pipelines.screen.index` over `matching`), analyst
decisions and the sanction rule (`pipelines.sweep.screening.apply_decisions`,
`pipelines.sanctions.rules`), the alerts ledger (`pipelines.sanctions.alerts.sync_alerts`, same
stable alert ids) and the analysts' queue
(`SweepReview.push_review_items`). The thresholds are the ones the latest nightly sweep of the
agency recorded (a target-mode cut-off depends on a whole night's scores, which one record
cannot reproduce), else what a sweep would use before scoring (settings, moved by labels).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from matching.calibrate import choose_thresholds
from matching.config import MatchThresholds
from matching.parties import query_parties
from pipelines.runtime.workdays import add_working_days
from pipelines.screen.deliveries import Deliveries, Delivery
from pipelines.screen.index import ListIndex, confirmed_rows, entries_of, match_parties
from pipelines.screen.records import records_frame
from pipelines.screen.source import ListSource
from pipelines.settings import Settings, agency_settings
from pipelines.storage.file_watch import FileWatch

DECISIONS = ("intercept", "review", "clear")


@dataclass(frozen=True)
class Judgements:
    """Analyst decisions and per-agency cut-offs, re-read at a poll when the review file changed."""

    suppressed: frozenset[str] = frozenset()
    confirmed: frozenset[str] = frozenset()
    thresholds: dict[str, MatchThresholds] = field(default_factory=dict)
    confirmed_lf: pl.DataFrame | None = None


@dataclass(frozen=True)
class Screened:
    """One record's answer: the API's 200 body, or a one-line reason it cannot be screened."""

    body: dict[str, Any] | None = None
    error: str | None = None


class Desk:
    """Holds the current index (swapped whole, never edited) and answers screening requests."""

    def __init__(
        self, settings: Settings, source: ListSource, review_db: Path | None, journal: Path
    ) -> None:
        self.settings = settings
        self.source = source
        self.review_db = review_db
        self.deliveries = Deliveries(journal, self._write)
        self._index: ListIndex | None = None
        self._judged = Judgements()
        # one visit at a time to the warehouse and the review store from this process: DuckDB
        # refuses a second attach of a file while another thread holds it in another mode
        self.stores = threading.Lock()
        self._reload = threading.Lock()
        # the poll re-reads a store only when its file may have changed: reading costs the
        # requests being served both cores for a moment, and the stores rarely change
        self._list_file = FileWatch(source.warehouse.path)
        self._review_file = FileWatch(review_db)

    @property
    def index(self) -> ListIndex | None:
        return self._index

    def refresh(self) -> bool:
        """Index a new list version (or a new day) and swap it in; re-read judgements.

        Each store is read only when its file may have changed since it was last read (always
        for an in-memory warehouse). Returns whether the index was swapped. Requests in flight
        keep the index they started with: the swap is one reference assignment.
        """
        with self._reload:
            today = self.source.today()
            current = self._index
            swapped = False
            if current is None or current.as_of != today or self._list_file.changed():
                with self.stores:
                    version = self._list_file.read(self.source.version)
                if current is None or current.version != version or current.as_of != today:
                    with self.stores:  # read under the lock, index outside it
                        entries = self.source.entries(today)
                        model, rule = self.source.matching()
                    self.swap(self.source.index_of(version, today, entries, model, rule))
                    swapped = True
            if swapped or self._review_file.changed():  # confirmed pairs' rows are the index's
                with self.stores:
                    self._judged = self._review_file.read(lambda: self._judgements(self._index))
            return swapped

    def swap(self, index: ListIndex) -> None:
        """Put `index` in place: one reference assignment, so no request sees half of it."""
        self._index = index

    def _judgements(self, index: ListIndex | None) -> Judgements:
        from pipelines.sweep.analyst import analyst_decisions

        suppressed, confirmed = analyst_decisions(self.review_db)
        rule = self.source.threshold_rule()
        fallback = choose_thresholds(rule, np.empty(0)).thresholds
        recorded = self._recorded_thresholds()
        cutoffs: dict[str, MatchThresholds] = {
            str(a): recorded.get(a, fallback) for a in self.settings.agencies
        }
        keys = frozenset(confirmed)
        rows = confirmed_rows(index, keys) if index is not None else None
        return Judgements(frozenset(suppressed), keys, cutoffs, rows)

    def _recorded_thresholds(self) -> dict[str, MatchThresholds]:
        if self.review_db is None or not self.review_db.exists():
            return {}
        from pipelines.review.sweep_side import SweepReview

        store = SweepReview(self.review_db)
        store.migrate()
        return {
            t.agency: MatchThresholds(source="fixed", match=t.match, review=t.review)
            for t in store.latest_thresholds()
        }

    def thresholds(self, agency: str) -> MatchThresholds:
        """The cut-offs `agency`'s records are decided with now."""
        return self._judged.thresholds[agency]

    def screen(self, agency: str, records: list[dict[str, Any]]) -> list[Screened]:
        """Screen records of `agency` (one row of its dataset each), answers in order."""
        index = self._index
        if index is None:
            raise RuntimeError("index not built yet")
        judged = self._judged
        rules = agency_settings(self.settings, agency)
        checked = records_frame(agency, records, self.settings, index.as_of)
        answers: list[Screened] = [Screened(error=e) for e in checked.errors]
        clean = checked.clean
        if clean.height == 0:
            return answers
        query = query_parties(clean, rules.roles)
        hits = match_parties(
            index,
            query,
            judged.thresholds[agency],
            judged.confirmed,
            judged.confirmed_lf if judged.confirmed_lf is not None else index.lf.head(0),
        )
        by_record: dict[Any, pl.DataFrame] = {}
        # No hit (most records): the decisions, the rule and the ledger have no row to work on,
        # and their answer for no row is no row, so they are not run for nothing.
        if hits.height:
            ruled, entries = self._ruled(index, hits, clean, query, agency, judged)
            self._deliver(index, agency, ruled, clean, entries)
            if clean.height == 1:  # one record (the desk's usual request): its rows are all
                by_record = {(clean["record_id"].item(),): ruled} if ruled.height else {}
            elif ruled.height:
                by_record = ruled.partition_by("record_id", as_dict=True)
        for pos, record_id in zip(checked.positions, clean["record_id"].to_list(), strict=True):
            rows = by_record.get((record_id,))
            answers[pos] = Screened(body=_body(record_id, rows, index, agency))
        return answers

    def _ruled(
        self,
        index: ListIndex,
        hits: pl.DataFrame,
        records: pl.DataFrame,
        query: pl.DataFrame,
        agency: str,
        judged: Judgements,
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The hits ruled and enriched with their alert ids, and the hit entries' rows."""
        from pipelines.sanctions.alerts import alert_ids
        from pipelines.sanctions.rules import apply_rule
        from pipelines.sweep.screening import apply_decisions, enrich_hits

        kept = apply_decisions(hits, judged.suppressed, judged.confirmed)
        entries = _entries_of(index, kept["entry_id"].to_list())
        ruled = apply_rule(kept, records, entries, agency_settings(self.settings, agency))
        enriched = enrich_hits(ruled, records, entries, query, agency)
        if enriched.is_empty():
            return enriched.with_columns(pl.lit(None, pl.String).alias("alert_id")), entries
        return enriched.hstack([alert_ids(enriched)]), entries

    def _deliver(
        self,
        index: ListIndex,
        agency: str,
        ruled: pl.DataFrame,
        records: pl.DataFrame,
        entries: pl.DataFrame,
    ) -> None:
        """Intercepts and reviews journalled now, in the ledger and the queue moments later.

        `entries`: the rows of the entries the hits were ruled on (the rule and the enrichment
        drop no entry id, so they are the ruled hits' entries too)."""
        decisions = ruled["match_decision"].to_list()
        if not any(ruled["intercept"].to_list()) and "review" not in decisions:
            return  # nothing for the ledger or the queue: journal nothing
        self.deliveries.put(Delivery(agency, index.as_of, ruled, records, entries))

    def _write(self, delivery: Delivery) -> None:
        """One journalled delivery into the alerts ledger and the analysts' queue."""
        from pipelines.sanctions.alerts import sync_alerts
        from pipelines.sweep.screening import review_payload

        ruled = delivery.ruled
        intercepts = ruled.filter(pl.col("intercept"))
        reviews = ruled.filter(pl.col("match_decision") == "review")
        with self.stores:
            if intercepts.height:
                sync_alerts(
                    self.source.warehouse,
                    delivery.agency,
                    delivery.as_of,
                    intercepts,
                    set(self._judged.suppressed),
                )
            if reviews.height and self.review_db is not None:
                from pipelines.review.sweep_side import SweepReview

                entries = delivery.entries.filter(
                    pl.col("entry_id").is_in(reviews["entry_id"].unique().implode())
                )
                SweepReview(self.review_db).push_review_items(
                    delivery.agency,
                    delivery.as_of,
                    review_payload(ruled, delivery.records, entries),
                )


def _entries_of(index: ListIndex, entry_ids: list[str]) -> pl.DataFrame:
    """`entries_of`; one listed entry (most intercepts) as a one-row slice of the list, which
    shares its buffers, where a gather would copy that row out of every column (on polars'
    threads, which a busy machine is slow to wake)."""
    if len(set(entry_ids)) == 1 and entry_ids[0] in index.entry_rows:
        return index.entries.slice(index.entry_rows[entry_ids[0]], 1)
    return entries_of(index, entry_ids)


def _body(
    record_id: str, rows: pl.DataFrame | None, index: ListIndex, agency: str
) -> dict[str, Any]:
    hits = [] if rows is None else [_hit(r, index.as_of) for r in rows.iter_rows(named=True)]
    if any(h["intercept"] for h in hits):
        decision = "intercept"
    elif any(h["match_decision"] == "review" for h in hits):
        decision = "review"
    else:
        decision = "clear"
    return {
        "record_id": record_id,
        "agency": agency,
        "decision": decision,
        "hits": hits,
        "list_version": index.version,
    }


def _hit(row: dict[str, Any], as_of: date) -> dict[str, Any]:
    intercept = bool(row["intercept"])
    days = row.get("deadline_working_days")
    deadline = add_working_days(as_of, int(days)).isoformat() if intercept and days else None
    return {
        "role": row["role"],
        "entry_id": row["entry_id"],
        "match_decision": row["match_decision"],
        "match_score": round(float(row["match_score"]), 6),
        "intercept": intercept,
        "rule_id": row["rule_id"],
        "action": row.get("action"),
        "legal_basis": row.get("legal_basis"),
        "deadline": deadline,
        "alert_id": row["alert_id"] if intercept else None,
        "reason": row.get("reason"),
    }
