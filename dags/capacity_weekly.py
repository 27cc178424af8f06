"""Weekly 失信/失能 capacity scoring for the courts.

Wiring only: the work is `pipelines.capacity.weekly.capacity_week`. Runs on Monday 05:00
Beijing time, after Sunday night's sweeps, and scores every active listed debtor as of Sunday
using that week's sweep hits; reports go to runs/<night>/capacity/.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from airflow.sdk import CronTriggerTimetable, dag, task

from pipelines.orchestration.airflow_runner import (
    DEFAULT_ARGS,
    NIGHT_TZ,
    call_step,
    run_date_params,
)

CAPACITY_DAG_ID = "credsweep_capacity_weekly"


@dag(
    dag_id=CAPACITY_DAG_ID,
    schedule=CronTriggerTimetable("0 5 * * 1", timezone=NIGHT_TZ, interval=timedelta(days=7)),
    # A missed week is re-run deliberately (param run_date), never silently on deploy.
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=run_date_params(
        "Night to score at (YYYY-MM-DD); empty = the last night of the interval."
    ),
    tags=["credsweep", "capacity"],
    doc_md=__doc__,
)
def credsweep_capacity_weekly() -> None:
    @task
    def night(**context) -> str:
        """The night this run scores at (param, else the day before the interval ends)."""
        from pipelines.orchestration.airflow_runner import week_night_of

        return week_night_of(context)

    @task
    def capacity(run_date: str, **context) -> dict:
        """Score the week: capacity.csv, per-court XLSX and the HTML summary."""
        from pipelines.capacity.weekly import capacity_week

        return call_step(context, capacity_week, run_date)

    # At run time TaskFlow hands `capacity` the str `night` returned; Airflow's typing has no
    # XComArg of a given type, so the call site says what the reference stands for.
    capacity(cast(str, night()))


credsweep_capacity_weekly()
