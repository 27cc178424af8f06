"""The court list in the warehouse, versioned per run date (SCD type 2).

A list arrives as one snapshot then deltas, in order. Each entry keeps every version it ever had
(`valid_from_run` .. `valid_to_run`), so a removed entry can still be explained ("removed on
2024-03-01") and is never intercepted. The diff runs inside DuckDB, because the national list has
about 8 million entries and a row-by-row comparison in Python would not finish overnight.

A version opened and closed on the same run date has `valid_from_run == valid_to_run` and is
invisible to `current_entries`; it stays for the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl

from pipelines.errors import InputError
from pipelines.storage.warehouse import LIST_CONTENT_COLUMNS, Warehouse, query_frame, registered

Mode = Literal["snapshot", "delta"]
CONTENT = tuple(name for name, _ in LIST_CONTENT_COLUMNS)
_POLARS_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "BIGINT": pl.Int64(),
    "DATE": pl.Date(),
    "DOUBLE": pl.Float64(),
}
REMOVED_IN_DELTA = "removed_in_delta"
REMOVED_IN_SNAPSHOT = "removed_in_snapshot"
ABSENT_FROM_SNAPSHOT = "absent_from_snapshot"


@dataclass(frozen=True)
class ListChange:
    """How one list file changed the stored list (entry counts)."""

    added: int
    changed: int
    removed: int
    unchanged: int
    replayed: bool = False
    """True when this exact file was already applied on this run date (nothing was written)."""
    unknown_removals: int = 0
    """Removal rows for entries never listed (nothing to withdraw): reported, not counted."""


def _incoming(clean: pl.DataFrame) -> pl.DataFrame:
    """The file's entries in warehouse columns and types, one row per entry (the last wins)."""
    if "entry_id" not in clean.columns:
        raise ValueError("list frame has no entry_id column")
    order = ["_row"] if "_row" in clean.columns else []
    frame = clean.sort(order, maintain_order=True) if order else clean
    columns = [pl.col("entry_id").cast(pl.String)]
    for name, kind in LIST_CONTENT_COLUMNS:
        dtype = _POLARS_TYPES[kind]
        expr = pl.col(name) if name in frame.columns else pl.lit(None)
        columns.append(expr.cast(dtype, strict=False).alias(name))
    status = pl.col("status") if "status" in frame.columns else pl.lit(None)
    removed_on = pl.col("removed_on") if "removed_on" in frame.columns else pl.lit(None)
    columns += [
        status.cast(pl.String).fill_null("active").alias("status"),
        removed_on.cast(pl.Date, strict=False).alias("removed_on"),
    ]
    out = frame.select(columns).filter(pl.col("entry_id").is_not_null())
    # The list type is optional in the files and defaults to the dishonest list (docs/domain.md).
    out = out.with_columns(pl.col("list_type").fill_null("dishonest"))
    return out.unique("entry_id", keep="last", maintain_order=True)


def _hash_sql(alias: str) -> str:
    """SQL for a stable content hash of an entry's canonical columns (status excluded)."""
    # chr(0) marks a null so that null and empty text hash differently; chr(31) separates.
    parts = ", ".join(f"coalesce(CAST({alias}.{c} AS VARCHAR), chr(0))" for c in CONTENT)
    return f"md5(concat_ws(chr(31), {parts}))"


def _content_hash(con: duckdb.DuckDBPyConnection, inc: str) -> str:
    """Order-insensitive fingerprint of a whole file, to recognise a re-applied file."""
    row = "concat_ws('|', entry_id, row_hash, status, coalesce(CAST(removed_on AS VARCHAR), ''))"
    # One 128-bit md5 per row, XORed whole: md5_number_upper/lower would hash every row twice.
    # Same digest as before: md5_number_upper is the low 64 bits of md5_number, _lower the high.
    count, folded = con.execute(
        f"SELECT count(*), coalesce(bit_xor(md5_number({row})), 0) FROM {inc}"
    ).fetchall()[0]
    upper, lower = int(folded) & (2**64 - 1), int(folded) >> 64
    return f"{count}-{upper:x}-{lower:x}"


def _previous_load(
    con: duckdb.DuckDBPyConnection, run_date: date, source: str, mode: Mode, digest: str
) -> ListChange | None:
    rows = con.execute(
        "SELECT added, changed, removed, unchanged, unknown_removals FROM list_loads"
        " WHERE run_date = ? AND source = ? AND mode = ? AND content_hash = ?",
        [run_date, source, mode, digest],
    ).fetchall()
    if not rows:
        return None
    added, changed, removed, unchanged, unknown = rows[0]
    return ListChange(added, changed, removed, unchanged, True, unknown or 0)


def _refuse_rewriting_history(con: duckdb.DuckDBPyConnection, run_date: date, source: str) -> None:
    """Versions only move forward: a new file for a night before the latest load is refused.

    Applying it would close versions that started later (rows ending before they start). A sweep
    given the earlier night's files evaluates them in a scratch store instead (`credsweep sweep
    --list ...`), which answers for that night without rewriting the stored history.
    """
    latest = con.execute("SELECT max(run_date) FROM list_loads").fetchall()[0][0]
    if latest is not None and latest > run_date:
        raise InputError(
            f"{source}: list files for {run_date} arrive after night {latest} was loaded; the"
            " stored list only moves forward (backfill by sweeping that night with its --list"
            " files) (名单版本不可回溯写入)"
        )


def _plan(con: duckdb.DuckDBPyConnection, inc: str, mode: Mode) -> None:
    """Classify every incoming entry against its current version into temp table `_plan`.

    The plan stays narrow: an active row's facts are read from the incoming table when written,
    so a million entries are not copied twice. Only removal rows carry their facts here, because
    a removal in a delta often carries just the entry id and keeps the stored facts.
    """
    removal_reason = REMOVED_IN_SNAPSHOT if mode == "snapshot" else REMOVED_IN_DELTA
    content = ", ".join(
        f"CASE WHEN i.status = 'removed' THEN coalesce(i.{c}, c.{c}) END AS {c}" for c in CONTENT
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _plan AS
        SELECT i.entry_id, {content}, i.status, i.removed_on,
               coalesce(c.version, 0) + 1 AS version,
               CASE
                 WHEN i.status = 'active' AND (c.entry_id IS NULL OR c.status = 'removed')
                   THEN 'added'
                 WHEN i.status = 'active' AND c.row_hash <> i.row_hash THEN 'changed'
                 WHEN i.status = 'active' THEN 'unchanged'
                 WHEN c.entry_id IS NULL THEN 'unknown_removal'
                 WHEN c.status = 'active' THEN 'removed'
                 ELSE 'unchanged'
               END AS action,
               '{removal_reason}' AS removal_reason
        FROM {inc} i
        LEFT JOIN (SELECT * FROM list_entries WHERE valid_to_run IS NULL) c USING (entry_id)"""
    )


def _plan_absent(con: duckdb.DuckDBPyConnection, inc: str) -> None:
    """Add to `_plan` the active entries a complete snapshot no longer carries."""
    content = ", ".join(f"c.{c}" for c in CONTENT)
    con.execute(
        f"""INSERT INTO _plan BY NAME
        SELECT c.entry_id, {content}, 'removed' AS status, NULL::DATE AS removed_on,
               c.version + 1 AS version, 'removed' AS action,
               '{ABSENT_FROM_SNAPSHOT}' AS removal_reason
        FROM list_entries c
        WHERE c.valid_to_run IS NULL AND c.status = 'active'
          AND c.entry_id NOT IN (SELECT entry_id FROM {inc})"""
    )


def _write_plan(con: duckdb.DuckDBPyConnection, inc: str, run_date: date, source: str) -> None:
    """Close the current versions of changed entries and insert their new versions."""
    stored = con.execute("SELECT count(*) FROM list_entries").fetchall()[0][0]
    if stored:  # a first snapshot has nothing to close
        con.execute(
            "UPDATE list_entries SET valid_to_run = ? WHERE valid_to_run IS NULL AND entry_id IN"
            " (SELECT entry_id FROM _plan WHERE action IN ('added', 'changed', 'removed'))",
            [run_date],
        )
    params = {"run": run_date, "source": source}
    active = ", ".join(f"i.{c}" for c in CONTENT)
    con.execute(
        f"""INSERT INTO list_entries BY NAME
        SELECT p.entry_id, p.version, {active}, 'active' AS status,
               NULL::DATE AS removed_on, NULL AS removal_reason,
               $run AS valid_from_run, NULL::DATE AS valid_to_run, $source AS source,
               i.row_hash
        FROM _plan p JOIN {inc} i USING (entry_id)
        WHERE p.action IN ('added', 'changed') AND p.status = 'active'""",
        params,
    )
    removed = ", ".join(f"p.{c}" for c in CONTENT)
    con.execute(
        f"""INSERT INTO list_entries BY NAME
        SELECT p.entry_id, p.version, {removed}, 'removed' AS status,
               coalesce(p.removed_on, $run) AS removed_on, p.removal_reason,
               $run AS valid_from_run, NULL::DATE AS valid_to_run, $source AS source,
               {_hash_sql("p")} AS row_hash
        FROM _plan p
        WHERE p.action = 'removed' AND p.status = 'removed'""",
        params,
    )


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute("SELECT action, count(*) FROM _plan GROUP BY action").fetchall()
    found = {str(action): int(n) for action, n in rows}
    keys = ("added", "changed", "removed", "unchanged", "unknown_removal")
    return {k: found.get(k, 0) for k in keys}


def apply_list(
    wh: Warehouse,
    clean: pl.DataFrame,
    *,
    run_date: date,
    mode: Mode,
    source: str,
    snapshot_is_complete: bool = False,
) -> ListChange:
    """Apply one contract-checked list file to the versioned list, in one transaction.

    A snapshot adds and updates entries; entries it does not carry stay as they are unless
    `snapshot_is_complete` (one province's list may be partial), in which case they are removed
    with reason `absent_from_snapshot`. A row with status `removed` closes its entry on its
    `removed_on` date, or the run date. The same file applied twice on one run date is a no-op.
    """
    if mode not in ("snapshot", "delta"):
        raise ValueError(f"mode must be 'snapshot' or 'delta', not {mode!r}")
    incoming = _incoming(clean)
    with wh.transaction() as con:
        with registered(con, incoming, "list") as src:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _inc AS SELECT *, {_hash_sql(src)} AS row_hash"
                f" FROM {src}"
            )
        complete = mode == "snapshot" and snapshot_is_complete
        digest = _content_hash(con, "_inc") + ("-complete" if complete else "")
        previous = _previous_load(con, run_date, source, mode, digest)
        if previous is not None:
            return previous
        _refuse_rewriting_history(con, run_date, source)
        _plan(con, "_inc", mode)
        if complete:
            _plan_absent(con, "_inc")
        _write_plan(con, "_inc", run_date, source)
        counts = _counts(con)
        con.execute(
            "INSERT INTO list_loads (run_date, source, mode, content_hash, snapshot_is_complete,"
            " added, changed, removed, unchanged, unknown_removals)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_date, source, mode, digest, complete, *counts.values()],
        )
        con.execute("DROP TABLE _plan")
        con.execute("DROP TABLE _inc")
    return ListChange(
        counts["added"],
        counts["changed"],
        counts["removed"],
        counts["unchanged"],
        unknown_removals=counts["unknown_removal"],
    )


def stood_on(day: str, alias: str = "") -> str:
    """SQL condition: the row is the version of its entry that stood on `day` (a SQL parameter or
    column); the one definition of "as of" over the versioned list."""
    t = f"{alias}." if alias else ""
    return f"{t}valid_from_run <= {day} AND ({t}valid_to_run IS NULL OR {t}valid_to_run > {day})"


ENTRY_COLUMNS = (
    "entry_id",
    *CONTENT,
    "status",
    "removed_on",
    "removal_reason",
    "version",
    "valid_from_run",
    "source",
)


def entries_as_of(
    wh: Warehouse,
    as_of: date,
    columns: Sequence[str] = ENTRY_COLUMNS,
    *,
    status: Literal["active", "removed"] | None = None,
) -> pl.DataFrame:
    """`columns` of every entry as it stood on `as_of` (only those with `status`, if given)."""
    for column in columns:
        if column not in ENTRY_COLUMNS:
            raise ValueError(f"not a list entry column: {column!r}")
    where = stood_on("$as_of") + (" AND status = $status" if status else "")
    params: dict[str, object] = {"as_of": as_of} | ({"status": status} if status else {})
    return wh.query(f"SELECT {', '.join(columns)} FROM list_entries WHERE {where}", params)


def current_entries(wh: Warehouse, as_of: date) -> pl.DataFrame:
    """Every entry as it stood on `as_of`, active and removed (removed ones explain, never hit)."""
    # polars sorts a million wide rows faster than DuckDB's ORDER BY + export
    return entries_as_of(wh, as_of).sort("entry_id")


def entry_history(wh: Warehouse, entry_id: str) -> pl.DataFrame:
    """All versions of one entry, oldest first (for explaining a withdrawal)."""
    with wh.connect(read_only=True) as con:
        return query_frame(
            con,
            "SELECT entry_id, version, status, removed_on, removal_reason, valid_from_run,"
            " valid_to_run, source FROM list_entries WHERE entry_id = ? ORDER BY version",
            [entry_id],
        )


def list_files(folder: Path) -> list[Path]:
    """The night's list files: the snapshot first, then deltas in name order."""
    files = sorted(p for p in folder.glob("*") if p.is_file() and not p.name.startswith("."))
    snapshots = [p for p in files if p.stem.startswith("snapshot")]
    deltas = [p for p in files if not p.stem.startswith("snapshot")]
    return snapshots + deltas
