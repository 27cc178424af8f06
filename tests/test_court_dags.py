"""The courts' DAGs: leads after every agency's sweep, the weekly ranking; wiring and runs."""

from __future__ import annotations

from pipelines.orchestration.airflow_runner import AGENCIES, COURT_LEADS_DAG_ID, outbox_asset_uri


def test_leads_dag_waits_for_every_agency_outbox(airflow_dags: dict) -> None:
    dag = airflow_dags[COURT_LEADS_DAG_ID]
    assert {t.task_id for t in dag.tasks} == {"nights", "leads"}
    assert dag.get_task("leads").upstream_task_ids == {"nights"}
    uris = {asset.uri for asset in dag.timetable.asset_condition.objects}
    assert uris == {outbox_asset_uri(a) for a in AGENCIES}
    assert dag.catchup is False and dag.max_active_runs == 1


def test_sweep_tasks_stamp_the_night_on_their_outbox_event(airflow_dags: dict) -> None:
    from pipelines.orchestration.airflow_runner import sweep_dag_id

    for agency in AGENCIES:
        task = airflow_dags[sweep_dag_id(agency)].get_task("sweep")
        assert [o.uri for o in task.outlets] == [outbox_asset_uri(agency)]


def test_weekly_ranking_dag_structure(airflow_dags: dict) -> None:
    from datetime import timedelta

    from pipelines.orchestration.airflow_runner import COURT_WEEKLY_DAG_ID

    dag = airflow_dags[COURT_WEEKLY_DAG_ID]
    assert {t.task_id for t in dag.tasks} == {"night", "ranking"}
    assert dag.get_task("ranking").upstream_task_ids == {"night"}
    assert dag.timetable.expression == "0 6 * * 1"
    assert dag.timetable.interval == timedelta(days=7)
