"""The query audit is written behind the answer: every row still lands, stamped when the request
was answered, and whatever reads the audit (or closes the store) sees every row queued before."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from pipelines.screen.store import AuditRow, ScreenStore


def _row(i: int, key: str = "k1") -> AuditRow:
    return AuditRow(key, "hotel_booking", "/v1/screen", 200, record_id=f"r{i}", decision="clear")


def test_rows_from_many_threads_all_land_once(tmp_path: Path) -> None:
    store = ScreenStore(tmp_path / "screen.db")

    def send(t: int) -> None:
        for i in range(50):
            store.audit([_row(t * 100 + i)])

    threads = [threading.Thread(target=send, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [r["record_id"] for r in store.audit_rows(10_000)]
    assert sorted(ids) == sorted(f"r{t * 100 + i}" for t in range(4) for i in range(50))
    store.close()


def test_close_writes_what_is_queued(tmp_path: Path) -> None:
    store = ScreenStore(tmp_path / "screen.db")
    with store._lock:  # the writer cannot write until close is asked for
        store.audit([_row(i) for i in range(20)])
        closing = threading.Thread(target=store.close)
        closing.start()
    closing.join()
    reopened = ScreenStore(tmp_path / "screen.db")
    assert len(reopened.audit_rows(100)) == 20
    reopened.close()


def test_a_row_is_stamped_when_audited_not_when_written(tmp_path: Path) -> None:
    store = ScreenStore(tmp_path / "screen.db")
    with store._lock:  # hold the writer back
        store.audit([_row(1)])
        after_audit = datetime.now(UTC)
        threading.Event().wait(0.05)
    (row,) = store.audit_rows(10)
    assert datetime.fromisoformat(row["at"]) <= after_audit
    store.close()


def test_the_quota_counts_rows_not_yet_written(tmp_path: Path) -> None:
    store = ScreenStore(tmp_path / "screen.db")
    store.audit([_row(i, key="quota") for i in range(7)])
    assert store.screened_on("quota", datetime.now(UTC).date()) == 7
    store.close()
