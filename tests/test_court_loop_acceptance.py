"""Acceptance of the court's side of the loop, through Airflow's `dag.test()` over two nights.

Night 1 (30 September 2025, the eve of National Day): alerts are raised and sent. Agencies
acknowledge and give outcomes through the workbench (one through a real browser), a court exits
a 失能 debtor through the relief review (in the browser), and some hotel alerts are left
unanswered: their one-working-day deadline falls on 9 October, after the holiday week.
Night 2 (10 October): the replies are folded into the ledger, the exited debtor's alerts are
withdrawn, the unanswered ones are overdue, and the statistics count every one of them.
Screenshots go to docs/screenshots/ with CREDSWEEP_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipelines.orchestration.airflow_runner import (
    AGENCIES,
    COURT_LEADS_DAG_ID,
    COURT_WEEKLY_DAG_ID,
    LIST_INGEST_DAG_ID,
    sweep_dag_id,
)
from pipelines.review.models import Role
from pipelines.review.store import ReviewStore
from pipelines.workbench.app import create_app
from pipelines.workbench.settings import WorkbenchSettings
from tests.workbench_browser import CHROMIUM_ARGS, chromium_path

playwright_api = pytest.importorskip("playwright.sync_api")
NIGHT_1, NIGHT_2 = "2025-09-30", "2025-10-10"
# The desks work on 10 October (Beijing morning): the hotel deadline of 9 October has passed.
DESK_TIME = datetime(2025, 10, 10, 1, 30)
PASSWORD = "correct-horse-battery"
DOCS_SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CAPACITY_DAG_ID = "credsweep_capacity_weekly"


def _night(dags: dict, night: str, *, capacity: bool) -> None:
    from pipelines.orchestration.airflow_runner import run_dag
    from pipelines.orchestration.nightly import prepare_demo

    prepare_demo(night, size=2500, seed=5)
    run_dag(dags[LIST_INGEST_DAG_ID], night)
    for agency in AGENCIES:
        run_dag(dags[sweep_dag_id(agency)], night)
    if capacity:
        run_dag(dags[CAPACITY_DAG_ID], night)
    run_dag(dags[COURT_LEADS_DAG_ID], night)


@contextmanager
def _served(store: ReviewStore) -> Iterator[str]:
    settings = WorkbenchSettings(review_db=store.db.path, secret_key="acceptance")
    from pipelines.settings import load_settings

    titles = {str(code): a.title_zh for code, a in load_settings().agencies.items()}
    app = create_app(store, settings, agency_titles=titles)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "workbench did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _browser_login(page: playwright_api.Page, base: str, user: str, target: str) -> None:
    page.goto(f"{base}{target}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{target}")


def _client(store: ReviewStore, user: str) -> tuple[TestClient, str]:
    settings = WorkbenchSettings(review_db=store.db.path, secret_key="k", session_max_age_s=900)
    client = TestClient(create_app(store, settings))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    data = {"username": user, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    page = client.post("/login", data=data)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return client, found.group(1)


def _reply(store: ReviewStore, user: str, action: str, ids: list[str]) -> None:
    client, token = _client(store, user)
    done = client.post(
        "/agency/alerts/reply", data={"csrf_token": token, "action": action, "alert_id": ids}
    )
    assert done.status_code == 200, done.text


@pytest.fixture()
def shots(tmp_path: Path) -> Path:
    if os.environ.get("CREDSWEEP_UPDATE_SCREENSHOTS") == "1":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        return DOCS_SHOTS
    return tmp_path


def test_two_nights_of_the_court_loop(
    airflow_dags: dict,
    airflow_db: bool,
    tmp_path: Path,
    shots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipelines.cli.app import app
    from pipelines.orchestration.airflow_runner import run_dag, task_results
    from pipelines.sanctions.alert_lifecycle import transitions_of, with_overdue
    from pipelines.storage.warehouse import Warehouse

    executable = chromium_path()
    home = tmp_path / "home"
    monkeypatch.setenv("CREDSWEEP_HOME", str(home))
    _night(airflow_dags, NIGHT_1, capacity=True)

    wh = Warehouse(home / "warehouse.duckdb")
    ledger = wh.query("SELECT * FROM alerts")
    assert ledger.height > 20 and set(ledger["status"]) == {"sent"}
    assert set(ledger["sent_run"]) == {date.fromisoformat(NIGHT_1)}
    hotel = ledger.filter(pl.col("agency") == "hotel_booking").sort("alert_id")
    assert set(hotel["deadline"]) == {date(2025, 10, 9)}  # past the National Day week

    capacity = pl.read_csv(home / "runs" / NIGHT_1 / "capacity/capacity.csv", infer_schema=False)
    unable = capacity.filter(pl.col("capacity_class") == "incapable")
    exited = ledger.join(unable.select("entry_id", "court"), on="entry_id").sort("entry_id")
    assert exited.height, "no alerted debtor classed 失能 in the generated night"
    target, court = exited["entry_id"][0], exited["court"][0]
    leads = list((home / "outbox" / "courts" / NIGHT_1).glob("*/leads.json"))
    assert leads and all(json.loads(p.read_text("utf-8"))["count"] for p in leads)

    store = ReviewStore(home / "review.duckdb", retry_s=10, clock=lambda: DESK_TIME)
    for agency in AGENCIES:
        store.add_user(agency, PASSWORD, Role.AGENCY, agency)
    store.add_user("judge", PASSWORD, Role.COURT, court)
    store.add_user("boss", PASSWORD, Role.SUPERVISOR, None)
    others = ledger.filter(pl.col("entry_id") != target)
    not_target = {a: sorted(others.filter(pl.col("agency") == a)["alert_id"]) for a in AGENCIES}

    with playwright_api.sync_playwright() as pw, _served(store) as base:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_context(
            viewport={"width": 1360, "height": 900}, locale="zh-CN"
        ).new_page()
        # the hotel desk: every alert overdue after the holiday; one intercepted in the browser
        _browser_login(page, base, "hotel_booking", "/agency/alerts")
        assert page.locator("tr.overdue").count() == hotel.height
        page.screenshot(path=str(shots / "agency_alerts.png"), full_page=True)
        first = not_target["hotel_booking"][0]
        row = page.locator(f"tr[data-alert='{first}']")
        row.locator("select[name=action]").select_option("intercepted")
        row.locator("button[type=submit]").click()
        page.wait_for_url(f"{base}/agency/alerts")
        assert "已提交 1 条处理结果" in page.locator(".flash").inner_text()
        assert page.locator(f"tr[data-alert='{first}']").count() == 0
        page.context.clear_cookies()
        # the court reviews its unable debtor and exits it, referring it to civil affairs
        _browser_login(page, base, "judge", f"/court/relief/{target}")
        assert page.locator("ul.evidence li").count() >= 1
        page.check("input[value=exit_list]")
        page.check("input[value=refer_civil_affairs]")
        page.fill("input[name=note]", "低保家庭，无财产可供执行")
        page.screenshot(path=str(shots / "court_exit_review.png"), full_page=True)
        page.click("form.relief-decide button[type=submit]")
        page.wait_for_url(f"{base}/court/relief")
        assert "退出失信名单建议" in page.locator(".flash").inner_text()
        browser.close()

    # the other desks through HTTP: bulk outcomes, an acknowledgement, a dispute
    _reply(store, "school_enrollment", "released", not_target["school_enrollment"][:2])
    _reply(store, "subsidy_application", "acknowledged", not_target["subsidy_application"][:1])
    _reply(store, "subsidy_application", "false_match", not_target["subsidy_application"][1:2])
    civil = not_target["civil_service_candidate"][:1]
    _reply(store, "civil_service_candidate", "intercepted", civil)

    _night(airflow_dags, NIGHT_2, capacity=False)
    ledger = wh.query("SELECT * FROM alerts").filter(pl.col("first_run") == date(2025, 9, 30))
    status = dict(zip(ledger["alert_id"], ledger["status"], strict=True))
    assert status[first] == "intercepted"
    assert {status[a] for a in not_target["school_enrollment"][:2]} == {"released"}
    assert status[not_target["subsidy_application"][0]] == "acknowledged"
    assert status[not_target["subsidy_application"][1]] == "false_match"
    assert status[civil[0]] == "intercepted"
    gone = ledger.filter(pl.col("entry_id") == target)
    assert set(gone["status"]) == {"withdrawn"} and set(gone["withdrawn_run"]) == {
        date(2025, 10, 10)
    }
    late = with_overdue(ledger.filter(pl.col("agency") == "hotel_booking"), date(2025, 10, 10))
    assert late["overdue"].sum() == hotel.height - 1 - hotel["entry_id"].is_in([target]).sum()
    steps = transitions_of(wh)
    assert steps.filter(pl.col("alert_id") == first)["to_status"].to_list() == [
        "new", "sent", "intercepted"
    ]  # fmt: skip
    files = next((home / "outbox" / "courts" / NIGHT_2).glob("*/exit_recommendations.json"))
    assert json.loads(files.read_text("utf-8"))["rows"][0]["entry_id"] == target

    # statistics over both nights count every one of them
    out = tmp_path / "stats"
    result = CliRunner().invoke(
        app, ["stats", "--home", str(home), "--from", NIGHT_1, "--to", NIGHT_2, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    stats = json.loads((out / "stats.json").read_text("utf-8"))
    agencies = {r["agency"]: r for r in stats["by_agency"]}
    hotel_row = agencies["hotel_booking"]
    assert hotel_row["status_intercepted"] == 1 and hotel_row["overdue"] == late["overdue"].sum()
    assert agencies["school_enrollment"]["status_released"] == 2
    assert agencies["subsidy_application"]["status_acknowledged"] == 1
    assert agencies["subsidy_application"]["disputes"] == 1
    assert agencies["civil_service_candidate"]["status_intercepted"] == 1
    assert sum(r["status_withdrawn"] for r in agencies.values()) >= gone.height
    assert sum(r["replied"] for r in agencies.values()) == 6
    courts = {r["court"]: r for r in stats["by_court"]}
    assert courts[court]["exits"] == 1 and courts[court]["debtors_incapable"] >= 1
    assert sum(r["hits_restricted"] for r in stats["by_agency"]) > 0
    assert {r["agency"] for r in stats["ranking"]} == set(AGENCIES)
    assert (out / "stats.xlsx").exists() and "<img" in (out / "stats.html").read_text("utf-8")

    # the weekly DAG writes the ranking of the week ending on night 2
    (weekly,) = task_results(run_dag(airflow_dags[COURT_WEEKLY_DAG_ID], NIGHT_2), "ranking")
    assert weekly["agencies"] == 4
    assert (home / "runs" / NIGHT_2 / "stats" / "ranking.xlsx").exists()

    # the statistics page (the range the CLI published last is shown)
    with playwright_api.sync_playwright() as pw, _served(store) as base:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_context(
            viewport={"width": 1360, "height": 900}, locale="zh-CN"
        ).new_page()
        _browser_login(page, base, "boss", "/stats")
        assert page.locator(".charts img").count() == 4
        assert page.evaluate("Array.from(document.images).every(i => i.naturalWidth > 0)")
        page.screenshot(path=str(shots / "stats.png"), full_page=True)
        browser.close()
