"""Nightly whereabouts leads for the enforcing courts, after every agency's sweep of the night.

Runs when all four agencies' outboxes have been updated (each sweep stamps its event with the
night), and can be run for any night by hand (param run_date). Wiring only: the work is
`pipelines.courts.steps.deliver_court_outputs` (leads, then the exit-and-relief
cases and files); a rerun rewrites the same night's files.
"""

from __future__ import annotations

from airflow.sdk import Asset, AssetAll, dag, task

from pipelines.orchestration.airflow_runner import (
    AGENCIES,
    COURT_LEADS_DAG_ID,
    DEFAULT_ARGS,
    call_step,
    nights_from_context,
    outbox_asset_uri,
    run_date_params,
)


@dag(
    dag_id=COURT_LEADS_DAG_ID,
    schedule=AssetAll(*(Asset(outbox_asset_uri(a)) for a in AGENCIES)),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=run_date_params("Night to deliver (YYYY-MM-DD); empty = the sweeps that triggered it."),
    tags=["credsweep", "courts", "leads"],
    doc_md=__doc__,
)
def credsweep_court_leads() -> None:
    @task
    def nights(**context) -> list[str]:
        """The nights whose sweeps triggered this run (or the param)."""
        return nights_from_context(context)

    @task
    def leads(run_date: str, **context) -> dict:
        """Leads per court, then the exit-and-relief cases and decision files."""
        from pipelines.courts.steps import deliver_court_outputs

        return call_step(context, deliver_court_outputs, run_date)

    leads.expand(run_date=nights())


credsweep_court_leads()
