"""SQL reads for the web views and the users table (`web_side.WebReview`, `accounts`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import polars as pl

from pipelines.review.models import QueueFilter, Role
from pipelines.review.queries import LATEST
from pipelines.review.queue_view import DEFAULT_SORT, SORTS, item_columns, queue_where

# Most urgent first: nearest deadline, then disputes, then hits the rule would intercept once
# confirmed (sanction impact), then the strongest score (the queue page's default order).
_QUEUE_ORDER = f"ORDER BY {SORTS[DEFAULT_SORT][1]}, r.item_id"


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def queue(con: duckdb.DuckDBPyConnection, flt: QueueFilter, limit: int) -> list[dict[str, Any]]:
    """Review items with their hit, filtered and ordered for work."""
    where, params = queue_where(flt)
    rows = con.execute(
        f"""
        SELECT r.item_id, r.kind, r.status, r.deadline, r.pair_key, h.agency, h.record_id, h.role,
               h.entry_id, h.match_score, h.intercept, h.first_run, h.last_run, h.explanation_zh,
               h.query_name, h.list_name,
               count(*) OVER (PARTITION BY r.pair_key) AS pair_items
        FROM review_items r JOIN pushed_hits h USING (hit_id)
        WHERE {where}
        {_QUEUE_ORDER}
        LIMIT ?
        """,
        [*params, limit],
    )
    return _dicts(rows)


def item(con: duckdb.DuckDBPyConnection, item_id: str) -> dict[str, Any] | None:
    """One review item joined with every stored field of its hit."""
    rows = _dicts(
        con.execute(
            f"""
            SELECT r.item_id, r.kind, r.status, r.deadline, r.created_at, r.closed_at,
                   r.note AS item_note, {item_columns()}
            FROM review_items r JOIN pushed_hits h USING (hit_id)
            WHERE r.item_id = ?
            """,
            [item_id],
        )
    )
    return rows[0] if rows else None


def pair_history(con: duckdb.DuckDBPyConnection, pair_key: str) -> dict[str, list[dict[str, Any]]]:
    """Decisions, agency outcomes and queue items of one pair, oldest first."""
    decisions = _dicts(
        con.execute(
            "SELECT decision_id, decision, username, user_role, decided_at, note, overrules"
            " FROM decisions"
            " WHERE pair_key = ? ORDER BY decision_id",
            [pair_key],
        )
    )
    outcomes = _dicts(
        con.execute(
            """
        SELECT o.alert_id, o.outcome, o.agency, o.note, o.reported_at FROM agency_outcomes o
        JOIN pushed_hits h ON h.hit_id = o.hit_id WHERE h.pair_key = ? ORDER BY o.reported_at
        """,
            [pair_key],
        )
    )
    items = _dicts(
        con.execute(
            """
        SELECT r.item_id, r.kind, r.status, r.created_at, r.closed_at, h.agency, h.record_id,
               h.first_run, h.last_run
        FROM review_items r JOIN pushed_hits h USING (hit_id)
        WHERE r.pair_key = ? ORDER BY r.created_at
        """,
            [pair_key],
        )
    )
    # Each execute reuses the connection's one result set, hence fetching before the next query.
    return {"decisions": decisions, "outcomes": outcomes, "items": items}


def agency_hits(
    con: duckdb.DuckDBPyConnection, agency: str, date_from: date | None, date_to: date | None
) -> pl.DataFrame:
    """Hits the agency acts on: automatic matches or confirmed pairs, never suppressed ones."""
    rows = con.execute(
        f"""
        SELECT h.alert_id, h.record_id, h.role, h.entry_id, h.query_name, h.query_id_number,
               h.list_name, h.list_id_number, h.match_score, h.intercept, h.rule_id, h.reason,
               h.first_run, h.last_run, l.decision AS analyst_decision,
               (SELECT arg_max(o.outcome, o.reported_at) FROM agency_outcomes o
                 WHERE o.hit_id = h.hit_id)
                 AS outcome
        FROM pushed_hits h LEFT JOIN ({LATEST}) l USING (pair_key)
        WHERE h.agency = ?
          AND (h.match_decision = 'match' OR l.decision = 'positive')
          AND coalesce(l.decision, '') <> 'negative'
          AND (?::DATE IS NULL OR h.last_run >= ?::DATE)
          AND (?::DATE IS NULL OR h.first_run <= ?::DATE)
        ORDER BY h.last_run DESC, h.record_id
        """,
        [agency, date_from, date_from, date_to, date_to],
    )
    names = [d[0] for d in rows.description or []]
    data = _dicts(rows)
    return pl.DataFrame(data, orient="row") if data else pl.DataFrame({n: [] for n in names})


def audit_entries(con: duckdb.DuckDBPyConnection, limit: int) -> list[dict[str, Any]]:
    """Most recent audit rows."""
    return _dicts(
        con.execute(
            "SELECT logged_at, username, action, target, detail, client_ip FROM audit_log"
            " ORDER BY audit_id DESC LIMIT ?",
            [limit],
        )
    )


def upsert_user(
    con: duckdb.DuckDBPyConnection,
    username: str,
    password_hash: str,
    role: Role,
    agency: str | None,
    now: datetime,
) -> None:
    """Create the user, or reset password, role and agency."""
    con.execute(
        """
        INSERT INTO users (username, password_hash, role, agency, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash,
            role = excluded.role, agency = excluded.agency
        """,
        [username, password_hash, role.value, agency, now],
    )


def user_row(con: duckdb.DuckDBPyConnection, username: str) -> dict[str, Any] | None:
    """The stored user, hash included."""
    rows = _dicts(
        con.execute(
            "SELECT username, password_hash, role, agency FROM users WHERE username = ?", [username]
        )
    )
    return rows[0] if rows else None


def set_password(con: duckdb.DuckDBPyConnection, username: str, password_hash: str) -> None:
    """Replace a user's hash (after a parameter upgrade)."""
    con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [password_hash, username])
