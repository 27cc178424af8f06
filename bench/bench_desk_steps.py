"""Where a desk record's time goes: every step of `Desk.screen` timed, one record at a time.

Generates (or reuses) a world of SIZE list entries, builds the screening service's index as
`credsweep screen serve` does, and screens up to `--records` contract-checked records of one
agency one at a time, in process (no HTTP), each step's function wrapped with a timer. Prints
the whole answer's p50/p95/p99 and, per step, its calls, mean, p50, p99 and mean per record
(a step a record does not reach counts zero for it), and how many candidate pairs the records
that reach scoring meet.

    .venv/bin/python -m bench.bench_desk_steps --size 1000000 --records 600
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import bench._as_service  # noqa: F401  (polars' pool as the service's)
import matching.pairs as pairs_module
import pipelines.screen.desk as desk_module
import pipelines.screen.index as index_module
from bench._data import AS_OF, data_dir, ensure_generated, list_files
from pipelines.ingest import read_dataset
from pipelines.screen.command import build_service
from pipelines.screen.config import ScreenSettings
from pipelines.screen.records import records_frame
from pipelines.settings import default_settings

STEPS: tuple[tuple[Any, str], ...] = (
    (desk_module, "records_frame"),
    (desk_module, "query_parties"),
    (index_module, "query_features"),
    (index_module, "_found"),
    (index_module, "pairs_from_found"),
    (index_module, "confirmed_pairs"),
    (index_module, "with_confirmed"),
    (index_module, "_frequencies"),
    (pairs_module, "pair_frame"),
    (pairs_module, "_score_few"),
    (pairs_module, "compare"),
    (pairs_module, "score"),
    (pairs_module, "pair_probabilities"),
    (index_module, "score_in_chunks"),
    (index_module, "decide_hits"),
    (desk_module, "match_parties"),
    (desk_module.Desk, "_ruled"),
    (desk_module.Desk, "_deliver"),
    (desk_module, "_body"),
)
"""Each step where the desk looks it up (a module's global or a method), in path order."""


def _timed(times: list[float], f: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            times.append(time.perf_counter() - t)

    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=20000)
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--agency", default="hotel_booking")
    ap.add_argument("--warm", type=int, default=50, help="records screened before timing")
    args = ap.parse_args()

    root = Path(__file__).resolve().parent.parent
    world = ensure_generated(data_dir(root, args.size), args.size)
    settings = default_settings().model_copy(
        update={"screen": ScreenSettings(rate_per_s=1e6, burst=10**6, daily_quota=10**9)}
    )
    service = build_service(
        Path(tempfile.mkdtemp(prefix="bench_desk_steps_")), settings, list_files(world), AS_OF
    )
    service.start()
    times: dict[str, list[float]] = defaultdict(list)
    for owner, name in STEPS:
        setattr(owner, name, _timed(times[name], getattr(owner, name)))
    pairs: list[int] = []
    scorer = index_module.score_in_chunks

    def counted(qf: Any, lf: Any, found: Any, *rest: Any) -> Any:
        pairs.append(found.height)
        return scorer(qf, lf, found, *rest)

    index_module.score_in_chunks = counted  # type: ignore[assignment]

    records = read_dataset(next((world / "agencies").glob(f"{args.agency}.*")), args.agency)
    rows = records.drop("_source", "_row").to_dicts()
    ok = records_frame(args.agency, rows, settings, AS_OF).positions
    rows = [rows[i] for i in ok][: args.warm + args.records]
    whole: list[float] = []
    for i, row in enumerate(rows):
        if i == args.warm:
            whole.clear()
            pairs.clear()
            for t in times.values():
                t.clear()
        t0 = time.perf_counter()
        service.desk.screen(args.agency, [row])
        whole.append(time.perf_counter() - t0)
    service.stop()

    ms = np.array(whole) * 1000
    n = len(ms)
    print(f"{n} {args.agency} records against {args.size} generated entries, in process")
    print(
        "whole answer p50 / p95 / p99: "
        + " / ".join(f"{np.percentile(ms, q):.2f}" for q in (50, 95, 99))
        + " ms"
    )
    print(f"{'step':20s} {'calls':>6s} {'mean':>7s} {'p50':>7s} {'p99':>7s} {'per rec':>8s}  (ms)")
    for _, name in STEPS:
        a = np.array(times[name]) * 1000
        if len(a):
            print(
                f"{name:20s} {len(a):6d} {a.mean():7.3f} {np.percentile(a, 50):7.3f} "
                f"{np.percentile(a, 99):7.3f} {a.sum() / n:8.3f}"
            )
    if pairs:
        p = np.array(pairs)
        print(
            f"candidate pairs of the {len(p)} records scored: p50 {np.percentile(p, 50):.0f}, "
            f"p90 {np.percentile(p, 90):.0f}, p99 {np.percentile(p, 99):.0f}, max {p.max()}"
        )


if __name__ == "__main__":
    main()
