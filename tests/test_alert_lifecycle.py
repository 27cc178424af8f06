"""Alert lifecycle end to end: sent on delivery, acknowledged and closed by the agency through
the workbench, an upload and a reply file, overdue across a public holiday, every step dated.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipelines.cli.app import app
from pipelines.review.models import Role
from pipelines.review.store import ReviewStore
from pipelines.sanctions.alert_lifecycle import transitions_of, with_overdue
from pipelines.sanctions.alerts import alerts_of
from pipelines.storage.warehouse import Warehouse
from pipelines.workbench.app import create_app
from pipelines.workbench.settings import WorkbenchSettings
from tests.sweep_helpers import cli_sweep, generated_world, hit_rows

AGENCY = "hotel_booking"
# The eve of National Day 2025: a one-working-day deadline falls on 9 October, after the holiday.
NIGHT_1, NIGHT_2 = "2025-09-30", "2025-10-10"
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_world(tmp_path_factory, size=2500, seed=5, formats="csv")


def _sweep(world: Path, base: Path, night: str) -> list[dict[str, str]]:
    out = cli_sweep(world, base / night, night, base / "wh.duckdb", base / "review.duckdb")
    return hit_rows(out)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _client(review: Path, now: datetime) -> TestClient:
    store = ReviewStore(review, retry_s=5, clock=lambda: now)
    settings = WorkbenchSettings(review_db=str(review), secret_key="k", session_max_age_s=600)
    client = TestClient(create_app(store, settings, agency_titles={AGENCY: "酒店住宿登记"}))
    token = _csrf(client.get("/login").text)
    page = client.post(
        "/login",
        data={
            "username": "hotel",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/agency/alerts",
        },
    )
    assert page.status_code == 200
    return client


def test_lifecycle_over_two_nights(world: Path, tmp_path: Path) -> None:
    review = tmp_path / "review.duckdb"
    store = ReviewStore(review)
    store.migrate()
    store.add_user("hotel", PASSWORD, Role.AGENCY, AGENCY)
    hits = _sweep(world, tmp_path, NIGHT_1)
    wh = Warehouse(tmp_path / "wh.duckdb")

    ledger = alerts_of(wh, AGENCY)
    assert ledger.height >= 6
    # delivered to the outbox means sent, the same night; deadline after the National Day week
    assert set(ledger["status"]) == {"sent"}
    assert set(ledger["sent_run"]) == {date.fromisoformat(NIGHT_1)}
    assert set(ledger["deadline"]) == {date(2025, 10, 9)}
    steps = transitions_of(wh, AGENCY)
    assert steps.group_by("to_status").len().sort("to_status").rows() == [
        ("new", ledger.height),
        ("sent", ledger.height),
    ]

    # the agency page shows the automatic matches the outbox holds
    intercepts = [h for h in hits if h["intercept"] == "true"]
    ids = sorted({h["alert_id"] for h in intercepts})
    client = _client(review, datetime(2025, 10, 10, 2, tzinfo=UTC).replace(tzinfo=None))
    agency_page = client.get("/agency")
    assert all(a in agency_page.text for a in ids)

    # outcomes imported with the alert ids of the agency's own hits.csv are known
    upload = tmp_path / "outcomes.csv"
    upload.write_text(f"alert_id,outcome,note\n{ids[0]},intercepted,前台拒绝入住\n", "utf-8")
    result = CliRunner().invoke(
        app, ["review", "import-outcomes", str(upload), "--agency", AGENCY, "--db", str(review)]
    )
    assert result.exit_code == 0, result.output
    assert "0 unknown alerts" in result.output

    # the desk lists every open alert, overdue first (deadline 9 Oct, today 10 Oct)
    desk = client.get("/agency/alerts")
    assert desk.status_code == 200
    assert "逾期 1 个工作日" in desk.text
    token = _csrf(desk.text)
    acked = client.post(
        "/agency/alerts/reply",
        data={"csrf_token": token, "action": "acknowledged", "alert_id": [ids[1]]},
    )
    assert acked.status_code == 200 and "已签收 1 条预警" in acked.text
    bulk = client.post(
        "/agency/alerts/reply",
        data={
            "csrf_token": token,
            "action": "released",
            "alert_id": [ids[2], ids[3]],
            "note": "已缴清",
        },
    )
    assert "已提交 2 条处理结果" in bulk.text
    foreign = client.post(
        "/agency/alerts/reply",
        data={"csrf_token": token, "action": "released", "alert_id": ["AL-0000000000000000"]},
    )
    assert foreign.status_code == 403

    # a reply file dropped into the agency's outbox folder (Chinese headers and labels)
    # the command line run keeps its outbox inside its output folder
    replies = tmp_path / NIGHT_2 / "outbox" / AGENCY / "replies"
    replies.mkdir(parents=True)
    (replies / "reply_20251010.csv").write_text(
        f"预警编号,处理结果,说明\n{ids[4]},误匹配,证件号不同\n{ids[5]},已签收,\n", "utf-8-sig"
    )

    _sweep(world, tmp_path, NIGHT_2)
    ledger = alerts_of(wh, AGENCY)
    status = dict(zip(ledger["alert_id"], ledger["status"], strict=True))
    assert status[ids[0]] == "intercepted"
    assert status[ids[1]] == "acknowledged"
    assert status[ids[2]] == status[ids[3]] == "released"
    assert status[ids[4]] == "false_match"
    assert status[ids[5]] == "acknowledged"
    steps = transitions_of(wh, AGENCY)
    by = {(r["alert_id"], r["to_status"]): r for r in steps.iter_rows(named=True)}
    assert by[(ids[1], "acknowledged")]["by_user"] == "hotel"
    assert by[(ids[1], "acknowledged")]["source"] == "workbench"
    assert by[(ids[0], "intercepted")]["source"] == "upload"
    assert by[(ids[4], "false_match")]["source"] == "outbox"
    assert by[(ids[2], "released")]["on_date"] == date(2025, 10, 10)

    # untouched alerts are overdue on 10 October: one working day past the holiday week
    late = with_overdue(ledger, date(2025, 10, 10)).filter(pl.col("overdue"))
    assert set(late["alert_id"]).isdisjoint({ids[0], ids[2], ids[3], ids[4]})
    assert late.height == ledger.height - 4 and set(late["overdue_working_days"]) == {1}

    # rerunning the night records nothing twice
    before = steps.height
    _sweep(world, tmp_path, NIGHT_2)
    assert transitions_of(wh, AGENCY).height == before
