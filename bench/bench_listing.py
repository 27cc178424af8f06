"""Scale check of list versioning: a snapshot of N entries, a 1% delta, and a replay.

Run: .venv/bin/python bench/bench_listing.py [N] [warehouse-path]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.ingest.listing import apply_list, current_entries
from pipelines.storage.warehouse import Warehouse


def snapshot(n: int) -> pl.DataFrame:
    i = pl.int_range(0, n, eager=True)
    return pl.DataFrame(
        {
            "entry_id": "E" + i.cast(pl.String),
            "party_type": pl.Series(["person"] * n),
            "name": "张" + (i % 9973).cast(pl.String),
            "id_number": "110105" + (19500101 + i % 400000).cast(pl.String) + "****",
            "court": pl.Series(["某市中级人民法院"] * n),
            "amount_due": (i % 100000).cast(pl.Float64),
            "_row": i + 1,
        }
    )


def timed(label: str, fn) -> object:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    print(f"{label:<28} {time.perf_counter() - t:7.2f} s  {out}")
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp()) / "bench.duckdb"
    wh = Warehouse(path)
    wh.migrate()
    snap = snapshot(n)
    k = max(n // 100, 1)
    delta = pl.concat(
        [
            snap.head(k).with_columns(pl.lit("removed").alias("status")),
            snap.slice(k, k).with_columns(
                pl.col("amount_due") + 1, pl.lit("active").alias("status")
            ),
        ],
        how="diagonal",
    )
    d1, d2 = date(2024, 3, 1), date(2024, 3, 2)
    timed(f"snapshot {n:,}", lambda: apply_list(wh, snap, run_date=d1, mode="snapshot", source="s"))
    timed(
        "replay same snapshot",
        lambda: apply_list(wh, snap, run_date=d1, mode="snapshot", source="s"),
    )
    timed(f"delta {2 * k:,}", lambda: apply_list(wh, delta, run_date=d2, mode="delta", source="d"))
    timed(
        "next-night snapshot",
        lambda: apply_list(wh, snap, run_date=d2, mode="snapshot", source="s2"),
    )
    timed("current_entries", lambda: current_entries(wh, d2).height)


if __name__ == "__main__":
    main()
