"""Polars frames in and out of SQL on an open DuckDB connection: query, register, upsert, replace.

These run inside the caller's transaction (`Warehouse.transaction`), so several writes of one
run commit or roll back together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

import duckdb
import polars as pl

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _ident(name: str) -> str:
    """Quote a table or column name after checking it is a plain identifier."""
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return f'"{name}"'


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
