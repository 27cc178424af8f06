"""The query audit: an answered request's rows are in the file before it answers, stamped then;
a busy file turns rows back to a retry behind the answer, never failing the request, and
whatever reads the audit (or closes the store) sees them."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from pipelines.screen.store import AuditRow, ScreenStore


def _row(i: int, key: str = "k1") -> AuditRow:
    return AuditRow(key, "hotel_booking", "/v1/screen", 200, record_id=f"r{i}", decision="clear")


def _on_disk(path: Path) -> list[str]:
    """Record ids as another process reading the file sees them."""
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute("SELECT record_id FROM screen_audit ORDER BY id")]
    finally:
        con.close()


def test_an_audited_row_is_in_the_file_before_audit_returns(tmp_path: Path) -> None:
    store = ScreenStore(tmp_path / "screen.db")
    store.audit([_row(1), _row(2)])
    assert _on_disk(tmp_path / "screen.db") == ["r1", "r2"]  # no flush, no close: a kill loses none
    store.close()


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
    assert sorted(_on_disk(tmp_path / "screen.db")) == sorted(ids)


def test_a_busy_file_turns_rows_back_to_a_retry_that_lands_stamped_when_audited(
    tmp_path: Path,
) -> None:
    store = ScreenStore(tmp_path / "screen.db")
    real = store._insert
    calls = {"n": 0}

    def busy_once(rows: list[tuple[object, ...]]) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise sqlite3.OperationalError("database is locked")
        real(rows)

    with mock.patch.object(store, "_insert", busy_once):
        store.audit([_row(7)])  # returns: the request is not failed by its audit
        after_audit = datetime.now(UTC)
        (row,) = store.audit_rows(10)  # waits for the retry
    assert row["record_id"] == "r7" and calls["n"] == 2
    assert datetime.fromisoformat(row["at"]) <= after_audit
    store.close()


def test_close_writes_rows_turned_back(tmp_path: Path) -> None:
    store = ScreenStore(tmp_path / "screen.db")
    with mock.patch.object(store, "_insert", side_effect=sqlite3.OperationalError("locked")):
        store.audit([_row(i) for i in range(3)])
    store.close()
    assert _on_disk(tmp_path / "screen.db") == ["r0", "r1", "r2"]


def test_the_quota_counts_every_answered_record(tmp_path: Path) -> None:
    store = ScreenStore(tmp_path / "screen.db")
    store.audit([_row(i, key="quota") for i in range(7)])
    assert store.screened_on("quota", datetime.now(UTC).date()) == 7
    store.close()
