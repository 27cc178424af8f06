"""The `credsweep review` sub-app and the settings documentation."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.review.models import QueueFilter
from pipelines.review.store import ReviewStore
from pipelines.workbench.command import review_app
from pipelines.workbench.settings import WorkbenchSettings, load_workbench_settings
from tests.workbench_fixtures import AGENCY, hit, hits_frame

DOC = Path(__file__).resolve().parents[1] / "docs" / "workbench.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [f for f in WorkbenchSettings.model_fields if f"`{f}`" not in text]
    assert missing == []


def test_settings_come_from_environment_then_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDSWEEP_REVIEW_SESSION_MAX_AGE_S", "900")
    monkeypatch.setenv("CREDSWEEP_REVIEW_REVIEW_DB", "/tmp/from-env.duckdb")
    loaded = load_workbench_settings(review_db="/tmp/from-flag.duckdb")
    assert (loaded.session_max_age_s, loaded.review_db) == (900, "/tmp/from-flag.duckdb")


def test_add_user_and_import_outcomes(tmp_path: Path) -> None:
    db = tmp_path / "review.duckdb"
    store = ReviewStore(db)
    store.migrate()
    store.push_review_items(
        AGENCY, date(2025, 3, 14), hits_frame(hit("p2", "r2", decision="match"))
    )
    runner = CliRunner()
    added = runner.invoke(
        review_app,
        [
            "add-user",
            "--username",
            "hotel",
            "--role",
            "agency",
            "--agency",
            AGENCY,
            "--password-stdin",
            "--db",
            str(db),
        ],
        input="correct-horse-battery\n",
    )
    assert added.exit_code == 0, added.output
    assert store.authenticate("hotel", "correct-horse-battery") is not None
    feedback = tmp_path / "outcomes.csv"
    feedback.write_text(
        "\ufeffalert_id,outcome,note\nA-p2-r2,false_match,非本人\n", encoding="utf-8"
    )
    result = runner.invoke(
        review_app, ["import-outcomes", str(feedback), "--agency", AGENCY, "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"1 outcomes, 1 new disputes, 0 unknown", result.output)
    assert [r["kind"] for r in store.queue(QueueFilter())] == ["disputed"]


def test_agency_user_needs_an_agency(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        review_app,
        [
            "add-user",
            "--username",
            "x",
            "--role",
            "agency",
            "--password-stdin",
            "--db",
            str(tmp_path / "r.duckdb"),
        ],
        input="correct-horse-battery\n",
    )
    assert result.exit_code == 1
