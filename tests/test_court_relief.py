"""Exit and relief for the unable: a court reviews its 失能 debtor with the evidence, the
decision is audited, the publisher's and civil affairs' files are written, and the debtor's
alerts are withdrawn on the next night."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipelines.cli.app import app
from pipelines.courts.steps import deliver_relief
from pipelines.review.models import Role
from pipelines.review.store import ReviewStore
from pipelines.sanctions.alerts import alerts_of
from pipelines.storage.warehouse import Warehouse
from pipelines.workbench.app import create_app
from pipelines.workbench.settings import WorkbenchSettings

NIGHT_1, NIGHT_2 = "2025-09-30", "2025-10-10"
AGENCIES = ("hotel_booking", "civil_service_candidate")
PASSWORD = "correct-horse-battery"


def _sweep(world: Path, home: Path, agency: str, night: str) -> None:
    args = [
        "sweep", "--agency", agency,
        "--list", str(world / "lists/snapshot.csv"),
        "--list", str(world / "lists/delta_001.csv"),
        "--input", str(world / f"agencies/{agency}.csv"),
        "--out", str(home / "runs" / night / agency), "--run-date", night,
        "--warehouse", str(home / "warehouse.duckdb"),
        "--review-db", str(home / "review.duckdb"),
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output


def _make_unable(world: Path, home: Path) -> list[str]:
    """Two debtors the evidence shows unable, written into the night's welfare and asset files.

    One has a civil-service alert tonight (the relief decision must withdraw it), the other is
    at another court (a court sees only its own). Each gets 低保, 特困, a disability and a serious
    illness valid tonight, and an asset inquiry a month ago that found nothing: the evidence a
    court would act on, not a chance draw of the generator.
    """
    persons = pl.read_parquet(world / "truth/entries.parquet").filter(
        pl.col("person_id").is_not_null()
    )
    snapshot = pl.read_csv(world / "lists/snapshot.csv", infer_schema=False)
    people = snapshot.filter(pl.col("party_type") == "person").join(persons, on="entry_id")
    alerted = alerts_of(Warehouse(home / "warehouse.duckdb"), "civil_service_candidate")
    target = people.filter(pl.col("entry_id").is_in(alerted["entry_id"].to_list())).row(
        0, named=True
    )
    other = people.filter(
        (pl.col("court") != target["court"]) & (pl.col("person_id") != target["person_id"])
    ).row(0, named=True)
    chosen = [(p["true_id"], p["name"]) for p in (target, other)]
    welfare = world / "capacity/welfare_status.csv"
    statuses = ("minimum_living", "extreme_poverty", "disability", "serious_illness")
    added = pl.DataFrame(
        [(i, n, s, "2024-03-01", "") for i, n in chosen for s in statuses],
        schema=["id_number", "name", "status_type", "since", "until"],
        orient="row",
    )
    pl.concat([pl.read_csv(welfare, infer_schema=False), added]).write_csv(welfare)
    assets = world / "capacity/asset_inquiry.csv"
    added = pl.DataFrame(
        [(i, n, "none", "", "2025-09-01") for i, n in chosen],
        schema=["id_number", "name", "asset_type", "value", "queried_on"],
        orient="row",
    )
    pl.concat([pl.read_csv(assets, infer_schema=False), added]).write_csv(assets)
    return [target["entry_id"], other["entry_id"]]


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Night 1 swept for two agencies and scored for capacity under a credsweep home."""
    from pipelines.synth import generate

    world = tmp_path / "world"
    generate(world, size=2500, seed=5, formats="csv")
    home = tmp_path / "home"
    monkeypatch.setenv("CREDSWEEP_HOME", str(home))
    for agency in AGENCIES:
        _sweep(world, home, agency, NIGHT_1)
    unable = _make_unable(world, home)
    hits = [arg for a in AGENCIES for arg in ("--hits", str(home / "runs" / NIGHT_1 / a))]
    result = CliRunner().invoke(app, [
        "capacity", "--list", str(world / "lists/snapshot.csv"),
        "--list", str(world / "lists/delta_001.csv"),
        "--welfare", str(world / "capacity/welfare_status.csv"),
        "--assets", str(world / "capacity/asset_inquiry.csv"), *hits,
        "--out", str(home / "runs" / NIGHT_1 / "capacity"),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    capacity = pl.read_csv(home / "runs" / NIGHT_1 / "capacity/capacity.csv", infer_schema=False)
    classes = capacity.filter(pl.col("entry_id").is_in(unable))["capacity_class"].to_list()
    assert classes == ["incapable", "incapable"]
    return world, home


def _client(home: Path, now: datetime) -> tuple[TestClient, ReviewStore]:
    store = ReviewStore(home / "review.duckdb", retry_s=5, clock=lambda: now)
    settings = WorkbenchSettings(review_db=store.db.path, secret_key="k", session_max_age_s=600)
    return TestClient(create_app(store, settings)), store


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_exit_through_relief_withdraws_alerts_next_night(home: tuple[Path, Path]) -> None:
    world, base = home
    published = deliver_relief(NIGHT_1)
    assert published["cases"] > 0
    capacity = pl.read_csv(base / "runs" / NIGHT_1 / "capacity/capacity.csv", infer_schema=False)
    wh = Warehouse(base / "warehouse.duckdb")
    ledger = alerts_of(wh, "civil_service_candidate")
    unable = set(capacity.filter(pl.col("capacity_class") == "incapable")["entry_id"])
    target = sorted(set(ledger["entry_id"]) & unable)[0]
    court = capacity.filter(pl.col("entry_id") == target)["court"][0]
    other_case = capacity.filter(
        (pl.col("capacity_class") == "incapable") & (pl.col("court") != court)
    )["entry_id"][0]

    client, store = _client(base, datetime(2025, 10, 9, 2))
    store.add_user("judge", PASSWORD, Role.COURT, court)
    token = _token(client.get("/login").text)
    credentials = {"username": "judge", "password": PASSWORD, "csrf_token": token}
    login = client.post("/login", data=credentials)
    assert login.status_code == 200
    listing = client.get("/court/relief")
    assert target in listing.text and other_case not in listing.text
    page = client.get(f"/court/relief/{target}")
    assert page.status_code == 200 and "评估依据" in page.text
    evidence = capacity.filter(pl.col("entry_id") == target)["evidence"][0]
    assert evidence.split("；")[0] in page.text
    assert client.get(f"/court/relief/{other_case}").status_code == 404
    token = _token(page.text)
    refused = client.post(f"/court/relief/{target}/decide",
                          data={"csrf_token": token, "measure": ["keep", "exit_list"]})  # fmt: skip
    assert refused.status_code == 409
    foreign = client.post(f"/court/relief/{other_case}/decide",
                          data={"csrf_token": token, "measure": ["exit_list"]})  # fmt: skip
    assert foreign.status_code == 409
    chosen = {"csrf_token": token, "measure": ["exit_list", "refer_civil_affairs"], "note": "低保"}
    done = client.post(f"/court/relief/{target}/decide", data=chosen)
    assert done.status_code == 200 and "退出失信名单建议" in done.text
    assert any(a["action"] == "relief_decision" and a["target"] == target
               for a in store.audit_entries())  # fmt: skip

    # night 2: every alert of the exited debtor withdrawn, in the withdrawal report with dates
    _sweep(world, base, "civil_service_candidate", NIGHT_2)
    after = alerts_of(wh, "civil_service_candidate").filter(pl.col("entry_id") == target)
    assert after.height and set(after["status"]) == {"withdrawn"}
    assert all("退出失信名单" in r for r in after["reason"])
    out = base / "runs" / NIGHT_2 / "civil_service_candidate"
    report = out / "outbox" / "civil_service_candidate" / NIGHT_2 / "withdrawals.csv"
    with report.open(encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["名单编号"] == target]
    assert rows and all(r["发送日期"] == NIGHT_1 and r["撤回日期"] == NIGHT_2 for r in rows)
    with (base / "runs" / NIGHT_2 / "civil_service_candidate" / "hits.csv").open() as fh:
        assert not any(h["entry_id"] == target and h["intercept"] == "true"
                       for h in csv.DictReader(fh))  # fmt: skip

    # the night's files: the publisher's recommendation and the civil-affairs referral
    files = deliver_relief(NIGHT_2)
    assert files["exit_recommendations"] == 1 and files["relief_referrals"] == 1
    folder = next((base / "outbox" / "courts" / NIGHT_2).glob("*/exit_recommendations.json"))
    document = json.loads(folder.read_text("utf-8"))
    assert document["court"] == court and document["rows"][0]["entry_id"] == target
    assert "退出失信名单建议" in document["rows"][0]["measures_zh"]
    assert (folder.parent / "relief_referrals.xlsx").exists()
