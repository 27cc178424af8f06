"""The weekly capacity DAG: structure, and a dag.test() run end to end on small files."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.test_capacity_cli import write_inputs

DAG_ID = "credsweep_capacity_weekly"


def test_week_night_param_else_day_before_interval_end() -> None:
    from pipelines.orchestration.airflow_runner import week_night

    end = datetime(2025, 6, 29, 21, 0, tzinfo=UTC)  # Monday 05:00 in Beijing
    assert week_night("2025-06-01", end, end) == "2025-06-01"
    assert week_night(None, end, end) == "2025-06-29"


def test_capacity_dag_structure(airflow_dags: dict) -> None:
    dag = airflow_dags[DAG_ID]
    assert {t.task_id for t in dag.tasks} == {"night", "capacity"}
    assert dag.get_task("capacity").upstream_task_ids == {"night"}
    assert dag.timetable.expression == "0 5 * * 1"
    assert dag.timetable.interval == timedelta(days=7)
    assert dag.catchup is False and dag.max_active_runs == 1


def test_capacity_dag_end_to_end(
    airflow_dags: dict, airflow_db: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.orchestration.airflow_runner import run_dag, task_results

    night = "2025-06-30"
    monkeypatch.setenv("CREDSWEEP_HOME", str(tmp_path))
    settings = tmp_path / "credsweep.yaml"
    base = Path(__file__).resolve().parent.parent / "pipelines" / "credsweep.yaml"
    settings.write_text(base.read_text(encoding="utf-8"), encoding="utf-8")
    from pipelines.settings import load_settings

    storage = load_settings(settings).storage
    files = write_inputs(tmp_path / "src")
    landing = storage.path("landing") / night
    (landing / "lists").mkdir(parents=True)
    (landing / "capacity").mkdir(parents=True)
    shutil.copy(files["snap"], landing / "lists" / "snapshot.csv")
    shutil.copy(files["delta"], landing / "lists" / "delta_001.csv")
    shutil.copy(files["welfare"], landing / "capacity" / "welfare_status.csv")
    shutil.copy(files["assets"], landing / "capacity" / "asset_inquiry.csv")
    sweep_out = storage.path("runs") / "2025-06-28" / "hotel_booking"
    shutil.copytree(files["hits"], sweep_out)
    monkeypatch.setenv("CREDSWEEP_SETTINGS", str(settings))

    run = run_dag(airflow_dags[DAG_ID], night)
    (summary,) = task_results(run, "capacity")
    assert summary["run_date"] == night and summary["debtors"] == 3
    assert summary["consumption_hits_used"] == 3
    out = storage.path("runs") / night / "capacity" / "capacity.csv"
    with out.open(encoding="utf-8-sig") as fh:
        classes = {r["entry_id"]: r["capacity_class"] for r in csv.DictReader(fh)}
    assert classes == {"E1": "dishonest", "E2": "incapable", "E3": "uncertain"}
