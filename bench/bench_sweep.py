"""Wall time and peak memory of a full `credsweep sweep`.

    .venv/bin/python bench/bench_sweep.py --size 200000 --records 200000 [--agency hotel_booking]
        [--engine local|spark] [--spark-master local[2]] [--runs 1|2]

Generates the data once per (size, records, seed) under bench/.data (CSV, English headers),
then runs the sweep twice in a child process on one warehouse file (the second run is the
idempotent rerun), printing wall time, peak RSS, the summary and whether the hits are identical.
Also prints the match stage's cost per million candidate pairs and the run's cost per million
records; with `--engine spark`, whether hits.csv is byte-identical to the local engine's first
run of the same data (when that run's folder is there).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
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


def _sweep(
    data: Path, agency: str, out: Path, warehouse: Path, engine: list[str]
) -> tuple[float, float, dict]:
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
        *engine,
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
    parser.add_argument("--engine", default="local", choices=("local", "spark"))
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--runs", type=int, default=2, choices=(1, 2))
    args = parser.parse_args()
    engine = ["--engine", args.engine]
    engine += ["--spark-master", args.spark_master] if args.engine == "spark" else []
    tag = "" if args.engine == "local" else f"_{args.engine}"
    data = _data(args.size, args.records, args.seed)
    work = ROOT / "bench" / ".data" / "runs"
    work.mkdir(parents=True, exist_ok=True)
    warehouse = work / f"{data.name}{tag}.duckdb"
    warehouse.unlink(missing_ok=True)
    shutil.rmtree(work / f"{warehouse.name}.list-side", ignore_errors=True)  # a first run computes
    for run in ("first", "rerun")[: args.runs]:
        out = work / f"{data.name}{tag}_{run}"
        wall, peak_mb, summary = _sweep(data, args.agency, out, warehouse, engine)
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
        pairs = summary.get("match_stats", {}).get("candidate_pairs", 0)
        match_s = stages.get("match", 0.0) + stages.get("list_side", 0.0)
        print(
            f"  {pairs:,} candidate pairs: match + list side {match_s / max(pairs, 1) * 1e6:.2f} s"
            f" per million pairs; run {wall / summary['records_in'] * 1e6:.2f} s per million"
            f" records in; load average {os.getloadavg()[0]:.2f}"
        )
        assert (
            summary["records_in"] == summary["records_processed"] + summary["records_quarantined"]
        )
    first = (work / f"{data.name}{tag}_first/hits.csv").read_bytes()
    if args.runs == 2:
        same = first == (work / f"{data.name}{tag}_rerun/hits.csv").read_bytes()
        print(f"rerun hits identical: {same}")
    local = work / f"{data.name}_first/hits.csv"
    if tag and local.exists():
        print(f"hits.csv byte-identical to the local engine's: {first == local.read_bytes()}")


if __name__ == "__main__":
    main()
