"""Four agencies' night end to end, credsweep against Splink, in one run over the same files.

    credsweep synth --out /tmp/w200 --size 200000 --seed 7
    PATH=$PWD/.venv/bin:$PATH .venv/bin/python bench/bench_scale_e2e.py /tmp/w200 \
        [--run-date 2026-11-20] [--engines ours,splink] [--json PATH]

credsweep: one `credsweep sweep` process per agency, as a user runs them, all on one shared
warehouse (the first sweep checks and applies the list, the others reuse that), with every
contract through Great Expectations and every output written.
Splink: one process per agency (`bench/_splink_e2e.py`): the same files read, typed, the list's
deltas applied in memory, parties cut, Splink trained and run, hits written; no contracts,
warehouse, alerts or reports (docs/splink_benchmark.md, "End to end").
Each process is timed from outside by /usr/bin/time (wall and peak RSS, interpreter start and
imports included). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AGENCIES = ("hotel_booking", "school_enrollment", "subsidy_application", "civil_service_candidate")


def timed(cmd: list[str], log: Path) -> dict:
    """Run `cmd` under /usr/bin/time; its wall seconds and peak RSS (GiB)."""
    stats = log.with_suffix(".time")
    t = time.perf_counter()
    with log.open("w") as out:
        rc = subprocess.run(
            ["/usr/bin/time", "-o", str(stats), "-f", "%e %M", *cmd],
            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, check=False,
        ).returncode  # fmt: skip
    if rc != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        raise SystemExit(f"{cmd[0]} failed ({rc}): " + " | ".join(tail))
    wall, kb = stats.read_text().split()[-2:]
    return {"wall_s": float(wall), "outer_s": time.perf_counter() - t, "peak_gib": int(kb) / 2**20}


def list_args(world: Path) -> list[str]:
    files = sorted(world.glob("lists/snapshot.*")) + sorted(world.glob("lists/delta_*.*"))
    return [a for p in files for a in ("--list", str(p))]


def ours(world: Path, agency: str, run_date: str, work: Path) -> dict:
    source = next(iter(sorted(world.glob(f"agencies/{agency}.*"))))
    cmd = ["credsweep", "sweep", "--agency", agency, "--input", str(source), *list_args(world),
           "--out", str(work / "ours" / agency), "--run-date", run_date,
           "--warehouse", str(work / "ours" / "wh.duckdb")]  # fmt: skip
    fig = timed(cmd, work / f"ours-{agency}.log")
    summary = json.loads((work / "ours" / agency / "summary.json").read_text(encoding="utf-8"))
    fig["stage_s"] = summary.get("stage_s", {})
    fig["hits"] = summary.get("matches", 0) + summary.get("reviews", 0)
    return fig


def splink(world: Path, agency: str, run_date: str, work: Path, u_pairs: float) -> dict:
    out = work / "splink" / agency
    cmd = [sys.executable, str(ROOT / "bench" / "_splink_e2e.py"), "--world", str(world),
           "--agency", agency, "--run-date", run_date, "--out", str(out),
           "--u-pairs", str(u_pairs)]  # fmt: skip
    fig = timed(cmd, work / f"splink-{agency}.log")
    inner = json.loads((out / "figures.json").read_text())
    fig["hits"] = inner["hits"]
    fig["inner_s"] = {
        k: round(v, 1) for k, v in inner.items() if isinstance(v, float) and k.endswith("_s")
    }
    return fig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("world", type=Path)
    ap.add_argument("--run-date", default="2026-11-20")
    ap.add_argument("--engines", default="ours,splink")
    ap.add_argument("--agencies", default=",".join(AGENCIES))
    ap.add_argument("--u-pairs", type=float, default=1e8)
    ap.add_argument("--work", type=Path, default=None, help="keep outputs here (default: temp)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="scale-e2e-"))
    work.mkdir(parents=True, exist_ok=True)
    engines = args.engines.split(",")
    agencies = args.agencies.split(",")
    print(f"load before: {os.getloadavg()[0]:.2f}; outputs in {work}", flush=True)
    res: dict[str, dict[str, dict]] = {e: {} for e in engines}
    for engine in engines:  # one engine after the other: never two heavy processes at once
        for agency in agencies:
            if engine == "ours":
                fig = ours(args.world, agency, args.run_date, work)
            else:
                fig = splink(args.world, agency, args.run_date, work, args.u_pairs)
            res[engine][agency] = fig
            print(f"{engine:7s} {agency:24s} {fig['wall_s']:6.1f} s  peak {fig['peak_gib']:.2f} GiB"
                  f"  hits {fig['hits']}", flush=True)  # fmt: skip
    print(f"load after: {os.getloadavg()[0]:.2f}")
    totals = {e: sum(f["wall_s"] for f in res[e].values()) for e in engines}
    peaks = {e: max(f["peak_gib"] for f in res[e].values()) for e in engines}
    print("\nagency                    " + "".join(f"{e:>12s}" for e in engines))
    for agency in agencies:
        print(f"{agency:26s}" + "".join(f"{res[e][agency]['wall_s']:11.1f}s" for e in engines))
    print(f"{'total':26s}" + "".join(f"{totals[e]:11.1f}s" for e in engines))
    print(f"{'peak RSS':26s}" + "".join(f"{peaks[e]:9.2f}GiB" for e in engines))
    if {"ours", "splink"} <= set(engines):
        print(f"splink / ours: {totals['splink'] / totals['ours']:.2f}x")
    if args.json:
        args.json.write_text(json.dumps({"results": res, "totals": totals, "peaks": peaks},
                                        indent=1, default=str))  # fmt: skip


if __name__ == "__main__":
    main()
