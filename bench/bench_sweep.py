"""Wall time and peak memory of a full `credsweep sweep`.

    .venv/bin/python bench/bench_sweep.py --size 200000 --records 200000 [--agency hotel_booking]

Generates the data once per (size, records, seed) under bench/.data (CSV, English headers),
then runs the sweep twice in a child process on one warehouse file (the second run is the
idempotent rerun), printing wall time, peak RSS, the summary and whether the hits are identical.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _data(size: int, records: int, seed: int) -> Path:
    out = ROOT / "bench" / ".data" / f"s{size}_r{records}_seed{seed}"
    if not (out / "manifest.json").exists():
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipelines.cli.app",
                "synth",
                "--out",
                str(out),
                "--size",
                str(size),
                "--records",
                str(records),
                "--seed",
                str(seed),
                "--formats",
                "csv",
                "--as-of",
                "2026-11-19",
            ],
            check=True,
            cwd=ROOT,
        )
        print(f"generated {out.name} in {time.perf_counter() - started:.1f} s")
    return out


def _sweep(data: Path, agency: str, out: Path, warehouse: Path) -> tuple[float, float, dict]:
    cmd = [
        sys.executable,
        "-m",
        "pipelines.cli.app",
        "sweep",
        "--agency",
        agency,
        "--list",
        str(data / "lists/snapshot.csv"),
        "--list",
        str(data / "lists/delta_001.csv"),
        "--input",
        str(data / f"agencies/{agency}.csv"),
        "--out",
        str(out),
        "--warehouse",
        str(warehouse),
        "--run-date",
        "2026-11-20",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # ru_maxrss of children is the max over all children so far; report it only when it grew
    return wall, max(peak_kb, before) / 1024, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--agency", default="hotel_booking")
    args = parser.parse_args()
    data = _data(args.size, args.records, args.seed)
    work = ROOT / "bench" / ".data" / "runs"
    work.mkdir(parents=True, exist_ok=True)
    warehouse = work / f"{data.name}.duckdb"
    warehouse.unlink(missing_ok=True)
    for run in ("first", "rerun"):
        out = work / f"{data.name}_{run}"
        wall, peak_mb, summary = _sweep(data, args.agency, out, warehouse)
        keys = (
            "records_in",
            "records_quarantined",
            "matches",
            "reviews",
            "intercepts",
            "alerts_new",
        )
        print(
            f"{run}: wall {wall:.1f} s, peak RSS {peak_mb:.0f} MB, in-process duration "
            f"{summary['duration_s']} s, " + ", ".join(f"{k}={summary.get(k)}" for k in keys)
        )
        stages = summary.get("stage_s", {})
        print("  stages: " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
        rss = summary.get("peak_rss_after_stage_mb", {})
        print("  peak RSS after stage (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in rss.items()))
        other = sum(v for k, v in stages.items() if k != "match")
        print(
            f"  match {stages.get('match', 0.0):.1f} s; everything else {other:.1f} s; "
            f"in-process peak RSS {summary.get('peak_rss_mb')} MB"
        )
        assert (
            summary["records_in"] == summary["records_processed"] + summary["records_quarantined"]
        )
    same = (work / f"{data.name}_first/hits.csv").read_bytes() == (
        work / f"{data.name}_rerun/hits.csv"
    ).read_bytes()
    print(f"rerun hits identical: {same}")


if __name__ == "__main__":
    main()
