"""API keys (argon2 hashes only) and the query audit, in one SQLite file under the home folder.

SQLite rather than DuckDB: `credsweep screen add-key` and the running service (one writer per
query) use the file at the same time, which SQLite's WAL mode allows. A key reads
`csk_<key id>_<secret>`; only the id and the hash of the whole key are stored. The audit keeps
who, when, the masked record, the decision and the latency, never a clear ID or name.

Every answered request is audited before its answer leaves: its rows are one small transaction
in the request (tens of microseconds). What made that slow now and then was SQLite folding the
write-ahead log back into the file every thousand pages, inside whichever insert crossed the
mark; the service's connection does not do that, a checkpointer thread does it on a connection
of its own every few seconds, beside the inserts instead of inside one. Should the file be busy
(`add-key` writing), the rows wait in a queue for the checkpointer's thread to retry, so a
request is never failed or held for the audit; whatever reads the audit (`screened_on`,
`audit_rows`) and `close` wait for that queue first.
"""

from __future__ import annotations

import logging
import queue
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_DDL = (
    """CREATE TABLE IF NOT EXISTS api_keys (
        key_id TEXT PRIMARY KEY, agency TEXT NOT NULL, key_hash TEXT NOT NULL,
        created_at TEXT NOT NULL, revoked_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS screen_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, day TEXT NOT NULL,
        key_id TEXT, agency TEXT, endpoint TEXT NOT NULL, status INTEGER NOT NULL,
        record_id TEXT, masked_record TEXT, decision TEXT, hits INTEGER, latency_ms REAL,
        list_version TEXT, error TEXT)""",
    "CREATE INDEX IF NOT EXISTS screen_audit_key_day ON screen_audit (key_id, day)",
)
_HASHER = PasswordHasher()
_INSERT = (
    "INSERT INTO screen_audit (at, day, key_id, agency, endpoint, status, record_id,"
    " masked_record, decision, hits, latency_ms, list_version, error)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CHECKPOINT_S = 5.0
"""Seconds between checkpoints of the audit's write-ahead log (and retries of turned-back rows)."""
_RETRY_S = (0.05, 0.2, 0.5, 1.0, 2.0, 5.0)
"""Waits between attempts at a batch of audit rows (the file busy with `add-key`, say)."""
log = logging.getLogger("credsweep.screen")


@dataclass(frozen=True)
class ApiKey:
    """A verified key: its id and the agency it screens for."""

    key_id: str
    agency: str


@dataclass(frozen=True)
class AuditRow:
    """One screened record (or one refused request) as the audit keeps it."""

    key_id: str | None
    agency: str | None
    endpoint: str
    status: int
    record_id: str | None = None
    masked_record: str | None = None
    decision: str | None = None
    hits: int | None = None
    latency_ms: float | None = None
    list_version: str | None = None
    error: str | None = None


class ScreenStore:
    """The key and audit tables; one connection guarded by a lock (writes are tiny)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=NORMAL")
        self._con.execute("PRAGMA busy_timeout=5000")
        self._lock = threading.Lock()
        with self._lock:
            for statement in _DDL:
                self._con.execute(statement)
        # checkpoints are the background thread's (`_keep`), not the insert's that crosses a mark
        self._con.execute("PRAGMA wal_autocheckpoint=0")
        self._path = path
        self._pending: queue.Queue[list[tuple[object, ...]] | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()

    def add_key(self, agency: str) -> str:
        """A new key for `agency`; returned once, stored only as its hash."""
        key_id = secrets.token_hex(6)
        key = f"csk_{key_id}_{secrets.token_urlsafe(24)}"
        with self._lock:
            self._con.execute(
                "INSERT INTO api_keys VALUES (?, ?, ?, ?, NULL)",
                (key_id, agency, _HASHER.hash(key), _now()),
            )
        return key

    def verify(self, key: str) -> ApiKey | None:
        """The key's id and agency when `key` is a live key, else None."""
        parts = key.split("_")
        if len(parts) < 3 or parts[0] != "csk":
            return None
        with self._lock:
            row = self._con.execute(
                "SELECT agency, key_hash FROM api_keys WHERE key_id = ? AND revoked_at IS NULL",
                (parts[1],),
            ).fetchone()
        if row is None:
            return None
        try:
            _HASHER.verify(row[1], key)
        except (VerificationError, InvalidHashError):
            return None
        return ApiKey(parts[1], row[0])

    def audit(self, rows: list[AuditRow]) -> None:
        """Append audit rows, stamped now, in one transaction before the request answers."""
        now = datetime.now(UTC)
        values: list[tuple[object, ...]] = [
            (
                now.isoformat(timespec="milliseconds"),
                now.date().isoformat(),
                r.key_id,
                r.agency,
                r.endpoint,
                r.status,
                r.record_id,
                r.masked_record,
                r.decision,
                r.hits,
                r.latency_ms,
                r.list_version,
                r.error,
            )
            for r in rows
        ]
        if self._writer is None:
            with self._writer_lock:
                if self._writer is None:
                    self._writer = threading.Thread(
                        target=self._keep, name="screen-audit", daemon=True
                    )
                    self._writer.start()
        try:
            self._insert(values)
        except sqlite3.Error as exc:  # busy beyond the timeout: retried behind the answer
            log.warning("audit rows queued for a retry (%s)", exc)
            self._pending.put(values)

    def flush(self) -> None:
        """Return once every audit row queued so far is in the file."""
        self._pending.join()

    def _keep(self) -> None:
        """Checkpoint the write-ahead log every few seconds on a connection of its own, and
        write the rows a busy file turned back; until `close` queues its end mark."""
        checkpoints = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        checkpoints.execute("PRAGMA busy_timeout=5000")
        try:
            while True:
                try:
                    first = self._pending.get(timeout=_CHECKPOINT_S)
                except queue.Empty:
                    self._checkpoint(checkpoints)
                    continue
                batch = [first]
                while first is not None:  # what queued meanwhile goes in the same transaction
                    try:
                        item = self._pending.get_nowait()
                    except queue.Empty:
                        break
                    batch.append(item)
                    if item is None:
                        break
                rows = [row for values in batch if values is not None for row in values]
                try:
                    if rows:
                        self._append(rows)
                except Exception:  # the thread must outlive a bad row, or every flush waits
                    log.exception("%d audit rows not written", len(rows))
                finally:
                    for _ in batch:
                        self._pending.task_done()
                if batch[-1] is None:
                    return
        finally:
            self._checkpoint(checkpoints)
            checkpoints.close()

    @staticmethod
    def _checkpoint(con: sqlite3.Connection) -> None:
        try:  # PASSIVE: copies what no reader needs, never waits for the service's inserts
            con.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:
            log.warning("audit checkpoint skipped (%s)", exc)

    def _insert(self, rows: list[tuple[object, ...]]) -> None:
        with self._lock:
            self._con.execute("BEGIN")
            try:
                self._con.executemany(_INSERT, rows)
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    def _append(self, rows: list[tuple[object, ...]]) -> None:
        for attempt, wait in enumerate((*_RETRY_S, None)):
            try:
                self._insert(rows)
                return
            except sqlite3.Error as exc:
                if wait is None:
                    log.error("%d audit rows not written: %s", len(rows), exc)
                    return
                log.warning("audit write attempt %d failed (%s); retrying", attempt + 1, exc)
                time.sleep(wait)

    def screened_on(self, key_id: str, day: date) -> int:
        """Records screened with `key_id` on `day` (the quota survives a restart)."""
        self.flush()
        with self._lock:
            row = self._con.execute(
                "SELECT count(*) FROM screen_audit WHERE key_id = ? AND day = ? AND status = 200",
                (key_id, day.isoformat()),
            ).fetchone()
        return int(row[0])

    def audit_rows(self, limit: int = 1000) -> list[dict[str, object]]:
        """Latest audit rows, newest first (for tests and operators)."""
        self.flush()
        with self._lock:
            cur = self._con.execute("SELECT * FROM screen_audit ORDER BY id DESC LIMIT ?", (limit,))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def close(self) -> None:
        """Write any turned-back audit rows, checkpoint, then close the file."""
        if self._writer is not None:
            self._pending.put(None)
            self._writer.join()
            self._writer = None
        self._con.close()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
