"""Agreement of the screening desk with `credsweep sweep` on the same files.

Sweeps one agency file into a fresh home (warehouse + review store, so the sweep records the
thresholds it used), serves that home with `credsweep screen serve`'s service on a loopback
port, posts every row of the same file in batches (or one request per record with `--single`,
the desk's row-at-a-time path), and compares per record the set of
(entry, decision, intercept) the API answered with the one `hits.csv` holds. Prints the
agreement rate and every kind of difference with counts.

    .venv/bin/python -m bench.screen_agreement --agency hotel_booking \
        --list L1 --list L2 --input FILE [--review-budget-share 1.0] [--single]
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import httpx
import polars as pl
import uvicorn

from pipelines.ingest import read_dataset
from pipelines.screen.app import create_app
from pipelines.screen.command import build_service
from pipelines.screen.config import ScreenSettings
from pipelines.settings import default_settings
from pipelines.sweep.run import SweepRequest, run_sweep

Hit = tuple[str, str, bool]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _night(out: Path) -> tuple[dict[str, set[Hit]], set[str]]:
    hits = pl.read_csv(out / "hits.csv", infer_schema_length=0)
    by_record: dict[str, set[Hit]] = {}
    for r in hits.iter_rows(named=True):
        by_record.setdefault(r["record_id"], set()).add(
            (r["entry_id"], r["match_decision"], r["intercept"] == "true")
        )
    quarantine = pl.read_csv(out / "quarantine.csv", infer_schema_length=0)
    return by_record, set(quarantine["row"].to_list())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agency", required=True)
    ap.add_argument("--list", action="append", type=Path, required=True)
    ap.add_argument("--input", type=Path, required=True)
    ap.add_argument("--run-date", default=date.today().isoformat())
    ap.add_argument("--review-budget-share", type=float, default=None)
    ap.add_argument(
        "--single", action="store_true", help="one request per record (/v1/screen), not batches"
    )
    args = ap.parse_args()
    run_date = date.fromisoformat(args.run_date)
    settings = default_settings()
    if args.review_budget_share is not None:
        share = {"review_budget_share": args.review_budget_share}
        agencies = {k: v.model_copy(update=share) for k, v in settings.agencies.items()}
        settings = settings.model_copy(update={"agencies": agencies})
    settings = settings.model_copy(
        update={"screen": ScreenSettings(rate_per_s=1e6, burst=10**6, daily_quota=10**9)}
    )
    home = Path(tempfile.mkdtemp(prefix="screen_agree_"))
    out = home / "out"
    run_sweep(
        SweepRequest(
            agency=args.agency,
            lists=args.list,
            input=args.input,
            out=out,
            run_date=run_date,
            settings=settings,
            warehouse=home / "warehouse.duckdb",
            review_db=home / "review.duckdb",
        )
    )
    night, quarantined_rows = _night(out)
    service = build_service(home, settings, [], run_date)
    service.start()
    key = service.store.add_key(args.agency)
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
    raw = read_dataset(args.input, args.agency)
    file_rows = raw["_row"].to_list()
    records = raw.drop("_source", "_row").to_dicts()
    results: list[dict] = []
    started = time.perf_counter()
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=600
    ) as client:
        if args.single:
            for record in records:
                r = client.post("/v1/screen", json={"agency": args.agency, "record": record})
                if r.status_code not in (200, 400):
                    r.raise_for_status()
                results.append(r.json())  # a 400 answers {"error": one line}, as in a batch
        else:
            for i in range(0, len(records), 1000):
                body = {"agency": args.agency, "records": records[i : i + 1000]}
                r = client.post("/v1/screen/batch", json=body)
                r.raise_for_status()
                results += r.json()["results"]
    elapsed = time.perf_counter() - started
    server.should_exit = True
    thread.join(timeout=10)
    kinds: Counter[str] = Counter()
    agree = 0
    for row, rec, res in zip(file_rows, records, results, strict=True):
        in_quarantine = str(row) in quarantined_rows
        if "error" in res:
            kinds["both refused" if in_quarantine else "desk refused, night screened"] += 1
            agree += in_quarantine
            continue
        if in_quarantine:
            kinds["night quarantined, desk screened"] += 1
            continue
        desk = {(h["entry_id"], h["match_decision"], h["intercept"]) for h in res["hits"]}
        mine = night.get(str(rec.get("record_id")), set())
        if desk == mine:
            agree += 1
            kinds["same hits" if desk else "both clear"] += 1
        elif {(e, i) for e, _, i in desk if i} == {(e, i) for e, _, i in mine if i}:
            kinds["same intercepts, review set differs"] += 1
        else:
            kinds["intercepts differ"] += 1
    print(
        json.dumps(
            {
                "agency": args.agency,
                "records": len(records),
                "agreement_rate": round(agree / max(len(records), 1), 5),
                "by_kind": dict(kinds),
                "desk_records_per_s": round(len(records) / elapsed, 1),
                "thresholds": service.desk.thresholds(args.agency).model_dump(),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
