"""The desk's deliveries (intercepts to the alerts ledger, reviews to the analysts' queue),
journalled at once and written behind the answer.

A ledger write is a DuckDB transaction of a few statements (tens of milliseconds): paid inside
the request it would be most of an intercept's answer time, while the person at the counter
waits for the decision, not for the bookkeeping. So the request thread only journals what it
decided (one file per delivery: a JSON header, then each frame as an Arrow IPC stream; made
visible by a rename, so a half-written delivery is never read) and a writer thread moves each
journalled delivery into the ledger and the queue, then deletes it. A process killed in between
leaves the file behind; the next start replays it before serving, and the ledger's stable alert
ids make a replay (or the night raising the same alert) an update, never a second alert.
"""

from __future__ import annotations

import io
import json
import logging
import os
import queue
import struct
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

log = logging.getLogger("credsweep.screen")

_FRAMES = ("ruled", "records", "entries")
_RETRY_S = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
"""Waits between attempts at one delivery; after the last it stays journalled for the next
start (and the night raises its alert under the same id anyway)."""


@dataclass(frozen=True)
class Delivery:
    """What one screening request decided that the ledger and the queue must learn."""

    agency: str
    as_of: date
    ruled: pl.DataFrame
    """Hits after the analysts' decisions and the sanction rule, with their alert ids."""
    records: pl.DataFrame
    """The request's checked records (the queue shows them to the analyst)."""
    entries: pl.DataFrame
    """The hit entries as they stood when the request was answered."""


Writer = Callable[[Delivery], None]


class Deliveries:
    """Journal in the request, write behind it; `flush` waits until the journal is empty."""

    def __init__(self, journal: Path, write: Writer) -> None:
        self.journal = journal
        self._write = write
        self._queue: queue.Queue[Path | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        journal.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        """Replay what a previous process journalled and did not write, then start writing."""
        for leftover in sorted(p for p in self.journal.iterdir() if p.name.startswith("d-")):
            self._apply(leftover)
        for partial in self.journal.glob("tmp-*"):  # killed while journalling: never answered
            partial.unlink(missing_ok=True)
        self._thread = threading.Thread(target=self._run, name="desk-deliveries", daemon=True)
        self._thread.start()

    def put(self, delivery: Delivery) -> None:
        """Journal `delivery` (durable against a killed process once this returns)."""
        name = f"{delivery.as_of.isoformat()}-{uuid.uuid4().hex}"
        frames = [_ipc(getattr(delivery, f)) for f in _FRAMES]
        head = json.dumps(
            {
                "agency": delivery.agency,
                "as_of": delivery.as_of.isoformat(),
                "frames": [len(b) for b in frames],
            }
        ).encode()
        tmp = self.journal / f"tmp-{name}"
        with open(tmp, "wb") as out:
            out.write(struct.pack("<Q", len(head)))
            out.write(head)
            for b in frames:
                out.write(b)
        done = self.journal / f"d-{name}"
        os.replace(tmp, done)
        if self._thread is None:  # not started (a desk used without its service): write now
            self._apply(done)
        else:
            self._queue.put(done)

    def flush(self) -> None:
        """Return once every delivery journalled so far is in the ledger and the queue."""
        self._queue.join()

    def stop(self) -> None:
        """Write what is journalled, then end the writer thread."""
        if self._thread is not None:
            self._stopping.set()
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                for wait in _RETRY_S:  # a warehouse busy with the night's load: try again
                    if self._apply(item) or self._stopping.wait(wait):
                        break
            finally:
                self._queue.task_done()

    def _apply(self, path: Path) -> bool:
        try:
            delivery = _read(path)
            self._write(delivery)
        except Exception as exc:  # kept in the journal: a later attempt (or the night) retries
            log.warning("desk delivery %s kept for retry: %s", path.name, type(exc).__name__)
            return False
        path.unlink(missing_ok=True)
        return True


def _ipc(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_ipc_stream(buf)
    return buf.getvalue()


def _read(path: Path) -> Delivery:
    """A journalled delivery back as it was put."""
    data = path.read_bytes()
    (size,) = struct.unpack_from("<Q", data)
    head = json.loads(data[8 : 8 + size])
    at = 8 + size
    frames = {}
    for frame, length in zip(_FRAMES, head["frames"], strict=True):
        frames[frame] = pl.read_ipc_stream(io.BytesIO(data[at : at + length]))
        at += length
    return Delivery(head["agency"], date.fromisoformat(head["as_of"]), **frames)
