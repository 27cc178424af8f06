"""The life of an alert an agency is held to, and every dated step of it.

new -> sent -> acknowledged -> intercepted | false_match | released, or withdrawn (list entry
removed, debtor exited by the court) / suppressed (analyst rejected the pair) while still open.
The sweep moves alerts through new, sent and withdrawn; the agency moves them through
acknowledged and its outcome (workbench, upload, or a reply file in its outbox), and those
replies are folded into the ledger here. Each step is one `alert_transitions` row with the
date, the user and the channel, written at most once, so reruns add nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import duckdb
import polars as pl

from pipelines.runtime.workdays import working_days_between
from pipelines.storage.warehouse import Warehouse, registered

PIPELINE_USER = "credsweep"


class AlertStatus(StrEnum):
    """Where an alert stands."""

    NEW = "new"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    INTERCEPTED = "intercepted"
    FALSE_MATCH = "false_match"
    RELEASED = "released"
    WITHDRAWN = "withdrawn"
    SUPPRESSED = "suppressed"


OPEN = (AlertStatus.NEW, AlertStatus.SENT, AlertStatus.ACKNOWLEDGED)
OUTCOMES = (AlertStatus.INTERCEPTED, AlertStatus.FALSE_MATCH, AlertStatus.RELEASED)
REPLY_KINDS = (AlertStatus.ACKNOWLEDGED, *OUTCOMES)
_OPEN_SQL = "(" + ", ".join(f"'{s.value}'" for s in OPEN) + ")"
_OUTCOME_SQL = "(" + ", ".join(f"'{s.value}'" for s in OUTCOMES) + ")"

REPLY_SCHEMA: dict[str, pl.DataType] = {
    "alert_id": pl.String(),
    "kind": pl.String(),
    "by_user": pl.String(),
    "at_ts": pl.Datetime("us"),
    "on_date": pl.Date(),
    "source": pl.String(),
    "note": pl.String(),
}
"""An agency reply as the folding step takes it: `kind` is one of `REPLY_KINDS`."""


@dataclass(frozen=True)
class ReplyCounts:
    """What folding one batch of replies did."""

    recorded: int
    unknown: int


# The sweep's own steps: (status expression, date column, channel, extra condition).
_PIPELINE_STEPS = (
    ("'new'", "opened_run", "sweep", "TRUE"),
    ("'sent'", "sent_run", "outbox", "TRUE"),
    ("a.status", "withdrawn_run", "sweep", "a.status IN ('withdrawn', 'suppressed')"),
)


def stamp_transitions(con: duckdb.DuckDBPyConnection, agency: str, run_date: date) -> None:
    """Record the run's own steps (raised, sent, withdrawn) once each, inside its transaction."""
    for status, column, channel, condition in _PIPELINE_STEPS:
        note = "a.reason" if column == "withdrawn_run" else "NULL"
        con.execute(
            f"""INSERT INTO alert_transitions
                SELECT a.alert_id, a.agency, {status}, a.{column}, NULL, '{PIPELINE_USER}',
                       '{channel}', {note}
                FROM alerts a
                WHERE a.agency = $agency AND a.{column} = $run AND {condition}
                  AND NOT EXISTS (SELECT 1 FROM alert_transitions t
                                  WHERE t.alert_id = a.alert_id AND t.to_status = {status}
                                    AND t.on_date = $run)""",
            {"agency": agency, "run": run_date},
        )


def fold_replies(wh: Warehouse, agency: str, replies: pl.DataFrame) -> ReplyCounts:
    """Apply the agency's acknowledgements and outcomes to its ledger, each at most once.

    A reply for an alert of another agency, or one the ledger does not hold, is counted as
    unknown and changes nothing. An acknowledgement moves only a new or sent alert; an outcome
    closes an open alert or corrects an earlier outcome (the latest reply wins).
    """
    frame = replies.select(list(REPLY_SCHEMA)).cast(REPLY_SCHEMA)  # type: ignore[arg-type]
    frame = frame.filter(pl.col("kind").is_in([k.value for k in REPLY_KINDS]))
    params = {"agency": agency}
    with wh.transaction() as con, registered(con, frame, "replies") as rep:
        known = con.execute(
            f"SELECT count(*) FROM {rep} r JOIN alerts a"
            " ON a.alert_id = r.alert_id AND a.agency = $agency",
            params,
        ).fetchone()
        recorded = con.execute(
            f"""INSERT INTO alert_transitions
                SELECT r.alert_id, $agency, r.kind, r.on_date, r.at_ts, r.by_user, r.source, r.note
                FROM {rep} r JOIN alerts a ON a.alert_id = r.alert_id AND a.agency = $agency
                WHERE NOT EXISTS (SELECT 1 FROM alert_transitions t
                                  WHERE t.alert_id = r.alert_id AND t.to_status = r.kind
                                    AND t.at_ts IS NOT DISTINCT FROM r.at_ts)
                RETURNING alert_id""",
            params,
        ).fetchall()
        con.execute(
            """UPDATE alerts SET status = 'acknowledged'
                WHERE agency = $agency AND status IN ('new', 'sent')
                  AND alert_id IN (SELECT alert_id FROM alert_transitions
                                   WHERE agency = $agency AND to_status = 'acknowledged')""",
            params,
        )
        con.execute(
            f"""UPDATE alerts SET status = o.kind
                FROM (SELECT alert_id, arg_max(to_status, at_ts) AS kind FROM alert_transitions
                      WHERE agency = $agency AND to_status IN {_OUTCOME_SQL}
                      GROUP BY alert_id) o
                WHERE alerts.alert_id = o.alert_id AND alerts.agency = $agency
                  AND alerts.status IN {_OPEN_SQL[:-1]}, {_OUTCOME_SQL[1:]}""",
            params,
        )
    total = int(known[0]) if known else 0
    return ReplyCounts(recorded=len(recorded), unknown=frame.height - total)


def transitions_of(wh: Warehouse, agency: str | None = None) -> pl.DataFrame:
    """Every recorded step, oldest first (one agency's, or all)."""
    return wh.query(
        """SELECT * FROM alert_transitions WHERE $agency IS NULL OR agency = $agency
           ORDER BY on_date, at_ts NULLS FIRST, alert_id,
                    -- a night's own steps share a date: raised before sent before withdrawn
                    CASE to_status WHEN 'new' THEN 0 WHEN 'sent' THEN 1 ELSE 2 END""",
        {"agency": agency},
    )


def with_overdue(ledger: pl.DataFrame, today: date) -> pl.DataFrame:
    """Add `overdue` and `overdue_working_days`: open alerts past their deadline on `today`."""
    open_codes = [s.value for s in OPEN]
    late = {d: working_days_between(d, today) for d in ledger["deadline"].unique().to_list() if d}
    return ledger.with_columns(
        (pl.col("status").is_in(open_codes) & (pl.col("deadline") < today)).alias("overdue"),
        pl.when(pl.col("status").is_in(open_codes))
        .then(pl.col("deadline").replace_strict(late, default=0, return_dtype=pl.Int64))
        .otherwise(0)
        .alias("overdue_working_days"),
    )
