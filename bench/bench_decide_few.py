"""The desk's decide step per single record: the few-row path against the columnar one.

Generates (or reuses) a world of SIZE list entries, builds the screening service, screens
contract-checked single records of each agency through the desk until `--pairs` records had kept
pairs, and keeps each such record's `decide_hits` input. Then times, in process, per record:
`decide_hits` (what the desk runs: the few-row path) and `_decide_hits_columnar` (the night's
code on the same pairs), checks that both give equal hits and budget figures, and prints
mean/p50/p99 in ms.

    .venv/bin/python bench/bench_decide_few.py --size 20000 --pairs 1000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from bench._data import AS_OF, data_dir, ensure_generated, list_files
from matching.config import MatchThresholds
from matching.link import _decide_hits_columnar, decide_hits
from pipelines.ingest import read_dataset
from pipelines.screen import index as desk_index
from pipelines.screen.command import build_service
from pipelines.screen.records import records_frame
from pipelines.settings import default_settings

AGENCIES = ("hotel_booking", "school_enrollment", "subsidy_application", "civil_service_candidate")
Inputs = list[tuple[pl.DataFrame, MatchThresholds, int | None]]


def _kept_inputs(world: Path, wanted: int) -> Inputs:
    """The desk's `decide_hits` inputs of single records that had kept pairs."""
    settings = default_settings()
    home = Path(tempfile.mkdtemp(prefix="bench_decide_"))
    service = build_service(home, settings, list_files(world), AS_OF)
    service.start()
    got: Inputs = []
    decide = desk_index.decide_hits

    def spy(kept: pl.DataFrame, thresholds: MatchThresholds, budget: int | None) -> Any:
        if not kept.is_empty():
            got.append((kept, thresholds, budget))
        return decide(kept, thresholds, budget)

    desk_index.decide_hits = spy  # type: ignore[assignment]
    try:
        for agency in AGENCIES:
            raw = read_dataset(next((world / "agencies").glob(f"{agency}.*")), agency)
            rows = raw.drop("_source", "_row").to_dicts()
            for i in records_frame(agency, rows, settings, AS_OF).positions:
                service.desk.screen(agency, [rows[i]])
                if len(got) >= wanted:
                    return got
    finally:
        desk_index.decide_hits = decide  # type: ignore[assignment]
    return got


def _time(run: Callable[..., Any], inputs: Inputs) -> np.ndarray:
    for args in inputs[:20]:  # warm caches (expressions, empty answers per schema)
        run(*args)
    times = []
    for args in inputs:
        t = time.perf_counter()
        run(*args)
        times.append(time.perf_counter() - t)
    return np.array(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--pairs", type=int, default=1000, help="records with kept pairs")
    args = parser.parse_args()
    world = ensure_generated(data_dir(Path(__file__).resolve().parents[1], args.size), args.size)
    inputs = _kept_inputs(world, args.pairs)
    for kept, thresholds, budget in inputs:
        few, few_cut = decide_hits(kept, thresholds, budget)
        col, col_cut = _decide_hits_columnar(kept, thresholds, budget)
        assert_frame_equal(few, col)
        assert few_cut == col_cut
    heights = sorted({kept.height for kept, _, _ in inputs})
    print(f"{len(inputs)} records with kept pairs (pairs per record {heights}); hits equal")
    for label, run in (("columnar", _decide_hits_columnar), ("decide_hits", decide_hits)):
        ms = _time(run, inputs)
        p50, p99 = np.percentile(ms, [50, 99])
        print(f"{label:12s} mean {ms.mean():.3f} ms  p50 {p50:.3f}  p99 {p99:.3f}")


if __name__ == "__main__":
    main()
