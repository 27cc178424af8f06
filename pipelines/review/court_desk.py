"""The court's desk in the review database: the night's whereabouts leads, per court.

The leads step publishes each night's leads here (replacing that night), so the workbench shows
a court its own leads without ever opening the warehouse. Reads always filter by court.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb
import polars as pl

from pipelines.review.base import ReviewFile

_DDL = """CREATE TABLE IF NOT EXISTS court_leads (
  run_date DATE NOT NULL,
  court VARCHAR NOT NULL,
  seq INTEGER NOT NULL,
  lead JSON NOT NULL
)"""


def _ddl(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)


def publish_leads(store: ReviewFile, run_date: date, leads: pl.DataFrame) -> int:
    """Replace the night's published leads with `leads`; returns the rows."""
    rows = [
        (run_date, str(r["court"]), i, json.dumps(r, ensure_ascii=False, default=str))
        for i, r in enumerate(leads.to_dicts())
    ]

    def _push(con: duckdb.DuckDBPyConnection) -> int:
        _ddl(con)
        con.execute("DELETE FROM court_leads WHERE run_date = ?", [run_date])
        if rows:
            con.executemany("INSERT INTO court_leads VALUES (?, ?, ?, ?)", rows)
        return len(rows)

    return store.db.run(_push)


def lead_nights(store: ReviewFile, court: str) -> list[date]:
    """Nights with leads for the court, newest first."""

    def _read(con: duckdb.DuckDBPyConnection) -> list[date]:
        _ddl(con)
        found = con.execute(
            "SELECT DISTINCT run_date FROM court_leads WHERE court = ? ORDER BY run_date DESC",
            [court],
        ).fetchall()
        return [r[0] for r in found]

    return store.db.run(_read)


def leads_of(store: ReviewFile, court: str, run_date: date) -> list[dict[str, Any]]:
    """The court's leads of one night, in published order."""

    def _read(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
        _ddl(con)
        found = con.execute(
            "SELECT lead FROM court_leads WHERE court = ? AND run_date = ? ORDER BY seq",
            [court, run_date],
        ).fetchall()
        return [json.loads(r[0]) for r in found]

    return store.db.run(_read)


_STATS_DDL = """CREATE TABLE IF NOT EXISTS stats_documents (
  date_to DATE NOT NULL,
  date_from DATE NOT NULL,
  document JSON NOT NULL,
  PRIMARY KEY (date_from, date_to)
)"""


def publish_stats(store: ReviewFile, document: dict[str, Any]) -> None:
    """Keep the statistics of a range (a rerun of the same range replaces it)."""
    text = json.dumps(document, ensure_ascii=False, default=str)

    def _push(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(_STATS_DDL)
        con.execute(
            "INSERT OR REPLACE INTO stats_documents VALUES (?, ?, ?)",
            [document["to"], document["from"], text],
        )

    store.db.run(_push)


def latest_stats(store: ReviewFile) -> dict[str, Any] | None:
    """The statistics published last (latest end date, then the longest range)."""

    def _read(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
        con.execute(_STATS_DDL)
        row = con.execute(
            "SELECT document FROM stats_documents ORDER BY date_to DESC, date_from LIMIT 1"
        ).fetchone()
        return json.loads(row[0]) if row else None

    return store.db.run(_read)
