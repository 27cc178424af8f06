"""Loopback load test of `credsweep screen serve`: latency, throughput, index memory and build.

Generates (or reuses) a world of SIZE list entries, starts the service in-process under uvicorn
on a free loopback port with an embedded store, and sends at most `--requests` single-record
requests and `--batches` batch requests from one client, within `--seconds` each; the
single-record client runs in a process of its own (`--client apart`), as an agency's system does.
Prints p50/p95/p99 latency and throughput, the index's memory (estimated size of its frames
and arrays, and the process RSS growth while it was built), and index build and swap time.

    .venv/bin/python bench/bench_screen.py --size 20000
    .venv/bin/python bench/bench_screen.py --size 1000000 --requests 2000
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import resource
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import uvicorn

import bench._as_service  # noqa: F401  (polars' pool as the service's)
from bench._data import AS_OF, data_dir, ensure_generated, list_files
from pipelines.ingest import read_dataset
from pipelines.screen.app import create_app
from pipelines.screen.command import build_service
from pipelines.screen.config import ScreenSettings
from pipelines.screen.records import records_frame
from pipelines.settings import default_settings

AGENCY = "hotel_booking"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _figures(latencies: list[float], elapsed: float, records: int) -> dict[str, float]:
    ms = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "records_per_s": round(records / elapsed, 1),
    }


_dumps, _loads = json.dumps, json.loads  # `_Lean.post` takes httpx's `json` keyword


class _Lean:
    """A keep-alive loopback client on the standard library: a few tens of microseconds per
    request where httpx spends about a millisecond of Python, so the figure is the service's."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {**headers, "Content-Type": "application/json"}

    def post(self, path: str, json: dict) -> _Answer:  # noqa: A002 (httpx's keyword)
        self.conn.request("POST", path, body=_dumps(json).encode(), headers=self.headers)
        r = self.conn.getresponse()
        text = r.read().decode()
        _loads(text)  # an agency system reads the answer: parsing it is part of the trip
        return _Answer(r.status, text)

    def close(self) -> None:
        self.conn.close()


@dataclass(frozen=True)
class _Answer:
    status_code: int
    text: str


def _drive(
    client: httpx.Client | _Lean, path: str, bodies: list[dict], limit: int, seconds: float
) -> dict[str, float]:
    latencies: list[float] = []
    records = 0
    started = time.perf_counter()
    for i in range(limit):
        body = bodies[i % len(bodies)]
        t = time.perf_counter()
        r = client.post(path, json=body)
        latencies.append(time.perf_counter() - t)
        if r.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {r.status_code}: {r.text[:200]}")
        records += len(body.get("records", [None]))
        if time.perf_counter() - started > seconds:
            break
    return _figures(latencies, time.perf_counter() - started, records)


def _drive_lean(
    port: int, headers: dict[str, str], path: str, bodies: list[dict], limit: int, seconds: float
) -> dict[str, float]:
    """`_drive` with a lean client of its own, warmed up first: run in a process of its own,
    as an agency's system is, so the client's Python never shares the service's interpreter."""
    client = _Lean(port, headers)
    try:
        _drive(client, path, bodies, 50, seconds)
        return _drive(client, path, bodies, limit, seconds)
    finally:
        client.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=20000)
    ap.add_argument("--requests", type=int, default=3000, help="most single-record requests")
    ap.add_argument("--batches", type=int, default=30, help="most batch requests")
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60.0, help="time bound per phase")
    ap.add_argument(
        "--client",
        choices=("apart", "lean", "httpx"),
        default="apart",
        help="single-record client: the standard library's keep-alive connection in a process"
        " of its own (apart), the same in this process (lean), or httpx in this process",
    )
    args = ap.parse_args()

    root = Path(__file__).resolve().parent.parent
    world = ensure_generated(data_dir(root, args.size), args.size)
    base = default_settings()
    settings = base.model_copy(
        update={"screen": ScreenSettings(rate_per_s=1e6, burst=10**6, daily_quota=10**9)}
    )
    home = Path(tempfile.mkdtemp(prefix="bench_screen_"))
    rss0 = _rss_mb()
    service = build_service(home, settings, list_files(world), AS_OF)
    t = time.perf_counter()
    service.start()
    first_build = time.perf_counter() - t
    index = service.desk.index
    assert index is not None
    rss1 = _rss_mb()
    # a swap: the same list indexed again and put in place while nothing waits on it
    t = time.perf_counter()
    rebuilt = service.desk.source.build(index.version, AS_OF)
    built = time.perf_counter() - t
    t = time.perf_counter()
    service.desk.swap(rebuilt)
    swap_s = time.perf_counter() - t
    key = service.store.add_key(AGENCY)
    port = _port()
    server = uvicorn.Server(uvicorn.Config(create_app(service), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            if httpx.get(url + "/v1/health").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    records = read_dataset(next((world / "agencies").glob(f"{AGENCY}.*")), AGENCY)
    rows = records.drop("_source", "_row").to_dicts()
    # rows the contract refuses answer 400 in microseconds: time the ones that are screened
    ok = records_frame(AGENCY, rows, settings, AS_OF).positions
    rows = [rows[i] for i in ok]
    singles = [{"agency": AGENCY, "record": r} for r in rows[:5000]]
    batches = [
        {"agency": AGENCY, "records": rows[i : i + args.batch_size]}
        for i in range(0, min(len(rows), 10 * args.batch_size), args.batch_size)
    ]
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        if args.client == "apart":
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                single = pool.apply(
                    _drive_lean,
                    (port, headers, "/v1/screen", singles, args.requests, args.seconds),
                )
        else:
            one: httpx.Client | _Lean = client if args.client == "httpx" else _Lean(port, headers)
            _drive(one, "/v1/screen", singles, 50, args.seconds)  # warm-up
            single = _drive(one, "/v1/screen", singles, args.requests, args.seconds)
        # the desk's own time per record (the audit's latency), without HTTP and the client
        audited = service.store.audit_rows(int(single["requests"]))
        desk_ms = np.array([r["latency_ms"] for r in audited if r["endpoint"] == "/v1/screen"])
        batch = _drive(client, "/v1/screen/batch", batches, args.batches, args.seconds)
    server.should_exit = True
    thread.join(timeout=10)
    entries = index.list_entries
    per_million = 1e6 / max(entries, 1)
    print(
        json.dumps(
            {
                "list_entries": entries,
                "index_first_build_s": round(first_build, 2),
                "index_rebuild_s": round(built, 2),
                "index_swap_s": swap_s,
                "index_estimated_mb": round(index.nbytes() / 2**20, 1),
                "index_estimated_gb_per_million": round(index.nbytes() / 2**30 * per_million, 2),
                "rss_growth_during_build_mb": round(rss1 - rss0, 1),
                "single_client": args.client,
                "single": single,
                "single_desk_only": {
                    f"p{q}_ms": round(float(np.percentile(desk_ms, q)), 2) for q in (50, 95, 99)
                },
                f"batch_{args.batch_size}": batch,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
