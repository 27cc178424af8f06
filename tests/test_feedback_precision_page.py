"""The workbench precision page: the thresholds the next sweep will use, and their precision."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from pipelines.feedback import sweep_model
from pipelines.workbench.app import create_app
from pipelines.workbench.models import Role
from pipelines.workbench.settings import WorkbenchSettings
from pipelines.workbench.store import ReviewStore
from tests.test_feedback_refine import calibrated, labelled_store
from tests.test_workbench_http import PASSWORD, login


def _client(db: Path, min_labels: int) -> TestClient:
    run = calibrated(min_labels)
    settings = WorkbenchSettings(review_db=str(db), secret_key="test-secret")
    app = create_app(
        ReviewStore(db, retry_s=5),
        settings,
        thresholds=run.thresholds,
        calibration=run.calibration,
    )
    return TestClient(app)


def test_precision_page_uses_thresholds_moved_by_labels(tmp_path: Path) -> None:
    store, worst = labelled_store(tmp_path / "review.duckdb")
    store.add_user("li", PASSWORD, Role.ANALYST, None)
    _, moved, _ = sweep_model(calibrated(50), store.db.path)

    client = _client(store.db.path, min_labels=50)
    login(client, "li")
    html = client.get("/precision").text
    assert "已按分析员标注调整" in html
    assert f"自动匹配阈值 {round(moved.match, 4)}" in html and moved.match > worst
    # all 60 confirmations sit in the review region now in force; the 30 false matches too
    review_row = re.search(r"人工复核（复核阈值 – 自动匹配阈值）</td><td class=\"num\">(\d+)", html)
    assert review_row and int(review_row.group(1)) == 90

    strict = _client(store.db.path, min_labels=500)
    login(strict, "li")
    page = strict.get("/precision").text
    assert "自动匹配阈值 0.97" in page and "已按分析员标注调整" not in page
