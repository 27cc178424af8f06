"""The review DuckDB file: its tables, and one transaction per unit of work, retried while busy.

DuckDB lets one process open a file for writing, and then no other process may open it at all.
The workbench therefore never keeps the review file open: every unit of work connects, runs one
transaction and closes, and a lock held by the sweep (which touches this file only for a moment at
its start and its end) is waited out instead of failing the analyst's click.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from pipelines.storage.connect import is_busy, open_duckdb
from pipelines.storage.hit_schema import REVIEW, ddl_of

T = TypeVar("T")

SCHEMA_VERSION = 1

# Hit columns the sweep pushes (pipelines.storage.hit_schema); kept so the pair page can show them.
HIT_COLUMNS: tuple[tuple[str, str], ...] = ddl_of(REVIEW)

_HIT_DDL = ",\n  ".join(f"{name} {kind}" for name, kind in HIT_COLUMNS)

DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
    # Every hit a sweep pushed (match and review): context for pairs, agency pages and outcomes.
    f"""CREATE TABLE IF NOT EXISTS pushed_hits (
  hit_id VARCHAR PRIMARY KEY,
  {_HIT_DDL},
  first_run DATE NOT NULL,
  last_run DATE NOT NULL
)""",
    # The queue: a hit waiting for an analyst, as a borderline match or an agency dispute.
    """CREATE TABLE IF NOT EXISTS review_items (
  item_id VARCHAR PRIMARY KEY,
  hit_id VARCHAR NOT NULL,
  pair_key VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  deadline DATE NOT NULL,
  created_at TIMESTAMP NOT NULL,
  closed_at TIMESTAMP,
  note VARCHAR
)""",
    # review files made before the column existed gain it (null: fall back to `intercept`)
    "ALTER TABLE pushed_hits ADD COLUMN IF NOT EXISTS would_intercept BOOLEAN",
    "CREATE SEQUENCE IF NOT EXISTS decision_seq",
    """CREATE TABLE IF NOT EXISTS decisions (
  decision_id BIGINT PRIMARY KEY DEFAULT nextval('decision_seq'),
  pair_key VARCHAR NOT NULL,
  decision VARCHAR NOT NULL,
  username VARCHAR NOT NULL,
  user_role VARCHAR NOT NULL,
  decided_at TIMESTAMP NOT NULL,
  note VARCHAR,
  item_id VARCHAR,
  overrules BIGINT
)""",
    """CREATE TABLE IF NOT EXISTS users (
  username VARCHAR PRIMARY KEY,
  password_hash VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  agency VARCHAR,
  created_at TIMESTAMP NOT NULL
)""",
    "CREATE SEQUENCE IF NOT EXISTS audit_seq",
    """CREATE TABLE IF NOT EXISTS audit_log (
  audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
  logged_at TIMESTAMP NOT NULL,
  username VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  target VARCHAR,
  detail VARCHAR,
  client_ip VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS agency_outcomes (
  alert_id VARCHAR NOT NULL,
  outcome VARCHAR NOT NULL,
  agency VARCHAR NOT NULL,
  hit_id VARCHAR,
  note VARCHAR,
  username VARCHAR,
  reported_at TIMESTAMP NOT NULL,
  PRIMARY KEY (alert_id, outcome)
)""",
)


def _rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back; a transaction DuckDB already aborted cannot be rolled back twice."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


class ReviewDb:
    """Opens the review file for one transaction at a time, retrying while it is locked."""

    def __init__(self, path: str | Path, *, retry_s: float = 30.0) -> None:
        self.path = str(path)
        self.retry_s = retry_s
        self._migrated = False
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = open_duckdb(self.path, wait_s=self.retry_s, what="review db")
        try:
            yield con
        finally:
            con.close()

    def run(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run `work` in one transaction; retry the whole unit on a lock or write conflict."""
        if not self._migrated:
            # A caller that skipped migrate() (the sweep's push) still finds the tables.
            self._migrated = True
            self.migrate()
        deadline = time.monotonic() + self.retry_s
        while True:
            try:
                with self._connect() as con:
                    con.execute("BEGIN TRANSACTION")
                    try:
                        result = work(con)
                    except BaseException:
                        _rollback_quietly(con)
                        raise
                    con.execute("COMMIT")
                    return result
            except duckdb.Error as exc:
                if not is_busy(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def migrate(self) -> None:
        """Create the tables if needed and record the schema version."""

        def _ddl(con: duckdb.DuckDBPyConnection) -> None:
            for statement in DDL:
                con.execute(statement)
            if not con.execute("SELECT 1 FROM schema_version").fetchall():
                con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION])

        self.run(_ddl)
