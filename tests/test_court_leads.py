"""Whereabouts leads: every sighting reaches exactly its own court, files and workbench alike."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipelines.cli.app import app
from pipelines.ingest import read_dataset
from pipelines.review.models import Role
from pipelines.review.store import ReviewStore
from pipelines.workbench.app import create_app
from pipelines.workbench.settings import WorkbenchSettings

NIGHT = "2025-06-30"
AGENCIES = ("hotel_booking", "school_enrollment")
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, int]]:
    """One generated night swept for two agencies into a home folder; `credsweep leads` run."""
    from pipelines.synth import generate

    world = tmp_path_factory.mktemp("world")
    generate(world, size=2500, seed=11, formats="csv")
    home = tmp_path_factory.mktemp("home")
    sightings: dict[str, int] = {}
    for agency in AGENCIES:
        out = home / "runs" / agency
        args = [
            "sweep", "--agency", agency,
            "--list", str(world / "lists/snapshot.csv"),
            "--list", str(world / "lists/delta_001.csv"),
            "--input", str(world / f"agencies/{agency}.csv"),
            "--out", str(out), "--run-date", NIGHT,
            "--warehouse", str(home / "warehouse.duckdb"),
            "--review-db", str(home / "review.duckdb"),
        ]  # fmt: skip
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        with (out / "hits.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["match_decision"] == "match" and row["entry_status"] == "active":
                    sightings[row["entry_id"]] = sightings.get(row["entry_id"], 0) + 1
    leads_dir = home / "leads"
    result = CliRunner().invoke(
        app, ["leads", "--home", str(home), "--run-date", NIGHT, "--out", str(leads_dir)]
    )
    assert result.exit_code == 0, result.output
    return world, home, sightings


def _courts(world: Path) -> dict[str, str]:
    courts: dict[str, str] = {}
    for name in ("snapshot.csv", "delta_001.csv"):
        entries = read_dataset(world / "lists" / name, "dishonest_list")
        courts.update(zip(entries["entry_id"], entries["court"], strict=True))
    return courts


def test_each_sighting_reaches_exactly_its_own_court(night: tuple[Path, Path, dict]) -> None:
    world, home, sightings = night
    court_of = _courts(world)
    seen: dict[str, int] = {}
    folders = sorted((home / "leads").iterdir())
    assert len(folders) >= 2
    for folder in folders:
        document = json.loads((folder / "leads.json").read_text("utf-8"))
        assert document["run_date"] == NIGHT and document["count"] == len(document["leads"])
        for lead in document["leads"]:
            assert lead["court"] == document["court"] == court_of[lead["entry_id"]]
            seen[lead["entry_id"]] = seen.get(lead["entry_id"], 0) + 1
        # the agency's document number only masked, the evidence with no ID in clear
        assert all("*" in (lead["sighted_id"] or "*") for lead in document["leads"])
        assert not any(re.search(r"\d{15}", lead["evidence"]) for lead in document["leads"])
    assert seen == sightings


def test_leads_carry_case_place_and_dates_in_chinese_excel(night: tuple[Path, Path, dict]) -> None:
    _, home, _ = night
    frames = [json.loads(p.read_text("utf-8")) for p in (home / "leads").glob("*/leads.json")]
    leads = pl.DataFrame([lead for d in frames for lead in d["leads"]])
    hotel = leads.filter(pl.col("agency") == "酒店住宿登记")
    assert hotel.height and hotel["place"].null_count() == 0
    assert hotel["seen_from"].null_count() == 0 and hotel["area"].null_count() == 0
    assert leads["case_no"].null_count() == 0 and leads["amount_due"].null_count() < leads.height
    book = openpyxl.load_workbook(next((home / "leads").glob("*/leads.xlsx")))
    header = [c.value for c in next(book.active.iter_rows(max_row=1))]
    assert header[:5] == ["执行法院", "案号", "名单编号", "名单类型", "被执行人"]


def test_rerun_gives_the_same_files(night: tuple[Path, Path, dict], tmp_path: Path) -> None:
    _, home, _ = night
    again = tmp_path / "again"
    result = CliRunner().invoke(
        app, ["leads", "--home", str(home), "--run-date", NIGHT, "--out", str(again)]
    )
    assert result.exit_code == 0
    for first in (home / "leads").glob("*/leads.json"):
        assert (again / first.parent.name / "leads.json").read_bytes() == first.read_bytes()


def test_leads_without_a_warehouse_fail_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["leads", "--home", str(tmp_path), "--run-date", NIGHT, "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and "no warehouse" in result.output


def _login(client: TestClient, username: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    data = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=data).status_code == 200


def test_a_court_user_reads_only_its_own_leads(night: tuple[Path, Path, dict]) -> None:
    _, home, _ = night
    folders = sorted(p.parent.name for p in (home / "leads").glob("*/leads.json"))
    own, other = folders[0], folders[1]
    store = ReviewStore(home / "review.duckdb", retry_s=5)
    store.add_user("court_a", PASSWORD, Role.COURT, own)
    settings = WorkbenchSettings(review_db=store.db.path, secret_key="k", session_max_age_s=600)
    client = TestClient(create_app(store, settings))
    _login(client, "court_a")
    page = client.get("/court/leads")
    assert page.status_code == 200
    mine = json.loads((home / "leads" / own / "leads.json").read_text("utf-8"))["leads"]
    theirs = json.loads((home / "leads" / other / "leads.json").read_text("utf-8"))["leads"]
    assert all(lead["entry_id"] in page.text for lead in mine)
    assert not any(lead["record_id"] in page.text for lead in theirs)
    assert client.get("/court/leads", params={"court": other}).status_code == 403
    assert client.get("/queue").status_code == 403
    assert client.get("/agency").status_code == 403
    assert client.get("/agency/alerts").status_code == 403


def test_agency_users_are_refused_court_pages_and_statistics(
    night: tuple[Path, Path, dict],
) -> None:
    _, home, _ = night
    store = ReviewStore(home / "review.duckdb", retry_s=5)
    store.add_user("hotel_desk", PASSWORD, Role.AGENCY, "hotel_booking")
    settings = WorkbenchSettings(review_db=store.db.path, secret_key="k", session_max_age_s=600)
    client = TestClient(create_app(store, settings))
    _login(client, "hotel_desk")
    for path in ("/court/leads", "/court/relief", "/stats"):
        assert client.get(path).status_code == 403, path
