"""Speed of match feature extraction (`matching.link.prepare`, both sides): prints, asserts nothing.

    .venv/bin/python bench/bench_features.py --size 20000 [--out DIR]      # generated world
    .venv/bin/python bench/bench_features.py --parquet /tmp/p1m --as-of 2026-11-20 [--repeat 2]

With `--parquet DIR`, `DIR/records.parquet` (contract-checked agency records) and
`DIR/entries.parquet` (current list entries) are used as they are; otherwise the world of `--size`
list entries is generated (or reused) in `--out` or under bench/.data and loaded the way the sweep
loads it (bench/_data.py). Parties are built as the sweep builds them; only `prepare` is timed.
The first call pays one-off costs (pypinyin's dictionaries, OpenCC, per-character caches);
`--repeat` shows the warm figure too. Peak RSS is sampled while `prepare` runs.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import date
from pathlib import Path

import polars as pl
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `matching`, `pipelines` importable

from _data import AS_OF, agency_records, current_active_entries, data_dir, ensure_generated  # noqa: E402

from matching.link import prepare  # noqa: E402
from matching.parties import list_parties, query_parties  # noqa: E402
from pipelines.settings import agency_settings, default_settings  # noqa: E402


class PeakRss:
    """Highest resident set size of this process seen while the block runs (sampled every 5 ms)."""

    def __enter__(self) -> PeakRss:
        self._proc = psutil.Process()
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def load(args: argparse.Namespace, as_of: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Contract-checked agency records and current active list entries."""
    if args.parquet:
        src = Path(args.parquet)
        return pl.read_parquet(src / "records.parquet"), pl.read_parquet(src / "entries.parquet")
    settings = default_settings()
    out = Path(args.out) if args.out else data_dir(ROOT, args.size, args.seed)
    ensure_generated(out, args.size, args.seed)
    return (
        agency_records(out, args.agency, as_of, settings),
        current_active_entries(out, as_of, settings),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=20_000, help="list entries of a generated world")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--agency", default="hotel_booking")
    ap.add_argument("--out", default=None, help="generated world folder (default bench/.data/...)")
    ap.add_argument("--parquet", default=None, help="folder with records.parquet, entries.parquet")
    ap.add_argument("--as-of", default=None, help="run date (default: the generated world's)")
    ap.add_argument("--repeat", type=int, default=1, help="time prepare this many times")
    args = ap.parse_args()
    as_of = date.fromisoformat(args.as_of) if args.as_of else AS_OF
    t = time.perf_counter()
    records, entries = load(args, as_of)
    q = query_parties(records, agency_settings(default_settings(), args.agency).roles)
    lp = list_parties(entries)
    print(
        f"inputs: {q.height} query parties, {lp.height} list parties "
        f"(loaded in {time.perf_counter() - t:.1f}s)"
    )
    for i in range(args.repeat):
        with PeakRss() as rss:
            t = time.perf_counter()
            qf, lf = prepare(q, lp, as_of)
            wall = time.perf_counter() - t
        label = "cold" if i == 0 else "warm"
        print(
            f"prepare ({label}): {wall:.2f}s wall, peak RSS {rss.peak / 2**30:.2f} GiB; "
            f"features {qf.shape} + {lf.shape}"
        )


if __name__ == "__main__":
    main()
