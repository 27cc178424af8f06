"""The DuckDB warehouse: the only owner of connections and DDL.

Every table written by a run carries the run date and is written by key-based upserts, so
rerunning a night replaces that night's rows instead of adding to them. Connections are opened per
unit of work and closed at once, because DuckDB lets one process at a time hold a file for writing:
holding a connection open would lock the workbench and other sweeps out for no reason.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import CredsweepError
from pipelines.storage.hit_schema import WAREHOUSE, ddl_of, names_of

MEMORY = ":memory:"

# Canonical content columns of a list entry, in docs/domain.md order (data_contracts.schemas).
LIST_CONTENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("list_type", "VARCHAR"),
    ("party_type", "VARCHAR"),
    ("name", "VARCHAR"),
    ("gender", "VARCHAR"),
    ("age", "BIGINT"),
    ("id_number", "VARCHAR"),
    ("legal_rep", "VARCHAR"),
    ("legal_rep_id_number", "VARCHAR"),
    ("court", "VARCHAR"),
    ("province", "VARCHAR"),
    ("case_no", "VARCHAR"),
    ("basis_doc_no", "VARCHAR"),
    ("basis_org", "VARCHAR"),
    ("duty", "VARCHAR"),
    ("performance", "VARCHAR"),
    ("behavior", "VARCHAR"),
    ("filed_on", "DATE"),
    ("published_on", "DATE"),
    ("amount_due", "DOUBLE"),
    ("amount_performed", "DOUBLE"),
)

_LIST_COLUMNS_SQL = ",\n    ".join(f"{name} {kind}" for name, kind in LIST_CONTENT_COLUMNS)
_HIT_COLUMNS_SQL = ",\n    ".join(
    f"{name} {kind}" for name, kind in ddl_of(WAREHOUSE, skip=("agency",))
)

# No PRIMARY KEY constraints: DuckDB checks them eagerly, and a delete followed by an insert of
# the same key inside one transaction (our upsert) would trip them. Keys are kept by `upsert`.
DDL: tuple[str, ...] = (
    f"""CREATE TABLE IF NOT EXISTS list_entries (
    entry_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    {_LIST_COLUMNS_SQL},
    status VARCHAR NOT NULL,
    removed_on DATE,
    removal_reason VARCHAR,
    valid_from_run DATE NOT NULL,
    valid_to_run DATE,
    source VARCHAR,
    row_hash VARCHAR NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS list_loads (
    run_date DATE NOT NULL,
    source VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    snapshot_is_complete BOOLEAN NOT NULL,
    added BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    removed BIGINT NOT NULL,
    unchanged BIGINT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS agency_records (
    agency VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    record_id VARCHAR NOT NULL,
    payload JSON
)""",
    """CREATE TABLE IF NOT EXISTS quarantine (
    run_date DATE NOT NULL,
    dataset VARCHAR NOT NULL,
    source VARCHAR,
    "row" BIGINT,
    record_key VARCHAR,
    reason VARCHAR
)""",
    f"""CREATE TABLE IF NOT EXISTS hits (
    agency VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    {_HIT_COLUMNS_SQL}
)""",
    """CREATE TABLE IF NOT EXISTS alerts (
    alert_id VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    entry_id VARCHAR NOT NULL,
    pair_key VARCHAR,
    rule_id VARCHAR,
    status VARCHAR NOT NULL,
    first_run DATE NOT NULL,
    opened_run DATE NOT NULL,
    last_run DATE NOT NULL,
    deadline DATE NOT NULL,
    sent_run DATE,
    withdrawn_run DATE,
    reason VARCHAR
)""",
    # Every change of an alert's status: when (run date or reply date), by whom, from where.
    """CREATE TABLE IF NOT EXISTS alert_transitions (
    alert_id VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    to_status VARCHAR NOT NULL,
    on_date DATE NOT NULL,
    at_ts TIMESTAMP,
    by_user VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    note VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR NOT NULL,
    agency VARCHAR,
    run_date DATE NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    summary JSON
)""",
    # removals of entries never listed are reported per load (added after the first release)
    "ALTER TABLE list_loads ADD COLUMN IF NOT EXISTS unknown_removals BIGINT DEFAULT 0",
)

TABLES = (
    "list_entries",
    "list_loads",
    "agency_records",
    "quarantine",
    "hits",
    "alerts",
    "alert_transitions",
    "runs",
)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _ident(name: str) -> str:
    """Quote a table or column name after checking it is a plain identifier."""
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return f'"{name}"'


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


class Warehouse:
    """One DuckDB database (a file or `:memory:`) and every way the pipeline touches it."""

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 30.0) -> None:
        self.path = str(path)
        self.busy_timeout_s = busy_timeout_s
        # An in-memory database lives only as long as a connection to it, so we keep one and
        # hand out cursors (separate connections to the same database) from it.
        self._memory_root: duckdb.DuckDBPyConnection | None = None
        if self.path == MEMORY:
            self._memory_root = duckdb.connect(MEMORY)
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"Warehouse({self.path!r})"

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Open a connection, waiting with backoff while another process holds the file lock."""
        if self._memory_root is not None:
            return self._memory_root.cursor()
        deadline = time.monotonic() + self.busy_timeout_s
        delay = 0.05
        while True:
            try:
                return duckdb.connect(self.path, read_only=read_only)
            except duckdb.ConnectionException:
                # This process already holds the file in the other mode; a read-write
                # connection shares that instance, and reads through it are just as safe.
                try:
                    return duckdb.connect(self.path)
                except duckdb.ConnectionException:
                    # another thread holds it read-only (a long-running service reads while
                    # it writes): that connection is brief, wait for it as for a file lock
                    if time.monotonic() >= deadline:
                        raise
                    time.sleep(delay)
                    delay = min(delay * 2, 0.2)
                    continue
            except duckdb.IOException as exc:
                if not _is_lock_conflict(exc):
                    raise CredsweepError(f"cannot open warehouse {self.path}: {exc}") from None
                if time.monotonic() >= deadline:
                    raise CredsweepError(
                        f"warehouse {self.path} is busy: another process holds it "
                        f"(waited {self.busy_timeout_s:g}s); retry when that run ends"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one unit of work, closed afterwards."""
        con = self._open(read_only)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection in one transaction: committed on success, else rolled back."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def close(self) -> None:
        """Drop an in-memory database; a file warehouse holds nothing open between calls."""
        if self._memory_root is not None:
            self._memory_root.close()
            self._memory_root = None

    def migrate(self) -> None:
        """Create every table this module owns; safe to run any number of times."""
        with self.transaction() as con:
            for statement in DDL:
                con.execute(statement)

    def query(
        self, sql: str, params: Sequence[object] | dict[str, object] | None = None
    ) -> pl.DataFrame:
        """Run a read query and return its result as a polars frame."""
        with self.connect(read_only=True) as con:
            return query_frame(con, sql, params)

    def execute(self, sql: str, params: Sequence[object] | dict[str, object] | None = None) -> None:
        """Run one write statement in its own transaction."""
        with self.transaction() as con:
            con.execute(sql, params)

    def upsert(self, table: str, frame: pl.DataFrame, keys: Sequence[str]) -> int:
        """Replace the rows of `table` sharing `keys` with `frame`'s rows, in one transaction."""
        with self.transaction() as con:
            return upsert_frame(con, table, frame, keys)

    def replace_where(self, table: str, frame: pl.DataFrame, where: dict[str, object]) -> int:
        """Replace a whole partition (e.g. one agency's run date) of `table` with `frame`."""
        with self.transaction() as con:
            return replace_partition(con, table, frame, where)

    def columns(self, table: str) -> list[str]:
        """Column names of `table`, in table order."""
        rows = self.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
            " ORDER BY ordinal_position",
            [table],
        )
        return rows["column_name"].to_list()


def query_frame(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[object] | dict[str, object] | None = None,
) -> pl.DataFrame:
    """Run a read query on an open connection and return a polars frame."""
    return con.sql(sql, params=params).pl()


_temp_counter = 0


def register_frame(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, prefix: str = "frame"
) -> str:
    """Make `frame` visible to SQL on `con` under a fresh name (via Arrow, zero copy)."""
    global _temp_counter
    _temp_counter += 1
    name = f"_cs_{prefix}_{_temp_counter}"
    con.register(name, frame.to_arrow())
    return name


@contextmanager
def registered(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, prefix: str = "frame"
) -> Iterator[str]:
    """`register_frame` for the length of a block; the view is dropped afterwards."""
    name = register_frame(con, frame, prefix)
    try:
        yield name
    finally:
        # In an aborted transaction unregistering fails too; the original error matters more,
        # and the view dies with the connection anyway.
        with suppress(duckdb.Error):
            con.unregister(name)


def upsert_frame(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, keys: Sequence[str]
) -> int:
    """Delete rows whose key appears in `frame`, then insert `frame` (columns matched by name)."""
    if not keys:
        raise ValueError("upsert needs at least one key column")
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise ValueError(f"upsert into {table}: frame lacks key columns {missing}")
    if frame.is_empty():
        return 0
    with registered(con, frame, table) as src:
        key_list = ", ".join(_ident(k) for k in keys)
        con.execute(
            f"DELETE FROM {_ident(table)} WHERE ({key_list}) IN"
            f" (SELECT DISTINCT {key_list} FROM {src})"
        )
        con.execute(f"INSERT INTO {_ident(table)} BY NAME SELECT * FROM {src}")
    return frame.height


def replace_partition(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, where: dict[str, object]
) -> int:
    """Delete the rows matching `where` (column = value, all ANDed) and insert `frame`."""
    if not where:
        raise ValueError("replace_partition needs a partition (refusing to empty the table)")
    clause = " AND ".join(f"{_ident(c)} = ?" for c in where)
    con.execute(f"DELETE FROM {_ident(table)} WHERE {clause}", list(where.values()))
    if frame.is_empty():
        return 0
    with registered(con, frame, table) as src:
        con.execute(f"INSERT INTO {_ident(table)} BY NAME SELECT * FROM {src}")
    return frame.height


HIT_TABLE_COLUMNS = names_of(WAREHOUSE)


def record_run(
    wh: Warehouse,
    *,
    agency: str,
    run_date: date,
    hits: pl.DataFrame,
    quarantine: pl.DataFrame,
    sources: Sequence[tuple[str, str]],
    summary: dict,
) -> None:
    """Persist one sweep's hits, quarantine and run row, in one transaction, idempotently.

    Hits replace the (agency, run_date) partition, so a rerun drops hits that no longer hold;
    quarantine rows replace each (run_date, dataset, source) the run read, even when now empty;
    the run row is keyed `agency:run_date`.
    """
    run_id = f"{agency}:{run_date.isoformat()}"
    hit_rows = hits.select([c for c in HIT_TABLE_COLUMNS if c in hits.columns]).with_columns(
        pl.lit(agency).alias("agency"), pl.lit(run_date).alias("run_date")
    )
    rejected = quarantine.with_columns(
        pl.lit(run_date).alias("run_date"), pl.col("row").cast(pl.Int64, strict=False)
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    run = pl.DataFrame(
        {
            "run_id": [run_id],
            "agency": [agency],
            "run_date": [run_date],
            "started_at": [now - timedelta(seconds=float(summary.get("duration_s", 0.0)))],
            "finished_at": [now],
            "summary": [json.dumps(summary, ensure_ascii=False)],
        }
    )
    with wh.transaction() as con:
        replace_partition(con, "hits", hit_rows, {"agency": agency, "run_date": run_date})
        for dataset, source in sources:
            part = rejected.filter((pl.col("dataset") == dataset) & (pl.col("source") == source))
            where = {"run_date": run_date, "dataset": dataset, "source": source}
            replace_partition(con, "quarantine", part, where)
        upsert_frame(con, "runs", run, ["run_id"])
