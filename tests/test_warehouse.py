"""Warehouse: idempotent DDL, key upserts, partition replacement, busy-lock message."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipelines.errors import CredsweepError
from pipelines.storage.warehouse import TABLES, Warehouse, replace_partition


@pytest.fixture
def wh() -> Warehouse:
    w = Warehouse(":memory:")
    w.migrate()
    return w


def test_migrate_is_idempotent_and_creates_every_table(wh: Warehouse) -> None:
    wh.migrate()
    names = set(wh.query("SELECT table_name FROM information_schema.tables")["table_name"])
    assert set(TABLES) <= names
    assert not {"review_items", "decisions", "users"} & names  # workbench tables are not ours


def test_upsert_replaces_rows_with_the_same_key(wh: Warehouse) -> None:
    run = date(2024, 3, 1)
    first = pl.DataFrame(
        {
            "agency": ["a", "a"],
            "run_date": [run, run],
            "record_id": ["r1", "r2"],
            "payload": ['{"x": 1}', '{"x": 2}'],
        }
    )
    wh.upsert("agency_records", first, ["agency", "run_date", "record_id"])
    wh.upsert(
        "agency_records",
        first.with_columns(pl.lit('{"x": 9}').alias("payload")).head(1),
        ["agency", "run_date", "record_id"],
    )
    got = wh.query("SELECT record_id, payload->>'x' AS x FROM agency_records ORDER BY record_id")
    assert got.rows() == [("r1", "9"), ("r2", "2")]


def test_replace_partition_replaces_only_that_partition(wh: Warehouse) -> None:
    d1, d2 = date(2024, 3, 1), date(2024, 3, 2)
    rows = pl.DataFrame(
        {"run_date": [d1, d2], "dataset": ["hotel_booking"] * 2, "reason": ["x", "y"]}
    )
    where: dict[str, object] = {"run_date": d1, "dataset": "hotel_booking"}

    def replace(frame: pl.DataFrame) -> None:
        with wh.transaction() as con:
            replace_partition(con, "quarantine", frame, where)

    replace(rows)
    replace(rows.head(1))
    assert wh.query("SELECT count(*) AS n FROM quarantine")["n"].item() == 2
    replace(pl.DataFrame({"run_date": [d1], "dataset": ["hotel_booking"], "reason": ["z"]}))
    got = wh.query("SELECT run_date, reason FROM quarantine ORDER BY run_date")
    assert got.rows() == [(d1, "z"), (d2, "y")]


def test_failed_transaction_leaves_no_trace(wh: Warehouse) -> None:
    with pytest.raises(RuntimeError):
        with wh.transaction() as con:
            con.execute(
                "INSERT INTO quarantine (run_date, dataset) VALUES (DATE '2024-03-01', 'x')"
            )
            raise RuntimeError("boom")
    assert wh.query("SELECT count(*) AS n FROM quarantine")["n"].item() == 0


def test_file_warehouse_reports_busy_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    Warehouse(path).migrate()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(path)!r})
            print("held", flush=True)
            time.sleep(30)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(CredsweepError) as info:
            with Warehouse(path, busy_timeout_s=0.5).connect():
                pass
        assert time.monotonic() - started >= 0.5
        message = str(info.value)
        assert "busy" in message and "\n" not in message
    finally:
        holder.kill()
        holder.wait()
    with Warehouse(path, busy_timeout_s=5).connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM alerts").fetchall() == [(0,)]
