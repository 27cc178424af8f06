"""What the sweep may do to the review file: push the night's hits, record its cut-offs, and
read the analysts' decisions back. The sweep calls `suppressed_pair_keys` /
`confirmed_pair_keys` at its start and `push_review_items` at its end, and nothing else."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import polars as pl

from pipelines.review import queries, thresholds
from pipelines.review.base import ReviewFile
from pipelines.review.db import HIT_COLUMNS
from pipelines.review.models import Decision
from pipelines.review.thresholds import SweepThresholds
from pipelines.runtime.workdays import add_working_days

__all__ = ["SweepReview", "SweepThresholds"]

_REQUIRED = ("pair_key", "record_id", "match_decision", "match_score")
_BOOL_COLUMNS = ("intercept", "would_intercept")
_TEXT_COLUMNS = [name for name, _ in HIT_COLUMNS if name not in ("match_score", *_BOOL_COLUMNS)]


def _prepare_hits(agency: str, hits: pl.DataFrame) -> pl.DataFrame:
    """Hits in the stored shape: every hit column present and typed, one row per hit_id."""
    missing = [c for c in _REQUIRED if c not in hits.columns]
    if missing:
        raise ValueError(f"hits frame lacks columns: {', '.join(missing)}")
    frame = hits if "agency" in hits.columns else hits.with_columns(pl.lit(agency).alias("agency"))
    frame = frame.filter(pl.col("agency") == agency)
    for name in _TEXT_COLUMNS:
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(name))
    for name in _BOOL_COLUMNS:
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Boolean).alias(name))
    frame = frame.select(
        *[pl.col(c).cast(pl.String) for c in _TEXT_COLUMNS],
        pl.col("match_score").cast(pl.Float64),
        *[_as_bool(frame, name) for name in _BOOL_COLUMNS],
    ).filter(pl.col("pair_key").is_not_null() & pl.col("record_id").is_not_null())
    # One row per (pair_key, agency, record_id): keep the strongest if several roles share it.
    return frame.sort("match_score", descending=True, nulls_last=True).unique(
        ["pair_key", "agency", "record_id"], keep="first", maintain_order=True
    )


def _as_bool(frame: pl.DataFrame, name: str) -> pl.Expr:
    """`intercept` arrives as bool or as the text `true`/`false` (hits.csv); store a bool."""
    if frame.schema[name] in (pl.Boolean, pl.Null):
        return pl.col(name).cast(pl.Boolean)
    return pl.col(name).cast(pl.String).str.to_lowercase().is_in(["true", "1", "yes"]).alias(name)


class SweepReview(ReviewFile):
    """The review file as the sweep, the screening desk and the court steps see it."""

    def push_review_items(
        self,
        agency: str,
        run_date: date,
        hits: pl.DataFrame,
        used: SweepThresholds | None = None,
    ) -> int:
        """Keep every hit as context and queue undecided `review` hits; returns new items.

        `used`, the cut-offs the sweep decided with, is recorded in the same transaction, so
        the sweep still visits this file only once at its end (even with no hit to push).
        """
        frame = _prepare_hits(agency, hits)
        if frame.is_empty() and used is None:
            return 0
        deadline = add_working_days(run_date, self.review_deadline_days)
        now = self.clock()

        def _push(con: duckdb.DuckDBPyConnection) -> int:
            if used is not None:
                thresholds.upsert(con, replace(used, recorded_at=now))
            if frame.is_empty():
                return 0
            con.register("incoming", frame)
            try:
                queries.upsert_hits(con, run_date)
                return queries.queue_review_hits(con, deadline, now)
            finally:
                con.unregister("incoming")

        return self.db.run(_push)

    def record_thresholds(self, used: SweepThresholds) -> None:
        """Record the cut-offs a sweep used (upsert by agency and run date)."""
        now = self.clock()
        self.db.run(lambda con: thresholds.upsert(con, replace(used, recorded_at=now)))

    def suppressed_pair_keys(self) -> set[str]:
        """Pairs whose latest decision is negative: the sweep drops them for good."""
        return self.db.run(lambda con: queries.pairs_with_latest(con, Decision.NEGATIVE))

    def confirmed_pair_keys(self) -> set[str]:
        """Pairs whose latest decision is positive: the sweep treats them as `match`."""
        return self.db.run(lambda con: queries.pairs_with_latest(con, Decision.POSITIVE))
