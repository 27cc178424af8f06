"""The Airflow wiring: the dags folder imports cleanly, is shaped as designed, runs end to end."""

from __future__ import annotations

import importlib
import importlib.util
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.errors import CredsweepError, InputError
from pipelines.orchestration.airflow_runner import (
    AGENCIES,
    LIST_ASSET_URI,
    LIST_INGEST_DAG_ID,
    dags_folder,
    night_logical_date,
    outbox_asset_uri,
    resolve_nights,
    sweep_dag_id,
)

# Until tests/conftest.py registers it for the whole suite.
# Airflow fixtures come from tests/airflow_env.py via tests/conftest.py

EXPECTED_DAG_IDS = {LIST_INGEST_DAG_ID, *(sweep_dag_id(a) for a in AGENCIES)}


# --- the night a run processes ------------------------------------------------------------


def test_explicit_run_date_wins_over_everything() -> None:
    start = datetime(2025, 3, 1, 17, tzinfo=UTC)
    assert resolve_nights("2025-02-01", ["2025-03-01"], start, start) == ["2025-02-01"]


def test_asset_triggered_run_sweeps_every_queued_night_in_order() -> None:
    nights = resolve_nights(None, ["2025-03-02", "2025-03-01", "2025-03-02"], None,
                            datetime(2025, 3, 3, tzinfo=UTC))
    assert nights == ["2025-03-01", "2025-03-02"]


def test_timed_run_takes_the_beijing_date_its_interval_starts_on() -> None:
    # 2025-03-01 17:30 UTC is 2025-03-02 01:30 in Beijing: the UTC date would be a day off.
    assert resolve_nights(None, [], datetime(2025, 3, 1, 17, 30, tzinfo=UTC),
                          datetime(2025, 3, 2, 17, 30, tzinfo=UTC)) == ["2025-03-02"]


def test_run_without_interval_or_events_takes_the_day_before_it_ran() -> None:
    assert resolve_nights(None, [], None, datetime(2025, 3, 2, 18, tzinfo=UTC)) == ["2025-03-02"]


def test_runner_logical_date_maps_back_to_the_same_night() -> None:
    # The runner's logical date must give, through the timetable's 1-day interval, the night asked.
    start = night_logical_date("2025-03-01") - timedelta(days=1)
    assert resolve_nights(None, [], start, start) == ["2025-03-01"]


# --- parse and structure --------------------------------------------------------------------


def test_dags_folder_imports_without_errors_and_has_every_dag(airflow_dags: dict) -> None:
    # Other owners add DAGs (capacity_weekly) beside these; ours must all be present.
    assert EXPECTED_DAG_IDS <= set(airflow_dags)


def test_dags_folder_parses_fast(credsweep_base: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    started = time.perf_counter()
    bag = DagBag(dag_folder=str(dags_folder()))
    elapsed = time.perf_counter() - started
    assert not bag.import_errors
    # Reported, not asserted: timing limits flake on shared CI machines.
    print(f"dags folder parse: {elapsed:.3f}s for {len(bag.dags)} DAGs")


def test_dag_files_keep_heavy_modules_out_of_parse_time() -> None:
    heavy = (
        "polars", "duckdb", "great_expectations", "pipelines.orchestration.nightly",
        "pipelines.sweep.run",
    )
    for path in dags_folder().glob("*.py"):
        top_level = [line for line in path.read_text(encoding="utf-8").splitlines()
                     if line.startswith(("import ", "from "))]
        assert not [line for line in top_level for mod in heavy if mod in line], path.name


def test_list_ingest_structure(airflow_dags: dict) -> None:
    dag = airflow_dags[LIST_INGEST_DAG_ID]
    assert [t.task_id for t in dag.tasks] == ["ingest"]
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"
    assert dag.timetable.expression == "0 1 * * *"
    assert str(dag.timetable.timezone) == "Asia/Shanghai"
    assert dag.timetable.interval == timedelta(days=1)
    assert dag.catchup is False and dag.max_active_runs == 1
    assert {"credsweep", "lists"} <= set(dag.tags)
    ingest = dag.get_task("ingest")
    assert ingest.retries == 2 and ingest.retry_delay == timedelta(minutes=5)
    assert [o.uri for o in ingest.outlets] == [LIST_ASSET_URI]


@pytest.mark.parametrize("agency", AGENCIES)
def test_sweep_structure(airflow_dags: dict, agency: str) -> None:
    dag = airflow_dags[sweep_dag_id(agency)]
    assert {t.task_id for t in dag.tasks} == {"nights", "sweep"}
    assert dag.get_task("sweep").upstream_task_ids == {"nights"}
    timetable = dag.timetable
    assert type(timetable).__name__ == "AssetOrTimeSchedule"
    assert type(timetable.timetable).__name__ == "CronTriggerTimetable"
    assert timetable.timetable.expression == "0 3 * * *"
    assert str(timetable.timetable.timezone) == "Asia/Shanghai"
    # The sweep listens to exactly the Asset that list ingest updates.
    assert [a.uri for a in timetable.asset_condition.objects] == [LIST_ASSET_URI]
    assert dag.max_active_runs == 1 and dag.catchup is False
    assert {"credsweep", "sweep", agency} <= set(dag.tags)
    sweep = dag.get_task("sweep")
    assert sweep.retries == 2
    assert [o.uri for o in sweep.outlets] == [outbox_asset_uri(agency)]


# --- runs through dag.test (metadata DB) --------------------------------------------------------


def test_sweep_run_maps_nights_and_returns_the_summary(
    airflow_dags: dict, airflow_db: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wiring only: a fake step shows the night and agency reach the function and come back."""
    import pipelines.orchestration.nightly
    from pipelines.orchestration.airflow_runner import run_dag, task_results

    calls: list[tuple[str, str]] = []

    def fake_sweep(agency: str, run_date: str, settings_path: str | None = None) -> dict:
        calls.append((agency, run_date))
        return {"agency": agency, "run_date": run_date, "records_in": 3}

    monkeypatch.setattr(pipelines.orchestration.nightly, "sweep_agency", fake_sweep)
    run = run_dag(airflow_dags[sweep_dag_id("hotel_booking")], "2024-06-01")
    assert calls == [("hotel_booking", "2024-06-01")]
    assert task_results(run, "sweep") == [
        {"agency": "hotel_booking", "run_date": "2024-06-01", "records_in": 3}
    ]


def test_failed_step_fails_fast_and_names_the_task(
    airflow_dags: dict, airflow_db: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelines.orchestration.nightly
    from pipelines.orchestration.airflow_runner import run_dag

    def broken(run_date: str, settings_path: str | None = None) -> dict:
        raise InputError(f"no list files for {run_date}")

    monkeypatch.setattr(pipelines.orchestration.nightly, "ingest_lists", broken)
    started = time.perf_counter()
    with pytest.raises(CredsweepError) as failure:
        run_dag(airflow_dags[LIST_INGEST_DAG_ID], "2024-06-02")
    message = str(failure.value)
    assert "\n" not in message
    assert message == (f"DAG {LIST_INGEST_DAG_ID} failed for night 2024-06-02 at task ingest: "
                       "InputError: no list files for 2024-06-02")
    # A data error must not wait out the 5-minute retry delay.
    assert time.perf_counter() - started < 60


# --- end to end on generated data ---------------------------------------------------------------

def _generator_ready() -> bool:
    """Whether `pipelines.orchestration.nightly.prepare_demo` can generate data."""
    if importlib.util.find_spec("pipelines.synth") is None:
        return False
    return hasattr(importlib.import_module("pipelines.synth"), "generate")


needs_pipeline = pytest.mark.skipif(
    not _generator_ready(),
    reason="pipelines.synth.generate (used by nightly.prepare_demo) is not importable",
)


@needs_pipeline
def test_list_ingest_then_sweep_end_to_end(
    airflow_dags: dict, airflow_db: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.orchestration.airflow_runner import run_dag, task_results
    from pipelines.orchestration.nightly import prepare_demo

    monkeypatch.setenv("CREDSWEEP_HOME", str(tmp_path))
    # The generator's synthetic world ends on 2025-06-30 (pipelines.synth.lists.REF_DATE);
    # a night before that would hold records from its future, which the contracts refuse.
    night = "2025-06-30"
    prepare_demo(night, size=300, seed=11)

    started = time.perf_counter()
    ingest = run_dag(airflow_dags[LIST_INGEST_DAG_ID], night)
    sweep = run_dag(airflow_dags[sweep_dag_id("hotel_booking")], night)
    print(f"dag.test ingest + hotel sweep: {time.perf_counter() - started:.1f}s")

    (lists,) = task_results(ingest, "ingest")
    assert lists["run_date"] == night and lists["rows_in"] > 0
    (summary,) = task_results(sweep, "sweep")
    assert summary["records_in"] > 0
    assert summary["matches"] + summary["reviews"] > 0
    hits = tmp_path / "runs" / night / "hotel_booking" / "hits.csv"
    assert hits.read_text(encoding="utf-8").startswith("agency,") or hits.stat().st_size > 0
    on_disk = json.loads((hits.parent / "summary.json").read_text(encoding="utf-8"))
    assert on_disk["intercepts"] == summary["intercepts"]

    # Rerunning the night replaces, never adds: the same counts come back.
    (again,) = task_results(run_dag(airflow_dags[sweep_dag_id("hotel_booking")], night), "sweep")
    keys = ("records_in", "records_quarantined", "matches", "reviews", "intercepts")
    assert {k: again[k] for k in keys} == {k: summary[k] for k in keys}
