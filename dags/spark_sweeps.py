"""Every agency's sweep of a night with the pair scoring on a Spark cluster (manual trigger).

For nights too large for one machine. Each agency is one `spark-submit` of
`pipelines/cli/spark_job.py` through the Spark provider's SparkSubmitOperator, on the Airflow
connection `spark_default` (its host is the master: yarn, k8s://..., spark://..., local[N]).
Run it after the night's list ingest; the sweeps reuse that ingest's list check. The first task
works out each agency's arguments from the landing area. Sizing: docs/spark.md.
"""

from __future__ import annotations

from typing import cast

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import XComArg, dag, task

from pipelines.orchestration.airflow_runner import (
    AGENCIES,
    DEFAULT_ARGS,
    nights_from_context,
    run_date_params,
)

SPARK_SWEEPS_DAG_ID = "credsweep_spark_sweeps"
SPARK_CONN_ID = "spark_default"


def _application() -> str:
    from pathlib import Path

    import pipelines

    return str(Path(pipelines.__file__).parent / "cli" / "spark_job.py")


@dag(
    dag_id=SPARK_SWEEPS_DAG_ID,
    schedule=None,  # triggered by the data team for a night (param run_date), or a backfill
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=run_date_params("Night to sweep on Spark (YYYY-MM-DD); empty = the run's interval."),
    tags=["credsweep", "sweep", "spark"],
    doc_md=__doc__,
)
def credsweep_spark_sweeps() -> None:
    @task(multiple_outputs=True)
    def job_args(**context) -> dict[str, list[str]]:
        """spark_job's arguments per agency for the night."""
        from pipelines.cli.spark_job import job_args

        night = nights_from_context(context)[0]
        return {agency: job_args(agency, night) for agency in AGENCIES}

    # `job_args` pushes one XCom per agency (multiple_outputs); each job's arguments are a
    # reference to its own key, which Airflow resolves to the list of strings at run time
    ((args_task, _),) = job_args().iter_references()
    for agency in AGENCIES:
        SparkSubmitOperator(
            task_id=f"sweep_{agency}",
            application=_application(),
            conn_id=SPARK_CONN_ID,
            name=f"credsweep-{agency}",
            application_args=cast(list[str], XComArg(args_task, key=agency)),
            # executors and memory come from the connection / cluster defaults; see docs/spark.md
        )


credsweep_spark_sweeps()
