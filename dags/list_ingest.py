"""Nightly court-list ingest: apply the night's snapshot and deltas to the versioned list.

Wiring only: the work is `pipelines.orchestration.nightly.ingest_lists`. On success the task
updates the list Asset with the night it ingested, which triggers every agency's sweep DAG for
that night.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset, CronTriggerTimetable, dag, task

from pipelines.orchestration.airflow_runner import (
    DEFAULT_ARGS,
    INGEST_CRON,
    LIST_ASSET_URI,
    LIST_INGEST_DAG_ID,
    NIGHT_TZ,
    call_step,
    nights_from_context,
    run_date_params,
)

LIST_ASSET = Asset(LIST_ASSET_URI)


@dag(
    dag_id=LIST_INGEST_DAG_ID,
    # interval=1 day: the 01:00 run's data interval is the Beijing day that just closed,
    # and that day is the night it ingests (see
    # pipelines.orchestration.airflow_runner.resolve_nights).
    schedule=CronTriggerTimetable(INGEST_CRON, timezone=NIGHT_TZ, interval=timedelta(days=1)),
    # No start_date: a task only gets instances for logical dates after it, and any past
    # night must stay re-runnable (backfills, reruns of old nights).
    # Missed nights are replayed deliberately with a backfill, never silently on deploy.
    catchup=False,
    # Nights must apply in order: deltas of night N+1 assume night N's list.
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=run_date_params("Night to ingest (YYYY-MM-DD); empty = the run's data interval."),
    tags=["credsweep", "lists"],
    doc_md=__doc__,
)
def credsweep_list_ingest() -> None:
    @task(outlets=[LIST_ASSET])
    def ingest(**context) -> dict:
        """Ingest the night's list files; stamp the Asset event with the night for the sweeps."""
        from pipelines.orchestration.nightly import ingest_lists

        run_date = nights_from_context(context)[0]
        result = call_step(context, ingest_lists, run_date)
        context["outlet_events"][LIST_ASSET].extra = {"run_date": run_date}
        return result

    ingest()


credsweep_list_ingest()
