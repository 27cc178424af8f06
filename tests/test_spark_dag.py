"""The Spark sweeps DAG: one spark-submit of pipelines/cli/spark_job.py per agency."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.orchestration.airflow_runner import AGENCIES


def test_spark_sweeps_dag_submits_the_job_per_agency(airflow_dags: dict) -> None:
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    dag = airflow_dags["credsweep_spark_sweeps"]
    assert type(dag.timetable).__name__ == "NullTimetable"  # manual: triggered per night
    submits = [t for t in dag.tasks if isinstance(t, SparkSubmitOperator)]
    assert sorted(t.task_id for t in submits) == sorted(f"sweep_{a}" for a in AGENCIES)
    for t in submits:
        assert t.upstream_task_ids == {"job_args"}
        assert t._conn_id == "spark_default"
        assert Path(t.application).name == "spark_job.py" and Path(t.application).is_file()


def test_job_args_name_the_nights_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.cli.spark_job import job_args

    monkeypatch.setenv("CREDSWEEP_HOME", str(tmp_path))
    night = tmp_path / "landing" / "2026-11-20"
    (night / "lists").mkdir(parents=True)
    (night / "agencies").mkdir()
    for name in ("delta_001.jsonl", "snapshot.csv"):
        (night / "lists" / name).write_text("x", encoding="utf-8")
    (night / "agencies" / "hotel_booking.csv").write_text("x", encoding="utf-8")
    args = job_args("hotel_booking", "2026-11-20")
    lists = [args[i + 1] for i, a in enumerate(args) if a == "--list"]
    assert [Path(p).name for p in lists] == ["snapshot.csv", "delta_001.jsonl"]  # snapshot first
    assert args[args.index("--input") + 1].endswith("hotel_booking.csv")
    assert args[args.index("--warehouse") + 1] == str(tmp_path / "warehouse.duckdb")
    assert "--engine" not in args  # spark_job sets the engine and master itself
