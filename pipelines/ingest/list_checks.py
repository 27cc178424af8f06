"""List files' contract checks remembered by content digest, so a list is checked once a version.

Every agency's sweep of a night is given the same court list files, and checking the national
list costs seconds per hundred thousand entries. Applying a file the warehouse already applied on
the same run date changes nothing (`pipelines.ingest.listing.apply_list` replays it), so once a
file has been checked and applied, the warehouse keeps what the check produced: the rows read,
every rejected row with its reason (in file order) and what applying it changed. A later sweep
given a file with the same bytes, name, place in the order (snapshot or delta) and run date,
under the same contract limits, takes those instead of reading and checking the file again:
its hits, quarantine.csv and summary counts are those of a full check.

Nothing here is written before the night's files are applied, so a refused run still leaves the
warehouse as it was; a night whose list goes to a scratch store (a backfill) reuses nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.ingest.listing import ListChange, Mode
from pipelines.settings import Settings
from pipelines.storage.warehouse import MEMORY, Warehouse, query_frame, registered

CHANGE_FIELDS = ("added", "changed", "removed", "unchanged", "unknown_removals")
QUARANTINE_FIELDS = ("dataset", "source", "row", "record_key", "reason")
_KEY_SQL = (
    "file_digest = ? AND source_name = ? AND mode = ? AND run_date = ? AND contract_digest = ?"
)
_QUARANTINE_SQL = ", ".join(f'"{c}"' for c in QUARANTINE_FIELDS)
DDL = (
    """CREATE TABLE IF NOT EXISTS list_file_checks (
    file_digest VARCHAR NOT NULL,
    source_name VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    contract_digest VARCHAR NOT NULL,
    rows_in BIGINT NOT NULL,
    added BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    removed BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    unknown_removals BIGINT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS list_file_quarantine (
    file_digest VARCHAR NOT NULL,
    source_name VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    contract_digest VARCHAR NOT NULL,
    seq BIGINT NOT NULL,
    dataset VARCHAR,
    source VARCHAR,
    "row" VARCHAR,
    record_key VARCHAR,
    reason VARCHAR
)""",
)


@dataclass(frozen=True)
class FileKey:
    """What makes a check reusable: same bytes, file name, mode, run date and contract limits."""

    file_digest: str
    source: str
    mode: Mode
    run_date: date
    contract_digest: str

    def params(self) -> list[object]:
        return [self.file_digest, self.source, self.mode, self.run_date, self.contract_digest]


@dataclass(frozen=True)
class RememberedCheck:
    """A list file's check as it was made: rows read, rejected rows (in order), its changes."""

    rows_in: int
    quarantine: pl.DataFrame
    change: ListChange


DIGEST_BLOCK = 1 << 24
"""Bytes hashed per read. The sweep imports Great Expectations on a thread meanwhile; each block
needs the GIL back once, so 16 MiB blocks (about 20 for the 1M-entry list) wait a handful of
times where `hashlib.file_digest`'s 256 KiB blocks waited over a thousand (3.4 s at 1M)."""


def file_digest(path: Path) -> str:
    """sha256 of the file's bytes (hundreds of MB/s: far cheaper than parsing and checking)."""
    digest = hashlib.sha256()
    block = bytearray(DIGEST_BLOCK)
    view = memoryview(block)
    with path.open("rb", buffering=0) as fh:
        while size := fh.readinto(block):
            digest.update(view[:size])  # releases the GIL while it hashes
    return digest.hexdigest()


def contract_digest(settings: Settings) -> str:
    """Digest of the contract limits: a check under other limits is another check."""
    return hashlib.sha256(settings.contracts.model_dump_json().encode()).hexdigest()[:16]


def file_key(path: Path, mode: Mode, run_date: date, settings: Settings) -> FileKey:
    return FileKey(file_digest(path), path.name, mode, run_date, contract_digest(settings))


def find_checked(warehouse: Path | None, keys: list[FileKey]) -> dict[FileKey, RememberedCheck]:
    """The remembered checks of `keys` this warehouse holds (read only; none for a backfill).

    Files whose night is earlier than a night the store already loaded are versioned in a
    scratch store, which needs the checked rows themselves, so such a night reuses nothing.
    """
    if warehouse is None or str(warehouse) == MEMORY or not Path(warehouse).is_file() or not keys:
        return {}
    found: dict[FileKey, RememberedCheck] = {}
    with Warehouse(warehouse).connect(read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if not {"list_file_checks", "list_file_quarantine", "list_loads"} <= tables:
            return {}
        later = con.execute(
            "SELECT count(*) FROM list_loads WHERE run_date > ?", [keys[0].run_date]
        ).fetchall()[0][0]
        if later:
            return {}
        for key in keys:
            rows = con.execute(
                f"SELECT rows_in, {', '.join(CHANGE_FIELDS)} FROM list_file_checks"
                f" WHERE {_KEY_SQL}",
                key.params(),
            ).fetchall()
            if not rows:
                continue
            rows_in, added, changed, removed, unchanged, unknown = rows[0]
            quarantine = query_frame(
                con,
                f"SELECT {_QUARANTINE_SQL} FROM list_file_quarantine WHERE {_KEY_SQL} ORDER BY seq",
                key.params(),
            )
            change = ListChange(added, changed, removed, unchanged, True, unknown)
            found[key] = RememberedCheck(int(rows_in), _as_text(quarantine), change)
    return found


def _as_text(quarantine: pl.DataFrame) -> pl.DataFrame:
    return quarantine.select(pl.col(c).cast(pl.String) for c in QUARANTINE_FIELDS)


def remember_checked(wh: Warehouse, key: FileKey, check: RememberedCheck) -> None:
    """Keep a file's check once it has been applied; a second one for the same key replaces it."""
    change = check.change
    rejected = (
        _as_text(check.quarantine).with_row_index("seq").with_columns(pl.col("seq").cast(pl.Int64))
    )
    stamped = rejected.select(
        pl.lit(key.file_digest).alias("file_digest"),
        pl.lit(key.source).alias("source_name"),
        pl.lit(key.mode).alias("mode"),
        pl.lit(key.run_date).alias("run_date"),
        pl.lit(key.contract_digest).alias("contract_digest"),
        pl.all(),
    )
    with wh.transaction() as con:
        for statement in DDL:
            con.execute(statement)
        con.execute(f"DELETE FROM list_file_checks WHERE {_KEY_SQL}", key.params())
        con.execute(f"DELETE FROM list_file_quarantine WHERE {_KEY_SQL}", key.params())
        counts = [int(getattr(change, f)) for f in CHANGE_FIELDS]
        con.execute(
            "INSERT INTO list_file_checks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*key.params(), check.rows_in, *counts],
        )
        if stamped.height:
            with registered(con, stamped, "list_quarantine") as src:
                con.execute(f"INSERT INTO list_file_quarantine BY NAME SELECT * FROM {src}")
