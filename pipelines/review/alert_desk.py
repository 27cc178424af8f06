"""The agency's alert desk in the review database: the ledger the sweep publishes, and replies.

The warehouse owns the alerts ledger, but the workbench must run without it, so each sweep
publishes its agency's ledger here (`alert_ledger`, replaced per agency). Agencies acknowledge
alerts (`alert_acks`) and report outcomes (`agency_outcomes`, shared with the dispute queue);
the next sweep folds both back into the warehouse ledger (`pipelines.review.alert_replies`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb
import polars as pl

from pipelines.review.base import ReviewFile
from pipelines.runtime.masking import mask_name
from pipelines.runtime.workdays import working_days_between
from pipelines.sanctions.alert_lifecycle import OPEN, REPLY_SCHEMA, AlertStatus

LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("alert_id", "VARCHAR PRIMARY KEY"),
    ("agency", "VARCHAR NOT NULL"),
    ("record_id", "VARCHAR"),
    ("role", "VARCHAR"),
    ("entry_id", "VARCHAR"),
    ("status", "VARCHAR NOT NULL"),
    ("first_run", "DATE"),
    ("sent_run", "DATE"),
    ("deadline", "DATE"),
    ("withdrawn_run", "DATE"),
    ("reason", "VARCHAR"),
)
_DDL = (
    "CREATE TABLE IF NOT EXISTS alert_ledger ("
    + ", ".join(f"{n} {k}" for n, k in LEDGER_COLUMNS)
    + ")",
    """CREATE TABLE IF NOT EXISTS alert_acks (
  alert_id VARCHAR PRIMARY KEY,
  agency VARCHAR NOT NULL,
  username VARCHAR NOT NULL,
  acked_at TIMESTAMP NOT NULL,
  source VARCHAR NOT NULL
)""",
)
_NAMES = [n for n, _ in LEDGER_COLUMNS]


def _ddl(con: duckdb.DuckDBPyConnection) -> None:
    # Run on every visit, like the thresholds table: a review file older than this module
    # gains the tables at the next sweep or page, without a migration step.
    for statement in _DDL:
        con.execute(statement)


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def publish_ledger(store: ReviewFile, agency: str, ledger: pl.DataFrame) -> int:
    """Replace the agency's published ledger with the warehouse's; returns the rows."""
    frame = ledger.filter(pl.col("agency") == agency).select(_NAMES)

    def _push(con: duckdb.DuckDBPyConnection) -> int:
        _ddl(con)
        con.execute("DELETE FROM alert_ledger WHERE agency = ?", [agency])
        if frame.is_empty():
            return 0
        con.register("ledger_in", frame.to_arrow())
        try:
            con.execute(f"INSERT INTO alert_ledger ({', '.join(_NAMES)}) SELECT * FROM ledger_in")
        finally:
            con.unregister("ledger_in")
        return frame.height

    return store.db.run(_push)


def acknowledge(
    store: ReviewFile, agency: str, alert_ids: Sequence[str], username: str, source: str
) -> int:
    """Acknowledge the agency's own alerts (others are ignored); returns the new acks."""
    now = store.clock()

    def _ack(con: duckdb.DuckDBPyConnection) -> int:
        _ddl(con)
        made = 0
        for alert_id in dict.fromkeys(alert_ids):
            rows = con.execute(
                """INSERT INTO alert_acks (alert_id, agency, username, acked_at, source)
                   SELECT alert_id, agency, ?, ?, ? FROM alert_ledger
                   WHERE alert_id = ? AND agency = ?
                   ON CONFLICT (alert_id) DO NOTHING RETURNING alert_id""",
                [username, now, source, alert_id, agency],
            ).fetchall()
            made += len(rows)
        return made

    return store.db.run(_ack)


def known_alerts(store: ReviewFile, agency: str, alert_ids: Sequence[str]) -> set[str]:
    """Which of the ids are alerts of this agency in the published ledger."""
    ids = list(dict.fromkeys(alert_ids))

    def _known(con: duckdb.DuckDBPyConnection) -> set[str]:
        _ddl(con)
        rows = con.execute(
            "SELECT alert_id FROM alert_ledger WHERE agency = ? AND list_contains(?, alert_id)",
            [agency, ids],
        ).fetchall()
        return {r[0] for r in rows}

    return store.db.run(_known)


def _desk_rows(con: duckdb.DuckDBPyConnection, agency: str) -> list[dict[str, Any]]:
    _ddl(con)
    open_codes = [s.value for s in OPEN]
    return _dicts(
        con.execute(
            """SELECT l.*, a.acked_at, a.username AS acked_by,
                      (SELECT arg_max(o.outcome, o.reported_at) FROM agency_outcomes o
                        WHERE o.alert_id = l.alert_id AND o.agency = l.agency) AS outcome,
                      h.query_name, h.list_name, h.reason AS hit_reason
               FROM alert_ledger l
               LEFT JOIN alert_acks a USING (alert_id)
               LEFT JOIN (SELECT alert_id, any_value(query_name) AS query_name,
                                 any_value(list_name) AS list_name, any_value(reason) AS reason
                          FROM pushed_hits GROUP BY alert_id) h USING (alert_id)
               WHERE l.agency = ? AND list_contains(?, l.status)""",
            [agency, open_codes],
        )
    )


def open_alerts(store: ReviewFile, agency: str, today: date) -> list[dict[str, Any]]:
    """The agency's alerts still awaiting an outcome: overdue first, then nearest deadline."""
    rows = [r for r in store.db.run(lambda con: _desk_rows(con, agency)) if not r["outcome"]]
    for row in rows:
        if row["acked_at"] is not None:
            row["status"] = AlertStatus.ACKNOWLEDGED.value
        deadline = row["deadline"]
        row["overdue"] = deadline is not None and deadline < today
        row["overdue_days"] = working_days_between(deadline, today) if row["overdue"] else 0
        row["query_name"] = mask_name(row["query_name"]) if row["query_name"] else None
    rows.sort(key=lambda r: (not r["overdue"], r["deadline"] or date.max, r["alert_id"]))
    return rows


def replies(store: ReviewFile, agency: str) -> pl.DataFrame:
    """The agency's acknowledgements and outcomes as replies to fold into the warehouse."""

    def _read(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
        _ddl(con)
        return _dicts(
            con.execute(
                """SELECT alert_id, 'acknowledged' AS kind, username AS by_user, acked_at AS at_ts,
                          source, NULL AS note
                   FROM alert_acks WHERE agency = ?
                   UNION ALL
                   SELECT alert_id, outcome, coalesce(username, 'agency'), reported_at,
                          CASE WHEN username LIKE 'import:%' THEN 'upload'
                               WHEN username LIKE 'file:%' THEN 'outbox' ELSE 'workbench' END,
                          note
                   FROM agency_outcomes WHERE agency = ?""",
                [agency, agency],
            )
        )

    rows = store.db.run(_read)
    frame = pl.DataFrame(rows, schema={k: v for k, v in REPLY_SCHEMA.items() if k != "on_date"})
    # Replies are dated in Beijing time, the agencies' working day.
    return frame.with_columns(
        (pl.col("at_ts") + pl.duration(hours=8)).dt.date().alias("on_date")
    ).select(list(REPLY_SCHEMA))


def recorded_outcomes(store: ReviewFile, agency: str) -> set[tuple[str, str]]:
    """(alert_id, outcome) pairs the agency has already reported."""
    rows = store.db.run(
        lambda con: con.execute(
            "SELECT alert_id, outcome FROM agency_outcomes WHERE agency = ?", [agency]
        ).fetchall()
    )
    return {(str(a), str(o)) for a, o in rows}
