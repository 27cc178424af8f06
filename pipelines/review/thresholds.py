"""The cut-offs each sweep decided with, per agency and night, kept in the review file.

In target mode they differ from the written ones every night, and the precision page must show
what was used, not what is written; the screening desk decides with the latest of them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

_DDL = """CREATE TABLE IF NOT EXISTS sweep_thresholds (
  agency VARCHAR NOT NULL,
  run_date DATE NOT NULL,
  match DOUBLE NOT NULL,
  review DOUBLE NOT NULL,
  source VARCHAR NOT NULL,
  mode VARCHAR NOT NULL,
  expected_precision_match DOUBLE,
  recorded_at TIMESTAMP NOT NULL,
  PRIMARY KEY (agency, run_date)
)"""
_FIELDS = (
    "agency",
    "run_date",
    "match",
    "review",
    "source",
    "mode",
    "expected_precision_match",
    "recorded_at",
)


@dataclass(frozen=True)
class SweepThresholds:
    """The cut-offs one agency's sweep used on one night, and where they came from."""

    agency: str
    run_date: date
    match: float
    review: float
    source: str
    """`target` (derived from the target precision), `labels` (moved by analysts), `settings`."""
    mode: str
    """`thresholds.source` of the settings: `target` or `fixed`."""
    expected_precision_match: float | None = None
    recorded_at: datetime | None = None

    @classmethod
    def from_feedback(
        cls, agency: str, run_date: date, feedback: Mapping[str, Any]
    ) -> SweepThresholds:
        """From the sweep's `summary.json` feedback figures (`pipelines.review.feedback`)."""
        used = feedback["thresholds_after"]
        claimed = feedback.get("expected_precision_match")
        return cls(
            agency=agency,
            run_date=run_date,
            match=float(used["match"]),
            review=float(used["review"]),
            source=str(feedback.get("thresholds_source") or "settings"),
            mode=str(feedback.get("thresholds_mode") or "fixed"),
            expected_precision_match=None if claimed is None else float(claimed),
        )


def create_table(con: duckdb.DuckDBPyConnection) -> None:
    """The thresholds table (idempotent)."""
    # Also run on every write and read, not only in migrate(): a review file made before this
    # table existed gains it at the sweep's next push, which never calls migrate() itself.
    con.execute(_DDL)


def upsert(con: duckdb.DuckDBPyConnection, used: SweepThresholds) -> None:
    """One row per (agency, run_date): a rerun of the night replaces it."""
    create_table(con)
    values = [getattr(used, name) for name in _FIELDS]
    updates = ", ".join(f"{name} = excluded.{name}" for name in _FIELDS[2:])
    con.execute(
        f"INSERT INTO sweep_thresholds ({', '.join(_FIELDS)}) "
        f"VALUES ({', '.join('?' for _ in values)}) "
        f"ON CONFLICT (agency, run_date) DO UPDATE SET {updates}",
        values,
    )


def latest(con: duckdb.DuckDBPyConnection, agency: str | None) -> list[SweepThresholds]:
    """Per agency, the row of its latest run date (a backfill of an old night does not win)."""
    create_table(con)
    rows = con.execute(
        f"""
        SELECT {", ".join(_FIELDS)} FROM sweep_thresholds
        WHERE ? IS NULL OR agency = ?
        QUALIFY row_number() OVER (PARTITION BY agency ORDER BY run_date DESC) = 1
        ORDER BY agency
        """,
        [agency, agency],
    ).fetchall()
    return [SweepThresholds(*row) for row in rows]
