"""The DuckDB warehouse: the one owner of its connections, and the run's record in it.

Every table written by a run carries the run date and is written by key-based upserts, so
rerunning a night replaces that night's rows instead of adding to them. Connections are opened per
unit of work and closed at once, because DuckDB lets one process at a time hold a file for writing:
holding a connection open would lock the workbench and other sweeps out for no reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from pipelines.storage.connect import open_duckdb
from pipelines.storage.frames import query_frame, registered, replace_partition, upsert_frame
from pipelines.storage.hit_schema import WAREHOUSE, names_of
from pipelines.storage.tables import DDL, LIST_CONTENT_COLUMNS, TABLES

__all__ = [
    "LIST_CONTENT_COLUMNS",
    "MEMORY",
    "TABLES",
    "Warehouse",
    "query_frame",
    "record_run",
    "registered",
    "replace_partition",
]
MEMORY = ":memory:"


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
        return open_duckdb(
            self.path, read_only=read_only, wait_s=self.busy_timeout_s, what="warehouse"
        )

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

    def columns(self, table: str) -> list[str]:
        """Column names of `table`, in table order."""
        rows = self.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
            " ORDER BY ordinal_position",
            [table],
        )
        return rows["column_name"].to_list()


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
