"""Checked list files remembered by content digest, so a list is validated once per version.

Every agency's sweep of a night is given the same court list files. Reading and checking the
national list costs seconds per million entries, and applying the same file twice on one run
date changes nothing (`pipelines.listing.apply_list` replays it). So once a file has been read,
checked by its contract and applied, the warehouse keeps what the sweep reports about it: the
row count, the rejected rows with their reasons, and the change counts. A later sweep given a
file with the same bytes, name, mode and run date, under the same contract settings, takes
those instead of checking the file again: its summary and quarantine.csv stay the same.

The list ingest is the place that checks the list each night; it always validates (it writes
the night's data docs), and the sweeps after it reuse its result.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.listing import ListChange, Mode
from pipelines.settings import Settings
from pipelines.warehouse import Warehouse, registered

QUARANTINE_FIELDS = ("row", "record_key", "reason")

DDL = (
    """CREATE TABLE IF NOT EXISTS list_file_checks (
    file_digest VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    contract_digest VARCHAR NOT NULL,
    rows_in BIGINT NOT NULL,
    added BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    removed BIGINT NOT NULL,
    unchanged BIGINT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS list_file_quarantine (
    file_digest VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    contract_digest VARCHAR NOT NULL,
    "row" VARCHAR,
    record_key VARCHAR,
    reason VARCHAR
)""",
)


@dataclass(frozen=True)
class FileKey:
    """What makes one check of a list file reusable: same bytes, name, mode, night, limits."""

    file_digest: str
    source: str
    mode: Mode
    run_date: date
    contract_digest: str


@dataclass(frozen=True)
class CheckedFile:
    """A list file's remembered check: rows read, rows rejected, what applying it changed."""

    rows_in: int
    quarantine: pl.DataFrame
    change: ListChange


def file_digest(path: Path) -> str:
    """sha256 of the file's bytes (a few hundred MB/s: far cheaper than parsing the file)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def contract_digest(settings: Settings) -> str:
    """Digest of the contract limits: a check under other limits is not the same check."""
    return hashlib.sha256(settings.contracts.model_dump_json().encode()).hexdigest()[:16]


def file_key(path: Path, mode: Mode, run_date: date, settings: Settings) -> FileKey:
    return FileKey(file_digest(path), path.name, mode, run_date, contract_digest(settings))


def _ensure(wh: Warehouse) -> None:
    with wh.transaction() as con:
        for statement in DDL:
            con.execute(statement)


def find_checked(wh: Warehouse, key: FileKey) -> CheckedFile | None:
    """The remembered check of this file, if the warehouse holds one."""
    _ensure(wh)
    where = "file_digest = ? AND run_date = ? AND contract_digest = ?"
    params = [key.file_digest, key.run_date, key.contract_digest]
    rows = wh.query(
        "SELECT rows_in, added, changed, removed, unchanged FROM list_file_checks"
        f" WHERE {where} AND source = ? AND mode = ?",
        [*params, key.source, key.mode],
    )
    if rows.is_empty():
        return None
    rows_in, added, changed, removed, unchanged = rows.row(0)
    quarantine = wh.query(
        f'SELECT "row", record_key, reason FROM list_file_quarantine WHERE {where}', params
    )
    framed = quarantine.select(
        pl.lit("dishonest_list").alias("dataset"),
        pl.lit(key.source).alias("source"),
        *QUARANTINE_FIELDS,
    ).cast(pl.String)
    change = ListChange(added, changed, removed, unchanged, replayed=True)
    return CheckedFile(int(rows_in), framed, change)


def remember_checked(wh: Warehouse, key: FileKey, checked: CheckedFile) -> None:
    """Keep a file's check after it was applied; a second record for the same key replaces it."""
    _ensure(wh)
    where = "file_digest = ? AND run_date = ? AND contract_digest = ?"
    params = [key.file_digest, key.run_date, key.contract_digest]
    change = checked.change
    quarantine = checked.quarantine.select(
        pl.lit(key.file_digest).alias("file_digest"),
        pl.lit(key.run_date).alias("run_date"),
        pl.lit(key.contract_digest).alias("contract_digest"),
        *(pl.col(c).cast(pl.String) for c in QUARANTINE_FIELDS),
    )
    with wh.transaction() as con:
        con.execute(
            f"DELETE FROM list_file_checks WHERE {where} AND source = ? AND mode = ?",
            [*params, key.source, key.mode],
        )
        con.execute(f"DELETE FROM list_file_quarantine WHERE {where}", params)
        con.execute(
            "INSERT INTO list_file_checks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                key.file_digest,
                key.source,
                key.mode,
                key.run_date,
                key.contract_digest,
                checked.rows_in,
                change.added,
                change.changed,
                change.removed,
                change.unchanged,
            ],
        )
        if quarantine.height:
            with registered(con, quarantine, "list_quarantine") as src:
                con.execute(f"INSERT INTO list_file_quarantine BY NAME SELECT * FROM {src}")
