"""Opening a DuckDB file waits out what is transient and names what is not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.errors import CredsweepError
from pipelines.storage import connect
from pipelines.storage.connect import open_duckdb


def _failing_first(monkeypatch: pytest.MonkeyPatch, errors: list[Exception]) -> list[str]:
    """duckdb.connect raising `errors` in turn, then connecting; returns the paths asked."""
    real = duckdb.connect
    asked: list[str] = []

    def connect_(path: str, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        asked.append(path)
        if errors:
            raise errors.pop(0)
        return real(path, **kwargs)

    monkeypatch.setattr(connect.duckdb, "connect", connect_)
    monkeypatch.setattr(connect, "_FIRST_PAUSE_S", 0.001)
    return asked


def test_a_file_another_thread_is_opening_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "review.duckdb"
    conflict = duckdb.ResourceInUseException(
        'Unique file handle conflict: Cannot attach "review" - the database file is already '
        'attached by database "review"'
    )
    asked = _failing_first(monkeypatch, [conflict, conflict])
    con = open_duckdb(db, what="review db")
    try:
        assert con.execute("SELECT 42").fetchall() == [(42,)]
    finally:
        con.close()
    assert len(asked) == 3


def test_a_conflict_that_outlasts_the_wait_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forever = [duckdb.ResourceInUseException("Unique file handle conflict")] * 1000
    _failing_first(monkeypatch, forever)
    with pytest.raises(duckdb.ResourceInUseException):
        open_duckdb(tmp_path / "x.duckdb", wait_s=0.05)


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "not.duckdb"
    bad.write_text("plain text, not a database file\n" * 200)
    with pytest.raises(CredsweepError) as err:
        open_duckdb(bad, what="warehouse")
    assert "\n" not in str(err.value) and "warehouse" in str(err.value)
