"""Time the synthetic generator at scale and print figures (no assertions).

Usage: .venv/bin/python bench/bench_synth.py [SIZE] [RECORDS] [FORMATS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import psutil

from pipelines.synth import generate


def main() -> None:
    """Generate one world in a temporary folder and print wall time, rows/s and peak memory."""
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    records = int(sys.argv[2]) if len(sys.argv) > 2 else size
    formats = sys.argv[3] if len(sys.argv) > 3 else "csv"
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        manifest = generate(Path(tmp), size, 7, records=records, formats=formats)
        elapsed = time.perf_counter() - start
        rows = sum(manifest.counts.values())
        disk = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    peak = psutil.Process().memory_info().rss / 2**20
    print(
        f"size={size} records={records} formats={formats} seconds={elapsed:.1f} rows={rows} "
        f"rows_per_s={rows / elapsed:,.0f} disk_mb={disk / 2**20:.0f} rss_mb={peak:.0f}"
    )


if __name__ == "__main__":
    main()
