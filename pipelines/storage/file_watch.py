"""Whether a DuckDB file may have changed since it was last read, told without opening it.

Opening a DuckDB file costs tens of milliseconds and starts DuckDB's worker threads; a service
that re-reads a file on a timer (the screening desk's poll) would take both cores from the
requests it serves every time, though the file rarely changes between polls. A file's
modification time and size, with those of its write-ahead log, change with every write DuckDB
makes; when they are the same as at the last read, the content is too.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

SETTLE_S = 2.0
"""A file written this recently is not vouched for: a second write in the same timestamp tick,
leaving the same size (DuckDB writes whole blocks), would look like no change."""

FileState = tuple[tuple[int, int] | None, ...]


def file_state(path: str | Path | None, now: float | None = None) -> FileState | None:
    """(mtime, size) of a DuckDB file and of its write-ahead log (None where one is absent).

    `()` for no file at all (nothing can change); None when the state cannot vouch for the
    content: an in-memory database, or a file written less than `SETTLE_S` seconds ago.
    """
    if path is None:
        return ()
    if str(path) == ":memory:":
        return None
    now = time.time() if now is None else now
    state: list[tuple[int, int] | None] = []
    for p in (str(path), f"{path}.wal"):
        try:
            st = os.stat(p)
        except FileNotFoundError:
            state.append(None)
            continue
        if now - st.st_mtime_ns / 1e9 < SETTLE_S:
            return None
        state.append((st.st_mtime_ns, st.st_size))
    return tuple(state)


@dataclass
class FileWatch:
    """One file's state as it stood when it was last read whole."""

    path: str | Path | None
    _seen: FileState | None = None

    def changed(self) -> bool:
        """Whether the file may differ from what the last `read` saw (always, before any)."""
        state = file_state(self.path)
        return state is None or state != self._seen

    def read(self, reader: Callable[[], T]) -> T:
        """`reader()`, remembering the file's state only if no write happened while it ran."""
        before = file_state(self.path)
        value = reader()
        self._seen = before if before is not None and file_state(self.path) == before else None
        return value
