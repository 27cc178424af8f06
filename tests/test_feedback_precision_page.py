"""The workbench precision page: the thresholds each agency's latest sweep used, and their
precision by analyst labels; before any sweep is recorded, the thresholds the settings give."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from pipelines.review import precision
from pipelines.review.feedback import sweep_model
from pipelines.review.models import Role
from pipelines.review.store import ReviewStore, SweepThresholds
from pipelines.settings import default_settings
from pipelines.sweep.run import SweepRequest, run_sweep
from pipelines.workbench.app import create_app
from pipelines.workbench.settings import WorkbenchSettings
from tests.sweep_helpers import generated_world
from tests.test_feedback_refine import calibrated, labelled_store
from tests.test_workbench_http import PASSWORD, login
from tests.workbench_fixtures import AGENCY, OTHER_AGENCY

NIGHT = date(2025, 7, 1)
TITLES = {AGENCY: "酒店住宿登记", OTHER_AGENCY: "学校招生"}
REVIEW_ROW = re.compile(r"人工复核（复核阈值 – 自动匹配阈值）</td><td class=\"num\">(\d+)")
MATCH_ROW = re.compile(r"自动匹配（≥ 自动匹配阈值）</td><td class=\"num\">(\d+)")


def _client(db: Path, min_labels: int, titles: dict[str, str] | None = None) -> TestClient:
    run = calibrated(min_labels)
    settings = WorkbenchSettings(review_db=str(db), secret_key="test-secret")
    app = create_app(
        ReviewStore(db, retry_s=5),
        settings,
        thresholds=run.thresholds,
        calibration=run.calibration,
        agency_titles=titles,
    )
    return TestClient(app)


def _section(html: str, agency: str) -> str:
    """The page's block for one agency (or `fallback`)."""
    found = re.search(
        rf'<section class="thresholds" id="thresholds-{agency}">(.*?)</section>', html, re.S
    )
    assert found, f"no section for {agency}"
    return found.group(1)


def test_precision_page_uses_thresholds_moved_by_labels(tmp_path: Path) -> None:
    store, worst = labelled_store(tmp_path / "review.duckdb")
    store.add_user("li", PASSWORD, Role.ANALYST, None)
    _, moved, _ = sweep_model(calibrated(50), store.db.path)

    client = _client(store.db.path, min_labels=50)
    login(client, "li")
    html = client.get("/precision").text
    assert "尚无比对记录" in html and "已按分析员标注调整" in html
    assert f"自动匹配阈值 {round(moved.match, 4)}" in html and moved.match > worst
    # all 60 confirmations sit in the review region now in force; the 30 false matches too
    review_row = re.search(r"人工复核（复核阈值 – 自动匹配阈值）</td><td class=\"num\">(\d+)", html)
    assert review_row and int(review_row.group(1)) == 90

    strict = _client(store.db.path, min_labels=500)
    login(strict, "li")
    page = strict.get("/precision").text
    assert "自动匹配阈值 0.97" in page and "已按分析员标注调整" not in page


def test_precision_page_shows_the_thresholds_the_last_sweep_used(tmp_path: Path) -> None:
    store, _ = labelled_store(tmp_path / "review.duckdb")
    store.add_user("li", PASSWORD, Role.ANALYST, None)
    store.record_thresholds(
        SweepThresholds(AGENCY, date(2025, 6, 30), 0.9, 0.3, "target", "target")
    )
    store.record_thresholds(SweepThresholds(AGENCY, NIGHT, 0.99, 0.5, "target", "target", 0.9993))

    # min_labels 500: the settings alone would give the written 0.97 / 0.60
    client = _client(store.db.path, min_labels=500, titles={AGENCY: TITLES[AGENCY]})
    login(client, "li")
    html = client.get("/precision").text
    block = _section(html, AGENCY)
    assert "最近一次比对 2025-07-01" in block
    assert "复核阈值 0.5 · 自动匹配阈值 0.99" in block
    assert "目标精度推导" in block and "目标精度模式" in block and "自动匹配精确率 99.93%" in block
    # cut at 0.50 / 0.99 all 90 labels (60 confirmed 0.60-0.95, 30 false 0.975-0.985) are
    # review-region labels; at the written 0.60 / 0.97 the 30 false matches would be automatic
    review_row, match_row = REVIEW_ROW.search(block), MATCH_ROW.search(block)
    assert review_row and int(review_row.group(1)) == 90
    assert match_row and int(match_row.group(1)) == 0
    assert "自动匹配阈值 0.97" not in html and "尚无比对记录" not in html


def test_agencies_without_a_recorded_sweep_fall_back_and_say_so(tmp_path: Path) -> None:
    store, _ = labelled_store(tmp_path / "review.duckdb")
    store.add_user("li", PASSWORD, Role.ANALYST, None)
    store.add_user("hotel", PASSWORD, Role.AGENCY, AGENCY)
    store.record_thresholds(SweepThresholds(AGENCY, NIGHT, 0.99, 0.5, "labels", "fixed"))

    client = _client(store.db.path, min_labels=500, titles=TITLES)
    login(client, "li")
    html = client.get("/precision").text
    block = _section(html, AGENCY)
    assert "来源：分析员标注调整；固定阈值模式" in block
    fallback = _section(html, "fallback")
    assert "尚无比对记录的机构" in fallback and TITLES[OTHER_AGENCY] in fallback
    assert "自动匹配阈值 0.97" in fallback and TITLES[AGENCY] not in fallback

    school = client.get("/precision", params={"agency": OTHER_AGENCY}).text
    assert 'id="thresholds-hotel_booking"' not in school and "自动匹配阈值 0.97" in school

    # the page stays closed to agency users, as the queue is
    agency_client = _client(store.db.path, min_labels=500, titles=TITLES)
    login(agency_client, "hotel")
    assert agency_client.get("/precision").status_code == 403


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_world(tmp_path_factory, size=600, seed=5, formats="csv")


def _hotel_sweep(world: Path, out: Path, review_db: Path) -> dict:
    run_sweep(
        SweepRequest(
            agency=AGENCY,
            lists=[world / "lists/snapshot.csv", world / "lists/delta_001.csv"],
            input=world / "agencies/hotel_booking.csv",
            out=out,
            run_date=NIGHT,
            settings=default_settings(),
            review_db=review_db,
        )
    )
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))["feedback"]


def test_a_sweep_records_its_thresholds_and_the_page_shows_them(
    small_world: Path, tmp_path: Path
) -> None:
    review = tmp_path / "review.duckdb"
    feedback = _hotel_sweep(small_world, tmp_path / "n1", review)
    assert feedback["thresholds_mode"] == "target"  # the packaged settings
    _hotel_sweep(small_world, tmp_path / "rerun", review)  # the same night again

    store = ReviewStore(review, retry_s=5)
    (used,) = store.latest_thresholds()
    assert (used.agency, used.run_date, used.mode) == (AGENCY, NIGHT, "target")
    assert (used.match, used.review) == (
        feedback["thresholds_after"]["match"],
        feedback["thresholds_after"]["review"],
    )
    assert used.source == feedback["thresholds_source"]
    assert used.expected_precision_match == feedback["expected_precision_match"]
    assert store.db.run(
        lambda con: con.execute("SELECT count(*) FROM sweep_thresholds").fetchone()
    ) == (1,)
    assert (used.match, used.review) != (0.97, 0.60), "target mode should derive its own"

    store.add_user("li", PASSWORD, Role.ANALYST, None)
    client = _client(review, min_labels=500, titles={AGENCY: TITLES[AGENCY]})
    login(client, "li")
    block = _section(client.get("/precision").text, AGENCY)
    assert f"复核阈值 {round(used.review, 4)} · 自动匹配阈值 {round(used.match, 4)}" in block


def test_band_labels_keep_a_derived_threshold_apart_from_one() -> None:
    labels = pl.DataFrame(
        {"decision": ["positive", "negative"], "match_score": [0.95, 0.999]},
        schema={"decision": pl.String, "match_score": pl.Float64},
    )
    bands = precision.precision_bands(labels, review=0.3, match=0.9982)
    assert [b.label for b in bands[-2:]] == [
        "0.90 – 0.9982（人工复核）",
        "0.9982 – 1.00（自动匹配）",
    ]
    assert (bands[-2].positive, bands[-1].negative) == (1, 1)
