"""The review file both sides share: its connection owner, clock and deadlines.

The sweep reaches it through `sweep_side.SweepReview`, the workbench through
`web_side.WebReview`; what both need (migration, analyst labels, the recorded cut-offs, agency
outcomes, which arrive from reply files as well as from the web) lives here. Every method is
one short transaction (see `db.ReviewDb`), so a decision never waits on a running sweep for
longer than the sweep's own brief visit to this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.review import accounts, queries, thresholds
from pipelines.review.db import ReviewDb
from pipelines.review.models import Outcome, OutcomeSummary
from pipelines.review.thresholds import SweepThresholds
from pipelines.runtime.workdays import add_working_days

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _outcome_rows(rows: pl.DataFrame | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Agency feedback rows, validated: alert_id, outcome (enum), optional note."""
    items = rows.to_dicts() if isinstance(rows, pl.DataFrame) else [dict(r) for r in rows]
    checked = []
    for number, row in enumerate(items, start=1):
        alert_id = str(row.get("alert_id") or "").strip()
        outcome = str(row.get("outcome") or "").strip()
        if not alert_id:
            raise ValueError(f"outcome row {number}: alert_id is empty")
        if outcome not in Outcome.__members__.values():
            raise ValueError(f"outcome row {number}: unknown outcome {outcome!r}")
        note = row.get("note")
        checked.append({"alert_id": alert_id, "outcome": Outcome(outcome), "note": note or None})
    return checked


class ReviewFile:
    """Review state in its own DuckDB file, reached only through short transactions."""

    def __init__(
        self,
        path: str | Path,
        *,
        retry_s: float = 30.0,
        review_deadline_days: int = 1,
        dispute_deadline_days: int = 5,
        clock: Clock = _utcnow,
    ) -> None:
        self.db = ReviewDb(path, retry_s=retry_s)
        self.review_deadline_days = review_deadline_days
        self.dispute_deadline_days = dispute_deadline_days
        self.clock = clock

    def migrate(self) -> None:
        """Create or upgrade the review tables."""
        self.db.migrate()
        self.db.run(thresholds.create_table)
        self.db.run(accounts.create_security_tables)

    def labels(self) -> pl.DataFrame:
        """Latest decision per pair with its evidence and score, for refining the matcher."""
        return self.db.run(queries.labels)

    def latest_thresholds(self, agency: str | None = None) -> list[SweepThresholds]:
        """Per agency (or only `agency`), the cut-offs of its latest recorded sweep."""
        return self.db.run(lambda con: thresholds.latest(con, agency))

    def record_outcomes(
        self,
        agency: str,
        rows: pl.DataFrame | Iterable[Mapping[str, Any]],
        *,
        username: str = "agency-import",
    ) -> OutcomeSummary:
        """Store agency feedback; a false match on a known hit of the agency becomes a dispute."""
        checked = _outcome_rows(rows)
        now = self.clock()
        deadline = add_working_days(now.date(), self.dispute_deadline_days)
        return self.db.run(
            lambda con: queries.record_outcomes(con, agency, checked, username, now, deadline)
        )
