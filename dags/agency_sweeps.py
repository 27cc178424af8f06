"""One sweep DAG per agency: screen the night's agency records against the current list.

Each DAG runs when the list Asset updates (the usual path: right after the night's ingest) and
at 03:00 Beijing time as a safety net, so agency data is still screened on a night the list did
not change. Reruns of a night upsert, so the two triggers firing for one night is harmless.
Wiring only: the work is `pipelines.orchestration.nightly.sweep_agency`.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable, dag, task

from pipelines.orchestration.airflow_runner import (
    AGENCIES,
    DEFAULT_ARGS,
    LIST_ASSET_URI,
    NIGHT_TZ,
    SWEEP_CRON,
    call_step,
    nights_from_context,
    outbox_asset_uri,
    run_date_params,
    sweep_dag_id,
)

LIST_ASSET = Asset(LIST_ASSET_URI)


def build_sweep_dag(agency: str) -> None:
    """Define `credsweep_sweep_<agency>`."""

    @dag(
        dag_id=sweep_dag_id(agency),
        schedule=AssetOrTimeSchedule(
            timetable=CronTriggerTimetable(
                SWEEP_CRON, timezone=NIGHT_TZ, interval=timedelta(days=1)
            ),
            assets=[LIST_ASSET],
        ),
        # No start_date, so any past night can be backfilled or rerun (see list_ingest.py).
        catchup=False,
        # One night at a time per agency: the alerts ledger withdraws and re-sends in night order.
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        params=run_date_params(
            "Night to sweep (YYYY-MM-DD); empty = the triggering list update(s)."
        ),
        tags=["credsweep", "sweep", agency],
        doc_md=__doc__,
    )
    def sweep_dag() -> None:
        @task
        def nights(**context) -> list[str]:
            """The nights this run sweeps (several when a list backfill queued them)."""
            return nights_from_context(context)

        # One mapped instance per night, so each night is its own retryable transaction.
        outbox = Asset(outbox_asset_uri(agency))

        @task(outlets=[outbox])
        def sweep(run_date: str, **context) -> dict:
            """Sweep one night for this agency; returns the run summary."""
            from pipelines.orchestration.nightly import sweep_agency

            result = call_step(context, sweep_agency, agency, run_date)
            # the courts' leads DAG learns the night from the event, like the sweeps do
            context["outlet_events"][outbox].extra = {"run_date": run_date}
            return result

        sweep.expand(run_date=nights())

    sweep_dag()


for _agency in AGENCIES:
    build_sweep_dag(_agency)
