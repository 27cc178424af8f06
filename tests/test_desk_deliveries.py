"""The desk's write-behind deliveries: journalled before the answer, written after it, replayed
after a killed process, never half-read."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from pipelines.screen.deliveries import Deliveries, Delivery

AS_OF = date(2026, 3, 2)


def _delivery(n: int) -> Delivery:
    ruled = pl.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(n)],
            "entry_id": [f"e{i}" for i in range(n)],
            "match_decision": ["match" if i % 2 else "review" for i in range(n)],
            "match_score": [0.5 + i / (2 * n) for i in range(n)],
            "intercept": [bool(i % 2) for i in range(n)],
            "reason": ["同一身份证号码" if i % 2 else None for i in range(n)],
        }
    )
    records = pl.DataFrame(
        {"record_id": [f"r{i}" for i in range(n)], "check_in": [AS_OF] * n},
    )
    entries = pl.DataFrame({"entry_id": [f"e{i}" for i in range(n)], "court": ["京01"] * n})
    return Delivery("hotel_booking", AS_OF, ruled, records, entries)


def _same(a: Delivery, b: Delivery) -> None:
    assert (a.agency, a.as_of) == (b.agency, b.as_of)
    for frame in ("ruled", "records", "entries"):
        assert_frame_equal(getattr(a, frame), getattr(b, frame))


def test_written_behind_and_flush_waits_for_the_writer(tmp_path: Path) -> None:
    written: list[Delivery] = []
    gate = threading.Event()

    def write(d: Delivery) -> None:
        gate.wait(10)
        written.append(d)

    deliveries = Deliveries(tmp_path / "journal", write)
    deliveries.start()
    sent = [_delivery(3), _delivery(1)]
    for d in sent:
        deliveries.put(d)  # returns at once: the writer is held at the gate
    assert written == []
    assert len(list((tmp_path / "journal").iterdir())) == 2
    gate.set()
    deliveries.flush()
    for got, want in zip(written, sent, strict=True):
        _same(got, want)
    assert list((tmp_path / "journal").iterdir()) == []
    deliveries.stop()


def test_a_delivery_the_writer_could_not_write_is_replayed_by_the_next_start(
    tmp_path: Path,
) -> None:
    def busy(_: Delivery) -> None:
        raise OSError("warehouse locked by the night's load")

    first = Deliveries(tmp_path / "journal", busy)
    first.start()
    sent = _delivery(4)
    first.put(sent)
    first.stop()  # stopping ends the retries; the delivery stays journalled
    assert len(list((tmp_path / "journal").glob("d-*"))) == 1
    # a process killed while journalling leaves a tmp- folder: never answered, never written
    (tmp_path / "journal" / "tmp-2026-03-02-dead").write_bytes(b"\x10\x00")

    replayed: list[Delivery] = []
    second = Deliveries(tmp_path / "journal", replayed.append)
    second.start()
    assert len(replayed) == 1
    _same(replayed[0], sent)
    assert list((tmp_path / "journal").iterdir()) == []
    second.stop()


def test_without_a_writer_thread_the_delivery_is_written_at_once(tmp_path: Path) -> None:
    written: list[Delivery] = []
    deliveries = Deliveries(tmp_path / "journal", written.append)
    sent = _delivery(2)
    deliveries.put(sent)
    assert len(written) == 1
    _same(written[0], sent)
    assert list((tmp_path / "journal").iterdir()) == []
