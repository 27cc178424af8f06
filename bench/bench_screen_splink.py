"""One record at a time: the screening desk against Splink's incremental linking, same records.

A peer for the desk's latency. Splink has no service, so both run in this process, record by
record, interleaved (the machine's load falls on both alike):
- ours: `Desk.screen` on the raw record (contract row checks, features, blocking, scoring,
  deciding, the sanction rule, the journalled delivery), over the desk's index of the list;
- Splink: `linker.inference.predict_between(list, record)` with the model of
  `bench/_splink_engines.py`, trained first on the list and a sample of the agency's records.
  Splink gets the record's features from credsweep's code, untimed (it has none for Chinese
  names or masked IDs): its time is blocking + scoring only, which favours it.
Prints p50/p95/p99 per record for both.

    .venv/bin/python bench/bench_screen_splink.py --size 20000 --records 300
    .venv/bin/python bench/bench_screen_splink.py --list SNAPSHOT --list DELTA --input FILE
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _splink_e2e import night_entries, typed  # noqa: E402
from _splink_engines import PREDICT_FLOOR, train_splink  # noqa: E402
from _splink_model import full_id_share, splink_frame  # noqa: E402

from bench._data import AS_OF, data_dir, ensure_generated, list_files  # noqa: E402

AGENCY = "hotel_booking"


def _quantiles(seconds: list[float]) -> dict[str, float]:
    ms = np.array(seconds) * 1000
    return {f"p{q}_ms": round(float(np.percentile(ms, q)), 2) for q in (50, 95, 99)}


def _world_of(lists: list[Path], records: Path) -> Path:
    """Files from elsewhere (a field sample) laid out as a generated world, by links."""
    world = Path(tempfile.mkdtemp(prefix="bench_peer_world_"))
    (world / "lists").mkdir()
    (world / "agencies").mkdir()
    for i, path in enumerate(lists):
        name = "snapshot" if i == 0 else f"delta_{i:03d}"
        (world / "lists" / f"{name}{path.suffix}").symlink_to(path.resolve())
    (world / "agencies" / f"{AGENCY}{records.suffix}").symlink_to(records.resolve())
    return world


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=20000)
    ap.add_argument("--records", type=int, default=300, help="records timed, one at a time")
    ap.add_argument("--train-records", type=int, default=20000)
    ap.add_argument("--u-pairs", type=float, default=1e7)
    ap.add_argument(
        "--list", action="append", type=Path, help="list files (snapshot, then deltas) to serve"
    )
    ap.add_argument("--input", type=Path, help="the hotel file to screen (with --list)")
    args = ap.parse_args()

    from matching.features import party_features
    from matching.parties import list_parties, query_parties
    from pipelines.ingest import read_dataset
    from pipelines.screen.command import build_service
    from pipelines.screen.records import records_frame
    from pipelines.settings import agency_settings, default_settings

    settings = default_settings()
    world = (
        _world_of(args.list, args.input)
        if args.list
        else ensure_generated(data_dir(ROOT, args.size), args.size)
    )
    roles = agency_settings(settings, AGENCY).roles
    source = next(iter(sorted(world.glob(f"agencies/{AGENCY}.*"))))

    # Splink: features of the list and of a training sample, then its usual training
    lf = party_features(list_parties(night_entries(world, AS_OF)), AS_OF)
    typed_records = typed(source, AGENCY)
    qf = party_features(query_parties(typed_records.head(args.train_records), roles), AS_OF)
    t = time.perf_counter()
    linker, list_sdf, _ = train_splink(
        splink_frame(qf, AS_OF),
        splink_frame(lf, AS_OF),
        with_orgs=bool((qf["party_type"] == "org").any()),
        recall=min(0.95, max(0.05, full_id_share(lf))),
        u_pairs=args.u_pairs,
    )
    splink_train_s = time.perf_counter() - t

    # ours: the desk's index of the same list files
    service = build_service(
        Path(tempfile.mkdtemp(prefix="bench_peer_")), settings, list_files(world), AS_OF
    )
    service.start()
    desk = service.desk

    raw = read_dataset(source, AGENCY).drop("_source", "_row").to_dicts()
    ok = set(records_frame(AGENCY, raw, settings, AS_OF).positions)
    chosen = [r for i, r in enumerate(raw) if i in ok][: args.records]
    ids = [r["record_id"] for r in chosen]
    features = party_features(
        query_parties(typed_records.filter(pl.col("record_id").is_in(ids)), roles), AS_OF
    )
    per_record = {
        rid: splink_frame(frame, AS_OF)
        for (rid,), frame in features.partition_by("record_id", as_dict=True).items()
    }
    db_api = list_sdf.db_api
    ours: list[float] = []
    theirs: list[float] = []
    pairs = 0
    for n, record in enumerate(chosen):
        t = time.perf_counter()
        desk.screen(AGENCY, [record])
        ours.append(time.perf_counter() - t)
        frame = per_record.get(record["record_id"])
        if frame is None:
            continue
        t = time.perf_counter()
        new = db_api.register(frame.to_arrow(), dataset_display_name=f"b_new_{n}")
        found = linker.inference.predict_between(
            list_sdf, new, threshold_match_probability=PREDICT_FLOOR
        ).as_duckdbpyrelation()
        pairs += len(found.fetchall())
        theirs.append(time.perf_counter() - t)
    service.stop()
    print(
        json.dumps(
            {
                "list_entries": lf.height,
                "records": len(chosen),
                "ours_desk": _quantiles(ours),
                "splink_predict_between": _quantiles(theirs) | {"pairs_found": pairs},
                "splink_training_s": round(splink_train_s, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
