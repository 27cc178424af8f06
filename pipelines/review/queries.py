"""SQL units of work on an open review connection; only the review file classes call these."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import polars as pl

from pipelines.review.db import HIT_COLUMNS
from pipelines.review.models import (
    Decision,
    DecisionRefused,
    Outcome,
    OutcomeSummary,
    Role,
    User,
)

_HIT_NAMES = [name for name, _ in HIT_COLUMNS]
_MUTABLE = [n for n in _HIT_NAMES if n not in ("pair_key", "agency", "record_id")]
# Latest decision per pair: decision ids grow monotonically, so the largest id is the latest.
LATEST = """
SELECT pair_key, arg_max(decision, decision_id) AS decision, max(decision_id) AS decision_id
FROM decisions GROUP BY pair_key
"""


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def upsert_hits(con: duckdb.DuckDBPyConnection, run_date: date) -> None:
    """Insert or refresh the registered `incoming` hits, keyed by (pair_key, agency, record_id)."""
    cols = ", ".join(_HIT_NAMES)
    updates = ", ".join(f"{n} = excluded.{n}" for n in _MUTABLE)
    con.execute(
        f"""
        INSERT INTO pushed_hits (hit_id, {cols}, first_run, last_run)
        SELECT substr(sha256(pair_key || chr(31) || agency || chr(31) || record_id), 1, 24),
               {cols}, ?::DATE, ?::DATE
        FROM incoming
        ON CONFLICT (hit_id) DO UPDATE SET {updates},
            last_run = greatest(pushed_hits.last_run, excluded.last_run)
        """,
        [run_date, run_date],
    )


def queue_review_hits(con: duckdb.DuckDBPyConnection, deadline: date, now: datetime) -> int:
    """Queue incoming `review` hits whose pair is not settled; returns the items created."""
    created = con.execute(
        f"""
        INSERT INTO review_items (item_id, hit_id, pair_key, kind, status, deadline, created_at)
        SELECT h.hit_id || ':b', h.hit_id, h.pair_key, 'borderline',
               CASE WHEN l.decision = 'unsure' THEN 'escalated' ELSE 'open' END, ?, ?
        FROM incoming i
        JOIN pushed_hits h
          ON h.hit_id = substr(
               sha256(i.pair_key || chr(31) || i.agency || chr(31) || i.record_id), 1, 24)
        LEFT JOIN ({LATEST}) l ON l.pair_key = h.pair_key
        WHERE i.match_decision = 'review'
          AND coalesce(l.decision, 'unsure') = 'unsure'
          AND NOT EXISTS (SELECT 1 FROM review_items r WHERE r.item_id = h.hit_id || ':b')
        RETURNING item_id
        """,
        [deadline, now],
    ).fetchall()
    return len(created)


def pairs_with_latest(con: duckdb.DuckDBPyConnection, decision: Decision) -> set[str]:
    """Pair keys whose latest decision is `decision`."""
    rows = con.execute(f"SELECT pair_key FROM ({LATEST}) WHERE decision = ?", [decision.value])
    return {r[0] for r in rows.fetchall()}


def labels(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """pair_key, evidence, decision, match_score, decided_at: one row per decided pair."""
    rows = con.execute(
        f"""
        SELECT l.pair_key, arg_max(h.evidence, h.match_score) AS evidence, l.decision,
               max(h.match_score) AS match_score, any_value(d.decided_at) AS decided_at,
               h.agency AS agency
        FROM ({LATEST}) l
        JOIN decisions d ON d.decision_id = l.decision_id
        JOIN pushed_hits h ON h.pair_key = l.pair_key
        GROUP BY l.pair_key, l.decision, h.agency
        ORDER BY l.pair_key, h.agency
        """
    )
    schema: dict[str, pl.DataType] = {
        "pair_key": pl.String(),
        "evidence": pl.String(),
        "decision": pl.String(),
        "match_score": pl.Float64(),
        "decided_at": pl.Datetime("us"),
        "agency": pl.String(),
    }
    return pl.DataFrame(_dicts(rows), schema=schema, orient="row")


def record_outcomes(
    con: duckdb.DuckDBPyConnection,
    agency: str,
    rows: list[dict[str, Any]],
    username: str,
    now: datetime,
    deadline: date,
) -> OutcomeSummary:
    """Upsert outcomes; queue a dispute for each false match on a hit this agency owns."""
    disputed = unknown = 0
    for row in rows:
        hit = con.execute(
            "SELECT hit_id, pair_key FROM pushed_hits WHERE alert_id = ? AND agency = ? LIMIT 1",
            [row["alert_id"], agency],
        ).fetchone()
        hit_id, pair_key = hit if hit else (None, None)
        unknown += hit is None
        con.execute(
            """
            INSERT INTO agency_outcomes
                (alert_id, outcome, agency, hit_id, note, username, reported_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (alert_id, outcome) DO UPDATE SET note = excluded.note,
                reported_at = excluded.reported_at
            WHERE agency_outcomes.agency = excluded.agency
            """,
            [row["alert_id"], row["outcome"].value, agency, hit_id, row["note"], username, now],
        )
        if hit_id is not None and row["outcome"] == Outcome.FALSE_MATCH:
            made = con.execute(
                """
                INSERT INTO review_items
                    (item_id, hit_id, pair_key, kind, status, deadline, created_at, note)
                VALUES (? || ':d', ?, ?, 'disputed', 'open', ?, ?, ?)
                ON CONFLICT (item_id) DO NOTHING
                RETURNING item_id
                """,
                [hit_id, hit_id, pair_key, deadline, now, row["note"]],
            ).fetchall()
            disputed += len(made)
    return OutcomeSummary(recorded=len(rows), disputed=disputed, unknown_alerts=unknown)


def decide_item(
    con: duckdb.DuckDBPyConnection,
    user: User,
    item_id: str,
    decision: Decision,
    note: str | None,
    now: datetime,
    done: set[str],
) -> str | None:
    """Decide the item's pair and settle its other items; None when the pair was just decided."""
    found = con.execute(
        "SELECT pair_key, status FROM review_items WHERE item_id = ?", [item_id]
    ).fetchone()
    if found is None:
        raise LookupError(item_id)
    pair_key, status = found
    if pair_key in done:
        return None
    if status == "closed" and user.role != Role.SUPERVISOR:
        raise DecisionRefused("该配对已有决定，只有主管可以改判")
    if status == "escalated" and user.role != Role.SUPERVISOR:
        raise DecisionRefused("该配对已提交主管裁定")
    previous = con.execute(
        f"SELECT decision_id FROM ({LATEST}) WHERE pair_key = ? AND decision <> 'unsure'",
        [pair_key],
    ).fetchone()
    con.execute(
        """
        INSERT INTO decisions
            (pair_key, decision, username, user_role, decided_at, note, item_id, overrules)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            pair_key,
            decision.value,
            user.username,
            user.role.value,
            now,
            note or None,
            item_id,
            previous[0] if previous else None,
        ],
    )
    if decision == Decision.UNSURE:
        # Unsure goes up to a supervisor rather than back to the same queue.
        con.execute(
            "UPDATE review_items SET status = 'escalated' WHERE pair_key = ? AND status = 'open'",
            [pair_key],
        )
    else:
        con.execute(
            "UPDATE review_items SET status = 'closed', closed_at = ?"
            " WHERE pair_key = ? AND status <> 'closed'",
            [now, pair_key],
        )
    return str(pair_key)


def audit(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    username: str,
    action: str,
    target: str | None,
    detail: str | None,
    client_ip: str,
) -> None:
    """Append one audit row (ids only: never names or ID numbers)."""
    con.execute(
        "INSERT INTO audit_log (logged_at, username, action, target, detail, client_ip)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [now, username, action, target, detail, client_ip],
    )
