"""The workbench and the sweep find the review file in the same place."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipelines.review.models import QueueFilter
from pipelines.review.sweep_side import SweepReview
from pipelines.review.web_side import WebReview
from pipelines.settings import DEFAULT_SETTINGS, load_settings
from pipelines.workbench.command import review_app
from pipelines.workbench.settings import WorkbenchSettings, load_workbench_settings
from tests.workbench_fixtures import AGENCY, hit, hits_frame


@pytest.fixture(autouse=True)
def _no_review_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDSWEEP_REVIEW_REVIEW_DB", raising=False)
    monkeypatch.delenv("CREDSWEEP_SETTINGS", raising=False)


def test_under_credsweep_home_both_resolve_the_same_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CREDSWEEP_HOME", str(tmp_path))
    sweep_file = load_settings().storage.path("review_db")
    assert sweep_file == tmp_path / "review.duckdb"
    assert Path(load_workbench_settings().review_db) == sweep_file
    assert Path(WorkbenchSettings().review_db) == sweep_file


def test_a_settings_file_moves_the_workbench_with_the_sweep(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    raw = yaml.safe_load(DEFAULT_SETTINGS.read_text(encoding="utf-8"))
    raw["storage"]["review_db"] = "desk/analysts.duckdb"
    own = tmp_path / "credsweep.yaml"
    own.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CREDSWEEP_SETTINGS", str(own))
    monkeypatch.setenv("CREDSWEEP_HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / "desk" / "analysts.duckdb"
    assert load_settings().storage.path("review_db") == expected
    assert Path(load_workbench_settings().review_db) == expected


def test_environment_and_flag_still_choose_another_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CREDSWEEP_HOME", str(tmp_path))
    monkeypatch.setenv("CREDSWEEP_REVIEW_REVIEW_DB", str(tmp_path / "elsewhere.duckdb"))
    assert load_workbench_settings().review_db == str(tmp_path / "elsewhere.duckdb")
    assert load_workbench_settings(review_db="/tmp/flag.duckdb").review_db == "/tmp/flag.duckdb"


def test_a_user_added_without_db_logs_into_the_file_the_sweep_pushes_to(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CREDSWEEP_HOME", str(tmp_path))
    added = CliRunner().invoke(
        review_app,
        ["add-user", "--username", "ana", "--role", "analyst", "--password-stdin"],
        input="correct-horse-battery\n",
    )
    assert added.exit_code == 0, added.output
    sweep = SweepReview(load_settings().storage.path("review_db"))
    pushed = sweep.push_review_items(AGENCY, date(2025, 3, 14), hits_frame(hit("p1", "r1")))
    assert pushed == 1
    desk = WebReview(load_workbench_settings().review_db)
    assert desk.authenticate("ana", "correct-horse-battery") is not None
    assert [row["pair_key"] for row in desk.queue(QueueFilter())] == ["p1"]
