"""The desk's blocking step per single record: the few-row paths against the columnar ones.

Generates (or reuses) a world of SIZE list entries, builds the screening service's index, turns
up to `--records` contract-checked records of each agency into one-record query features, and
times, in process, per record: the query's blocking keys, the index look-up (`_found`), the
candidate pairs, and the confirmed pairs, each by its few-row path (what the desk runs) and by
the columnar path (the night's batch code on the same one record). Prints mean/p50/p99 in ms.

    .venv/bin/python bench/bench_desk_blocking.py --size 20000 --records 1000
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

from bench._data import AS_OF, data_dir, ensure_generated, list_files
from matching import blocking, pairs
from matching.link import query_features
from matching.parties import query_parties
from pipelines.ingest import read_dataset
from pipelines.screen import index as desk_index
from pipelines.screen.command import build_service
from pipelines.screen.records import records_frame
from pipelines.settings import agency_settings, default_settings

AGENCIES = ("hotel_booking", "civil_service_candidate")


def _one_record_features(world: Path, agency: str, limit: int) -> list[pl.DataFrame]:
    """Query features of single records, as the desk makes them for one request each."""
    settings = default_settings()
    raw = read_dataset(next((world / "agencies").glob(f"{agency}.*")), agency)
    rows = raw.drop("_source", "_row").to_dicts()
    roles = agency_settings(settings, agency).roles
    out = []
    for row in rows[: limit * 2]:
        clean = records_frame(agency, [row], settings, AS_OF).clean
        if clean.height:
            out.append(query_features(query_parties(clean, roles), AS_OF))
        if len(out) == limit:
            break
    return out


def _time(step: Callable[[Any], object], inputs: list[Any]) -> str:
    for item in inputs[:50]:  # warm caches (compiled plans, the region table)
        step(item)
    spent = []
    for item in inputs:
        started = time.perf_counter()
        step(item)
        spent.append(time.perf_counter() - started)
    ms = np.array(spent) * 1000
    p50, p99 = np.percentile(ms, [50, 99])
    return f"mean {ms.mean():6.3f}  p50 {p50:6.3f}  p99 {p99:6.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=20000)
    ap.add_argument("--records", type=int, default=1000, help="single records per agency")
    args = ap.parse_args()
    world = ensure_generated(data_dir(Path(__file__).parent.parent, args.size), args.size)
    service = build_service(
        Path(tempfile.mkdtemp(prefix="bench_blocking_")),
        default_settings(),
        list_files(world),
        AS_OF,
    )
    service.start()
    index = service.desk._index
    assert index is not None
    qfs = [qf for agency in AGENCIES for qf in _one_record_features(world, agency, args.records)]
    found = [desk_index._found(index, qf) for qf in qfs]
    met = [blocking.pairs_from_found(f)[0] for f in found]
    none, no_lf = frozenset[str](), index.lf.head(0)
    rules = blocking.BlockingRules()
    print(f"{len(qfs)} single records, {args.size} list entries; ms per record (wall clock)")
    rows: list[tuple[str, Callable[[Any], object], list[Any]]] = [
        ("keys, few-row", lambda qf: blocking.query_block_keys(qf, rules), qfs),
        ("keys, columnar", lambda qf: blocking._query_keys_columnar(qf, rules), qfs),
        ("_found (keys + look-up)", lambda qf: desk_index._found(index, qf), qfs),
        ("pairs, few-row", blocking.pairs_from_found, found),
        ("pairs, columnar", blocking._pairs_columnar, found),
        (
            "confirmed, few-row",
            lambda i: pairs.with_confirmed(met[i], pairs.confirmed_pairs(qfs[i], no_lf, none)),
            list(range(len(qfs))),
        ),
        (
            "confirmed, columnar",
            lambda i: pairs._with_confirmed_columnar(
                met[i], pairs._confirmed_columnar(qfs[i], no_lf, none)
            ),
            list(range(len(qfs))),
        ),
        (
            "step: keys+found+pairs+confirmed",
            lambda qf: pairs.with_confirmed(
                blocking.pairs_from_found(desk_index._found(index, qf))[0],
                pairs.confirmed_pairs(qf, no_lf, none),
            ),
            qfs,
        ),
    ]
    for name, step, inputs in rows:
        print(f"{name:34s} {_time(step, inputs)}")


if __name__ == "__main__":
    main()
