"""Opening a DuckDB file while other processes may hold it: the one retry loop of the project.

DuckDB lets one process at a time hold a file for writing, and then no other process may open it
at all. The warehouse and the review file are both opened per unit of work and closed at once,
so a lock held by another run is brief: it is waited out with backoff, and only a wait longer
than the caller allows becomes a one-line error saying which file is busy.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb

from pipelines.errors import CredsweepError

log = logging.getLogger(__name__)
_FIRST_PAUSE_S = 0.05
_LONGEST_PAUSE_S = 1.0


def is_busy(exc: duckdb.Error) -> bool:
    """Whether the error means another process or transaction holds what we need, for now."""
    if isinstance(exc, duckdb.TransactionException):
        return True
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def _connect_once(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(path, read_only=read_only)
    except duckdb.ConnectionException:
        # This process already holds the file in the other mode; a read-write connection shares
        # that instance, and reads through it are just as safe. If another thread holds it
        # read-only this fails too, and the caller waits as for a file lock.
        return duckdb.connect(path)


def open_duckdb(
    path: str | Path, *, read_only: bool = False, wait_s: float = 30.0, what: str = "database"
) -> duckdb.DuckDBPyConnection:
    """A connection to the DuckDB file `path`, waiting up to `wait_s` while it is locked.

    `what` names the file in errors ("warehouse", "review db"). A file that cannot be opened for
    another reason, or stays locked too long, raises `CredsweepError` with one line.
    """
    deadline = time.monotonic() + wait_s
    pause = _FIRST_PAUSE_S
    while True:
        try:
            return _connect_once(str(path), read_only)
        except (duckdb.ConnectionException, duckdb.ResourceInUseException):
            # ResourceInUse: another thread of this process is opening the same file at this
            # moment ("unique file handle conflict"); once it has, the file opens
            if time.monotonic() >= deadline:
                raise
        except duckdb.IOException as exc:
            if not is_busy(exc):
                raise CredsweepError(f"cannot open {what} {path}: {exc}") from None
            if time.monotonic() >= deadline:
                raise CredsweepError(
                    f"{what} {path} is busy: another process holds it "
                    f"(waited {wait_s:g}s); retry when that run ends"
                ) from None
        log.info("%s busy, retrying in %.2fs", what, pause)
        time.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE_S)
