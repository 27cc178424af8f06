"""Exit and relief for the unable (失能): the cases a court reviews and its audited decisions.

The nightly court step publishes the debtors the capacity model classed 失能, with the evidence,
into `relief_cases`; a court user records a review (`relief_reviews`, append-only: the latest
review of an entry is in force, earlier ones stay as history). The pipeline reads the reviews
back to write the publisher's and civil affairs' files and to withdraw the alerts of exited
debtors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import duckdb
import polars as pl

from pipelines.review.base import ReviewFile
from pipelines.review.models import User


class Measure(StrEnum):
    """What a court decides for an unable debtor."""

    TERMINATE = "terminate"
    EXIT_LIST = "exit_list"
    JUDICIAL_AID = "judicial_aid"
    REFER_CIVIL_AFFAIRS = "refer_civil_affairs"
    KEEP = "keep"


MEASURE_ZH = {
    Measure.TERMINATE: "终结本次执行",
    Measure.EXIT_LIST: "退出失信名单建议",
    Measure.JUDICIAL_AID: "司法救助",
    Measure.REFER_CIVIL_AFFAIRS: "转介民政",
    Measure.KEEP: "维持",
}
CASE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("entry_id", "VARCHAR PRIMARY KEY"),
    ("court", "VARCHAR NOT NULL"),
    ("name", "VARCHAR"),
    ("case_no", "VARCHAR"),
    ("list_type", "VARCHAR"),
    ("amount_due", "DOUBLE"),
    ("capacity_score", "DOUBLE"),
    ("evidence", "VARCHAR"),
    ("action", "VARCHAR"),
    ("assessed_on", "DATE"),
)
_CASE_NAMES = [n for n, _ in CASE_COLUMNS]
_DDL = (
    "CREATE TABLE IF NOT EXISTS relief_cases ("
    + ", ".join(f"{n} {k}" for n, k in CASE_COLUMNS)
    + ")",
    "CREATE SEQUENCE IF NOT EXISTS relief_seq",
    """CREATE TABLE IF NOT EXISTS relief_reviews (
  review_id BIGINT PRIMARY KEY DEFAULT nextval('relief_seq'),
  entry_id VARCHAR NOT NULL,
  court VARCHAR NOT NULL,
  measures VARCHAR NOT NULL,
  username VARCHAR NOT NULL,
  decided_at TIMESTAMP NOT NULL,
  note VARCHAR
)""",
)
_LATEST = """SELECT entry_id, arg_max(review_id, review_id) AS review_id
             FROM relief_reviews GROUP BY entry_id"""


class ReliefRefused(Exception):
    """A review the user may not record (not their court's case, or no measure)."""


def _ddl(con: duckdb.DuckDBPyConnection) -> None:
    for statement in _DDL:
        con.execute(statement)


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def publish_cases(store: ReviewFile, cases: pl.DataFrame) -> int:
    """Replace the published 失能 cases (the latest assessment) with `cases`."""
    frame = cases.select(_CASE_NAMES)

    def _push(con: duckdb.DuckDBPyConnection) -> int:
        _ddl(con)
        con.execute("DELETE FROM relief_cases")
        if frame.is_empty():
            return 0
        con.register("cases_in", frame.to_arrow())
        try:
            con.execute(
                f"INSERT INTO relief_cases ({', '.join(_CASE_NAMES)}) SELECT * FROM cases_in"
            )
        finally:
            con.unregister("cases_in")
        return frame.height

    return store.db.run(_push)


def cases_of(store: ReviewFile, court: str) -> list[dict[str, Any]]:
    """The court's cases with the review in force, unreviewed first."""

    def _read(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
        _ddl(con)
        return _dicts(
            con.execute(
                f"""SELECT c.*, r.measures, r.username, r.decided_at
                    FROM relief_cases c
                    LEFT JOIN ({_LATEST}) l USING (entry_id)
                    LEFT JOIN relief_reviews r ON r.review_id = l.review_id
                    WHERE c.court = ?
                    ORDER BY r.review_id IS NOT NULL, c.capacity_score, c.entry_id""",
                [court],
            )
        )

    return store.db.run(_read)


def case_of(store: ReviewFile, court: str, entry_id: str) -> dict[str, Any] | None:
    """One case of the court with its review history (None when not this court's)."""

    def _read(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
        _ddl(con)
        found = _dicts(
            con.execute(
                "SELECT * FROM relief_cases WHERE entry_id = ? AND court = ?", [entry_id, court]
            )
        )
        if not found:
            return None
        found[0]["history"] = _dicts(
            con.execute(
                "SELECT * FROM relief_reviews WHERE entry_id = ? ORDER BY review_id", [entry_id]
            )
        )
        return found[0]

    return store.db.run(_read)


def decide(
    store: ReviewFile, user: User, entry_id: str, measures: Sequence[Measure], note: str | None,
    client_ip: str,
) -> int:  # fmt: skip
    """Record a court's review of its own case, audited; returns the review id."""
    chosen = sorted(set(measures), key=list(Measure).index)
    if not chosen:
        raise ReliefRefused("请至少选择一项处理措施")
    if Measure.KEEP in chosen and len(chosen) > 1:
        raise ReliefRefused("“维持”不能与其他措施同时选择")
    now: datetime = store.clock()
    court = user.agency

    def _write(con: duckdb.DuckDBPyConnection) -> int:
        _ddl(con)
        owned = con.execute(
            "SELECT 1 FROM relief_cases WHERE entry_id = ? AND court = ?", [entry_id, court]
        ).fetchone()
        if owned is None:
            raise ReliefRefused("只能处理本院的案件")
        row = con.execute(
            """INSERT INTO relief_reviews (entry_id, court, measures, username, decided_at, note)
               VALUES (?, ?, ?, ?, ?, ?) RETURNING review_id""",
            [entry_id, court, ",".join(chosen), user.username, now, note],
        ).fetchone()
        con.execute(
            "INSERT INTO audit_log (logged_at, username, action, target, detail, client_ip)"
            " VALUES (?, ?, 'relief_decision', ?, ?, ?)",
            [now, user.username, entry_id, ",".join(chosen), client_ip],
        )
        assert row is not None
        return int(row[0])

    return store.db.run(_write)


def reviews_in_force(store: ReviewFile, up_to: date | None = None) -> pl.DataFrame:
    """The latest review of every entry decided up to `up_to` (Beijing day), with its case."""

    def _read(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
        _ddl(con)
        return _dicts(
            con.execute(
                """SELECT r.entry_id, r.court, r.measures, r.username, r.decided_at, r.note,
                          c.name, c.case_no, c.list_type, c.amount_due, c.capacity_score,
                          c.evidence
                   FROM relief_reviews r
                   LEFT JOIN relief_cases c USING (entry_id)
                   WHERE ?::DATE IS NULL
                      OR CAST(r.decided_at + INTERVAL 8 HOUR AS DATE) <= ?::DATE
                   QUALIFY row_number() OVER (PARTITION BY r.entry_id
                                              ORDER BY r.review_id DESC) = 1
                   ORDER BY r.court, r.entry_id""",
                [up_to, up_to],
            )
        )

    schema: dict[str, pl.DataType] = {
        "entry_id": pl.String(), "court": pl.String(), "measures": pl.String(),
        "username": pl.String(), "decided_at": pl.Datetime("us"), "note": pl.String(),
        "name": pl.String(), "case_no": pl.String(), "list_type": pl.String(),
        "amount_due": pl.Float64(), "capacity_score": pl.Float64(), "evidence": pl.String(),
    }  # fmt: skip
    return pl.DataFrame(store.db.run(_read), schema=schema, orient="row")


def exited_entries(store: ReviewFile, up_to: date | None = None) -> set[str]:
    """Entries whose review in force recommends exit from the list."""
    reviews = reviews_in_force(store, up_to)
    return {
        r["entry_id"]
        for r in reviews.iter_rows(named=True)
        if Measure.EXIT_LIST.value in r["measures"].split(",")
    }
