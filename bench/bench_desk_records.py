"""Per-record cost of the desk's contract step: `records_frame` on single records of a world.

Usage: .venv/bin/python bench/bench_desk_records.py [SIZE] [N] [AGENCY ...]
(defaults 20000 entries, 1000 records, hotel_booking and civil_service_candidate)
Prints, per agency, milliseconds per single record (p50 / mean / p99) of the whole
`records_frame`, of `check_rows` inside it (the row-at-a-time path) and of the columnar path
(`rows._columnar`) on the same one-row frames, in-process.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._data import AS_OF, data_dir, ensure_generated  # noqa: E402
from data_contracts import rows  # noqa: E402
from pipelines.ingest import read_dataset  # noqa: E402
from pipelines.screen import records  # noqa: E402
from pipelines.settings import Settings, default_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def _figures(name: str, ms: list[float]) -> str:
    a = np.array(ms)
    return (
        f"{name} p50 {np.percentile(a, 50):.3f} mean {a.mean():.3f} p99 {np.percentile(a, 99):.3f}"
    )


def _one_agency(agency: str, table: pl.DataFrame, n: int, settings: Settings) -> None:
    """Print the per-record figures of `agency` over its first n records (after 50 warm-ups)."""
    kw = {"min_date": date.fromisoformat(settings.contracts.min_date), "run_date": AS_OF}
    singles = table.drop("_source", "_row").to_dicts()[: n + 50]
    for record in singles[:50]:  # warm caches (header maps, parsed IDs)
        records.records_frame(agency, [record], settings, AS_OF)
    whole, few, columnar = [], [], []
    for i, record in enumerate(singles[50:]):
        whole.append(_timed(partial(records.records_frame, agency, [record], settings, AS_OF)))
        frame = table.slice(50 + i, 1)
        few.append(_timed(partial(rows.check_rows, agency, frame, **kw)))
        columnar.append(_timed(partial(rows._columnar, agency, frame, **kw)))
    print(agency, len(whole), "records, ms per record:")
    print(" ", _figures("records_frame", whole))
    print(" ", _figures("check_rows (few-row path)", few))
    print(" ", _figures("columnar path", columnar))


def main(size: int, n: int, agencies: list[str]) -> None:
    world = ensure_generated(data_dir(ROOT, size), size)
    settings = default_settings()
    for agency in agencies:
        table = read_dataset(next((world / "agencies").glob(f"{agency}.*")), agency)
        _one_agency(agency, table, n, settings)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(
        int(args[0]) if args else 20000,
        int(args[1]) if len(args) > 1 else 1000,
        args[2:] or ["hotel_booking", "civil_service_candidate"],
    )
