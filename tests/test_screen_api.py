"""The screening service over real HTTP (uvicorn on a free loopback port), on generated data.

One world is swept at night (thresholds recorded in the review store), then served: the API
contract, key isolation, limits, the audit, agreement with the sweep, and a reload under load.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
import uvicorn

from pipelines.ingest import read_dataset
from pipelines.screen.app import create_app
from pipelines.screen.command import build_service
from pipelines.screen.config import ScreenSettings
from pipelines.screen.service import ScreenService
from pipelines.settings import Settings, default_settings
from pipelines.storage.warehouse import Warehouse
from pipelines.sweep.run import SweepRequest, run_sweep
from pipelines.synth.generate import generate

NIGHT = date(2026, 12, 1)
AGENCIES = ("hotel_booking", "civil_service_candidate")


def _settings() -> Settings:
    base = default_settings()
    # the review budget is a night's analyst capacity; the desk answers one person at a time
    agencies = {
        k: v.model_copy(update={"review_budget_share": 1.0}) for k, v in base.agencies.items()
    }
    screen = ScreenSettings(poll_s=0.3, rate_per_s=10_000, burst=10_000)
    return base.model_copy(update={"agencies": agencies, "screen": screen})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class World:
    """Generated files, a home swept at night, a running service and its keys."""

    def __init__(self, root: Path) -> None:
        self.data = root / "data"
        self.home = root / "home"
        generate(self.data, 1500, 11, records=1500, formats="csv", as_of=NIGHT)
        self.settings = _settings()
        self.out: dict[str, Path] = {}
        for agency in AGENCIES:
            self.out[agency] = root / "out" / agency
            run_sweep(
                SweepRequest(
                    agency=agency,
                    lists=[self.data / "lists" / "snapshot.csv"],
                    input=self.input(agency),
                    out=self.out[agency],
                    run_date=NIGHT,
                    settings=self.settings,
                    warehouse=self.home / "warehouse.duckdb",
                    review_db=self.home / "review.duckdb",
                )
            )
        service = build_service(self.home, self.settings, [], NIGHT)
        assert isinstance(service, ScreenService)
        self.service = service
        self.keys = {a: service.store.add_key(a) for a in AGENCIES}
        self.port = _free_port()
        config = uvicorn.Config(create_app(service), port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("screening service did not start")

    def input(self, agency: str) -> Path:
        return self.data / "agencies" / f"{agency}.csv"

    def records(self, agency: str) -> list[dict]:
        return read_dataset(self.input(agency), agency).drop("_source", "_row").to_dicts()

    def post(self, path: str, body: object, agency: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[agency]}"} if agency else {}
        return httpx.post(self.url + path, json=body, headers=headers, timeout=60)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("screen"))
    yield w
    w.server.should_exit = True
    w.thread.join(timeout=10)


def _hotel(world: World, **changes: object) -> dict:
    record = dict(world.records("hotel_booking")[0])
    record.update(changes)
    return record


def test_health_reports_list_version_and_entries(world: World) -> None:
    body = httpx.get(world.url + "/v1/health").json()
    assert body["status"] == "ok"
    assert body["list_entries"] > 1000
    assert body["list_version"].startswith(NIGHT.isoformat())


def test_screen_contract_200_with_decision(world: World) -> None:
    r = world.post(
        "/v1/screen", {"agency": "hotel_booking", "record": _hotel(world)}, "hotel_booking"
    )
    assert r.status_code == 200
    body = r.json()
    assert body["decision"] in ("intercept", "review", "clear")
    assert body["record_id"] == _hotel(world)["record_id"]
    assert body["list_version"] == httpx.get(world.url + "/v1/health").json()["list_version"]


def test_chinese_field_names_give_the_same_answer(world: World) -> None:
    record = _hotel(world)
    zh = {"记录编号": record["record_id"], "旅客姓名": record["guest_name"]}
    zh |= {"证件类型": record["id_type"], "证件号码": record["id_number"]}
    zh |= {"酒店名称": record["hotel_name"], "星级": record["hotel_star"]}
    zh |= {"入住时间": record["check_in"], "城市": record["city"]}
    en = {k: record[k] for k in ("record_id", "guest_name", "id_type", "id_number")}
    en |= {k: record[k] for k in ("hotel_name", "hotel_star", "check_in", "city")}
    a = world.post("/v1/screen", {"agency": "hotel_booking", "record": zh}, "hotel_booking")
    b = world.post("/v1/screen", {"agency": "hotel_booking", "record": en}, "hotel_booking")
    assert a.status_code == b.status_code == 200
    assert a.json()["hits"] == b.json()["hits"]


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        ({"guest_name": "张三"}, "missing:record_id"),
        ({"record_id": "X1", "guest_name": "张三", "check_in": "2026-13-45"}, "bad_date:check_in"),
        ({"record_id": "X2", "guest_name": {"nested": 1}}, "嵌套结构"),
        ("not an object", "非空的 JSON 对象"),
    ],
)
def test_record_that_cannot_be_screened_is_400_one_line(
    world: World, record: object, fragment: str
) -> None:
    r = world.post("/v1/screen", {"agency": "hotel_booking", "record": record}, "hotel_booking")
    assert r.status_code == 400
    error = r.json()["error"]
    assert fragment in error and "\n" not in error


def test_malformed_body_is_400(world: World) -> None:
    r = world.post("/v1/screen", {"agency": "hotel_booking"}, "hotel_booking")
    assert r.status_code == 400 and r.json()["error"] == "请求格式无效：record 缺少该字段"


def test_no_key_or_wrong_key_is_401(world: World) -> None:
    body = {"agency": "hotel_booking", "record": _hotel(world)}
    assert world.post("/v1/screen", body, None).status_code == 401
    forged = world.keys["hotel_booking"][:-4] + "AAAA"
    r = httpx.post(
        world.url + "/v1/screen", json=body, headers={"Authorization": f"Bearer {forged}"}
    )
    assert r.status_code == 401 and "密钥" in r.json()["error"]


def test_key_of_another_agency_is_403(world: World) -> None:
    body = {"agency": "hotel_booking", "record": _hotel(world)}
    r = world.post("/v1/screen", body, "civil_service_candidate")
    assert r.status_code == 403
    r = world.post(
        "/v1/screen/batch",
        {"agency": "hotel_booking", "records": [_hotel(world)]},
        "civil_service_candidate",
    )
    assert r.status_code == 403


def test_rate_and_quota_give_429(world: World) -> None:
    access = world.service.access
    saved = access.limits
    try:
        access.limits = ScreenSettings(rate_per_s=0.01, burst=2, daily_quota=10**6)
        body = {
            "agency": "civil_service_candidate",
            "record": world.records("civil_service_candidate")[0],
        }
        codes = [
            world.post("/v1/screen", body, "civil_service_candidate").status_code for _ in range(4)
        ]
        assert codes[-1] == 429 and 200 in codes
        access.limits = ScreenSettings(daily_quota=1)
        batch = {
            "agency": "civil_service_candidate",
            "records": world.records("civil_service_candidate")[:5],
        }
        r = world.post("/v1/screen/batch", batch, "civil_service_candidate")
        assert r.status_code == 429 and "配额" in r.json()["error"]
    finally:
        access.limits = saved


def test_batch_over_the_limit_is_400(world: World) -> None:
    records = world.records("hotel_booking")
    big = (records * 2)[:1001]
    r = world.post("/v1/screen/batch", {"agency": "hotel_booking", "records": big}, "hotel_booking")
    assert r.status_code == 400 and "1000" in r.json()["error"]


def _night(world: World, agency: str) -> set[tuple]:
    hits = pl.read_csv(world.out[agency] / "hits.csv", infer_schema_length=0)
    return {
        (r["record_id"], r["entry_id"], r["match_decision"], r["intercept"] == "true")
        for r in hits.iter_rows(named=True)
    }


@pytest.mark.parametrize("agency", AGENCIES)
def test_desk_agrees_with_the_nightly_sweep(world: World, agency: str) -> None:
    records = world.records(agency)
    results: list[dict] = []
    for start in range(0, len(records), 1000):
        batch = {"agency": agency, "records": records[start : start + 1000]}
        r = world.post("/v1/screen/batch", batch, agency)
        assert r.status_code == 200
        results += r.json()["results"]
    assert len(results) == len(records)
    assert [r.get("record_id") for r in results if "error" not in r] == [
        rec["record_id"] for rec, res in zip(records, results, strict=True) if "error" not in res
    ]
    desk = {
        (res["record_id"], h["entry_id"], h["match_decision"], h["intercept"])
        for res in results
        if "error" not in res
        for h in res["hits"]
    }
    night = _night(world, agency)
    assert night and desk == night
    quarantined = pl.read_csv(world.out[agency] / "quarantine.csv", infer_schema_length=0)
    assert sum("error" in r for r in results) == quarantined.height
    # a desk intercept carries the alert id the night gave it, and the ledger holds it once
    alert_ids = {
        h["alert_id"]
        for res in results
        if "error" not in res
        for h in res["hits"]
        if h["intercept"]
    }
    world.service.desk.deliveries.flush()  # written behind the answers, in moments
    ledger = Warehouse(world.home / "warehouse.duckdb").query(
        "SELECT alert_id FROM alerts WHERE agency = ?", [agency]
    )
    assert alert_ids and alert_ids <= set(ledger["alert_id"])
    assert ledger["alert_id"].n_unique() == ledger.height


def test_every_query_is_audited_without_clear_personal_data(world: World) -> None:
    record = _hotel(world)
    world.post("/v1/screen", {"agency": "hotel_booking", "record": record}, "hotel_booking")
    body = {"agency": "hotel_booking", "record": {"guest_name": record["guest_name"]}}
    assert world.post("/v1/screen", body, "hotel_booking").status_code == 400
    assert world.post("/v1/screen", body, None).status_code == 401
    assert world.post("/v1/screen", body, "civil_service_candidate").status_code == 403
    rows = world.service.store.audit_rows(50)
    mine = next(r for r in rows if r["record_id"] == record["record_id"] and r["status"] == 200)
    assert mine["decision"] in ("intercept", "review", "clear")
    assert mine["latency_ms"] is not None and mine["key_id"] and mine["at"]
    refused = {r["status"] for r in world.service.store.audit_rows(10_000)}
    assert {200, 400, 401, 403}.issubset(refused)
    dump = (world.home / "screen.sqlite").read_bytes() + (
        world.home / "screen.sqlite-wal"
    ).read_bytes()
    for rec in world.records("hotel_booking")[:200]:
        if rec["id_number"] and len(rec["id_number"]) >= 15:
            assert rec["id_number"].encode() not in dump
        if rec["guest_name"] and len(rec["guest_name"]) >= 2:
            assert f'"{rec["guest_name"]}"'.encode() not in dump


def test_reload_under_load_swaps_the_index_and_drops_no_request(world: World) -> None:
    from pipelines.ingest.sources import load_list_files

    before = httpx.get(world.url + "/v1/health").json()["list_version"]
    body = {"agency": "hotel_booking", "record": _hotel(world)}
    codes: list[int] = []
    versions: set[str] = set()
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                r = client.post(
                    world.url + "/v1/screen",
                    json=body,
                    headers={"Authorization": f"Bearer {world.keys['hotel_booking']}"},
                )
                codes.append(r.status_code)
                if r.status_code == 200:
                    versions.add(r.json()["list_version"])

    worker = threading.Thread(target=hammer)
    worker.start()
    try:
        time.sleep(0.5)
        wh = Warehouse(world.home / "warehouse.duckdb")
        load_list_files(wh, [world.data / "lists" / "delta_001.csv"], NIGHT, world.settings)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if httpx.get(world.url + "/v1/health").json()["list_version"] != before:
                break
            time.sleep(0.2)
        time.sleep(0.5)
    finally:
        stop.set()
        worker.join()
    after = httpx.get(world.url + "/v1/health").json()["list_version"]
    assert after != before
    assert codes and set(codes) == {200}
    assert {before, after} <= versions


def test_desk_reviews_queue_at_once_and_the_night_raises_no_alert_twice(world: World) -> None:
    from pipelines.review.models import QueueFilter
    from pipelines.review.store import ReviewStore

    agency = "school_enrollment"  # not swept yet tonight: the desk is first
    world.keys[agency] = world.service.store.add_key(agency)
    records = world.records(agency)
    r = world.post("/v1/screen/batch", {"agency": agency, "records": records[:1000]}, agency)
    assert r.status_code == 200
    hits = [
        (res["record_id"], h) for res in r.json()["results"] if "hits" in res for h in res["hits"]
    ]
    reviewed = {rid for rid, h in hits if h["match_decision"] == "review"}
    desk_alerts = {h["alert_id"] for _, h in hits if h["intercept"]}
    assert reviewed and desk_alerts
    world.service.desk.deliveries.flush()  # written behind the answer, in moments
    with world.service.desk.stores:  # the service's poll reads the same file
        store = ReviewStore(world.home / "review.duckdb")
        items = store.queue(QueueFilter(agency=agency), limit=10_000)
    queued = {i["record_id"] for i in items}
    assert reviewed <= queued
    wh = Warehouse(world.home / "warehouse.duckdb")
    with world.service.desk.stores:
        before = wh.query("SELECT alert_id FROM alerts WHERE agency = ?", [agency])
    assert desk_alerts <= set(before["alert_id"])
    with world.service.desk.stores:  # the night's sweep, while the service keeps serving
        run_sweep(
            SweepRequest(
                agency=agency,
                lists=[world.data / "lists" / "snapshot.csv"],
                input=world.input(agency),
                out=world.data.parent / "out" / agency,
                run_date=NIGHT,
                settings=world.settings,
                warehouse=world.home / "warehouse.duckdb",
                review_db=world.home / "review.duckdb",
            )
        )
    after = wh.query("SELECT alert_id FROM alerts WHERE agency = ?", [agency])
    assert after["alert_id"].n_unique() == after.height
    night_hits = pl.read_csv(world.data.parent / "out" / agency / "hits.csv", infer_schema_length=0)
    night_alerts = set(night_hits.filter(pl.col("intercept") == "true")["alert_id"])
    # the night's intercepts of the desk's records carry the ids the desk already wrote
    screened = {rec["record_id"] for rec in records[:1000]}
    ours = set(
        night_hits.filter((pl.col("intercept") == "true") & pl.col("record_id").is_in(screened))[
            "alert_id"
        ]
    )
    assert ours and ours <= desk_alerts | (night_alerts - set(before["alert_id"]))
    assert desk_alerts & ours


def test_polls_reread_a_store_only_after_it_changed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.review.models import Decision, QueueFilter, Role, User
    from pipelines.review.store import ReviewStore

    desk = world.service.desk
    reads = {"version": 0, "judgements": 0}

    def counted(name: str, f: Any) -> Any:
        def run(*args: Any) -> Any:
            reads[name] += 1
            return f(*args)

        return run

    monkeypatch.setattr(desk.source, "version", counted("version", desk.source.version))
    monkeypatch.setattr(desk, "_judgements", counted("judgements", desk._judgements))
    time.sleep(3)  # earlier tests' writes settle; polls (every 0.3 s) may still read meanwhile
    reads.update(version=0, judgements=0)
    time.sleep(1.5)
    assert reads == {"version": 0, "judgements": 0}  # five idle polls opened no store
    with desk.stores:
        store = ReviewStore(world.home / "review.duckdb")
        item = store.queue(QueueFilter(agency="hotel_booking"), limit=1)[0]
        store.decide(
            User("analyst1", Role.ANALYST),
            [item["item_id"]],
            Decision.NEGATIVE,
            note="不同人",
            client_ip="127.0.0.1",
        )
        suppressed = store.suppressed_pair_keys()
    deadline = time.monotonic() + 30
    while desk._judged.suppressed != suppressed and time.monotonic() < deadline:
        time.sleep(0.1)
    assert desk._judged.suppressed == suppressed
    assert reads["judgements"] >= 1
