"""Scale figures for ingestion and data contracts: read and validate N hotel rows.

Usage: .venv/bin/python bench/bench_contracts.py [N]   (default 1,000,000)
Prints wall time per stage and peak RSS. Rows mix the quirks of real registrations: about 1%
bad check characters, 0.5% masked, 0.2% Excel-mangled IDs, 3% passports, 0.1% bad dates,
0.1% duplicate record ids.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data_contracts import gx_runner, validate  # noqa: E402, F401 - GE imported before timing
from pipelines.ingest import read_dataset  # noqa: E402
from pipelines.settings import ContractSettings  # noqa: E402

_W = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK = np.array(list("10X98765432"))


def _ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n valid 18-char resident IDs (vectorised ISO 7064 MOD 11-2)."""
    region = rng.choice([110105, 310104, 440305, 330102], n)
    born = np.datetime64("1950-01-01") + rng.integers(0, 20000, n).astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(born), "-", "")
    seq = rng.integers(0, 1000, n)
    body = np.char.add(np.char.add(region.astype(str), ymd), np.char.zfill(seq.astype(str), 3))
    digits = np.frombuffer(body.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    check = _CHECK[(digits * _W).sum(axis=1) % 11]
    return np.char.add(body, check)


def make_rows(n: int, seed: int = 1) -> pl.DataFrame:
    """A synthetic hotel registration file with realistic defect rates."""
    rng = np.random.default_rng(seed)
    ids = _ids(rng, n).astype(object)
    u = rng.random(n)
    ids[u < 0.01] = [s[:-1] + ("0" if s[-1] != "0" else "1") for s in ids[u < 0.01]]
    masked = (u >= 0.01) & (u < 0.015)
    ids[masked] = [s[:10] + "****" + s[14:] for s in ids[masked]]
    ids[(u >= 0.015) & (u < 0.017)] = "1.10105E+17"
    passport = (u >= 0.02) & (u < 0.05)
    ids[passport] = "E12345678"
    day = np.datetime64("2024-04-01") + rng.integers(0, 30, n).astype("timedelta64[D]")
    check_in = np.char.add(np.datetime_as_string(day), " 14:00").astype(object)
    check_in[rng.random(n) < 0.001] = "2023-13-45"
    rec = np.char.add("H", np.arange(n).astype(str)).astype(object)
    dup = rng.random(n) < 0.001
    rec[dup] = "H0"
    return pl.DataFrame(
        {
            "记录编号": rec,
            "旅客姓名": rng.choice(["张伟", "王芳", "李娜", "ZHANG WEI"], n),
            "证件类型": np.where(passport, "护照", "居民身份证"),
            "证件号码": ids,
            "酒店名称": rng.choice(["某某大酒店", "某某宾馆"], n),
            "星级": rng.integers(0, 6, n).astype(str),
            "房价": rng.choice(["388", "1,280", "560.5"], n),
            "入住时间": check_in,
            "城市": "北京",
        },
        schema_overrides={"记录编号": pl.String, "证件号码": pl.String, "入住时间": pl.String},
    )


def main(n: int) -> None:
    proc = psutil.Process()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hotel.csv"
        make_rows(n).write_csv(path)
        size_mb = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        raw = read_dataset(path, "hotel_booking")
        t1 = time.perf_counter()
        res = validate("hotel_booking", raw, run_id="bench-2024-05-02", settings=ContractSettings())
        t2 = time.perf_counter()
    peak = getattr(proc.memory_info(), "peak_wset", None) or _peak_rss_mb()
    print(f"rows={n:,} csv={size_mb:.0f}MB")
    print(f"read_dataset: {t1 - t0:.2f}s")
    print(
        f"validate:     {t2 - t1:.2f}s (clean={res.clean.height:,} "
        f"quarantined={res.quarantine.height:,} flags={res.stats['flags']})"
    )
    print(f"reasons: {res.stats['reasons']}")
    print(f"peak RSS: {peak:.0f} MB")


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
